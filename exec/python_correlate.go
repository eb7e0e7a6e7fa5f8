package exec

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

var (
	_ Operator  = (*PythonCorrelate)(nil)
	_ Explainer = (*PythonCorrelate)(nil)
)

// NewPythonCorrelate joins each input row with the rows a table function
// (a TABLE operation) produces for it: inputs (over the child's columns)
// are the batches sent; Python answers with the producing input row's
// index, then the result columns. Output: the child's columns, then
// results. With outer, an input row that produced nothing appears once
// with NULL results (LEFT JOIN LATERAL ... ON TRUE).
func NewPythonCorrelate(child Operator, inputs []expr.Expr, py PythonOperation, results []types.Column, outer bool) Operator {
	fields := slices.Clone(child.Schema().Fields())
	for _, r := range results {
		fields = append(fields, field(r.Name, r.Type))
	}
	return &PythonCorrelate{child: child, inputs: inputs, py: py, results: results, outer: outer,
		schema: arrow.NewSchema(fields, nil)}
}

// PythonCorrelate gathers the child's columns by the row indices Python
// returns: one call per batch, never per row.
type PythonCorrelate struct {
	child   Operator
	inputs  []expr.Expr
	py      PythonOperation
	results []types.Column
	outer   bool
	schema  *arrow.Schema

	stream pythonStream
	out    batchHolder
	closed bool
}

func (p *PythonCorrelate) Schema() *arrow.Schema { return p.schema }
func (p *PythonCorrelate) Children() []Operator  { return []Operator{p.child} }
func (p *PythonCorrelate) Explain() string {
	join := "INNER"
	if p.outer {
		join = "LEFT"
	}
	return "PythonCorrelate " + join + " " + p.py.explain()
}

func (p *PythonCorrelate) Open(ctx context.Context) error {
	return p.stream.open(ctx, p.child, p.inputs, &p.py)
}

func (p *PythonCorrelate) Next(ctx context.Context) (arrow.Record, error) {
	p.out.release()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in, res, err := p.stream.next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := p.join(in, res)
		in.Release()
		res.Release()
		if err != nil {
			return nil, err
		}
		if out.NumRows() == 0 {
			out.Release()
			continue
		}
		return p.out.set(out), nil
	}
}

// join pairs the input slice's rows with the result rows.
func (p *PythonCorrelate) join(in, res arrow.Record) (arrow.Record, error) {
	fn := p.py.functionNames()
	if int(res.NumCols()) != len(p.results)+1 {
		return nil, &udf.Error{Function: fn, Message: fmt.Sprintf("Python returned %d columns, expected the row index and %d result columns", res.NumCols(), len(p.results))}
	}
	rowCol, ok := res.Column(0).(*array.Int32)
	if !ok {
		return nil, &udf.Error{Function: fn, Message: fmt.Sprintf("Python returned row indices of type %s, expected int32", res.Column(0).DataType())}
	}
	n := int(in.NumRows())
	rows := rowCol.Int32Values()
	for i, r := range rows {
		if rowCol.IsNull(i) || r < 0 || int(r) >= n {
			return nil, &udf.Error{Function: fn, Message: fmt.Sprintf("Python returned row index %s for a batch of %d rows", rowCol.ValueStr(i), n)}
		}
	}
	mem := p.stream.ectx.Mem
	var childIdx, resIdx []int32
	if p.outer {
		// Order the output by input row, padding rows with no result.
		count := make([]int32, n+1)
		for _, r := range rows {
			count[r+1]++
		}
		for i := 1; i <= n; i++ {
			count[i] += count[i-1]
		}
		byRow := make([]int32, len(rows))
		next := slices.Clone(count[:n])
		for k, r := range rows {
			byRow[next[r]] = int32(k)
			next[r]++
		}
		for i := 0; i < n; i++ {
			if count[i] == count[i+1] {
				childIdx = append(childIdx, int32(i))
				resIdx = append(resIdx, -1)
				continue
			}
			for _, k := range byRow[count[i]:count[i+1]] {
				childIdx = append(childIdx, int32(i))
				resIdx = append(resIdx, k)
			}
		}
	} else {
		childIdx = rows
	}
	var cols []arrow.Array
	defer func() { releaseArrays(cols) }()
	for c := 0; c < int(in.NumCols()); c++ {
		col, err := gather(mem, in.Column(c), childIdx)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	for i, r := range p.results {
		col, err := pythonResult(fn, r.Type, res.Column(i+1))
		if err != nil {
			return nil, err
		}
		if resIdx != nil {
			g, err := gather(mem, col, resIdx)
			col.Release()
			if err != nil {
				return nil, err
			}
			col = g
		}
		cols = append(cols, col)
	}
	return newRecord(p.schema, cols, len(childIdx))
}

func (p *PythonCorrelate) Close() error {
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
