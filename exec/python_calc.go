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

	stream pythonStream
	out    batchHolder
	closed bool
}

func (p *PythonCalc) Schema() *arrow.Schema { return p.schema }
func (p *PythonCalc) Children() []Operator  { return []Operator{p.child} }
func (p *PythonCalc) Explain() string       { return "PythonCalc " + p.py.explain() }

func (p *PythonCalc) Open(ctx context.Context) error {
	return p.stream.open(ctx, p.child, p.inputs, &p.py)
}

func (p *PythonCalc) Next(ctx context.Context) (arrow.Record, error) {
	p.out.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in, res, err := p.stream.next(ctx)
	if err != nil {
		return nil, err
	}
	defer res.Release()
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

func (p *PythonCalc) Close() error {
	p.out.release()
	err := p.stream.close()
	if p.closed {
		return err
	}
	p.closed = true
	if cerr := p.child.Close(); err == nil {
		err = cerr
	}
	return err
}

// pythonStream feeds a SCALAR or TABLE operation from a child: it cuts the
// child's batches into slices of at most the operation's batch size,
// evaluates the inputs over each, sends up to pythonInFlight slices ahead
// and hands back each slice with its output, in order.
type pythonStream struct {
	child    Operator
	inputs   []expr.Expr
	py       *PythonOperation
	ectx     *expr.Context
	ev       udf.Evaluator
	cur      arrow.Record // the child batch being cut into slices
	pos      int64
	pending  []arrow.Record // slices sent, outputs not yet received
	eof      bool           // nothing more to send
	childEOF bool           // the child is exhausted
}

func (s *pythonStream) open(ctx context.Context, child Operator, inputs []expr.Expr, py *PythonOperation) error {
	s.child, s.inputs, s.py = child, inputs, py
	s.ectx = &expr.Context{Mem: Allocator(ctx)}
	if err := child.Open(ctx); err != nil {
		return err
	}
	ev, err := py.prepare(ctx)
	if err != nil {
		return err
	}
	s.ev = ev
	return nil
}

// next returns the next slice and its output (io.EOF at the end); the
// caller releases both.
func (s *pythonStream) next(ctx context.Context) (in, out arrow.Record, err error) {
	if s.ev == nil {
		return nil, nil, fmt.Errorf("Python operator: Next before Open")
	}
	for len(s.pending) < pythonInFlight && !s.eof {
		if err := s.send(ctx); err != nil {
			return nil, nil, err
		}
	}
	if len(s.pending) == 0 {
		return nil, nil, io.EOF
	}
	res, err := s.ev.Receive(ctx)
	if err != nil {
		return nil, nil, err
	}
	in = s.pending[0]
	s.pending = s.pending[1:]
	return in, res, nil
}

func (s *pythonStream) send(ctx context.Context) error {
	if err := s.fill(ctx); err != nil {
		return err
	}
	if s.cur == nil {
		s.eof = true
		return nil
	}
	n := s.cur.NumRows()
	end := min(s.pos+int64(s.py.batchRows()), n)
	slice := s.cur.NewSlice(s.pos, end)
	s.pos = end
	if s.pos == n {
		s.cur.Release()
		s.cur = nil
	}
	args, err := evalExprs(s.ectx, s.inputs, slice)
	if err != nil {
		slice.Release()
		return err
	}
	in := pythonInput(nil, args, int(slice.NumRows()))
	releaseArrays(args)
	err = s.ev.Send(ctx, in)
	in.Release()
	if err != nil {
		slice.Release()
		return err
	}
	s.pending = append(s.pending, slice)
	return nil
}

// fill makes cur hold at least a batch's worth of rows from pos on, or
// all the child has left (nil at the end): the child's batches (a table
// scan's are 4096 rows) are joined into one, so that
// python.fn-execution.arrow.batch.size rows cross to Python at once
// rather than as many as the child happened to produce.
func (s *pythonStream) fill(ctx context.Context) error {
	want := int64(s.py.batchRows())
	var parts []arrow.Record
	var have int64
	if s.cur != nil {
		if have = s.cur.NumRows() - s.pos; have >= want {
			return nil
		}
		parts = append(parts, s.cur.NewSlice(s.pos, s.cur.NumRows()))
		s.cur.Release()
		s.cur = nil
	}
	for have < want && !s.childEOF {
		rec, err := s.child.Next(ctx)
		if err == io.EOF {
			s.childEOF = true
			break
		}
		if err != nil {
			releaseRecords(parts)
			return err
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		parts = append(parts, rec)
		have += rec.NumRows()
	}
	s.pos = 0
	switch len(parts) {
	case 0:
	case 1:
		s.cur = parts[0]
	default:
		rec, err := concatRecords(s.ectx.Mem, parts[0].Schema(), parts)
		releaseRecords(parts)
		if err != nil {
			return err
		}
		s.cur = rec
	}
	return nil
}

// close releases what the stream holds and closes the evaluator (not the
// child).
func (s *pythonStream) close() error {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	releaseRecords(s.pending)
	s.pending = nil
	var err error
	if s.ev != nil {
		err = s.ev.Close()
		s.ev = nil
	}
	return err
}
