package taipan

import (
	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/process"
	"github.com/taipandb/taipan/udf/thread"
)

// The runtimes built into this binary, started on first use.
func init() {
	runtimeFactories[udf.Process] = func(o options) (udf.Runtime, error) {
		return process.New(process.Options{Workers: o.pythonWorkers, Stderr: o.pythonStderr}), nil
	}
	runtimeFactories[udf.Thread] = func(options) (udf.Runtime, error) {
		return thread.New()
	}
}
