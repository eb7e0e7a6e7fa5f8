package planner

import (
	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/exec"
)

// pushFilters sinks filter conjuncts into joins: a conjunct over one side
// filters that side's input, one over both sides becomes part of the join
// condition. This turns "FROM a, b WHERE a.x = b.y" into a hash join.
// Outer joins keep every conjunct that would change which rows are
// padded with NULLs where it is.
func (b *builder) pushFilters(n node) (node, error) {
	switch n := n.(type) {
	case *filterNode:
		preds := conjuncts(n.pred)
		child := n.child
		for {
			f, ok := child.(*filterNode)
			if !ok {
				break
			}
			preds = append(preds, conjuncts(f.pred)...)
			child = f.child
		}
		var err error
		if j, ok := child.(*joinNode); ok {
			child, preds, err = b.pushIntoJoin(j, preds)
		} else {
			child, err = b.pushFilters(child)
		}
		if err != nil || len(preds) == 0 {
			return child, err
		}
		pred, err := b.and(preds)
		if err != nil {
			return nil, err
		}
		return &filterNode{child: child, pred: pred}, nil
	case *joinNode:
		j, _, err := b.pushIntoJoin(n, nil)
		return j, err
	}
	return mapChildren(n, b.pushFilters)
}

// side of a conjunct relative to a join of a left input lw columns wide.
type side int

const (
	sideNone side = iota // reads no column
	sideLeft
	sideRight
	sideBoth
)

func sideOf(s scalar, lw int) side {
	lo, hi := colRange(s)
	switch {
	case hi < 0:
		return sideNone
	case hi < lw:
		return sideLeft
	case lo >= lw:
		return sideRight
	}
	return sideBoth
}

// pushIntoJoin distributes WHERE conjuncts over j (and j's own ON
// conjuncts over its inputs); it returns the conjuncts that must stay
// above the join.
func (b *builder) pushIntoJoin(j *joinNode, where []scalar) (node, []scalar, error) {
	lw := len(j.left.columns())
	var toLeft, toRight, toJoin, rest []scalar
	inner := j.typ == exec.InnerJoin || j.typ == exec.CrossJoin
	place := func(p scalar, fromWhere bool) {
		s := sideOf(p, lw)
		switch {
		case inner && s == sideLeft:
			toLeft = append(toLeft, p)
		case inner && s == sideRight:
			toRight = append(toRight, p)
		case inner && s == sideBoth, !fromWhere && s == sideBoth:
			toJoin = append(toJoin, p)
		case inner && fromWhere:
			rest = append(rest, p)
		// Outer joins. WHERE may filter the preserved side early; ON may
		// filter the padded side early.
		case j.typ == exec.LeftJoin && s == sideLeft && fromWhere,
			j.typ == exec.RightJoin && s == sideLeft && !fromWhere:
			toLeft = append(toLeft, p)
		case j.typ == exec.RightJoin && s == sideRight && fromWhere,
			j.typ == exec.LeftJoin && s == sideRight && !fromWhere:
			toRight = append(toRight, p)
		case fromWhere:
			rest = append(rest, p)
		default:
			toJoin = append(toJoin, p)
		}
	}
	for _, p := range where {
		place(p, true)
	}
	if j.cond != nil {
		for _, p := range conjuncts(j.cond) {
			place(p, false)
		}
	}
	left, right := j.left, j.right
	if len(toLeft) > 0 {
		pred, err := b.and(toLeft)
		if err != nil {
			return nil, nil, err
		}
		left = &filterNode{child: left, pred: pred}
	}
	if len(toRight) > 0 {
		for i, p := range toRight {
			toRight[i] = shiftCols(p, -lw)
		}
		pred, err := b.and(toRight)
		if err != nil {
			return nil, nil, err
		}
		right = &filterNode{child: right, pred: pred}
	}
	left, err := b.pushFilters(left)
	if err != nil {
		return nil, nil, err
	}
	if right, err = b.pushFilters(right); err != nil {
		return nil, nil, err
	}
	cond, err := b.and(toJoin)
	if err != nil {
		return nil, nil, err
	}
	typ := j.typ
	if typ == exec.CrossJoin && cond != nil {
		typ = exec.InnerJoin
	}
	return &joinNode{left: left, right: right, typ: typ, cond: cond}, rest, nil
}

// splitJoinKeys splits a join condition over left (leftWidth columns)
// then right into equi-join keys for a hash join and a residual. A
// conjunct l = r with l over left only and r over right only (either way
// round) becomes a key pair, both cast to a common type when theirs
// differ; rightKeys are over right's columns alone. Everything else is
// the residual, still over left then right.
func (b *builder) splitJoinKeys(cond scalar, leftWidth int) (leftKeys, rightKeys []scalar, residual scalar, err error) {
	if cond == nil {
		return nil, nil, nil, nil
	}
	var rest []scalar
	for _, p := range conjuncts(cond) {
		l, r, ok := equiKey(p, leftWidth)
		if !ok {
			rest = append(rest, p)
			continue
		}
		leftKeys = append(leftKeys, l)
		rightKeys = append(rightKeys, shiftCols(r, -leftWidth))
	}
	residual, err = b.and(rest)
	return leftKeys, rightKeys, residual, err
}

// equiKey recognises l = r between the two sides of a join.
func equiKey(p scalar, leftWidth int) (l, r scalar, ok bool) {
	c, isCall := p.(*call)
	if !isCall || c.Fn.Name() != "eq" || len(c.Args) != 2 {
		return nil, nil, false
	}
	l, r = c.Args[0], c.Args[1]
	switch {
	case sideOf(l, leftWidth) == sideLeft && sideOf(r, leftWidth) == sideRight:
	case sideOf(l, leftWidth) == sideRight && sideOf(r, leftWidth) == sideLeft:
		l, r = r, l
	default:
		return nil, nil, false
	}
	// Keys hash by their Arrow values: VARCHAR(3) and TEXT, or TIMESTAMP(0)
	// and TIMESTAMP(6), need no cast.
	if lt, rt := l.Type(), r.Type(); !arrow.TypeEqual(lt.Arrow(), rt.Arrow()) {
		if !comparableFamily(lt, rt) {
			return nil, nil, false
		}
		t := unifyTypes(lt, rt)
		var err1, err2 error
		l, err1 = newCast(l, t)
		r, err2 = newCast(r, t)
		if err1 != nil || err2 != nil {
			return nil, nil, false
		}
	}
	return l, r, true
}

// mapChildren rebuilds n with f applied to each child.
func mapChildren(n node, f func(node) (node, error)) (node, error) {
	var err error
	switch n := n.(type) {
	case *filterNode:
		c := *n
		c.child, err = f(n.child)
		return &c, err
	case *projectNode:
		c := *n
		c.child, err = f(n.child)
		return &c, err
	case *aggregateNode:
		c := *n
		c.child, err = f(n.child)
		return &c, err
	case *sortNode:
		c := *n
		c.child, err = f(n.child)
		return &c, err
	case *limitNode:
		c := *n
		c.child, err = f(n.child)
		return &c, err
	case *distinctNode:
		c := *n
		c.child, err = f(n.child)
		return &c, err
	case *windowNode:
		c := *n
		c.child, err = f(n.child)
		return &c, err
	case *joinNode:
		c := *n
		if c.left, err = f(n.left); err != nil {
			return nil, err
		}
		c.right, err = f(n.right)
		return &c, err
	case *unionNode:
		c := *n
		c.children = make([]node, len(n.children))
		for i, ch := range n.children {
			if c.children[i], err = f(ch); err != nil {
				return nil, err
			}
		}
		return &c, nil
	case childMapper:
		return n.mapChildren(f)
	}
	return n, nil
}
