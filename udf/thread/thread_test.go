//go:build cgo

package thread

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
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

func TestInterpreterIsTheVenvs(t *testing.T) {
	r := newRuntime(t)
	require.Equal(t, udf.Thread, r.Mode())
	require.Contains(t, r.Interpreter(), "CPython 3.")
	out, err := r.run(context.Background(), `
import sys, pyarrow, pandas, taipan
result = (sys.prefix != sys.base_prefix, 'site-packages' in pyarrow.__file__, taipan.__name__)`)
	require.NoError(t, err)
	require.Equal(t, "(True, True, 'taipan')", out, "the embedded interpreter runs in the venv, with its packages")

	// print() must not write into the engine's standard output.
	out, err = r.run(context.Background(), "import sys\nresult = sys.stdout is sys.stderr")
	require.NoError(t, err)
	require.Equal(t, "True", out)
}

// The embedded Python installs no signal handlers: Ctrl-C and SIGPIPE stay
// the engine's, and Python never turns Ctrl-C into a KeyboardInterrupt.
func TestInterruptSignalStaysWithGo(t *testing.T) {
	r := newRuntime(t)
	out, err := r.run(context.Background(), "import signal\nresult = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGPIPE))")
	require.NoError(t, err)
	require.Equal(t, "(None, None)", out, "Python set no handler of its own, not even SIG_IGN for SIGPIPE")

	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	defer signal.Stop(ch)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not reach Go")
	}
}

func TestScalarOverBatchSizes(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type=DataTypes.BIGINT())
def add_one(i):
    return None if i is None else i + 1
`)
	ev := prepare(t, r, scalarOp(mod, "add_one", []string{"BIGINT"}, "BIGINT", 0), env)
	for _, size := range []int{1, 3, 1024, 0} {
		in := make([]*int64, size)
		var want []any
		for i := range in {
			if i%5 == 2 {
				want = append(want, nil)
				continue
			}
			v := int64(i * 7)
			in[i] = &v
			want = append(want, v+1)
		}
		out := eval(t, ev, int64Record(mem, []string{"a0"}, in))
		require.EqualValues(t, size, out.NumRows())
		require.Equal(t, 1, int(out.NumCols()))
		require.Equal(t, arrow.PrimitiveTypes.Int64, out.Column(0).DataType())
		if size > 0 {
			require.Equal(t, want, values(out.Column(0)), "batch size %d", size)
		}
		sqlType, ok := out.Schema().Field(0).Metadata.GetValue("taipan.sql_type")
		require.True(t, ok)
		require.Equal(t, "BIGINT", sqlType)
	}
	fin, err := ev.Finish(context.Background())
	require.NoError(t, err)
	require.Nil(t, fin, "SCALAR has no final output")
}

func TestScalarCallsNestedAndConstants(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def add(a, b):
    return a + b

@udf(result_type='STRING')
def shout(s):
    return s.upper() + '!'

@udf(result_type='BIGINT')
def length(s):
    return len(s)
`)
	op := &udfpb.Operation{
		Kind: udfpb.Operation_SCALAR,
		Functions: []*udfpb.Function{
			function("add", mod+".add", []string{"BIGINT", "BIGINT"}, "BIGINT"),
			function("shout", mod+".shout", []string{"STRING"}, "STRING"),
			function("length", mod+".length", []string{"STRING"}, "BIGINT"),
		},
		Calls: []*udfpb.Call{
			call(1, col(0)), // shout(s)
			call(0, nested(call(2, col(0))), intConst("BIGINT", 100)), // add(length(s), 100)
		},
	}
	ev := prepare(t, r, op, env)
	out := eval(t, ev, stringRecord(mem, "ab", "", "héllo"))
	require.Equal(t, []any{"AB!", "!", "HÉLLO!"}, values(out.Column(0)))
	require.Equal(t, []any{int64(102), int64(100), int64(105)}, values(out.Column(1)))
}

func TestNoArgumentFunctionOverColumnlessBatch(t *testing.T) {
	r := newRuntime(t)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def answer():
    return 42
`)
	ev := prepare(t, r, scalarOp(mod, "answer", nil, "BIGINT"), env)
	in := array.NewRecord(arrow.NewSchema(nil, nil), nil, 4)
	out := eval(t, ev, in)
	require.Equal(t, []any{int64(42), int64(42), int64(42), int64(42)}, values(out.Column(0)))
}

func TestInputSchemaChangeIsSentAgain(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='STRING')
def kind(v):
    return type(v).__name__
`)
	ev := prepare(t, r, scalarOp(mod, "kind", nil, "STRING", 0), env)
	out := eval(t, ev, int64Record(mem, []string{"a0"}, ints(1, 2)))
	require.Equal(t, []any{"int", "int"}, values(out.Column(0)))
	out = eval(t, ev, stringRecord(mem, "x"))
	require.Equal(t, []any{"str"}, values(out.Column(0)), "a batch of another schema is read by its own schema")
	out = eval(t, ev, int64Record(mem, []string{"a0"}, ints(3)))
	require.Equal(t, []any{"int"}, values(out.Column(0)))
}

func TestTableFunction(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udtf(result_types=['STRING', 'INT'])
def split(s):
    for w in s.split(' '):
        yield w, len(w)
`)
	op := &udfpb.Operation{
		Kind:      udfpb.Operation_TABLE,
		Functions: []*udfpb.Function{function("split", mod+".split", []string{"STRING"}, "STRING", "INT")},
		Calls:     []*udfpb.Call{call(0, col(0))},
	}
	ev := prepare(t, r, op, env)
	out := eval(t, ev, stringRecord(mem, "a bc", "def"))
	require.Equal(t, []string{"row", "f0", "f1"}, []string{out.ColumnName(0), out.ColumnName(1), out.ColumnName(2)})
	require.Equal(t, []any{int32(0), int32(0), int32(1)}, values(out.Column(0)))
	require.Equal(t, []any{"a", "bc", "def"}, values(out.Column(1)))
	require.Equal(t, []any{int32(1), int32(2), int32(3)}, values(out.Column(2)))
}

func groupRecord(mem memory.Allocator, groups []int32, vals []int64) arrow.Record {
	gb := array.NewInt32Builder(mem)
	defer gb.Release()
	gb.AppendValues(groups, nil)
	vb := array.NewInt64Builder(mem)
	defer vb.Release()
	vb.AppendValues(vals, nil)
	g, v := gb.NewArray(), vb.NewArray()
	defer g.Release()
	defer v.Release()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "group", Type: arrow.PrimitiveTypes.Int32},
		{Name: "a0", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	return array.NewRecord(schema, []arrow.Array{g, v}, int64(len(groups)))
}

func TestAggregates(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
class Total(AggregateFunction):
    def create_accumulator(self):
        return Row(0)
    def accumulate(self, acc, v):
        acc[0] += v
    def get_value(self, acc):
        return acc[0]
total = udaf(Total(), result_type='BIGINT', accumulator_type='ROW<f0 BIGINT>')

@udaf(result_type='DOUBLE', func_type='pandas')
def mean(v):
    return float(v.mean())
`)
	for _, tc := range []struct {
		kind   udfpb.Operation_Kind
		fn     *udfpb.Function
		values []any
	}{
		{udfpb.Operation_AGGREGATE, function("total", mod+".total", []string{"BIGINT"}, "BIGINT"),
			[]any{int64(1 + 4), int64(2 + 3 + 5)}},
		{udfpb.Operation_PANDAS_AGGREGATE, &udfpb.Function{Name: "mean", Target: mod + ".mean",
			ArgumentTypes: []string{"BIGINT"}, ResultTypes: []string{"DOUBLE"}, FuncType: udfpb.Function_PANDAS},
			[]any{2.5, 10.0 / 3}},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			op := &udfpb.Operation{Kind: tc.kind, Functions: []*udfpb.Function{tc.fn}, Calls: []*udfpb.Call{call(0, col(1))}}
			ev := prepare(t, r, op, env)
			for _, in := range []arrow.Record{
				groupRecord(mem, []int32{0, 1, 1}, []int64{1, 2, 3}),
				groupRecord(mem, []int32{0, 1}, []int64{4, 5}),
			} {
				require.NoError(t, ev.Send(context.Background(), in))
				in.Release()
			}
			_, err := ev.Receive(context.Background())
			require.ErrorContains(t, err, "Receive without a batch sent")
			out, err := ev.Finish(context.Background())
			require.NoError(t, err)
			defer out.Release()
			require.Equal(t, []any{int32(0), int32(1)}, values(out.Column(0)))
			got := values(out.Column(1))
			require.Len(t, got, 2)
			for i, want := range tc.values {
				require.InDelta(t, want, got[i], 1e-9)
			}
		})
	}
}

func TestPandasScalar(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT', func_type='pandas')
def double(s):
    return s * 2
`)
	op := scalarOp(mod, "double", []string{"BIGINT"}, "BIGINT", 0)
	op.Functions[0].FuncType = udfpb.Function_PANDAS
	ev := prepare(t, r, op, env)
	out := eval(t, ev, int64Record(mem, []string{"a0"}, ints(1, 2, 3)))
	require.Equal(t, []any{int64(2), int64(4), int64(6)}, values(out.Column(0)))
}

func TestRaisingFunction(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def ratio(a):
    return 10 // a
`)
	ev := prepare(t, r, scalarOp(mod, "ratio", []string{"BIGINT"}, "BIGINT", 0), env)
	in := int64Record(mem, []string{"a0"}, ints(5, 0))
	_, err := udf.Eval(context.Background(), ev, in)
	in.Release()
	var ue *udf.Error
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "ratio", ue.Function)
	require.Equal(t, "ZeroDivisionError: integer division or modulo by zero", ue.Message)
	require.Contains(t, ue.Traceback, mod+".py\", line 6, in ratio")
	require.Contains(t, ue.Traceback, "return 10 // a")
	require.Contains(t, err.Error(), "Python function ratio failed: ZeroDivisionError")

	// The evaluator and the interpreter go on.
	out := eval(t, ev, int64Record(mem, []string{"a0"}, ints(5)))
	require.Equal(t, []any{int64(2)}, values(out.Column(0)))
}

func TestResultOfWrongType(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def text(a):
    return 'not a number'
`)
	ev := prepare(t, r, scalarOp(mod, "text", []string{"BIGINT"}, "BIGINT", 0), env)
	in := int64Record(mem, []string{"a0"}, ints(1))
	_, err := udf.Eval(context.Background(), ev, in)
	in.Release()
	var ue *udf.Error
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "text", ue.Function)
	require.Contains(t, ue.Message, "'not a number'")
	require.Contains(t, ue.Message, "BIGINT")
	require.False(t, strings.HasPrefix(ue.Message, "Python function"), "the function is named once: %s", err)
}

func TestLoadAndOpenErrors(t *testing.T) {
	r := newRuntime(t)
	mod, env := writeModule(t, `
not_a_function = 42

class Opens(ScalarFunction):
    def open(self, ctx):
        raise RuntimeError('cannot open ' + ctx.get_job_parameter('who', '?'))
    def eval(self, i):
        return i
opens = udf(Opens(), result_type='BIGINT')
`)
	ctx := context.Background()
	_, err := r.Prepare(ctx, scalarOp("no_such_module_xyz", "f", nil, "BIGINT", 0), env)
	require.ErrorContains(t, err, "no module named 'no_such_module_xyz'")

	_, err = r.Prepare(ctx, scalarOp(mod, "missing", nil, "BIGINT", 0), env)
	require.ErrorContains(t, err, "has no attribute 'missing'")

	_, err = r.Prepare(ctx, scalarOp(mod, "not_a_function", nil, "BIGINT", 0), env)
	require.ErrorContains(t, err, "not a Taipan function")

	env.JobParameters = map[string]string{"who": "me"}
	_, err = r.Prepare(ctx, scalarOp(mod, "opens", nil, "BIGINT", 0), env)
	var ue *udf.Error
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "opens", ue.Function)
	require.Equal(t, "in open: RuntimeError: cannot open me", ue.Message, "job parameters reach FunctionContext")
	require.Contains(t, ue.Traceback, "raise RuntimeError")

	_, err = r.Prepare(ctx, &udfpb.Operation{Kind: udfpb.Operation_SCALAR}, env)
	require.ErrorContains(t, err, "without calls")

	_, err = r.Prepare(ctx, &udfpb.Operation{}, udf.Env{})
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "unknown operation kind 0", ue.Message)
}

func TestOpenCloseAndJobParameters(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	mod, env := writeModule(t, fmt.Sprintf(`
class Tagged(ScalarFunction):
    def open(self, ctx):
        self.tag = ctx.get_job_parameter('tag', 'none')
        open(%[1]q, 'a').write('open\n')
    def eval(self, i):
        return '%%s-%%d' %% (self.tag, i)
    def close(self):
        open(%[1]q, 'a').write('close\n')
tagged = udf(Tagged(), result_type='STRING')
`, log))
	env.JobParameters = map[string]string{"tag": "t1"}
	ev, err := r.Prepare(context.Background(), scalarOp(mod, "tagged", nil, "STRING", 0), env)
	require.NoError(t, err)
	in := int64Record(mem, []string{"a0"}, ints(7))
	out, err := udf.Eval(context.Background(), ev, in)
	in.Release()
	require.NoError(t, err)
	require.Equal(t, []any{"t1-7"}, values(out.Column(0)))
	out.Release()
	require.NoError(t, ev.Close())
	require.NoError(t, ev.Close(), "Close twice")
	got, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Equal(t, "open\nclose\n", string(got))

	in = int64Record(mem, []string{"a0"}, ints(7))
	defer in.Release()
	require.ErrorContains(t, ev.Send(context.Background(), in), "closed")
}

func TestPythonFilesAsFile(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def neg(i):
    return -i
`)
	// A .py file in python.files makes its directory importable.
	env.Files = []string{filepath.Join(env.Files[0], mod+".py")}
	ev := prepare(t, r, scalarOp(mod, "neg", nil, "BIGINT", 0), env)
	out := eval(t, ev, int64Record(mem, []string{"a0"}, ints(3)))
	require.Equal(t, []any{int64(-3)}, values(out.Column(0)))

	_, err := r.Prepare(context.Background(), scalarOp(mod, "neg", nil, "BIGINT", 0),
		udf.Env{Files: []string{filepath.Join(t.TempDir(), "absent.py")}})
	require.ErrorContains(t, err, "does not exist")
}

func TestDescribe(t *testing.T) {
	r := newRuntime(t)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT', input_types=['BIGINT'])
def add_one(i):
    return i + 1

@udtf(result_types=['STRING'])
def words(s):
    return s.split()
`)
	sig, err := r.Describe(context.Background(), mod+".add_one", env)
	require.NoError(t, err)
	require.Equal(t, udfpb.FunctionSignature_SCALAR, sig.Kind)
	require.True(t, sig.InputTypesDeclared)
	require.Equal(t, []string{"BIGINT"}, sig.InputTypes)
	require.Equal(t, []string{"BIGINT"}, sig.ResultTypes)

	sig, err = r.Describe(context.Background(), mod+".words", env)
	require.NoError(t, err)
	require.Equal(t, udfpb.FunctionSignature_TABLE, sig.Kind)

	_, err = r.Describe(context.Background(), mod+".nothing", env)
	var ue *udf.Error
	require.ErrorAs(t, err, &ue)
	require.Contains(t, ue.Message, "has no attribute 'nothing'")

	_, err = r.Describe(context.Background(), "no dots", env)
	require.ErrorContains(t, err, "is not a 'module.attribute' name")
}

func TestImportErrorCarriesTraceback(t *testing.T) {
	r := newRuntime(t)
	mod, env := writeModule(t, `
raise ValueError('broken module')
`)
	_, err := r.Describe(context.Background(), mod+".f", env)
	var ue *udf.Error
	require.ErrorAs(t, err, &ue)
	require.Contains(t, ue.Message, "ValueError: broken module")
	require.Contains(t, ue.Traceback, "broken module")
}

func TestClosedRuntime(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def ident(i):
    return i
`)
	ev, err := r.Prepare(context.Background(), scalarOp(mod, "ident", nil, "BIGINT", 0), env)
	require.NoError(t, err)
	defer ev.Close()
	require.NoError(t, r.Close())
	in := int64Record(mem, []string{"a0"}, ints(1))
	defer in.Release()
	require.ErrorIs(t, ev.Send(context.Background(), in), errClosed)
	_, err = r.Prepare(context.Background(), scalarOp(mod, "ident", nil, "BIGINT", 0), env)
	require.ErrorIs(t, err, errClosed)
	_, err = r.Describe(context.Background(), mod+".ident", env)
	require.ErrorIs(t, err, errClosed)

	// Another runtime shares the interpreter and still works.
	r2 := newRuntime(t)
	ev2 := prepare(t, r2, scalarOp(mod, "ident", nil, "BIGINT", 0), env)
	out := eval(t, ev2, int64Record(mem, []string{"a0"}, ints(9)))
	require.Equal(t, []any{int64(9)}, values(out.Column(0)))
}

func TestCancelledContextBeforeCall(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def ident(i):
    return i
`)
	ev := prepare(t, r, scalarOp(mod, "ident", nil, "BIGINT", 0), env)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := int64Record(mem, []string{"a0"}, ints(1))
	defer in.Release()
	require.True(t, errors.Is(ev.Send(ctx, in), context.Canceled))
	_, err := r.Prepare(ctx, scalarOp(mod, "ident", nil, "BIGINT", 0), env)
	require.ErrorIs(t, err, context.Canceled)
}
