package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// correlateNode calls a table function once per row of its child: its
// columns are the child's, then the function's result columns.
type correlateNode struct {
	child  node
	fn     *catalog.PythonFunction
	args   []scalar // over child's columns
	mode   udf.Mode
	reason string
	outer  bool // LEFT JOIN: rows without results keep one row of NULLs
	cols   []column
}

func (n *correlateNode) columns() []column { return n.cols }

func (n *correlateNode) mapChildren(f func(node) (node, error)) (node, error) {
	c := *n
	var err error
	c.child, err = f(n.child)
	return &c, err
}

// tableFunctionCall recognises the form the sql package gives
// LATERAL TABLE(f(x)) AS T(a, b): a LATERAL derived table whose query is
// one call of a table function with no FROM.
func (b *builder) tableFunctionCall(ts *ast.TableSource) (*ast.FuncCallExpr, *catalog.PythonFunction) {
	if !ts.Lateral {
		return nil, nil
	}
	sel, ok := ts.Source.(*ast.SelectStmt)
	if !ok || sel.From != nil || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.Where != nil || sel.GroupBy != nil {
		return nil, nil
	}
	fc, ok := sel.Fields.Fields[0].Expr.(*ast.FuncCallExpr)
	if !ok {
		return nil, nil
	}
	f, ok := b.cat.Function(fc.FnName.L)
	if !ok {
		return nil, nil
	}
	pf, ok := f.(*catalog.PythonFunction)
	if !ok || pf.Kind() != catalog.KindTable {
		return nil, nil
	}
	return fc, pf
}

// planLateralTable plans `left, LATERAL TABLE(f(args)) AS T(c1, ...)` and
// its JOIN and LEFT JOIN ... ON TRUE forms.
func (b *builder) planLateralTable(j *ast.Join, ts *ast.TableSource, fc *ast.FuncCallExpr, f *catalog.PythonFunction, env *cteEnv) (node, []column, error) {
	left, lscope, err := b.planFrom(j.Left, env)
	if err != nil {
		return nil, nil, err
	}
	alias := ts.AsName.O
	names := make([]string, len(f.ResultTypes))
	switch {
	case len(ts.ColumnNames) == len(f.ResultTypes):
		for i, c := range ts.ColumnNames {
			names[i] = c.O
		}
	case len(ts.ColumnNames) == 0:
		for i := range names {
			names[i] = fmt.Sprintf("f%d", i)
		}
	default:
		return nil, nil, fmt.Errorf("table function %s returns %d columns, but AS %s names %d", f.Name(), len(f.ResultTypes), alias, len(ts.ColumnNames))
	}
	outer := false
	switch {
	case j.Tp == ast.LeftJoin:
		outer = true
	case j.Tp == ast.RightJoin:
		return nil, nil, fmt.Errorf("RIGHT JOIN LATERAL TABLE(%s(...)) is not supported: use LEFT JOIN or a comma", f.Name())
	}
	if j.Using != nil || j.NaturalJoin {
		return nil, nil, fmt.Errorf("a join with LATERAL TABLE(%s(...)) takes ON TRUE, not USING or NATURAL", f.Name())
	}
	bd := &binder{b: b, scope: lscope, clause: "table function arguments"}
	args, err := bd.bindAll(fc.Args)
	if err != nil {
		return nil, nil, err
	}
	if args, err = bindPythonArgs(f, args); err != nil {
		return nil, nil, err
	}
	mode, reason := b.modeOf(f)
	rscope := make([]column, len(names))
	cols := append([]column(nil), left.columns()...)
	for i, name := range names {
		rscope[i] = column{Table: alias, Name: name, Type: f.ResultTypes[i], Nullable: true}
		cols = append(cols, column{Table: alias, Name: name, Type: f.ResultTypes[i], Nullable: true})
	}
	// No check that alias differs from the tables on the left: names
	// compare without case, and Flink's own example is
	// FROM t, LATERAL TABLE(split(s)) AS T(word, n).
	if err := uniqueColumns(rscope, "LATERAL TABLE "+alias); err != nil {
		return nil, nil, err
	}
	scope := append(append([]column(nil), lscope...), rscope...)
	var n node = &correlateNode{child: left, fn: f, args: args, mode: mode, reason: reason, outer: outer, cols: cols}
	if j.On != nil {
		on, err := (&binder{b: b, scope: scope, clause: "on clause"}).bind(j.On.Expr)
		if err != nil {
			return nil, nil, err
		}
		if !isTrue(on) {
			if outer {
				return nil, nil, fmt.Errorf("LEFT JOIN LATERAL TABLE(%s(...)) takes ON TRUE; filter the rows in WHERE", f.Name())
			}
			if on, err = b.predicate(on); err != nil {
				return nil, nil, err
			}
			n = &filterNode{child: n, pred: on}
		}
	}
	return n, scope, nil
}

// isTrue reports whether s is the constant TRUE (or a non-zero number).
func isTrue(s scalar) bool {
	c, ok := s.(*constant)
	if !ok {
		return false
	}
	switch v := c.Value.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	}
	return false
}

func (n *correlateNode) cutPython(b *builder) (node, error) {
	if !hasPython(n.args...) {
		return n, nil
	}
	w := len(n.child.columns())
	child, args, err := b.cutPython(n.child, n.args)
	if err != nil {
		return nil, err
	}
	c := *n
	c.child, c.args = child, args
	c.cols = append(append([]column(nil), child.columns()...), n.cols[w:]...)
	refs := colRefs(c.cols)
	wide := len(child.columns())
	exprs := append(append([]scalar(nil), refs[:w]...), refs[wide:]...)
	return &projectNode{child: &c, exprs: exprs, cols: n.cols}, nil
}

func (n *correlateNode) build(b *builder) (exec.Operator, error) {
	child, err := b.build(n.child)
	if err != nil {
		return nil, err
	}
	var reasons []string
	if n.reason != "" {
		reasons = []string{n.reason}
	}
	py, err := b.pythonOperation(udfpb.Operation_TABLE, n.mode, reasons)
	if err != nil {
		return nil, err
	}
	oc := &pyOpCall{fn: n.fn}
	var inputs []scalar
	for _, a := range n.args {
		oc.argTypes = append(oc.argTypes, a.Type())
		if c, ok := a.(*constant); ok && constantArg(c) {
			oc.args = append(oc.args, pyArg{constant: c})
			continue
		}
		oc.args = append(oc.args, pyArg{input: len(inputs)})
		inputs = append(inputs, a)
	}
	compiled, err := compileAll(inputs)
	if err != nil {
		return nil, err
	}
	pc, text := opCall(py.Op, oc, compiled, 0)
	py.Op.Calls = []*udfpb.Call{pc}
	py.Calls = []string{text}
	w := len(n.child.columns())
	results := make([]types.Column, len(n.cols)-w)
	for i, c := range n.cols[w:] {
		results[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return exec.NewPythonCorrelate(child, compiled, py, results, n.outer), nil
}
