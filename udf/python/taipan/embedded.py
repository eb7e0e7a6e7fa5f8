"""THREAD mode's transport: what the engine's embedded interpreter calls.

The engine (udf/thread) embeds CPython and calls these functions, one call
per operation step, with Arrow batches crossing through the Arrow C Data
Interface: the engine passes the addresses of C ``ArrowArray`` and
``ArrowSchema`` structs as integers, and nothing is copied. Like
:mod:`taipan.worker`, it is a thin transport: every function kind is
:mod:`taipan.operations`' business, so both modes compute the same results.

``start()``
    Once, when the engine has started the interpreter: sends ``sys.stdout``
    to ``sys.stderr`` (a ``print()`` in a function must not write into the
    engine's own output) and returns a line naming the interpreter.
``create(descriptor, job_parameters=None, schema_address=0) -> Handle``
    Creates and opens the operation a serialized ``taipan.udf.Operation``
    describes; exports its output schema to ``schema_address`` when given.
``process(handle, array_address, schema_address, num_rows, out_address,
out_schema_address) -> int``
    Imports one input batch (``schema_address`` 0: the schema of the
    previous batch; ``array_address`` 0: a batch of ``num_rows`` rows and no
    columns), runs ``Operation.process`` and exports its output to
    ``out_address``. Returns 0 when there is no output, 1 when the output
    has the declared output schema, 2 when it has another one, exported to
    ``out_schema_address`` too.
``finish(handle, out_address, out_schema_address) -> int``
    ``Operation.finish``, exported as ``process`` does.
``close(handle)``
    ``Operation.close``; idempotent.
``describe(target, python_files) -> bytes``
    A serialized ``FunctionSignature`` of ``module.attribute``.
``error_fields(exc) -> (error, function, message, traceback)``
    The parts of the engine's ``udf.Error`` for an exception raised by any
    of the above, in the conventions of :mod:`taipan.worker`: ``error`` is
    the taipan.errors class name, ``Cancelled`` for an interruption, or
    ``InternalError``.
``run(source) -> str``
    Executes Python source in a fresh namespace and returns ``repr`` of its
    ``result`` variable: for the engine's tests and benchmarks.

Cancellation: the engine interrupts a running call by raising
:class:`Cancelled` in its thread asynchronously; it reaches the engine as
the error ``Cancelled``.
"""

import sys

import pyarrow as pa

from taipan import operations
from taipan import errors as _errors
from taipan.errors import format_user_traceback

__all__ = ['Cancelled', 'Handle', 'start', 'create', 'process', 'finish', 'close', 'describe',
           'error_fields', 'run']


class Cancelled(BaseException):
    """Raised asynchronously in the thread of a call the engine cancelled.
    A BaseException, so that a function's ``except Exception`` does not
    swallow it."""


class Handle:
    """One open operation, with the schemas that need not cross again."""
    __slots__ = ('operation', 'input_schema', 'output_schema')

    def __init__(self, operation):
        self.operation = operation
        self.input_schema = None
        self.output_schema = operation.output_schema


def start():
    """Prepares the interpreter for the engine; returns its description."""
    sys.stdout.flush()
    sys.stdout = sys.stderr
    return 'CPython %s at %s (pyarrow %s)' % (sys.version.split()[0], sys.prefix,
                                              pa.__version__)


def create(descriptor, job_parameters=None, schema_address=0):
    operation = operations.create_operation(descriptor, job_parameters)
    try:
        operation.open()
    except BaseException:
        # close() the functions that did open; the error of open() wins.
        try:
            operation.close()
        except Exception:
            pass
        raise
    handle = Handle(operation)
    if schema_address:
        handle.output_schema._export_to_c(schema_address)
    return handle


def _no_columns(num_rows):
    """A batch of ``num_rows`` rows and no columns (the C Data Interface's
    struct of no children carries its length, but the engine does not
    export one)."""
    struct = pa.Array.from_buffers(pa.struct([]), num_rows, [None], children=[])
    return pa.RecordBatch.from_struct_array(struct)


def process(handle, array_address, schema_address, num_rows, out_address, out_schema_address):
    if schema_address:
        handle.input_schema = pa.Schema._import_from_c(schema_address)
    if array_address:
        batch = pa.RecordBatch._import_from_c(array_address, handle.input_schema)
    else:
        batch = _no_columns(num_rows)
    return _export(handle, handle.operation.process(batch), out_address, out_schema_address)


def finish(handle, out_address, out_schema_address):
    return _export(handle, handle.operation.finish(), out_address, out_schema_address)


def _export(handle, out, out_address, out_schema_address):
    if out is None:
        return 0
    if out.schema.equals(handle.output_schema):
        out._export_to_c(out_address)
        return 1
    # The engine reads a batch by the schema exported with it, never by a
    # schema it does not match.
    out._export_to_c(out_address, out_schema_address)
    return 2


def close(handle):
    handle.operation.close()


def describe(target, python_files):
    return operations.describe_function(target, python_files).SerializeToString()


def error_fields(exc):
    """(error, function, message, traceback) of ``exc``; ``message`` reads
    after "Python function NAME failed: "."""
    if isinstance(exc, Cancelled):
        return (type(exc).__name__, getattr(exc, 'function', None) or '', 'interrupted',
                format_user_traceback(exc))
    return _errors.error_fields(exc, 'embedded Python')


def run(source):
    namespace = {'__name__': '__taipan_run__'}
    exec(compile(source, '<taipan>', 'exec'), namespace)
    return repr(namespace.get('result'))
