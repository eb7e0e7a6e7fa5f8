package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

// pyCall is a call of a Python scalar function. It stays in expressions
// while binding; cutPythonCalls (python_rule.go) moves it into a
// PythonCalc operator and leaves a column reference in its place.
type pyCall struct {
	Fn   *catalog.PythonFunction
	Args []scalar // already cast to the function's declared input types
	Mode udf.Mode
	// Reason says why Mode is not the session's python.execution-mode
	// ("" when it is).
	Reason string
}

// colMapper is implemented by scalars defined outside scalar.go, so that
// mapCols reaches the column references inside them.
type colMapper interface {
	mapCols(f func(*colRef) scalar) scalar
}

func (c *pyCall) Type() types.Type { return c.Fn.ResultTypes[0] }
func (c *pyCall) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		// The casts to declared input types are implicit: show the
		// call as written.
		if ca, ok := a.(*cast); ok && ca.Target != "" {
			a = ca.Arg
		}
		parts[i] = scalarText(a)
	}
	return fmt.Sprintf("%s(%s)", c.Fn.Name(), strings.Join(parts, ", "))
}
func (c *pyCall) key() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.key()
	}
	return fmt.Sprintf("py:%s(%s)", c.Fn.Name(), strings.Join(parts, ","))
}
func (c *pyCall) mapCols(f func(*colRef) scalar) scalar {
	out := *c
	out.Args = make([]scalar, len(c.Args))
	for i, a := range c.Args {
		out.Args[i] = mapCols(a, f)
	}
	return &out
}

// deterministic reports whether two calls with equal arguments may share
// one evaluation.
func (c *pyCall) deterministic() bool { return c.Fn.Signature.GetDeterministic() }

// modeOf is the mode a Python function's calls run in under the session's
// settings, and why when it falls back.
func (b *builder) modeOf(f *catalog.PythonFunction) (udf.Mode, string) {
	settings := b.settings
	if settings == nil {
		settings = catalog.NewSettings()
	}
	return udf.ModeFor(f, settings)
}

// env is the Python environment of the session's settings.
func (b *builder) env() udf.Env {
	settings := b.settings
	if settings == nil {
		settings = catalog.NewSettings()
	}
	return udf.EnvOf(settings)
}

// batchSize is python.fn-execution.arrow.batch.size.
func (b *builder) pyBatchSize() int {
	if b.settings == nil {
		return catalog.NewSettings().BatchSize()
	}
	return b.settings.BatchSize()
}

// pythonCall binds a call of a Python scalar function.
func (bd *binder) pythonCall(f *catalog.PythonFunction, n *ast.FuncCallExpr) (scalar, error) {
	switch f.Kind() {
	case catalog.KindTable:
		return nil, fmt.Errorf("table function %s can only be called in FROM, as LATERAL TABLE(%s(...)) AS T(c1, ...)", f.Name(), f.Name())
	case catalog.KindAggregate:
		return nil, fmt.Errorf("aggregate function %s is not allowed in %s", exprText(n), bd.clause)
	}
	args, err := bd.bindAll(n.Args)
	if err != nil {
		return nil, err
	}
	if args, err = bindPythonArgs(f, args); err != nil {
		return nil, err
	}
	mode, reason := bd.b.modeOf(f)
	return &pyCall{Fn: f, Args: args, Mode: mode, Reason: reason}, nil
}

// bindPythonArgs checks the number of arguments of a call of f and casts
// them to f's declared input types.
func bindPythonArgs(f *catalog.PythonFunction, args []scalar) ([]scalar, error) {
	sig := f.Signature
	switch {
	case sig.GetInputTypesDeclared():
		if len(args) != len(f.InputTypes) {
			return nil, fmt.Errorf("function %s takes %d arguments (%s), got %d", f.Name(), len(f.InputTypes), typeList(f.InputTypes), len(args))
		}
	case sig.GetMinArguments() > 0 || sig.GetMaxArguments() > 0:
		lo, hi := int(sig.GetMinArguments()), int(sig.GetMaxArguments())
		if len(args) < lo || (hi >= 0 && len(args) > hi) {
			want := fmt.Sprintf("%d to %d", lo, hi)
			switch {
			case hi < 0:
				want = fmt.Sprintf("at least %d", lo)
			case lo == hi:
				want = fmt.Sprint(lo)
			}
			return nil, fmt.Errorf("function %s takes %s arguments, got %d", f.Name(), want, len(args))
		}
	}
	if f.InputTypes == nil {
		return args, nil
	}
	out := make([]scalar, len(args))
	for i, a := range args {
		c, err := implicitCast(a, f.InputTypes[i])
		if err != nil {
			return nil, fmt.Errorf("function %s: argument %d (%s) is %s, which does not convert implicitly to the declared %s", f.Name(), i+1, a, a.Type(), f.InputTypes[i])
		}
		if cc, ok := c.(*cast); ok {
			cc.Target = fmt.Sprintf("argument %d of %s", i+1, f.Name())
		}
		out[i] = c
	}
	return out, nil
}

func typeList(ts []types.Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, ", ")
}

// implicitCast converts e to t where SQL converts without an explicit
// CAST: between numbers (and BOOLEAN, MySQL's small integer), between
// strings of any length, between binary strings, strings to binary, DATE
// to TIMESTAMP, string constants to dates and times, and NULL to anything.
// Everything else, nested types included, must match exactly.
func implicitCast(e scalar, t types.Type) (scalar, error) {
	from := e.Type()
	numberLike := func(t types.Type) bool { return t.IsNumeric() || t.Kind == types.Bool }
	_, isConst := e.(*constant)
	ok := false
	switch {
	case from.Equal(t), from.Kind == types.Null:
		ok = true
	case from.IsNested() || t.IsNested():
	case numberLike(from) && numberLike(t):
		ok = true
	case (from.Kind == types.String || from.Kind == types.Binary) && from.Kind == t.Kind && t.Length == 0:
		// VARCHAR(n) is TEXT to Python: the same values, no cast.
		return e, nil
	case from.Kind == types.String && (t.Kind == types.String || t.Kind == types.Binary):
		ok = true
	case from.Kind == types.Binary && t.Kind == types.Binary:
		ok = true
	case from.Kind == types.Date && t.Kind == types.Timestamp, from.Kind == types.Timestamp && t.Kind == types.Timestamp:
		ok = true
	case from.Kind == types.String && isConst && (t.Kind == types.Date || t.Kind == types.Timestamp):
		ok = true
	}
	if !ok {
		return nil, fmt.Errorf("cannot convert %s to %s implicitly", from, t)
	}
	return newCast(e, t)
}

// walkScalar calls f on s and, while f returns true, on its parts.
func walkScalar(s scalar, f func(scalar) bool) {
	if !f(s) {
		return
	}
	switch s := s.(type) {
	case *call:
		for _, a := range s.Args {
			walkScalar(a, f)
		}
	case *cast:
		walkScalar(s.Arg, f)
	case *pyCall:
		for _, a := range s.Args {
			walkScalar(a, f)
		}
	}
}

// hasPython reports whether any of ss calls a Python function.
func hasPython(ss ...scalar) bool {
	found := false
	for _, s := range ss {
		walkScalar(s, func(x scalar) bool {
			if _, ok := x.(*pyCall); ok {
				found = true
			}
			return !found
		})
	}
	return found
}

// outerPython returns the Python calls of s that no other Python call
// encloses, outermost first.
func outerPython(s scalar) []*pyCall {
	var out []*pyCall
	walkScalar(s, func(x scalar) bool {
		if p, ok := x.(*pyCall); ok {
			out = append(out, p)
			return false
		}
		return true
	})
	return out
}

// replacePython returns s with every outermost Python call replaced by
// f's result.
func replacePython(s scalar, f func(*pyCall) scalar) scalar {
	switch s := s.(type) {
	case *pyCall:
		return f(s)
	case *call:
		args := make([]scalar, len(s.Args))
		for i, a := range s.Args {
			args[i] = replacePython(a, f)
		}
		return &call{Fn: s.Fn, Args: args}
	case *cast:
		return &cast{Arg: replacePython(s.Arg, f), To: s.To, Target: s.Target}
	}
	return s
}

// scalarText is s as EXPLAIN prints expressions (a * 2, not mul(a, 2)).
func scalarText(s scalar) string {
	named := replacePython(s, func(p *pyCall) scalar {
		return &colRef{Name: p.String(), Typ: p.Type()}
	})
	if e, err := compile(named); err == nil {
		return e.String()
	}
	return s.String()
}
