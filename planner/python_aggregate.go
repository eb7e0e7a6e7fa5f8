package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// pyAggregate is a bound call of a Python aggregate function. It stands in
// the logical plan where built-in aggregates do (aggCall, windowCall);
// build replaces it by an exec.PythonAggregate.
type pyAggregate struct {
	fn       *catalog.PythonFunction
	argTypes []types.Type
	mode     udf.Mode
	reason   string
}

func (a *pyAggregate) Name() string           { return a.fn.Name() }
func (a *pyAggregate) ResultType() types.Type { return a.fn.ResultTypes[0] }

// NewAccumulator is never called on a plan that build finished: it
// returns an accumulator that fails, rather than panicking.
func (a *pyAggregate) NewAccumulator(memory.Allocator) catalog.GroupsAccumulator {
	return failedAccumulator{fmt.Errorf("Python aggregate %s was not built into an operator", a.fn.Name())}
}

type failedAccumulator struct{ err error }

func (f failedAccumulator) Update([]arrow.Array, []uint32, int) error { return f.err }
func (f failedAccumulator) Finish(int) (arrow.Array, error)           { return nil, f.err }

// bindPythonAggregate binds a call of a Python aggregate function.
func (b *builder) bindPythonAggregate(f *catalog.PythonFunction, argNodes []ast.ExprNode, distinct bool, bd *binder) (catalog.BoundAggregate, []scalar, error) {
	if starArgs(argNodes) {
		return nil, nil, fmt.Errorf("aggregate function %s cannot be called with *", f.Name())
	}
	if distinct {
		return nil, nil, fmt.Errorf("DISTINCT is not supported in calls of the Python aggregate function %s", f.Name())
	}
	args, err := bd.bindAll(argNodes)
	if err != nil {
		return nil, nil, err
	}
	if args, err = bindPythonArgs(f, args); err != nil {
		return nil, nil, err
	}
	a := &pyAggregate{fn: f}
	for _, s := range args {
		a.argTypes = append(a.argTypes, s.Type())
	}
	a.mode, a.reason = b.modeOf(f)
	return a, args, nil
}

// physicalAggregate turns a bound Python aggregate into the operation that
// computes it; built-in aggregates pass through. global: no GROUP BY, so
// that group 0 exists even without rows.
func (b *builder) physicalAggregate(fn catalog.BoundAggregate, global bool) (catalog.BoundAggregate, error) {
	a, ok := fn.(*pyAggregate)
	if !ok {
		return fn, nil
	}
	kind := udfpb.Operation_AGGREGATE
	if a.fn.Pandas() {
		kind = udfpb.Operation_PANDAS_AGGREGATE
	}
	var reasons []string
	if a.reason != "" {
		reasons = []string{a.reason}
	}
	py, err := b.pythonOperation(kind, a.mode, reasons)
	if err != nil {
		return nil, err
	}
	py.Op.GlobalAggregate = global
	call := &udfpb.Call{Function: addFunction(py.Op, a.fn, a.argTypes)}
	for i := range a.argTypes {
		call.Arguments = append(call.Arguments, &udfpb.Argument{Source: &udfpb.Argument_Column{Column: int32(i + 1)}})
	}
	py.Op.Calls = []*udfpb.Call{call}
	py.Calls = []string{a.fn.Name()}
	return &exec.PythonAggregate{Py: py, Func: a.fn.Name(), Result: a.ResultType()}, nil
}

// PythonOverMarker marks a Python aggregate called over a window. tidb
// parses OVER only after its own aggregate names, so the sql package
// writes `f(args) OVER (...)` as
//
//	json_objectagg('taipan.over', f(args)) OVER (...)
//
// and the planner reads that form as the call of f.
const PythonOverMarker = "taipan.over"

// pythonOverCall returns f(args) of a window call in PythonOverMarker's
// form, else nil.
func pythonOverCall(w *ast.WindowFuncExpr) *ast.FuncCallExpr {
	if !strings.EqualFold(w.Name, "json_objectagg") || len(w.Args) != 2 {
		return nil
	}
	v, ok := w.Args[0].(ast.ValueExpr)
	if !ok {
		return nil
	}
	if s, ok := v.GetValue().(string); !ok || s != PythonOverMarker {
		return nil
	}
	fc, _ := w.Args[1].(*ast.FuncCallExpr)
	return fc
}

// overPrefix is what the sql package writes before a marked window call.
const overPrefix = "json_objectagg('" + PythonOverMarker + "', "

// writtenText undoes the marking of window calls in a select field's text,
// so that a column is named as the user wrote it: mean_udaf(v) OVER (...)
// rather than json_objectagg('taipan.over', `mean_udaf`(v)) OVER (...).
func writtenText(s string) string {
	for {
		i := strings.Index(s, overPrefix)
		if i < 0 {
			return s
		}
		rest := s[i+len(overPrefix):]
		// The function's name, quoted by the rewrite.
		if strings.HasPrefix(rest, "`") {
			if end := strings.IndexByte(rest[1:], '`'); end >= 0 {
				rest = rest[1:end+1] + rest[end+2:]
			}
		}
		// Drop the closing parenthesis of json_objectagg( itself.
		depth, quote := 1, byte(0)
		for j := 0; j < len(rest); j++ {
			c := rest[j]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"' || c == '`':
				quote = c
			case c == '(':
				depth++
			case c == ')':
				if depth--; depth == 0 {
					rest = rest[:j] + rest[j+1:]
					j = len(rest)
				}
			}
		}
		s = s[:i] + rest
	}
}
