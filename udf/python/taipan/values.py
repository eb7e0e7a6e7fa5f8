"""Conversions between Arrow arrays and the values functions see.

Arguments: Arrow -> Python values (SPEC.md "Values": integers as int,
FLOAT/DOUBLE float, DECIMAL decimal.Decimal, STRING str, BYTES bytes,
BOOLEAN bool, DATE datetime.date, TIMESTAMP datetime.datetime, ARRAY list,
MAP dict, ROW Row, NULL None) and Arrow -> pandas (TINYINT..BIGINT as
int8..int64, or pandas' nullable Int8..Int64 when the column has NULLs;
FLOAT/DOUBLE float32/float64 with NaN for NULL; a ROW as a DataFrame with
one column per field; everything else as pyarrow's ``to_pandas`` gives it).

Results: Python values or pandas objects -> Arrow arrays of the declared
type, checked: a value that does not fit raises
:class:`~taipan.errors.ResultTypeError` naming the function, the declared
type and the value. The checks are strict where Arrow would convert
silently: a float is not an integer, bytes are not a string, a datetime is
not a DATE, a bool is not a number, a finite float beyond FLOAT's range
does not become infinity, VARCHAR(n) and VARBINARY(n) hold at most n
characters or bytes, DECIMAL(p,s) neither rounds nor overflows. An aware
datetime becomes its UTC time. In what Pandas functions return, pandas'
missing values (NaN, None, NA, NaT) are NULL, and a float Series may fill an
integer type when every value is whole (pandas turns integers with missing
values into floats); general functions' NaN stays NaN.

This module knows nothing of function kinds or transport.
"""

import array
import datetime
import decimal
import itertools
import math
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taipan.errors import ResultTypeError
from taipan.types import (ArrayType, BigIntType, BooleanType, DateType, DecimalType, DoubleType,
                          FloatType, IntType, MapType, NullType, Row, RowType, SmallIntType,
                          TimestampType, TinyIntType, VarBinaryType, VarCharType)

__all__ = ['to_python', 'python_reader', 'to_series', 'empty_series', 'values_to_arrow',
           'arrow_writer', 'pandas_to_arrow', 'scalars_to_arrow', 'is_missing']

_pandas = None


def pandas():
    """pandas, imported on first use: general functions never need it."""
    global _pandas
    if _pandas is None:
        import pandas
        _pandas = pandas
    return _pandas


# ---------------------------------------------------------------------------
# Arrow -> Python values

def _python_converter(t):
    """A function fixing up one ``to_pylist`` value of Arrow type ``t``, or
    None when ``to_pylist`` already gives the right value."""
    if pa.types.is_map(t):
        kc = _python_converter(t.key_type)
        vc = _python_converter(t.item_type)

        def conv_map(v):
            if v is None:
                return None
            return {(kc(k) if kc else k): (vc(x) if vc else x) for k, x in v}
        return conv_map
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        ec = _python_converter(t.value_type)
        if ec is None:
            return None
        return lambda v: None if v is None else [ec(x) for x in v]
    if pa.types.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        convs = [_python_converter(t.field(i).type) for i in range(t.num_fields)]

        def conv_row(v):
            if v is None:
                return None
            return Row._make([c(v[n]) if c else v[n] for n, c in zip(names, convs)], names)
        return conv_row
    return None


def to_python(arr):
    """The Python values of an Arrow array, as a list."""
    values = arr.to_pylist()
    conv = _python_converter(arr.type)
    if conv is not None:
        values = [conv(v) for v in values]
    return values


def _to_pylist(arr):
    return arr.to_pylist()


def python_reader(arrow_type):
    """``to_python`` for arrays of ``arrow_type``, with the converter found
    once: for callers that read many batches of one type."""
    conv = _python_converter(arrow_type)
    if conv is None:
        return _to_pylist
    return lambda arr: [conv(v) for v in arr.to_pylist()]


# ---------------------------------------------------------------------------
# Arrow -> pandas

def to_series(arr):
    """A pandas Series (or, for a ROW, a DataFrame) indexed from 0."""
    pd = pandas()
    t = arr.type
    if pa.types.is_integer(t):
        if arr.null_count == 0:
            return pd.Series(arr.to_numpy(zero_copy_only=False))
        data = arr.fill_null(0).to_numpy(zero_copy_only=False)
        mask = arr.is_null().to_numpy(zero_copy_only=False)
        return pd.Series(pd.arrays.IntegerArray(data, mask))
    if pa.types.is_struct(t):
        children = arr.flatten()
        return pd.DataFrame({t.field(i).name: to_series(c) for i, c in enumerate(children)},
                            index=pd.RangeIndex(len(arr)))
    s = arr.to_pandas()
    if not isinstance(s, pd.Series):
        s = pd.Series(s)
    return s


def empty_series(data_type):
    """A Series of no values of ``data_type``."""
    return to_series(pa.array([], type=data_type.to_arrow()))


# ---------------------------------------------------------------------------
# Python -> Arrow, checked

class _Misfit(Exception):
    """A value does not fit a type; ``reason`` says why."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


_INT_RANGES = {TinyIntType: (-2 ** 7, 2 ** 7 - 1), SmallIntType: (-2 ** 15, 2 ** 15 - 1),
               IntType: (-2 ** 31, 2 ** 31 - 1), BigIntType: (-2 ** 63, 2 ** 63 - 1)}
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_NUMPY_INTS = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
_NONE = type(None)

# Exact Python types that Arrow converts to a type without loss or surprise:
# the fast path builds the array at once when every value has one of these.
_FAST_TYPES = {
    TinyIntType: {int, _NONE, *_NUMPY_INTS}, SmallIntType: {int, _NONE, *_NUMPY_INTS},
    IntType: {int, _NONE, *_NUMPY_INTS}, BigIntType: {int, _NONE, *_NUMPY_INTS},
    DoubleType: {float, int, _NONE, np.float64, np.float32, *_NUMPY_INTS},
    BooleanType: {bool, _NONE, np.bool_},
    DateType: {datetime.date, _NONE},
    TimestampType: {datetime.datetime, _NONE},
    DecimalType: {decimal.Decimal, int, _NONE},
}


def _fast_types(dt):
    if isinstance(dt, VarCharType):
        return {str, _NONE} if dt.length is None else None
    if isinstance(dt, VarBinaryType):
        return {bytes, _NONE} if dt.length is None else None
    return _FAST_TYPES.get(type(dt))


def _describe(v):
    return '%r' % (v,)


def _normalizer(dt):
    """A function returning the Arrow-ready form of one non-None value of
    SQL type ``dt``, raising _Misfit when the value does not fit."""
    if type(dt) in _INT_RANGES:
        lo, hi = _INT_RANGES[type(dt)]
        name = dt.sql()

        def norm_int(v):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise _Misfit('%s is not an integer' % _describe(v))
            v = int(v)
            if not lo <= v <= hi:
                raise _Misfit('%d is out of the range of %s' % (v, name))
            return v
        return norm_int
    if isinstance(dt, (FloatType, DoubleType)):
        is_float32 = isinstance(dt, FloatType)

        def norm_float(v):
            if isinstance(v, (bool, np.bool_)) or \
                    not isinstance(v, (float, int, np.floating, np.integer)):
                raise _Misfit('%s is not a number' % _describe(v))
            f = float(v)
            if is_float32 and math.isfinite(f) and abs(f) > _FLOAT32_MAX:
                raise _Misfit('%r is out of the range of FLOAT' % f)
            return f
        return norm_float
    if isinstance(dt, DecimalType):
        p, s = dt.precision, dt.scale
        quantum = decimal.Decimal(1).scaleb(-s)
        limit = decimal.Decimal(10) ** (p - s)
        ctx = decimal.Context(prec=p + 50)

        def norm_decimal(v):
            if isinstance(v, (bool, np.bool_)) or \
                    not isinstance(v, (decimal.Decimal, int, np.integer)):
                raise _Misfit('%s is not a decimal.Decimal or an integer' % _describe(v))
            d = decimal.Decimal(int(v)) if not isinstance(v, decimal.Decimal) else v
            if not d.is_finite():
                raise _Misfit('%s is not finite' % d)
            if abs(d) >= limit:
                raise _Misfit('%s is out of the range of %s' % (d, dt.sql()))
            q = d.quantize(quantum, context=ctx)
            if q != d:
                raise _Misfit('%s has more than %d fractional digits' % (d, s))
            return q
        return norm_decimal
    if isinstance(dt, BooleanType):
        def norm_bool(v):
            if not isinstance(v, (bool, np.bool_)):
                raise _Misfit('%s is not a bool' % _describe(v))
            return bool(v)
        return norm_bool
    if isinstance(dt, VarCharType):
        n = dt.length

        def norm_str(v):
            if not isinstance(v, str):
                raise _Misfit('%s is not a str' % _describe(v))
            if n is not None and len(v) > n:
                raise _Misfit('%d characters are more than %s holds' % (len(v), dt.sql()))
            return str(v)
        return norm_str
    if isinstance(dt, VarBinaryType):
        n = dt.length

        def norm_bytes(v):
            if not isinstance(v, (bytes, bytearray, memoryview)):
                raise _Misfit('%s is not bytes' % _describe(v))
            b = bytes(v)
            if n is not None and len(b) > n:
                raise _Misfit('%d bytes are more than %s holds' % (len(b), dt.sql()))
            return b
        return norm_bytes
    if isinstance(dt, DateType):
        def norm_date(v):
            if isinstance(v, datetime.datetime) or not isinstance(v, datetime.date):
                raise _Misfit('%s is not a datetime.date' % _describe(v))
            return v
        return norm_date
    if isinstance(dt, TimestampType):
        def norm_timestamp(v):
            if isinstance(v, np.datetime64):
                v = v.astype('datetime64[us]').item()
            if not isinstance(v, datetime.datetime):
                raise _Misfit('%s is not a datetime.datetime' % _describe(v))
            return v
        return norm_timestamp
    if isinstance(dt, ArrayType):
        elem = _normalizer(dt.element_type)

        def norm_array(v):
            if not isinstance(v, (list, tuple, np.ndarray)):
                raise _Misfit('%s is not a list' % _describe(v))
            out = []
            for i, x in enumerate(v):
                if x is None:
                    out.append(None)
                    continue
                try:
                    out.append(elem(x))
                except _Misfit as m:
                    raise _Misfit('element %d: %s' % (i, m.reason)) from None
            return out
        return norm_array
    if isinstance(dt, MapType):
        kn = _normalizer(dt.key_type)
        vn = _normalizer(dt.value_type)

        def norm_map(v):
            if not isinstance(v, Mapping):
                raise _Misfit('%s is not a dict' % _describe(v))
            out = []
            for k, x in v.items():
                if k is None:
                    raise _Misfit('a MAP key is None')
                try:
                    nk = kn(k)
                except _Misfit as m:
                    raise _Misfit('key %r: %s' % (k, m.reason)) from None
                try:
                    out.append((nk, None if x is None else vn(x)))
                except _Misfit as m:
                    raise _Misfit('value of key %r: %s' % (k, m.reason)) from None
            return out
        return norm_map
    if isinstance(dt, RowType):
        names = dt.names()
        norms = [_normalizer(f.data_type) for f in dt.fields]

        def norm_row(v):
            if isinstance(v, Row) and v._fields is not None and set(v._fields) == set(names):
                values = [v[n] for n in names]
            elif isinstance(v, (Row, tuple, list)):
                values = list(v)
                if len(values) != len(names):
                    raise _Misfit('it has %d values, the ROW has %d fields'
                                  % (len(values), len(names)))
            elif isinstance(v, Mapping):
                unknown = [k for k in v if k not in names]
                if unknown:
                    raise _Misfit('the ROW has no field %r' % (unknown[0],))
                values = [v.get(n) for n in names]
            else:
                raise _Misfit('%s is not a Row, tuple or dict' % _describe(v))
            out = {}
            for n, norm, x in zip(names, norms, values):
                try:
                    out[n] = None if x is None else norm(x)
                except _Misfit as m:
                    raise _Misfit('field %s: %s' % (n, m.reason)) from None
            return out
        return norm_row
    if isinstance(dt, NullType):
        def norm_null(v):
            raise _Misfit('only None is a NULL')
        return norm_null
    raise TypeError('no conversion to %s' % dt.sql())


def _misfit_error(function, dt, values, norm, arrow_type, from_pandas=False,
                  what='result type'):
    """The ResultTypeError for the first value of ``values`` that does not
    fit, found one value at a time after a whole-array conversion failed."""
    for v in values:
        if v is None:
            continue
        try:
            nv = norm(v)
            pa.array([nv], type=arrow_type, from_pandas=from_pandas)
        except _Misfit as m:
            return ResultTypeError(function, dt.sql(), v, m.reason, what)
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as e:
            return ResultTypeError(function, dt.sql(), v, str(e), what)
    return None


# Types whose values, when every one is of the exact Python type given and
# none is None, are packed by array.array into the array's data buffer: the
# same bits pa.array would write, at a fraction of its fixed cost.
# array.array raises OverflowError for an integer out of range.
_BUFFER_TYPES = {t: (code, kind) for t, code, kind in (
    (TinyIntType, 'b', int), (SmallIntType, 'h', int), (IntType, 'i', int),
    (BigIntType, 'q', int), (DoubleType, 'd', float))
    # The C types behind the codes must have the Arrow type's width.
    if array.array(code).itemsize * 8 == t().to_arrow().bit_width}


def values_to_arrow(values, dt, function, what='result type'):
    """An Arrow array of SQL type ``dt`` from a list of Python values (None
    for NULL); ResultTypeError naming ``function`` for a value that does not
    fit (``what`` says which of its types: 'result type', 'accumulator
    type')."""
    return _values_to_arrow(values, dt, function, what, dt.to_arrow(), _fast_types(dt),
                            _BUFFER_TYPES.get(type(dt)))


def arrow_writer(dt, function, what='result type'):
    """``values_to_arrow`` for type ``dt`` and ``function``, with what
    depends on the type alone worked out once: for callers that convert
    many batches."""
    arrow_type = dt.to_arrow()
    fast = _fast_types(dt)
    buffer_type = _BUFFER_TYPES.get(type(dt))

    def write(values):
        return _values_to_arrow(values, dt, function, what, arrow_type, fast, buffer_type)
    return write


def _values_to_arrow(values, dt, function, what, arrow_type, fast, buffer_type):
    kinds = set(map(type, values))
    if buffer_type is not None and len(kinds) == 1 and buffer_type[1] in kinds:
        try:
            data = array.array(buffer_type[0], values)
        except OverflowError:
            pass  # the checked conversion below names the value
        else:
            # Copied into Arrow's memory: an array over the array.array's
            # own would need the GIL when THREAD mode's engine releases it.
            buf = pa.allocate_buffer(len(data) * data.itemsize)
            memoryview(buf).cast(buffer_type[0])[:] = data
            return pa.Array.from_buffers(arrow_type, len(values), [None, buf], null_count=0)
    if fast is not None and kinds <= fast:
        try:
            return pa.array(values, type=arrow_type)
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as e:
            err = _misfit_error(function, dt, values, _normalizer(dt), arrow_type, what=what)
            raise (err or ResultTypeError(function, dt.sql(), values, str(e), what)) from None
    norm = _normalizer(dt)
    out = []
    append = out.append
    for v in values:
        if v is None:
            append(None)
            continue
        try:
            append(norm(v))
        except _Misfit as m:
            raise ResultTypeError(function, dt.sql(), v, m.reason, what) from None
    try:
        return pa.array(out, type=arrow_type)
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as e:
        err = _misfit_error(function, dt, values, norm, arrow_type, what=what)
        raise (err or ResultTypeError(function, dt.sql(), values, str(e), what)) from None


def is_missing(v):
    """Whether a scalar is pandas' or numpy's missing value (None, NaN, NA, NaT)."""
    if v is None:
        return True
    if isinstance(v, float):
        return v != v
    if isinstance(v, np.floating):
        return bool(np.isnan(v))
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    pd = _pandas
    if pd is not None and (v is pd.NA or v is pd.NaT):
        return True
    return False


def scalars_to_arrow(values, dt, function):
    """Like values_to_arrow for values a Pandas function returned: pandas'
    and numpy's missing values become NULL."""
    return values_to_arrow([None if is_missing(v) else v for v in values], dt, function)


def _check_lengths(arr, dt, function):
    """VARCHAR(n)/VARBINARY(n) limits on an array built by Arrow itself."""
    n = getattr(dt, 'length', None)
    if n is None or len(arr) == 0:
        return
    lengths = pc.utf8_length(arr) if isinstance(dt, VarCharType) else pc.binary_length(arr)
    too_long = pc.greater(lengths, n)
    if pc.any(too_long).as_py():
        i = pc.index(too_long, True).as_py()
        v = arr[i].as_py()
        raise ResultTypeError(function, dt.sql(), v, '%d %s are more than %s holds'
                              % (len(v), 'characters' if isinstance(dt, VarCharType) else 'bytes',
                                 dt.sql()))


def pandas_to_arrow(result, dt, function, length):
    """An Arrow array of SQL type ``dt`` from what a Pandas scalar function
    returned: a Series, numpy array, pandas array or list of ``length``
    values."""
    pd = pandas()
    if isinstance(result, pd.DataFrame):
        raise ResultTypeError(function, dt.sql(), result,
                              'a Pandas scalar function returns a Series, not a DataFrame')
    if isinstance(result, (pd.Series, pd.Index, np.ndarray, pd.api.extensions.ExtensionArray,
                           pa.Array, pa.ChunkedArray)):
        got = len(result)
    elif isinstance(result, (list, tuple)):
        got = len(result)
    else:
        raise ResultTypeError(function, dt.sql(), result,
                              'a Pandas scalar function returns a pandas.Series of one value '
                              'per input row, not a single value')
    if got != length:
        raise ResultTypeError(function, dt.sql(), result,
                              'it has %d values for %d input rows' % (got, length))
    if isinstance(result, (pa.Array, pa.ChunkedArray)):
        result = result.to_pandas()
    if isinstance(result, (list, tuple)) or getattr(result, 'dtype', None) == object:
        return scalars_to_arrow(list(result), dt, function)
    arrow_type = dt.to_arrow()
    try:
        arr = pa.array(result, type=arrow_type, from_pandas=True)
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as e:
        values = [None if is_missing(v) else v for v in list(result)]
        err = _misfit_error(function, dt, values, lambda v: v, arrow_type, from_pandas=True)
        raise (err or ResultTypeError(function, dt.sql(), result, str(e))) from None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    _check_lengths(arr, dt, function)
    return arr


def repeat(value, length):
    """An iterable of ``length`` times ``value``, for constant arguments."""
    return itertools.repeat(value, length)
