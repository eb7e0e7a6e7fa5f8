"""Errors the Python function runtime reports to the engine.

Each names the user's function (its SQL name when the engine gave one).
Transports send ``str(error)`` as the message and, for
:class:`PythonFunctionError`, ``error.traceback`` beside it.
"""

import os
import traceback as _traceback

__all__ = ['TaipanError', 'FunctionLoadError', 'DescriptorError', 'PythonFunctionError',
           'ResultTypeError']

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class TaipanError(Exception):
    """Base of the runtime's errors."""


class FunctionLoadError(TaipanError):
    """A function's module or attribute cannot be loaded, or the object is
    not a Taipan function."""


class DescriptorError(TaipanError):
    """The operation descriptor the engine sent is malformed or does not
    match the batch it sent."""


class PythonFunctionError(TaipanError):
    """A user function raised.

    Attributes: ``function`` (name), ``method`` (``None`` for the call
    itself, else e.g. ``'open'``, ``'accumulate'``), ``exception_type``
    (qualified class name), ``exception_message`` and ``traceback`` (the
    formatted traceback, without the runtime's own frames).
    """

    def __init__(self, function, exc, method=None):
        self.function = function
        self.method = method
        cls = type(exc)
        mod = cls.__module__
        self.exception_type = cls.__qualname__ if mod in ('builtins', '__main__') \
            else '%s.%s' % (mod, cls.__qualname__)
        self.exception_message = str(exc)
        self.traceback = format_user_traceback(exc)
        where = 'Python function %r' % function
        if method:
            where += ' in %s()' % method
        msg = '%s raised %s' % (where, self.exception_type)
        if self.exception_message:
            msg += ': ' + self.exception_message
        super().__init__(msg)


class ResultTypeError(TaipanError):
    """A function returned a value that does not fit its declared type.

    Attributes: ``function``, ``declared_type`` (SQL spelling), ``value``.
    """

    def __init__(self, function, declared_type, value, reason=None, what='result type'):
        self.function = function
        self.declared_type = declared_type
        self.value = value
        # numpy scalars print as np.float64(1.5); users wrote 1.5.
        plain = value.item() if type(value).__module__ == 'numpy' and hasattr(value, 'item') \
            and getattr(value, 'ndim', None) == 0 else value
        shown = repr(plain)
        if len(shown) > 200:
            shown = shown[:200] + '...'
        msg = 'Python function %r returned %s of Python type %s, which does not fit ' \
              'its declared %s %s' % (function, shown, type(value).__name__, what,
                                      declared_type)
        if reason:
            msg += ': ' + reason
        super().__init__(msg)


def format_user_traceback(exc):
    """The traceback of ``exc`` without the frames of this package, so that
    the user sees their own code first."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        tb = tb.tb_next
    if tb is None:
        tb = exc.__traceback__
    return ''.join(_traceback.format_exception(type(exc), exc, tb))


def error_fields(exc, transport):
    """(error, function, message, traceback) of an exception raised while
    serving an operation, the same in both execution modes. ``message``
    reads after the engine's "Python function NAME failed: "; an exception
    that is not Taipan's is an ``InternalError`` of ``transport`` (the name
    of the mode's runtime), with its full traceback."""
    name = type(exc).__name__
    function = getattr(exc, 'function', None) or ''
    tb = getattr(exc, 'traceback', None) or ''
    if isinstance(exc, PythonFunctionError):
        message = exc.exception_type
        if exc.exception_message:
            message += ': ' + exc.exception_message
        if exc.method:
            message = 'in %s: %s' % (exc.method, message)
    elif isinstance(exc, TaipanError):
        message = str(exc)
        # The engine's error already says "Python function NAME failed: ".
        prefix = 'Python function %r ' % function
        if function and message.startswith(prefix):
            message = message[len(prefix):]
    else:
        name = 'InternalError'
        message = '%s: %s: %s' % (transport, type(exc).__name__, exc)
        tb = ''.join(_traceback.format_exception(type(exc), exc, exc.__traceback__))
    return name, function, message, tb
