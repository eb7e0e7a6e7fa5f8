"""Python functions the SQL golden tests under testdata/sql/python call."""

import datetime
import decimal
import os

from taipan import DataTypes, Row
from taipan.udf import (udf, udtf, udaf, ScalarFunction, TableFunction,
                        AggregateFunction, FunctionContext)


@udf(result_type=DataTypes.BIGINT())
def add_one(i):
    return None if i is None else i + 1


@udf(result_type='STRING')
def upper_py(s):
    return None if s is None else s.upper()


@udf(result_type='BOOLEAN')
def is_even(i):
    return i is not None and i % 2 == 0


@udf(result_type='DOUBLE', func_type='pandas')
def add(a, b):
    return a + b


@udtf(result_types=['STRING', 'INT'])
def split(s):
    if s is None:
        return
    for w in s.split(' '):
        yield w, len(w)


@udtf(result_types='BIGINT')
def count_to(n):
    return range(1, n + 1) if n else None


class WeightedAvg(AggregateFunction):
    def create_accumulator(self):
        return Row(0, 0)

    def accumulate(self, acc, v, w):
        if v is not None and w is not None:
            acc[0] += v * w
            acc[1] += w

    def retract(self, acc, v, w):
        if v is not None and w is not None:
            acc[0] -= v * w
            acc[1] -= w

    def merge(self, acc, others):
        for o in others:
            acc[0] += o[0]
            acc[1] += o[1]

    def get_value(self, acc):
        return None if acc[1] == 0 else acc[0] / acc[1]


weighted_avg = udaf(WeightedAvg(), result_type='DOUBLE', accumulator_type='ROW<f0 BIGINT, f1 BIGINT>')


@udaf(result_type='DOUBLE', func_type='pandas')
def mean_udaf(v):
    return v.mean()


@udf(result_type='DECIMAL(10, 2)')
def price(cents):
    return None if cents is None else decimal.Decimal(cents) / 100


@udf(result_type='DATE')
def next_day(d):
    return None if d is None else d + datetime.timedelta(days=1)


@udf(result_type='TIMESTAMP(6)')
def at_noon(d):
    return None if d is None else datetime.datetime(d.year, d.month, d.day, 12, 0, 0, 250)


@udf(result_type='ARRAY<BIGINT>')
def digits(i):
    return None if i is None else [int(c) for c in str(abs(i))]


@udf(result_type='MAP<STRING, BIGINT>')
def letter_counts(s):
    if s is None:
        return None
    out = {}
    for c in s:
        out[c] = out.get(c, 0) + 1
    return out


@udf(result_type='ROW<word STRING, len INT>')
def describe_word(s):
    return None if s is None else Row(s, len(s))


@udf(result_type='BYTES')
def to_bytes(s):
    return None if s is None else s.encode()


class Greeting(ScalarFunction):
    def open(self, function_context: FunctionContext):
        self.greeting = function_context.get_job_parameter('greeting', 'hello')

    def eval(self, name):
        return '%s %s' % (self.greeting, name)


greet = udf(Greeting(), result_type='STRING')


@udf(result_type='BIGINT')
def fail_on_three(i):
    if i == 3:
        raise ValueError('three is not allowed')
    return i


@udf(result_type='BIGINT')
def wrong_type(i):
    return 'not a number'


@udf(result_type='BIGINT')
def noisy(i):
    print('printing from a function must corrupt nothing', i)
    return i


@udf(result_type='BIGINT')
def crash(i):
    os._exit(3)


not_a_function = 42


@udf(result_type='BIGINT')
def spin(i):
    while True:
        pass


@udf(result_type='STRING')
def py_type(x):
    """The Python type a SQL value arrives as."""
    return type(x).__name__


@udf(result_type='STRING', func_type='pandas')
def pandas_dtype(x):
    """The pandas dtype a SQL column arrives as, repeated per row."""
    import pandas as pd
    return pd.Series([str(x.dtype)] * len(x))


def _echo(sql_type):
    return udf(lambda x: x, result_type=sql_type, input_types=[sql_type], name='echo')


echo_tinyint = _echo('TINYINT')
echo_smallint = _echo('SMALLINT')
echo_int = _echo('INT')
echo_bigint = _echo('BIGINT')
echo_float = _echo('FLOAT')
echo_double = _echo('DOUBLE')
echo_decimal = _echo('DECIMAL(10, 3)')
echo_boolean = _echo('BOOLEAN')
echo_string = _echo('STRING')
echo_bytes = _echo('BYTES')
echo_date = _echo('DATE')
echo_timestamp = _echo('TIMESTAMP(6)')


@udf(result_type='BIGINT', func_type='pandas')
def batch_len(x):
    """How many rows the batch holding each row had."""
    import pandas as pd
    return pd.Series([len(x)] * len(x))
