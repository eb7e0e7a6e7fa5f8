package exec

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// counter builds WITH RECURSIVE r(n) AS (SELECT 1 UNION [ALL] SELECT n + step
// FROM r WHERE n < limit) over a shared work table.
func counter(step, limit int64, distinct bool, depth int) Operator {
	c := cols("n", types.Int64Type)
	schema := types.Schema(c)
	n := &expr.Column{Index: 0, Name: "n", Typ: types.Int64Type}
	wt := NewWorkTable(schema)
	anchor := NewValues(schema, [][]expr.Expr{{lit(int64(1), types.Int64Type)}, {lit(int64(1), types.Int64Type)}})
	next := func() (Operator, error) {
		scan := NewWorkTableScan(wt, "r")
		f := NewFilter(scan, call(ltFn, n, lit(limit, types.Int64Type)))
		return NewProject(f, []expr.Expr{call(addFn, n, lit(step, types.Int64Type))}, []string{"n"}), nil
	}
	return NewRecursiveCTE("r", anchor, next, wt, distinct, depth)
}

func TestRecursiveCTE(t *testing.T) {
	for _, size := range testBatchSizes {
		withBatchSize(t, size)
		// UNION ALL keeps the anchor's two rows and both chains.
		rows := run(t, counter(1, 4, false, 10))
		require.Len(t, rows, 8)
		// UNION drops repeats, so the chains merge.
		requireSameRows(t, []row{{int64(1)}, {int64(2)}, {int64(3)}, {int64(4)}}, run(t, counter(1, 4, true, 10)))
		// Three iterations produce rows: a depth of 3 is enough, 2 is not.
		require.Len(t, run(t, counter(1, 4, true, 3)), 4)
		_, err := tryRun(t, counter(1, 4, true, 2))
		require.ErrorContains(t, err, `recursive common table expression "r" aborted after 3 iterations`)
		// A step that revisits nothing new ends under UNION even without a bound.
		requireSameRows(t, []row{{int64(1)}}, run(t, counter(0, 100, true, 1)))
	}
	require.Equal(t, "RecursiveCTE r UNION", counter(1, 4, true, 3).(Explainer).Explain())
}
