package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/arrow/go/v15/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// stderrTailLines is how many of a worker's last stderr lines its death
// report quotes.
const stderrTailLines = 12

// worker is one `python -m taipan.worker` process and the Flight client
// connected to it.
type worker struct {
	id     int
	socket string
	// ready is closed when start has finished; startErr says how.
	ready    chan struct{}
	startErr error

	cmd    *exec.Cmd
	stdin  *os.File // the write end of the worker's stdin: closing it ends the worker
	client flight.Client
	conn   *grpc.ClientConn
	tail   *stderrTail

	// exited is closed once the process has been waited for (or could not
	// start); state and stopReason are set before.
	exited     chan struct{}
	state      *os.ProcessState
	mu         sync.Mutex
	stopReason string // why the runtime killed it, when it did

	// active counts the evaluators and describes using the worker;
	// draining the cancelled exchanges it may still be running. Guarded by
	// the runtime's mutex.
	active   int
	draining int
}

// spawnRequest asks the spawning thread to start a command.
type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawns    chan spawnRequest
)

// spawn starts cmd from one OS thread that lives as long as the process:
// Linux sends the parent-death signal when the thread that forked the
// child exits, not the process, and Go may retire the threads that run
// ordinary goroutines.
func spawn(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawns = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread stays
			for req := range spawns {
				req.done <- req.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawns <- spawnRequest{cmd: cmd, done: done}
	return <-done
}

// start launches the worker process and connects to it. It fills w and
// closes w.ready, with w.startErr set on failure.
func (w *worker) start(ctx context.Context, executable string, stderr io.Writer, timeout time.Duration) {
	defer close(w.ready)
	w.startErr = w.launch(ctx, executable, stderr, timeout)
	switch {
	case w.startErr == nil:
	case w.cmd == nil:
		close(w.exited) // there never was a process
	default:
		w.kill("it failed to start")
		<-w.exited
	}
}

func (w *worker) launch(ctx context.Context, executable string, stderr io.Writer, timeout time.Duration) error {
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("starting a Python worker: %w", err)
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		stdinR.Close()
		stdinW.Close()
		return fmt.Errorf("starting a Python worker: %w", err)
	}
	cmd := exec.Command(executable, "-m", "taipan.worker", "--socket", w.socket)
	cmd.Stdin = stdinR
	cmd.Stdout = nil // /dev/null; the worker sends its stdout to stderr anyway
	cmd.Stderr = stderrW
	// Its own process group: Ctrl-C in the shell's terminal signals the
	// foreground group, and must cancel the statement, not kill workers.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	err = spawn(cmd)
	stdinR.Close()
	stderrW.Close()
	if err != nil {
		stdinW.Close()
		stderrR.Close()
		return &startError{executable: executable, err: err}
	}
	w.cmd = cmd
	w.stdin = stdinW
	w.tail = newStderrTail(stderrR, stderr)
	go func() {
		state, _ := cmd.Process.Wait()
		w.mu.Lock()
		w.state = state
		w.mu.Unlock()
		stdinW.Close()
		close(w.exited)
	}()

	if err := w.waitForSocket(ctx, timeout); err != nil {
		return err
	}
	conn, err := grpc.NewClient("unix://"+w.socket,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32),
			grpc.MaxCallSendMsgSize(math.MaxInt32)))
	if err != nil {
		return fmt.Errorf("connecting to the Python worker on %s: %w", w.socket, err)
	}
	w.conn = conn
	w.client = flight.NewClientFromConn(conn, nil)
	return nil
}

// waitForSocket waits until the worker accepts connections, or fails with
// the reason it will not.
func (w *worker) waitForSocket(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for delay := 5 * time.Millisecond; ; {
		conn, err := net.DialTimeout("unix", w.socket, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-w.exited:
			return &udfError{msg: "Python worker exited at start-up (" + w.exitStatus() + ")" + w.tail.report(time.Second)}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if time.Now().After(deadline) {
			return &udfError{msg: fmt.Sprintf("Python worker did not listen on %s within %s", w.socket, timeout) + w.tail.report(0)}
		}
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// alive reports whether the process has not exited.
func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// kill stops the process with SIGKILL, recording why for the errors of
// the evaluators it serves.
func (w *worker) kill(reason string) {
	w.mu.Lock()
	if w.stopReason == "" {
		w.stopReason = reason
	}
	w.mu.Unlock()
	if w.cmd != nil && w.cmd.Process != nil {
		_ = w.cmd.Process.Kill()
	}
}

// stop kills the process and waits for it and its connection to end.
func (w *worker) stop(reason string) {
	<-w.ready
	if w.cmd == nil || w.cmd.Process == nil {
		return
	}
	w.kill(reason)
	<-w.exited
	if w.conn != nil {
		w.conn.Close()
	}
}

func (w *worker) pid() int {
	if w.cmd == nil || w.cmd.Process == nil {
		return 0
	}
	return w.cmd.Process.Pid
}

// exitStatus is "exit status 3", "signal: killed", ...; call after exited.
func (w *worker) exitStatus() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state == nil {
		return "status unknown"
	}
	return w.state.String()
}

// deathError describes the worker's end for an evaluator whose stream broke.
func (w *worker) deathError() error {
	w.mu.Lock()
	reason := w.stopReason
	w.mu.Unlock()
	msg := "Python worker exited unexpectedly (" + w.exitStatus() + ")"
	if reason != "" {
		msg = "Python worker was stopped: " + reason
	}
	return &udfError{msg: msg + w.tail.report(500*time.Millisecond)}
}

// startError is a worker that could not be executed at all.
type startError struct {
	executable string
	err        error
}

func (e *startError) Error() string {
	return fmt.Sprintf("cannot start the Python worker with python.executable %q: %v", e.executable, e.err)
}

func (e *startError) Unwrap() error { return e.err }

// udfError is a runtime failure not tied to one function: it becomes a
// udf.Error naming the evaluator's function.
type udfError struct{ msg string }

func (e *udfError) Error() string { return e.msg }

// stderrTail copies a worker's stderr to the runtime's log writer and
// keeps its last lines for error reports.
type stderrTail struct {
	mu    sync.Mutex
	lines []string
	done  chan struct{} // closed at end of file
}

func newStderrTail(r *os.File, out io.Writer) *stderrTail {
	t := &stderrTail{done: make(chan struct{})}
	go func() {
		defer close(t.done)
		defer r.Close()
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				if out != nil {
					_, _ = io.WriteString(out, line)
				}
				t.mu.Lock()
				t.lines = append(t.lines, strings.TrimRight(line, "\r\n"))
				if len(t.lines) > stderrTailLines {
					t.lines = t.lines[len(t.lines)-stderrTailLines:]
				}
				t.mu.Unlock()
			}
			if err != nil {
				if !errors.Is(err, io.EOF) && out != nil {
					fmt.Fprintf(out, "reading a Python worker's stderr: %v\n", err)
				}
				return
			}
		}
	}()
	return t
}

// report is the last stderr lines as a suffix for an error message,
// waiting up to wait for the stream to end so that a dying worker's last
// words are in.
func (t *stderrTail) report(wait time.Duration) string {
	if t == nil {
		return ""
	}
	if wait > 0 {
		select {
		case <-t.done:
		case <-time.After(wait):
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return ""
	}
	return "; its last lines on stderr:\n  " + strings.Join(t.lines, "\n  ")
}
