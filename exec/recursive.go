package exec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

var (
	_ Operator  = (*RecursiveCTE)(nil)
	_ Explainer = (*RecursiveCTE)(nil)
	_ Operator  = (*WorkTableScan)(nil)
	_ Explainer = (*WorkTableScan)(nil)
)

// MaxRecursionDepth is how many iterations of its recursive part a
// recursive CTE may run that produce rows: MySQL's default
// cte_max_recursion_depth.
const MaxRecursionDepth = 1000

// WorkTable holds the rows of a recursive CTE's last iteration, which the
// next iteration reads through WorkTableScan.
type WorkTable struct {
	schema *arrow.Schema
	recs   []arrow.Record
}

// NewWorkTable returns an empty work table of schema.
func NewWorkTable(schema *arrow.Schema) *WorkTable { return &WorkTable{schema: schema} }

func (w *WorkTable) set(recs []arrow.Record) {
	releaseRecords(w.recs)
	w.recs = recs
}

// NewWorkTableScan reads the rows wt holds when it opens.
func NewWorkTableScan(wt *WorkTable, name string) Operator {
	return &WorkTableScan{wt: wt, name: name}
}

// WorkTableScan is a recursive CTE's reference to itself.
type WorkTableScan struct {
	wt   *WorkTable
	name string
	recs []arrow.Record
	next int
}

func (s *WorkTableScan) Schema() *arrow.Schema { return s.wt.schema }
func (s *WorkTableScan) Children() []Operator  { return nil }
func (s *WorkTableScan) Explain() string       { return "WorkTableScan " + s.name }

func (s *WorkTableScan) Open(ctx context.Context) error {
	s.recs = append([]arrow.Record(nil), s.wt.recs...)
	for _, r := range s.recs {
		r.Retain()
	}
	s.next = 0
	return nil
}

func (s *WorkTableScan) Next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.next >= len(s.recs) {
		return nil, io.EOF
	}
	s.next++
	return s.recs[s.next-1], nil
}

func (s *WorkTableScan) Close() error {
	releaseRecords(s.recs)
	s.recs = nil
	return nil
}

// NewRecursiveCTE evaluates WITH RECURSIVE name: the anchor's rows, then
// the rows of step run again and again over the rows the previous run
// produced (in work), until a run produces none. distinct (UNION) drops
// every row seen before, which also ends cycles; UNION ALL keeps them.
// step builds a fresh plan for each run. A run past maxDepth that still
// produces rows is an error.
func NewRecursiveCTE(name string, anchor Operator, step func() (Operator, error), work *WorkTable, distinct bool, maxDepth int) Operator {
	return &RecursiveCTE{name: name, anchor: anchor, stepPlan: step, work: work, distinct: distinct, maxDepth: maxDepth}
}

// RecursiveCTE iterates a recursive CTE to its fixed point.
type RecursiveCTE struct {
	name     string
	anchor   Operator
	stepPlan func() (Operator, error)
	work     *WorkTable
	distinct bool
	maxDepth int

	mem       memory.Allocator
	inAnchor  bool
	step      Operator // the running iteration
	iteration int
	produced  []arrow.Record // this iteration's rows: the next work table
	seen      keyTable
	ids       []uint32
	shown     Operator // the recursive part as EXPLAIN shows it
	out       batchHolder
	closed    bool
}

func (r *RecursiveCTE) Schema() *arrow.Schema { return r.work.schema }
func (r *RecursiveCTE) Children() []Operator {
	// EXPLAIN shows the recursive part as planned, not a running copy.
	if r.shown == nil {
		step, err := r.stepPlan()
		if err != nil {
			return []Operator{r.anchor}
		}
		r.shown = step
	}
	return []Operator{r.anchor, r.shown}
}
func (r *RecursiveCTE) Explain() string {
	op := "UNION ALL"
	if r.distinct {
		op = "UNION"
	}
	return fmt.Sprintf("RecursiveCTE %s %s", r.name, op)
}

func (r *RecursiveCTE) Open(ctx context.Context) error {
	r.mem = Allocator(ctx)
	r.inAnchor = true
	r.seen.reset()
	return r.anchor.Open(ctx)
}

func (r *RecursiveCTE) Next(ctx context.Context) (arrow.Record, error) {
	r.out.release()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var src Operator
		switch {
		case r.inAnchor:
			src = r.anchor
		case r.step != nil:
			src = r.step
		default:
			if len(r.produced) == 0 {
				return nil, io.EOF
			}
			r.iteration++
			r.work.set(r.produced)
			r.produced = nil
			step, err := r.stepPlan()
			if err != nil {
				return nil, err
			}
			r.step = step
			if err := step.Open(ctx); err != nil {
				return nil, err
			}
			continue
		}
		rec, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			if r.inAnchor {
				r.inAnchor = false
			} else {
				err = r.step.Close()
				r.step = nil
				if err != nil {
					return nil, err
				}
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		out, err := r.keep(rec)
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		if !r.inAnchor && r.iteration > r.maxDepth {
			out.Release()
			return nil, fmt.Errorf("recursive common table expression %q aborted after %d iterations: its recursive part still produces rows past the depth limit of %d (MySQL's cte_max_recursion_depth)", r.name, r.iteration, r.maxDepth)
		}
		out.Retain()
		r.produced = append(r.produced, out)
		return r.out.set(out), nil
	}
}

// keep returns the rows of rec to output (all, or for UNION those not
// seen before) under the CTE's schema; nil when none is left.
func (r *RecursiveCTE) keep(rec arrow.Record) (arrow.Record, error) {
	schema := r.Schema()
	if !r.distinct {
		return rewrap(schema, rec), nil
	}
	n := int(rec.NumRows())
	r.ids = resize(r.ids, n)
	rows, err := r.seen.assign(rec.Columns(), n, r.ids)
	if err != nil {
		return nil, fmt.Errorf("recursive common table expression %q: %w", r.name, err)
	}
	switch len(rows) {
	case 0:
		return nil, nil
	case n:
		return rewrap(schema, rec), nil
	}
	return takeRecord(r.mem, schema, rec, rows)
}

func (r *RecursiveCTE) Close() error {
	r.out.release()
	releaseRecords(r.produced)
	r.produced = nil
	r.work.set(nil)
	r.seen.reset()
	if r.closed {
		return nil
	}
	r.closed = true
	var first error
	if r.step != nil {
		first = r.step.Close()
		r.step = nil
	}
	if err := r.anchor.Close(); err != nil && first == nil {
		first = err
	}
	if r.shown != nil {
		if err := r.shown.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
