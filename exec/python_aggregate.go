package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

var _ catalog.BoundAggregate = (*PythonAggregate)(nil)

// PythonAggregate is a call of a Python aggregate function (an AGGREGATE
// or PANDAS_AGGREGATE operation) as a catalog.BoundAggregate, so that
// HashAggregate computes it beside built-in aggregates, over the same
// dense group ids, and Window over frames. Its accumulator sends the
// `group` column and the arguments to Python as the rows come, and reads
// every group's value at Finish. The operation's call takes its arguments
// from input columns 1..n (column 0 is `group`).
type PythonAggregate struct {
	Py     PythonOperation
	Func   string // SQL name
	Result types.Type
}

func (a *PythonAggregate) Name() string           { return a.Func }
func (a *PythonAggregate) ResultType() types.Type { return a.Result }

// NewAccumulator returns an accumulator whose Python calls cannot be
// cancelled; operators use newAccumulator with their context.
func (a *PythonAggregate) NewAccumulator(mem memory.Allocator) catalog.GroupsAccumulator {
	return &pythonAccumulator{ctx: context.Background(), agg: a, mem: mem}
}

// explain is the call as EXPLAIN prints it, with its mode.
func (a *PythonAggregate) explain(args []expr.Expr) string {
	parts := make([]string, len(args))
	for i, e := range args {
		parts[i] = e.String()
	}
	s := fmt.Sprintf("%s(%s) %s", a.Func, strings.Join(parts, ", "), a.Py.Mode)
	if a.Py.Reason != "" {
		s += " (" + a.Py.Reason + ")"
	}
	return s
}

// newAccumulator is fn's accumulator; a Python aggregate's runs under ctx.
func newAccumulator(ctx context.Context, fn catalog.BoundAggregate, mem memory.Allocator) catalog.GroupsAccumulator {
	if p, ok := fn.(*PythonAggregate); ok {
		return &pythonAccumulator{ctx: ctx, agg: p, mem: mem}
	}
	return fn.NewAccumulator(mem)
}

// pythonAccumulator prepares its operation on the first rows, so that an
// accumulator made and finished without rows (Window's probe for running
// frames, GROUP BY over empty input) starts no Python.
type pythonAccumulator struct {
	ctx    context.Context
	agg    *PythonAggregate
	mem    memory.Allocator
	ev     udf.Evaluator
	queue  []arrow.Record // rows not yet sent, with their group ids
	queued int64
}

func (p *pythonAccumulator) start() error {
	if p.ev != nil {
		return nil
	}
	ev, err := p.agg.Py.prepare(p.ctx)
	if err != nil {
		return err
	}
	p.ev = ev
	return nil
}

// Update queues the rows, with their group ids, and sends them in batches
// of python.fn-execution.arrow.batch.size rows: rows of several input
// batches cross together.
func (p *pythonAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	if len(groups) == 0 {
		return nil
	}
	if err := p.start(); err != nil {
		return err
	}
	b := array.NewInt32Builder(p.mem)
	b.Reserve(len(groups))
	for _, g := range groups {
		b.UnsafeAppend(int32(g))
	}
	cols := append([]arrow.Array{b.NewArray()}, args...)
	b.Release()
	in := pythonInput([]string{"group"}, cols, len(groups))
	cols[0].Release()
	p.queue = append(p.queue, in)
	p.queued += int64(len(groups))
	if p.queued >= int64(p.agg.Py.batchRows()) {
		return p.flush(false)
	}
	return nil
}

// flush sends the queued rows in batches of the batch size; all of them
// when final, else it keeps the last partial batch queued.
func (p *pythonAccumulator) flush(final bool) error {
	if len(p.queue) == 0 {
		return nil
	}
	all := p.queue[0]
	if len(p.queue) > 1 {
		var err error
		all, err = concatRecords(p.mem, p.queue[0].Schema(), p.queue)
		releaseRecords(p.queue)
		if err != nil {
			p.queue, p.queued = nil, 0
			return err
		}
	}
	p.queue, p.queued = nil, 0
	defer all.Release()
	step, n := int64(p.agg.Py.batchRows()), all.NumRows()
	for lo := int64(0); lo < n; lo += step {
		hi := min(lo+step, n)
		if hi-lo < step && !final {
			rest := all.NewSlice(lo, hi)
			p.queue, p.queued = []arrow.Record{rest}, hi-lo
			return nil
		}
		in := all.NewSlice(lo, hi)
		err := p.ev.Send(p.ctx, in)
		in.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *pythonAccumulator) Finish(numGroups int) (arrow.Array, error) {
	if p.ev == nil && numGroups == 0 {
		return emptyArray(p.mem, p.agg.Result.Arrow()), nil
	}
	if err := p.start(); err != nil {
		return nil, err
	}
	defer func() {
		releaseRecords(p.queue)
		p.queue, p.queued = nil, 0
		p.ev.Close()
		p.ev = nil
	}()
	if err := p.flush(true); err != nil {
		return nil, err
	}
	res, err := p.ev.Finish(p.ctx)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, &udf.Error{Function: p.agg.Func, Message: "Python returned no result at the end of the aggregate"}
	}
	defer res.Release()
	if res.NumCols() != 2 {
		return nil, &udf.Error{Function: p.agg.Func, Message: fmt.Sprintf("Python returned %d columns, expected group and value", res.NumCols())}
	}
	groupCol, ok := res.Column(0).(*array.Int32)
	if !ok {
		return nil, &udf.Error{Function: p.agg.Func, Message: fmt.Sprintf("Python returned groups of type %s, expected int32", res.Column(0).DataType())}
	}
	// Groups take their values by id; a group Python did not report
	// (an empty window frame) is NULL.
	idx := make([]int32, numGroups)
	for i := range idx {
		idx[i] = -1
	}
	for r, g := range groupCol.Int32Values() {
		if groupCol.IsNull(r) || g < 0 || int(g) >= numGroups {
			return nil, &udf.Error{Function: p.agg.Func, Message: fmt.Sprintf("Python returned group %s of %d groups", groupCol.ValueStr(r), numGroups)}
		}
		idx[g] = int32(r)
	}
	values, err := pythonResult(p.agg.Func, p.agg.Result, res.Column(1))
	if err != nil {
		return nil, err
	}
	defer values.Release()
	return gather(p.mem, values, idx)
}
