//go:build cgo

package thread

// The Makefile's CGO_CFLAGS and CGO_LDFLAGS (the venv's interpreter) come
// first; without them pkg-config's python3-embed (the system's Python 3
// development files) lets a plain `go build` compile.

// #cgo pkg-config: python3-embed
// #include "bridge.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"google.golang.org/protobuf/proto"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// interruptRetry is how often a cancelled call is interrupted again while
// it still runs (a function may catch the first interruption).
const interruptRetry = 50 * time.Millisecond

// interpreter is the process's one embedded Python.
var interpreter struct {
	once sync.Once
	info string // "CPython 3.11.7 at /path/.venv (pyarrow 26.0.1)"
	err  error
}

// Runtime is THREAD mode's udf.Runtime. Every Runtime shares the process's
// interpreter; closing one refuses further work through it but leaves the
// interpreter running for the others.
type Runtime struct {
	closed atomic.Bool
}

var _ udf.Runtime = (*Runtime)(nil)

// New starts the embedded interpreter on first use and returns a runtime
// over it. It fails when Python cannot start or cannot import the taipan
// package and pyarrow; the failure is the same for every later New.
func New() (*Runtime, error) {
	interpreter.once.Do(func() {
		interpreter.info, interpreter.err = startInterpreter(udf.DefaultExecutable())
	})
	if interpreter.err != nil {
		return nil, interpreter.err
	}
	return &Runtime{}, nil
}

func startInterpreter(executable string) (string, error) {
	program := executable
	if !strings.ContainsRune(program, filepath.Separator) {
		if p, err := exec.LookPath(program); err == nil {
			program = p
		}
	}
	if abs, err := filepath.Abs(program); err == nil {
		program = abs
	}
	cprogram := C.CString(program)
	defer C.free(unsafe.Pointer(cprogram))
	var info *C.char
	var cerr C.tp_error
	runtime.LockOSThread()
	rc := C.tp_init(cprogram, &info, &cerr)
	runtime.UnlockOSThread()
	if rc != C.TP_OK {
		e := takeError(&cerr)
		msg := e.Message
		if e.Traceback != "" {
			msg += "\n" + strings.TrimRight(e.Traceback, "\n")
		}
		return "", fmt.Errorf("THREAD mode: the embedded Python (program name %s) did not start: %s\n"+
			"(it must be the bin/python of the set-up's virtual environment, with pyarrow and taipan installed: "+
			"run `make build`, or set $%s)", program, msg, udf.DefaultExecutableEnv)
	}
	defer C.free(unsafe.Pointer(info))
	return C.GoString(info), nil
}

// Mode is udf.Thread.
func (r *Runtime) Mode() udf.Mode { return udf.Thread }

// Interpreter describes the embedded interpreter: version, prefix and
// pyarrow's version.
func (r *Runtime) Interpreter() string { return interpreter.info }

var errClosed = errors.New("THREAD mode: the Python runtime is closed")

// Describe imports target in the embedded interpreter, with env.Files
// importable, and returns its signature.
func (r *Runtime) Describe(ctx context.Context, target string, env udf.Env) (*udfpb.FunctionSignature, error) {
	if r.closed.Load() {
		return nil, errClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctarget := C.CString(target)
	defer C.free(unsafe.Pointer(ctarget))
	var files []byte
	for _, f := range env.Files {
		files = append(append(files, f...), 0)
	}
	var filesPtr *C.char
	if len(files) > 0 {
		filesPtr = (*C.char)(unsafe.Pointer(unsafe.SliceData(files)))
	}
	var out *C.char
	var outLen C.Py_ssize_t
	var cerr C.tp_error
	call := new(C.tp_call)
	stop := watch(ctx, call, 1)
	runtime.LockOSThread()
	rc := C.tp_describe(ctarget, filesPtr, C.Py_ssize_t(len(files)), &out, &outLen, call, 1, &cerr)
	runtime.UnlockOSThread()
	runtime.KeepAlive(files)
	if stop != nil {
		stop()
	}
	if rc != C.TP_OK {
		return nil, failure(ctx, rc, &cerr, "")
	}
	body := C.GoBytes(unsafe.Pointer(out), C.int(outLen))
	C.free(unsafe.Pointer(out))
	sig := &udfpb.FunctionSignature{}
	if err := proto.Unmarshal(body, sig); err != nil {
		return nil, &udf.Error{Message: fmt.Sprintf("describing %s: the signature does not decode: %v", target, err)}
	}
	return sig, nil
}

// Prepare creates and opens op in the embedded interpreter, so that a
// function that cannot load or whose open() raises fails here. The
// descriptor is op with env.Files and env.JobParameters added as PROCESS
// mode adds them.
func (r *Runtime) Prepare(ctx context.Context, op *udfpb.Operation, env udf.Env) (udf.Evaluator, error) {
	if op == nil {
		return nil, &udf.Error{Message: "no operation to prepare"}
	}
	if r.closed.Load() {
		return nil, errClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := udf.FunctionNames(op)
	desc, err := proto.Marshal(udf.Descriptor(op, env))
	if err != nil {
		return nil, &udf.Error{Function: name, Message: fmt.Sprintf("encoding the operation: %v", err)}
	}
	return newEvaluator(ctx, r, op.GetKind(), name, desc)
}

// Close refuses further Describe, Prepare and evaluator calls through r.
// The interpreter itself lives as long as the process.
func (r *Runtime) Close() error {
	r.closed.Store(true)
	return nil
}

// run executes Python source in the embedded interpreter and returns repr
// of its variable result (taipan.embedded.run): for tests and benchmarks.
func (r *Runtime) run(ctx context.Context, source string) (string, error) {
	csrc := C.CString(source)
	defer C.free(unsafe.Pointer(csrc))
	var out *C.char
	var cerr C.tp_error
	call := new(C.tp_call)
	stop := watch(ctx, call, 1)
	runtime.LockOSThread()
	rc := C.tp_run(csrc, &out, call, 1, &cerr)
	runtime.UnlockOSThread()
	if stop != nil {
		stop()
	}
	if rc != C.TP_OK {
		return "", failure(ctx, rc, &cerr, "")
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoString(out), nil
}

// watch interrupts call's generation gen when ctx is cancelled, until that
// call has ended. The returned stop (nil when ctx cannot be cancelled)
// must be called once the call has returned.
func watch(ctx context.Context, call *C.tp_call, gen uint64) func() bool {
	if ctx.Done() == nil {
		return nil
	}
	return context.AfterFunc(ctx, func() {
		for {
			runtime.LockOSThread()
			running := C.tp_interrupt(call, C.uint64_t(gen))
			runtime.UnlockOSThread()
			if running == 0 {
				return
			}
			time.Sleep(interruptRetry)
		}
	})
}

// takeError converts and frees a C error.
func takeError(cerr *C.tp_error) *udf.Error {
	defer C.tp_error_free(cerr)
	return &udf.Error{
		Function:  C.GoString(cerr.function),
		Message:   C.GoString(cerr.message),
		Traceback: C.GoString(cerr.traceback),
	}
}

// failure is the error of a call that returned rc: an interruption when
// the context is done (the function may have turned Cancelled into
// another exception), else Python's error. function names the function
// when Python did not.
func failure(ctx context.Context, rc C.int, cerr *C.tp_error, function string) error {
	e := takeError(cerr)
	if e.Function == "" {
		e.Function = function
	}
	if cause := ctx.Err(); cause != nil || rc == C.TP_CANCELLED {
		if cause == nil {
			cause = context.Canceled
		}
		return &InterruptedError{Function: e.Function, Cause: cause, Traceback: e.Traceback}
	}
	return e
}

// InterruptedError is a Python call stopped because its context was
// cancelled. errors.Is(err, context.Canceled) (or DeadlineExceeded) holds.
type InterruptedError struct {
	Function  string // SQL name, when known
	Cause     error  // the context's error
	Traceback string // where the function was interrupted
}

func (e *InterruptedError) Error() string {
	if e.Function == "" {
		return "Python call interrupted: " + e.Cause.Error()
	}
	return fmt.Sprintf("Python function %s interrupted: %s", e.Function, e.Cause)
}

func (e *InterruptedError) Unwrap() error { return e.Cause }
