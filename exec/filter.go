package exec

import (
	"context"
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*Filter)(nil)
	_ Explainer = (*Filter)(nil)
	_ Operator  = (*Project)(nil)
	_ Explainer = (*Project)(nil)
	_ Operator  = (*Limit)(nil)
	_ Explainer = (*Limit)(nil)
)

// Filter keeps the rows whose predicate is TRUE.
type Filter struct {
	child Operator
	pred  expr.Expr
	ectx  *expr.Context
	sel   []int32 // reused from batch to batch
	out   batchHolder
	done  bool
}

func (f *Filter) Schema() *arrow.Schema { return f.child.Schema() }
func (f *Filter) Explain() string       { return "Filter " + f.pred.String() }
func (f *Filter) Children() []Operator  { return []Operator{f.child} }

func (f *Filter) Open(ctx context.Context) error {
	f.ectx = &expr.Context{Mem: Allocator(ctx)}
	return f.child.Open(ctx)
}

func (f *Filter) Next(ctx context.Context) (arrow.Record, error) {
	f.out.release()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := f.child.Next(ctx)
		if err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		sel, err := selectTrueInto(f.ectx, f.pred, rec, f.sel[:0])
		if err != nil {
			return nil, err
		}
		f.sel = sel
		switch {
		case len(sel) == 0:
			continue
		case len(sel) == int(rec.NumRows()):
			return f.out.set(rewrap(f.Schema(), rec)), nil
		}
		out, err := takeRecord(f.ectx.Mem, f.Schema(), rec, sel)
		if err != nil {
			return nil, err
		}
		return f.out.set(out), nil
	}
}

func (f *Filter) Close() error {
	f.out.release()
	if f.done {
		return nil
	}
	f.done = true
	return f.child.Close()
}

// selectTrue evaluates pred over rec and returns the rows where it is TRUE.
func selectTrue(ectx *expr.Context, pred expr.Expr, rec arrow.Record) ([]int32, error) {
	return selectTrueInto(ectx, pred, rec, nil)
}

// selectTrueInto is selectTrue appending to sel. It reads the value and
// validity bits a byte at a time, skipping bytes without a TRUE row.
func selectTrueInto(ectx *expr.Context, pred expr.Expr, rec arrow.Record, sel []int32) ([]int32, error) {
	arr, err := pred.Eval(ectx, rec)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	switch a := arr.(type) {
	case *array.Null:
		return sel, nil
	case *array.Boolean:
		n := a.Len()
		vals, valid := expr.BoolBits(a), expr.ValidBits(a)
		for b, v := range vals {
			if valid != nil {
				v &= valid[b]
			}
			if b == len(vals)-1 && n%8 != 0 {
				v &= 1<<(n%8) - 1 // bits past the last row
			}
			for v != 0 {
				sel = append(sel, int32(8*b+bits.TrailingZeros8(v)))
				v &= v - 1
			}
		}
		return sel, nil
	}
	return nil, fmt.Errorf("condition %s is %s, not BOOLEAN", pred, pred.Type())
}

// Project computes its output columns from expressions over the input.
type Project struct {
	child  Operator
	exprs  []expr.Expr
	names  []string
	schema *arrow.Schema
	ectx   *expr.Context
	out    batchHolder
	done   bool
}

func newProject(child Operator, exprs []expr.Expr, names []string) *Project {
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		fields[i] = field(names[i], e.Type())
	}
	return &Project{child: child, exprs: exprs, names: names, schema: arrow.NewSchema(fields, nil)}
}

func (p *Project) Schema() *arrow.Schema { return p.schema }
func (p *Project) Children() []Operator  { return []Operator{p.child} }
func (p *Project) Explain() string {
	parts := make([]string, len(p.exprs))
	for i, e := range p.exprs {
		parts[i] = e.String()
		if parts[i] != p.names[i] {
			parts[i] += " AS " + p.names[i]
		}
	}
	return "Project " + strings.Join(parts, ", ")
}

func (p *Project) Open(ctx context.Context) error {
	p.ectx = &expr.Context{Mem: Allocator(ctx)}
	return p.child.Open(ctx)
}

func (p *Project) Next(ctx context.Context) (arrow.Record, error) {
	p.out.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rec, err := p.child.Next(ctx)
	if err != nil {
		return nil, err
	}
	cols, err := evalExprs(p.ectx, p.exprs, rec)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(cols)
	out, err := newRecord(p.schema, cols, int(rec.NumRows()))
	if err != nil {
		return nil, err
	}
	return p.out.set(out), nil
}

func (p *Project) Close() error {
	p.out.release()
	if p.done {
		return nil
	}
	p.done = true
	return p.child.Close()
}

// Limit skips then passes a number of rows, and stops pulling once it has
// passed them all.
type Limit struct {
	child           Operator
	offset, limit   int64
	skipped, passed int64
	out             batchHolder
	done            bool
}

func (l *Limit) Schema() *arrow.Schema { return l.child.Schema() }
func (l *Limit) Children() []Operator  { return []Operator{l.child} }
func (l *Limit) Explain() string {
	s := "Limit"
	if l.offset > 0 {
		s += fmt.Sprintf(" offset=%d", l.offset)
	}
	if l.limit >= 0 {
		s += fmt.Sprintf(" limit=%d", l.limit)
	}
	return s
}

func (l *Limit) Open(ctx context.Context) error {
	l.skipped, l.passed = 0, 0
	return l.child.Open(ctx)
}

func (l *Limit) Next(ctx context.Context) (arrow.Record, error) {
	l.out.release()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if l.limit >= 0 && l.passed >= l.limit {
			return nil, io.EOF
		}
		rec, err := l.child.Next(ctx)
		if err != nil {
			return nil, err
		}
		n := rec.NumRows()
		start := int64(0)
		if l.skipped < l.offset {
			start = min(l.offset-l.skipped, n)
			l.skipped += start
		}
		if start >= n {
			continue
		}
		end := n
		if l.limit >= 0 {
			end = start + min(n-start, l.limit-l.passed) // no overflow near MaxInt64
		}
		l.passed += end - start
		if start == 0 && end == n {
			return l.out.set(rewrap(l.Schema(), rec)), nil
		}
		return l.out.set(sliceRecord(l.Schema(), rec, start, end)), nil
	}
}

func (l *Limit) Close() error {
	l.out.release()
	if l.done {
		return nil
	}
	l.done = true
	return l.child.Close()
}
