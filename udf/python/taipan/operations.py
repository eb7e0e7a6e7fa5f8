"""Python operations: evaluate Taipan functions over Arrow record batches.

This is the only code that knows the function kinds. It knows nothing of
transport: THREAD mode calls it in-process, the PROCESS-mode worker over
Arrow Flight; both compute the same results by construction.

API
---
``create_operation(descriptor, job_parameters=None) -> Operation``
    ``descriptor`` is a ``taipan.udf.Operation`` message (udf/udfpb/udf.proto)
    or its serialized bytes. Puts ``python_files`` on ``sys.path`` and
    imports every function at once: FunctionLoadError for a missing module or
    attribute or an object that is not a Taipan function; DescriptorError for
    a malformed descriptor. ``job_parameters`` are added to the descriptor's.
``Operation.open()``
    Calls each function's ``open(FunctionContext(job_parameters))`` once.
``Operation.process(batch) -> pyarrow.RecordBatch | None``
    Any number of times, one input batch each.
``Operation.finish() -> pyarrow.RecordBatch | None``
    At the end of the input. Resets the state: the operation may then take
    another input, from ``process`` again.
``Operation.close()``
    Calls each function's ``close()``; idempotent.
``Operation.output_schema``
    The schema of the batches it returns.
``describe_function(target, python_files=()) -> FunctionSignature``
    What CREATE FUNCTION needs to know about ``module.attribute``.

Batches
-------
Arguments refer to input columns by index, counting every column of the
batch, special ones included. Special columns are found by name. A batch
carries at least one column even when no call reads one (``no_args()``,
constants only), since its row count is what such calls need. Output
result columns carry their SQL type in the field metadata key
``taipan.sql_type`` (as the engine's ``types.SQLTypeKey``).

SCALAR
    In: the columns the calls reference. Out: one column per top-level call,
    named ``f0, f1, ...``, of the declared result types, as many rows as the
    input. General functions are called once per row with Python values
    (NULL is passed as None, the function decides); Pandas functions once
    per batch with one ``pandas.Series`` per argument (a ROW as a DataFrame,
    a constant as a Series of the batch's length) and return a Series (or
    array, or list) of the batch's length. Nested calls are evaluated first,
    their results converted to their declared types; a deterministic nested
    call written twice is evaluated once per batch.
TABLE
    In: the columns the call references. Out: ``row`` (int32, index in the
    input batch of the row that produced the output row), then the result
    columns ``f0, f1, ...``; rows of one input row are consecutive and in
    input order. An input row that produces nothing appears in no output
    row. The function yields rows (tuple or Row; a bare value for a single
    column), or returns a list, range, generator or iterator of them, a
    single tuple or Row (one row), a bare value (one row of one column) or
    None (no rows).
AGGREGATE (general, class based)
    In: ``group`` (int32, dense group id, not NULL), optionally ``retract``
    (bool: rows with true call ``retract``, others ``accumulate``), and the
    columns the call references. ``process`` returns None. ``finish``
    returns ``group`` (int32) and ``value`` for every group seen, in group-id
    order (with ``global_aggregate``, group 0 always).
    ``aggregate_phase`` PARTIAL: the same input; ``finish`` returns
    ``group`` and ``accumulator`` (of the accumulator type) instead of
    ``value``. FINAL: in, ``group`` and ``accumulator`` (PARTIAL outputs,
    from any number of operations); each batch's accumulators of a group
    are merged with ``merge(acc, [accumulators])`` into the group's
    accumulator (created on first sight); the call's arguments are not
    used; ``finish`` returns ``group`` and ``value`` as COMPLETE does.
PANDAS_AGGREGATE
    In: as AGGREGATE, without ``retract``. Rows are buffered; ``finish``
    calls the function once per group with one Series per argument holding
    the group's rows in arrival order, indexed from 0, and returns ``group``
    and ``value`` as AGGREGATE.
PANDAS_WINDOW_AGGREGATE
    In: ``partition`` (int32), ``frame_start`` and ``frame_end`` (int64: the
    frame of this row is rows [start, end) of its partition, counting the
    partition's rows in arrival order from 0), then the columns the call
    references. ``finish`` calls the function once per input row with the
    frame's values (Series indexed from 0; an empty frame gives empty
    Series) and returns ``value``, one row per input row, in arrival order.

An Operation is not safe for concurrent use: one thread drives it at a time.

Results are converted to the declared type with the checks of
:mod:`taipan.values`: a value that does not fit raises ResultTypeError
naming the function, the declared type and the value. An exception raised
by the user's code (in a call, ``open``, ``close``, ``create_accumulator``,
``accumulate``, ``retract``, ``merge``, ``get_value``) becomes a PythonFunctionError
naming the function, the exception type and message, with the traceback.
"""

import collections.abc
import datetime
import decimal
import importlib
import os
import sys
import types as _pytypes

import numpy as np
import pyarrow as pa
from google.protobuf.message import DecodeError

from taipan import udf_pb2
from taipan.errors import (DescriptorError, FunctionLoadError, PythonFunctionError,
                           ResultTypeError, TaipanError)
from taipan.types import (BooleanType, DateType, DecimalType, DoubleType, FloatType, NullType,
                          Row, TimestampType, VarBinaryType, VarCharType, parse_type)
from taipan.udf import (AGGREGATE, GENERAL, PANDAS, SCALAR, TABLE, FunctionContext,
                        UserDefinedFunctionWrapper)
from taipan import values as _values

__all__ = ['create_operation', 'describe_function', 'load_function', 'add_python_files',
           'Operation', 'ScalarOperation', 'TableOperation', 'AggregateOperation',
           'PandasAggregateOperation', 'PandasWindowAggregateOperation']

SQL_TYPE_KEY = b'taipan.sql_type'

_USER_ERRORS = (Exception, SystemExit)


# ---------------------------------------------------------------------------
# Loading functions

def add_python_files(paths):
    """Makes ``python.files`` entries importable: a ``.py`` file's directory,
    a ``.zip`` archive, a directory; first on ``sys.path``, in order."""
    entries = []
    for p in paths:
        p = p.strip()
        if not p:
            continue
        path = os.path.abspath(os.path.expanduser(p))
        if not os.path.exists(path):
            raise FunctionLoadError('python.files: %r does not exist' % p)
        if os.path.isdir(path):
            entries.append(path)
        elif path.endswith('.py'):
            entries.append(os.path.dirname(path))
        elif path.endswith('.zip') or path.endswith('.egg') or path.endswith('.whl'):
            entries.append(path)
        else:
            raise FunctionLoadError('python.files: %r is not a .py file, a .zip archive or a '
                                    'directory' % p)
    for e in reversed(entries):
        if e in sys.path:
            sys.path.remove(e)
        sys.path.insert(0, e)
    # The current directory comes after python.files.
    cwd = os.getcwd()
    if cwd not in sys.path and '' not in sys.path:
        sys.path.append(cwd)
    importlib.invalidate_caches()


def load_function(target, python_files=()):
    """The Taipan function ``module.attribute`` names (nested attributes
    allowed: ``pkg.mod.holder.fn``)."""
    if not isinstance(target, str) or '.' not in target.strip('.') or \
            any(not part.isidentifier() for part in target.split('.')):
        raise FunctionLoadError("%r is not a 'module.attribute' name" % (target,))
    add_python_files(python_files)
    parts = target.split('.')
    module = None
    for i in range(len(parts) - 1, 0, -1):
        modname = '.'.join(parts[:i])
        try:
            module = importlib.import_module(modname)
            break
        except ModuleNotFoundError as e:
            # Only a missing module of the name itself moves on to a shorter
            # prefix; a module that fails to import its own dependencies is
            # an error of that module.
            if e.name is not None and (modname == e.name or modname.startswith(e.name + '.')):
                if i == 1:
                    raise FunctionLoadError('%s: no module named %r (python.files and the '
                                            'current directory are searched)'
                                            % (target, parts[0])) from None
                continue
            raise _import_error(target, modname, e) from None
        except _USER_ERRORS as e:
            raise _import_error(target, modname, e) from None
    obj = module
    for j in range(i, len(parts)):
        try:
            obj = getattr(obj, parts[j])
        except AttributeError:
            raise FunctionLoadError('%s: %r has no attribute %r'
                                    % (target, '.'.join(parts[:j]), parts[j])) from None
    if not isinstance(obj, UserDefinedFunctionWrapper):
        what = type(obj).__name__
        raise FunctionLoadError('%s is a %s, not a Taipan function: make it with udf(), udtf() '
                                'or udaf() from taipan.udf' % (target, what))
    return obj


def _import_error(target, modname, exc):
    err = PythonFunctionError(target, exc, method='import of module %r' % modname)
    load = FunctionLoadError('%s: importing module %r raised %s%s'
                             % (target, modname, err.exception_type,
                                ': ' + err.exception_message if err.exception_message else ''))
    load.traceback = err.traceback
    return load


_SIGNATURE_KINDS = {SCALAR: udf_pb2.FunctionSignature.SCALAR,
                    TABLE: udf_pb2.FunctionSignature.TABLE,
                    AGGREGATE: udf_pb2.FunctionSignature.AGGREGATE}
_FUNC_TYPES = {GENERAL: udf_pb2.Function.GENERAL, PANDAS: udf_pb2.Function.PANDAS}


def signature_of(function):
    """The FunctionSignature of a Taipan function object."""
    sig = udf_pb2.FunctionSignature(
        name=function.name, kind=_SIGNATURE_KINDS[function.kind],
        func_type=_FUNC_TYPES[function.func_type],
        input_types_declared=function.input_types is not None,
        input_types=[t.sql() for t in function.input_types or ()],
        result_types=[t.sql() for t in function.result_types],
        accumulator_type=function.accumulator_type.sql() if function.accumulator_type else '',
        deterministic=function.deterministic,
        has_retract=bool(getattr(function, 'has_retract', False)),
        has_merge=bool(getattr(function, 'has_merge', False)),
        signature=function.signature())
    sig.min_arguments, sig.max_arguments = function.arity()
    return sig


def describe_function(target, python_files=()):
    """Imports ``target`` and returns its FunctionSignature."""
    return signature_of(load_function(target, python_files))


# ---------------------------------------------------------------------------
# The descriptor, compiled

class _Function:
    """One entry of Operation.functions, loaded."""

    def __init__(self, index, spec):
        self.index = index
        self.wrapper = load_function(spec.target, ())
        self.name = spec.name or self.wrapper.name
        if spec.func_type != _FUNC_TYPES[self.wrapper.func_type]:
            raise DescriptorError('function %r: the descriptor says func_type %s but %s is a %s '
                                  'function' % (self.name, udf_pb2.Function.FuncType.Name(
                                      spec.func_type), spec.target, self.wrapper.func_type))
        self.kind = self.wrapper.kind
        self.pandas = self.wrapper.func_type == PANDAS
        self.evaluator = self.wrapper.evaluator
        self.argument_types = [_parse(t, 'argument type of function %r' % self.name)
                               for t in spec.argument_types] or None
        if spec.result_types:
            self.result_types = [_parse(t, 'result type of function %r' % self.name)
                                 for t in spec.result_types]
        else:
            self.result_types = list(self.wrapper.result_types)
        if self.kind != TABLE and len(self.result_types) != 1:
            raise DescriptorError('function %r: a %s function has one result type, the '
                                  'descriptor gives %d' % (self.name, self.kind,
                                                           len(self.result_types)))
        self.result_type = self.result_types[0]
        self.deterministic = self.wrapper.deterministic
        if spec.accumulator_type:
            self.accumulator_type = _parse(spec.accumulator_type,
                                           'accumulator type of function %r' % self.name)
        else:
            self.accumulator_type = self.wrapper.accumulator_type


def _parse(text, what):
    try:
        return parse_type(text)
    except (TypeError, ValueError) as e:
        raise DescriptorError('%s: %s' % (what, e)) from None


class _Context:
    """Per-batch evaluation state. ``checked``: the batch has the schema of
    an earlier batch whose columns passed every argument's checks, so they
    need not run again."""
    __slots__ = ('batch', 'length', 'cache', 'checked')

    def __init__(self, batch, checked=False):
        self.batch = batch
        self.length = batch.num_rows
        self.cache = {}
        self.checked = checked


class _ColumnArgument:
    def __init__(self, index, data_type, where):
        self.index = index
        self.data_type = data_type
        self.arrow_type = data_type.to_arrow() if data_type is not None else None
        self.where = where
        # With a declared type, what reading the column takes is known now.
        if self.arrow_type is not None:
            self._nested = pa.types.is_nested(self.arrow_type)
            self._read = _values.python_reader(self.arrow_type)
        else:
            self._nested = self._read = None

    def arrow(self, ctx):
        batch = ctx.batch
        if ctx.checked:
            return batch.column(self.index)
        if self.index >= batch.num_columns:
            raise DescriptorError('%s: column %d does not exist; the batch has %d columns'
                                  % (self.where, self.index, batch.num_columns))
        arr = batch.column(self.index)
        if self.arrow_type is not None and arr.type != self.arrow_type:
            raise DescriptorError('%s: column %d (%r) is %s, the function takes %s'
                                  % (self.where, self.index, batch.schema.names[self.index],
                                     arr.type, self.data_type.sql()))
        return arr

    def python(self, ctx):
        # A column several calls read is converted once per batch, unless its
        # values are mutable (list, dict, Row): one call could change what
        # the next one sees. Series are never shared, for the same reason.
        if self._read is None:
            arr = self.arrow(ctx)
            if pa.types.is_nested(arr.type):
                return _values.to_python(arr)
            read = _values.to_python
        else:
            if self._nested:
                return self._read(self.arrow(ctx))
            arr = None
            read = self._read
        key = ('python', self.index)
        values = ctx.cache.get(key)
        if values is None:
            values = ctx.cache[key] = read(self.arrow(ctx) if arr is None else arr)
        return values

    def series(self, ctx):
        return _values.to_series(self.arrow(ctx))


class _ConstantArgument:
    def __init__(self, spec, where):
        self.data_type = _parse(spec.type, '%s: constant type' % where)
        self.arrow_type = self.data_type.to_arrow()
        self.value = _constant_value(spec, self.data_type, where)
        try:
            self._scalar = pa.scalar(self.value, type=self.arrow_type)
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as e:
            raise DescriptorError('%s: constant %r does not fit %s: %s'
                                  % (where, self.value, self.data_type.sql(), e)) from None

    def arrow(self, ctx):
        if self.value is None:
            return pa.nulls(ctx.length, type=self.arrow_type)
        return pa.repeat(self._scalar, ctx.length)

    def python(self, ctx):
        return _values.repeat(self.value, ctx.length)

    def series(self, ctx):
        return _values.to_series(self.arrow(ctx))


_EPOCH_DATE = datetime.date(1970, 1, 1)
_EPOCH = datetime.datetime(1970, 1, 1)


def _constant_value(spec, dt, where):
    field = spec.WhichOneof('value')
    if field is None:
        return None
    v = getattr(spec, field)

    def wrong():
        return DescriptorError('%s: a %s constant cannot be given as %s'
                               % (where, dt.sql(), field))
    if isinstance(dt, NullType):
        raise wrong()
    if isinstance(dt, BooleanType):
        if field != 'bool_value':
            raise wrong()
        return v
    if isinstance(dt, (FloatType, DoubleType)):
        if field not in ('double_value', 'int_value'):
            raise wrong()
        return float(v)
    if isinstance(dt, DecimalType):
        if field == 'int_value':
            return decimal.Decimal(v)
        if field != 'string_value':
            raise wrong()
        try:
            return decimal.Decimal(v)
        except decimal.InvalidOperation:
            raise DescriptorError('%s: %r is not a decimal number' % (where, v)) from None
    if isinstance(dt, VarCharType):
        if field != 'string_value':
            raise wrong()
        return v
    if isinstance(dt, VarBinaryType):
        if field != 'bytes_value':
            raise wrong()
        return v
    if isinstance(dt, DateType):
        if field != 'int_value':
            raise wrong()
        return _EPOCH_DATE + datetime.timedelta(days=v)
    if isinstance(dt, TimestampType):
        if field != 'int_value':
            raise wrong()
        return _EPOCH + datetime.timedelta(microseconds=v)
    if dt.sql() in ('TINYINT', 'SMALLINT', 'INT', 'BIGINT'):
        if field != 'int_value':
            raise wrong()
        return v
    raise DescriptorError('%s: %s constants are not supported' % (where, dt.sql()))


class _CallArgument:
    """A scalar call, as an argument or as a top-level SCALAR call."""

    def __init__(self, function, arguments, key):
        self.function = function
        self.arguments = arguments
        self.data_type = function.result_type
        # Identical deterministic calls are evaluated once per batch.
        self.key = key if function.deterministic else None
        if not function.pandas:
            self._write = _values.arrow_writer(function.result_type, function.name)

    def arrow(self, ctx):
        if self.key is not None:
            hit = ctx.cache.get(self.key)
            if hit is not None:
                return hit
        f = self.function
        if f.pandas:
            args = [a.series(ctx) for a in self.arguments]
            try:
                result = f.evaluator(*args)
            except _USER_ERRORS as e:
                raise PythonFunctionError(f.name, e) from None
            arr = _values.pandas_to_arrow(result, f.result_type, f.name, ctx.length)
        else:
            columns = [a.python(ctx) for a in self.arguments]
            ev = f.evaluator
            try:
                if columns:
                    results = list(map(ev, *columns))
                else:
                    results = [ev() for _ in range(ctx.length)]
            except _USER_ERRORS as e:
                raise PythonFunctionError(f.name, e) from None
            arr = self._write(results)
        if self.key is not None:
            ctx.cache[self.key] = arr
        return arr

    def python(self, ctx):
        return _values.to_python(self.arrow(ctx))

    def series(self, ctx):
        return _values.to_series(self.arrow(ctx))


def _parse_descriptor(descriptor):
    if isinstance(descriptor, udf_pb2.Operation):
        return descriptor
    if isinstance(descriptor, (bytes, bytearray, memoryview)):
        try:
            return udf_pb2.Operation.FromString(bytes(descriptor))
        except DecodeError as e:
            raise DescriptorError('the operation descriptor is not a taipan.udf.Operation '
                                  'message: %s' % e) from None
    raise TypeError('descriptor must be a taipan.udf.Operation or its serialized bytes, got %s'
                    % type(descriptor).__name__)


def _field(name, data_type):
    return pa.field(name, data_type.to_arrow(), metadata={SQL_TYPE_KEY: data_type.sql()})


def _column(batch, name, arrow_type, kind, nulls=False):
    i = batch.schema.get_field_index(name)
    if i < 0:
        raise DescriptorError('a %s batch needs one %s column named %r; it has columns %s'
                              % (kind, arrow_type, name, batch.schema.names))
    arr = batch.column(i)
    if arr.type != arrow_type:
        raise DescriptorError('a %s batch\'s column %r must be %s, not %s'
                              % (kind, name, arrow_type, arr.type))
    if arr.null_count and not nulls:
        raise DescriptorError('a %s batch\'s column %r has NULLs' % (kind, name))
    return arr


# ---------------------------------------------------------------------------
# Operations

class Operation:
    """Evaluates one descriptor's calls over Arrow batches (see the module
    docstring for the batches of each kind)."""

    kind = None
    _function_kind = None
    _function_type = None

    def __init__(self, descriptor, job_parameters=None):
        self.descriptor = descriptor
        self.job_parameters = dict(descriptor.job_parameters)
        if job_parameters:
            self.job_parameters.update({str(k): str(v) for k, v in job_parameters.items()})
        add_python_files(descriptor.python_files)
        self.functions = [_Function(i, spec) for i, spec in enumerate(descriptor.functions)]
        if not descriptor.calls:
            raise DescriptorError('%s operation without calls' % self.kind)
        if descriptor.aggregate_phase != udf_pb2.Operation.COMPLETE and \
                self.kind != 'AGGREGATE':
            raise DescriptorError('a %s operation has no aggregate phase %s' % (
                self.kind, udf_pb2.Operation.AggregatePhase.Name(descriptor.aggregate_phase)))
        self.calls = descriptor.calls
        self._opened = None
        self._closed = False

    # Compiling calls

    def _function(self, index, where):
        if not 0 <= index < len(self.functions):
            raise DescriptorError('%s: function %d does not exist; the descriptor has %d'
                                  % (where, index, len(self.functions)))
        return self.functions[index]

    def _arguments(self, f, call, where):
        args = list(call.arguments)
        lo, hi = f.wrapper.arity()
        if len(args) < lo or (hi >= 0 and len(args) > hi):
            expected = str(lo) if lo == hi else \
                ('%d or more' % lo if hi < 0 else '%d to %d' % (lo, hi))
            raise DescriptorError('function %r takes %s argument%s, the call passes %d'
                                  % (f.name, expected, '' if expected == '1' else 's',
                                     len(args)))
        if f.argument_types is not None and len(f.argument_types) != len(args):
            raise DescriptorError('function %r: the descriptor gives %d argument types for %d '
                                  'arguments' % (f.name, len(f.argument_types), len(args)))
        out = []
        for i, a in enumerate(args):
            w = 'argument %d of %r' % (i + 1, f.name)
            declared = f.argument_types[i] if f.argument_types is not None else None
            source = a.WhichOneof('source')
            if source == 'column':
                if a.column < 0:
                    raise DescriptorError('%s: column %d does not exist' % (w, a.column))
                out.append(_ColumnArgument(a.column, declared, w))
            elif source == 'constant':
                c = _ConstantArgument(a.constant, w)
                if declared is not None and c.data_type.to_arrow() != declared.to_arrow():
                    raise DescriptorError('%s: a %s constant for a %s argument'
                                          % (w, c.data_type.sql(), declared.sql()))
                out.append(c)
            elif source == 'call':
                inner = self._scalar_call(a.call, w)
                if declared is not None and inner.data_type.to_arrow() != declared.to_arrow():
                    raise DescriptorError('%s: %r returns %s, the argument is %s'
                                          % (w, inner.function.name, inner.data_type.sql(),
                                             declared.sql()))
                out.append(inner)
            else:
                raise DescriptorError('%s: no column, constant or call' % w)
        return out

    def _scalar_call(self, call, where):
        f = self._function(call.function, where)
        if f.kind != SCALAR:
            raise DescriptorError('%s: %r is a %s function; only scalar functions nest'
                                  % (where, f.name, f.kind))
        key = call.SerializeToString(deterministic=True)
        return _CallArgument(f, self._arguments(f, call, where), key)

    def _single_call(self):
        if len(self.calls) != 1:
            raise DescriptorError('a %s operation has exactly one call, the descriptor has %d'
                                  % (self.kind, len(self.calls)))
        call = self.calls[0]
        f = self._function(call.function, '%s call' % self.kind)
        if f.kind != self._function_kind or \
                (self._function_type is not None and f.wrapper.func_type != self._function_type):
            raise DescriptorError('a %s operation cannot call %r, a %s %s function'
                                  % (self.kind, f.name, f.wrapper.func_type, f.kind))
        return f, self._arguments(f, call, '%s call' % self.kind)

    # Life cycle

    def open(self):
        """Calls each function's open() once with the job parameters."""
        if self._opened is not None:
            return
        self._opened = []
        context = FunctionContext(self.job_parameters)
        seen = set()
        for f in self.functions:
            if id(f.wrapper) in seen:
                continue
            seen.add(id(f.wrapper))
            try:
                f.wrapper.open(context)
            except _USER_ERRORS as e:
                raise PythonFunctionError(f.name, e, method='open') from None
            self._opened.append(f)

    def close(self):
        """Calls close() of each opened function, all of them even when one
        raises; the first error is raised after."""
        if self._closed or self._opened is None:
            self._closed = True
            return
        self._closed = True
        first = None
        for f in reversed(self._opened):
            try:
                f.wrapper.close()
            except _USER_ERRORS as e:
                first = first or PythonFunctionError(f.name, e, method='close')
        self._opened = []
        if first is not None:
            raise first

    def _check_open(self):
        if self._opened is None:
            raise TaipanError('%s operation used before open()' % self.kind)
        if self._closed:
            raise TaipanError('%s operation used after close()' % self.kind)

    def process(self, batch):
        self._check_open()
        if not isinstance(batch, pa.RecordBatch):
            raise TypeError('process() takes a pyarrow.RecordBatch, got %s' % type(batch).__name__)
        return self._process(batch)

    def finish(self):
        self._check_open()
        return self._finish()

    def _process(self, batch):
        raise NotImplementedError

    def _finish(self):
        return None

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()


class ScalarOperation(Operation):
    kind = 'SCALAR'

    def __init__(self, descriptor, job_parameters=None):
        super().__init__(descriptor, job_parameters)
        self._calls = [self._scalar_call(c, 'call %d' % i) for i, c in enumerate(self.calls)]
        self.output_schema = pa.schema([_field('f%d' % i, c.data_type)
                                        for i, c in enumerate(self._calls)])
        # The schema of the last batch whose columns passed the checks.
        self._checked_schema = None

    def _process(self, batch):
        schema = batch.schema
        checked = self._checked_schema
        ctx = _Context(batch, checked is not None and schema.equals(checked))
        columns = [c.arrow(ctx) for c in self._calls]
        out = pa.RecordBatch.from_arrays(columns, schema=self.output_schema)
        # Every column argument was read (a call found in the cache has the
        # arguments of one that was not), so every check has passed.
        self._checked_schema = schema
        return out


class TableOperation(Operation):
    kind = 'TABLE'
    _function_kind = TABLE

    def __init__(self, descriptor, job_parameters=None):
        super().__init__(descriptor, job_parameters)
        self._f, self._args = self._single_call()
        self.output_schema = pa.schema([pa.field('row', pa.int32(), nullable=False)] +
                                       [_field('f%d' % i, t)
                                        for i, t in enumerate(self._f.result_types)])

    def _process(self, batch):
        ctx = _Context(batch)
        f = self._f
        columns = [a.python(ctx) for a in self._args]
        width = len(f.result_types)
        declared = '(%s)' % ', '.join(t.sql() for t in f.result_types)
        rows = []
        outputs = [[] for _ in range(width)]
        ev = f.evaluator
        inputs = zip(*columns) if columns else (() for _ in range(ctx.length))
        try:
            for i, args in enumerate(inputs):
                result = ev(*args)
                for item in _table_rows(result):
                    if isinstance(item, Row):
                        values = item._values
                    elif isinstance(item, tuple):
                        values = item
                    else:
                        values = (item,)
                    if len(values) != width:
                        raise ResultTypeError(f.name, declared, item,
                                              'a row of %d values for %d result columns'
                                              % (len(values), width))
                    rows.append(i)
                    for out, v in zip(outputs, values):
                        out.append(v)
        except TaipanError:
            raise
        except _USER_ERRORS as e:
            raise PythonFunctionError(f.name, e) from None
        arrays = [pa.array(rows, type=pa.int32())]
        arrays += [_values.values_to_arrow(out, t, f.name)
                   for out, t in zip(outputs, f.result_types)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.output_schema)


def _table_rows(result):
    """The rows a table function's return value stands for."""
    if result is None:
        return ()
    if isinstance(result, (list, range, _pytypes.GeneratorType, collections.abc.Iterator)):
        return result
    return (result,)


class _GroupedOperation(Operation):
    _function_kind = AGGREGATE

    def __init__(self, descriptor, job_parameters=None):
        super().__init__(descriptor, job_parameters)
        self._f, self._args = self._single_call()
        self.output_schema = pa.schema([pa.field('group', pa.int32(), nullable=False),
                                        _field('value', self._f.result_type)])

    def _output(self, groups, values):
        return pa.RecordBatch.from_arrays(
            [pa.array(groups, type=pa.int32()),
             _values.values_to_arrow(values, self._f.result_type, self._f.name)],
            schema=self.output_schema)


_UNSEEN = object()


class AggregateOperation(_GroupedOperation):
    kind = 'AGGREGATE'
    _function_type = GENERAL

    def __init__(self, descriptor, job_parameters=None):
        super().__init__(descriptor, job_parameters)
        self._accumulators = []
        self._phase = descriptor.aggregate_phase
        f = self._f
        if self._phase != udf_pb2.Operation.COMPLETE:
            phase = udf_pb2.Operation.AggregatePhase.Name(self._phase)
            if f.accumulator_type is None:
                raise DescriptorError('aggregate function %r has no accumulator type, which the '
                                      '%s phase needs: declare accumulator_type=...'
                                      % (f.name, phase))
            self._accumulator_arrow = f.accumulator_type.to_arrow()
            if self._phase == udf_pb2.Operation.FINAL and not f.wrapper.has_merge:
                raise DescriptorError('aggregate function %r has no merge(), which the FINAL '
                                      'phase needs' % f.name)
        if self._phase == udf_pb2.Operation.PARTIAL:
            self.output_schema = pa.schema([pa.field('group', pa.int32(), nullable=False),
                                            _field('accumulator', f.accumulator_type)])

    def _groups(self, batch):
        groups = _column(batch, 'group', pa.int32(), self.kind).to_numpy(zero_copy_only=False)
        if len(groups) and groups.min() < 0:
            raise DescriptorError('an AGGREGATE batch\'s column \'group\' has a negative id')
        accs = self._accumulators
        if len(groups):
            top = int(groups.max())
            if top >= len(accs):
                accs.extend([_UNSEEN] * (top + 1 - len(accs)))
        return groups

    def _process(self, batch):
        if self._phase == udf_pb2.Operation.FINAL:
            return self._merge(batch)
        ctx = _Context(batch)
        groups = self._groups(batch)
        retract_index = batch.schema.get_field_index('retract')
        retracts = None
        if retract_index >= 0:
            r = batch.column(retract_index)
            if r.type != pa.bool_():
                raise DescriptorError('an AGGREGATE batch\'s column \'retract\' must be bool, '
                                      'not %s' % r.type)
            retracts = r.fill_null(False).to_pylist()
        columns = [a.python(ctx) for a in self._args]
        fn = self._f.wrapper.function
        name = self._f.name
        accs = self._accumulators
        create, accumulate, retract = fn.create_accumulator, fn.accumulate, fn.retract
        method = 'create_accumulator'
        try:
            rows = zip(groups.tolist(), *columns) if columns else \
                ((g,) for g in groups.tolist())
            if retracts is None:
                for g, *args in rows:
                    acc = accs[g]
                    if acc is _UNSEEN:
                        method = 'create_accumulator'
                        acc = accs[g] = create()
                    method = 'accumulate'
                    accumulate(acc, *args)
            else:
                for (g, *args), back in zip(rows, retracts):
                    acc = accs[g]
                    if acc is _UNSEEN:
                        method = 'create_accumulator'
                        acc = accs[g] = create()
                    if back:
                        method = 'retract'
                        retract(acc, *args)
                    else:
                        method = 'accumulate'
                        accumulate(acc, *args)
        except _USER_ERRORS as e:
            raise PythonFunctionError(name, e, method=method) from None
        return None

    def _merge(self, batch):
        groups = self._groups(batch)
        incoming = _values.to_python(_column(batch, 'accumulator', self._accumulator_arrow,
                                             self.kind, nulls=True))
        by_group = {}
        for g, acc in zip(groups.tolist(), incoming):
            by_group.setdefault(g, []).append(acc)
        fn = self._f.wrapper.function
        accs = self._accumulators
        method = 'create_accumulator'
        try:
            for g, others in by_group.items():
                acc = accs[g]
                if acc is _UNSEEN:
                    method = 'create_accumulator'
                    acc = accs[g] = fn.create_accumulator()
                method = 'merge'
                fn.merge(acc, others)
        except _USER_ERRORS as e:
            raise PythonFunctionError(self._f.name, e, method=method) from None
        return None

    def _finish(self):
        fn = self._f.wrapper.function
        accs, self._accumulators = self._accumulators, []
        if self.descriptor.global_aggregate and (not accs or accs[0] is _UNSEEN):
            try:
                acc0 = fn.create_accumulator()
            except _USER_ERRORS as e:
                raise PythonFunctionError(self._f.name, e, method='create_accumulator') from None
            if accs:
                accs[0] = acc0
            else:
                accs = [acc0]
        groups = [g for g, acc in enumerate(accs) if acc is not _UNSEEN]
        if self._phase == udf_pb2.Operation.PARTIAL:
            return pa.RecordBatch.from_arrays(
                [pa.array(groups, type=pa.int32()),
                 _values.values_to_arrow([accs[g] for g in groups], self._f.accumulator_type,
                                         self._f.name, what='accumulator type')],
                schema=self.output_schema)
        try:
            values = [fn.get_value(accs[g]) for g in groups]
        except _USER_ERRORS as e:
            raise PythonFunctionError(self._f.name, e, method='get_value') from None
        return self._output(groups, values)


class _BufferedOperation(Operation):
    """Keeps every input batch's key columns and arguments until finish().
    Subclasses call _reset() once their arguments are compiled."""

    def _reset(self):
        self._keys = []
        self._chunks = [[] for _ in self._args]

    def _buffer(self, batch, keys):
        ctx = _Context(batch)
        self._keys.append(keys)
        for chunks, a in zip(self._chunks, self._args):
            chunks.append(a.arrow(ctx))

    def _arguments_by(self, order):
        """One Series (or DataFrame) per argument of all buffered rows, taken
        in ``order``."""
        out = []
        for chunks, a in zip(self._chunks, self._args):
            if chunks:
                arr = pa.concat_arrays([c for c in chunks])
                arr = arr.take(pa.array(order, type=pa.int64()))
            else:
                arr = pa.array([], type=a.data_type.to_arrow() if a.data_type else pa.null())
            out.append(_values.to_series(arr))
        return out

    def _call(self, series, start, end):
        args = [s.iloc[start:end].reset_index(drop=True) for s in series]
        try:
            return self._f.evaluator(*args)
        except _USER_ERRORS as e:
            raise PythonFunctionError(self._f.name, e) from None


class PandasAggregateOperation(_GroupedOperation, _BufferedOperation):
    kind = 'PANDAS_AGGREGATE'
    _function_type = PANDAS

    def __init__(self, descriptor, job_parameters=None):
        super().__init__(descriptor, job_parameters)
        self._reset()

    def _process(self, batch):
        groups = _column(batch, 'group', pa.int32(), self.kind).to_numpy(zero_copy_only=False)
        if len(groups) and groups.min() < 0:
            raise DescriptorError('a PANDAS_AGGREGATE batch\'s column \'group\' has a negative id')
        self._buffer(batch, groups)
        return None

    def _finish(self):
        try:
            groups = np.concatenate(self._keys) if self._keys else np.zeros(0, np.int32)
            order = np.argsort(groups, kind='stable')
            ordered = groups[order]
            series = self._arguments_by(order)
            ids, starts = np.unique(ordered, return_index=True)
            ends = list(starts[1:]) + [len(ordered)]
            out_groups, values = [], []
            if self.descriptor.global_aggregate and (len(ids) == 0 or ids[0] != 0):
                out_groups.append(0)
                values.append(self._call(series, 0, 0))
            for g, s, e in zip(ids.tolist(), starts.tolist(), ends):
                out_groups.append(g)
                values.append(self._call(series, s, e))
        finally:
            self._reset()
        return pa.RecordBatch.from_arrays(
            [pa.array(out_groups, type=pa.int32()),
             _values.scalars_to_arrow(values, self._f.result_type, self._f.name)],
            schema=self.output_schema)


class PandasWindowAggregateOperation(_BufferedOperation):
    kind = 'PANDAS_WINDOW_AGGREGATE'
    _function_kind = AGGREGATE
    _function_type = PANDAS

    def __init__(self, descriptor, job_parameters=None):
        super().__init__(descriptor, job_parameters)
        self._f, self._args = self._single_call()
        self.output_schema = pa.schema([_field('value', self._f.result_type)])
        self._reset()

    def _process(self, batch):
        partition = _column(batch, 'partition', pa.int32(), self.kind)
        start = _column(batch, 'frame_start', pa.int64(), self.kind)
        end = _column(batch, 'frame_end', pa.int64(), self.kind)
        self._buffer(batch, (partition.to_numpy(zero_copy_only=False),
                             start.to_numpy(zero_copy_only=False),
                             end.to_numpy(zero_copy_only=False)))
        return None

    def _finish(self):
        try:
            if self._keys:
                partition = np.concatenate([k[0] for k in self._keys])
                start = np.concatenate([k[1] for k in self._keys])
                end = np.concatenate([k[2] for k in self._keys])
            else:
                partition = np.zeros(0, np.int32)
                start = end = np.zeros(0, np.int64)
            order = np.argsort(partition, kind='stable')
            series = self._arguments_by(order)
            ids, first, sizes = np.unique(partition[order], return_index=True, return_counts=True)
            base = dict(zip(ids.tolist(), zip(first.tolist(), sizes.tolist())))
            values = []
            for p, s, e in zip(partition.tolist(), start.tolist(), end.tolist()):
                b, size = base[p]
                if not 0 <= s <= e <= size:
                    raise DescriptorError('frame [%d, %d) is outside partition %d of %d rows'
                                          % (s, e, p, size))
                values.append(self._call(series, b + s, b + e))
        finally:
            self._reset()
        return pa.RecordBatch.from_arrays(
            [_values.scalars_to_arrow(values, self._f.result_type, self._f.name)],
            schema=self.output_schema)


_OPERATIONS = {
    udf_pb2.Operation.SCALAR: ScalarOperation,
    udf_pb2.Operation.TABLE: TableOperation,
    udf_pb2.Operation.AGGREGATE: AggregateOperation,
    udf_pb2.Operation.PANDAS_AGGREGATE: PandasAggregateOperation,
    udf_pb2.Operation.PANDAS_WINDOW_AGGREGATE: PandasWindowAggregateOperation,
}


def create_operation(descriptor, job_parameters=None):
    """The Operation a descriptor (message or serialized bytes) describes."""
    descriptor = _parse_descriptor(descriptor)
    cls = _OPERATIONS.get(descriptor.kind)
    if cls is None:
        raise DescriptorError('unknown operation kind %d' % descriptor.kind)
    return cls(descriptor, job_parameters)
