"""The bare-loop reference of Taipan's Python benchmarks: the functions of
bench_functions.py called by plain Python over the values the SQL benchmark
feeds them (BIGINT 0..rows-1), in this one process, with no engine.

    python bare_loop.py KIND ROWS BATCH REPEAT

prints the best rows/s of REPEAT runs. BATCH matters only to the Pandas
scalar kind, whose function gets one Series per batch as in the engine.
The values are built before the clock starts.
"""

import sys
import time

import pandas as pd

import bench_functions as fns


def scalar(values):
    f = fns.plus_one
    out = []
    append = out.append
    for v in values:
        append(f(v))
    return out


def table(values):
    f = fns.echo
    out = []
    append = out.append
    for v in values:
        for row in f(v):
            append(row)
    return out


def aggregate(values):
    agg = fns.Sum()
    acc = agg.create_accumulator()
    accumulate = agg.accumulate
    for v in values:
        accumulate(acc, v)
    return agg.get_value(acc)


def pandas_scalar(series):
    f = fns.series_plus_one
    return [f(s) for s in series]


def pandas_aggregate(series):
    return fns.series_mean(series)


def prepare(kind, rows, batch):
    values = list(range(rows))
    if kind == 'pandas-scalar':
        return [pd.Series(values[i:i + batch], dtype='int64') for i in range(0, rows, batch)]
    if kind == 'pandas-aggregate':
        return pd.Series(values, dtype='int64')
    return values


KINDS = {
    'scalar': scalar,
    'pandas-scalar': pandas_scalar,
    'table': table,
    'aggregate': aggregate,
    'pandas-aggregate': pandas_aggregate,
}


def main(argv):
    kind, rows, batch, repeat = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    run = KINDS[kind]
    data = prepare(kind, rows, batch)
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(data)
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    print(rows / best)


if __name__ == '__main__':
    main(sys.argv)
