//go:build cgo

package thread

// #include "bridge.h"
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/cdata"
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

// exportInput exports rec into the input structs, with its schema when
// withSchema.
func (b batchStructs) exportInput(rec arrow.Record, withSchema bool) {
	var schema *C.struct_ArrowSchema
	if withSchema {
		schema = &b.c.in_schema
	}
	exportRecord(rec, &b.c.in, schema)
}

// inputTaken tells whether the consumer has moved (or released) the input.
func (b batchStructs) inputTaken() bool { return b.c.in.release == nil }

// addresses are those of the input and output structs, as Python takes
// them.
func (b batchStructs) addresses() (in, inSchema, out, outSchema uintptr) {
	return uintptr(unsafe.Pointer(&b.c.in)), uintptr(unsafe.Pointer(&b.c.in_schema)),
		uintptr(unsafe.Pointer(&b.c.out)), uintptr(unsafe.Pointer(&b.c.out_schema))
}

// importOutput takes over the output batch, read with schema, or with the
// schema exported beside it when schema is nil.
func (b batchStructs) importOutput(schema *arrow.Schema) (arrow.Record, error) {
	return importRecord(&b.c.out, schema, &b.c.out_schema)
}

// importOutputSchema takes over the schema in the output schema struct.
func (b batchStructs) importOutputSchema() (*arrow.Schema, error) {
	return importSchema(&b.c.out_schema)
}

// pinnedBatches counts exported batches Python has not released yet.
var pinnedBatches atomic.Int64

// exportRecord exports rec into arr (and its schema into schema, unless
// nil) without copying its buffers. They are pinned until Python releases
// the batch: C keeps pointers to them after the cgo call returns.
// arr and schema must be zeroed C memory.
func exportRecord(rec arrow.Record, arr *C.struct_ArrowArray, schema *C.struct_ArrowSchema) {
	pins := new(runtime.Pinner)
	for _, col := range rec.Columns() {
		pinData(pins, col.Data())
	}
	var cschema *cdata.CArrowSchema
	if schema != nil {
		cschema = (*cdata.CArrowSchema)(unsafe.Pointer(schema))
	}
	cdata.ExportArrowRecordBatch(rec, (*cdata.CArrowArray)(unsafe.Pointer(arr)), cschema)
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

// importRecord takes over the batch in arr, read with schema (nil: the one
// in cschema, which it releases). On failure it releases arr.
func importRecord(arr *C.struct_ArrowArray, schema *arrow.Schema, cschema *C.struct_ArrowSchema) (arrow.Record, error) {
	carr := (*cdata.CArrowArray)(unsafe.Pointer(arr))
	var rec arrow.Record
	var err error
	if schema != nil {
		rec, err = cdata.ImportCRecordBatchWithSchema(carr, schema)
	} else {
		rec, err = cdata.ImportCRecordBatch(carr, (*cdata.CArrowSchema)(unsafe.Pointer(cschema)))
	}
	if err != nil {
		C.tp_release_struct(arr, cschema)
		return nil, err
	}
	return rec, nil
}
