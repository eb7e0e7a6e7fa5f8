package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"google.golang.org/protobuf/proto"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// A Pandas aggregate over a window (PythonOverWindow in the plan's terms)
// runs as one PANDAS_WINDOW_AGGREGATE operation: each row crosses to
// Python once, in partition and order-key order, with its partition and
// its frame's [start, end) row offsets within the partition; Python calls
// the function on each frame's slice and returns one value per row. The
// general path (Window.framed) would send every frame's rows again.

// windowOperation turns a PANDAS_AGGREGATE operation, whose call reads its
// arguments from columns 1..n after `group`, into the window form, whose
// arguments follow `partition`, `frame_start` and `frame_end`.
func windowOperation(agg *PythonAggregate) *PythonOperation {
	op := proto.Clone(agg.Py.Op).(*udfpb.Operation)
	op.Kind = udfpb.Operation_PANDAS_WINDOW_AGGREGATE
	op.GlobalAggregate = false
	var shift func(c *udfpb.Call)
	shift = func(c *udfpb.Call) {
		for _, a := range c.GetArguments() {
			switch src := a.GetSource().(type) {
			case *udfpb.Argument_Column:
				src.Column += 2
			case *udfpb.Argument_Call:
				shift(src.Call)
			}
		}
	}
	for _, c := range op.GetCalls() {
		shift(c)
	}
	py := agg.Py
	py.Op = op
	return &py
}

// isPandasAggregate reports whether a window function runs one Pandas
// aggregate operation per window rather than one group per frame.
func isPandasAggregate(f WindowFunc) (*PythonAggregate, bool) {
	p, ok := f.Agg.(*PythonAggregate)
	if !ok || f.Kind != WindowAggregate || p.Py.Op.GetKind() != udfpb.Operation_PANDAS_AGGREGATE {
		return nil, false
	}
	return p, true
}

// pythonFramed computes a Pandas aggregate over f's frames in one pass.
func (w *Window) pythonFramed(ctx context.Context, f WindowFunc, agg *PythonAggregate, o *windowOrder, args []arrow.Array) (arrow.Array, error) {
	n := len(o.perm)
	mem := w.ectx.Mem
	py := windowOperation(agg)
	ev, err := py.prepare(ctx)
	if err != nil {
		return nil, err
	}
	defer ev.Close()
	step := py.batchRows()
	part := int32(-1)
	for lo := 0; lo < n; lo += step {
		hi := min(lo+step, n)
		pb, sb, eb := array.NewInt32Builder(mem), array.NewInt64Builder(mem), array.NewInt64Builder(mem)
		pb.Reserve(hi - lo)
		sb.Reserve(hi - lo)
		eb.Reserve(hi - lo)
		for k := lo; k < hi; k++ {
			if k == o.partStart[k] {
				part++
			}
			s, e, err := o.frame(f.Frame, k)
			if err != nil {
				pb.Release()
				sb.Release()
				eb.Release()
				return nil, err
			}
			pb.UnsafeAppend(part)
			sb.UnsafeAppend(int64(s - o.partStart[k]))
			eb.UnsafeAppend(int64(e - o.partStart[k]))
		}
		cols := []arrow.Array{pb.NewArray(), sb.NewArray(), eb.NewArray()}
		pb.Release()
		sb.Release()
		eb.Release()
		for _, a := range args {
			c, err := take(mem, a, o.perm[lo:hi])
			if err != nil {
				releaseArrays(cols)
				return nil, err
			}
			cols = append(cols, c)
		}
		in := pythonInput([]string{"partition", "frame_start", "frame_end"}, cols, hi-lo)
		releaseArrays(cols)
		err := ev.Send(ctx, in)
		in.Release()
		if err != nil {
			return nil, err
		}
	}
	res, err := ev.Finish(ctx)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, &udf.Error{Function: agg.Func, Message: "Python returned no values at the end of the window"}
	}
	defer res.Release()
	if res.NumCols() != 1 || res.NumRows() != int64(n) {
		return nil, &udf.Error{Function: agg.Func, Message: fmt.Sprintf("Python returned %d columns of %d rows for a window of %d rows, expected 1 column", res.NumCols(), res.NumRows(), n)}
	}
	values, err := pythonResult(agg.Func, agg.Result, res.Column(0))
	if err != nil {
		return nil, err
	}
	defer values.Release()
	// Values come in sorted order: put each back at its input row.
	at := make([]int32, n)
	for k, row := range o.perm {
		at[row] = int32(k)
	}
	return take(mem, values, at)
}
