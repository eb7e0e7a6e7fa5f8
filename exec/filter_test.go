package exec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

func TestFilter(t *testing.T) {
	// score > 5: NULL scores are not TRUE, so they go.
	pred := call(gtFn, people.col(2), lit(int64(5), types.Int64Type))
	want := []row{people.rows[0], people.rows[2], people.rows[3], people.rows[5]}
	forEachBatchSize(t, func(t *testing.T, size int) {
		requireRows(t, want, run(t, NewFilter(people.scan(t, "people", size), pred)))
		requireRows(t, nil, run(t, NewFilter(empty.scan(t, "people", size), pred)))
		// Nothing passes: no empty batches come out either.
		none := call(gtFn, people.col(2), lit(int64(100), types.Int64Type))
		requireRows(t, nil, run(t, NewFilter(people.scan(t, "people", size), none)))
		requireRows(t, nil, run(t, NewFilter(people.scan(t, "people", size), lit(nil, types.NullType))))
		requireRows(t, people.rows, run(t, NewFilter(people.scan(t, "people", size), lit(true, types.BoolType))))
	})
}

func TestFilterErrors(t *testing.T) {
	_, err := tryRun(t, NewFilter(people.scan(t, "people", 3), people.col(0)))
	require.ErrorContains(t, err, "condition id is BIGINT, not BOOLEAN")
	_, err = tryRun(t, NewFilter(people.scan(t, "people", 3), failing{}))
	require.ErrorContains(t, err, "failing() always fails")
}

func TestProject(t *testing.T) {
	exprs := []expr.Expr{people.col(1), call(addFn, people.col(0), people.col(2)), lit(int64(7), types.Int64Type)}
	names := []string{"name", "total", "seven"}
	var want []row
	for _, r := range people.rows {
		var total types.Value
		if r[0] != nil && r[2] != nil {
			total = r[0].(int64) + r[2].(int64)
		}
		want = append(want, row{r[1], total, int64(7)})
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		op := NewProject(people.scan(t, "people", size), exprs, names)
		require.Equal(t, "total", op.Schema().Field(1).Name)
		requireRows(t, want, run(t, op))
		requireRows(t, nil, run(t, NewProject(empty.scan(t, "people", size), exprs, names)))
	})
	require.Equal(t, "Project name, addition(id, score) AS total, 7 AS seven",
		NewProject(people.scan(t, "people", 3), exprs, names).(Explainer).Explain())
}

func TestProjectErrors(t *testing.T) {
	_, err := tryRun(t, NewProject(people.scan(t, "people", 3), []expr.Expr{failing{}}, []string{"f"}))
	require.ErrorContains(t, err, "failing() always fails")
	// An expression whose values are not of its declared type is an
	// error, not a panic.
	lying := &expr.Column{Index: 1, Name: "name", Typ: types.Int64Type}
	_, err = tryRun(t, NewProject(people.scan(t, "people", 3), []expr.Expr{lying}, []string{"n"}))
	require.ErrorContains(t, err, `column "n": expression produced utf8, expected int64`)
}

func TestLimit(t *testing.T) {
	cases := []struct{ offset, limit int64 }{
		{0, -1}, {0, 0}, {0, 1}, {0, 3}, {2, 3}, {5, 10}, {6, -1}, {7, 1}, {100, 1}, {3, 0},
		{2, math.MaxInt64}, {0, math.MaxInt64},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, c := range cases {
			end := int64(len(people.rows))
			if c.limit >= 0 && c.limit < end {
				end = min(end, c.offset+c.limit)
			}
			var want []row
			if c.offset < end {
				want = people.rows[c.offset:end]
			}
			requireRows(t, want, run(t, NewLimit(people.scan(t, "people", size), c.offset, c.limit)))
		}
		requireRows(t, nil, run(t, NewLimit(empty.scan(t, "people", size), 1, 2)))
	})
}

func TestLimitStopsPulling(t *testing.T) {
	child := &countingOperator{Operator: people.scan(t, "people", 1)}
	requireRows(t, people.rows[1:3], run(t, NewLimit(child, 1, 2)))
	require.Equal(t, 3, child.batches)
	child = &countingOperator{Operator: people.scan(t, "people", 1)}
	requireRows(t, nil, run(t, NewLimit(child, 0, 0)))
	require.Equal(t, 0, child.batches)
}

func TestSelectTrueBits(t *testing.T) {
	// Every length around a byte boundary, NULLs, and arrays that start
	// inside a byte of their buffers (slices).
	rng := rand.New(rand.NewPCG(21, 22))
	for n := 0; n < 40; n++ {
		b := array.NewBooleanBuilder(memory.DefaultAllocator)
		var want []int32
		for i := 0; i < n+5; i++ {
			switch rng.IntN(3) {
			case 0:
				b.AppendNull()
			case 1:
				b.Append(false)
			default:
				b.Append(true)
				if i >= 3 && i < n+3 {
					want = append(want, int32(i-3))
				}
			}
		}
		full := b.NewArray()
		b.Release()
		arr := array.NewSlice(full, 3, int64(n+3))
		full.Release()
		rec := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}}, nil), []arrow.Array{arr}, int64(n))
		arr.Release()
		got, err := selectTrueInto(expr.NewContext(), &expr.Column{Index: 0, Name: "b", Typ: types.BoolType}, rec, []int32{-1})
		require.NoError(t, err)
		require.Equal(t, append([]int32{-1}, want...), got, "n=%d", n)
		rec.Release()
	}
}
