package process

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// fnsModule is the Python module the tests call, written into each test's
// own directory and reached through python.files.
const fnsModule = `
import os
import sys
import time
from taipan.udf import udf, udtf, udaf, AggregateFunction, ScalarFunction

@udf(result_type='BIGINT')
def add_one(i):
    return None if i is None else i + 1

@udf(result_type='STRING')
def shout(s):
    return None if s is None else s.upper() + '!'

@udtf(result_types=['STRING', 'INT'])
def split(s):
    for w in s.split(' '):
        if w:
            yield w, len(w)

class Total(AggregateFunction):
    def create_accumulator(self):
        return [0]
    def accumulate(self, acc, v):
        if v is not None:
            acc[0] += v
    def get_value(self, acc):
        return acc[0]

total = udaf(Total(), result_type='BIGINT', accumulator_type='ARRAY<BIGINT>')

@udf(result_type='BIGINT')
def boom(i):
    if i == 7:
        raise ValueError('bad value %d' % i)
    return i

@udf(result_type='BIGINT')
def wrong_type(i):
    return 'seven'

class OpensBadly(ScalarFunction):
    def open(self, ctx):
        raise RuntimeError('no connection to ' + ctx.get_job_parameter('target', '?'))
    def eval(self, i):
        return i

opens_badly = udf(OpensBadly(), result_type='BIGINT')

class Param(ScalarFunction):
    def open(self, ctx):
        self.p = int(ctx.get_job_parameter('offset', '0'))
    def eval(self, i):
        return i + self.p

with_param = udf(Param(), result_type='BIGINT')

@udf(result_type='BIGINT')
def exits(i):
    print('leaving now', file=sys.stderr, flush=True)
    os._exit(3)

@udf(result_type='BIGINT')
def slow(i):
    time.sleep(0.01)
    return i

@udf(result_type='BIGINT')
def spin(i):
    while True:
        pass

@udf(result_type='BIGINT')
def sleeps(i):
    time.sleep(600)
    return i

@udf(result_type='BIGINT')
def chatty(i):
    print('chatty sees', i)
    return i

def plain(i):
    return i

@udf(result_type='BIGINT', func_type='pandas')
def padd_one(s):
    return s + 1
`

// python is the interpreter the tests run workers with: the set-up's venv
// (make build), found through udf.DefaultExecutable.
func python(t testing.TB) string {
	exe := udf.DefaultExecutable()
	out, err := exec.Command(exe, "-c", "import taipan.worker").CombinedOutput()
	require.NoError(t, err, "%s cannot import taipan.worker: run `make build` first (%s)", exe, out)
	return exe
}

// fixture is a runtime and a directory holding fnsModule as fns.py.
type fixture struct {
	rt     *Runtime
	env    udf.Env
	stderr *syncBuffer
}

func newFixture(t testing.TB, opts Options) *fixture {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fns.py"), []byte(fnsModule), 0o644))
	f := &fixture{stderr: &syncBuffer{}}
	opts.Stderr = f.stderr
	f.rt = New(opts)
	f.env = udf.Env{Executable: python(t), Files: []string{dir}}
	t.Cleanup(func() {
		pids := f.rt.workerPIDs()
		require.NoError(t, f.rt.Close())
		for _, pid := range pids {
			require.False(t, processExists(pid), "worker %d outlived Close", pid)
		}
	})
	return f
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func function(name string) *udfpb.Function {
	return &udfpb.Function{Name: strings.ToUpper(name), Target: "fns." + name}
}

func column(i int32) *udfpb.Argument {
	return &udfpb.Argument{Source: &udfpb.Argument_Column{Column: i}}
}

func nested(fn int32, args ...*udfpb.Argument) *udfpb.Argument {
	return &udfpb.Argument{Source: &udfpb.Argument_Call{Call: &udfpb.Call{Function: fn, Arguments: args}}}
}

func call(fn int32, args ...*udfpb.Argument) *udfpb.Call {
	return &udfpb.Call{Function: fn, Arguments: args}
}

// scalarOp calls fns.name on column 0.
func scalarOp(name string) *udfpb.Operation {
	return &udfpb.Operation{Kind: udfpb.Operation_SCALAR, Functions: []*udfpb.Function{function(name)},
		Calls: []*udfpb.Call{call(0, column(0))}}
}

func int64Batch(mem memory.Allocator, vals []int64, valid []bool) arrow.Record {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, valid)
	col := b.NewArray()
	defer col.Release()
	return array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil),
		[]arrow.Array{col}, int64(len(vals)))
}

func seq(from, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(from + i)
	}
	return out
}

func int64s(t testing.TB, a arrow.Array) []any {
	out := make([]any, a.Len())
	col, ok := a.(*array.Int64)
	require.True(t, ok, "column is %s, not int64", a.DataType())
	for i := range out {
		if col.IsValid(i) {
			out[i] = col.Value(i)
		}
	}
	return out
}

func processExists(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie nobody reaped yet is dead too.
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

func waitGone(t testing.TB, pid int, within time.Duration) {
	deadline := time.Now().Add(within)
	for processExists(pid) {
		require.True(t, time.Now().Before(deadline), "process %d still runs after %s", pid, within)
		time.Sleep(10 * time.Millisecond)
	}
}

func asUDF(t testing.TB, err error) *udf.Error {
	var ue *udf.Error
	require.True(t, errors.As(err, &ue), "want a *udf.Error, got %T: %v", err, err)
	return ue
}

func TestScalarFusedAndNestedCalls(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	// add_one(i), add_one(add_one(i)) and shout(s) in one operation.
	op := &udfpb.Operation{Kind: udfpb.Operation_SCALAR,
		Functions: []*udfpb.Function{function("add_one"), function("shout")},
		Calls:     []*udfpb.Call{call(0, column(0)), call(0, nested(0, column(0))), call(1, column(1))}}
	ev, err := f.rt.Prepare(ctx, op, f.env)
	require.NoError(t, err)
	defer ev.Close()

	for _, n := range []int{3, 1, 0, 1000} {
		ib := array.NewInt64Builder(mem)
		sb := array.NewStringBuilder(mem)
		for i := 0; i < n; i++ {
			if i%3 == 1 {
				ib.AppendNull()
				sb.AppendNull()
			} else {
				ib.Append(int64(i))
				sb.Append("w" + strconv.Itoa(i))
			}
		}
		ic, sc := ib.NewArray(), sb.NewArray()
		in := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), []arrow.Array{ic, sc}, int64(n))
		ib.Release()
		sb.Release()
		ic.Release()
		sc.Release()

		out, err := udf.Eval(ctx, ev, in)
		in.Release()
		require.NoError(t, err)
		require.EqualValues(t, n, out.NumRows())
		require.EqualValues(t, 3, out.NumCols())
		one, two := int64s(t, out.Column(0)), int64s(t, out.Column(1))
		shouted := out.Column(2).(*array.String)
		for i := 0; i < n; i++ {
			if i%3 == 1 {
				require.Nil(t, one[i])
				require.Nil(t, two[i])
				require.True(t, shouted.IsNull(i))
				continue
			}
			require.Equal(t, int64(i+1), one[i])
			require.Equal(t, int64(i+2), two[i])
			require.Equal(t, "W"+strconv.Itoa(i)+"!", shouted.Value(i))
		}
		out.Release()
	}
	last, err := ev.Finish(ctx)
	require.NoError(t, err)
	require.Nil(t, last)
	require.NoError(t, ev.Close())
	require.NoError(t, ev.Close(), "Close twice")
}

func TestJobParametersFromEnv(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	env := f.env
	env.JobParameters = map[string]string{"offset": "100"}
	ev, err := f.rt.Prepare(ctx, scalarOp("with_param"), env)
	require.NoError(t, err)
	defer ev.Close()
	in := int64Batch(memory.DefaultAllocator, []int64{1, 2}, nil)
	defer in.Release()
	out, err := udf.Eval(ctx, ev, in)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []any{int64(101), int64(102)}, int64s(t, out.Column(0)))
}

func TestTableFunction(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	op := &udfpb.Operation{Kind: udfpb.Operation_TABLE, Functions: []*udfpb.Function{function("split")},
		Calls: []*udfpb.Call{call(0, column(0))}}
	ev, err := f.rt.Prepare(ctx, op, f.env)
	require.NoError(t, err)
	defer ev.Close()

	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues([]string{"a bb", "", "ccc"}, nil)
	col := b.NewArray()
	in := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil), []arrow.Array{col}, 3)
	col.Release()
	b.Release()
	defer in.Release()

	out, err := udf.Eval(ctx, ev, in)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []string{"row", "f0", "f1"}, []string{out.ColumnName(0), out.ColumnName(1), out.ColumnName(2)})
	require.Equal(t, []int32{0, 0, 2}, out.Column(0).(*array.Int32).Int32Values())
	words := out.Column(1).(*array.String)
	require.Equal(t, []string{"a", "bb", "ccc"}, []string{words.Value(0), words.Value(1), words.Value(2)})
	require.Equal(t, []int32{1, 2, 3}, out.Column(2).(*array.Int32).Int32Values())
	last, err := ev.Finish(ctx)
	require.NoError(t, err)
	require.Nil(t, last)
}

// Batches beyond gRPC's default 4 MiB message limit pass both ways.
func TestLargeBatches(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("shout"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	word := strings.Repeat("x", 2000)
	for i := 0; i < 5000; i++ {
		b.Append(word)
	}
	col := b.NewArray()
	in := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil), []arrow.Array{col}, 5000)
	col.Release()
	defer in.Release()
	out, err := udf.Eval(ctx, ev, in)
	require.NoError(t, err)
	defer out.Release()
	require.EqualValues(t, 5000, out.NumRows())
	require.Equal(t, strings.ToUpper(word)+"!", out.Column(0).(*array.String).Value(4999))
}

func groupBatch(groups []int32, vals []int64) arrow.Record {
	gb := array.NewInt32Builder(memory.DefaultAllocator)
	gb.AppendValues(groups, nil)
	vb := array.NewInt64Builder(memory.DefaultAllocator)
	vb.AppendValues(vals, nil)
	g, v := gb.NewArray(), vb.NewArray()
	defer func() { gb.Release(); vb.Release(); g.Release(); v.Release() }()
	return array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "group", Type: arrow.PrimitiveTypes.Int32},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{g, v}, int64(len(groups)))
}

func TestAggregate(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	op := &udfpb.Operation{Kind: udfpb.Operation_AGGREGATE, Functions: []*udfpb.Function{function("total")},
		Calls: []*udfpb.Call{call(0, column(1))}}
	ev, err := f.rt.Prepare(ctx, op, f.env)
	require.NoError(t, err)
	defer ev.Close()
	for _, in := range []arrow.Record{groupBatch([]int32{0, 1, 0}, []int64{1, 10, 2}), groupBatch([]int32{2, 1}, []int64{100, 20})} {
		require.NoError(t, ev.Send(ctx, in))
		in.Release()
	}
	_, err = ev.Receive(ctx)
	require.ErrorContains(t, err, "gives its output at Finish")
	out, err := ev.Finish(ctx)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []int32{0, 1, 2}, out.Column(0).(*array.Int32).Int32Values())
	require.Equal(t, []any{int64(3), int64(30), int64(100)}, int64s(t, out.Column(1)))

	// Without GROUP BY and without a single row, group 0 still has a value.
	op.GlobalAggregate = true
	ev2, err := f.rt.Prepare(ctx, op, f.env)
	require.NoError(t, err)
	defer ev2.Close()
	out2, err := ev2.Finish(ctx)
	require.NoError(t, err)
	defer out2.Release()
	require.Equal(t, []int32{0}, out2.Column(0).(*array.Int32).Int32Values())
	require.Equal(t, []any{int64(0)}, int64s(t, out2.Column(1)))
}

// Sending far ahead of receiving neither deadlocks nor reorders outputs.
func TestManyBatchesInFlight(t *testing.T) {
	f := newFixture(t, Options{InFlight: 3})
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ev, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	defer ev.Close()

	const batches, rows = 60, 500
	for round := 0; round < 2; round++ {
		// Round 0 sends everything before receiving; round 1 keeps a few
		// ahead, the way a pipelined operator does.
		ahead := batches
		if round == 1 {
			ahead = 5
		}
		next := 0
		for b := 0; b < batches; b++ {
			in := int64Batch(mem, seq(b*rows, rows), nil)
			require.NoError(t, ev.Send(ctx, in))
			in.Release()
			for b+1-next >= ahead || (b == batches-1 && next < batches) {
				out, err := ev.Receive(ctx)
				require.NoError(t, err)
				vals := int64s(t, out.Column(0))
				require.Len(t, vals, rows)
				require.Equal(t, int64(next*rows+1), vals[0], "batch %d out of order", next)
				require.Equal(t, int64(next*rows+rows), vals[rows-1])
				out.Release()
				next++
				if next == batches {
					break
				}
			}
		}
		require.Equal(t, batches, next)
	}
	_, err = ev.Receive(ctx)
	require.ErrorContains(t, err, "Receive without a batch sent")
	last, err := ev.Finish(ctx)
	require.NoError(t, err)
	require.Nil(t, last)
}

// Evaluators on several goroutines at once, spread over the pool.
func TestConcurrentEvaluatorsSpreadOverWorkers(t *testing.T) {
	f := newFixture(t, Options{Workers: 2})
	ctx := context.Background()
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	prepared := make(chan struct{})
	var evs [n]udf.Evaluator
	for g := 0; g < n; g++ {
		ev, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
		require.NoError(t, err)
		evs[g] = ev
	}
	close(prepared)
	require.Len(t, f.rt.workerPIDs(), 2, "four evaluators over a pool of two")
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-prepared
			ev := evs[g]
			defer ev.Close()
			for b := 0; b < 20; b++ {
				in := int64Batch(memory.DefaultAllocator, seq(g*1000+b, 50), nil)
				out, err := udf.Eval(ctx, ev, in)
				in.Release()
				if err != nil {
					errs <- err
					return
				}
				if got := out.Column(0).(*array.Int64).Value(0); got != int64(g*1000+b+1) {
					errs <- fmt.Errorf("goroutine %d batch %d: got %d", g, b, got)
				}
				out.Release()
			}
			if _, err := ev.Finish(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestPythonExceptionWithTraceback(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("boom"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	in := int64Batch(memory.DefaultAllocator, []int64{5, 6, 7, 8}, nil)
	defer in.Release()
	_, err = udf.Eval(ctx, ev, in)
	ue := asUDF(t, err)
	require.Equal(t, "BOOM", ue.Function)
	require.Equal(t, "ValueError: bad value 7", ue.Message)
	require.Contains(t, ue.Traceback, "fns.py")
	require.Contains(t, ue.Traceback, "raise ValueError('bad value %d' % i)")
	require.Contains(t, ue.Error(), "Python function BOOM failed: ValueError: bad value 7\nTraceback (most recent call last):")
	// The failure sticks; the worker and the runtime stay usable.
	require.Equal(t, err, ev.Send(ctx, in))
	require.NoError(t, ev.Close())

	ev2, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	defer ev2.Close()
	out, err := udf.Eval(ctx, ev2, in)
	require.NoError(t, err)
	out.Release()
}

func TestResultOfWrongType(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("wrong_type"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	_, err = udf.Eval(ctx, ev, in)
	ue := asUDF(t, err)
	require.Equal(t, "WRONG_TYPE", ue.Function)
	require.Contains(t, ue.Message, "'seven'")
	require.Contains(t, ue.Message, "BIGINT")
	require.NotContains(t, ue.Message, "Python function", "the function is named once, by udf.Error")
}

func TestPrepareFailures(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()

	env := f.env
	env.JobParameters = map[string]string{"target": "db1"}
	_, err := f.rt.Prepare(ctx, scalarOp("opens_badly"), env)
	ue := asUDF(t, err)
	require.Equal(t, "OPENS_BADLY", ue.Function)
	require.Equal(t, "in open: RuntimeError: no connection to db1", ue.Message)
	require.Contains(t, ue.Traceback, "fns.py")

	_, err = f.rt.Prepare(ctx, scalarOp("missing"), f.env)
	ue = asUDF(t, err)
	require.Contains(t, ue.Message, "fns.missing")
	require.Contains(t, ue.Message, "no attribute 'missing'")

	op := scalarOp("add_one")
	op.Functions[0].Target = "nomodule.f"
	_, err = f.rt.Prepare(ctx, op, f.env)
	require.ErrorContains(t, err, "no module named 'nomodule'")

	env = f.env
	env.Executable = filepath.Join(t.TempDir(), "no-python")
	_, err = f.rt.Prepare(ctx, scalarOp("add_one"), env)
	require.ErrorContains(t, err, "cannot start the Python worker with python.executable")
	require.ErrorContains(t, err, "no-python")

	// The failures above leave the runtime working.
	ev, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	require.NoError(t, ev.Close())
}

func TestPrepareWithCancelledContext(t *testing.T) {
	f := newFixture(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.ErrorIs(t, err, context.Canceled)
	_, err = f.rt.Describe(ctx, "fns.add_one", f.env)
	require.ErrorIs(t, err, context.Canceled)

	// Once the worker runs, too.
	ev, err := f.rt.Prepare(context.Background(), scalarOp("add_one"), f.env)
	require.NoError(t, err)
	require.NoError(t, ev.Close())
	_, err = f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.ErrorIs(t, err, context.Canceled)
	f.rt.mu.Lock()
	for _, p := range f.rt.pools {
		for _, w := range p.workers {
			require.Zero(t, w.active, "a failed Prepare gives its worker back")
		}
	}
	f.rt.mu.Unlock()
}

func TestWorkerCallsOSExit(t *testing.T) {
	f := newFixture(t, Options{Workers: 1})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("exits"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	pids := f.rt.workerPIDs()
	require.Len(t, pids, 1)
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	_, err = udf.Eval(ctx, ev, in)
	ue := asUDF(t, err)
	require.Equal(t, "EXITS", ue.Function)
	require.Contains(t, ue.Message, "Python worker exited unexpectedly (exit status 3)")
	require.Contains(t, ue.Message, "leaving now", "the worker's last stderr lines")
	require.NoError(t, ev.Close())
	waitGone(t, pids[0], 5*time.Second)

	// The next statement gets a new worker.
	ev2, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	defer ev2.Close()
	out, err := udf.Eval(ctx, ev2, in)
	require.NoError(t, err)
	out.Release()
	require.NotEqual(t, pids, f.rt.workerPIDs())
}

func TestWorkerKilledMidStream(t *testing.T) {
	f := newFixture(t, Options{Workers: 1})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("slow"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	pid := f.rt.workerPIDs()[0]
	for b := 0; b < 3; b++ {
		in := int64Batch(memory.DefaultAllocator, seq(0, 50), nil) // half a second each
		require.NoError(t, ev.Send(ctx, in))
		in.Release()
	}
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	_, err = ev.Receive(ctx)
	ue := asUDF(t, err)
	require.Equal(t, "SLOW", ue.Function)
	require.Contains(t, ue.Message, "Python worker exited unexpectedly (signal: killed)")
	require.NoError(t, ev.Close())

	ev2, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	defer ev2.Close()
	in := int64Batch(memory.DefaultAllocator, []int64{41}, nil)
	defer in.Release()
	out, err := udf.Eval(ctx, ev2, in)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []any{int64(42)}, int64s(t, out.Column(0)))
}

// A worker killed between statements is replaced without failing the
// next one, even before the runtime has seen it exit.
func TestWorkerKilledWhileIdle(t *testing.T) {
	f := newFixture(t, Options{Workers: 1})
	ctx := context.Background()
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	for round := 0; round < 3; round++ {
		ev, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
		require.NoError(t, err, "round %d", round)
		out, err := udf.Eval(ctx, ev, in)
		require.NoError(t, err, "round %d", round)
		out.Release()
		require.NoError(t, ev.Close())
		pids := f.rt.workerPIDs()
		require.Len(t, pids, 1)
		require.NoError(t, syscall.Kill(pids[0], syscall.SIGKILL))
		if round == 2 {
			_, err = f.rt.Describe(ctx, "fns.add_one", f.env)
			require.NoError(t, err)
		}
	}
}

// waitDrained waits until no worker is stopping a cancelled call.
func waitDrained(t testing.TB, rt *Runtime, within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		rt.mu.Lock()
		draining := 0
		for _, p := range rt.pools {
			for _, w := range p.workers {
				draining += w.draining
			}
		}
		rt.mu.Unlock()
		if draining == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "still draining after %s", within)
		time.Sleep(10 * time.Millisecond)
	}
}

// A cancelled context stops a function looping in Python at once; the
// worker survives and serves the next statement.
func TestCancelStopsPythonLoop(t *testing.T) {
	f := newFixture(t, Options{Workers: 1, CancelGrace: 5 * time.Second})
	ev, err := f.rt.Prepare(context.Background(), scalarOp("spin"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	pid := f.rt.workerPIDs()[0]
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = udf.Eval(ctx, ev, in)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 2*time.Second)
	require.NoError(t, ev.Close())

	// The worker interrupted the loop well within the grace period.
	waitDrained(t, f.rt, 3*time.Second)
	require.True(t, processExists(pid))
	ev2, err := f.rt.Prepare(context.Background(), scalarOp("add_one"), f.env)
	require.NoError(t, err)
	defer ev2.Close()
	require.Equal(t, []int{pid}, f.rt.workerPIDs())
	out, err := udf.Eval(context.Background(), ev2, in)
	require.NoError(t, err)
	out.Release()
}

// A function stuck where Python cannot interrupt it (a long C call) gets
// its worker killed after the grace period; the next statement works.
func TestCancelKillsStuckWorker(t *testing.T) {
	f := newFixture(t, Options{Workers: 1, CancelGrace: 300 * time.Millisecond})
	ev, err := f.rt.Prepare(context.Background(), scalarOp("sleeps"), f.env)
	require.NoError(t, err)
	pid := f.rt.workerPIDs()[0]
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	require.NoError(t, ev.Send(context.Background(), in))

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err = ev.Receive(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, ev.Close())
	waitGone(t, pid, 5*time.Second)

	ev2, err := f.rt.Prepare(context.Background(), scalarOp("add_one"), f.env)
	require.NoError(t, err)
	defer ev2.Close()
	require.NotEqual(t, []int{pid}, f.rt.workerPIDs())
	out, err := udf.Eval(context.Background(), ev2, in)
	require.NoError(t, err)
	out.Release()
}

// Closing an evaluator early (a LIMIT) while its function runs stops it
// too.
func TestCloseBeforeFinishStopsTheCall(t *testing.T) {
	f := newFixture(t, Options{Workers: 1, CancelGrace: 5 * time.Second})
	ev, err := f.rt.Prepare(context.Background(), scalarOp("spin"), f.env)
	require.NoError(t, err)
	pid := f.rt.workerPIDs()[0]
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	require.NoError(t, ev.Send(context.Background(), in))
	require.NoError(t, ev.Close())
	waitDrained(t, f.rt, 3*time.Second)
	require.Equal(t, []int{pid}, f.rt.workerPIDs())
}

// Closing an evaluator whose every batch came back (a LIMIT reached on a
// batch boundary) leaves the worker in service at once.
func TestCloseWhenIdleKeepsTheWorker(t *testing.T) {
	f := newFixture(t, Options{Workers: 1})
	ctx := context.Background()
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	var pids []int
	for i := 0; i < 3; i++ {
		ev, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
		require.NoError(t, err)
		out, err := udf.Eval(ctx, ev, in)
		require.NoError(t, err)
		out.Release()
		require.NoError(t, ev.Close())
		f.rt.mu.Lock()
		for _, p := range f.rt.pools {
			for _, w := range p.workers {
				require.Zero(t, w.draining)
			}
		}
		f.rt.mu.Unlock()
		pids = append(pids, f.rt.workerPIDs()...)
	}
	require.Equal(t, []int{pids[0], pids[0], pids[0]}, pids)
}

func TestPrintGoesToStderr(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("chatty"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	in := int64Batch(memory.DefaultAllocator, []int64{11, 12}, nil)
	defer in.Release()
	out, err := udf.Eval(ctx, ev, in)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []any{int64(11), int64(12)}, int64s(t, out.Column(0)))
	_, err = ev.Finish(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(f.stderr.String(), "chatty sees 11\nchatty sees 12\n")
	}, 5*time.Second, 10*time.Millisecond, "stderr: %q", f.stderr.String())
}

func TestDescribe(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	sig, err := f.rt.Describe(ctx, "fns.add_one", f.env)
	require.NoError(t, err)
	require.Equal(t, "add_one", sig.Name)
	require.Equal(t, udfpb.FunctionSignature_SCALAR, sig.Kind)
	require.Equal(t, []string{"BIGINT"}, sig.ResultTypes)

	sig, err = f.rt.Describe(ctx, "fns.split", f.env)
	require.NoError(t, err)
	require.Equal(t, udfpb.FunctionSignature_TABLE, sig.Kind)
	require.Equal(t, []string{"STRING", "INT"}, sig.ResultTypes)

	sig, err = f.rt.Describe(ctx, "fns.total", f.env)
	require.NoError(t, err)
	require.Equal(t, udfpb.FunctionSignature_AGGREGATE, sig.Kind)

	for target, want := range map[string]string{
		"nosuchmodule.f": "no module named 'nosuchmodule'",
		"fns.nothing":    "fns.nothing: 'fns' has no attribute 'nothing'",
		"fns.plain":      "fns.plain is a function, not a Taipan function",
		"notdotted":      "'notdotted' is not a 'module.attribute' name",
	} {
		_, err := f.rt.Describe(ctx, target, f.env)
		ue := asUDF(t, err)
		require.Contains(t, ue.Message, want, target)
	}

	// A module that raises on import: the error carries its traceback.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.py"), []byte("x = 1\nraise ImportError('needs libfoo')\n"), 0o644))
	env := f.env
	env.Files = []string{dir}
	_, err = f.rt.Describe(ctx, "broken.f", env)
	ue := asUDF(t, err)
	require.Contains(t, ue.Message, "needs libfoo")
	require.Contains(t, ue.Traceback, "broken.py")
}

func TestCloseStopsWorkers(t *testing.T) {
	f := newFixture(t, Options{Workers: 2})
	ctx := context.Background()
	ev1, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	ev2, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	pids := f.rt.workerPIDs()
	require.Len(t, pids, 2)
	dir := f.rt.dir
	require.DirExists(t, dir)
	st, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), st.Mode().Perm())

	require.NoError(t, f.rt.Close())
	for _, pid := range pids {
		require.False(t, processExists(pid), "worker %d outlived Close", pid)
	}
	require.NoDirExists(t, dir)
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	_, err = udf.Eval(ctx, ev1, in)
	require.Error(t, err)
	require.NoError(t, ev1.Close())
	require.NoError(t, ev2.Close())
	_, err = f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.ErrorContains(t, err, "closed")
	require.NoError(t, f.rt.Close(), "Close twice")
}

// engineHelperEnv makes the test binary act as a small engine: it opens a
// runtime, starts a worker, prints the worker's pid and waits to be
// killed (TestMain).
const engineHelperEnv = "TAIPAN_PROCESS_TEST_ENGINE"

func TestMain(m *testing.M) {
	if dir := os.Getenv(engineHelperEnv); dir != "" {
		runEngineHelper(dir)
		return
	}
	os.Exit(m.Run())
}

func runEngineHelper(dir string) {
	rt := New(Options{Workers: 1})
	ev, err := rt.Prepare(context.Background(), scalarOp("add_one"), udf.Env{Files: []string{dir}})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	_ = ev
	fmt.Println(rt.workerPIDs()[0])
	select {}
}

func TestWorkersDieWithKilledEngine(t *testing.T) {
	exe := python(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fns.py"), []byte(fnsModule), 0o644))
	tmp := t.TempDir()
	engine := exec.Command(os.Args[0], "-test.run=^$")
	engine.Env = append(os.Environ(), engineHelperEnv+"="+dir, udf.DefaultExecutableEnv+"="+exe, "TMPDIR="+tmp)
	out, err := engine.StdoutPipe()
	require.NoError(t, err)
	engine.Stderr = os.Stderr
	require.NoError(t, engine.Start())
	defer engine.Process.Kill()

	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err, "engine said %q", line)
	require.True(t, processExists(pid))

	require.NoError(t, engine.Process.Signal(syscall.SIGKILL))
	_ = engine.Wait()
	waitGone(t, pid, 5*time.Second)

	// The killed engine's socket directory stays behind until the next
	// runtime to start sweeps it; a live engine's stays.
	stale, err := filepath.Glob(filepath.Join(tmp, socketDirPrefix+"*"))
	require.NoError(t, err)
	require.Len(t, stale, 1)
	live := filepath.Join(tmp, socketDirPrefix+strconv.Itoa(os.Getppid())+"-1")
	require.NoError(t, os.Mkdir(live, 0o700))
	t.Setenv("TMPDIR", tmp)
	f := newFixture(t, Options{})
	ev, err := f.rt.Prepare(context.Background(), scalarOp("add_one"), f.env)
	require.NoError(t, err)
	require.NoError(t, ev.Close())
	require.NoDirExists(t, stale[0])
	require.DirExists(t, live)
	require.DirExists(t, f.rt.dir)
}

func TestDecodeError(t *testing.T) {
	msg := `taipan-error:{"error": "PythonFunctionError", "function": "f", "message": "KeyError: '}'", "traceback": "Traceback...\n"}. Detail: Failed`
	ue := decodeError(errors.New("rpc error: "+msg), "g")
	require.Equal(t, &udf.Error{Function: "f", Message: "KeyError: '}'", Traceback: "Traceback...\n"}, ue)
	ue = decodeError(errors.New(`taipan-error:{"error": "FunctionLoadError", "function": "", "message": "m.x: gone", "traceback": ""}`), "g")
	require.Equal(t, &udf.Error{Function: "g", Message: "m.x: gone"}, ue)
	require.Nil(t, decodeError(errors.New("connection refused"), "g"))
	require.Nil(t, decodeError(errors.New("taipan-error:{not json"), "g"))
}

// Ctrl-C in a terminal signals its foreground process group: workers live
// in their own group and ignore SIGINT, so the statement is cancelled by
// the engine and the worker keeps serving.
func TestWorkerOutlivesTerminalInterrupt(t *testing.T) {
	f := newFixture(t, Options{Workers: 1})
	ctx := context.Background()
	ev, err := f.rt.Prepare(ctx, scalarOp("add_one"), f.env)
	require.NoError(t, err)
	defer ev.Close()
	pids := f.rt.workerPIDs()
	require.Len(t, pids, 1)
	pgid, err := syscall.Getpgid(pids[0])
	require.NoError(t, err)
	require.NotEqual(t, syscall.Getpgrp(), pgid, "a worker has its own process group")
	require.NoError(t, syscall.Kill(pids[0], syscall.SIGINT))
	time.Sleep(300 * time.Millisecond)
	in := int64Batch(memory.DefaultAllocator, []int64{1}, nil)
	defer in.Release()
	out, err := udf.Eval(ctx, ev, in)
	require.NoError(t, err)
	out.Release()
	require.Equal(t, pids, f.rt.workerPIDs())
}
