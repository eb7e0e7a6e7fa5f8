//go:build cgo

package thread

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"google.golang.org/protobuf/proto"

	"github.com/taipandb/taipan/udf"
)

// BenchmarkThreadScalar measures `i + 1` over 1M BIGINT rows through THREAD
// mode, beside its reference measured in the same run: the same function
// called by a bare Python loop over the same values as a list of ints. It
// also measures the round trip of a one-row batch.
//
//	make bench BENCH=BenchmarkThreadScalar
func BenchmarkThreadScalar(b *testing.B) {
	r := newRuntime(b)
	mod, env := writeModule(b, `
def plus_one(i):
    return i + 1

add_one = udf(plus_one, result_type='BIGINT')

def bare_loop(values):
    out = []
    for v in values:
        out.append(plus_one(v))
    return out
`)
	const rows = 1_000_000
	ctx := context.Background()
	op := scalarOp(mod, "add_one", []string{"BIGINT"}, "BIGINT", 0)
	rates := map[string]float64{}

	for _, size := range []int{10000, 1024, 100} {
		name := fmt.Sprintf("thread/batch=%d", size)
		b.Run(name, func(b *testing.B) {
			recs := int64Batches(rows, size)
			defer releaseAll(recs)
			ev := prepare(b, r, op, env)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, rec := range recs {
					out, err := udf.Eval(ctx, ev, rec)
					if err != nil {
						b.Fatal(err)
					}
					out.Release()
				}
			}
			rates[name] = float64(rows*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rates[name], "rows/s")
		})
	}

	b.Run("bare-python-loop", func(b *testing.B) {
		if _, err := r.run(ctx, fmt.Sprintf("import %s as m\nm.values = list(range(%d))", mod, rows)); err != nil {
			b.Fatal(err)
		}
		src := fmt.Sprintf("import %s as m\nm.bare_loop(m.values)", mod)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := r.run(ctx, src); err != nil {
				b.Fatal(err)
			}
		}
		rates["bare"] = float64(rows*b.N) / b.Elapsed().Seconds()
		b.ReportMetric(rates["bare"], "rows/s")
		b.StopTimer()
		// A million live ints would weigh on the benchmarks after this one.
		if _, err := r.run(ctx, fmt.Sprintf("import %s as m\ndel m.values", mod)); err != nil {
			b.Fatal(err)
		}
	})
	if bare := rates["bare"]; bare > 0 {
		b.Logf("THREAD at batch 10000 / bare Python loop: %.2f", rates["thread/batch=10000"]/bare)
	}

	// operations.py's own share of a one-row round trip:
	// ScalarOperation.process of the same one-row batch, timed inside Python.
	b.Run("roundtrip/rows=1/operation-process-only", func(b *testing.B) {
		desc, err := proto.Marshal(udf.Descriptor(op, env))
		if err != nil {
			b.Fatal(err)
		}
		out, err := r.run(ctx, fmt.Sprintf(`
import time, pyarrow as pa
from taipan.operations import create_operation
op = create_operation(bytes.fromhex('%x'))
op.open()
batch = pa.RecordBatch.from_arrays([pa.array([0], pa.int64())], names=['a0'])
n = %d
t = time.perf_counter()
for _ in range(n):
    op.process(batch)
result = (time.perf_counter() - t) / n * 1e9`, desc, b.N))
		if err != nil {
			b.Fatal(err)
		}
		ns, err := strconv.ParseFloat(out, 64)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(ns, "python-ns/op")
	})

	// The floor under a one-row round trip: the same evaluator with its
	// operation replaced by one that returns its input batch, which has the
	// output schema already. What is left is the C Data Interface both ways
	// (Go's cdata and pyarrow's import and export), the cgo call and the
	// GIL.
	b.Run("roundtrip/rows=1/transport-floor", func(b *testing.B) {
		floorOp := scalarOp(mod, "add_one", []string{"BIGINT"}, "BIGINT", 0)
		floorOp.Functions[0].Name = "transport_floor"
		ev := prepare(b, r, floorOp, env)
		if _, err := r.run(ctx, `
import gc
from taipan import embedded

class Echo:
    def __init__(self, operation):
        self.operation = operation

    def process(self, batch):
        return batch

    def close(self):
        self.operation.close()

# Earlier rounds of this benchmark left handles whose operation is an Echo.
handles = [o for o in gc.get_objects() if isinstance(o, embedded.Handle)
           and type(o.operation).__name__ != 'Echo'
           and o.operation.functions[0].name == 'transport_floor']
assert len(handles) == 1, handles
handles[0].operation = Echo(handles[0].operation)`); err != nil {
			b.Fatal(err)
		}
		sqlType := arrow.NewMetadata([]string{"taipan.sql_type"}, []string{"BIGINT"})
		schema := arrow.NewSchema([]arrow.Field{{Name: "f0", Type: arrow.PrimitiveTypes.Int64, Nullable: true, Metadata: sqlType}}, nil)
		recs := int64Batches(1, 1)
		defer releaseAll(recs)
		in := array.NewRecord(schema, recs[0].Columns(), 1)
		defer in.Release()
		out, err := udf.Eval(ctx, ev, in)
		if err != nil {
			b.Fatal(err)
		}
		if !out.Schema().Equal(schema) || out.Column(0).(*array.Int64).Value(0) != 0 {
			b.Fatalf("the echo returned %v", out)
		}
		out.Release()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			out, err := udf.Eval(ctx, ev, in)
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
	})

	for _, cancellable := range []bool{false, true} {
		b.Run(fmt.Sprintf("roundtrip/rows=1/cancellable=%v", cancellable), func(b *testing.B) {
			recs := int64Batches(1, 1)
			defer releaseAll(recs)
			ev := prepare(b, r, op, env)
			c := ctx
			if cancellable {
				var cancel context.CancelFunc
				c, cancel = context.WithCancel(ctx)
				defer cancel()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := udf.Eval(c, ev, recs[0])
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
		})
	}
}

// int64Batches is 0..rows-1 as BIGINT batches of size rows.
func int64Batches(rows, size int) []arrow.Record {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a0", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	var recs []arrow.Record
	for start := 0; start < rows; start += size {
		n := min(size, rows-start)
		bld := array.NewInt64Builder(memory.DefaultAllocator)
		for i := 0; i < n; i++ {
			bld.Append(int64(start + i))
		}
		arr := bld.NewArray()
		bld.Release()
		recs = append(recs, array.NewRecord(schema, []arrow.Array{arr}, int64(n)))
		arr.Release()
	}
	return recs
}

func releaseAll(recs []arrow.Record) {
	for _, r := range recs {
		r.Release()
	}
}
