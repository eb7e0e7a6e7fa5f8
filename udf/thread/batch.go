//go:build cgo

package thread

// #include "bridge.h"
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
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
// the input structs, with its schema when withSchema.
func (b batchStructs) exportInput(rec arrow.Record, st *arrow.StructType, withSchema bool) {
	var schema *C.struct_ArrowSchema
	if withSchema {
		schema = &b.c.in_schema
	}
	exportRecord(rec, st, &b.c.in, schema)
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

// exportRecord exports rec, of struct type st, into arr (and its schema
// into schema, unless nil) without copying its buffers. They are pinned
// until Python releases the batch: C keeps pointers to them after the cgo
// call returns. arr and schema must be zeroed C memory.
func exportRecord(rec arrow.Record, st *arrow.StructType, arr *C.struct_ArrowArray, schema *C.struct_ArrowSchema) {
	pins := new(runtime.Pinner)
	children := make([]arrow.ArrayData, rec.NumCols())
	for i, col := range rec.Columns() {
		pinData(pins, col.Data())
		children[i] = col.Data()
	}
	if schema != nil {
		cdata.ExportArrowSchema(rec.Schema(), (*cdata.CArrowSchema)(unsafe.Pointer(schema)))
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
