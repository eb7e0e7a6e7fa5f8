package builtin

import (
	"math"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

// batch is one Update: argument columns and the group of each row.
type batch struct {
	groups []uint32
	args   [][]types.Value
}

type aggCase struct {
	name      string
	fn        string
	typs      []types.Type
	distinct  bool
	star      bool
	batches   []batch
	numGroups int
	want      []types.Value
	rt        *types.Type
	err       string
}

func runAggregate(t *testing.T, c aggCase) {
	mem := newMem(t)
	defer mem.AssertSize(t, 0)
	f, ok := cat.Function(c.fn)
	require.True(t, ok)
	b, err := f.(catalog.AggregateFunction).BindAggregate(c.typs, c.distinct, c.star)
	if err != nil {
		require.EqualError(t, err, c.err)
		return
	}
	if c.rt != nil {
		require.Equal(t, *c.rt, b.ResultType())
	}
	acc := b.NewAccumulator(mem)
	seen := 0
	for _, bt := range c.batches {
		seen = max(seen, int(maxGroup(bt.groups))+1)
		args := make([]arrow.Array, len(bt.args))
		for i, col := range bt.args {
			args[i] = column(t, mem, c.typs[i], col)
		}
		err = acc.Update(args, bt.groups, seen)
		for _, a := range args {
			a.Release()
		}
		if err != nil {
			break
		}
	}
	if c.err != "" {
		require.EqualError(t, err, c.err)
		if out, ferr := acc.Finish(seen); ferr == nil {
			out.Release()
		}
		return
	}
	require.NoError(t, err)
	out, err := acc.Finish(c.numGroups)
	require.NoError(t, err)
	defer out.Release()
	require.True(t, arrow.TypeEqual(b.ResultType().Arrow(), out.DataType()))
	require.Equal(t, c.want, valuesOf(out))
}

func maxGroup(gs []uint32) uint32 {
	m := uint32(0)
	for _, g := range gs {
		m = max(m, g)
	}
	return m
}

func TestAggregates(t *testing.T) {
	i := func(v int64) types.Value { return v }
	g := func(ids ...uint32) []uint32 { return ids }
	// Two batches; group ids out of order; group 3 never seen (empty).
	ints := []batch{
		{groups: g(1, 0, 1, 2), args: [][]types.Value{vals(i(5), nil, i(5), i(-1))}},
		{groups: g(0, 2, 1), args: [][]types.Value{vals(i(2), i(7), nil)}},
	}
	cases := []aggCase{
		{fn: "count", star: true, batches: []batch{{groups: g(1, 0, 1)}, {groups: g(1, 2)}}, numGroups: 4, want: vals(i(1), i(3), i(1), i(0)), rt: rt(tBig)},
		{fn: "count", typs: []types.Type{tBig}, batches: ints, numGroups: 4, want: vals(i(1), i(2), i(2), i(0))},
		{fn: "count", typs: []types.Type{tBig}, distinct: true, batches: ints, numGroups: 4, want: vals(i(1), i(1), i(2), i(0))},
		{name: "count two args", fn: "count", typs: []types.Type{tBig, tText}, distinct: true,
			batches:   []batch{{groups: g(0, 0, 0, 0), args: [][]types.Value{vals(i(1), i(1), i(1), nil), vals("a", "a", "b", "a")}}},
			numGroups: 1, want: vals(i(2))},
		{fn: "sum", typs: []types.Type{tInt}, batches: ints, numGroups: 4, want: vals(i(2), i(10), i(6), nil), rt: rt(tBig)},
		{fn: "sum", typs: []types.Type{tInt}, distinct: true, batches: ints, numGroups: 4, want: vals(i(2), i(5), i(6), nil)},
		{fn: "avg", typs: []types.Type{tInt}, batches: ints, numGroups: 4, want: vals(2.0, 5.0, 3.0, nil), rt: rt(tDouble)},
		{fn: "avg", typs: []types.Type{tBig}, distinct: true, batches: ints, numGroups: 3, want: vals(2.0, 5.0, 3.0)},
		{fn: "min", typs: []types.Type{tInt}, batches: ints, numGroups: 4, want: vals(i(2), i(5), i(-1), nil), rt: rt(tInt)},
		{fn: "max", typs: []types.Type{tInt}, batches: ints, numGroups: 4, want: vals(i(2), i(5), i(7), nil)},
		{name: "sum overflow", fn: "sum", typs: []types.Type{tBig}, batches: []batch{
			{groups: g(0, 1), args: [][]types.Value{vals(i(math.MaxInt64), i(1))}},
			{groups: g(0), args: [][]types.Value{vals(i(1))}}}, err: "BIGINT value is out of range in 'sum'"},
		{name: "avg never overflows", fn: "avg", typs: []types.Type{tBig}, batches: []batch{
			{groups: g(0, 0, 0), args: [][]types.Value{vals(i(math.MaxInt64), i(math.MaxInt64), i(math.MaxInt64-2))}}},
			numGroups: 1, want: vals(float64(math.MaxInt64))},
		{name: "avg negative", fn: "avg", typs: []types.Type{tBig}, batches: []batch{
			{groups: g(0, 0, 0), args: [][]types.Value{vals(i(-1), i(-2), i(0))}}}, numGroups: 1, want: vals(-1.0)},
		{name: "sum decimal exact", fn: "sum", typs: []types.Type{tDec(3, 1)}, batches: []batch{
			{groups: g(0, 0, 1), args: [][]types.Value{vals(dec(t, "0.1", 1), dec(t, "0.2", 1), nil)}}},
			numGroups: 2, want: vals(dec(t, "0.3", 1), nil), rt: rt(tDec(38, 1))},
		{name: "avg decimal", fn: "avg", typs: []types.Type{tDec(3, 1)}, batches: []batch{
			{groups: g(0, 0, 0), args: [][]types.Value{vals(dec(t, "0.1", 1), dec(t, "0.2", 1), dec(t, "0.2", 1))}}},
			numGroups: 1, want: vals(dec(t, "0.16667", 5)), rt: rt(tDec(38, 5))},
		{name: "sum double", fn: "sum", typs: []types.Type{tDouble}, batches: []batch{
			{groups: g(1, 0), args: [][]types.Value{vals(0.5, nil)}}, {groups: g(1), args: [][]types.Value{vals(0.25)}}},
			numGroups: 2, want: vals(nil, 0.75), rt: rt(tDouble)},
		{name: "sum distinct double", fn: "sum", typs: []types.Type{tDouble}, distinct: true, batches: []batch{
			{groups: g(0, 0, 0), args: [][]types.Value{vals(0.5, 0.5, -0.0)}}, {groups: g(0), args: [][]types.Value{vals(0.0)}}},
			numGroups: 1, want: vals(0.5)},
		{name: "min strings", fn: "min", typs: []types.Type{tText}, batches: []batch{
			{groups: g(0, 1, 0), args: [][]types.Value{vals("b", "z", "B")}}, {groups: g(0, 1), args: [][]types.Value{vals("a", nil)}}},
			numGroups: 3, want: vals("B", "z", nil), rt: rt(tText)},
		{name: "max strings", fn: "max", typs: []types.Type{tText}, batches: []batch{
			{groups: g(0, 1, 0), args: [][]types.Value{vals("b", "z", "B")}}, {groups: g(0), args: [][]types.Value{vals("a")}}},
			numGroups: 2, want: vals("b", "z")},
		{name: "max dates", fn: "max", typs: []types.Type{tDate}, batches: []batch{
			{groups: g(0, 0), args: [][]types.Value{vals(date(t, "2024-01-02"), date(t, "1999-12-31"))}}},
			numGroups: 1, want: vals(date(t, "2024-01-02")), rt: rt(tDate)},
		{name: "min timestamps", fn: "min", typs: []types.Type{tTS}, batches: []batch{
			{groups: g(0, 0), args: [][]types.Value{vals(ts(t, "2024-01-02 00:00:01"), ts(t, "2024-01-02"))}}},
			numGroups: 1, want: vals(ts(t, "2024-01-02"))},
		{name: "min decimals", fn: "min", typs: []types.Type{tDec(4, 2)}, batches: []batch{
			{groups: g(0, 0), args: [][]types.Value{vals(dec(t, "1.5", 2), dec(t, "-1.5", 2))}}},
			numGroups: 1, want: vals(dec(t, "-1.5", 2)), rt: rt(tDec(4, 2))},
		{name: "max bools", fn: "max", typs: []types.Type{tBool}, batches: []batch{
			{groups: g(0, 0, 1), args: [][]types.Value{vals(false, true, false)}}}, numGroups: 2, want: vals(true, false)},
		{name: "max doubles", fn: "max", typs: []types.Type{tDouble}, batches: []batch{
			{groups: g(0, 0), args: [][]types.Value{vals(-1.5, -2.5)}}}, numGroups: 1, want: vals(-1.5)},
		{name: "min of NULL type", fn: "min", typs: []types.Type{tNull}, batches: []batch{{groups: g(0), args: [][]types.Value{vals(nil)}}}, numGroups: 1, want: vals(nil)},
		{name: "sum of NULL type", fn: "sum", typs: []types.Type{tNull}, batches: []batch{{groups: g(0), args: [][]types.Value{vals(nil)}}}, numGroups: 1, want: vals(nil)},
		{name: "count of NULL type", fn: "count", typs: []types.Type{tNull}, batches: []batch{{groups: g(0), args: [][]types.Value{vals(nil)}}}, numGroups: 1, want: vals(i(0))},
		{name: "sum of strings", fn: "sum", typs: []types.Type{tText}, batches: []batch{{groups: g(0, 0), args: [][]types.Value{vals("1.5", "2")}}}, numGroups: 1, want: vals(3.5)},
		{name: "no rows at all", fn: "sum", typs: []types.Type{tBig}, numGroups: 1, want: vals(nil)},
		{name: "no groups", fn: "count", star: true, numGroups: 0, want: []types.Value{}},
		{name: "empty batch", fn: "max", typs: []types.Type{tBig}, batches: []batch{{groups: g(), args: [][]types.Value{vals()}}}, numGroups: 1, want: vals(nil)},
		{name: "sum date", fn: "sum", typs: []types.Type{tDate}, err: "function sum(DATE): arguments must be numbers"},
		{name: "sum star", fn: "sum", star: true, err: "function sum(*): only count takes *"},
		{name: "avg arity", fn: "avg", typs: []types.Type{tBig, tBig}, err: "function avg(BIGINT, BIGINT): wrong number of arguments, want 1"},
		{name: "count nothing", fn: "count", err: "function count(): wrong number of arguments, want at least 1"},
	}
	for _, c := range cases {
		name := c.name
		if name == "" {
			name = c.fn
			if c.distinct {
				name += " distinct"
			}
		}
		t.Run(name, func(t *testing.T) { runAggregate(t, c) })
	}
}

func TestAccumulatorRejectsBadGroup(t *testing.T) {
	mem := newMem(t)
	defer mem.AssertSize(t, 0)
	f, _ := cat.Function("sum")
	b, err := f.(catalog.AggregateFunction).BindAggregate([]types.Type{tBig}, false, false)
	require.NoError(t, err)
	acc := b.NewAccumulator(mem)
	a := column(t, mem, tBig, vals(int64(1)))
	defer a.Release()
	require.EqualError(t, acc.Update([]arrow.Array{a}, []uint32{5}, 2), "function sum: group id 5 out of range (2 groups)")
	out, err := acc.Finish(2)
	require.NoError(t, err)
	out.Release()
}

func TestAccumulatorsEvaluateRunningValues(t *testing.T) {
	// After each row, Evaluate must give what a fresh accumulator fed the
	// same rows gives on Finish, and leave the state to go on from.
	cases := []struct {
		fn       string
		typ      types.Type
		distinct bool
		vals     []types.Value
	}{
		{"count", types.Int64Type, false, vals(int64(1), nil, int64(3), int64(1))},
		{"count", types.Int64Type, true, vals(int64(1), nil, int64(3), int64(1))},
		{"sum", types.Int32Type, false, vals(int64(5), nil, int64(-7), int64(2))},
		{"avg", types.Int64Type, false, vals(nil, int64(5), int64(-7), int64(2))},
		{"sum", types.Float64Type, false, vals(1.5, nil, -2.25, 4.0)},
		{"avg", types.Float64Type, false, vals(1.5, nil, -2.25, 4.0)},
		{"sum", tDec(10, 2), false, vals(dec(t, "1.25", 2), nil, dec(t, "-3.50", 2), dec(t, "0.01", 2))},
		{"avg", tDec(10, 2), false, vals(dec(t, "1.25", 2), nil, dec(t, "-3.50", 2), dec(t, "0.01", 2))},
		{"min", types.Int64Type, false, vals(nil, int64(5), int64(-7), int64(2))},
		{"max", types.DateType, false, vals(types.DateValue(3), nil, types.DateValue(9), types.DateValue(1))},
		{"min", types.StringType, false, vals("m", nil, "b", "z")},
		{"max", types.StringType, false, vals(nil, "m", "b", "z")},
	}
	type evaluator interface {
		Evaluate(numGroups int) (arrow.Array, error)
	}
	for _, c := range cases {
		t.Run(c.fn+" "+c.typ.String(), func(t *testing.T) {
			mem := newMem(t)
			defer mem.AssertSize(t, 0)
			f, _ := cat.Function(c.fn)
			b, err := f.(catalog.AggregateFunction).BindAggregate([]types.Type{c.typ}, c.distinct, false)
			require.NoError(t, err)
			acc, ok := b.NewAccumulator(mem).(evaluator)
			require.True(t, ok, "%s has no Evaluate", c.fn)
			running := acc.(catalog.GroupsAccumulator)
			// Rows alternate between groups 0 and 1; group 2 stays empty.
			for k := range c.vals {
				arg := column(t, mem, c.typ, c.vals[k:k+1])
				require.NoError(t, running.Update([]arrow.Array{arg}, []uint32{uint32(k % 2)}, 3))
				arg.Release()
				got, err := acc.Evaluate(3)
				require.NoError(t, err)

				fresh := b.NewAccumulator(mem)
				prefix := column(t, mem, c.typ, c.vals[:k+1])
				groups := make([]uint32, k+1)
				for i := range groups {
					groups[i] = uint32(i % 2)
				}
				require.NoError(t, fresh.Update([]arrow.Array{prefix}, groups, 3))
				prefix.Release()
				want, err := fresh.Finish(3)
				require.NoError(t, err)
				require.Equal(t, valuesOf(want), valuesOf(got), "after row %d", k)
				want.Release()
				got.Release()
			}
			// Evaluate of fewer groups than there are reads a prefix.
			part, err := acc.Evaluate(1)
			require.NoError(t, err)
			require.Equal(t, 1, part.Len())
			part.Release()
			res, err := running.Finish(3)
			require.NoError(t, err)
			res.Release()
		})
	}
}
