// Package udf is the Python function runtime as the rest of the engine
// sees it: a Runtime per execution mode prepares Evaluators from function
// descriptors (udfpb.Operation), and an Evaluator streams Arrow batches
// through one Python operation.
//
// The planner picks a Mode for every Python call; exec drives Evaluators.
// Neither imports a mode's package (udf/process, udf/thread): the root
// package wires the runtimes in. udf must not import exec, planner or sql.
package udf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/udf/udfpb"
)

// Mode is where Python functions run.
type Mode int

const (
	// Process runs functions in separate Python worker processes, reached
	// over Arrow Flight on a Unix socket.
	Process Mode = iota
	// Thread runs functions in a CPython interpreter embedded in the
	// engine's process.
	Thread
)

func (m Mode) String() string {
	if m == Thread {
		return "THREAD"
	}
	return "PROCESS"
}

// Env is what a runtime needs besides the descriptor: where Python is and
// what it may import.
type Env struct {
	// Executable is python.executable; empty means DefaultExecutable().
	Executable string
	// Files is python.files: .py files, .zip archives and directories made
	// importable, in order.
	Files []string
	// JobParameters are every setting of the session, for
	// FunctionContext.get_job_parameter.
	JobParameters map[string]string
}

// Runtime runs Python operations in one mode. It is safe for concurrent
// use.
type Runtime interface {
	Mode() Mode
	// Describe imports target ('module.attribute') and reports what kind of
	// function it is. CREATE FUNCTION calls it, so that a missing module or
	// attribute, or an object that is not a function, fails there.
	Describe(ctx context.Context, target string, env Env) (*udfpb.FunctionSignature, error)
	// Prepare opens one operation. Its Evaluator belongs to one goroutine.
	Prepare(ctx context.Context, op *udfpb.Operation, env Env) (Evaluator, error)
	// Close stops everything the runtime started.
	Close() error
}

// Evaluator streams batches through one prepared operation, in the batch
// conventions of udf/python/taipan/operations.py for the operation's kind.
//
// SCALAR and TABLE operations give one output batch per input batch, in
// order: Send may run ahead of Receive by a few batches so that a remote
// runtime keeps busy. Aggregate operations give their output at Finish.
type Evaluator interface {
	// Send hands over one input batch. The evaluator retains it as long as
	// it needs it; the caller may release its own reference at once.
	Send(ctx context.Context, in arrow.Record) error
	// Receive returns the output of the oldest batch sent and not yet
	// received. The caller releases it.
	Receive(ctx context.Context) (arrow.Record, error)
	// Finish ends the input and returns the operation's final output (nil
	// for SCALAR and TABLE). The caller releases it.
	Finish(ctx context.Context) (arrow.Record, error)
	// Close releases the operation; safe to call twice and after errors.
	Close() error
}

// Eval sends one batch and receives its output: the simple way to drive
// a SCALAR or TABLE evaluator one batch at a time.
func Eval(ctx context.Context, ev Evaluator, in arrow.Record) (arrow.Record, error) {
	if err := ev.Send(ctx, in); err != nil {
		return nil, err
	}
	return ev.Receive(ctx)
}

// Error is a failure inside a Python function or the runtime, carrying the
// function's name and, when Python raised, the traceback.
type Error struct {
	Function  string // SQL name of the function, when known
	Message   string // "ZeroDivisionError: division by zero", or the runtime's message
	Traceback string // Python's formatted traceback, when there is one
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Function != "" {
		fmt.Fprintf(&b, "Python function %s failed: ", e.Function)
	}
	b.WriteString(e.Message)
	if e.Traceback != "" {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(e.Traceback, "\n"))
	}
	return b.String()
}

// DefaultExecutableEnv names the environment variable that overrides the
// interpreter found by DefaultExecutable.
const DefaultExecutableEnv = "TAIPAN_PYTHON"

// DefaultExecutable is the Python interpreter used when python.executable
// is empty: $TAIPAN_PYTHON if set, else the set-up's virtual environment
// (.venv/bin/python in the source tree this binary was built from, or in
// the current directory or one of its parents), else python3 on PATH.
func DefaultExecutable() string {
	if p := os.Getenv(DefaultExecutableEnv); p != "" {
		return p
	}
	if builtVenv != "" {
		if _, err := os.Stat(builtVenv); err == nil {
			return builtVenv
		}
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, ".venv", "bin", "python")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "python3"
}

// builtVenv is set at link time by the Makefile
// (-X github.com/taipandb/taipan/udf.builtVenv=/abs/.venv/bin/python).
var builtVenv string
