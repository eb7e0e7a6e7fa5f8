package exec

import (
	"fmt"

	"context"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/types"
)

// BatchSize is the most rows an operator puts in one output batch. It is
// read when an operator opens.
var BatchSize = 4096

type allocatorKey struct{}

// WithAllocator returns a context whose operators allocate from mem.
func WithAllocator(ctx context.Context, mem memory.Allocator) context.Context {
	return context.WithValue(ctx, allocatorKey{}, mem)
}

// Allocator returns the allocator carried by ctx (WithAllocator), or
// memory.DefaultAllocator.
func Allocator(ctx context.Context) memory.Allocator {
	if mem, ok := ctx.Value(allocatorKey{}).(memory.Allocator); ok && mem != nil {
		return mem
	}
	return memory.DefaultAllocator
}

func batchSize() int {
	if BatchSize < 1 {
		return 1
	}
	return BatchSize
}

// field is the output field of a computed column: nullable, carrying its
// SQL type.
func field(name string, t types.Type) arrow.Field {
	return types.Column{Name: name, Type: t, Nullable: true}.Field()
}

// batchHolder keeps the batch an operator last returned, released on the
// following Next or on Close.
type batchHolder struct{ rec arrow.Record }

func (h *batchHolder) set(r arrow.Record) arrow.Record {
	h.release()
	h.rec = r
	return r
}

func (h *batchHolder) release() {
	if h.rec != nil {
		h.rec.Release()
		h.rec = nil
	}
}

// releaseArrays releases every non-nil array of arrs.
func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

func releaseRecords(recs []arrow.Record) {
	for _, r := range recs {
		if r != nil {
			r.Release()
		}
	}
}

// newRecord makes a record of schema from cols (retained by the record;
// the caller keeps its own references), checking the column types so that
// a mismatch is an error rather than a panic in Arrow.
func newRecord(schema *arrow.Schema, cols []arrow.Array, n int) (arrow.Record, error) {
	if len(cols) != schema.NumFields() {
		return nil, fmt.Errorf("internal: %d columns for a schema of %d", len(cols), schema.NumFields())
	}
	for i, c := range cols {
		f := schema.Field(i)
		if !arrow.TypeEqual(c.DataType(), f.Type) {
			return nil, fmt.Errorf("column %q: expression produced %s, expected %s", f.Name, c.DataType(), f.Type)
		}
		if c.Len() != n {
			return nil, fmt.Errorf("column %q: %d rows, expected %d", f.Name, c.Len(), n)
		}
	}
	return array.NewRecord(schema, cols, int64(n)), nil
}

// sliceRecord returns rows [i, j) of rec under schema.
func sliceRecord(schema *arrow.Schema, rec arrow.Record, i, j int64) arrow.Record {
	cols := make([]arrow.Array, rec.NumCols())
	for c := range cols {
		cols[c] = array.NewSlice(rec.Column(c), i, j)
	}
	out := array.NewRecord(schema, cols, j-i)
	releaseArrays(cols)
	return out
}

// rewrap returns rec under schema (same columns), retained.
func rewrap(schema *arrow.Schema, rec arrow.Record) arrow.Record {
	if rec.Schema() == schema {
		rec.Retain()
		return rec
	}
	return array.NewRecord(schema, rec.Columns(), rec.NumRows())
}

// emptyArray is a zero-length array of dt.
func emptyArray(mem memory.Allocator, dt arrow.DataType) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	return b.NewArray()
}
