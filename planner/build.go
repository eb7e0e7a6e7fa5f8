package planner

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// typesColumns is the result-set view of logical columns.
func typesColumns(cols []column) []types.Column {
	out := make([]types.Column, len(cols))
	for i, c := range cols {
		out[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: c.Nullable}
	}
	return out
}

func schemaOf(cols []column) *arrow.Schema { return types.Schema(typesColumns(cols)) }

func names(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// build compiles a logical tree into exec operators.
func (b *builder) build(n node) (exec.Operator, error) {
	switch n := n.(type) {
	case *scanNode:
		return exec.NewTableScan(n.table), nil
	case *valuesNode:
		rows := make([][]expr.Expr, len(n.rows))
		for i, r := range n.rows {
			row, err := compileAll(r)
			if err != nil {
				return nil, err
			}
			rows[i] = row
		}
		return exec.NewValues(schemaOf(n.cols), rows), nil
	case *filterNode:
		child, err := b.build(n.child)
		if err != nil {
			return nil, err
		}
		pred, err := compile(n.pred)
		if err != nil {
			return nil, err
		}
		return exec.NewFilter(child, pred), nil
	case *projectNode:
		n = mergeProjects(n)
		child, err := b.build(n.child)
		if err != nil {
			return nil, err
		}
		exprs, err := compileAll(n.exprs)
		if err != nil {
			return nil, err
		}
		return exec.NewProject(child, exprs, names(n.cols)), nil
	case *aggregateNode:
		child, err := b.build(n.child)
		if err != nil {
			return nil, err
		}
		groupBy, err := compileAll(n.groupBy)
		if err != nil {
			return nil, err
		}
		aggs := make([]exec.AggregateCall, len(n.aggs))
		for i, a := range n.aggs {
			args, err := compileAll(a.args)
			if err != nil {
				return nil, err
			}
			fn, err := b.physicalAggregate(a.fn, len(n.groupBy) == 0)
			if err != nil {
				return nil, err
			}
			aggs[i] = exec.AggregateCall{Fn: fn, Args: args, Name: a.name}
		}
		return exec.NewHashAggregate(child, groupBy, names(n.cols[:len(n.groupBy)]), aggs), nil
	case *joinNode:
		return b.buildJoin(n)
	case *sortNode:
		child, err := b.build(n.child)
		if err != nil {
			return nil, err
		}
		keys, err := compileSortKeys(n.keys)
		if err != nil {
			return nil, err
		}
		return exec.NewSort(child, keys), nil
	case *limitNode:
		if s, ok := n.child.(*sortNode); ok && n.limit >= 0 {
			child, err := b.build(s.child)
			if err != nil {
				return nil, err
			}
			keys, err := compileSortKeys(s.keys)
			if err != nil {
				return nil, err
			}
			return exec.NewTopN(child, keys, n.offset, n.limit), nil
		}
		child, err := b.build(n.child)
		if err != nil {
			return nil, err
		}
		return exec.NewLimit(child, n.offset, n.limit), nil
	case *distinctNode:
		child, err := b.build(n.child)
		if err != nil {
			return nil, err
		}
		return exec.NewDistinct(child), nil
	case *unionNode:
		children := make([]exec.Operator, len(n.children))
		for i, c := range n.children {
			op, err := b.build(c)
			if err != nil {
				return nil, err
			}
			children[i] = op
		}
		return exec.NewUnionAll(children), nil
	case *windowNode:
		child, err := b.build(n.child)
		if err != nil {
			return nil, err
		}
		funcs := make([]exec.WindowFunc, len(n.funcs))
		for i, w := range n.funcs {
			wf := exec.WindowFunc{Kind: w.kind, Agg: w.agg, Frame: w.frame, Name: w.name}
			if w.agg != nil {
				if wf.Agg, err = b.physicalAggregate(w.agg, false); err != nil {
					return nil, err
				}
			}
			if wf.Args, err = compileAll(w.args); err != nil {
				return nil, err
			}
			if wf.PartitionBy, err = compileAll(w.partitionBy); err != nil {
				return nil, err
			}
			if wf.OrderBy, err = compileSortKeys(w.orderBy); err != nil {
				return nil, err
			}
			funcs[i] = wf
		}
		return exec.NewWindow(child, funcs), nil
	}
	if nb, ok := n.(nodeBuilder); ok {
		return nb.build(b)
	}
	return nil, fmt.Errorf("planner: cannot build %T", n)
}

// compileSortKeys applies MySQL's NULL order: NULLs sort as the smallest
// value, first ascending and last descending.
func compileSortKeys(keys []sortKey) ([]exec.SortKey, error) {
	out := make([]exec.SortKey, len(keys))
	for i, k := range keys {
		e, err := compile(k.e)
		if err != nil {
			return nil, err
		}
		out[i] = exec.SortKey{Expr: e, Desc: k.desc, NullsFirst: !k.desc}
	}
	return out, nil
}

func (b *builder) buildJoin(n *joinNode) (exec.Operator, error) {
	left, err := b.build(n.left)
	if err != nil {
		return nil, err
	}
	right, err := b.build(n.right)
	if err != nil {
		return nil, err
	}
	lk, rk, residual, err := b.splitJoinKeys(n.cond, len(n.left.columns()))
	if err != nil {
		return nil, err
	}
	leftKeys, err := compileAll(lk)
	if err != nil {
		return nil, err
	}
	rightKeys, err := compileAll(rk)
	if err != nil {
		return nil, err
	}
	var res expr.Expr
	if residual != nil {
		if res, err = compile(residual); err != nil {
			return nil, err
		}
	}
	return exec.NewHashJoin(left, right, n.typ, leftKeys, rightKeys, res), nil
}

// mergeProjects folds a projection of a projection into one, substituting
// the inner expressions into the outer ones (renames, casts of UNION
// branches and INSERT column orders stack projections).
func mergeProjects(n *projectNode) *projectNode {
	for {
		inner, ok := n.child.(*projectNode)
		if !ok {
			return n
		}
		exprs := make([]scalar, len(n.exprs))
		for i, e := range n.exprs {
			exprs[i] = mapCols(e, func(c *colRef) scalar { return inner.exprs[c.Index] })
		}
		n = &projectNode{child: inner.child, exprs: exprs, cols: n.cols}
	}
}
