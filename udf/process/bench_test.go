package process

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

const (
	benchRows  = 1_000_000
	benchBatch = 10_000
)

// benchReference runs script in one Python process and returns the rows/s
// it prints: the same function without the engine, as reference.
func benchReference(b *testing.B, script string) float64 {
	out, err := exec.Command(python(b), "-c", script).CombinedOutput()
	require.NoError(b, err, "%s", out)
	rate, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	require.NoError(b, err, "%s", out)
	return rate
}

// benchStream pushes benchRows rows through op in batches of benchBatch,
// keeping the evaluator's in-flight window full, b.N times.
func benchStream(b *testing.B, f *fixture, op *udfpb.Operation) {
	ctx := context.Background()
	var batches []arrow.Record
	for i := 0; i < benchRows; i += benchBatch {
		batches = append(batches, int64Batch(memory.DefaultAllocator, seq(i, benchBatch), nil))
	}
	defer releaseAll(batches)
	// Start the worker and let it warm up (its first calls are slow).
	warm, err := f.rt.Prepare(ctx, op, f.env)
	require.NoError(b, err)
	for _, in := range batches[:10] {
		out, err := udf.Eval(ctx, warm, in)
		require.NoError(b, err)
		out.Release()
	}
	_, err = warm.Finish(ctx)
	require.NoError(b, err)
	require.NoError(b, warm.Close())

	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		ev, err := f.rt.Prepare(ctx, op, f.env)
		require.NoError(b, err)
		received := 0
		receive := func() {
			out, err := ev.Receive(ctx)
			require.NoError(b, err)
			require.EqualValues(b, benchBatch, out.NumRows())
			if received == 0 {
				require.EqualValues(b, 1, out.Column(0).(interface{ Value(int) int64 }).Value(0))
			}
			out.Release()
			received++
		}
		for i, in := range batches {
			require.NoError(b, ev.Send(ctx, in))
			if i+1-received >= f.rt.opts.InFlight {
				receive()
			}
		}
		for received < len(batches) {
			receive()
		}
		_, err = ev.Finish(ctx)
		require.NoError(b, err)
		require.NoError(b, ev.Close())
	}
	b.StopTimer()
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkProcessScalar: `i + 1` over 1M BIGINT rows, beside the same
// function in a bare loop and through operations.py in one process.
func BenchmarkProcessScalar(b *testing.B) {
	f := newFixture(b, Options{Workers: 1})
	benchStream(b, f, scalarOp("add_one"))
	b.ReportMetric(benchReference(b, `
import time
def add_one(i):
    return None if i is None else i + 1
xs = list(range(1000000))
best = min((lambda t0: ([add_one(x) for x in xs], time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(3))
print(len(xs) / best)
`), "python-loop-rows/s")
	b.ReportMetric(benchReference(b, operationsReference("add_one", false)), "in-process-op-rows/s")
}

// BenchmarkProcessPandasScalar: a Pandas `s + 1` over the same rows.
func BenchmarkProcessPandasScalar(b *testing.B) {
	f := newFixture(b, Options{Workers: 1})
	op := scalarOp("padd_one")
	op.Functions[0].FuncType = udfpb.Function_PANDAS
	benchStream(b, f, op)
	b.ReportMetric(benchReference(b, `
import time
import pandas as pd
def padd_one(s):
    return s + 1
series = [pd.Series(range(i, i + 10000), dtype='int64') for i in range(0, 1000000, 10000)]
best = min((lambda t0: ([padd_one(s) for s in series], time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(3))
print(1000000 / best)
`), "python-loop-rows/s")
	b.ReportMetric(benchReference(b, operationsReference("padd_one", true)), "in-process-op-rows/s")
}

// operationsReference times operations.py on the benchmark's batches in
// one process: what the worker computes, without the transport.
func operationsReference(fn string, pandas bool) string {
	funcType := "GENERAL"
	if pandas {
		funcType = "PANDAS"
	}
	return `
import os, sys, tempfile, time
import pyarrow as pa
from taipan import udf_pb2
from taipan.operations import create_operation
d = tempfile.mkdtemp()
open(os.path.join(d, 'benchfns.py'), 'w').write('''
from taipan.udf import udf
@udf(result_type='BIGINT')
def add_one(i):
    return None if i is None else i + 1
@udf(result_type='BIGINT', func_type='pandas')
def padd_one(s):
    return s + 1
''')
op = udf_pb2.Operation(kind=udf_pb2.Operation.SCALAR, python_files=[d],
    functions=[udf_pb2.Function(name='f', target='benchfns.` + fn + `', func_type=udf_pb2.Function.` + funcType + `)],
    calls=[udf_pb2.Call(function=0, arguments=[udf_pb2.Argument(column=0)])])
batches = [pa.record_batch([pa.array(range(i, i + 10000), pa.int64())], names=['i']) for i in range(0, 1000000, 10000)]
o = create_operation(op)
o.open()
best = None
for _ in range(3):
    t0 = time.perf_counter()
    for b in batches:
        o.process(b)
    t = time.perf_counter() - t0
    best = t if best is None else min(best, t)
print(1000000 / best)
`
}

// BenchmarkProcessRoundTrip: one 1-row batch there and back.
func BenchmarkProcessRoundTrip(b *testing.B) {
	f := newFixture(b, Options{Workers: 1})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(b, err)
	defer ev.Close()
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	for n := 0; n < 100; n++ { // warm-up
		out, err := udf.Eval(ctx, ev, in)
		require.NoError(b, err)
		out.Release()
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		out, err := udf.Eval(ctx, ev, in)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}
