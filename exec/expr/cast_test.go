package expr

import (
	"math"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

func column(t *testing.T, mem memory.Allocator, typ types.Type, vals ...types.Value) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, typ.Arrow())
	defer b.Release()
	for _, v := range vals {
		require.NoError(t, AppendValue(b, v))
	}
	return b.NewArray()
}

func valuesOf(a arrow.Array) []types.Value {
	out := make([]types.Value, a.Len())
	for i := range out {
		out[i] = ValueAt(a, i)
	}
	return out
}

func dec(t *testing.T, s string, scale int) decimal128.Num {
	t.Helper()
	v, err := CastValue(s, types.StringType, types.DecimalType(38, scale))
	require.NoError(t, err)
	return v.(decimal128.Num)
}

func date(t *testing.T, s string) types.DateValue {
	d, err := ParseDate(s)
	require.NoError(t, err)
	return d
}

func ts(t *testing.T, s string) types.TimestampValue {
	v, err := ParseTimestamp(s)
	require.NoError(t, err)
	return v
}

func TestCastArray(t *testing.T) {
	d102 := types.DecimalType(10, 2)
	cases := []struct {
		name     string
		from, to types.Type
		in, want []types.Value
	}{
		{"int widen", types.Int32Type, types.Int64Type, []types.Value{int64(1), nil, int64(-7)}, []types.Value{int64(1), nil, int64(-7)}},
		{"int narrow", types.Int64Type, types.Int8Type, []types.Value{int64(127), nil, int64(-128)}, []types.Value{int64(127), nil, int64(-128)}},
		// Approximate values round half to even, as MySQL (rint) and DuckDB do;
		// exact DECIMAL values round half away from zero (below).
		{"float to int rounds half to even", types.Float64Type, types.Int64Type,
			[]types.Value{2.5, -2.5, 3.5, -0.5, 2.4, nil}, []types.Value{int64(2), int64(-2), int64(4), int64(0), int64(2), nil}},
		{"int to float", types.Int64Type, types.Float64Type, []types.Value{int64(3), nil}, []types.Value{3.0, nil}},
		{"int to decimal", types.Int32Type, d102, []types.Value{int64(12), nil}, []types.Value{dec(t, "12", 2), nil}},
		{"decimal rescale rounds", d102, types.DecimalType(10, 1),
			[]types.Value{dec(t, "1.25", 2), dec(t, "-1.25", 2), nil}, []types.Value{dec(t, "1.3", 1), dec(t, "-1.3", 1), nil}},
		{"decimal to int", d102, types.Int64Type, []types.Value{dec(t, "2.50", 2), dec(t, "-0.49", 2)}, []types.Value{int64(3), int64(0)}},
		{"decimal to double", d102, types.Float64Type, []types.Value{dec(t, "2.50", 2)}, []types.Value{2.5}},
		{"double to decimal", types.Float64Type, d102, []types.Value{0.125, nil}, []types.Value{dec(t, "0.13", 2), nil}},
		{"string to int", types.StringType, types.Int64Type, []types.Value{" 42 ", "1.5", nil}, []types.Value{int64(42), int64(2), nil}},
		{"string to double", types.StringType, types.Float64Type, []types.Value{"1e3", "-0.5"}, []types.Value{1000.0, -0.5}},
		{"string to decimal", types.StringType, d102, []types.Value{"3.14159"}, []types.Value{dec(t, "3.14", 2)}},
		{"string to date", types.StringType, types.DateType, []types.Value{"2024-02-29", "2024-01-05 10:11:12", nil},
			[]types.Value{date(t, "2024-02-29"), date(t, "2024-01-05"), nil}},
		{"string to timestamp", types.StringType, types.TimestampType(6), []types.Value{"2024-01-05 10:11:12.5", "2024-01-05"},
			[]types.Value{ts(t, "2024-01-05 10:11:12.500000"), ts(t, "2024-01-05 00:00:00")}},
		{"timestamp(0) rounds", types.TimestampType(6), types.TimestampType(0), []types.Value{ts(t, "2024-01-05 10:11:12.5")},
			[]types.Value{ts(t, "2024-01-05 10:11:13")}},
		{"date to timestamp", types.DateType, types.TimestampType(0), []types.Value{date(t, "1969-12-31")}, []types.Value{ts(t, "1969-12-31 00:00:00")}},
		{"timestamp to date", types.TimestampType(6), types.DateType, []types.Value{ts(t, "1969-12-31 23:59:59")}, []types.Value{date(t, "1969-12-31")}},
		{"date to int", types.DateType, types.Int64Type, []types.Value{date(t, "2024-03-09")}, []types.Value{int64(20240309)}},
		{"int to date", types.Int64Type, types.DateType, []types.Value{int64(20240309)}, []types.Value{date(t, "2024-03-09")}},
		{"bool to int", types.BoolType, types.Int64Type, []types.Value{true, false, nil}, []types.Value{int64(1), int64(0), nil}},
		{"int to bool", types.Int64Type, types.BoolType, []types.Value{int64(5), int64(0), nil}, []types.Value{true, false, nil}},
		{"string to bool", types.StringType, types.BoolType, []types.Value{"true", "0", "2"}, []types.Value{true, false, true}},
		{"anything to string", types.DateType, types.StringType, []types.Value{date(t, "2024-03-09"), nil}, []types.Value{"2024-03-09", nil}},
		{"decimal to string", d102, types.StringType, []types.Value{dec(t, "-0.05", 2)}, []types.Value{"-0.05"}},
		{"varchar(n) truncates", types.StringType, types.Type{Kind: types.String, Length: 2}, []types.Value{"héllo"}, []types.Value{"hé"}},
		{"string to binary", types.StringType, types.BinaryType, []types.Value{"ab"}, []types.Value{[]byte("ab")}},
		{"float32 to double", types.Float32Type, types.Float64Type, []types.Value{1.5}, []types.Value{1.5}},
		{"empty", types.Int64Type, types.StringType, nil, []types.Value{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			in := column(t, mem, c.from, c.in...)
			defer in.Release()
			out, err := CastArray(mem, in, c.from, c.to)
			require.NoError(t, err)
			defer out.Release()
			require.True(t, arrow.TypeEqual(c.to.Arrow(), out.DataType()), "type %s", out.DataType())
			require.Equal(t, c.want, valuesOf(out))
		})
	}
}

func TestCastNullType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := array.NewNull(3)
	defer in.Release()
	for _, to := range []types.Type{types.Int64Type, types.StringType, types.DateType, types.DecimalType(5, 2), types.BoolType} {
		out, err := CastArray(mem, in, types.NullType, to)
		require.NoError(t, err)
		require.Equal(t, 3, out.NullN())
		require.True(t, arrow.TypeEqual(to.Arrow(), out.DataType()))
		out.Release()
	}
}

func TestCastErrors(t *testing.T) {
	cases := []struct {
		from, to types.Type
		in       types.Value
		want     string
	}{
		{types.StringType, types.Int64Type, "abc", "cannot cast 'abc' to BIGINT: not a number"},
		{types.StringType, types.Float64Type, "1,5", "cannot cast '1,5' to DOUBLE: not a number"},
		{types.StringType, types.DecimalType(5, 2), "x", "cannot cast 'x' to DECIMAL(5,2): not a number"},
		{types.Int64Type, types.Int8Type, int64(300), "cannot cast 300 to TINYINT: out of range"},
		{types.Int64Type, types.Int32Type, int64(-3000000000), "cannot cast -3000000000 to INT: out of range"},
		{types.Float64Type, types.Int64Type, 1e19, "cannot cast 1e+19 to BIGINT: out of range"},
		{types.Float64Type, types.Int16Type, math.NaN(), "cannot cast NaN to SMALLINT: out of range"},
		{types.Int64Type, types.DecimalType(3, 1), int64(100), "cannot cast 100 to DECIMAL(3,1): out of range"},
		{types.DecimalType(10, 2), types.DecimalType(3, 2), decimal128.FromI64(12345), "cannot cast 123.45 to DECIMAL(3,2): out of range"},
		{types.StringType, types.DateType, "2023-02-29", "cannot cast '2023-02-29' to DATE: not a date"},
		{types.StringType, types.TimestampType(0), "2023-01-01 25:00:00", "cannot cast '2023-01-01 25:00:00' to TIMESTAMP: not a timestamp"},
		{types.StringType, types.Int64Type, "99999999999999999999", "cannot cast '99999999999999999999' to BIGINT: out of range"},
		{types.StringType, types.BoolType, "maybe", "cannot cast 'maybe' to BOOLEAN: not a boolean"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			in := column(t, mem, c.from, nil, c.in)
			defer in.Release()
			_, err := CastArray(mem, in, c.from, c.to)
			require.EqualError(t, err, c.want)
		})
	}
}

func TestCastOverflowUnderNullIgnored(t *testing.T) {
	// A NULL slot whose value bits are out of range must not fail a cast.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 1000}, []bool{true, false})
	in := b.NewArray()
	b.Release()
	defer in.Release()
	out, err := CastArray(mem, in, types.Int64Type, types.Int8Type)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []types.Value{int64(1), nil}, valuesOf(out))
}

func TestCastSlicedInput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := column(t, mem, types.Int32Type, int64(1), nil, int64(3), int64(4), nil, int64(6), int64(7), int64(8), nil, int64(10))
	defer in.Release()
	s := array.NewSlice(in, 3, 10)
	defer s.Release()
	out, err := CastArray(mem, s, types.Int32Type, types.Int64Type)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []types.Value{int64(4), nil, int64(6), int64(7), int64(8), nil, int64(10)}, valuesOf(out))
}

func TestNewCast(t *testing.T) {
	col := &Column{Index: 0, Name: "a", Typ: types.StringType}
	e, err := NewCast(col, types.Int64Type)
	require.NoError(t, err)
	require.Equal(t, "CAST(a AS BIGINT)", e.String())
	require.Equal(t, types.Int64Type, e.Type())

	_, err = NewCast(&Column{Name: "d", Typ: types.DateType}, types.BoolType)
	require.EqualError(t, err, "cannot cast DATE to BOOLEAN")
	_, err = NewCast(&Column{Name: "b", Typ: types.BoolType}, types.TimestampType(0))
	require.EqualError(t, err, "cannot cast BOOLEAN to TIMESTAMP")

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := column(t, mem, types.StringType, "7", nil, "-3")
	rec := array.NewRecord(types.Schema([]types.Column{{Name: "a", Type: types.StringType, Nullable: true}}), []arrow.Array{in}, 3)
	in.Release()
	defer rec.Release()
	out, err := e.Eval(&Context{Mem: mem}, rec)
	require.NoError(t, err)
	defer out.Release()
	require.Equal(t, []types.Value{int64(7), nil, int64(-3)}, valuesOf(out))

	// NULL casts to anything.
	e, err = NewCast(&Literal{Typ: types.NullType}, types.DateType)
	require.NoError(t, err)
	out2, err := e.Eval(&Context{Mem: mem}, rec)
	require.NoError(t, err)
	defer out2.Release()
	require.Equal(t, 3, out2.NullN())
}

func TestCastRoundTripsThroughStrings(t *testing.T) {
	vals := []struct {
		v types.Value
		t types.Type
	}{
		{int64(-42), types.Int64Type},
		{2.25, types.Float64Type},
		{dec(t, "-12.34", 2), types.DecimalType(6, 2)},
		{date(t, "0001-01-01"), types.DateType},
		{ts(t, "2024-12-31 23:59:59.000001"), types.TimestampType(6)},
		{true, types.BoolType},
	}
	for _, c := range vals {
		s, err := CastValue(c.v, c.t, types.StringType)
		require.NoError(t, err)
		back, err := CastValue(s, types.StringType, c.t)
		require.NoError(t, err)
		require.Equal(t, c.v, back, "via %q", s)
	}
}

type fakeOverflow struct{}

func (fakeOverflow) Name() string           { return "plus" }
func (fakeOverflow) ResultType() types.Type { return types.Int64Type }
func (fakeOverflow) Eval(memory.Allocator, []arrow.Array, int) (arrow.Array, error) {
	return nil, &OutOfRangeError{Type: types.Int64Type}
}

var _ catalog.BoundScalar = fakeOverflow{}

func TestCallNamesOutOfRangeExpression(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := &Column{Index: 0, Name: "a", Typ: types.Int64Type}
	inner := &Call{Fn: fakeOverflow{}, Args: []Expr{a, &Literal{Value: int64(1), Typ: types.Int64Type}}}
	c := &Call{Fn: fakeOverflow{}, Args: []Expr{inner, &Literal{Value: "x", Typ: types.StringType}}}
	require.Equal(t, "(a + 1) + 'x'", c.String())
	in := column(t, mem, types.Int64Type, int64(1))
	rec := array.NewRecord(types.Schema([]types.Column{{Name: "a", Type: types.Int64Type}}), []arrow.Array{in}, 1)
	in.Release()
	defer rec.Release()
	_, err := c.Eval(&Context{Mem: mem}, rec)
	require.EqualError(t, err, "BIGINT value is out of range in 'a + 1'")
}
