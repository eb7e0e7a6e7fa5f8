package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// planSetOpr plans UNION [ALL] chains with their ORDER BY and LIMIT.
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
// combines them left to right: UNION ALL appends, UNION (DISTINCT) also
// removes duplicates from everything to its left, as in MySQL.
func (b *builder) planSetOprList(l *ast.SetOprSelectList, env *cteEnv) (node, error) {
	env, err := withCTEs(l.With, env)
	if err != nil {
		return nil, err
	}
	var branches []node
	var distinct []bool // distinct[i]: branch i joins with UNION DISTINCT
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
			if op == nil || (*op != ast.Union && *op != ast.UnionAll) {
				what := "set operation"
				if op != nil {
					what = op.String()
				}
				return nil, fmt.Errorf("%s is not supported yet", what)
			}
			if len(n.columns()) != len(branches[0].columns()) {
				return nil, fmt.Errorf("the branches of %s have different numbers of columns: %d and %d", op.String(), len(branches[0].columns()), len(n.columns()))
			}
		}
		branches = append(branches, n)
		distinct = append(distinct, op != nil && *op == ast.Union)
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
	var acc node = branches[0]
	for i := 1; i < len(branches); i++ {
		if u, ok := acc.(*unionNode); ok {
			u.children = append(u.children, branches[i])
		} else {
			acc = &unionNode{children: []node{acc, branches[i]}, cols: cols}
		}
		if distinct[i] {
			acc = &distinctNode{child: acc}
		}
	}
	return acc, nil
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
