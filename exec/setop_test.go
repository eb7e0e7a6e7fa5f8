package exec

import (
	"fmt"
	"testing"

	"github.com/taipandb/taipan/types"
)

// referenceSetOp computes INTERSECT/EXCEPT [ALL] by counting rows.
func referenceSetOp(left, right []row, kind SetOpKind, all bool) []row {
	count := map[string]int{}
	for _, r := range right {
		count[rowKey(r)]++
	}
	seen := map[string]bool{}
	var out []row
	for _, l := range left {
		k := rowKey(l)
		in := count[k] > 0
		switch {
		case all && kind == Intersect:
			if in {
				count[k]--
				out = append(out, l)
			}
		case all:
			if in {
				count[k]--
			} else {
				out = append(out, l)
			}
		case !seen[k] && in == (kind == Intersect):
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}

func TestSetOp(t *testing.T) {
	c := cols("x", types.Int64Type, "s", types.StringType)
	left := input{cols: c, rows: []row{
		{int64(1), "p"}, {int64(1), "p"}, {int64(1), "p"}, {int64(2), "q"}, {nil, "n"}, {nil, "n"}, {int64(3), nil}, {int64(3), nil},
	}}
	right := input{cols: c, rows: []row{{int64(1), "p"}, {int64(1), "p"}, {nil, "n"}, {int64(4), "s"}, {int64(3), nil}}}
	empty := input{cols: c}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, kind := range []SetOpKind{Intersect, Except} {
			for _, all := range []bool{false, true} {
				for _, sides := range [][2]input{{left, right}, {right, left}, {left, empty}, {empty, right}} {
					t.Run(fmt.Sprintf("%s all=%v %d-%d", kind, all, len(sides[0].rows), len(sides[1].rows)), func(t *testing.T) {
						op := NewSetOp(sides[0].scan(t, "l", size), sides[1].scan(t, "r", size), kind, all)
						requireSameRows(t, referenceSetOp(sides[0].rows, sides[1].rows, kind, all), run(t, op))
					})
				}
			}
		}
	})
}
