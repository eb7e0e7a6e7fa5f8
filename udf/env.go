package udf

import (
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/udf/udfpb"
)

// EnvOf builds the Env of a session's settings: python.executable,
// python.files (split on commas, relative paths made absolute against
// the engine's working directory, so that workers started elsewhere find
// them) and every setting as a job parameter.
func EnvOf(s *catalog.Settings) Env {
	env := Env{JobParameters: map[string]string{}}
	env.Executable, _ = s.Get(catalog.PythonExecKey)
	files, _ := s.Get(catalog.PythonFilesKey)
	for _, f := range strings.Split(files, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if abs, err := filepath.Abs(f); err == nil {
			f = abs
		}
		env.Files = append(env.Files, f)
	}
	for _, e := range s.List() {
		env.JobParameters[e.Key] = e.Value
	}
	return env
}

// ModeFor is the mode a Python function's calls run in under a session's
// python.execution-mode, and, when that is not the mode asked for, why:
// THREAD mode runs general scalar and table functions; aggregate and
// Pandas functions fall back to PROCESS.
func ModeFor(f *catalog.PythonFunction, s *catalog.Settings) (Mode, string) {
	if s.ExecutionMode() != "thread" {
		return Process, ""
	}
	switch {
	case f.Kind() == catalog.KindAggregate && f.Pandas():
		return Process, "pandas aggregate functions run in PROCESS mode"
	case f.Kind() == catalog.KindAggregate:
		return Process, "aggregate functions run in PROCESS mode"
	case f.Pandas():
		return Process, "pandas functions run in PROCESS mode"
	}
	return Thread, ""
}

// Descriptor is the operation both runtimes hand to Python: op, with
// env.Files as python_files when op has none and env.JobParameters added
// to its job parameters (op's own values win). op itself is not changed.
func Descriptor(op *udfpb.Operation, env Env) *udfpb.Operation {
	if (len(op.PythonFiles) > 0 || len(env.Files) == 0) && len(env.JobParameters) == 0 {
		return op
	}
	sent := proto.Clone(op).(*udfpb.Operation)
	if len(sent.PythonFiles) == 0 {
		sent.PythonFiles = env.Files
	}
	if sent.JobParameters == nil {
		sent.JobParameters = map[string]string{}
	}
	for k, v := range env.JobParameters {
		if _, ok := sent.JobParameters[k]; !ok {
			sent.JobParameters[k] = v
		}
	}
	return sent
}

// FunctionNames names an operation's functions for errors: the SQL name of
// each distinct function, joined with ", " when one operation fuses several.
func FunctionNames(op *udfpb.Operation) string {
	var names []string
	seen := map[string]bool{}
	for _, f := range op.GetFunctions() {
		if n := f.GetName(); n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
