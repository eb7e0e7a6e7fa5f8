package taipan

import (
	"context"
	"fmt"
	"strings"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/sql"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

// createFunction imports the function at once (through the PROCESS
// runtime, whatever the mode its calls will run in), so that a missing
// module or attribute, or an object that is not a function, fails here.
func (s *Session) createFunction(ctx context.Context, st *sql.CreateFunctionStmt) (*Rows, error) {
	if old, ok := s.eng.cat.Function(st.Name); ok {
		_, python := old.(*catalog.PythonFunction)
		switch {
		case st.IfNotExists:
			return okRows("OK", 0), nil
		case !python && !(st.Temporary && st.System):
			return nil, fmt.Errorf("function %q is a built-in function: choose another name (only CREATE TEMPORARY SYSTEM FUNCTION may shadow it)", st.Name)
		case python:
			return nil, fmt.Errorf("function %q already exists", st.Name)
		}
	}
	rt, err := s.eng.runtime(udf.Process)
	if err != nil {
		return nil, err
	}
	sig, err := rt.Describe(ctx, st.Target, udf.EnvOf(s.settings))
	if err != nil {
		return nil, fmt.Errorf("CREATE FUNCTION %s AS '%s': %w", st.Name, st.Target, err)
	}
	f, err := catalog.NewPythonFunction(st.Name, st.Target, sig)
	if err != nil {
		return nil, err
	}
	f.Temporary, f.System = st.Temporary, st.System
	if err := s.eng.cat.AddFunction(f, true); err != nil {
		return nil, err
	}
	return okRows("OK", 0), nil
}

func (s *Session) dropFunction(st *sql.DropFunctionStmt) (*Rows, error) {
	f, ok := s.eng.cat.Function(st.Name)
	if !ok {
		if st.IfExists {
			return okRows("OK", 0), nil
		}
		return nil, fmt.Errorf("function %q does not exist", st.Name)
	}
	if _, python := f.(*catalog.PythonFunction); !python {
		return nil, fmt.Errorf("function %q is a built-in function and cannot be dropped", st.Name)
	}
	s.eng.cat.DropFunction(st.Name)
	// A Python function that shadowed a built-in one gives its name back.
	s.eng.restoreBuiltin(st.Name)
	return okRows("OK", 0), nil
}

// showFunctions lists Python functions, then built-in ones, each sorted by
// name: name, kind ("general scalar", "pandas aggregate", "built-in
// scalar"...) and signature.
func (s *Session) showFunctions() (*Rows, error) {
	var python, builtins [][]types.Value
	for _, f := range s.eng.cat.Functions() {
		if pf, ok := f.(*catalog.PythonFunction); ok {
			kind := "general " + pf.Kind().String()
			if pf.Pandas() {
				kind = "pandas " + pf.Kind().String()
			}
			python = append(python, []types.Value{pf.Name(), kind, pythonSignature(pf)})
			continue
		}
		builtins = append(builtins, []types.Value{f.Name(), "built-in " + f.Kind().String(), ""})
	}
	return tableRows([]string{"name", "kind", "signature"}, append(python, builtins...))
}

// pythonSignature writes name(types) -> result as SHOW FUNCTIONS prints it;
// "..." stands for argument types taken from the call.
func pythonSignature(f *catalog.PythonFunction) string {
	args := "..."
	if f.InputTypes != nil {
		parts := make([]string, len(f.InputTypes))
		for i, t := range f.InputTypes {
			parts[i] = t.String()
		}
		args = strings.Join(parts, ", ")
	}
	results := make([]string, len(f.ResultTypes))
	for i, t := range f.ResultTypes {
		results[i] = t.String()
	}
	res := strings.Join(results, ", ")
	if f.Kind() == catalog.KindTable {
		res = "TABLE(" + res + ")"
	}
	return fmt.Sprintf("%s(%s) -> %s", f.Name(), args, res)
}

// describeFunction lists what Taipan knows of one function, the mode its
// calls would run in under the session's settings included.
func (s *Session) describeFunction(name string) (*Rows, error) {
	f, ok := s.eng.cat.Function(name)
	if !ok {
		return nil, fmt.Errorf("function %q does not exist", name)
	}
	pf, ok := f.(*catalog.PythonFunction)
	if !ok {
		return tableRows([]string{"info_name", "info_value"}, [][]types.Value{
			{"name", f.Name()}, {"kind", "built-in " + f.Kind().String()}, {"language", "SQL"},
		})
	}
	mode, why := udf.ModeFor(pf, s.settings)
	modeText := mode.String()
	if why != "" {
		modeText += " (" + why + ")"
	}
	funcType := "general"
	if pf.Pandas() {
		funcType = "pandas"
	}
	sig := pf.Signature
	rows := [][]types.Value{
		{"name", pf.Name()},
		{"kind", pf.Kind().String()},
		{"function type", funcType},
		{"language", "PYTHON"},
		{"target", pf.Target},
		{"signature", pythonSignature(pf)},
	}
	if acc := sig.GetAccumulatorType(); acc != "" {
		rows = append(rows, []types.Value{"accumulator type", acc})
	}
	rows = append(rows,
		[]types.Value{"deterministic", fmt.Sprint(sig.GetDeterministic())},
		[]types.Value{"temporary", fmt.Sprint(pf.Temporary)},
		[]types.Value{"system", fmt.Sprint(pf.System)},
		[]types.Value{"execution mode", modeText},
	)
	return tableRows([]string{"info_name", "info_value"}, rows)
}

// restoreBuiltin re-registers the built-in function called name, if there
// is one and the name is free.
func (e *Engine) restoreBuiltin(name string) {
	if f, ok := e.builtins[strings.ToLower(name)]; ok {
		if _, taken := e.cat.Function(name); !taken {
			_ = e.cat.AddFunction(f, false)
		}
	}
}
