package builtin

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var (
	tBool   = types.BoolType
	tInt    = types.Int32Type
	tBig    = types.Int64Type
	tTiny   = types.Int8Type
	tDouble = types.Float64Type
	tText   = types.StringType
	tDate   = types.DateType
	tTS     = types.TimestampType(6)
	tNull   = types.NullType
)

func tDec(p, s int) types.Type { return types.DecimalType(p, s) }

func testCatalog() *catalog.Catalog {
	c := catalog.New()
	Register(c)
	return c
}

var cat = testCatalog()

func newMem(t testing.TB) *memory.CheckedAllocator {
	return memory.NewCheckedAllocator(memory.NewGoAllocator())
}

func column(t testing.TB, mem memory.Allocator, typ types.Type, vals []types.Value) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, typ.Arrow())
	defer b.Release()
	for _, v := range vals {
		require.NoError(t, expr.AppendValue(b, v))
	}
	return b.NewArray()
}

func valuesOf(a arrow.Array) []types.Value {
	out := make([]types.Value, a.Len())
	for i := range out {
		out[i] = expr.ValueAt(a, i)
	}
	return out
}

func dec(t testing.TB, s string, scale int) decimal128.Num {
	t.Helper()
	v, err := expr.CastValue(s, tText, types.DecimalType(38, scale))
	require.NoError(t, err)
	return v.(decimal128.Num)
}

func date(t testing.TB, s string) types.DateValue {
	d, err := expr.ParseDate(s)
	require.NoError(t, err)
	return d
}

func ts(t testing.TB, s string) types.TimestampValue {
	v, err := expr.ParseTimestamp(s)
	require.NoError(t, err)
	return v
}

func bindScalar(t testing.TB, name string, typs []types.Type) (catalog.BoundScalar, error) {
	t.Helper()
	f, ok := cat.Function(name)
	require.True(t, ok, "function %s not registered", name)
	sf, ok := f.(catalog.ScalarFunction)
	require.True(t, ok, "%s is not scalar", name)
	return sf.Bind(typs)
}

// call evaluates name over columns (one []Value per argument, all of n
// rows) and returns the result's type and values.
func call(t testing.TB, name string, typs []types.Type, n int, cols ...[]types.Value) (types.Type, []types.Value, error) {
	t.Helper()
	mem := newMem(t)
	defer mem.AssertSize(t, 0)
	b, err := bindScalar(t, name, typs)
	if err != nil {
		return types.Type{}, nil, err
	}
	args := make([]arrow.Array, len(cols))
	for i, c := range cols {
		require.Len(t, c, n)
		args[i] = column(t, mem, typs[i], c)
	}
	defer func() {
		for _, a := range args {
			a.Release()
		}
	}()
	out, err := b.Eval(mem, args, n)
	if err != nil {
		return b.ResultType(), nil, err
	}
	defer out.Release()
	require.Equal(t, n, out.Len())
	require.True(t, arrow.TypeEqual(b.ResultType().Arrow(), out.DataType()), "%s: result %s, declared %s", name, out.DataType(), b.ResultType())
	return b.ResultType(), valuesOf(out), nil
}

// vals is shorthand for a column literal.
func vals(v ...types.Value) []types.Value { return v }

type scalarCase struct {
	name string
	fn   string
	typs []types.Type
	args [][]types.Value
	want []types.Value
	rt   *types.Type // checked when set
	err  string
}

func rt(t types.Type) *types.Type { return &t }

func runScalarCases(t *testing.T, cases []scalarCase) {
	t.Helper()
	for _, c := range cases {
		name := c.name
		if name == "" {
			name = signature(c.fn, c.typs)
		}
		t.Run(name, func(t *testing.T) {
			n := len(c.want)
			if len(c.args) > 0 {
				n = len(c.args[0])
			}
			got, out, err := call(t, c.fn, c.typs, n, c.args...)
			if c.err != "" {
				require.EqualError(t, err, c.err)
				return
			}
			require.NoError(t, err)
			if c.rt != nil {
				require.Equal(t, *c.rt, got)
			}
			if len(c.want) == 0 {
				require.Empty(t, out)
				return
			}
			require.Equal(t, c.want, out)
		})
	}
}
