//go:build cgo

package thread

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// newRuntime starts (or joins) the embedded interpreter. The tests need
// the set-up's venv: `make build` creates it, and `make go-test` points
// TAIPAN_PYTHON at it.
func newRuntime(t testing.TB) *Runtime {
	t.Helper()
	r, err := New()
	require.NoError(t, err, "THREAD mode needs the venv of `make build` (TAIPAN_PYTHON=%q)", os.Getenv(udf.DefaultExecutableEnv))
	t.Cleanup(func() { r.Close() })
	return r
}

var moduleSeq atomic.Int64

var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]`)

// writeModule writes a function module into a fresh directory and returns
// the module's name (unique in the process: the interpreter, and its
// sys.modules, outlive tests) and the env that makes it importable.
func writeModule(t testing.TB, source string) (string, udf.Env) {
	t.Helper()
	dir := t.TempDir()
	name := fmt.Sprintf("m%d_%s", moduleSeq.Add(1), strings.ToLower(notIdent.ReplaceAllString(t.Name(), "_")))
	src := "from taipan import DataTypes, Row\n" +
		"from taipan.udf import udf, udtf, udaf, ScalarFunction, TableFunction, AggregateFunction\n" + source
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".py"), []byte(src), 0o644))
	return name, udf.Env{Files: []string{dir}}
}

func function(name, target string, args []string, result ...string) *udfpb.Function {
	return &udfpb.Function{Name: name, Target: target, ArgumentTypes: args, ResultTypes: result}
}

func col(i int32) *udfpb.Argument {
	return &udfpb.Argument{Source: &udfpb.Argument_Column{Column: i}}
}

func nested(c *udfpb.Call) *udfpb.Argument {
	return &udfpb.Argument{Source: &udfpb.Argument_Call{Call: c}}
}

func intConst(typ string, v int64) *udfpb.Argument {
	return &udfpb.Argument{Source: &udfpb.Argument_Constant{Constant: &udfpb.Constant{
		Type: typ, Value: &udfpb.Constant_IntValue{IntValue: v}}}}
}

func call(f int32, args ...*udfpb.Argument) *udfpb.Call {
	return &udfpb.Call{Function: f, Arguments: args}
}

// scalarOp is a SCALAR operation of one function applied to columns.
func scalarOp(module, attr string, args []string, result string, cols ...int32) *udfpb.Operation {
	var as []*udfpb.Argument
	for _, c := range cols {
		as = append(as, col(c))
	}
	return &udfpb.Operation{
		Kind:      udfpb.Operation_SCALAR,
		Functions: []*udfpb.Function{function(attr, module+"."+attr, args, result)},
		Calls:     []*udfpb.Call{call(0, as...)},
	}
}

// checkedMem is an allocator that fails the test if anything it gave out
// is still allocated at the end (checked after the test's other cleanups,
// which close evaluators, and a Python garbage collection).
func checkedMem(t *testing.T, r *Runtime) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() {
		_, err := r.run(context.Background(), "import gc; gc.collect()")
		require.NoError(t, err)
		mem.AssertSize(t, 0)
	})
	return mem
}

// int64Record is a record of BIGINT columns; nil pointers are NULLs.
func int64Record(mem memory.Allocator, names []string, cols ...[]*int64) arrow.Record {
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	n := 0
	for i, c := range cols {
		fields[i] = arrow.Field{Name: names[i], Type: arrow.PrimitiveTypes.Int64, Nullable: true}
		b := array.NewInt64Builder(mem)
		for _, v := range c {
			if v == nil {
				b.AppendNull()
			} else {
				b.Append(*v)
			}
		}
		arrs[i] = b.NewArray()
		b.Release()
		n = len(c)
	}
	rec := array.NewRecord(arrow.NewSchema(fields, nil), arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

func ints(vs ...int64) []*int64 {
	out := make([]*int64, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

func stringRecord(mem memory.Allocator, vs ...string) arrow.Record {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(vs, nil)
	arr := b.NewArray()
	defer arr.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a0", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	return array.NewRecord(schema, []arrow.Array{arr}, int64(len(vs)))
}

// values is a column as Go values (nil for NULL), for comparisons.
func values(a arrow.Array) []any {
	out := make([]any, a.Len())
	for i := range out {
		if a.IsNull(i) {
			continue
		}
		switch a := a.(type) {
		case *array.Int64:
			out[i] = a.Value(i)
		case *array.Int32:
			out[i] = a.Value(i)
		case *array.Float64:
			out[i] = a.Value(i)
		case *array.String:
			out[i] = a.Value(i)
		case *array.Boolean:
			out[i] = a.Value(i)
		default:
			out[i] = a.ValueStr(i)
		}
	}
	return out
}

// prepare opens op and closes it at the end of the test.
func prepare(t testing.TB, r *Runtime, op *udfpb.Operation, env udf.Env) udf.Evaluator {
	t.Helper()
	ev, err := r.Prepare(context.Background(), op, env)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, ev.Close()) })
	return ev
}

// eval sends one batch, releases it and returns the output.
func eval(t *testing.T, ev udf.Evaluator, in arrow.Record) arrow.Record {
	t.Helper()
	defer in.Release()
	out, err := udf.Eval(context.Background(), ev, in)
	require.NoError(t, err)
	t.Cleanup(out.Release)
	return out
}
