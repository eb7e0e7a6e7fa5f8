package exec

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// everyOperator builds one of each operator over scans of in.
func everyOperator(t testing.TB, in input, size int) map[string]Operator {
	scan := func() Operator { return in.scan(t, "t", size) }
	return map[string]Operator{
		"TableScan":     scan(),
		"Values":        NewValues(types.Schema(cols("a", types.Int64Type)), [][]expr.Expr{{lit(int64(1), types.Int64Type)}}),
		"Filter":        NewFilter(scan(), lit(true, types.BoolType)),
		"Project":       NewProject(scan(), []expr.Expr{in.col(0)}, []string{"a"}),
		"Limit":         NewLimit(scan(), 1, 1000000),
		"Sort":          NewSort(scan(), []SortKey{{Expr: in.col(0)}}),
		"HashAggregate": NewHashAggregate(scan(), []expr.Expr{in.col(0)}, []string{"a"}, []AggregateCall{{Fn: countAgg{}, Name: "n"}}),
		"HashJoin":      NewHashJoin(scan(), scan(), InnerJoin, []expr.Expr{in.col(0)}, []expr.Expr{in.col(0)}, nil),
		"NestedLoop":    NewHashJoin(scan(), scan(), LeftJoin, nil, nil, nil),
		"UnionAll":      NewUnionAll([]Operator{scan(), scan()}),
		"Distinct":      NewDistinct(scan()),
		"Window": NewWindow(scan(), []WindowFunc{{Kind: WindowAggregate, Agg: sumAgg{}, Args: []expr.Expr{in.col(0)},
			OrderBy: []SortKey{{Expr: in.col(0)}}, Frame: frame(FrameRows, preceding(2), currentRow), Name: "s"}}),
	}
}

var numbers = func() input {
	in := input{cols: cols("n", types.Int64Type)}
	for i := 0; i < 5000; i++ {
		in.rows = append(in.rows, row{int64(i % 97)})
	}
	return in
}()

func TestCloseWithoutOpen(t *testing.T) {
	for name, op := range everyOperator(t, numbers, 100) {
		require.NoError(t, op.Close(), name)
		require.NoError(t, op.Close(), name)
	}
}

func TestCloseTwiceAfterPartialRead(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	ctx := WithAllocator(context.Background(), mem)
	for name, op := range everyOperator(t, numbers, 100) {
		require.NoError(t, op.Open(ctx), name)
		_, err := op.Next(ctx)
		require.NoError(t, err, name)
		require.NoError(t, op.Close(), name)
		require.NoError(t, op.Close(), name)
		mem.AssertSize(t, 0)
	}
}

func TestCancellation(t *testing.T) {
	withBatchSize(t, 10)
	for name, op := range everyOperator(t, numbers, 10) {
		ctx, cancel := context.WithCancel(context.Background())
		require.NoError(t, op.Open(ctx), name)
		rows := 0
		var err error
		for err == nil {
			var n int
			if rec, e := op.Next(ctx); e == nil {
				n = int(rec.NumRows())
			} else {
				err = e
			}
			rows += n
			cancel()
		}
		require.ErrorIs(t, err, context.Canceled, name)
		require.LessOrEqual(t, rows, 10, name)
		require.NoError(t, op.Close())
		cancel()
	}
}

func TestCancellationStopsBlockingOperatorsInput(t *testing.T) {
	// A blocking operator cancelled while it reads its input stops reading.
	child := &countingOperator{Operator: numbers.scan(t, "t", 10)}
	sort := NewSort(child, []SortKey{{Expr: numbers.col(0)}})
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, sort.Open(ctx))
	cancel()
	_, err := sort.Next(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 0, child.batches)
	require.NoError(t, sort.Close())
}

func TestExplain(t *testing.T) {
	want := map[string]string{
		"TableScan":     "TableScan t",
		"Values":        "Values rows=1",
		"Filter":        "Filter 1",
		"Project":       "Project n AS a",
		"Limit":         "Limit offset=1 limit=1000000",
		"Sort":          "Sort keys=[n NULLS LAST]",
		"HashAggregate": "HashAggregate keys=[n] aggs=[count(*)]",
		"HashJoin":      "HashJoin type=INNER keys=[n = n]",
		"NestedLoop":    "NestedLoopJoin type=LEFT",
		"UnionAll":      "UnionAll",
		"Distinct":      "Distinct",
		"Window":        "Window funcs=[sum(n) OVER (ORDER BY n NULLS LAST ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)]",
	}
	for name, op := range everyOperator(t, numbers, 100) {
		e, ok := op.(Explainer)
		require.True(t, ok, name)
		require.Equal(t, want[name], e.Explain(), name)
		require.NoError(t, op.Close())
	}
}

func TestAllocator(t *testing.T) {
	require.Equal(t, memory.DefaultAllocator, Allocator(context.Background()))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	require.Same(t, mem, Allocator(WithAllocator(context.Background(), mem)))
}
