package exec

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var sales = input{
	cols: cols("region", types.StringType, "year", types.Int32Type, "amount", types.Int64Type),
	rows: []row{
		{"north", int64(2020), int64(10)},
		{"south", int64(2020), int64(5)},
		{"north", int64(2021), nil},
		{nil, int64(2020), int64(7)},
		{"north", int64(2020), int64(1)},
		{nil, nil, int64(2)},
		{"south", int64(2021), int64(3)},
		{nil, int64(2020), int64(4)},
	},
}

func salesAggs() []AggregateCall {
	return []AggregateCall{
		{Fn: countAgg{}, Name: "n"},
		{Fn: countAgg{}, Args: []expr.Expr{sales.col(2)}, Name: "n_amount"},
		{Fn: sumAgg{}, Args: []expr.Expr{sales.col(2)}, Name: "total"},
	}
}

func TestHashAggregate(t *testing.T) {
	forEachBatchSize(t, func(t *testing.T, size int) {
		// NULL group keys form one group.
		op := NewHashAggregate(sales.scan(t, "sales", size), []expr.Expr{sales.col(0)}, []string{"region"}, salesAggs())
		requireSameRows(t, []row{
			{"north", int64(3), int64(2), int64(11)},
			{"south", int64(2), int64(2), int64(8)},
			{nil, int64(3), int64(3), int64(13)},
		}, run(t, op))

		op = NewHashAggregate(sales.scan(t, "sales", size), []expr.Expr{sales.col(0), sales.col(1)}, []string{"region", "year"}, salesAggs())
		requireSameRows(t, []row{
			{"north", int64(2020), int64(2), int64(2), int64(11)},
			{"north", int64(2021), int64(1), int64(0), nil},
			{"south", int64(2020), int64(1), int64(1), int64(5)},
			{"south", int64(2021), int64(1), int64(1), int64(3)},
			{nil, int64(2020), int64(2), int64(2), int64(11)},
			{nil, nil, int64(1), int64(1), int64(2)},
		}, run(t, op))

		// Without GROUP BY: one row.
		op = NewHashAggregate(sales.scan(t, "sales", size), nil, nil, salesAggs())
		requireRows(t, []row{{int64(8), int64(7), int64(32)}}, run(t, op))

		// Group keys only (SELECT DISTINCT through GROUP BY).
		op = NewHashAggregate(sales.scan(t, "sales", size), []expr.Expr{sales.col(1)}, []string{"year"}, nil)
		requireSameRows(t, []row{{int64(2020)}, {int64(2021)}, {nil}}, run(t, op))
	})
}

func TestHashAggregateEmptyInput(t *testing.T) {
	noSales := input{cols: sales.cols}
	forEachBatchSize(t, func(t *testing.T, size int) {
		op := NewHashAggregate(noSales.scan(t, "sales", size), nil, nil, salesAggs())
		requireRows(t, []row{{int64(0), int64(0), nil}}, run(t, op))
		op = NewHashAggregate(noSales.scan(t, "sales", size), []expr.Expr{sales.col(0)}, []string{"region"}, salesAggs())
		requireRows(t, nil, run(t, op))
		// Every row filtered away is the same as no input.
		none := NewFilter(sales.scan(t, "sales", size), lit(false, types.BoolType))
		requireRows(t, []row{{int64(0), int64(0), nil}}, run(t, NewHashAggregate(none, nil, nil, salesAggs())))
	})
}

func TestHashAggregateManyGroups(t *testing.T) {
	// More groups than one output batch; integer widths of the key and
	// -0/+0 floats group as SQL sees them.
	in := input{cols: cols("k", types.Int64Type, "v", types.Int64Type)}
	for i := 0; i < 3000; i++ {
		in.rows = append(in.rows, row{int64(i % 1000), int64(i)})
	}
	withBatchSize(t, 128)
	got := run(t, NewHashAggregate(in.scan(t, "t", 1000), []expr.Expr{in.col(0)}, []string{"k"},
		[]AggregateCall{{Fn: sumAgg{}, Args: []expr.Expr{in.col(1)}, Name: "s"}}))
	require.Len(t, got, 1000)
	for _, r := range got {
		k := r[0].(int64)
		require.Equal(t, 3*k+3000, r[1], "group %d", k)
	}
	floats := input{cols: cols("f", types.Float64Type), rows: []row{{0.0}, {negZero()}, {1.5}, {nil}, {1.5}}}
	got = run(t, NewHashAggregate(floats.scan(t, "t", 3), []expr.Expr{floats.col(0)}, []string{"f"},
		[]AggregateCall{{Fn: countAgg{}, Name: "n"}}))
	requireSameRows(t, []row{{0.0, int64(2)}, {1.5, int64(2)}, {nil, int64(1)}}, got)
}

func negZero() float64 {
	z := 0.0
	return -z
}

func TestHashAggregateErrors(t *testing.T) {
	_, err := tryRun(t, NewHashAggregate(sales.scan(t, "sales", 3), []expr.Expr{failing{}}, []string{"k"}, salesAggs()))
	require.ErrorContains(t, err, "failing() always fails")
	// The accumulator rejects a string argument: its error names the
	// aggregate, and nothing leaks (tryRun checks).
	_, err = tryRun(t, NewHashAggregate(sales.scan(t, "sales", 3), nil, nil,
		[]AggregateCall{{Fn: sumAgg{}, Args: []expr.Expr{sales.col(0)}, Name: "s"}}))
	require.ErrorContains(t, err, "sum: BIGINT argument expected, got utf8")
}

func TestHashAggregateExplain(t *testing.T) {
	op := NewHashAggregate(sales.scan(t, "sales", 3), []expr.Expr{sales.col(0)}, []string{"region"}, salesAggs())
	require.Equal(t, "HashAggregate keys=[region] aggs=[count(*), count(amount), sum(amount)]", op.(Explainer).Explain())
}
