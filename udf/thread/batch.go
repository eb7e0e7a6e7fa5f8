//go:build cgo

package thread

// #include "bridge.h"
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/cdata"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// batchStructs is the C memory the batches of one evaluator cross in:
// ArrowArray and ArrowSchema structs for the input and the output, reused
// for every batch.
type batchStructs struct{ c *C.tp_batch }

func newBatchStructs() batchStructs {
	return batchStructs{(*C.tp_batch)(C.calloc(1, C.sizeof_tp_batch))}
}

// reset zeroes the structs, as exporting into them requires. Call it only
// once everything exported into them was taken or released.
func (b batchStructs) reset() { *b.c = C.tp_batch{} }

// free releases what the structs still hold and frees them.
func (b batchStructs) free() {
	C.tp_release_struct(&b.c.in, &b.c.in_schema)
	C.tp_release_struct(&b.c.out, &b.c.out_schema)
	C.free(unsafe.Pointer(b.c))
}

// exportInput exports rec, of struct type st (structOf its schema), into
// the input structs, with its schema when withSchema: through xs when its
// columns are flat, else through cdata.
func (b batchStructs) exportInput(rec arrow.Record, st *arrow.StructType, withSchema bool, xs *inputExports) {
	if withSchema {
		cdata.ExportArrowSchema(rec.Schema(), (*cdata.CArrowSchema)(unsafe.Pointer(&b.c.in_schema)))
	}
	if !xs.exportFlat(rec, &b.c.in) {
		exportRecord(rec, st, &b.c.in)
	}
}

// inputTaken tells whether the consumer has moved (or released) the input.
func (b batchStructs) inputTaken() bool { return b.c.in.release == nil }

// addresses are those of the input and output structs, as Python takes
// them.
func (b batchStructs) addresses() (in, inSchema, out, outSchema uintptr) {
	return uintptr(unsafe.Pointer(&b.c.in)), uintptr(unsafe.Pointer(&b.c.in_schema)),
		uintptr(unsafe.Pointer(&b.c.out)), uintptr(unsafe.Pointer(&b.c.out_schema))
}

// importOutput takes over the output batch, read with schema, its struct
// type st and its flatLayouts flat, or with the schema exported beside it
// when schema is nil.
func (b batchStructs) importOutput(schema *arrow.Schema, st *arrow.StructType, flat []int) (arrow.Record, error) {
	if schema != nil {
		if rec, ok, err := importFlat(&b.c.out, schema, flat); ok {
			return rec, err
		}
	}
	return importRecord(&b.c.out, schema, st, &b.c.out_schema)
}

// structOf is the struct type the C Data Interface carries a record batch
// of schema as. Evaluators make it once per schema: arrow.StructOf builds
// a map of the field names, which cost a microsecond a batch.
func structOf(schema *arrow.Schema) *arrow.StructType {
	return arrow.StructOf(schema.Fields()...)
}

// importOutputSchema takes over the schema in the output schema struct.
func (b batchStructs) importOutputSchema() (*arrow.Schema, error) {
	return importSchema(&b.c.out_schema)
}

// pinnedBatches counts exported batches Python has not released yet.
var pinnedBatches atomic.Int64

// exportRecord exports rec, of struct type st, into arr through cdata,
// without copying its buffers. They are pinned until Python releases the
// batch: C keeps pointers to them after the cgo call returns. arr must be
// zeroed C memory.
func exportRecord(rec arrow.Record, st *arrow.StructType, arr *C.struct_ArrowArray) {
	pins := new(runtime.Pinner)
	children := make([]arrow.ArrayData, rec.NumCols())
	for i, col := range rec.Columns() {
		pinData(pins, col.Data())
		children[i] = col.Data()
	}
	// What cdata.ExportArrowRecordBatch does, with the struct type made
	// once.
	data := array.NewData(st, int(rec.NumRows()), []*memory.Buffer{nil}, children, 0, 0)
	parent := array.NewStructData(data)
	data.Release()
	cdata.ExportArrowArray(parent, (*cdata.CArrowArray)(unsafe.Pointer(arr)), nil)
	parent.Release()
	pinnedBatches.Add(1)
	C.tp_pin_release(arr, C.uintptr_t(cgo.NewHandle(pins)))
}

// pinData pins the buffers of d, its children and its dictionary. Pin
// ignores memory that is not Go's (buffers imported from C).
func pinData(pins *runtime.Pinner, d arrow.ArrayData) {
	for _, b := range d.Buffers() {
		if b != nil && b.Len() > 0 {
			pins.Pin(&b.Bytes()[0])
		}
	}
	for _, c := range d.Children() {
		pinData(pins, c)
	}
	// Dictionary returns a typed nil *array.Data when there is none.
	if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
		pinData(pins, dict)
	}
}

// importSchema imports and releases a C schema.
func importSchema(s *C.struct_ArrowSchema) (*arrow.Schema, error) {
	return cdata.ImportCArrowSchema((*cdata.CArrowSchema)(unsafe.Pointer(s)))
}

// importRecord takes over the batch in arr, read with schema and its
// struct type st (schema nil: the schema in cschema, which it releases).
// On failure it releases arr.
func importRecord(arr *C.struct_ArrowArray, schema *arrow.Schema, st *arrow.StructType, cschema *C.struct_ArrowSchema) (arrow.Record, error) {
	carr := (*cdata.CArrowArray)(unsafe.Pointer(arr))
	var rec arrow.Record
	var err error
	if schema != nil {
		// What cdata.ImportCRecordBatchWithSchema does, with the struct
		// type made once.
		var parent arrow.Array
		parent, err = cdata.ImportCArrayWithType(carr, st)
		if err == nil {
			rec, err = recordOf(parent.(*array.Struct), schema)
			parent.Release()
		}
	} else {
		rec, err = cdata.ImportCRecordBatch(carr, (*cdata.CArrowSchema)(unsafe.Pointer(cschema)))
	}
	if err != nil {
		C.tp_release_struct(arr, cschema)
		return nil, err
	}
	return rec, nil
}

// recordOf is the record batch of a struct array's fields, or an error
// when they do not match schema.
func recordOf(parent *array.Struct, schema *arrow.Schema) (arrow.Record, error) {
	cols := make([]arrow.Array, parent.NumField())
	for i := range cols {
		cols[i] = parent.Field(i)
	}
	return newRecord(schema, cols, int64(parent.Len()))
}

// inputExport is one input batch exported by exportFlat, until Python has
// released it and a sweep has let go of what it holds.
type inputExport struct {
	block *C.tp_export
	size  uintptr // bytes of C memory at block
	pins  runtime.Pinner
	rec   arrow.Record
}

func (x *inputExport) released() bool {
	return atomic.LoadInt32((*int32)(unsafe.Pointer(&x.block.released))) == 1
}

// inputExports are the batches one evaluator exported with exportFlat and
// Python may still hold. Not safe for concurrent use: the evaluator's lock
// guards it.
type inputExports struct {
	live  []*inputExport
	spare *inputExport // a released block kept for the next batch
}

// orphans are exports of closed evaluators that Python still held; any
// sweep lets go of those released since.
var orphans struct {
	sync.Mutex
	n    atomic.Int64
	list []*inputExport
}

// flatLayout is the number of buffers of a flat type, 0 for other types.
// Flat types have a validity bitmap and one fixed-width data buffer, or
// offsets and values, and no children: their Go buffers are the C Data
// Interface's.
func flatLayout(dt arrow.DataType) int {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DATE32,
		arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION, arrow.DECIMAL128,
		arrow.DECIMAL256, arrow.FIXED_SIZE_BINARY:
		return 2
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return 3
	}
	return 0
}

// flatLayouts are the flatLayout of each field of schema, or nil when
// one is not flat.
func flatLayouts(schema *arrow.Schema) []int {
	out := make([]int, schema.NumFields())
	for i, f := range schema.Fields() {
		if out[i] = flatLayout(f.Type); out[i] == 0 {
			return nil
		}
	}
	return out
}

// flatColumn tells whether exportFlat can export a column of data d: a
// flat type, with the buffers its layout has and no dictionary.
func flatColumn(d arrow.ArrayData) bool {
	want := flatLayout(d.DataType())
	if want == 0 {
		return false
	}
	// Dictionary returns a typed nil *array.Data when there is none.
	if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
		return false
	}
	return len(d.Buffers()) == want && len(d.Children()) == 0
}

// exportFlat exports rec into arr, the zeroed parent struct, when every
// column is flat (flatColumn), and reports whether it did. The buffers are
// Go's, pinned; the structs of the children and the buffer pointers live
// in one block of C memory whose release calls no Go (tp_export). A sweep
// after Python released the batch unpins the buffers and releases rec.
func (xs *inputExports) exportFlat(rec arrow.Record, arr *C.struct_ArrowArray) bool {
	cols := rec.Columns()
	nbuf := 1 // the parent's validity bitmap
	for _, c := range cols {
		if !flatColumn(c.Data()) {
			return false
		}
		nbuf += len(c.Data().Buffers())
	}
	n := uintptr(len(cols))
	const ptr = unsafe.Sizeof(unsafe.Pointer(nil))
	childrenAt := unsafe.Sizeof(C.tp_export{})
	pointersAt := childrenAt + n*unsafe.Sizeof(C.struct_ArrowArray{})
	buffersAt := pointersAt + n*ptr
	size := buffersAt + uintptr(nbuf)*ptr

	x := xs.spare
	if x != nil && x.size >= size {
		xs.spare = nil
		clear(unsafe.Slice((*byte)(unsafe.Pointer(x.block)), x.size))
	} else {
		x = &inputExport{block: (*C.tp_export)(C.calloc(1, C.size_t(size))), size: size}
	}
	base := unsafe.Pointer(x.block)
	children := unsafe.Slice((*C.struct_ArrowArray)(unsafe.Add(base, childrenAt)), n)
	pointers := unsafe.Slice((**C.struct_ArrowArray)(unsafe.Add(base, pointersAt)), n)
	buffers := unsafe.Slice((*unsafe.Pointer)(unsafe.Add(base, buffersAt)), nbuf)
	zero := unsafe.Pointer(&C.tp_zero_region[0])

	x.block.live = C.int64_t(1 + n)
	arr.length = C.int64_t(rec.NumRows())
	arr.n_buffers = 1
	arr.buffers = (*unsafe.Pointer)(unsafe.Pointer(&buffers[0])) // buffers[0]: no validity
	arr.n_children = C.int64_t(n)
	if n > 0 {
		arr.children = (**C.struct_ArrowArray)(unsafe.Pointer(&pointers[0]))
	}
	arr.private_data = base
	next := 1
	for i, c := range cols {
		d := c.Data()
		child := &children[i]
		bufs := d.Buffers()
		child.length = C.int64_t(d.Len())
		child.null_count = C.int64_t(d.NullN())
		child.offset = C.int64_t(d.Offset())
		child.n_buffers = C.int64_t(len(bufs))
		child.buffers = (*unsafe.Pointer)(unsafe.Pointer(&buffers[next]))
		for j, b := range bufs {
			switch {
			case b != nil && b.Len() > 0:
				p := &b.Bytes()[0]
				x.pins.Pin(p)
				buffers[next+j] = unsafe.Pointer(p)
			case j > 0:
				buffers[next+j] = zero
			}
		}
		next += len(bufs)
		child.private_data = base
		child.release = (*[0]byte)(C.tp_export_release_child)
		pointers[i] = child
	}
	arr.release = (*[0]byte)(C.tp_export_release)
	rec.Retain()
	x.rec = rec
	xs.live = append(xs.live, x)
	pinnedBatches.Add(1)
	return true
}

// sweep lets go of the batches Python has released: unpins their buffers
// and releases their records.
func (xs *inputExports) sweep() {
	kept := xs.live[:0]
	for _, x := range xs.live {
		if !x.released() {
			kept = append(kept, x)
			continue
		}
		x.letGo()
		if xs.spare == nil {
			xs.spare = x
		} else {
			C.free(unsafe.Pointer(x.block))
		}
	}
	clear(xs.live[len(kept):])
	xs.live = kept
	if orphans.n.Load() > 0 {
		sweepOrphans()
	}
}

func (x *inputExport) letGo() {
	x.pins.Unpin()
	x.rec.Release()
	x.rec = nil
	pinnedBatches.Add(-1)
}

// close sweeps, frees the spare block and hands the batches Python still
// holds to the orphans.
func (xs *inputExports) close() {
	xs.sweep()
	if xs.spare != nil {
		C.free(unsafe.Pointer(xs.spare.block))
		xs.spare = nil
	}
	if len(xs.live) > 0 {
		orphans.Lock()
		orphans.list = append(orphans.list, xs.live...)
		orphans.n.Store(int64(len(orphans.list)))
		orphans.Unlock()
		xs.live = nil
	}
}

func sweepOrphans() {
	orphans.Lock()
	defer orphans.Unlock()
	kept := orphans.list[:0]
	for _, x := range orphans.list {
		if x.released() {
			x.letGo()
			C.free(unsafe.Pointer(x.block))
		} else {
			kept = append(kept, x)
		}
	}
	clear(orphans.list[len(kept):])
	orphans.list = kept
	orphans.n.Store(int64(len(kept)))
}

// flatImport holds an output batch importFlat took over: its C struct,
// moved into Go memory, is released when the last of its buffers is.
type flatImport struct {
	arr  C.struct_ArrowArray
	live atomic.Int64 // the buffers not yet freed, plus one while importing
}

func (f *flatImport) Allocate(int) []byte           { panic("thread: flatImport does not allocate") }
func (f *flatImport) Reallocate(int, []byte) []byte { panic("thread: flatImport does not allocate") }

// Free is called by each imported buffer's last Release.
func (f *flatImport) Free([]byte) {
	if f.live.Add(-1) == 0 {
		C.tp_release_struct(&f.arr, nil)
	}
}

func (f *flatImport) buffer(p unsafe.Pointer, size int64) (*memory.Buffer, error) {
	if p == nil {
		if size != 0 {
			return nil, fmt.Errorf("a buffer of %d bytes is missing", size)
		}
		return memory.NewBufferBytes([]byte{}), nil
	}
	f.live.Add(1)
	return memory.NewBufferWithAllocator(unsafe.Slice((*byte)(p), size), f), nil
}

// importFlat takes over the output batch in arr, read with schema whose
// flatLayouts are flat (nil: not flat), when the batch has the plain shape
// pyarrow exports (no offset, no dictionary, no grandchildren): what
// cdata's import does for it, without its generic machinery. ok false
// leaves arr untouched. On an error arr is released.
func importFlat(arr *C.struct_ArrowArray, schema *arrow.Schema, flat []int) (rec arrow.Record, ok bool, err error) {
	fields := schema.Fields()
	if flat == nil || int(arr.n_children) != len(fields) || arr.offset != 0 || arr.null_count > 0 ||
		arr.dictionary != nil || arr.release == nil {
		return nil, false, nil
	}
	children := unsafe.Slice(arr.children, len(fields))
	for i := range fields {
		c := children[i]
		if c.n_children != 0 || c.dictionary != nil || int(c.n_buffers) != flat[i] || c.length < 0 || c.offset < 0 {
			return nil, false, nil
		}
	}
	f := &flatImport{arr: *arr}
	arr.release = nil // moved
	f.live.Store(1)
	defer f.Free(nil)
	cols := make([]arrow.Array, len(fields))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, field := range fields {
		c := children[i]
		cbufs := unsafe.Slice(c.buffers, c.n_buffers)
		n := int64(c.length) + int64(c.offset)
		bufs := make([]*memory.Buffer, len(cbufs))
		release := func() {
			for _, b := range bufs {
				if b != nil {
					b.Release()
				}
			}
		}
		if cbufs[0] != nil {
			bufs[0], _ = f.buffer(cbufs[0], int64(bitutil.BytesForBits(n)))
		} else if c.null_count > 0 {
			return nil, true, fmt.Errorf("column %q has %d NULLs and no validity bitmap", field.Name, c.null_count)
		}
		if flat[i] == 3 {
			width := int64(4)
			if id := field.Type.ID(); id == arrow.LARGE_STRING || id == arrow.LARGE_BINARY {
				width = 8
			}
			var values int64
			if n > 0 || cbufs[1] != nil {
				if cbufs[1] == nil {
					release()
					return nil, true, fmt.Errorf("column %q has no offsets", field.Name)
				}
				if width == 4 {
					values = int64(unsafe.Slice((*int32)(cbufs[1]), n+1)[n])
				} else {
					values = unsafe.Slice((*int64)(cbufs[1]), n+1)[n]
				}
			}
			bufs[1], err = f.buffer(cbufs[1], width*(n+1))
			if err == nil {
				bufs[2], err = f.buffer(cbufs[2], values)
			}
		} else {
			bits := int64(field.Type.(arrow.FixedWidthDataType).BitWidth())
			bufs[1], err = f.buffer(cbufs[1], int64(bitutil.BytesForBits(n*bits)))
		}
		if err != nil {
			release()
			return nil, true, fmt.Errorf("column %q: %w", field.Name, err)
		}
		data := array.NewData(field.Type, int(c.length), bufs, nil, int(c.null_count), int(c.offset))
		release()
		cols[i] = array.MakeFromData(data)
		data.Release()
	}
	rec, err = newRecord(schema, cols, int64(f.arr.length))
	return rec, true, err
}

// newRecord is array.NewRecord, whose panic on columns that do not match
// the schema is an error here.
func newRecord(schema *arrow.Schema, cols []arrow.Array, rows int64) (rec arrow.Record, err error) {
	defer func() {
		if r := recover(); r != nil {
			rec, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return array.NewRecord(schema, cols, rows), nil
}
