package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/exec"
)

// A recursive CTE is planned as its anchor (the SELECTs before the first
// that reads the CTE) and its recursive part (the rest, joined by UNION
// [ALL]), whose references to the CTE read a work table: the rows of the
// previous iteration. Column types are the anchor's, as in MySQL; the
// recursive part is cast to them.

// workRef links a recursive part's reads of its CTE with the work table
// the operator iterating it fills at run time.
type workRef struct {
	name string
	cols []column
	wt   *exec.WorkTable
}

// workTableNode reads the previous iteration's rows.
type workTableNode struct {
	ref  *workRef
	cols []column
}

func (n *workTableNode) columns() []column { return n.cols }

func (n *workTableNode) build(b *builder) (exec.Operator, error) {
	if n.ref.wt == nil {
		return nil, fmt.Errorf("recursive common table expression %q is read outside its iteration", n.ref.name)
	}
	return exec.NewWorkTableScan(n.ref.wt, n.ref.name), nil
}

// recursiveNode is a recursive CTE: anchor then step to a fixed point.
type recursiveNode struct {
	name     string
	anchor   node
	step     node
	distinct bool
	ref      *workRef
	cols     []column
}

func (n *recursiveNode) columns() []column { return n.cols }

func (n *recursiveNode) mapChildren(f func(node) (node, error)) (node, error) {
	c := *n
	var err error
	if c.anchor, err = f(n.anchor); err != nil {
		return nil, err
	}
	c.step, err = f(n.step)
	return &c, err
}

func (n *recursiveNode) build(b *builder) (exec.Operator, error) {
	anchor, err := b.build(n.anchor)
	if err != nil {
		return nil, err
	}
	wt := exec.NewWorkTable(schemaOf(n.cols))
	n.ref.wt = wt
	step := func() (exec.Operator, error) { return b.build(n.step) }
	// Build once now so that a plan error shows before running.
	first, err := step()
	if err != nil {
		return nil, err
	}
	_ = first.Close()
	return exec.NewRecursiveCTE(n.name, anchor, step, wt, n.distinct, exec.MaxRecursionDepth), nil
}

// readsTable reports whether the query reads a table called name.
type readsTable struct {
	name  string
	found bool
}

func (r *readsTable) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok && t.Schema.O == "" && strings.EqualFold(t.Name.O, r.name) {
		r.found = true
	}
	return n, r.found
}

func (r *readsTable) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func reads(n ast.Node, name string) bool {
	r := &readsTable{name: name}
	n.Accept(r)
	return r.found
}

// planRecursiveCTE plans a CTE of a WITH RECURSIVE clause. One that does
// not read itself is an ordinary CTE.
func (b *builder) planRecursiveCTE(cte *cteEnv) (node, bool, error) {
	declared := cte.env != nil && cte.env.selfRef && strings.EqualFold(cte.env.name, cte.name)
	so, ok := cte.def.Query.Query.(*ast.SetOprStmt)
	if !declared || !ok || !reads(so, cte.name) {
		return nil, false, nil
	}
	if so.OrderBy != nil || so.Limit != nil {
		return nil, true, fmt.Errorf("recursive common table expression %q: ORDER BY and LIMIT over its UNION are not supported", cte.name)
	}
	selects := so.SelectList.Selects
	k := 0
	for k < len(selects) && !reads(selects[k], cte.name) {
		k++
	}
	if k == 0 {
		return nil, true, fmt.Errorf("recursive common table expression %q needs a SELECT that does not read it before the first one that does", cte.name)
	}
	distinct := false
	for _, s := range selects[k:] {
		var op *ast.SetOprType
		switch s := s.(type) {
		case *ast.SelectStmt:
			op = s.AfterSetOperator
		case *ast.SetOprSelectList:
			op = s.AfterSetOperator
		}
		if op == nil || (*op != ast.Union && *op != ast.UnionAll) {
			return nil, true, fmt.Errorf("recursive common table expression %q: its recursive SELECTs must join the rest by UNION or UNION ALL", cte.name)
		}
		distinct = distinct || *op == ast.Union
	}
	what := fmt.Sprintf("common table expression %q", cte.name)
	anchorList := &ast.SetOprSelectList{Selects: selects[:k]}
	anchor, err := b.planSetOprList(anchorList, cte.env)
	if err != nil {
		return nil, true, fmt.Errorf("in %s: %w", what, err)
	}
	if anchor, err = renameColumns(anchor, cte.def.ColNameList, what); err != nil {
		return nil, true, err
	}
	if err := uniqueColumns(anchor.columns(), what); err != nil {
		return nil, true, err
	}
	cols := append([]column(nil), anchor.columns()...)
	for i := range cols {
		cols[i].Table, cols[i].Nullable, cols[i].hidden = "", true, false
	}
	ref := &workRef{name: cte.name, cols: cols}
	inner := &cteEnv{parent: cte.env, name: cte.name, selfRef: true, work: ref}
	var steps []node
	for _, s := range selects[k:] {
		var n node
		switch s := s.(type) {
		case *ast.SelectStmt:
			// The SELECT's own operator joins it to the anchor, not to a
			// set operation of its own.
			c := *s
			c.AfterSetOperator = nil
			n, err = b.planSelect(&c, inner)
		case *ast.SetOprSelectList:
			n, err = b.planSetOprList(s, inner)
		}
		if err != nil {
			return nil, true, fmt.Errorf("in %s: %w", what, err)
		}
		if len(n.columns()) != len(cols) {
			return nil, true, fmt.Errorf("%s: its recursive SELECT returns %d columns, the first SELECT %d", what, len(n.columns()), len(cols))
		}
		if n, err = castColumns(n, cols); err != nil {
			return nil, true, fmt.Errorf("%s: %w", what, err)
		}
		steps = append(steps, n)
	}
	step := steps[0]
	if len(steps) > 1 {
		step = &unionNode{children: steps, cols: cols}
	}
	return &recursiveNode{name: cte.name, anchor: anchor, step: step, distinct: distinct, ref: ref, cols: cols}, true, nil
}
