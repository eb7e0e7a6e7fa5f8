package exec

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

var (
	_ Operator  = (*PythonCalc)(nil)
	_ Explainer = (*PythonCalc)(nil)
)

// NewPythonCalc evaluates a SCALAR operation: inputs (over the child's
// columns) are the columns of the batches sent to Python, at most
// py.Op.BatchSize rows each, and results (one per top-level call, with the
// declared type) are appended to the child's columns.
func NewPythonCalc(child Operator, inputs []expr.Expr, py PythonOperation, results []types.Column) Operator {
	fields := slices.Clone(child.Schema().Fields())
	for _, r := range results {
		fields = append(fields, field(r.Name, r.Type))
	}
	return &PythonCalc{child: child, inputs: inputs, py: py, results: results, schema: arrow.NewSchema(fields, nil)}
}

// PythonCalc streams its input through a SCALAR operation, keeping a few
// batches in flight: it sends ahead and receives in order.
type PythonCalc struct {
	child   Operator
	inputs  []expr.Expr
	py      PythonOperation
	results []types.Column
	schema  *arrow.Schema

	ectx    *expr.Context
	ev      udf.Evaluator
	cur     arrow.Record // the child batch being cut into slices
	pos     int64
	pending []arrow.Record // slices sent, results not yet received
	eof     bool
	out     batchHolder
	closed  bool
}

func (p *PythonCalc) Schema() *arrow.Schema { return p.schema }
func (p *PythonCalc) Children() []Operator  { return []Operator{p.child} }
func (p *PythonCalc) Explain() string       { return "PythonCalc " + p.py.explain() }

func (p *PythonCalc) Open(ctx context.Context) error {
	p.ectx = &expr.Context{Mem: Allocator(ctx)}
	if err := p.child.Open(ctx); err != nil {
		return err
	}
	ev, err := p.py.prepare(ctx)
	if err != nil {
		return err
	}
	p.ev = ev
	return nil
}

func (p *PythonCalc) Next(ctx context.Context) (arrow.Record, error) {
	p.out.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.ev == nil {
		return nil, fmt.Errorf("PythonCalc: Next before Open")
	}
	for len(p.pending) < pythonInFlight && !p.eof {
		if err := p.send(ctx); err != nil {
			return nil, err
		}
	}
	if len(p.pending) == 0 {
		return nil, io.EOF
	}
	res, err := p.ev.Receive(ctx)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	in := p.pending[0]
	p.pending = p.pending[1:]
	defer in.Release()
	n := in.NumRows()
	if int(res.NumCols()) != len(p.results) || res.NumRows() != n {
		return nil, &udf.Error{Function: p.py.functionNames(), Message: fmt.Sprintf("Python returned %d columns of %d rows for a batch of %d rows, expected %d columns", res.NumCols(), res.NumRows(), n, len(p.results))}
	}
	cols := slices.Clone(in.Columns())
	var owned []arrow.Array
	defer func() { releaseArrays(owned) }()
	for i, r := range p.results {
		c, err := pythonResult(p.callName(i), r.Type, res.Column(i))
		if err != nil {
			return nil, err
		}
		owned = append(owned, c)
		cols = append(cols, c)
	}
	out, err := newRecord(p.schema, cols, int(n))
	if err != nil {
		return nil, err
	}
	return p.out.set(out), nil
}

// callName is the function of top-level call i.
func (p *PythonCalc) callName(i int) string {
	calls, fns := p.py.Op.GetCalls(), p.py.Op.GetFunctions()
	if i < len(calls) {
		if f := int(calls[i].GetFunction()); f < len(fns) {
			return fns[f].GetName()
		}
	}
	return p.results[i].Name
}

// send evaluates the inputs of the next slice of the child's rows and
// sends them to Python.
func (p *PythonCalc) send(ctx context.Context) error {
	if p.cur == nil {
		rec, err := p.child.Next(ctx)
		if err == io.EOF {
			p.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if rec.NumRows() == 0 {
			return nil
		}
		rec.Retain()
		p.cur, p.pos = rec, 0
	}
	n := p.cur.NumRows()
	end := min(p.pos+int64(p.py.batchRows()), n)
	slice := p.cur.NewSlice(p.pos, end)
	p.pos = end
	if p.pos == n {
		p.cur.Release()
		p.cur = nil
	}
	args, err := evalExprs(p.ectx, p.inputs, slice)
	if err != nil {
		slice.Release()
		return err
	}
	in := pythonInput(args, int(slice.NumRows()))
	releaseArrays(args)
	err = p.ev.Send(ctx, in)
	in.Release()
	if err != nil {
		slice.Release()
		return err
	}
	p.pending = append(p.pending, slice)
	return nil
}

func (p *PythonCalc) Close() error {
	p.out.release()
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	releaseRecords(p.pending)
	p.pending = nil
	var err error
	if p.ev != nil {
		err = p.ev.Close()
		p.ev = nil
	}
	if p.closed {
		return err
	}
	p.closed = true
	if cerr := p.child.Close(); err == nil {
		err = cerr
	}
	return err
}
