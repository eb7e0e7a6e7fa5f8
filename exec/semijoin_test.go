package exec

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var eqFn = int64Binary{"same", types.BoolType, func(a, b int64) types.Value { return a == b }}

var (
	// outerRows (k, x) against innerRows (k, y): NULLs on both sides.
	outerRows = input{cols: cols("k", types.Int64Type, "x", types.Int64Type), rows: []row{
		{int64(1), int64(10)}, {int64(1), int64(99)}, {int64(2), int64(20)}, {int64(2), nil},
		{nil, int64(10)}, {int64(3), int64(30)}, {int64(4), int64(40)},
	}}
	innerRows = input{cols: cols("k", types.Int64Type, "y", types.Int64Type), rows: []row{
		{int64(1), int64(10)}, {int64(1), int64(11)}, {int64(2), nil}, {int64(2), int64(21)},
		{int64(3), int64(30)}, {int64(3), int64(30)}, {nil, int64(40)},
	}}
)

// referenceMarks computes each outer row's match state by the definition:
// candidates share k (when keyed), the residual y > x must hold (when
// set), and x = y decides TRUE, NULL or FALSE (when tested).
func referenceMarks(outer, inner []row, keyed, residual, test bool) []types.Value {
	var out []types.Value
	for _, o := range outer {
		state := types.Value(false)
		for _, r := range inner {
			if keyed && (o[0] == nil || r[0] == nil || o[0] != r[0]) {
				continue
			}
			if residual && (o[1] == nil || r[1] == nil || !(r[1].(int64) > o[1].(int64))) {
				continue
			}
			if !test {
				state = true
				break
			}
			switch {
			case o[1] == nil || r[1] == nil:
				if state == false {
					state = nil
				}
			case o[1] == r[1]:
				state = true
			}
		}
		out = append(out, state)
	}
	return out
}

func TestHashSemiJoinKinds(t *testing.T) {
	both := func(i int) *expr.Column { return &expr.Column{Index: i, Name: fmt.Sprint(i), Typ: types.Int64Type} }
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, inner := range []input{innerRows, {cols: innerRows.cols}} {
			for _, keyed := range []bool{false, true} {
				for _, residual := range []bool{false, true} {
					for _, test := range []bool{false, true} {
						name := fmt.Sprintf("inner=%d keyed=%v residual=%v test=%v", len(inner.rows), keyed, residual, test)
						t.Run(name, func(t *testing.T) {
							spec := SemiJoinSpec{Name: "m"}
							if keyed {
								spec.LeftKeys, spec.RightKeys = []expr.Expr{outerRows.col(0)}, []expr.Expr{inner.col(0)}
							}
							if residual {
								spec.Residual = call(gtFn, both(3), both(1))
							}
							if test {
								spec.Test = call(eqFn, both(1), both(3))
							}
							marks := referenceMarks(outerRows.rows, inner.rows, keyed, residual, test)
							var wantMark, wantSemi, wantAnti []row
							for i, o := range outerRows.rows {
								wantMark = append(wantMark, append(append(row(nil), o...), marks[i]))
								if marks[i] == true {
									wantSemi = append(wantSemi, o)
								}
								if marks[i] == false {
									wantAnti = append(wantAnti, o)
								}
							}
							for kind, want := range map[SubqueryJoinKind][]row{MarkJoin: wantMark, SemiJoin: wantSemi, AntiJoin: wantAnti} {
								spec.Kind = kind
								op := NewHashSemiJoin(outerRows.scan(t, "o", size), inner.scan(t, "i", size), spec)
								requireSameRows(t, want, run(t, op))
							}
						})
					}
				}
			}
		}
	})
}

func TestHashSemiJoinNullAwareKeys(t *testing.T) {
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, inner := range []input{innerRows, {cols: innerRows.cols, rows: innerRows.rows[:2]}, {cols: innerRows.cols}} {
			spec := SemiJoinSpec{Kind: MarkJoin, Name: "x in y", NullAwareKeys: true,
				LeftKeys: []expr.Expr{outerRows.col(1)}, RightKeys: []expr.Expr{inner.col(1)}}
			marks := referenceMarks(outerRows.rows, inner.rows, false, false, true)
			var want []row
			for i, o := range outerRows.rows {
				want = append(want, append(append(row(nil), o...), marks[i]))
			}
			op := NewHashSemiJoin(outerRows.scan(t, "o", size), inner.scan(t, "i", size), spec)
			requireSameRows(t, want, run(t, op))
		}
	})
}

func TestHashSemiJoinSingle(t *testing.T) {
	forEachBatchSize(t, func(t *testing.T, size int) {
		// Keyed on k: at most one match per row over unique keys, an
		// error over innerRows (k = 1 has two rows).
		unique := input{cols: innerRows.cols, rows: [][]types.Value{{int64(1), int64(10)}, {int64(2), int64(21)}, {nil, int64(5)}}}
		spec := SemiJoinSpec{Kind: SingleJoin, Name: "(select y)",
			LeftKeys: []expr.Expr{outerRows.col(0)}, RightKeys: []expr.Expr{unique.col(0)}}
		var want []row
		for _, o := range outerRows.rows {
			r := row{nil, nil}
			for _, u := range unique.rows {
				if o[0] != nil && o[0] == u[0] {
					r = u
				}
			}
			want = append(want, append(append(row(nil), o...), r...))
		}
		op := NewHashSemiJoin(outerRows.scan(t, "o", size), unique.scan(t, "i", size), spec)
		requireSameRows(t, want, run(t, op))

		spec.RightKeys = []expr.Expr{innerRows.col(0)}
		_, err := tryRun(t, NewHashSemiJoin(outerRows.scan(t, "o", size), innerRows.scan(t, "i", size), spec))
		require.ErrorContains(t, err, "subquery returns more than one row: (select y)")

		// Without keys, one right row is every left row's value.
		spec.LeftKeys, spec.RightKeys = nil, nil
		op = NewHashSemiJoin(outerRows.scan(t, "o", size), input{cols: unique.cols, rows: unique.rows[:1]}.scan(t, "i", size), spec)
		require.Len(t, run(t, op), len(outerRows.rows))
	})
}

func TestHashSemiJoinSchemaAndErrors(t *testing.T) {
	op := NewHashSemiJoin(outerRows.scan(t, "o", 3), innerRows.scan(t, "i", 3), SemiJoinSpec{Kind: MarkJoin, Name: "m",
		LeftKeys: []expr.Expr{outerRows.col(0)}, RightKeys: []expr.Expr{innerRows.col(0)}, Residual: call(gtFn, outerRows.col(1), outerRows.col(0))})
	require.Equal(t, []string{"k", "x", "m"}, fieldNames(op))
	require.Equal(t, "HashSemiJoin type=MARK keys=[k = k] residual=above(x, k)", op.(Explainer).Explain())

	bad := NewHashSemiJoin(outerRows.scan(t, "o", 3), innerRows.scan(t, "i", 3), SemiJoinSpec{Kind: AntiJoin, NullAwareKeys: true})
	_, err := tryRun(t, bad)
	require.ErrorContains(t, err, "null-aware keys need keys")

	bad = NewHashSemiJoin(outerRows.scan(t, "o", 3), innerRows.scan(t, "i", 3), SemiJoinSpec{Kind: SingleJoin, Test: call(eqFn, outerRows.col(1), outerRows.col(0))})
	_, err = tryRun(t, bad)
	require.ErrorContains(t, err, "single join takes no test")
}
