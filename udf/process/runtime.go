// Package process is PROCESS mode: Python functions run in worker
// processes (`python -m taipan.worker`, udf/python/taipan/worker.py) that
// the engine reaches over Arrow Flight on Unix sockets in a private
// directory.
//
// A Runtime keeps a pool of workers per interpreter and python.files,
// started on first use and spread over evaluators by load. An Evaluator is
// one DoExchange stream: the function descriptor travels in the Flight
// descriptor, input batches go out as the caller sends them, and a
// goroutine reads the outputs as they come, so that writing never waits on
// reading; a few batches may be in the worker at once.
//
// Faults: a worker that dies turns the streams it served into udf.Errors
// quoting its exit status and last stderr lines, and the next Prepare
// starts a new one. A cancelled context cancels the stream; the worker
// interrupts the function at its next bytecode, and when it has not
// stopped within Options.CancelGrace (a long C call) the runtime kills the
// worker. Workers die with the engine: SIGKILL as parent-death signal, and
// end of file on their stdin.
//
// process imports udf and udfpb; it must not import exec, planner, sql or
// another mode's package.
package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/arrow/go/v15/arrow/flight"
	"google.golang.org/protobuf/proto"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// Options configure a Runtime; zero values take the defaults.
type Options struct {
	// Workers is the most worker processes per interpreter and python.files
	// combination. Default min(GOMAXPROCS, 4).
	Workers int
	// InFlight is how many batches of one SCALAR or TABLE evaluator may be
	// in its worker at once. Default 4.
	InFlight int
	// CancelGrace is how long a cancelled call may keep running before its
	// worker is killed. Default 2s.
	CancelGrace time.Duration
	// StartTimeout bounds a worker's start-up (interpreter, pyarrow and
	// pandas imports). Default 60s.
	StartTimeout time.Duration
	// Stderr receives the workers' standard error: their log and whatever
	// functions print. Default os.Stderr.
	Stderr io.Writer
}

// Runtime is PROCESS mode's udf.Runtime.
type Runtime struct {
	opts Options

	mu     sync.Mutex
	dir    string // private socket directory, made on first use
	pools  map[string]*pool
	nextID int
	closed bool
}

var _ udf.Runtime = (*Runtime)(nil)

// New returns a Runtime that starts workers when first needed.
func New(opts Options) *Runtime {
	if opts.Workers <= 0 {
		opts.Workers = min(runtime.GOMAXPROCS(0), 4)
	}
	if opts.InFlight <= 0 {
		opts.InFlight = 4
	}
	if opts.CancelGrace <= 0 {
		opts.CancelGrace = 2 * time.Second
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	return &Runtime{opts: opts, pools: map[string]*pool{}}
}

// Mode is udf.Process.
func (r *Runtime) Mode() udf.Mode { return udf.Process }

// pool is the workers of one interpreter and python.files.
type pool struct {
	executable string
	workers    []*worker
}

var errClosed = errors.New("the Python runtime is closed")

// socketDirPrefix starts the name of a runtime's socket directory, which
// goes on with the engine's pid: taipan-udf-<pid>-<random>.
const socketDirPrefix = "taipan-udf-"

// removeStaleSocketDirs removes the socket directories of engines that are
// gone without closing their runtime (killed): their workers died with
// them, their sockets did not.
func removeStaleSocketDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), socketDirPrefix+"*-*"))
	for _, dir := range matches {
		rest := strings.TrimPrefix(filepath.Base(dir), socketDirPrefix)
		pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(dir)
		}
	}
}

// acquire returns a started worker for env, starting one when the pool has
// room and every worker is busy. The caller calls release.
func (r *Runtime) acquire(ctx context.Context, env udf.Env) (*worker, error) {
	executable := env.Executable
	if executable == "" {
		executable = udf.DefaultExecutable()
	}
	key := executable + "\x00" + strings.Join(env.Files, "\x00")

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errClosed
	}
	p := r.pools[key]
	if p == nil {
		p = &pool{executable: executable}
		r.pools[key] = p
	}
	// Forget the dead: their evaluators have their errors already.
	live := p.workers[:0]
	for _, w := range p.workers {
		if w.alive() {
			live = append(live, w)
		}
	}
	clear(p.workers[len(live):])
	p.workers = live

	// A worker still stopping a cancelled call takes nothing new: it may
	// yet be killed.
	var w *worker
	serving := 0
	for _, c := range p.workers {
		if c.draining > 0 {
			continue
		}
		serving++
		if w == nil || c.active < w.active {
			w = c
		}
	}
	if w == nil || (w.active > 0 && serving < r.opts.Workers) {
		if r.dir == "" {
			removeStaleSocketDirs()
			dir, err := os.MkdirTemp("", socketDirPrefix+strconv.Itoa(os.Getpid())+"-")
			if err != nil {
				r.mu.Unlock()
				return nil, fmt.Errorf("making the Python workers' socket directory: %w", err)
			}
			r.dir = dir
		}
		r.nextID++
		w = &worker{id: r.nextID, socket: filepath.Join(r.dir, fmt.Sprintf("w%d.sock", r.nextID)),
			ready: make(chan struct{}), exited: make(chan struct{})}
		p.workers = append(p.workers, w)
		w.active++
		r.mu.Unlock()
		// Started outside any caller's context: the worker outlives this
		// call and serves others.
		go w.start(context.Background(), executable, r.opts.Stderr, r.opts.StartTimeout)
	} else {
		w.active++
		r.mu.Unlock()
	}

	select {
	case <-w.ready:
	case <-ctx.Done():
		r.release(w)
		return nil, ctx.Err()
	}
	if w.startErr != nil {
		r.mu.Lock()
		for i, c := range p.workers {
			if c == w {
				p.workers = append(p.workers[:i], p.workers[i+1:]...)
				break
			}
		}
		r.mu.Unlock()
		r.release(w)
		return nil, w.startErr
	}
	return w, nil
}

func (r *Runtime) release(w *worker) {
	r.mu.Lock()
	w.active--
	r.mu.Unlock()
}

// Describe imports target in a worker and returns its signature.
func (r *Runtime) Describe(ctx context.Context, target string, env udf.Env) (*udfpb.FunctionSignature, error) {
	body, err := json.Marshal(map[string]any{"target": target, "python_files": nonNil(env.Files)})
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		w, err := r.acquire(ctx, env)
		if err != nil {
			return nil, asUDFError(err, "")
		}
		sig, err := r.describe(ctx, w, target, body)
		r.release(w)
		// As in Prepare: a worker found dead is replaced once.
		if err == nil || attempt > 0 || w.alive() || ctx.Err() != nil {
			return sig, err
		}
	}
}

func (r *Runtime) describe(ctx context.Context, w *worker, target string, body []byte) (*udfpb.FunctionSignature, error) {
	stream, err := w.client.DoAction(ctx, &flight.Action{Type: "describe", Body: body})
	if err != nil {
		return nil, w.callError(ctx, err, "")
	}
	res, err := stream.Recv()
	if err != nil {
		return nil, w.callError(ctx, err, "")
	}
	_ = flight.ReadUntilEOF(stream)
	sig := &udfpb.FunctionSignature{}
	if err := proto.Unmarshal(res.Body, sig); err != nil {
		return nil, &udf.Error{Message: fmt.Sprintf("describing %s: the worker's answer does not decode: %v", target, err)}
	}
	return sig, nil
}

// Prepare opens a DoExchange stream for op in a worker of env's pool and
// waits until the worker has created and opened the operation, so that a
// function that cannot load or whose open() raises fails here.
//
// The descriptor sent is udf.Descriptor(op, env).
func (r *Runtime) Prepare(ctx context.Context, op *udfpb.Operation, env udf.Env) (udf.Evaluator, error) {
	if op == nil {
		return nil, &udf.Error{Message: "no operation to prepare"}
	}
	name := udf.FunctionNames(op)
	sent := udf.Descriptor(op, env)
	cmd, err := proto.Marshal(sent)
	if err != nil {
		return nil, &udf.Error{Function: name, Message: fmt.Sprintf("encoding the operation: %v", err)}
	}
	for attempt := 0; ; attempt++ {
		w, err := r.acquire(ctx, env)
		if err != nil {
			return nil, asUDFError(err, name)
		}
		e, err := r.openExchange(ctx, w, op.Kind, name, cmd)
		if err == nil {
			return e, nil
		}
		// A worker that died before the pool noticed (killed while idle)
		// has seen no batch of ours: trying once more on a new one is safe.
		if attempt > 0 || w.alive() || ctx.Err() != nil {
			return nil, err
		}
	}
}

// drain makes sure that a cancelled exchange stops running in w: the
// worker interrupts the call at its next bytecode, and the "wait" action
// tells when it has. A call that has not stopped within CancelGrace (stuck
// in C code, or holding the interpreter so that the worker cannot even
// answer) gets the worker killed; the pool replaces it. Meanwhile the
// worker takes no new evaluators.
func (r *Runtime) drain(w *worker, id, name string) {
	r.mu.Lock()
	w.draining++
	r.mu.Unlock()
	go func() {
		defer func() {
			r.mu.Lock()
			w.draining--
			r.mu.Unlock()
		}()
		grace := r.opts.CancelGrace
		ctx, cancel := context.WithTimeout(context.Background(), grace+time.Second)
		defer cancel()
		body, _ := json.Marshal(map[string]any{"exchange": id, "timeout": grace.Seconds()})
		running := true
		if stream, err := w.client.DoAction(ctx, &flight.Action{Type: "wait", Body: body}); err == nil {
			if res, err := stream.Recv(); err == nil {
				var answer struct {
					Running bool `json:"running"`
				}
				if json.Unmarshal(res.Body, &answer) == nil {
					running = answer.Running
				}
				_ = flight.ReadUntilEOF(stream)
			}
		}
		if running && w.alive() {
			w.kill(fmt.Sprintf("a cancelled call of %s did not stop within %s", name, grace))
			<-w.exited // still draining until acquire can see it dead
		}
	}()
}

// Close kills every worker, waits for them and removes the socket
// directory. Evaluators still open fail.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	var all []*worker
	for _, p := range r.pools {
		all = append(all, p.workers...)
	}
	r.pools = nil
	dir := r.dir
	r.mu.Unlock()

	var wg sync.WaitGroup
	for _, w := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.stop("the Python runtime was closed")
		}()
	}
	wg.Wait()
	if dir != "" {
		return os.RemoveAll(dir)
	}
	return nil
}

// workerPIDs lists the process ids of the live workers (for tests).
func (r *Runtime) workerPIDs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var pids []int
	for _, p := range r.pools {
		for _, w := range p.workers {
			select {
			case <-w.ready:
				if w.startErr == nil && w.alive() {
					pids = append(pids, w.pid())
				}
			default:
			}
		}
	}
	return pids
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// asUDFError makes runtime failures udf.Errors naming function; context
// errors pass through so that callers can tell cancellation.
func asUDFError(err error, function string) error {
	var ue *udf.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ue), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &udf.Error{Function: function, Message: err.Error()}
}
