package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/exec"
)

// planSetOpr plans UNION, INTERSECT and EXCEPT chains with their ORDER BY
// and LIMIT.
func (b *builder) planSetOpr(s *ast.SetOprStmt, env *cteEnv) (node, error) {
	env, err := withCTEs(s.With, env)
	if err != nil {
		return nil, err
	}
	n, err := b.planSetOprList(s.SelectList, env)
	if err != nil {
		return nil, err
	}
	return b.orderOutput(n, s.OrderBy, s.Limit)
}

// planSetOprList plans the branches, unifies their column types and
// combines them: INTERSECT first, then UNION and EXCEPT left to right
// (see combineSetOp).
func (b *builder) planSetOprList(l *ast.SetOprSelectList, env *cteEnv) (node, error) {
	env, err := withCTEs(l.With, env)
	if err != nil {
		return nil, err
	}
	var branches []node
	var ops []ast.SetOprType // ops[i]: how branch i joins what is to its left
	for i, item := range l.Selects {
		var n node
		var op *ast.SetOprType
		switch it := item.(type) {
		case *ast.SelectStmt:
			n, err = b.planSelect(it, env)
			op = it.AfterSetOperator
		case *ast.SetOprSelectList:
			if n, err = b.planSetOprList(it, env); err == nil {
				n, err = b.orderOutput(n, it.OrderBy, it.Limit)
			}
			op = it.AfterSetOperator
		default:
			err = fmt.Errorf("unsupported set operation branch %T", item)
		}
		if err != nil {
			return nil, err
		}
		if i > 0 {
			if op == nil {
				return nil, fmt.Errorf("set operation without an operator")
			}
			if len(n.columns()) != len(branches[0].columns()) {
				return nil, fmt.Errorf("the branches of %s have different numbers of columns: %d and %d", op.String(), len(branches[0].columns()), len(n.columns()))
			}
			ops = append(ops, *op)
		} else {
			ops = append(ops, ast.UnionAll) // unused
		}
		branches = append(branches, n)
	}
	if len(branches) == 1 {
		return branches[0], nil
	}

	cols := append([]column(nil), branches[0].columns()...)
	for i := range cols {
		cols[i].Table = ""
		for _, br := range branches[1:] {
			c := br.columns()[i]
			cols[i].Type = unifyTypes(cols[i].Type, c.Type)
			cols[i].Nullable = cols[i].Nullable || c.Nullable
		}
	}
	for i, br := range branches {
		if branches[i], err = castColumns(br, cols); err != nil {
			return nil, err
		}
	}
	// INTERSECT binds tighter than UNION and EXCEPT, which combine left
	// to right (MySQL 8.0.31): fold each run of INTERSECTs first.
	var terms []node
	var termOps []ast.SetOprType
	for i, br := range branches {
		if i > 0 && (ops[i] == ast.Intersect || ops[i] == ast.IntersectAll) {
			last := len(terms) - 1
			terms[last] = combineSetOp(terms[last], br, ops[i], cols)
			continue
		}
		terms = append(terms, br)
		termOps = append(termOps, ops[i])
	}
	acc := terms[0]
	for i := 1; i < len(terms); i++ {
		acc = combineSetOp(acc, terms[i], termOps[i], cols)
	}
	return acc, nil
}

// combineSetOp joins acc and next by op. UNION ALL appends; UNION
// (DISTINCT) also removes duplicates from everything to its left, as in
// MySQL; INTERSECT and EXCEPT are set operations of their own.
func combineSetOp(acc, next node, op ast.SetOprType, cols []column) node {
	switch op {
	case ast.Union, ast.UnionAll:
		if u, ok := acc.(*unionNode); ok {
			u.children = append(u.children, next)
		} else {
			acc = &unionNode{children: []node{acc, next}, cols: cols}
		}
		if op == ast.Union {
			return &distinctNode{child: acc}
		}
		return acc
	case ast.Intersect, ast.IntersectAll:
		return &setOpNode{left: acc, right: next, kind: exec.Intersect, all: op == ast.IntersectAll, cols: cols}
	}
	return &setOpNode{left: acc, right: next, kind: exec.Except, all: op == ast.ExceptAll, cols: cols}
}

// setOpNode is left INTERSECT|EXCEPT [ALL] right.
type setOpNode struct {
	left, right node
	kind        exec.SetOpKind
	all         bool
	cols        []column
}

func (n *setOpNode) columns() []column { return n.cols }

func (n *setOpNode) mapChildren(f func(node) (node, error)) (node, error) {
	c := *n
	var err error
	if c.left, err = f(n.left); err != nil {
		return nil, err
	}
	c.right, err = f(n.right)
	return &c, err
}

func (n *setOpNode) build(b *builder) (exec.Operator, error) {
	left, err := b.build(n.left)
	if err != nil {
		return nil, err
	}
	right, err := b.build(n.right)
	if err != nil {
		return nil, err
	}
	return exec.NewSetOp(left, right, n.kind, n.all), nil
}

// castColumns projects n onto cols' types where they differ.
func castColumns(n node, cols []column) (node, error) {
	have := n.columns()
	same := true
	exprs := colRefs(have)
	out := make([]column, len(cols))
	for i, c := range cols {
		out[i] = column{Name: have[i].Name, Type: c.Type, Nullable: have[i].Nullable}
		if !have[i].Type.Equal(c.Type) {
			same = false
			s, err := newCast(exprs[i], c.Type)
			if err != nil {
				return nil, fmt.Errorf("column %d (%s): %w", i+1, have[i].Name, err)
			}
			exprs[i] = s
		}
	}
	if same {
		return n, nil
	}
	return &projectNode{child: n, exprs: exprs, cols: out}, nil
}

// orderOutput applies ORDER BY and LIMIT to a query's output columns (set
// operations): names, ordinals and expressions over them.
func (b *builder) orderOutput(n node, ob *ast.OrderByClause, limit *ast.Limit) (node, error) {
	if ob == nil && limit == nil {
		return n, nil
	}
	cols := append([]column(nil), n.columns()...)
	exprs := colRefs(cols)
	visible := len(cols)
	var keys []sortKey
	if ob != nil {
		bd := &binder{b: b, scope: cols[:visible:visible], clause: "order clause"}
		for _, item := range ob.Items {
			idx := -1
			if p, ok := item.Expr.(*ast.PositionExpr); ok {
				if p.P != nil || p.N < 1 || p.N > visible {
					return nil, fmt.Errorf("unknown column '%s' in order clause", exprText(p))
				}
				idx = p.N - 1
			} else {
				s, err := bd.bind(item.Expr)
				if err != nil {
					return nil, err
				}
				if _, ok := s.(*constant); ok {
					continue
				}
				for i, e := range exprs {
					if e.key() == s.key() {
						idx = i
					}
				}
				if idx < 0 {
					idx = len(exprs)
					exprs = append(exprs, s)
					cols = append(cols, column{Name: exprText(item.Expr), Type: s.Type(), Nullable: nullable(s)})
				}
			}
			c := cols[idx]
			keys = append(keys, sortKey{e: &colRef{Index: idx, Name: c.Name, Typ: c.Type, Nullable: c.Nullable}, desc: item.Desc})
		}
	}
	if len(exprs) > visible {
		n = &projectNode{child: n, exprs: exprs, cols: cols}
	}
	return finishQuery(n, keys, limit, visible)
}
