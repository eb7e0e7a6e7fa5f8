package builtin

import (
	"math"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

func TestArithmetic(t *testing.T) {
	i := func(v int64) types.Value { return v }
	cases := []scalarCase{
		{fn: "plus", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(1), nil, i(-5)), vals(i(2), i(3), nil)},
			want: vals(i(3), nil, nil), rt: rt(tBig)},
		{fn: "plus", typs: []types.Type{tTiny, tInt}, args: [][]types.Value{vals(i(100)), vals(i(100))}, want: vals(i(200)), rt: rt(tBig)},
		{fn: "minus", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(1), i(math.MinInt64+1)), vals(i(2), i(1))},
			want: vals(i(-1), i(math.MinInt64))},
		{fn: "mul", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(-3), i(1<<31)), vals(i(4), i(1<<31))},
			want: vals(i(-12), i(1<<62))},
		{name: "int div gives decimal", fn: "div", typs: []types.Type{tBig, tBig},
			args: [][]types.Value{vals(i(1), i(2), i(1), i(-7)), vals(i(2), i(3), i(0), i(2))},
			want: vals(dec(t, "0.5", 4), dec(t, "0.6667", 4), nil, dec(t, "-3.5", 4)), rt: rt(tDec(23, 4))},
		{name: "intdiv truncates", fn: "intdiv", typs: []types.Type{tBig, tBig},
			args: [][]types.Value{vals(i(7), i(-7), i(1)), vals(i(2), i(2), i(0))}, want: vals(i(3), i(-3), nil), rt: rt(tBig)},
		{name: "mod sign of dividend", fn: "mod", typs: []types.Type{tBig, tBig},
			args: [][]types.Value{vals(i(7), i(-7), i(7), i(math.MinInt64)), vals(i(3), i(3), i(0), i(-1))},
			want: vals(i(1), i(-1), nil, i(0))},
		{fn: "plus", typs: []types.Type{tDouble, tBig}, args: [][]types.Value{vals(1.5, nil), vals(i(2), i(1))}, want: vals(3.5, nil), rt: rt(tDouble)},
		{fn: "div", typs: []types.Type{tDouble, tDouble}, args: [][]types.Value{vals(1.0, 1.0), vals(4.0, 0.0)}, want: vals(0.25, nil), rt: rt(tDouble)},
		{fn: "mod", typs: []types.Type{tDouble, tDouble}, args: [][]types.Value{vals(-7.5, 1.0), vals(2.0, 0.0)}, want: vals(-1.5, nil)},
		{fn: "intdiv", typs: []types.Type{tDouble, tDouble}, args: [][]types.Value{vals(7.9, 1.0), vals(2.0, 0.0)}, want: vals(i(3), nil), rt: rt(tBig)},
		{name: "string operand is double", fn: "plus", typs: []types.Type{tText, tBig}, args: [][]types.Value{vals("1.5"), vals(i(1))}, want: vals(2.5), rt: rt(tDouble)},
		{name: "null type operand", fn: "plus", typs: []types.Type{tNull, tBig}, args: [][]types.Value{vals(nil, nil), vals(i(1), nil)}, want: vals(nil, nil), rt: rt(tBig)},
		{name: "null null", fn: "mul", typs: []types.Type{tNull, tNull}, args: [][]types.Value{vals(nil), vals(nil)}, want: vals(nil)},
		{name: "empty input", fn: "plus", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(), vals()}, want: vals()},
		// DECIMAL exactness and typing.
		{name: "0.1 + 0.2 = 0.3", fn: "plus", typs: []types.Type{tDec(2, 1), tDec(2, 1)}, args: [][]types.Value{vals(dec(t, "0.1", 1)), vals(dec(t, "0.2", 1))},
			want: vals(dec(t, "0.3", 1)), rt: rt(tDec(3, 1))},
		{fn: "plus", typs: []types.Type{tDec(5, 2), tBig}, args: [][]types.Value{vals(dec(t, "1.25", 2), nil), vals(i(2), i(1))},
			want: vals(dec(t, "3.25", 2), nil), rt: rt(tDec(22, 2))},
		{fn: "minus", typs: []types.Type{tDec(5, 2), tDec(6, 3)}, args: [][]types.Value{vals(dec(t, "1.25", 2)), vals(dec(t, "0.001", 3))},
			want: vals(dec(t, "1.249", 3)), rt: rt(tDec(7, 3))},
		{fn: "mul", typs: []types.Type{tDec(5, 2), tDec(3, 1)}, args: [][]types.Value{vals(dec(t, "1.25", 2)), vals(dec(t, "-0.5", 1))},
			want: vals(dec(t, "-0.625", 3)), rt: rt(tDec(8, 3))},
		{fn: "div", typs: []types.Type{tDec(5, 2), tDec(3, 1)}, args: [][]types.Value{vals(dec(t, "1.00", 2), dec(t, "1", 2)), vals(dec(t, "3", 1), dec(t, "0", 1))},
			want: vals(dec(t, "0.333333", 6), nil), rt: rt(tDec(10, 6))},
		{fn: "mod", typs: []types.Type{tDec(5, 2), tBig}, args: [][]types.Value{vals(dec(t, "-7.5", 2), dec(t, "1", 2)), vals(i(2), i(0))},
			want: vals(dec(t, "-1.5", 2), nil), rt: rt(tDec(21, 2))},
		{fn: "intdiv", typs: []types.Type{tDec(5, 2), tBig}, args: [][]types.Value{vals(dec(t, "-7.5", 2)), vals(i(2))}, want: vals(i(-3)), rt: rt(tBig)},
		{fn: "plus", typs: []types.Type{tDec(5, 2), tDouble}, args: [][]types.Value{vals(dec(t, "1.25", 2)), vals(0.5)}, want: vals(1.75), rt: rt(tDouble)},
		// Overflow.
		{name: "plus overflow", fn: "plus", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(1), i(math.MaxInt64)), vals(i(1), i(1))},
			err: "BIGINT value is out of range"},
		{name: "minus overflow", fn: "minus", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(math.MinInt64)), vals(i(1))},
			err: "BIGINT value is out of range"},
		{name: "mul overflow", fn: "mul", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(-1)), vals(i(math.MinInt64))},
			err: "BIGINT value is out of range"},
		{name: "mul overflow 2", fn: "mul", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(1 << 32)), vals(i(1 << 31))},
			err: "BIGINT value is out of range"},
		{name: "intdiv overflow", fn: "intdiv", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(math.MinInt64)), vals(i(-1))},
			err: "BIGINT value is out of range"},
		{name: "double overflow", fn: "mul", typs: []types.Type{tDouble, tDouble}, args: [][]types.Value{vals(1e308), vals(10.0)},
			err: "DOUBLE value is out of range"},
		{name: "decimal overflow", fn: "mul", typs: []types.Type{tDec(38, 0), tDec(38, 0)},
			args: [][]types.Value{vals(dec(t, "99999999999999999999999999999999999999", 0)), vals(dec(t, "10", 0))},
			err:  "DECIMAL value is out of range"},
		{name: "decimal sum overflow", fn: "plus", typs: []types.Type{tDec(38, 0), tDec(38, 0)},
			args: [][]types.Value{vals(dec(t, "99999999999999999999999999999999999999", 0)), vals(dec(t, "1", 0))},
			err:  "DECIMAL value is out of range"},
		// Bind errors.
		{fn: "plus", typs: []types.Type{tDate, tBig}, args: [][]types.Value{vals(), vals()}, err: "function plus(DATE, BIGINT): arguments must be numbers"},
		{fn: "minus", typs: []types.Type{tBig}, args: [][]types.Value{vals()}, err: "function minus(BIGINT): wrong number of arguments, want 2"},
		{fn: "unaryminus", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(3), nil, i(math.MaxInt64))}, want: vals(i(-3), nil, i(-math.MaxInt64))},
		{fn: "unaryminus", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(math.MinInt64))}, err: "BIGINT value is out of range"},
		{fn: "unaryminus", typs: []types.Type{tDec(4, 2)}, args: [][]types.Value{vals(dec(t, "1.5", 2))}, want: vals(dec(t, "-1.5", 2)), rt: rt(tDec(4, 2))},
		{fn: "unaryminus", typs: []types.Type{tDouble}, args: [][]types.Value{vals(2.5)}, want: vals(-2.5)},
	}
	runScalarCases(t, cases)
}

func TestBooleanArithmetic(t *testing.T) {
	_, out, err := call(t, "plus", []types.Type{tBool, tBig}, 2, vals(true, false), vals(int64(1), int64(1)))
	require.NoError(t, err)
	require.Equal(t, vals(int64(2), int64(1)), out)
}

func TestOverflowUnderNullIsIgnored(t *testing.T) {
	mem := newMem(t)
	defer mem.AssertSize(t, 0)
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{math.MaxInt64, 1}, []bool{false, true})
	a := b.NewArray()
	b.Release()
	defer a.Release()
	fn, err := bindScalar(t, "plus", []types.Type{tBig, tBig})
	require.NoError(t, err)
	out, err := fn.Eval(mem, []arrow.Array{a, a}, 2)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, vals(nil, int64(2)), valuesOf(out))
}

func TestOutOfRangeNamesExpression(t *testing.T) {
	mem := newMem(t)
	defer mem.AssertSize(t, 0)
	fn, err := bindScalar(t, "plus", []types.Type{tBig, tBig})
	require.NoError(t, err)
	a := &expr.Column{Index: 0, Name: "a", Typ: tBig}
	b := &expr.Column{Index: 1, Name: "b", Typ: tBig}
	e := &expr.Call{Fn: fn, Args: []expr.Expr{a, b}}
	x := column(t, mem, tBig, vals(int64(math.MaxInt64)))
	y := column(t, mem, tBig, vals(int64(1)))
	rec := array.NewRecord(types.Schema([]types.Column{{Name: "a", Type: tBig}, {Name: "b", Type: tBig}}), []arrow.Array{x, y}, 1)
	x.Release()
	y.Release()
	defer rec.Release()
	_, err = e.Eval(&expr.Context{Mem: mem}, rec)
	require.EqualError(t, err, "BIGINT value is out of range in 'a + b'")
}

func TestSlicedInputs(t *testing.T) {
	// Arrays that are slices (non-zero offset) of larger ones.
	mem := newMem(t)
	defer mem.AssertSize(t, 0)
	var xs, ys []types.Value
	for i := 0; i < 20; i++ {
		if i%4 == 0 {
			xs = append(xs, nil)
		} else {
			xs = append(xs, int64(i))
		}
		ys = append(ys, int64(100))
	}
	x := column(t, mem, tBig, xs)
	y := column(t, mem, tBig, ys)
	defer x.Release()
	defer y.Release()
	xs3, ys5 := array.NewSlice(x, 3, 14), array.NewSlice(y, 5, 16)
	defer xs3.Release()
	defer ys5.Release()
	for _, op := range []string{"plus", "lt"} {
		fn, err := bindScalar(t, op, []types.Type{tBig, tBig})
		require.NoError(t, err)
		out, err := fn.Eval(mem, []arrow.Array{xs3, ys5}, 11)
		require.NoError(t, err)
		for i := 0; i < 11; i++ {
			v := xs[i+3]
			if v == nil {
				require.True(t, out.IsNull(i), "%s row %d", op, i)
				continue
			}
			if op == "plus" {
				require.Equal(t, v.(int64)+100, expr.ValueAt(out, i))
			} else {
				require.Equal(t, true, expr.ValueAt(out, i))
			}
		}
		out.Release()
	}
}

func BenchmarkPlusInt64(b *testing.B) {
	const n = 1 << 20
	mem := newMem(b)
	x := array.NewInt64Builder(mem)
	y := array.NewInt64Builder(mem)
	for i := 0; i < n; i++ {
		x.Append(int64(i))
		if i%10 == 0 {
			y.AppendNull()
		} else {
			y.Append(int64(i * 3))
		}
	}
	xa, ya := x.NewArray(), y.NewArray()
	x.Release()
	y.Release()
	defer xa.Release()
	defer ya.Release()
	fn, err := bindScalar(b, "plus", []types.Type{tBig, tBig})
	require.NoError(b, err)
	b.SetBytes(n * 8)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := fn.Eval(mem, []arrow.Array{xa, ya}, n)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}
