package exec

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var series = input{
	cols: cols("p", types.StringType, "o", types.Int64Type, "v", types.Int64Type),
	rows: []row{
		{"a", int64(1), int64(10)},
		{"a", int64(2), int64(20)},
		{"a", int64(2), int64(30)},
		{"a", int64(4), nil},
		{"a", nil, int64(5)},
		{"b", int64(1), int64(1)},
		{"b", int64(3), int64(2)},
		{nil, int64(7), int64(100)},
	},
}

func frame(unit FrameUnit, start, end FrameBound) Frame {
	return Frame{Unit: unit, Start: start, End: end}
}

var (
	unboundedPreceding = FrameBound{Kind: UnboundedPreceding}
	unboundedFollowing = FrameBound{Kind: UnboundedFollowing}
	currentRow         = FrameBound{Kind: CurrentRow}
)

func preceding(n int64) FrameBound { return FrameBound{Kind: Preceding, Offset: n} }
func following(n int64) FrameBound { return FrameBound{Kind: Following, Offset: n} }

func TestWindow(t *testing.T) {
	byP := []expr.Expr{series.col(0)}
	byO := []SortKey{{Expr: series.col(1), NullsFirst: true}}
	byODesc := []SortKey{{Expr: series.col(1), Desc: true}}
	arg := []expr.Expr{series.col(2)}
	ranking := func(kind WindowFuncKind) WindowFunc {
		return WindowFunc{Kind: kind, PartitionBy: byP, OrderBy: byO, Name: "w"}
	}
	agg := func(fn catalog.BoundAggregate, args []expr.Expr, order []SortKey, fr Frame) WindowFunc {
		return WindowFunc{Kind: WindowAggregate, Agg: fn, Args: args, PartitionBy: byP, OrderBy: order, Frame: fr, Name: "w"}
	}
	n := func(vs ...any) []types.Value {
		out := make([]types.Value, len(vs))
		for i, v := range vs {
			if v != nil {
				out[i] = int64(v.(int))
			}
		}
		return out
	}
	cases := []struct {
		name string
		fn   WindowFunc
		want []types.Value // per input row
	}{
		{"row_number", ranking(WindowRowNumber), n(2, 3, 4, 5, 1, 1, 2, 1)},
		{"rank", ranking(WindowRank), n(2, 3, 3, 5, 1, 1, 2, 1)},
		{"dense_rank", ranking(WindowDenseRank), n(2, 3, 3, 4, 1, 1, 2, 1)},
		{"row_number without partition or order", WindowFunc{Kind: WindowRowNumber, Name: "w"}, n(1, 2, 3, 4, 5, 6, 7, 8)},
		{"running sum, range (peers included)", agg(sumAgg{}, arg, byO, frame(FrameRange, unboundedPreceding, currentRow)),
			n(15, 65, 65, 65, 5, 1, 3, 100)},
		{"running sum, rows", agg(sumAgg{}, arg, byO, frame(FrameRows, unboundedPreceding, currentRow)),
			n(15, 35, 65, 65, 5, 1, 3, 100)},
		{"sum rows 1 preceding to 1 following", agg(sumAgg{}, arg, byO, frame(FrameRows, preceding(1), following(1))),
			n(35, 60, 50, 30, 15, 3, 3, 100)},
		{"count over the partition", agg(countAgg{}, nil, nil, frame(FrameRange, unboundedPreceding, currentRow)),
			n(5, 5, 5, 5, 5, 2, 2, 1)},
		{"count rows unbounded", agg(countAgg{}, nil, byO, frame(FrameRows, unboundedPreceding, unboundedFollowing)),
			n(5, 5, 5, 5, 5, 2, 2, 1)},
		{"sum range 1 preceding", agg(sumAgg{}, arg, byO, frame(FrameRange, preceding(1), currentRow)),
			n(10, 60, 60, nil, 5, 1, 2, 100)},
		{"sum range desc current to 2 following", agg(sumAgg{}, arg, byODesc, frame(FrameRange, currentRow, following(2))),
			n(10, 60, 60, 50, 5, 1, 3, 100)},
		{"count of empty frames", agg(countAgg{}, nil, byO, frame(FrameRows, following(3), unboundedFollowing)),
			n(1, 0, 0, 0, 2, 0, 0, 0)},
		{"sum rows 2 preceding to 1 preceding", agg(sumAgg{}, arg, byO, frame(FrameRows, preceding(2), preceding(1))),
			n(5, 15, 30, 50, nil, nil, 1, nil)},
		{"sum range unbounded to 1 following", agg(sumAgg{}, arg, byO, frame(FrameRange, unboundedPreceding, following(1))),
			n(65, 65, 65, 65, 5, 1, 3, 100)},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, c := range cases {
			fns := []WindowFunc{c.fn}
			if c.fn.Kind == WindowAggregate {
				// The same frame through the general path.
				plain := c.fn
				plain.Agg = plainAgg{c.fn.Agg}
				fns = append(fns, plain)
			}
			for _, fn := range fns {
				t.Run(c.name, func(t *testing.T) {
					var want []row
					for i, r := range series.rows {
						want = append(want, append(append(row{}, r...), c.want[i]))
					}
					requireRows(t, want, run(t, NewWindow(series.scan(t, "series", size), []WindowFunc{fn})))
				})
			}
		}
	})
}

func TestWindowSeveralFunctions(t *testing.T) {
	fns := []WindowFunc{
		{Kind: WindowRowNumber, OrderBy: []SortKey{{Expr: series.col(2), Desc: true}}, Name: "rn"},
		{Kind: WindowAggregate, Agg: sumAgg{}, Args: []expr.Expr{series.col(2)}, PartitionBy: []expr.Expr{series.col(0)},
			Frame: frame(FrameRows, unboundedPreceding, unboundedFollowing), Name: "total"},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		withBatchSize(t, max(size, 2))
		op := NewWindow(series.scan(t, "series", size), fns)
		require.Equal(t, []string{"p", "o", "v", "rn", "total"}, fieldNames(op))
		got := run(t, op)
		require.Len(t, got, len(series.rows))
		rn := []int64{4, 3, 2, 8, 5, 7, 6, 1}
		total := []int64{65, 65, 65, 65, 65, 3, 3, 100}
		for i, r := range got {
			require.Equal(t, series.rows[i], r[:3])
			require.Equal(t, rn[i], r[3], "row %d", i)
			require.Equal(t, total[i], r[4], "row %d", i)
		}
		requireRows(t, nil, run(t, NewWindow(input{cols: series.cols}.scan(t, "series", size), fns)))
	})
}

func TestWindowErrors(t *testing.T) {
	bad := WindowFunc{Kind: WindowAggregate, Agg: sumAgg{}, Args: []expr.Expr{series.col(2)},
		OrderBy: []SortKey{{Expr: series.col(0)}}, Frame: frame(FrameRange, preceding(1), currentRow), Name: "w"}
	_, err := tryRun(t, NewWindow(series.scan(t, "series", 3), []WindowFunc{bad}))
	require.ErrorContains(t, err, "w: RANGE with 1 PRECEDING: an offset needs a numeric ORDER BY key, not utf8")
	bad.OrderBy = nil
	_, err = tryRun(t, NewWindow(series.scan(t, "series", 3), []WindowFunc{bad}))
	require.ErrorContains(t, err, "RANGE with 1 PRECEDING needs exactly one ORDER BY key")
	bad = WindowFunc{Kind: WindowAggregate, Agg: sumAgg{}, Args: []expr.Expr{series.col(0)}, Frame: frame(FrameRows, unboundedPreceding, currentRow), Name: "s"}
	_, err = tryRun(t, NewWindow(series.scan(t, "series", 3), []WindowFunc{bad}))
	require.ErrorContains(t, err, "s: BIGINT argument expected")
	bad.Agg = plainAgg{sumAgg{}}
	_, err = tryRun(t, NewWindow(series.scan(t, "series", 3), []WindowFunc{bad}))
	require.ErrorContains(t, err, "s: BIGINT argument expected")
}

func TestWindowExplain(t *testing.T) {
	op := NewWindow(series.scan(t, "series", 3), []WindowFunc{
		{Kind: WindowRank, PartitionBy: []expr.Expr{series.col(0)}, OrderBy: []SortKey{{Expr: series.col(1), Desc: true}}, Name: "r"},
		{Kind: WindowAggregate, Agg: sumAgg{}, Args: []expr.Expr{series.col(2)}, OrderBy: []SortKey{{Expr: series.col(1), NullsFirst: true}},
			Frame: frame(FrameRows, preceding(2), currentRow), Name: "s"},
	})
	require.Equal(t, "Window funcs=[rank() OVER (PARTITION BY p ORDER BY o DESC), "+
		"sum(v) OVER (ORDER BY o ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)]", op.(Explainer).Explain())
	require.NoError(t, op.Close())
}

func TestWindowRunningMatchesFramedRandom(t *testing.T) {
	// Partitions of very different lengths (the running path feeds them
	// step by step, longest first), ties and NULLs in the order key.
	rng := rand.New(rand.NewPCG(7, 8))
	in := input{cols: cols("p", types.Int64Type, "o", types.Int64Type, "v", types.Int64Type)}
	opt := func(v int64) types.Value {
		if rng.IntN(7) == 0 {
			return nil
		}
		return v
	}
	for i := 0; i < 300; i++ {
		in.rows = append(in.rows, row{opt(int64(rng.IntN(rng.IntN(9) + 1))), opt(rng.Int64N(6)), opt(rng.Int64N(100) - 20)})
	}
	byP := []expr.Expr{in.col(0)}
	byO := []SortKey{{Expr: in.col(1), NullsFirst: true}}
	arg := []expr.Expr{in.col(2)}
	var fns []WindowFunc
	for _, unit := range []FrameUnit{FrameRows, FrameRange} {
		fr := frame(unit, unboundedPreceding, currentRow)
		for _, fn := range []catalog.BoundAggregate{sumAgg{}, plainAgg{sumAgg{}}, countAgg{}, plainAgg{countAgg{}}} {
			fns = append(fns, WindowFunc{Kind: WindowAggregate, Agg: fn, Args: arg, PartitionBy: byP, OrderBy: byO, Frame: fr, Name: "w"})
		}
	}
	fns = append(fns, WindowFunc{Kind: WindowRowNumber, PartitionBy: byP, OrderBy: byO, Name: "rn"},
		WindowFunc{Kind: WindowRank, PartitionBy: byP, OrderBy: byO, Name: "rk"})
	forEachBatchSize(t, func(t *testing.T, size int) {
		// All functions share one sort; each alone must give the same.
		all := run(t, NewWindow(in.scan(t, "t", size), fns))
		require.Len(t, all, len(in.rows))
		for f, fn := range fns {
			alone := run(t, NewWindow(in.scan(t, "t", size), []WindowFunc{fn}))
			for i := range all {
				require.Equal(t, alone[i][3], all[i][3+f], "function %d row %d", f, i)
			}
		}
		for i, r := range all {
			for f := 0; f < 8; f += 2 {
				require.Equal(t, r[3+f+1], r[3+f], "running and framed differ: function %d row %d", f, i)
			}
		}
	})
}
