"""Functions the tests load by 'fns.name', written as users write them."""

import datetime
import decimal
import enum
import functools

from taipan import DataTypes, Row
from taipan.udf import (AggregateFunction, ScalarFunction, TableFunction, udaf, udf, udtf)

# --- scalar, general


@udf(result_type=DataTypes.BIGINT())
def add_one(i):
    return i + 1


@udf(result_type='BIGINT')
def add(a, b):
    return a + b


@udf(result_type='BIGINT')
def times_two(i):
    return None if i is None else i * 2


@udf(result_type='STRING')
def describe(v):
    """Shows the Python type and value it received."""
    return '%s:%r' % (type(v).__name__, v)


@udf(result_type='BOOLEAN')
def is_null(v):
    return v is None


@udf(result_type='BIGINT')
def ratio(a, b):
    return a // b


@udf(result_type='BIGINT')
def returns_text(i):
    return 'not a number'


@udf(result_type='BIGINT')
def returns_float(i):
    return i + 0.5


@udf(result_type='TINYINT')
def times_hundred(i):
    return i * 100


@udf(result_type='VARCHAR(3)')
def repeat_x(n):
    return 'x' * n


@udf(result_type='DECIMAL(10,2)')
def price(cents):
    return None if cents is None else decimal.Decimal(cents).scaleb(-2)


@udf(result_type='DECIMAL(5,2)')
def bad_decimal(i):
    return decimal.Decimal('1.234')


@udf(result_type='DATE')
def next_day(d):
    return d + datetime.timedelta(days=1)


@udf(result_type='DATE')
def date_from_datetime(i):
    return datetime.datetime(2024, 1, 1, 12)


@udf(result_type='TIMESTAMP(6)')
def plus_second(ts):
    return ts + datetime.timedelta(seconds=1)


@udf(result_type='ARRAY<BIGINT>')
def range_of(n):
    return None if n is None else list(range(n))


@udf(result_type='ARRAY<BIGINT>')
def bad_array(n):
    return [1, 'two']


@udf(result_type='MAP<STRING, BIGINT>')
def counts(s):
    out = {}
    for w in s.split():
        out[w] = out.get(w, 0) + 1
    return out


@udf(result_type='ROW<name STRING, size INT>')
def named(s):
    return Row(name=s, size=len(s))


@udf(result_type='ROW<a BIGINT, b ARRAY<STRING>>')
def nested_row(i):
    return (i, [str(i)] * i)


@udf(result_type='ROW<a BIGINT, b STRING>')
def row_as_dict(i):
    return {'a': i, 'b': str(i)}


@udf(result_type='BYTES')
def to_bytes(s):
    return s.encode()


@udf(result_type='STRING')
def bytes_as_string(s):
    return s.encode()


@udf(result_type='FLOAT')
def huge_float(i):
    return 1e300


@udf(result_type='DOUBLE')
def half(i):
    return i / 2


@udf(result_type='BOOLEAN')
def is_even(i):
    return i % 2 == 0


@udf(result_type='BIGINT')
def no_args():
    return 7


@udf(result_type='STRING')
def join_all(*parts):
    return '-'.join(str(p) for p in parts)


@udf(result_type='STRING', deterministic=False)
def counter(x):
    counter.calls += 1
    return str(counter.calls)


counter.calls = 0


@udf(result_type='BIGINT')
def counted_add_one(i):
    counted_add_one.calls += 1
    return i + 1


counted_add_one.calls = 0

add_one_lambda = udf(lambda i: i + 1, result_type='BIGINT')


def _scale(factor, i):
    return i * factor


triple = udf(functools.partial(_scale, 3), result_type='BIGINT', name='triple')


class Multiplier:
    def __init__(self, k):
        self.k = k

    def __call__(self, i):
        return i * self.k


times_ten = udf(Multiplier(10), result_type='BIGINT')


class Prefix(ScalarFunction):
    """Reads its prefix from the job parameters in open()."""

    def __init__(self):
        self.prefix = None
        self.events = []

    def open(self, function_context):
        self.prefix = function_context.get_job_parameter('prefix', '?')
        self.missing = function_context.get_job_parameter('no.such.key', 'fallback')
        self.events.append('open')

    def eval(self, s):
        return '%s%s/%s' % (self.prefix, s, self.missing)

    def close(self):
        self.events.append('close')


prefix = udf(Prefix(), result_type='STRING')


class FailingOpen(ScalarFunction):
    def open(self, function_context):
        raise RuntimeError('cannot connect')

    def eval(self, i):
        return i


failing_open = udf(FailingOpen(), result_type='BIGINT')


class FailingClose(ScalarFunction):
    def eval(self, i):
        return i

    def close(self):
        raise OSError('flush failed')


failing_close = udf(FailingClose(), result_type='BIGINT')


class ExitingFunction(ScalarFunction):
    def eval(self, i):
        raise SystemExit(3)


exits = udf(ExitingFunction(), result_type='BIGINT')

# --- scalar, pandas


@udf(result_type='DOUBLE', func_type='pandas')
def pandas_add(a, b):
    return a + b


@udf(result_type='STRING', func_type='pandas')
def dtypes(*series):
    """One line per row: the dtypes of every argument."""
    import pandas as pd
    kinds = ','.join(str(s.dtypes.to_dict()) if isinstance(s, pd.DataFrame) else str(s.dtype)
                     for s in series)
    return pd.Series([kinds] * len(series[0]))


@udf(result_type='BIGINT', func_type='pandas')
def pandas_len(s):
    return s.str.len()


@udf(result_type='BIGINT', func_type='pandas')
def pandas_scalar(s):
    return 5


@udf(result_type='BIGINT', func_type='pandas')
def pandas_short(s):
    return s.iloc[:-1]


@udf(result_type='BIGINT', func_type='pandas')
def pandas_fraction(s):
    return s / 3


@udf(result_type='BIGINT', func_type='pandas')
def pandas_raises(s):
    raise ValueError('bad series')


@udf(result_type='STRING', func_type='pandas')
def frame_fields(frame):
    return frame['name'] + '=' + frame['size'].astype(str)


@udf(result_type='ARRAY<BIGINT>', func_type='pandas')
def pandas_lists(n):
    import pandas as pd
    return pd.Series([list(range(k)) for k in n])


@udf(result_type='VARCHAR(2)', func_type='pandas')
def pandas_long_text(s):
    return s + 'xyz'


@udf(result_type='BIGINT', func_type='pandas')
def pandas_plus_one(s):
    return s + 1

# --- table


@udtf(result_types=['STRING', 'INT'])
def split(s):
    for w in s.split(' '):
        yield w, len(w)


@udtf(result_types='BIGINT')
def up_to(n):
    return range(n)


@udtf(result_types=['STRING', 'BIGINT'])
def maybe_row(s):
    if s is None:
        return None
    return Row(s, len(s))


@udtf(result_types=['STRING'])
def single_scalar(s):
    return s.upper()


@udtf(result_types=['STRING', 'BIGINT'])
def list_of_rows(n):
    return [Row(str(i), i) for i in range(n)]


@udtf(result_types=['STRING', 'BIGINT'])
def wrong_width(n):
    yield 'a', 1, 2


@udtf(result_types=['BIGINT'])
def fails_midway(n):
    yield 1
    raise KeyError('gone')


@udtf(result_types=['ARRAY<BIGINT>', 'MAP<STRING, BIGINT>'])
def nested_rows(n):
    yield list(range(n)), {'n': n}


class Explode(TableFunction):
    def eval(self, values):
        for v in values:
            yield v


explode = udtf(Explode(), result_types='STRING')


@udtf(result_types=['BIGINT'])
def returns_tuple(n):
    return (n,)

# --- aggregate, general


class WeightedAvg(AggregateFunction):
    def create_accumulator(self):
        return Row(0, 0)

    def accumulate(self, acc, v, w):
        if v is None or w is None:
            return
        acc[0] += v * w
        acc[1] += w

    def retract(self, acc, v, w):
        acc[0] -= v * w
        acc[1] -= w

    def merge(self, acc, others):
        for o in others:
            acc[0] += o[0]
            acc[1] += o[1]

    def get_value(self, acc):
        return None if acc[1] == 0 else acc[0] / acc[1]


weighted_avg = udaf(WeightedAvg(), result_type='DOUBLE',
                    accumulator_type='ROW<f0 BIGINT, f1 BIGINT>')


class Collect(AggregateFunction):
    def create_accumulator(self):
        return []

    def accumulate(self, acc, v):
        acc.append(v)

    def get_value(self, acc):
        return acc

    def get_result_type(self):
        return 'ARRAY<STRING>'


collect = udaf(Collect())


class Boom(AggregateFunction):
    def create_accumulator(self):
        return [0]

    def accumulate(self, acc, v):
        if v == 3:
            raise ArithmeticError('three')
        acc[0] += v

    def get_value(self, acc):
        return acc[0]


boom = udaf(Boom(), result_type='BIGINT')


class BadValue(AggregateFunction):
    def create_accumulator(self):
        return [0]

    def accumulate(self, acc, v):
        acc[0] += 1

    def get_value(self, acc):
        return 'many'


bad_value = udaf(BadValue(), result_type='BIGINT')

# --- aggregate, pandas


@udaf(result_type='DOUBLE', func_type='pandas')
def mean_udaf(v):
    return v.mean()


@udaf(result_type='STRING', func_type='pandas')
def frame_info(v):
    return '%d:%s:%s' % (len(v), list(v.index), v.tolist())


@udaf(result_type='BIGINT', func_type='pandas')
def pandas_sum(v):
    return v.sum()


@udaf(result_type='BIGINT', func_type='pandas')
def pandas_agg_raises(v):
    raise ZeroDivisionError('no rows')


# --- not Taipan functions

def plain_function(i):
    return i


not_callable = 42


@udf(result_type='TIMESTAMP(6)')
def aware(i):
    return datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))


@udf(result_type='DOUBLE')
def not_a_number(i):
    return float('nan')


@udf(result_type='DOUBLE', func_type='pandas')
def pandas_nan(s):
    return s * float('nan')


@udf(result_type='DATE', func_type='pandas')
def pandas_dates(s):
    return s.map(lambda d: d + datetime.timedelta(days=1), na_action='ignore')


class BadAccumulator(AggregateFunction):
    def create_accumulator(self):
        return ['not', 'numbers']

    def accumulate(self, acc, v):
        pass

    def merge(self, acc, others):
        pass

    def get_value(self, acc):
        return 0


bad_accumulator = udaf(BadAccumulator(), result_type='BIGINT', accumulator_type='ARRAY<BIGINT>')


class MergeFails(Collect):
    def merge(self, acc, others):
        raise LookupError('cannot merge')


merge_fails = udaf(MergeFails(), accumulator_type='ARRAY<STRING>')


@udf(result_type='ARRAY<BIGINT>')
def append_one(values):
    values.append(1)
    return values


@udf(result_type='BIGINT', func_type='pandas')
def pandas_mutates(s):
    s += 100
    return s


class Level(enum.IntEnum):
    HIGH = 3


# Values at the edges of the numeric result types, by index.
EDGES = [0, -1, 2 ** 63 - 1, -2 ** 63, 2 ** 63, -2 ** 63 - 1, True, False, Level.HIGH,
         1.0, 1.5, float('nan'), float('inf'), None, 2 ** 31 - 1, -2 ** 31, 2 ** 31, 127, -128,
         128, 32767, -32769, '1']


@udf(result_type='BIGINT')
def edge(i):
    return EDGES[i]
