//go:build !cgo

package thread

import (
	"context"
	"errors"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// errNoCgo is every answer of a build without cgo, which cannot embed
// CPython.
var errNoCgo = errors.New("THREAD mode is not available: this Taipan was built without cgo (CGO_ENABLED=0), " +
	"so it cannot embed Python; use SET python.execution-mode = 'process' or build with cgo")

// Runtime is THREAD mode's udf.Runtime; without cgo it cannot run.
type Runtime struct{}

var _ udf.Runtime = (*Runtime)(nil)

// New fails: THREAD mode needs cgo.
func New() (*Runtime, error) { return nil, errNoCgo }

// Mode is udf.Thread.
func (r *Runtime) Mode() udf.Mode { return udf.Thread }

// Interpreter is empty: no interpreter is embedded.
func (r *Runtime) Interpreter() string { return "" }

// Describe fails: THREAD mode needs cgo.
func (r *Runtime) Describe(context.Context, string, udf.Env) (*udfpb.FunctionSignature, error) {
	return nil, errNoCgo
}

// Prepare fails: THREAD mode needs cgo.
func (r *Runtime) Prepare(context.Context, *udfpb.Operation, udf.Env) (udf.Evaluator, error) {
	return nil, errNoCgo
}

// Close does nothing.
func (r *Runtime) Close() error { return nil }
