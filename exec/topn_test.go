package exec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTopNMatchesSortLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	type bounds struct{ offset, limit int64 }
	forEachBatchSize(t, func(t *testing.T, size int) {
		in := randomSortInput(rng, 500)
		if size == 3 {
			in = withoutNulls(in)
		}
		// Output batches smaller than the heap, and larger.
		withBatchSize(t, []int{2, 7, 1024}[rng.IntN(3)])
		for trial := 0; trial < 6; trial++ {
			keys := randomSortKeys(rng, in)
			for _, b := range []bounds{{0, 0}, {0, 1}, {0, 10}, {3, 10}, {int64(rng.IntN(50)), int64(rng.IntN(200))}, {490, 20}, {600, 5}, {0, 1000}} {
				name := fmt.Sprintf("ORDER BY %s LIMIT %d OFFSET %d", formatSortKeys(keys), b.limit, b.offset)
				want := run(t, NewLimit(NewSort(in.scan(t, "t", size), keys), b.offset, b.limit))
				got := run(t, NewTopN(in.scan(t, "t", size), keys, b.offset, b.limit))
				require.Equal(t, len(want), len(got), name)
				requireSameOrder(t, want, got)
			}
		}
	})
}

func TestTopNManyTies(t *testing.T) {
	// Every row ties on the key: the first rows read must come out, in
	// input order, across batches and heap compactions.
	rng := rand.New(rand.NewPCG(11, 12))
	in := randomSortInput(rng, 3000)
	for i := range in.rows {
		in.rows[i][1] = int64(7)
	}
	keys := []SortKey{{Expr: in.col(1)}}
	forEachBatchSize(t, func(t *testing.T, size int) {
		got := run(t, NewTopN(in.scan(t, "t", size), keys, 5, 40))
		requireSameOrder(t, in.rows[5:45], got)
	})
}

func TestTopNLargeLimitSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	in := randomSortInput(rng, 300)
	keys := []SortKey{{Expr: in.col(2), Desc: true}, {Expr: in.col(9)}}
	want := run(t, NewLimit(NewSort(in.scan(t, "t", 7), keys), 10, topNMaxRows))
	got := run(t, NewTopN(in.scan(t, "t", 7), keys, 10, topNMaxRows))
	requireSameOrder(t, want, got)
	require.Len(t, got, 290)
	// Offset and limit whose sum overflows.
	got = run(t, NewTopN(in.scan(t, "t", 7), keys, 10, math.MaxInt64))
	requireSameOrder(t, want, got)
}

func TestTopNZeroLimitReadsNothing(t *testing.T) {
	child := &countingOperator{Operator: people.scan(t, "people", 1)}
	requireRows(t, nil, run(t, NewTopN(child, []SortKey{{Expr: people.col(0)}}, 2, 0)))
	require.Zero(t, child.batches)
}

func TestTopNExplainAndErrors(t *testing.T) {
	op := NewTopN(people.scan(t, "people", 3), []SortKey{{Expr: people.col(2), Desc: true}, {Expr: people.col(0), NullsFirst: true}}, 2, 5)
	require.Equal(t, "TopN limit=5 offset=2 keys=[score DESC, id]", op.(Explainer).Explain())
	require.Len(t, op.(Explainer).Children(), 1)
	require.NoError(t, op.Close())
	_, err := tryRun(t, NewTopN(people.scan(t, "people", 3), []SortKey{{Expr: failing{}}}, 0, 3))
	require.ErrorContains(t, err, "failing() always fails")
	_, err = tryRun(t, NewTopN(people.scan(t, "people", 3), []SortKey{{Expr: failing{}}}, 0, topNMaxRows+1))
	require.ErrorContains(t, err, "failing() always fails")
}

// requireSameOrder compares rows in order as they print, so that NaN
// equals NaN, and an empty VARBINARY value is the same whether a gather
// left it a nil or an empty slice.
func requireSameOrder(t *testing.T, want, got []row) {
	t.Helper()
	key := func(rows []row) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			r = append(row{}, r...)
			for c, v := range r {
				if b, ok := v.([]byte); ok && len(b) == 0 {
					r[c] = []byte{}
				}
			}
			out[i] = rowKey(r)
		}
		return out
	}
	require.Equal(t, key(want), key(got))
}
