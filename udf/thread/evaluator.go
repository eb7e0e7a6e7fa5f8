//go:build cgo

package thread

// #include "bridge.h"
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// evaluator is one operation open in the embedded interpreter.
type evaluator struct {
	rt   *Runtime
	kind udfpb.Operation_Kind
	name string // the functions' SQL names, for errors

	// mu serialises calls, so that Close waits for a running Send.
	mu     sync.Mutex
	closed bool

	handle    *C.PyObject   // taipan.embedded.Handle
	batch     batchStructs  // the C structs batches cross in
	call      *C.tp_call    // Go memory, read and written by C under the GIL
	gen       uint64        // generation of the latest call
	inSchema  *arrow.Schema // the input schema Python holds; nil: send it
	inStruct  *arrow.StructType
	outSchema *arrow.Schema
	outStruct *arrow.StructType
	outFlat   []int          // flatLayouts(outSchema)
	pending   []arrow.Record // outputs not yet received, oldest first
	exports   inputExports   // input batches Python may still hold
}

func newEvaluator(ctx context.Context, rt *Runtime, kind udfpb.Operation_Kind, name string, desc []byte) (*evaluator, error) {
	e := &evaluator{
		rt:    rt,
		kind:  kind,
		name:  name,
		batch: newBatchStructs(),
		call:  new(C.tp_call),
	}
	if len(desc) == 0 {
		// An empty message is still bytes, not the None a NULL would make.
		desc = make([]byte, 0, 1)
	}
	var cerr C.tp_error
	var handle *C.PyObject
	e.gen++
	stop := watch(ctx, e.call, e.gen)
	runtime.LockOSThread()
	rc := C.tp_create((*C.char)(unsafe.Pointer(unsafe.SliceData(desc))), C.Py_ssize_t(len(desc)),
		&e.batch.c.out_schema, &handle, e.call, C.uint64_t(e.gen), &cerr)
	runtime.UnlockOSThread()
	runtime.KeepAlive(desc)
	if stop != nil {
		stop()
	}
	if rc != C.TP_OK {
		e.batch.free()
		return nil, failure(ctx, rc, &cerr, name)
	}
	e.handle = handle
	schema, err := e.batch.importOutputSchema()
	if err != nil {
		e.Close()
		return nil, &udf.Error{Function: name, Message: fmt.Sprintf("the output schema does not import: %v", err)}
	}
	e.outSchema, e.outStruct, e.outFlat = schema, structOf(schema), flatLayouts(schema)
	return e, nil
}

func (e *evaluator) usable(ctx context.Context) error {
	if e.closed {
		return &udf.Error{Function: e.name, Message: "the evaluator is closed"}
	}
	if e.rt.closed.Load() {
		return errClosed
	}
	return ctx.Err()
}

// Send runs in's batch through the operation at once; its output, if any,
// waits for Receive.
func (e *evaluator) Send(ctx context.Context, in arrow.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.usable(ctx); err != nil {
		return err
	}
	e.batch.reset()
	withArray, withSchema := in.NumCols() > 0, false
	if withArray {
		// Python keeps the input schema: send it only when it changes.
		if e.inSchema == nil || !e.inSchema.Equal(in.Schema()) {
			withSchema = true
			e.inSchema, e.inStruct = in.Schema(), structOf(in.Schema())
		}
		e.batch.exportInput(in, e.inStruct, withSchema, &e.exports)
	}
	e.gen++
	stop := watch(ctx, e.call, e.gen)
	var cerr C.tp_error
	runtime.LockOSThread()
	rc := C.tp_process(e.handle, e.batch.c, cbool(withArray), cbool(withSchema), C.int64_t(in.NumRows()),
		e.call, C.uint64_t(e.gen), &cerr)
	runtime.UnlockOSThread()
	// Python released the input when it dropped it, usually before
	// returning.
	e.exports.sweep()
	if stop != nil {
		stop()
	}
	out, err := e.output(ctx, rc, &cerr)
	if err != nil {
		// Python may not have taken the new schema.
		e.inSchema = nil
		return err
	}
	if out != nil {
		e.pending = append(e.pending, out)
	}
	return nil
}

// Receive returns the oldest output not yet received. It never waits (Send
// did the work), so it hands over an output even when ctx is done: outputs
// stay in step with the batches sent.
func (e *evaluator) Receive(ctx context.Context) (arrow.Record, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.usable(context.Background()); err != nil {
		return nil, err
	}
	if len(e.pending) == 0 {
		return nil, &udf.Error{Function: e.name, Message: fmt.Sprintf("Receive without a batch sent: a %s operation gives no output per batch", e.kind)}
	}
	out := e.pending[0]
	e.pending[0] = nil
	e.pending = e.pending[1:]
	return out, nil
}

// Finish ends the input and returns the operation's final output (nil for
// SCALAR and TABLE).
func (e *evaluator) Finish(ctx context.Context) (arrow.Record, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.usable(ctx); err != nil {
		return nil, err
	}
	e.batch.reset()
	e.gen++
	stop := watch(ctx, e.call, e.gen)
	var cerr C.tp_error
	runtime.LockOSThread()
	rc := C.tp_finish(e.handle, e.batch.c, e.call, C.uint64_t(e.gen), &cerr)
	runtime.UnlockOSThread()
	if stop != nil {
		stop()
	}
	return e.output(ctx, rc, &cerr)
}

// output is the record a batch call left in the output structs, or its
// error.
func (e *evaluator) output(ctx context.Context, rc C.int, cerr *C.tp_error) (arrow.Record, error) {
	switch rc {
	case C.TP_OK:
		return nil, nil
	case C.TP_BATCH, C.TP_BATCH_SCHEMA:
		schema, st := e.outSchema, e.outStruct
		if rc == C.TP_BATCH_SCHEMA {
			schema = nil // read it from the schema exported beside the batch
		}
		rec, err := e.batch.importOutput(schema, st, e.outFlat)
		if err != nil {
			return nil, &udf.Error{Function: e.name, Message: fmt.Sprintf("the output batch does not import: %v", err)}
		}
		return rec, nil
	}
	return nil, failure(ctx, rc, cerr, e.name)
}

// Close closes the operation (its functions' close()) and frees it. It
// waits for a call running on another goroutine; safe to call twice.
func (e *evaluator) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	for _, r := range e.pending {
		r.Release()
	}
	e.pending = nil
	var err error
	if e.handle != nil {
		var cerr C.tp_error
		runtime.LockOSThread()
		rc := C.tp_close(e.handle, &cerr)
		runtime.UnlockOSThread()
		e.handle = nil
		if rc != C.TP_OK {
			err = failure(context.Background(), rc, &cerr, e.name)
		}
	}
	e.batch.free()
	e.batch = batchStructs{}
	e.exports.close()
	return err
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

var _ udf.Evaluator = (*evaluator)(nil)
