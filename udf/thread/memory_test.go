//go:build cgo

package thread

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// A Go batch reaches Python without a copy: Python's buffer is Go's.
func TestGoBatchReachesPythonWithoutCopy(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	rec := int64Record(mem, []string{"a0"}, ints(10, 20, 30))
	defer rec.Release()
	b := newBatchStructs()
	defer b.free()
	var xs inputExports
	defer xs.close()
	b.exportInput(rec, structOf(rec.Schema()), true, &xs)
	require.EqualValues(t, 1, pinnedBatches.Load())
	in, inSchema, _, _ := b.addresses()

	out, err := r.run(context.Background(), fmt.Sprintf(`
import pyarrow as pa
batch = pa.RecordBatch._import_from_c(%d, %d)
result = (batch.column(0).buffers()[1].address, batch.column(0).to_pylist())
del batch`, in, inSchema))
	require.NoError(t, err)
	goAddr := uintptr(unsafe.Pointer(&rec.Column(0).Data().Buffers()[1].Bytes()[0]))
	require.Equal(t, fmt.Sprintf("(%d, [10, 20, 30])", goAddr), out)
	require.True(t, b.inputTaken(), "Python took the batch over")
	require.Len(t, xs.live, 1)
	require.True(t, xs.live[0].released(), "Python released the batch when it dropped it")
	xs.sweep()
	require.Empty(t, xs.live)
	require.EqualValues(t, 0, pinnedBatches.Load(), "the sweep after Python released the batch unpinned the buffers")
}

// A Python batch reaches Go without a copy: Go reads Python's buffer, and
// releasing the record releases Python's memory.
func TestPythonBatchReachesGoWithoutCopy(t *testing.T) {
	r := newRuntime(t)
	b := newBatchStructs()
	defer b.free()
	_, _, outAddr, outSchema := b.addresses()
	before := pyarrowBytes(t, r)
	out, err := r.run(context.Background(), fmt.Sprintf(`
import pyarrow as pa
batch = pa.RecordBatch.from_arrays([pa.array(range(100000), type=pa.int64())], names=['x'])
batch._export_to_c(%d, %d)
result = batch.column(0).buffers()[1].address
del batch`, outAddr, outSchema))
	require.NoError(t, err)
	rec, err := b.importOutput(nil, nil, nil)
	require.NoError(t, err)
	pyAddr, err := strconv.ParseUint(out, 10, 64)
	require.NoError(t, err)
	col := rec.Column(0).(*array.Int64)
	require.Equal(t, uintptr(pyAddr), uintptr(unsafe.Pointer(&col.Int64Values()[0])))
	require.EqualValues(t, 99999, col.Value(99999))
	require.GreaterOrEqual(t, pyarrowBytes(t, r)-before, int64(800000), "Go holds Python's buffer")
	rec.Release()
	require.Equal(t, before, pyarrowBytes(t, r), "releasing the record released Python's memory")
}

func pyarrowBytes(t *testing.T, r *Runtime) int64 {
	t.Helper()
	out, err := r.run(context.Background(), "import gc, pyarrow\ngc.collect()\nresult = pyarrow.total_allocated_bytes()")
	require.NoError(t, err)
	n, err := strconv.ParseInt(out, 10, 64)
	require.NoError(t, err)
	return n
}

// Every batch crossing in either direction is released, on success and on
// failure: Go's checked allocator ends empty, no Go buffer stays pinned and
// Python's pool returns to where it was.
func TestBatchesAreReleased(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='STRING')
def label(i, s):
    if i == 13:
        raise ValueError('unlucky')
    return '%s:%d' % (s, i)

@udtf(result_types=['BIGINT'])
def count_to(i):
    return range(i)
`)
	before := pyarrowBytes(t, r)
	scalar := prepare(t, r, scalarOp(mod, "label", nil, "STRING", 0, 1), env)
	table := prepare(t, r, tableOp(mod, "count_to"), env)
	var kept []arrow.Record
	for n := 0; n < 60; n++ {
		rec := mixedRecord(mem, n)
		out, err := udf.Eval(context.Background(), scalar, rec)
		if n > 13 {
			require.ErrorContains(t, err, "unlucky")
		} else {
			require.NoError(t, err)
			require.EqualValues(t, n, out.NumRows())
			kept = append(kept, out)
		}
		out, err = udf.Eval(context.Background(), table, rec)
		require.NoError(t, err)
		kept = append(kept, out)
		rec.Release()
	}
	require.Greater(t, pyarrowBytes(t, r), before, "the outputs kept are Python's memory")
	for _, rec := range kept {
		rec.Release()
	}
	require.Equal(t, before, pyarrowBytes(t, r), "releasing the outputs released Python's memory")
	require.EqualValues(t, 0, pinnedBatches.Load(), "Python released every input batch")
	// checkedMem checks the Go side when the test ends.
}

func tableOp(module, attr string) *udfpb.Operation {
	op := scalarOp(module, attr, nil, "BIGINT", 0)
	op.Kind = udfpb.Operation_TABLE
	return op
}

// mixedRecord has n rows: a BIGINT column 0..n-1 and a STRING column with
// NULLs among longer strings.
func mixedRecord(mem memory.Allocator, n int) arrow.Record {
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	for i := 0; i < n; i++ {
		ib.Append(int64(i))
		sb.Append(fmt.Sprintf("row-%d-%0*d", i, i%40, 0))
	}
	a, s := ib.NewArray(), sb.NewArray()
	defer a.Release()
	defer s.Release()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a0", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "a1", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	return array.NewRecord(schema, []arrow.Array{a, s}, int64(n))
}

// A batch whose columns do not match the schema it is read with is an
// error, never a panic.
func TestRecordOfMismatchIsAnError(t *testing.T) {
	rec := int64Record(memory.DefaultAllocator, []string{"a0"}, ints(1, 2))
	defer rec.Release()
	parent := array.RecordToStructArray(rec)
	defer parent.Release()

	got, err := recordOf(parent, rec.Schema())
	require.NoError(t, err)
	require.EqualValues(t, 2, got.NumRows())
	got.Release()

	other := arrow.NewSchema([]arrow.Field{{Name: "a0", Type: arrow.BinaryTypes.String}}, nil)
	_, err = recordOf(parent, other)
	require.ErrorContains(t, err, "a0")
	wider := arrow.NewSchema([]arrow.Field{{Name: "a0", Type: arrow.PrimitiveTypes.Int64}, {Name: "a1", Type: arrow.PrimitiveTypes.Int64}}, nil)
	_, err = recordOf(parent, wider)
	require.Error(t, err)
}

// A batch Python keeps after the call stays pinned and retained until
// Python drops it, also when its evaluator was closed in between.
func TestInputPythonKeepsIsReleasedWhenDropped(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
kept = []

# A Pandas function's Series of a STRING column is backed by the engine's
# buffers (pandas' Arrow strings): keeping it keeps the batch.
@udf(result_type='BIGINT', func_type='pandas')
def keep(s):
    kept.append(s)
    return s.str.len()
`)
	op := scalarOp(mod, "keep", []string{"STRING"}, "BIGINT", 1)
	op.Functions[0].FuncType = udfpb.Function_PANDAS
	ev, err := r.Prepare(context.Background(), op, env)
	require.NoError(t, err)
	in := mixedRecord(mem, 3)
	out, err := udf.Eval(context.Background(), ev, in)
	in.Release()
	require.NoError(t, err)
	require.Equal(t, "[7 7 8]", fmt.Sprint(out.Column(0)))
	out.Release()
	require.EqualValues(t, 1, pinnedBatches.Load(), "Python holds the batch")
	require.NoError(t, ev.Close())
	require.EqualValues(t, 1, pinnedBatches.Load(), "closing the evaluator does not let go of a batch Python holds")
	require.EqualValues(t, 1, orphans.n.Load())

	_, err = r.run(context.Background(), fmt.Sprintf("import gc, %s as m\nm.kept.clear()\ngc.collect()", mod))
	require.NoError(t, err)
	sweepOrphans()
	require.EqualValues(t, 0, pinnedBatches.Load(), "once Python dropped the batch, a sweep unpinned it")
	require.EqualValues(t, 0, orphans.n.Load())
	// checkedMem checks that the batch's Go memory was released.
}

// A batch with a nested column takes cdata's export, and is released too.
func TestNestedInputIsReleased(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def total(i, xs):
    return i + sum(xs)
`)
	ev := prepare(t, r, scalarOp(mod, "total", []string{"BIGINT", "ARRAY<BIGINT>"}, "BIGINT", 0, 1), env)
	for n := 0; n < 5; n++ {
		ib := array.NewInt64Builder(mem)
		lb := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
		vb := lb.ValueBuilder().(*array.Int64Builder)
		for i := 0; i < n; i++ {
			ib.Append(int64(i))
			lb.Append(true)
			vb.AppendValues([]int64{10, 20}, nil)
		}
		a, l := ib.NewArray(), lb.NewArray()
		ib.Release()
		lb.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "a0", Type: a.DataType(), Nullable: true}, {Name: "a1", Type: l.DataType(), Nullable: true}}, nil)
		rec := array.NewRecord(schema, []arrow.Array{a, l}, int64(n))
		a.Release()
		l.Release()
		out, err := udf.Eval(context.Background(), ev, rec)
		require.NoError(t, err)
		rec.Release()
		for i := 0; i < n; i++ {
			require.EqualValues(t, i+30, out.Column(0).(*array.Int64).Value(i))
		}
		out.Release()
	}
	require.EqualValues(t, 0, pinnedBatches.Load())
}

// importFlat reads every flat type as cdata does, with NULLs, sliced
// columns and no rows, and releases Python's memory with the record.
func TestImportFlatMatchesCdata(t *testing.T) {
	r := newRuntime(t)
	before := pyarrowBytes(t, r)
	for _, slice := range []string{"", ".slice(1, 3)", ".slice(4)"} {
		var recs [2]arrow.Record
		for k := range recs {
			b := newBatchStructs()
			_, _, outAddr, outSchema := b.addresses()
			_, err := r.run(context.Background(), fmt.Sprintf(`
import datetime, decimal
import pyarrow as pa
cols = {
    'i8': pa.array([1, None, -3, 4], pa.int8()),
    'i16': pa.array([None, 2, 3, -4], pa.int16()),
    'i32': pa.array([1, 2, None, 4], pa.int32()),
    'i64': pa.array([1, 2, 3, None], pa.int64()),
    'f32': pa.array([1.5, None, 3.5, 4.5], pa.float32()),
    'f64': pa.array([float('nan'), 2.5, None, 4.5], pa.float64()),
    'b': pa.array([True, False, None, True], pa.bool_()),
    'd': pa.array([datetime.date(2024, 1, 1), None, datetime.date(1969, 12, 31), datetime.date(2000, 2, 29)], pa.date32()),
    'ts': pa.array([datetime.datetime(2024, 1, 1, 12), None, datetime.datetime(1970, 1, 1), datetime.datetime(1, 1, 1)], pa.timestamp('us')),
    'dec': pa.array([decimal.Decimal('1.25'), None, decimal.Decimal('-99999999.99'), decimal.Decimal('0')], pa.decimal128(10, 2)),
    's': pa.array(['a', None, '', 'dd' * 50], pa.string()),
    'bin': pa.array([b'x', b'', None, b'\0\1'], pa.binary()),
    'ls': pa.array([None, 'bb', 'ccc', 'é'], pa.large_string()),
}
batch = pa.RecordBatch.from_arrays(list(cols.values()), names=list(cols))%s
batch._export_to_c(%d, %d)
del batch, cols`, slice, outAddr, outSchema))
			require.NoError(t, err)
			schema, err := importSchema(&b.c.out_schema)
			require.NoError(t, err)
			flat := flatLayouts(schema)
			require.NotNil(t, flat, "every column is flat")
			if k == 0 {
				rec, ok, err := importFlat(&b.c.out, schema, flat)
				require.True(t, ok)
				require.NoError(t, err)
				recs[k] = rec
			} else {
				rec, err := importRecord(&b.c.out, schema, structOf(schema), nil)
				require.NoError(t, err)
				recs[k] = rec
			}
			b.free()
		}
		require.True(t, array.RecordApproxEqual(recs[0], recs[1], array.WithNaNsEqual(true), array.WithAbsTolerance(0)), "slice %q:\n%v\n%v", slice, recs[0], recs[1])
		require.Equal(t, recs[1].NumRows(), recs[0].NumRows())
		recs[0].Release()
		recs[1].Release()
	}
	require.Equal(t, before, pyarrowBytes(t, r), "releasing the records released Python's memory")
}
