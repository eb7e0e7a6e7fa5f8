package udf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/udf/udfpb"
)

func TestEnvOf(t *testing.T) {
	s := catalog.NewSettings()
	require.NoError(t, s.Set(catalog.PythonFilesKey, "funcs.py, /abs/lib.zip,,dir"))
	require.NoError(t, s.Set("team", "blue"))
	env := EnvOf(s)
	wd, _ := os.Getwd()
	require.Equal(t, []string{filepath.Join(wd, "funcs.py"), "/abs/lib.zip", filepath.Join(wd, "dir")}, env.Files)
	require.Equal(t, "blue", env.JobParameters["team"])
	require.Equal(t, "process", env.JobParameters[catalog.ExecutionModeKey])
	require.Equal(t, "", env.Executable)
}

func TestModeFor(t *testing.T) {
	fn := func(kind udfpb.FunctionSignature_Kind, ft udfpb.Function_FuncType) *catalog.PythonFunction {
		f, err := catalog.NewPythonFunction("f", "m.f", &udfpb.FunctionSignature{Kind: kind, FuncType: ft, ResultTypes: []string{"BIGINT"}})
		require.NoError(t, err)
		return f
	}
	s := catalog.NewSettings()
	for _, f := range []*catalog.PythonFunction{fn(udfpb.FunctionSignature_SCALAR, udfpb.Function_GENERAL), fn(udfpb.FunctionSignature_AGGREGATE, udfpb.Function_PANDAS)} {
		m, why := ModeFor(f, s)
		require.Equal(t, Process, m)
		require.Empty(t, why)
	}
	require.NoError(t, s.Set(catalog.ExecutionModeKey, "thread"))
	for _, c := range []struct {
		f    *catalog.PythonFunction
		mode Mode
		why  string
	}{
		{fn(udfpb.FunctionSignature_SCALAR, udfpb.Function_GENERAL), Thread, ""},
		{fn(udfpb.FunctionSignature_TABLE, udfpb.Function_GENERAL), Thread, ""},
		{fn(udfpb.FunctionSignature_SCALAR, udfpb.Function_PANDAS), Process, "pandas functions run in PROCESS mode"},
		{fn(udfpb.FunctionSignature_AGGREGATE, udfpb.Function_GENERAL), Process, "aggregate functions run in PROCESS mode"},
		{fn(udfpb.FunctionSignature_AGGREGATE, udfpb.Function_PANDAS), Process, "pandas aggregate functions run in PROCESS mode"},
	} {
		m, why := ModeFor(c.f, s)
		require.Equal(t, c.mode, m)
		require.Equal(t, c.why, why)
	}
}

func TestDescriptorMergesTheEnvironment(t *testing.T) {
	op := &udfpb.Operation{JobParameters: map[string]string{"a": "op"}}
	got := Descriptor(op, Env{Files: []string{"/f.py"}, JobParameters: map[string]string{"a": "env", "b": "env"}})
	require.Equal(t, []string{"/f.py"}, got.PythonFiles)
	require.Equal(t, map[string]string{"a": "op", "b": "env"}, got.JobParameters, "the operation's own values win")
	require.Empty(t, op.PythonFiles, "op is not changed")
	require.Len(t, op.JobParameters, 1)

	own := &udfpb.Operation{PythonFiles: []string{"/own.py"}}
	require.Same(t, own, Descriptor(own, Env{Files: []string{"/f.py"}}), "nothing to add: op itself")
	require.Equal(t, []string{"/own.py"}, Descriptor(own, Env{Files: []string{"/f.py"}, JobParameters: map[string]string{"k": "v"}}).PythonFiles)
}

func TestFunctionNames(t *testing.T) {
	op := &udfpb.Operation{Functions: []*udfpb.Function{{Name: "f"}, {Name: "g"}, {Name: "f"}, {}}}
	require.Equal(t, "f, g", FunctionNames(op))
	require.Equal(t, "", FunctionNames(&udfpb.Operation{}))
}
