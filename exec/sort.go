package exec

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*Sort)(nil)
	_ Explainer = (*Sort)(nil)
)

// Sort materialises its input, sorts a permutation of the rows (stable)
// and gathers the output a batch at a time.
type Sort struct {
	child  Operator
	keys   []SortKey
	ectx   *expr.Context
	input  arrow.Record // the whole input, once read
	perm   []int32
	next   int
	sorted bool
	out    batchHolder
	done   bool
}

func (s *Sort) Schema() *arrow.Schema { return s.child.Schema() }
func (s *Sort) Children() []Operator  { return []Operator{s.child} }
func (s *Sort) Explain() string       { return "Sort keys=[" + formatSortKeys(s.keys) + "]" }

func formatSortKeys(keys []SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Expr.String()
		if k.Desc {
			parts[i] += " DESC"
		}
		// MySQL's default puts NULLs first ascending and last descending.
		if k.NullsFirst == k.Desc {
			if k.NullsFirst {
				parts[i] += " NULLS FIRST"
			} else {
				parts[i] += " NULLS LAST"
			}
		}
	}
	return strings.Join(parts, ", ")
}

func (s *Sort) Open(ctx context.Context) error {
	s.ectx = &expr.Context{Mem: Allocator(ctx)}
	return s.child.Open(ctx)
}

func (s *Sort) Next(ctx context.Context) (arrow.Record, error) {
	s.out.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !s.sorted {
		if err := s.sort(ctx); err != nil {
			return nil, err
		}
		s.sorted = true
	}
	if s.next >= len(s.perm) {
		return nil, io.EOF
	}
	end := min(s.next+batchSize(), len(s.perm))
	out, err := takeRecord(s.ectx.Mem, s.Schema(), s.input, s.perm[s.next:end])
	if err != nil {
		return nil, err
	}
	s.next = end
	return s.out.set(out), nil
}

func (s *Sort) sort(ctx context.Context) error {
	input, err := drain(ctx, s.child, s.ectx.Mem)
	if err != nil {
		return err
	}
	s.input = input
	s.perm, err = sortedPermutation(s.ectx, input, s.keys)
	return err
}

// sortedPermutation returns the row order of rec by keys, stable.
func sortedPermutation(ectx *expr.Context, rec arrow.Record, keys []SortKey) ([]int32, error) {
	exprs := make([]expr.Expr, len(keys))
	for i, k := range keys {
		exprs[i] = k.Expr
	}
	cols, err := evalExprs(ectx, exprs, rec)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(cols)
	order, err := newOrderKeys(cols, keys, false)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return identity(int(rec.NumRows())), nil
	}
	return order.sorted(), nil
}

// drain reads all of op's output into one record allocated from mem.
func drain(ctx context.Context, op Operator, mem memory.Allocator) (arrow.Record, error) {
	var batches []arrow.Record
	defer func() { releaseRecords(batches) }()
	for {
		rec, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		batches = append(batches, rec)
	}
	return concatRecords(mem, op.Schema(), batches)
}

func (s *Sort) Close() error {
	s.out.release()
	if s.input != nil {
		s.input.Release()
		s.input = nil
	}
	s.perm = nil
	if s.done {
		return nil
	}
	s.done = true
	return s.child.Close()
}
