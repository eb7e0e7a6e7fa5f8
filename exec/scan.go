package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*TableScan)(nil)
	_ Explainer = (*TableScan)(nil)
	_ Operator  = (*Values)(nil)
	_ Explainer = (*Values)(nil)
)

// TableScan reads a snapshot of a table taken at Open, cutting its batches
// to at most BatchSize rows (slices, not copies).
type TableScan struct {
	table   *catalog.Table
	batches []arrow.Record
	next    int   // index of the batch being read
	offset  int64 // first unread row of it
	size    int64
	out     batchHolder
	report  ScanProgress // nil unless the context asks (WithScanProgress)
}

func (s *TableScan) Schema() *arrow.Schema { return s.table.Schema() }
func (s *TableScan) Explain() string       { return "TableScan " + s.table.Name }
func (s *TableScan) Children() []Operator  { return nil }

func (s *TableScan) Open(ctx context.Context) error {
	s.release()
	s.batches = s.table.Snapshot()
	s.next, s.offset, s.size = 0, 0, int64(batchSize())
	if s.report = scanProgressOf(ctx); s.report != nil {
		var total int64
		for _, b := range s.batches {
			total += b.NumRows()
		}
		s.report(0, total)
	}
	return nil
}

func (s *TableScan) Next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.out.release()
	for s.next < len(s.batches) {
		b := s.batches[s.next]
		if s.offset >= b.NumRows() {
			s.next++
			s.offset = 0
			continue
		}
		end := min(s.offset+s.size, b.NumRows())
		var out arrow.Record
		if s.offset == 0 && end == b.NumRows() {
			out = rewrap(s.Schema(), b)
		} else {
			out = sliceRecord(s.Schema(), b, s.offset, end)
		}
		s.offset = end
		if s.report != nil {
			s.report(out.NumRows(), 0)
		}
		return s.out.set(out), nil
	}
	return nil, io.EOF
}

func (s *TableScan) release() {
	s.out.release()
	releaseRecords(s.batches)
	s.batches = nil
}

func (s *TableScan) Close() error {
	s.release()
	return nil
}

// Values produces rows of constant expressions.
type Values struct {
	schema *arrow.Schema
	rows   [][]expr.Expr
	next   int
	ectx   *expr.Context
	oneRow arrow.Record
	out    batchHolder
}

func (v *Values) Schema() *arrow.Schema { return v.schema }
func (v *Values) Explain() string       { return fmt.Sprintf("Values rows=%d", len(v.rows)) }
func (v *Values) Children() []Operator  { return nil }

func (v *Values) Open(ctx context.Context) error {
	v.next = 0
	v.ectx = &expr.Context{Mem: Allocator(ctx)}
	if v.oneRow == nil {
		v.oneRow = array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)
	}
	return nil
}

func (v *Values) Next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v.out.release()
	if v.ectx == nil {
		return nil, fmt.Errorf("Values: Next before Open")
	}
	if v.next >= len(v.rows) {
		return nil, io.EOF
	}
	end := min(v.next+batchSize(), len(v.rows))
	// Each value is a one-row array of the column's type; a column is
	// their concatenation.
	parts := make([][]arrow.Array, v.schema.NumFields())
	defer func() {
		for _, p := range parts {
			releaseArrays(p)
		}
	}()
	for r := v.next; r < end; r++ {
		row := v.rows[r]
		if len(row) != len(parts) {
			return nil, fmt.Errorf("VALUES row %d has %d values, expected %d", r+1, len(row), len(parts))
		}
		for c, e := range row {
			f := v.schema.Field(c)
			arr, err := e.Eval(v.ectx, v.oneRow)
			if err != nil {
				return nil, fmt.Errorf("VALUES row %d column %q: %w", r+1, f.Name, err)
			}
			if arr.DataType().ID() == arrow.NULL && f.Type.ID() != arrow.NULL {
				arr.Release()
				arr = array.MakeArrayOfNull(v.ectx.Mem, f.Type, 1)
			}
			parts[c] = append(parts[c], arr)
			if !arrow.TypeEqual(arr.DataType(), f.Type) {
				return nil, fmt.Errorf("VALUES row %d column %q: value of type %s, expected %s", r+1, f.Name, arr.DataType(), f.Type)
			}
		}
	}
	cols := make([]arrow.Array, len(parts))
	defer releaseArrays(cols)
	for c, p := range parts {
		var err error
		if cols[c], err = array.Concatenate(p, v.ectx.Mem); err != nil {
			return nil, fmt.Errorf("VALUES column %q: %w", v.schema.Field(c).Name, err)
		}
	}
	n := end - v.next
	v.next = end
	rec, err := newRecord(v.schema, cols, n)
	if err != nil {
		return nil, err
	}
	return v.out.set(rec), nil
}

func (v *Values) Close() error {
	v.out.release()
	if v.oneRow != nil {
		v.oneRow.Release()
		v.oneRow = nil
	}
	return nil
}
