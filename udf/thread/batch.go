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

// importOutput takes over the output batch, read with schema and its
// struct type st, or with the schema exported beside it when schema is nil.
func (b batchStructs) importOutput(schema *arrow.Schema, st *arrow.StructType) (arrow.Record, error) {
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

// recordOf is the record batch of a struct array's fields. array.NewRecord
// panics on columns that do not match the schema: that is an error here.
func recordOf(parent *array.Struct, schema *arrow.Schema) (rec arrow.Record, err error) {
	defer func() {
		if r := recover(); r != nil {
			rec, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return array.RecordFromStructArray(parent, schema), nil
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

// flatColumn tells whether exportFlat can export a column of data d: the
// types whose Go buffers are the C Data Interface's, validity bitmap
// first, with no children or dictionary.
func flatColumn(d arrow.ArrayData) bool {
	want := 2
	switch d.DataType().ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DATE32,
		arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION, arrow.DECIMAL128,
		arrow.DECIMAL256, arrow.FIXED_SIZE_BINARY:
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		want = 3
	default:
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
