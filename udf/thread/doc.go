// Package thread is THREAD mode: Python functions run in a CPython
// interpreter embedded in the engine's own process, with Arrow batches
// crossing between Go and Python without a copy. It is the only package in
// Taipan with `import "C"`; it implements udf.Runtime and must not import
// exec, planner, sql or any other mode's package.
//
// # Why our own cgo layer
//
// github.com/DataDog/go-python3 does not build against Python 3.9 or later
// (it calls PyDict_ClearFreeList, removed in 3.9). bridge.c is the dozen
// CPython calls THREAD mode needs, each entry point doing one whole step of
// an operation.
//
// # The interpreter
//
// One interpreter per process, started by the first New and never
// finalised (extension modules such as numpy and pyarrow do not survive a
// restart). It is started with PyConfig_InitPythonConfig and program_name
// set to the set-up's virtual environment's bin/python
// (udf.DefaultExecutable), so that Python finds pyvenv.cfg and the venv's
// site-packages (pyarrow, pandas, taipan) are on sys.path; the binary links
// the interpreter that venv was made from (the Makefile exports its
// python3-config flags as CGO_CFLAGS and CGO_LDFLAGS). Built without those
// flags (a plain `go build` of a program embedding Taipan), pkg-config's
// python3-embed supplies the system's Python 3 instead, which must then be
// the same minor version as the venv's. Python installs no
// signal handlers: Ctrl-C stays the engine's. python.executable names
// PROCESS mode's workers; THREAD mode always runs the embedded interpreter.
//
// # Threads and the GIL
//
// Every Python call runs on the calling goroutine's own OS thread, locked
// with runtime.LockOSThread for the call, inside one cgo call that takes
// the GIL on entry and releases it before returning: Go code never runs
// while holding the GIL, except the Arrow release callbacks Python
// triggers, which only count references. Each OS thread gets a Python
// thread state on its first call and keeps it, so a call costs a GIL
// hand-over, not a thread state. The GIL is released right after start-up.
//
// We chose this over pemja's single dedicated interpreter thread serving a
// queue: handing a request to a locked goroutine and back costs about 25 µs
// on our machines (two futex wake-ups per direction), more than the 10 µs a
// one-row batch may take end to end, while a GIL hand-over between threads
// that want it costs far less. Extension modules that care which thread
// runs them are the price: numpy, pandas and pyarrow do not, and a
// function keeping threading.local state sees one per OS thread.
//
// Concurrent calls from many goroutines queue on the GIL; each waits in
// its own cgo call, whose OS thread the Go scheduler replaces with another,
// so Go work goes on in parallel and nothing waits on the GIL while holding
// a Go lock another caller needs.
//
// # Batches
//
// Go → Python: the record is exported into C-allocated ArrowArray structs
// (the parent one per evaluator, reused), and Python imports it with
// pyarrow.RecordBatch._import_from_c: the buffers are shared, not copied.
// The schema crosses only when it changes. Go buffers stay referenced from
// C after the call returns, so they are pinned (runtime.Pinner) until
// Python releases the batch: this is what the cgo pointer rules ask of Go
// memory kept by C. A record of flat columns (fixed-width, boolean,
// string, binary) is exported by exportFlat into one C block whose release
// only counts down in C (tp_export); the evaluator unpins and releases the
// record at its next sweep, after each call. Other records go through
// arrow/cdata, whose release calls back into Go (taipanUnpin): three Go
// callbacks from inside the cgo call for a one-column batch, which is
// what exportFlat saves.
//
// Python → Go: the output batch is exported with
// pyarrow.RecordBatch._export_to_c into the evaluator's C structs and
// imported against the output schema imported once at Prepare: Go reads
// Python's buffers in place and calls Python's release callback when the
// record is released. Flat columns are imported by importFlat, which
// moves the struct into Go memory and releases it with the last buffer;
// others by cdata (with the schema's struct type made once).
//
// One batch is one cgo call: import, Operation.process and export happen
// in it; rows are never crossed one by one.
//
// # Cancellation
//
// A call runs with context.AfterFunc watching its context. On cancel, a
// goroutine takes the GIL (a thread running bytecode hands it over within
// the switch interval, 5 ms) and raises taipan.embedded.Cancelled in the
// call's thread with PyThreadState_SetAsyncExc, again every 50 ms while the
// call runs, in case the function swallowed it. The call fails with an
// error wrapping the context's error, and the interpreter stays usable.
// Code that never returns to the interpreter (a long C call such as
// time.sleep) is interrupted when it does. Each call's state (tp_call) is
// read and written only under the GIL, and an interruption that arrives
// after the call's last bytecode is cleared before the thread runs another.
//
// # Without cgo
//
// A build with CGO_ENABLED=0 compiles; New then returns an error saying
// that THREAD mode needs cgo.
package thread
