package exec

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/types"
)

func TestSort(t *testing.T) {
	p := people.rows
	cases := []struct {
		name string
		keys []SortKey
		want []row
	}{
		// Ascending, NULLs first (MySQL's default); ties keep input order.
		{"score", []SortKey{{Expr: people.col(2), NullsFirst: true}}, []row{p[1], p[4], p[6], p[0], p[3], p[2], p[5]}},
		{"score nulls last", []SortKey{{Expr: people.col(2)}}, []row{p[4], p[6], p[0], p[3], p[2], p[5], p[1]}},
		{"score desc", []SortKey{{Expr: people.col(2), Desc: true}}, []row{p[2], p[5], p[0], p[3], p[6], p[4], p[1]}},
		{"score desc, id desc", []SortKey{{Expr: people.col(2), Desc: true}, {Expr: people.col(0), Desc: true}},
			[]row{p[2], p[5], p[3], p[0], p[6], p[4], p[1]}},
		{"born, name desc nulls first", []SortKey{{Expr: people.col(3), NullsFirst: true}, {Expr: people.col(1), Desc: true, NullsFirst: true}},
			[]row{p[2], p[6], p[3], p[4], p[0], p[1], p[5]}},
		{"name", []SortKey{{Expr: people.col(1), NullsFirst: true}}, []row{p[2], p[6], p[0], p[1], p[3], p[4], p[5]}},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				requireRows(t, c.want, run(t, NewSort(people.scan(t, "people", size), c.keys)))
			})
		}
		requireRows(t, nil, run(t, NewSort(empty.scan(t, "people", size), cases[0].keys)))
	})
}

func TestSortOutputBatches(t *testing.T) {
	withBatchSize(t, 2)
	keys := []SortKey{{Expr: people.col(0), Desc: true}}
	got := run(t, NewSort(people.scan(t, "people", 1024), keys))
	require.Len(t, got, len(people.rows))
	require.Equal(t, int64(7), got[0][0])
	require.Nil(t, got[6][0])
}

func TestSortTypes(t *testing.T) {
	in := input{
		cols: cols("f", types.Float64Type, "b", types.BoolType, "d", types.DecimalType(10, 2), "ts", types.TimestampType(6), "bin", types.BinaryType),
		rows: []row{
			{2.5, true, nil, types.TimestampValue(5), []byte("b")},
			{-1.0, false, nil, nil, []byte("a")},
			{nil, nil, nil, types.TimestampValue(-5), nil},
		},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for c, want := range [][]int{{2, 1, 0}, {2, 1, 0}, {0, 1, 2}, {1, 2, 0}, {2, 1, 0}} {
			got := run(t, NewSort(in.scan(t, "t", size), []SortKey{{Expr: in.col(c), NullsFirst: true}}))
			var exp []row
			for _, i := range want {
				exp = append(exp, in.rows[i])
			}
			require.Equal(t, exp, got, "ORDER BY %s", in.cols[c].Name)
		}
	})
}

func TestSortErrors(t *testing.T) {
	_, err := tryRun(t, NewSort(people.scan(t, "people", 3), []SortKey{{Expr: failing{}}}))
	require.ErrorContains(t, err, "failing() always fails")
}
