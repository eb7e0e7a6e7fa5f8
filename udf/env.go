package udf

import (
	"path/filepath"
	"strings"

	"github.com/taipandb/taipan/catalog"
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
