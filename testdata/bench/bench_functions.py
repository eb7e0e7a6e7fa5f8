"""The Python functions of Taipan's Python benchmarks (bench_python_test.go).

Each SQL function wraps a plain Python function or class that the bare-loop
reference (bare_loop.py) calls directly, so that engine and reference run
the same code on the same values.
"""

import pandas as pd

from taipan import Row
from taipan.udf import udf, udtf, udaf, AggregateFunction


def plus_one(i):
    return i + 1


def series_plus_one(s):
    return s + 1


def echo(i):
    yield i


class Sum(AggregateFunction):
    def create_accumulator(self):
        return Row(0)

    def accumulate(self, acc, v):
        if v is not None:
            acc[0] += v

    def merge(self, acc, others):
        for o in others:
            acc[0] += o[0]

    def get_value(self, acc):
        return acc[0]


def series_mean(s):
    return s.mean()


# General scalar: one call per row.
add_one = udf(plus_one, result_type='BIGINT')
# Pandas scalar: one call per batch, a Series in and out.
padd_one = udf(series_plus_one, result_type='BIGINT', func_type='pandas')
# Table function: one output row per input row.
echo_rows = udtf(echo, result_types='BIGINT')
# General aggregate: accumulate once per row.
sum_py = udaf(Sum(), result_type='BIGINT', accumulator_type='ROW<total BIGINT>')
# Pandas aggregate: one call per group over all of its rows.
mean_py = udaf(series_mean, result_type='DOUBLE', func_type='pandas')


def series_len(s):
    return pd.Series([len(s)] * len(s), dtype='int64')


# How many rows the engine puts in one batch: not timed.
batch_rows = udf(series_len, result_type='BIGINT', func_type='pandas')
