package catalog

import (
	"fmt"
	"strings"

	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf/udfpb"
)

// PythonFunction is a function registered with CREATE FUNCTION ... LANGUAGE
// PYTHON: where it lives and what importing it told us. The planner turns
// its calls into Python operators; nothing evaluates it here.
type PythonFunction struct {
	SQLName   string
	Target    string // module.attribute
	Temporary bool
	System    bool
	Signature *udfpb.FunctionSignature

	// Parsed from Signature: the declared input types (nil when the SQL
	// argument types are passed as they are), result types (one, or one
	// per column of a table function) and accumulator type (nil: none).
	InputTypes  []types.Type
	ResultTypes []types.Type
}

// NewPythonFunction checks a signature reported by the runtime and parses
// its types.
func NewPythonFunction(name, target string, sig *udfpb.FunctionSignature) (*PythonFunction, error) {
	f := &PythonFunction{SQLName: strings.ToLower(name), Target: target, Signature: sig}
	parse := func(what string, ss []string) ([]types.Type, error) {
		out := make([]types.Type, len(ss))
		for i, s := range ss {
			t, err := types.Parse(s)
			if err != nil {
				return nil, fmt.Errorf("function %s (%s): %s type: %w", name, target, what, err)
			}
			out[i] = t
		}
		return out, nil
	}
	var err error
	if sig.GetInputTypesDeclared() {
		if f.InputTypes, err = parse("input", sig.GetInputTypes()); err != nil {
			return nil, err
		}
	}
	if f.ResultTypes, err = parse("result", sig.GetResultTypes()); err != nil {
		return nil, err
	}
	if len(f.ResultTypes) == 0 {
		return nil, fmt.Errorf("function %s (%s): no result type", name, target)
	}
	switch sig.GetKind() {
	case udfpb.FunctionSignature_SCALAR, udfpb.FunctionSignature_TABLE, udfpb.FunctionSignature_AGGREGATE:
	default:
		return nil, fmt.Errorf("function %s (%s): unknown kind %v", name, target, sig.GetKind())
	}
	return f, nil
}

// Name is the SQL name, lower case.
func (f *PythonFunction) Name() string { return f.SQLName }

// Kind is scalar, table or aggregate.
func (f *PythonFunction) Kind() FunctionKind {
	switch f.Signature.GetKind() {
	case udfpb.FunctionSignature_TABLE:
		return KindTable
	case udfpb.FunctionSignature_AGGREGATE:
		return KindAggregate
	}
	return KindScalar
}

// Pandas reports whether the function is vectorized (func_type='pandas').
func (f *PythonFunction) Pandas() bool {
	return f.Signature.GetFuncType() == udfpb.Function_PANDAS
}

// KindText is what SHOW FUNCTIONS prints: "scalar", "pandas scalar",
// "table", "aggregate", "pandas aggregate".
func (f *PythonFunction) KindText() string {
	if f.Pandas() {
		return "pandas " + f.Kind().String()
	}
	return f.Kind().String()
}
