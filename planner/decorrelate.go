package planner

import (
	"fmt"

	"github.com/taipandb/taipan/exec"
)

// decorrelated is a subquery ready to join: node has no outer reference;
// preds (over node's columns and outerRefs) are the correlated
// conditions the join must apply; values are the subquery's output
// columns over node's columns (they may read outerRefs too: the join
// computes them).
type decorrelated struct {
	node   node
	preds  []scalar
	values []scalar
	// oneRow: the subquery was an aggregate without GROUP BY (one row
	// for every enclosing row) that correlation grouped, so an enclosing
	// row without a group must still see its value; values already read
	// COUNT's NULL as 0.
	oneRow bool
}

// decorrelateSubquery pulls the correlated conditions of sq's plan up
// out of it, so that it can run once as the right side of a join:
// filters' correlated conjuncts, joined through projections (which pass
// the columns the conditions read), inner joins, and aggregates (which
// group by the inner side of correlated equalities, the grouped derived
// table of the classic rewrite). EXISTS and IN ignore ORDER BY and
// DISTINCT, EXISTS a LIMIT too. Anything else correlated is an error.
func (b *builder) decorrelateSubquery(sq *subquery) (*decorrelated, error) {
	q := sq.plan
	setLike := sq.kind != subqueryScalar
	if !nodeHasOuter(q) {
		return &decorrelated{node: q, values: colRefs(q.columns())}, nil
	}
	// Strip what the kind of subquery does not care about.
	for {
		switch t := q.(type) {
		case *sortNode:
			q = t.child
			continue
		case *distinctNode:
			if setLike {
				q = t.child
				continue
			}
		case *limitNode:
			if sq.kind == subqueryExists && t.offset == 0 && t.limit != 0 {
				q = t.child
				continue
			}
		}
		break
	}
	// The top projection computes the values over the join, where the
	// outer columns are at hand.
	child, values := q, []scalar(nil)
	if p, ok := q.(*projectNode); ok {
		child, values = p.child, p.exprs
	} else {
		values = colRefs(q.columns())
	}
	pu := &pullUp{b: b, setLike: setLike}
	out, preds, err := pu.pull(child)
	if err != nil {
		return nil, err
	}
	d := &decorrelated{node: out, preds: preds, values: values}
	if pu.grouped != nil {
		if pu.grouped != out {
			return nil, fmt.Errorf("a correlated aggregate without GROUP BY must be the subquery's last step (no HAVING)")
		}
		d.oneRow = true
		// COUNT of no rows is 0, not the NULL of a missing group.
		for i, v := range d.values {
			d.values[i] = rewriteScalar(v, func(x scalar) (scalar, bool) {
				c, ok := x.(*colRef)
				if !ok || !pu.counts[c.Index] {
					return nil, false
				}
				zero := &constant{Value: int64(0), Typ: c.Typ}
				s, err := b.callFn("coalesce", c, zero)
				if err != nil {
					return nil, false
				}
				return s, true
			})
		}
	}
	for _, v := range d.values {
		if hasSubqueryRef(v) {
			return nil, fmt.Errorf("nested subqueries in a correlated subquery's select list are not supported")
		}
	}
	return d, nil
}

// pullUp carries the state of one decorrelation.
type pullUp struct {
	b       *builder
	setLike bool
	// grouped is the aggregate without GROUP BY that correlation grouped,
	// and counts its COUNT columns.
	grouped node
	counts  map[int]bool
}

// pull returns n without outer references and the correlated conditions
// over the returned node's columns. The returned node's columns are n's
// followed by any the conditions need that n did not output.
func (pu *pullUp) pull(n node) (node, []scalar, error) {
	if !nodeHasOuter(n) {
		return n, nil, nil
	}
	if pu.grouped != nil {
		return nil, nil, fmt.Errorf("a correlated aggregate without GROUP BY must be the subquery's last step (no HAVING)")
	}
	switch n := n.(type) {
	case *filterNode:
		child, preds, err := pu.pull(n.child)
		if err != nil {
			return nil, nil, err
		}
		if pu.grouped != nil {
			return nil, nil, fmt.Errorf("a correlated aggregate without GROUP BY must be the subquery's last step (no HAVING)")
		}
		var local []scalar
		for _, p := range conjuncts(n.pred) {
			if hasOuter(p) {
				preds = append(preds, p)
			} else {
				local = append(local, p)
			}
		}
		if len(local) == 0 {
			return child, preds, nil
		}
		pred, err := pu.b.and(local)
		if err != nil {
			return nil, nil, err
		}
		return &filterNode{child: child, pred: pred}, preds, nil
	case *projectNode:
		for _, e := range n.exprs {
			if hasOuter(e) {
				return nil, nil, fmt.Errorf("a correlated subquery may read the enclosing query's columns in its select list only at its top")
			}
		}
		child, preds, err := pu.pull(n.child)
		if err != nil {
			return nil, nil, err
		}
		return passColumns(n.exprs, n.cols, child, preds)
	case *joinNode:
		return pu.pullJoin(n)
	case *aggregateNode:
		return pu.pullAggregate(n)
	case *distinctNode:
		child, preds, err := pu.pull(n.child)
		if err != nil {
			return nil, nil, err
		}
		if pu.setLike {
			return child, preds, nil
		}
		// Distinct over the correlation keys too is distinct per enclosing
		// row only when the correlation is by equality.
		for _, p := range preds {
			if _, _, ok := correlatedEquality(p); !ok {
				return nil, nil, fmt.Errorf("DISTINCT under the non-equality correlated condition %s is not supported", scalarText(p))
			}
		}
		return &distinctNode{child: child}, preds, nil
	case *sortNode:
		return pu.pull(n.child)
	case *limitNode:
		return nil, nil, fmt.Errorf("LIMIT in a correlated subquery is not supported")
	case *windowNode:
		return nil, nil, fmt.Errorf("window functions in a correlated subquery are not supported")
	case *unionNode:
		return nil, nil, fmt.Errorf("UNION in a correlated subquery is not supported")
	}
	return nil, nil, fmt.Errorf("this correlated subquery cannot be decorrelated (it reads the enclosing query inside %T)", n)
}

// passColumns is a projection of child (exprs, cols over the original
// child's columns) that also outputs the columns preds read, with preds
// moved onto its output.
func passColumns(exprs []scalar, cols []column, child node, preds []scalar) (node, []scalar, error) {
	if len(preds) == 0 {
		return &projectNode{child: child, exprs: exprs, cols: cols}, nil, nil
	}
	ccols := child.columns()
	exprs = append([]scalar(nil), exprs...)
	cols = append([]column(nil), cols...)
	at := map[int]int{}
	moved := make([]scalar, len(preds))
	for i, p := range preds {
		moved[i] = mapCols(p, func(c *colRef) scalar {
			j, ok := at[c.Index]
			if !ok {
				j = len(exprs)
				at[c.Index] = j
				cc := ccols[c.Index]
				exprs = append(exprs, &colRef{Index: c.Index, Name: cc.Name, Typ: cc.Type, Nullable: cc.Nullable})
				cols = append(cols, column{Name: cc.Name, Type: cc.Type, Nullable: cc.Nullable, hidden: true})
			}
			return &colRef{Index: j, Name: c.Name, Typ: c.Typ, Nullable: c.Nullable}
		})
	}
	return &projectNode{child: child, exprs: exprs, cols: cols}, moved, nil
}

func (pu *pullUp) pullJoin(n *joinNode) (node, []scalar, error) {
	if n.cond != nil && hasOuter(n.cond) && n.typ != exec.InnerJoin && n.typ != exec.CrossJoin {
		return nil, nil, fmt.Errorf("an outer join's ON condition in a correlated subquery may not read the enclosing query")
	}
	lw, rw := len(n.left.columns()), len(n.right.columns())
	left, lp, err := pu.pull(n.left)
	if err != nil {
		return nil, nil, err
	}
	right, rp, err := pu.pull(n.right)
	if err != nil {
		return nil, nil, err
	}
	if pu.grouped != nil {
		return nil, nil, fmt.Errorf("a correlated aggregate without GROUP BY must be the subquery's last step")
	}
	if (len(rp) > 0 && n.typ == exec.LeftJoin) || (len(lp) > 0 && n.typ == exec.RightJoin) {
		return nil, nil, fmt.Errorf("the correlated conditions of a subquery may not be on the NULL-padded side of an outer join")
	}
	lw2, rw2 := len(left.columns()), len(right.columns())
	// The new join's columns: left's (with its extras), right's (with its
	// extras). Reorder to n's columns first, then the extras.
	cond := n.cond
	var preds []scalar
	if cond != nil {
		var keep []scalar
		for _, p := range conjuncts(cond) {
			if hasOuter(p) {
				preds = append(preds, p)
			} else {
				keep = append(keep, p)
			}
		}
		if cond, err = pu.b.and(keep); err != nil {
			return nil, nil, err
		}
	}
	// Positions in the new join of n's columns (and the extras).
	shiftRight := func(s scalar) scalar {
		return mapCols(s, func(c *colRef) scalar {
			if c.Index >= lw {
				return &colRef{Index: c.Index - lw + lw2, Name: c.Name, Typ: c.Typ, Nullable: c.Nullable}
			}
			return c
		})
	}
	if cond != nil {
		cond = shiftRight(cond)
	}
	j := &joinNode{left: left, right: right, typ: n.typ, cond: cond}
	jcols := j.columns()
	// Project back to n's layout, then the left extras, then the right's.
	var exprs []scalar
	var cols []column
	add := func(i int) {
		c := jcols[i]
		exprs = append(exprs, &colRef{Index: i, Name: c.Name, Typ: c.Type, Nullable: c.Nullable})
		cols = append(cols, c)
	}
	for i := 0; i < lw; i++ {
		add(i)
	}
	for i := 0; i < rw; i++ {
		add(lw2 + i)
	}
	for i := lw; i < lw2; i++ {
		add(i)
		cols[len(cols)-1].hidden = true
	}
	for i := rw; i < rw2; i++ {
		add(lw2 + i)
		cols[len(cols)-1].hidden = true
	}
	// Move each condition onto the projection.
	leftExtra := func(i int) int { return lw + rw + (i - lw) }
	rightAt := func(i int) int {
		if i < rw {
			return lw + i
		}
		return lw + rw + (lw2 - lw) + (i - rw)
	}
	for _, p := range lp {
		preds = append(preds, mapCols(p, func(c *colRef) scalar {
			if c.Index >= lw {
				return &colRef{Index: leftExtra(c.Index), Name: c.Name, Typ: c.Typ, Nullable: c.Nullable}
			}
			return c
		}))
	}
	for _, p := range rp {
		preds = append(preds, mapCols(p, func(c *colRef) scalar {
			return &colRef{Index: rightAt(c.Index), Name: c.Name, Typ: c.Typ, Nullable: c.Nullable}
		}))
	}
	return &projectNode{child: j, exprs: exprs, cols: cols}, preds, nil
}

// pullAggregate groups an aggregate by the inner sides of the correlated
// equalities below it.
func (pu *pullUp) pullAggregate(n *aggregateNode) (node, []scalar, error) {
	for _, s := range n.groupBy {
		if hasOuter(s) {
			return nil, nil, fmt.Errorf("GROUP BY of a correlated subquery may not read the enclosing query")
		}
	}
	for _, a := range n.aggs {
		for _, s := range a.args {
			if hasOuter(s) {
				return nil, nil, fmt.Errorf("aggregate arguments of a correlated subquery may not read the enclosing query")
			}
		}
	}
	child, preds, err := pu.pull(n.child)
	if err != nil {
		return nil, nil, err
	}
	if len(preds) == 0 {
		return &aggregateNode{child: child, groupBy: n.groupBy, aggs: n.aggs, cols: n.cols}, nil, nil
	}
	var inner, outer []scalar
	for _, p := range preds {
		in, out, ok := correlatedEquality(p)
		if !ok {
			return nil, nil, fmt.Errorf("the correlated condition %s under an aggregate is not an equality between the subquery and the enclosing query", scalarText(p))
		}
		inner = append(inner, in)
		outer = append(outer, out)
	}
	g := len(n.groupBy)
	groupBy := append(append([]scalar(nil), n.groupBy...), inner...)
	cols := append([]column(nil), n.cols[:g]...)
	for _, s := range inner {
		cols = append(cols, column{Name: scalarText(s), Type: s.Type(), Nullable: nullable(s)})
	}
	cols = append(cols, n.cols[g:]...)
	agg := &aggregateNode{child: child, groupBy: groupBy, aggs: n.aggs, cols: cols}
	// Back to n's layout (groups, aggregates), then the new keys.
	var exprs []scalar
	var outCols []column
	add := func(i int, hidden bool) {
		c := cols[i]
		exprs = append(exprs, &colRef{Index: i, Name: c.Name, Typ: c.Type, Nullable: c.Nullable})
		c.hidden = hidden
		outCols = append(outCols, c)
	}
	for i := 0; i < g; i++ {
		add(i, false)
	}
	for i := range n.aggs {
		add(g+len(inner)+i, false)
	}
	w := len(n.cols)
	out := make([]scalar, len(inner))
	for i := range inner {
		add(g+i, true)
		c := outCols[w+i]
		ref := &colRef{Index: w + i, Name: c.Name, Typ: c.Type, Nullable: c.Nullable}
		eq, err := pu.b.callFn("eq", ref, outer[i])
		if err != nil {
			return nil, nil, err
		}
		out[i] = eq
	}
	p := &projectNode{child: agg, exprs: exprs, cols: outCols}
	if g == 0 {
		pu.grouped = p
		pu.counts = map[int]bool{}
		for i, a := range n.aggs {
			if a.fn.Name() == "count" {
				pu.counts[i] = true
			}
		}
	}
	return p, out, nil
}

// correlatedEquality splits inner = outer, where inner reads only the
// subquery and outer only the enclosing query.
func correlatedEquality(p scalar) (inner, outer scalar, ok bool) {
	c, isCall := p.(*call)
	if !isCall || c.Fn.Name() != "eq" || len(c.Args) != 2 {
		return nil, nil, false
	}
	for _, pair := range [][2]scalar{{c.Args[0], c.Args[1]}, {c.Args[1], c.Args[0]}} {
		in, out := pair[0], pair[1]
		if !hasOuter(in) && onlyOuter(out) {
			lo, hi := colRange(in)
			if lo <= hi {
				return in, out, true
			}
		}
	}
	return nil, nil, false
}

// onlyOuter reports whether s reads the enclosing query and no column of
// the subquery.
func onlyOuter(s scalar) bool {
	lo, hi := colRange(s)
	return hasOuter(s) && lo > hi
}

// nodeHasOuter reports whether any expression of n's tree reads the
// enclosing query.
func nodeHasOuter(n node) bool {
	found := false
	for _, s := range nodeScalars(n) {
		if hasOuter(s) {
			return true
		}
	}
	_, _ = mapChildren(n, func(c node) (node, error) {
		if !found && nodeHasOuter(c) {
			found = true
		}
		return c, nil
	})
	return found
}

// nodeScalars lists the expressions of one node (not its children's).
func nodeScalars(n node) []scalar {
	var out []scalar
	switch n := n.(type) {
	case *valuesNode:
		for _, r := range n.rows {
			out = append(out, r...)
		}
	case *filterNode:
		out = append(out, n.pred)
	case *projectNode:
		out = append(out, n.exprs...)
	case *aggregateNode:
		out = append(out, n.groupBy...)
		for _, a := range n.aggs {
			out = append(out, a.args...)
		}
	case *joinNode:
		if n.cond != nil {
			out = append(out, n.cond)
		}
	case *sortNode:
		for _, k := range n.keys {
			out = append(out, k.e)
		}
	case *windowNode:
		for _, f := range n.funcs {
			out = append(out, f.args...)
			out = append(out, f.partitionBy...)
			for _, k := range f.orderBy {
				out = append(out, k.e)
			}
		}
	case *subqueryJoinNode:
		for _, s := range []scalar{n.cond, n.test} {
			if s != nil {
				out = append(out, s)
			}
		}
	}
	return out
}
