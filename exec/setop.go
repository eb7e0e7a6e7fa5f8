package exec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*SetOp)(nil)
	_ Explainer = (*SetOp)(nil)
)

// SetOpKind is INTERSECT or EXCEPT.
type SetOpKind int

const (
	Intersect SetOpKind = iota
	Except
)

func (k SetOpKind) String() string {
	if k == Except {
		return "EXCEPT"
	}
	return "INTERSECT"
}

// NewSetOp computes left INTERSECT right or left EXCEPT right over whole
// rows, NULLs equal to each other. DISTINCT (all false) outputs each
// qualifying row once; ALL keeps multiplicities as MySQL 8.0.31 does:
// INTERSECT ALL a row min(m, n) times, EXCEPT ALL max(m - n, 0) times,
// for m copies on the left and n on the right. The inputs have the same
// column types; names come from the left.
func NewSetOp(left, right Operator, kind SetOpKind, all bool) Operator {
	return &SetOp{left: left, right: right, kind: kind, all: all}
}

// SetOp counts the right side's rows by their key in a keyTable, then
// streams the left side through the same table.
type SetOp struct {
	left, right Operator
	kind        SetOpKind
	all         bool

	ectx    *expr.Context
	built   bool
	table   keyTable
	counts  []int64 // by group id: copies still on the right
	emitted []bool  // by group id (DISTINCT): already output
	ids     []uint32
	out     batchHolder
	closed  bool
}

func (s *SetOp) Schema() *arrow.Schema { return s.left.Schema() }
func (s *SetOp) Children() []Operator  { return []Operator{s.left, s.right} }
func (s *SetOp) Explain() string {
	if s.all {
		return s.kind.String() + " ALL"
	}
	return s.kind.String()
}

func (s *SetOp) Open(ctx context.Context) error {
	s.ectx = &expr.Context{Mem: Allocator(ctx)}
	l, r := s.left.Schema(), s.right.Schema()
	if l.NumFields() != r.NumFields() {
		return fmt.Errorf("%s inputs have %d and %d columns", s.kind, l.NumFields(), r.NumFields())
	}
	for i := range l.Fields() {
		if !arrow.TypeEqual(l.Field(i).Type, r.Field(i).Type) {
			return fmt.Errorf("%s input column %d is %s on the left and %s on the right", s.kind, i+1, l.Field(i).Type, r.Field(i).Type)
		}
	}
	if err := s.left.Open(ctx); err != nil {
		return err
	}
	return s.right.Open(ctx)
}

// grow makes room for group ids up to the table's size.
func (s *SetOp) grow() {
	for len(s.counts) < s.table.len() {
		s.counts = append(s.counts, 0)
		s.emitted = append(s.emitted, false)
	}
}

func (s *SetOp) build(ctx context.Context) error {
	s.table.reset()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := s.right.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		s.ids = resize(s.ids, n)
		if _, err := s.table.assign(rec.Columns(), n, s.ids); err != nil {
			return fmt.Errorf("%s: %w", s.kind, err)
		}
		s.grow()
		for _, id := range s.ids[:n] {
			s.counts[id]++
		}
	}
}

func (s *SetOp) Next(ctx context.Context) (arrow.Record, error) {
	s.out.release()
	if s.ectx == nil {
		return nil, fmt.Errorf("SetOp: Next before Open")
	}
	if !s.built {
		if err := s.build(ctx); err != nil {
			return nil, err
		}
		s.built = true
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := s.left.Next(ctx)
		if err != nil {
			return nil, err
		}
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		s.ids = resize(s.ids, n)
		if _, err := s.table.assign(rec.Columns(), n, s.ids); err != nil {
			return nil, fmt.Errorf("%s: %w", s.kind, err)
		}
		s.grow()
		var rows []int32
		for i, id := range s.ids[:n] {
			if s.keep(id) {
				rows = append(rows, int32(i))
			}
		}
		switch len(rows) {
		case 0:
			continue
		case n:
			return s.out.set(rewrap(s.Schema(), rec)), nil
		}
		out, err := takeRecord(s.ectx.Mem, s.Schema(), rec, rows)
		if err != nil {
			return nil, err
		}
		return s.out.set(out), nil
	}
}

// keep decides one left row of group id.
func (s *SetOp) keep(id uint32) bool {
	switch {
	case s.kind == Intersect && s.all:
		if s.counts[id] > 0 {
			s.counts[id]--
			return true
		}
		return false
	case s.kind == Except && s.all:
		if s.counts[id] > 0 {
			s.counts[id]--
			return false
		}
		return true
	}
	if s.emitted[id] || (s.counts[id] > 0) != (s.kind == Intersect) {
		return false
	}
	s.emitted[id] = true
	return true
}

func (s *SetOp) Close() error {
	s.out.release()
	s.table.reset()
	s.counts, s.emitted = nil, nil
	if s.closed {
		return nil
	}
	s.closed = true
	errL := s.left.Close()
	errR := s.right.Close()
	if errL != nil {
		return errL
	}
	return errR
}
