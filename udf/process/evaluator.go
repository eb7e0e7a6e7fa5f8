package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/flight"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

const (
	// exchangeHeader names an exchange for the worker's "wait" action.
	exchangeHeader = "taipan-exchange"
	// errorPrefix starts the JSON object of an error from the worker
	// (udf/python/taipan/worker.py, "Errors").
	errorPrefix = "taipan-error:"
)

var exchangeSeq atomic.Int64

// evaluator is one DoExchange stream running one operation in a worker.
// Its methods run on one goroutine; a reader goroutine moves outputs from
// the stream into queue.
type evaluator struct {
	rt       *Runtime
	w        *worker
	kind     udfpb.Operation_Kind
	name     string // SQL name(s) of the functions, for errors
	perBatch bool   // SCALAR and TABLE: one output per input batch
	id       string // exchange id, for the worker's "wait" action

	stream flight.FlightService_DoExchangeClient
	cancel context.CancelFunc // cancels the stream
	writer *flight.Writer     // made at the first Send, from its schema

	// tokens holds one entry per batch sent whose output has not arrived.
	tokens chan struct{}

	mu       sync.Mutex
	queue    []arrow.Record // outputs not yet taken
	readDone bool
	readErr  error         // how the stream ended; nil when cleanly
	notify   chan struct{} // signalled when queue or readDone change
	readerUp chan struct{} // closed when the reader goroutine ends

	cancelled atomic.Bool
	opened    atomic.Bool // the worker has opened the operation

	sent, received int
	err            error // the failure every later call returns
	finished       bool
	closed         bool
}

var _ udf.Evaluator = (*evaluator)(nil)

// openExchange starts the stream for one serialized operation on w and
// waits until the worker has created and opened it (its output schema
// arrives) or failed. It releases w on failure.
func (r *Runtime) openExchange(ctx context.Context, w *worker, kind udfpb.Operation_Kind, name string, cmd []byte) (*evaluator, error) {
	id := fmt.Sprintf("%d.%d", w.id, exchangeSeq.Add(1))
	streamCtx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(context.Background(), exchangeHeader, id))
	e := &evaluator{
		rt: r, w: w, kind: kind, name: name, id: id, cancel: cancel,
		perBatch: kind == udfpb.Operation_SCALAR || kind == udfpb.Operation_TABLE,
		tokens:   make(chan struct{}, r.opts.InFlight),
		notify:   make(chan struct{}, 1),
		readerUp: make(chan struct{}),
	}
	stop := context.AfterFunc(ctx, e.cancelStream)
	stream, err := w.client.DoExchange(streamCtx)
	if err != nil {
		stop()
		cancel()
		r.release(w)
		return nil, w.callError(ctx, err, name)
	}
	e.stream = stream
	schemaReady := make(chan struct{})
	go e.read(schemaReady)
	// The descriptor goes alone, ahead of any batch: the worker opens the
	// operation before the first batch exists, and an aggregate may see
	// none.
	desc := &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: cmd}
	if err := stream.Send(&flight.FlightData{FlightDescriptor: desc}); err != nil && !errors.Is(err, io.EOF) {
		e.fail(w.callError(ctx, err, name))
	}
	if e.err == nil {
		select {
		case <-schemaReady:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			e.fail(ctx.Err())
		} else if done, rerr := e.readState(); done && rerr != nil {
			e.fail(w.callError(ctx, rerr, name))
		}
	}
	if !stop() && e.err == nil {
		e.fail(ctx.Err()) // cancelled just now: the stream is gone
	}
	if e.err != nil {
		err := e.err
		e.Close()
		return nil, err
	}
	e.opened.Store(true)
	return e, nil
}

// read moves the stream's outputs into the queue until it ends.
func (e *evaluator) read(schemaReady chan struct{}) {
	defer close(e.readerUp)
	schemaOnce := sync.OnceFunc(func() { close(schemaReady) })
	defer schemaOnce()
	rdr, err := flight.NewRecordReader(e.stream)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = nil // the worker ended the stream without output
		}
		e.endRead(err)
		return
	}
	defer rdr.Release()
	schemaOnce()
	for rdr.Next() {
		rec := rdr.Record()
		rec.Retain()
		e.mu.Lock()
		e.queue = append(e.queue, rec)
		e.mu.Unlock()
		if e.perBatch {
			select {
			case <-e.tokens:
			default:
			}
		}
		e.signal()
	}
	e.endRead(rdr.Err())
}

func (e *evaluator) endRead(err error) {
	e.mu.Lock()
	e.readDone = true
	e.readErr = err
	e.mu.Unlock()
	e.signal()
}

func (e *evaluator) signal() {
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

func (e *evaluator) readState() (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.readDone, e.readErr
}

// Send writes one batch to the worker. It waits while Options.InFlight
// batches of a SCALAR or TABLE operation are in the worker; outputs that
// arrived wait for Receive without limit.
func (e *evaluator) Send(ctx context.Context, in arrow.Record) error {
	if err := e.usable(); err != nil {
		return err
	}
	if in == nil {
		return &udf.Error{Function: e.name, Message: "Send without a batch"}
	}
	if e.perBatch {
		select {
		case e.tokens <- struct{}{}:
		case <-ctx.Done():
			return e.abort(ctx.Err())
		case <-e.readerUp:
			return e.fail(e.endError(ctx))
		}
	}
	stop := context.AfterFunc(ctx, e.cancelStream)
	if e.writer == nil {
		e.writer = flight.NewRecordWriter(e.stream, ipc.WithSchema(in.Schema()))
	}
	err := e.writer.Write(in)
	if !stop() {
		return e.abort(ctx.Err())
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			// gRPC reports a broken stream on the send side as EOF; the
			// reason arrives on the receive side.
			return e.fail(e.endError(ctx))
		}
		return e.fail(&udf.Error{Function: e.name, Message: fmt.Sprintf("sending a batch to the Python worker: %v", err)})
	}
	e.sent++
	return nil
}

// Receive returns the output of the oldest batch sent and not received.
func (e *evaluator) Receive(ctx context.Context) (arrow.Record, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	if !e.perBatch {
		return nil, &udf.Error{Function: e.name, Message: fmt.Sprintf("a %s operation gives its output at Finish, not per batch", e.kind)}
	}
	if e.received >= e.sent {
		return nil, &udf.Error{Function: e.name, Message: "Receive without a batch sent"}
	}
	for {
		e.mu.Lock()
		if len(e.queue) > 0 {
			rec := e.queue[0]
			e.queue[0] = nil
			e.queue = e.queue[1:]
			e.mu.Unlock()
			e.received++
			return rec, nil
		}
		done := e.readDone
		e.mu.Unlock()
		if done {
			return nil, e.fail(e.endError(ctx))
		}
		select {
		case <-e.notify:
		case <-ctx.Done():
			return nil, e.abort(ctx.Err())
		}
	}
}

// Finish ends the input and returns what the operation gives at its end.
func (e *evaluator) Finish(ctx context.Context) (arrow.Record, error) {
	if err := e.usable(); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, e.cancelStream)
	if e.writer != nil {
		_ = e.writer.Close()
	}
	_ = e.stream.CloseSend()
	select {
	case <-e.readerUp:
	case <-ctx.Done():
	}
	if !stop() || ctx.Err() != nil {
		return nil, e.abort(ctx.Err())
	}
	e.mu.Lock()
	queue, rerr := e.queue, e.readErr
	e.queue = nil
	e.mu.Unlock()
	if rerr != nil {
		releaseAll(queue)
		return nil, e.fail(e.w.callError(ctx, rerr, e.name))
	}
	e.finished = true
	if e.perBatch {
		if len(queue) > 0 {
			releaseAll(queue)
			return nil, e.fail(&udf.Error{Function: e.name, Message: fmt.Sprintf("Finish with the output of %d batches not received", len(queue))})
		}
		if e.received != e.sent {
			return nil, e.fail(&udf.Error{Function: e.name, Message: fmt.Sprintf("the Python worker returned %d outputs for %d batches", e.received, e.sent)})
		}
		return nil, nil
	}
	switch len(queue) {
	case 0:
		return nil, nil
	case 1:
		return queue[0], nil
	}
	releaseAll(queue)
	return nil, e.fail(&udf.Error{Function: e.name, Message: fmt.Sprintf("the Python worker returned %d batches at the end of a %s operation, not one", len(queue), e.kind)})
}

// Close cancels the stream unless it ended, releases what is queued and
// gives the worker back.
func (e *evaluator) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.finished {
		e.cancel()
	} else {
		e.cancelStream()
	}
	if e.stream != nil {
		select {
		case <-e.readerUp:
		case <-time.After(5 * time.Second):
		}
	}
	e.mu.Lock()
	queue := e.queue
	e.queue = nil
	e.mu.Unlock()
	releaseAll(queue)
	e.rt.release(e.w)
	return nil
}

func (e *evaluator) usable() error {
	switch {
	case e.err != nil:
		return e.err
	case e.closed:
		return &udf.Error{Function: e.name, Message: "the evaluator is closed"}
	case e.finished:
		return &udf.Error{Function: e.name, Message: "the evaluator has finished"}
	}
	return nil
}

// fail records err as the evaluator's lasting failure.
func (e *evaluator) fail(err error) error {
	if e.err == nil {
		e.err = err
	}
	return e.err
}

// abort fails the evaluator with a context's error and cancels the stream.
func (e *evaluator) abort(err error) error {
	e.cancelStream()
	return e.fail(err)
}

// cancelStream cancels the exchange. When the worker may still be
// running the function, the runtime makes sure it stops (see drain).
func (e *evaluator) cancelStream() {
	if !e.cancelled.CompareAndSwap(false, true) {
		return
	}
	done, _ := e.readState()
	// A SCALAR or TABLE worker that returned the output of every batch
	// sent waits for the next batch: no function runs.
	idle := e.perBatch && e.opened.Load() && len(e.tokens) == 0
	e.cancel()
	if !done && !idle && e.stream != nil {
		e.rt.drain(e.w, e.id, e.name)
	}
}

// endError is the error of a stream that ended while more was expected.
func (e *evaluator) endError(ctx context.Context) error {
	select {
	case <-e.readerUp:
	case <-ctx.Done():
		return e.abort(ctx.Err())
	}
	_, rerr := e.readState()
	if rerr == nil {
		return &udf.Error{Function: e.name, Message: "the Python worker ended the exchange before every batch had its output"}
	}
	return e.w.callError(ctx, rerr, e.name)
}

func releaseAll(recs []arrow.Record) {
	for _, r := range recs {
		if r != nil {
			r.Release()
		}
	}
}

// callError turns the error of a call to w into what the caller reports:
// the worker's encoded error, the context's error, or the worker's death.
func (w *worker) callError(ctx context.Context, err error, function string) error {
	if ue := decodeError(err, function); ue != nil {
		return ue
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// A broken connection usually means the process died; its exit is
	// seen a moment after the socket closes.
	select {
	case <-w.exited:
		return asUDFError(w.deathError(), function)
	case <-time.After(2 * time.Second):
	}
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Code().String() + ": " + st.Message()
	}
	return &udf.Error{Function: function, Message: "Python worker: " + msg}
}

// workerError is the JSON object a worker puts in its Flight errors.
type workerError struct {
	Error     string `json:"error"`
	Function  string `json:"function"`
	Message   string `json:"message"`
	Traceback string `json:"traceback"`
}

// decodeError reads the worker's error out of a gRPC error, or returns nil
// when err carries none. The transport may add text around the object.
func decodeError(err error, function string) *udf.Error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Message()
	}
	i := strings.Index(msg, errorPrefix)
	if i < 0 {
		return nil
	}
	var we workerError
	if json.NewDecoder(strings.NewReader(msg[i+len(errorPrefix):])).Decode(&we) != nil || we.Message == "" {
		return nil
	}
	if we.Function == "" {
		we.Function = function
	}
	return &udf.Error{Function: we.Function, Message: we.Message, Traceback: we.Traceback}
}
