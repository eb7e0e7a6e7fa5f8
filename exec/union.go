package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

var (
	_ Operator  = (*UnionAll)(nil)
	_ Explainer = (*UnionAll)(nil)
	_ Operator  = (*Distinct)(nil)
	_ Explainer = (*Distinct)(nil)
)

// UnionAll passes its children's batches through, one child after the
// other, under the first child's column names.
type UnionAll struct {
	children []Operator
	current  int
	out      batchHolder
	closed   bool
}

func (u *UnionAll) Schema() *arrow.Schema {
	if len(u.children) == 0 {
		return arrow.NewSchema(nil, nil)
	}
	return u.children[0].Schema()
}
func (u *UnionAll) Children() []Operator { return u.children }
func (u *UnionAll) Explain() string      { return "UnionAll" }

func (u *UnionAll) Open(ctx context.Context) error {
	if len(u.children) == 0 {
		return fmt.Errorf("UNION ALL of no inputs")
	}
	first := u.Schema()
	for i, c := range u.children {
		s := c.Schema()
		if s.NumFields() != first.NumFields() {
			return fmt.Errorf("UNION ALL input %d has %d columns, the first has %d", i+1, s.NumFields(), first.NumFields())
		}
		for f := range s.Fields() {
			if !arrow.TypeEqual(s.Field(f).Type, first.Field(f).Type) {
				return fmt.Errorf("UNION ALL input %d column %d is %s, the first input's %q is %s",
					i+1, f+1, s.Field(f).Type, first.Field(f).Name, first.Field(f).Type)
			}
		}
	}
	u.current = 0
	for _, c := range u.children {
		if err := c.Open(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (u *UnionAll) Next(ctx context.Context) (arrow.Record, error) {
	u.out.release()
	for u.current < len(u.children) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := u.children[u.current].Next(ctx)
		if err == io.EOF {
			u.current++
			continue
		}
		if err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		return u.out.set(rewrap(u.Schema(), rec)), nil
	}
	return nil, io.EOF
}

func (u *UnionAll) Close() error {
	u.out.release()
	if u.closed {
		return nil
	}
	u.closed = true
	var first error
	for _, c := range u.children {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Distinct passes each row the first time its values are seen, through a
// set of byte-encoded rows.
type Distinct struct {
	child  Operator
	mem    memory.Allocator
	seen   map[string]struct{}
	keys   keyRows
	out    batchHolder
	closed bool
}

func (d *Distinct) Schema() *arrow.Schema { return d.child.Schema() }
func (d *Distinct) Children() []Operator  { return []Operator{d.child} }
func (d *Distinct) Explain() string       { return "Distinct" }

func (d *Distinct) Open(ctx context.Context) error {
	d.mem = Allocator(ctx)
	d.seen = map[string]struct{}{}
	return d.child.Open(ctx)
}

func (d *Distinct) Next(ctx context.Context) (arrow.Record, error) {
	d.out.release()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := d.child.Next(ctx)
		if err != nil {
			return nil, err
		}
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		if err := d.keys.encode(rec.Columns(), n); err != nil {
			return nil, fmt.Errorf("DISTINCT: %w", err)
		}
		var rows []int32
		for i := 0; i < n; i++ {
			k := d.keys.key(i)
			if _, ok := d.seen[string(k)]; !ok {
				d.seen[string(k)] = struct{}{}
				rows = append(rows, int32(i))
			}
		}
		switch len(rows) {
		case 0:
			continue
		case n:
			return d.out.set(rewrap(d.Schema(), rec)), nil
		}
		out, err := takeRecord(d.mem, d.Schema(), rec, rows)
		if err != nil {
			return nil, err
		}
		return d.out.set(out), nil
	}
}

func (d *Distinct) Close() error {
	d.out.release()
	d.seen = nil
	if d.closed {
		return nil
	}
	d.closed = true
	return d.child.Close()
}
