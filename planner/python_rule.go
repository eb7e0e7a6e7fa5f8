package planner

import (
	"fmt"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

// pythonCalcNode evaluates Python scalar calls of one mode, fused into one
// operation: its columns are its child's, then one per call.
type pythonCalcNode struct {
	child   node
	mode    udf.Mode
	reasons []string // why the mode fell back, deduplicated
	inputs  []scalar // over child's columns: the columns of the batches sent
	calls   []*pyOpCall
	cols    []column
}

// pyOpCall is one call inside an operation: its arguments are input
// columns, constants, or nested calls evaluated inside Python.
type pyOpCall struct {
	fn       *catalog.PythonFunction
	argTypes []types.Type
	args     []pyArg
}

type pyArg struct {
	input    int // index into the node's inputs, when neither below is set
	constant *constant
	call     *pyOpCall
}

func (n *pythonCalcNode) columns() []column { return n.cols }

func (n *pythonCalcNode) mapChildren(f func(node) (node, error)) (node, error) {
	c := *n
	var err error
	c.child, err = f(n.child)
	return &c, err
}

// childMapper is implemented by the nodes defined outside logical.go, so
// that mapChildren descends into them.
type childMapper interface {
	mapChildren(f func(node) (node, error)) (node, error)
}

// nodeBuilder is implemented by the nodes defined outside logical.go, so
// that build compiles them.
type nodeBuilder interface {
	build(b *builder) (exec.Operator, error)
}

// cutPythonCalls is the rule that moves Python scalar calls out of every
// expression of the plan into PythonCalc nodes below the expression's
// node (Flink's PythonCalc split): the expression then reads each call's
// result as a column. Built-in expressions that feed Python arguments are
// evaluated by the PythonCalc as its inputs; the calls of one node and one
// mode fuse into one operation, chained calls of one mode nest inside it;
// a call whose argument needs another call's result through a built-in
// expression, or in another mode, goes into a later PythonCalc.
func (b *builder) cutPythonCalls(n node) (node, error) {
	n, err := mapChildren(n, b.cutPythonCalls)
	if err != nil {
		return nil, err
	}
	return b.cutNode(n)
}

// cutNode applies the rule to one node whose children are done.
func (b *builder) cutNode(n node) (node, error) {
	switch n := n.(type) {
	case *projectNode:
		if !hasPython(n.exprs...) {
			return n, nil
		}
		child, exprs, err := b.cutPython(n.child, n.exprs)
		if err != nil {
			return nil, err
		}
		return &projectNode{child: child, exprs: exprs, cols: n.cols}, nil
	case *filterNode:
		if !hasPython(n.pred) {
			return n, nil
		}
		child, exprs, err := b.cutPython(n.child, []scalar{n.pred})
		if err != nil {
			return nil, err
		}
		return keepColumns(&filterNode{child: child, pred: exprs[0]}, len(n.child.columns())), nil
	case *sortNode:
		var exprs []scalar
		for _, k := range n.keys {
			exprs = append(exprs, k.e)
		}
		if !hasPython(exprs...) {
			return n, nil
		}
		child, exprs, err := b.cutPython(n.child, exprs)
		if err != nil {
			return nil, err
		}
		keys := make([]sortKey, len(n.keys))
		for i, k := range n.keys {
			keys[i] = sortKey{e: exprs[i], desc: k.desc}
		}
		return keepColumns(&sortNode{child: child, keys: keys}, len(n.child.columns())), nil
	case *aggregateNode:
		exprs := append([]scalar(nil), n.groupBy...)
		for _, a := range n.aggs {
			exprs = append(exprs, a.args...)
		}
		if !hasPython(exprs...) {
			return n, nil
		}
		child, exprs, err := b.cutPython(n.child, exprs)
		if err != nil {
			return nil, err
		}
		out := &aggregateNode{child: child, groupBy: exprs[:len(n.groupBy)], cols: n.cols}
		exprs = exprs[len(n.groupBy):]
		for _, a := range n.aggs {
			a.args, exprs = exprs[:len(a.args)], exprs[len(a.args):]
			out.aggs = append(out.aggs, a)
		}
		return out, nil
	case *windowNode:
		return b.cutWindow(n)
	case *joinNode:
		return b.cutJoin(n)
	case *valuesNode:
		return b.cutValues(n)
	case pythonCutter:
		return n.cutPython(b)
	}
	return n, nil
}

// pythonCutter is implemented by nodes defined outside logical.go whose
// expressions may call Python.
type pythonCutter interface {
	cutPython(b *builder) (node, error)
}

// keepColumns projects n onto its first w columns: the rule's PythonCalc
// nodes widen the input of nodes that pass their input's columns through.
func keepColumns(n node, w int) node {
	cols := n.columns()
	if len(cols) == w {
		return n
	}
	return &projectNode{child: n, exprs: colRefs(cols[:w]), cols: cols[:w]}
}

func (b *builder) cutWindow(n *windowNode) (node, error) {
	var exprs []scalar
	for _, f := range n.funcs {
		exprs = append(exprs, f.args...)
		exprs = append(exprs, f.partitionBy...)
		for _, k := range f.orderBy {
			exprs = append(exprs, k.e)
		}
	}
	if !hasPython(exprs...) {
		return n, nil
	}
	w := len(n.child.columns())
	child, exprs, err := b.cutPython(n.child, exprs)
	if err != nil {
		return nil, err
	}
	take := func(k int) []scalar {
		out := exprs[:k:k]
		exprs = exprs[k:]
		return out
	}
	funcs := make([]windowCall, len(n.funcs))
	for i, f := range n.funcs {
		f.args = take(len(f.args))
		f.partitionBy = take(len(f.partitionBy))
		keys := take(len(f.orderBy))
		f.orderBy = make([]sortKey, len(keys))
		for j, k := range keys {
			f.orderBy[j] = sortKey{e: k, desc: n.funcs[i].orderBy[j].desc}
		}
		funcs[i] = f
	}
	wide := append([]column(nil), child.columns()...)
	wide = append(wide, n.cols[w:]...)
	win := &windowNode{child: child, funcs: funcs, cols: wide}
	// Drop the Python results between the input's columns and the
	// window functions'.
	refs := colRefs(wide)
	exprsOut := append(append([]scalar(nil), refs[:w]...), refs[len(child.columns()):]...)
	return &projectNode{child: win, exprs: exprsOut, cols: n.cols}, nil
}

// cutJoin moves the Python calls of a join condition into the side they
// read; a conjunct whose calls read both sides filters above an inner
// join, and is an error in an outer join's ON.
func (b *builder) cutJoin(n *joinNode) (node, error) {
	if n.cond == nil || !hasPython(n.cond) {
		return n, nil
	}
	lw := len(n.left.columns())
	var keep, above []scalar
	for _, p := range conjuncts(n.cond) {
		both := false
		for _, c := range outerPython(p) {
			if sideOf(c, lw) == sideBoth {
				both = true
			}
		}
		if both {
			above = append(above, p)
		} else {
			keep = append(keep, p)
		}
	}
	if len(above) > 0 {
		if n.typ != exec.InnerJoin && n.typ != exec.CrossJoin {
			return nil, fmt.Errorf("a Python function call in the ON condition of a %s JOIN must read columns of one side only: %s", n.typ, above[0])
		}
		cond, err := b.and(keep)
		if err != nil {
			return nil, err
		}
		j, err := b.cutJoin(&joinNode{left: n.left, right: n.right, typ: n.typ, cond: cond})
		if err != nil {
			return nil, err
		}
		pred, err := b.and(above)
		if err != nil {
			return nil, err
		}
		return b.cutNode(&filterNode{child: j, pred: pred})
	}

	var leftCalls, rightCalls []scalar
	var leftOf, rightOf []*pyCall
	for _, c := range outerPython(n.cond) {
		if sideOf(c, lw) == sideRight {
			rightCalls = append(rightCalls, shiftCols(c, -lw))
			rightOf = append(rightOf, c)
		} else {
			leftCalls = append(leftCalls, c)
			leftOf = append(leftOf, c)
		}
	}
	left, leftRefs, err := b.cutPython(n.left, leftCalls)
	if err != nil {
		return nil, err
	}
	right, rightRefs, err := b.cutPython(n.right, rightCalls)
	if err != nil {
		return nil, err
	}
	newLw := len(left.columns())
	extra := newLw - lw
	// Calls become markers below -1 first, so that shifting the right
	// side's references does not move them.
	marks := map[*pyCall]int{}
	final := map[int]scalar{}
	for i, c := range leftOf {
		marks[c] = len(marks)
		final[len(marks)-1] = leftRefs[i]
	}
	for i, c := range rightOf {
		marks[c] = len(marks)
		final[len(marks)-1] = shiftCols(rightRefs[i], newLw)
	}
	cond := replacePython(n.cond, func(c *pyCall) scalar { return &colRef{Index: -2 - marks[c]} })
	cond = mapCols(cond, func(r *colRef) scalar {
		switch {
		case r.Index <= -2:
			return final[-2-r.Index]
		case r.Index >= lw:
			return &colRef{Index: r.Index + extra, Name: r.Name, Typ: r.Typ, Nullable: r.Nullable}
		}
		return r
	})
	j := &joinNode{left: left, right: right, typ: n.typ, cond: cond}
	wide := j.columns()
	refs := colRefs(wide)
	rw := len(n.right.columns())
	exprs := append(append([]scalar(nil), refs[:lw]...), refs[newLw:newLw+rw]...)
	return &projectNode{child: j, exprs: exprs, cols: n.columns()}, nil
}

// cutValues turns VALUES rows that call Python into one projection per
// row over the one-row relation, united.
func (b *builder) cutValues(n *valuesNode) (node, error) {
	python := false
	for _, r := range n.rows {
		python = python || hasPython(r...)
	}
	if !python {
		return n, nil
	}
	u := &unionNode{cols: n.cols}
	for _, r := range n.rows {
		p, err := b.cutNode(&projectNode{child: &valuesNode{rows: [][]scalar{{}}}, exprs: r, cols: n.cols})
		if err != nil {
			return nil, err
		}
		u.children = append(u.children, p)
	}
	return u, nil
}

// pyIdentity is the key under which calls share one evaluation:
// structural for deterministic functions, the call itself otherwise.
func pyIdentity(p *pyCall) string {
	if p.deterministic() {
		return p.key()
	}
	return fmt.Sprintf("%p", p)
}

// cutPython computes the Python calls of exprs (over child's columns) in
// PythonCalc nodes stacked on child and returns that stack and exprs
// reading the calls' results. The stack's columns are child's, then the
// results.
func (b *builder) cutPython(child node, exprs []scalar) (node, []scalar, error) {
	if !hasPython(exprs...) {
		return child, exprs, nil
	}
	// A call's stage is the PythonCalc level that evaluates it: after
	// every result its arguments read through built-in expressions or
	// from calls of another mode. Calls of its own mode nest inside it.
	stage := map[*pyCall]int{}
	var stageOf func(p *pyCall) int
	need := func(a scalar, m udf.Mode) int {
		if p, ok := a.(*pyCall); ok {
			if p.Mode == m {
				return stageOf(p)
			}
			return stageOf(p) + 1
		}
		s := 0
		for _, q := range outerPython(a) {
			s = max(s, stageOf(q)+1)
		}
		return s
	}
	stageOf = func(p *pyCall) int {
		if s, ok := stage[p]; ok {
			return s
		}
		s := 1
		for _, a := range p.Args {
			s = max(s, need(a, p.Mode))
		}
		stage[p] = s
		return s
	}

	// The calls whose results become columns: the outermost calls of
	// exprs, and the calls that other calls read as columns.
	var tops []*pyCall
	seen := map[string]bool{}
	var addTop func(p *pyCall)
	var visitArg func(a scalar, m udf.Mode)
	collect := func(e scalar) {
		for _, q := range outerPython(e) {
			addTop(q)
		}
	}
	addTop = func(p *pyCall) {
		if id := pyIdentity(p); !seen[id] {
			seen[id] = true
			tops = append(tops, p)
			for _, a := range p.Args {
				visitArg(a, p.Mode)
			}
		}
	}
	visitArg = func(a scalar, m udf.Mode) {
		q, ok := a.(*pyCall)
		switch {
		case !ok:
			collect(a)
		case q.Mode == m:
			for _, qa := range q.Args {
				visitArg(qa, m)
			}
		default:
			addTop(q)
		}
	}
	for _, e := range exprs {
		collect(e)
	}
	last := 0
	for _, p := range tops {
		last = max(last, stageOf(p))
	}

	resolved := map[string]*colRef{}
	readResults := func(e scalar) scalar {
		return replacePython(e, func(p *pyCall) scalar { return resolved[pyIdentity(p)] })
	}
	cur := child
	for s := 1; s <= last; s++ {
		for _, m := range []udf.Mode{udf.Thread, udf.Process} {
			var group []*pyCall
			for _, p := range tops {
				if stageOf(p) == s && p.Mode == m {
					group = append(group, p)
				}
			}
			if len(group) == 0 {
				continue
			}
			n := &pythonCalcNode{child: cur, mode: m}
			inputIndex := map[string]int{}
			input := func(e scalar) int {
				if i, ok := inputIndex[e.key()]; ok {
					return i
				}
				inputIndex[e.key()] = len(n.inputs)
				n.inputs = append(n.inputs, e)
				return len(n.inputs) - 1
			}
			reasons := map[string]bool{}
			var opCall func(p *pyCall) *pyOpCall
			opCall = func(p *pyCall) *pyOpCall {
				if p.Reason != "" && !reasons[p.Reason] {
					reasons[p.Reason] = true
					n.reasons = append(n.reasons, p.Reason)
				}
				oc := &pyOpCall{fn: p.Fn}
				for _, a := range p.Args {
					oc.argTypes = append(oc.argTypes, a.Type())
					if q, ok := a.(*pyCall); ok {
						if r, done := resolved[pyIdentity(q)]; done {
							oc.args = append(oc.args, pyArg{input: input(r)})
						} else {
							// Same mode (otherwise an earlier stage
							// resolved it): evaluated inside Python.
							oc.args = append(oc.args, pyArg{call: opCall(q)})
						}
						continue
					}
					r := readResults(a)
					if c, ok := r.(*constant); ok && constantArg(c) {
						oc.args = append(oc.args, pyArg{constant: c})
						continue
					}
					oc.args = append(oc.args, pyArg{input: input(r)})
				}
				return oc
			}
			width := len(cur.columns())
			n.cols = append([]column(nil), cur.columns()...)
			for _, p := range group {
				n.calls = append(n.calls, opCall(p))
				n.cols = append(n.cols, column{Name: p.String(), Type: p.Type(), Nullable: true})
			}
			for i, p := range group {
				resolved[pyIdentity(p)] = &colRef{Index: width + i, Name: p.String(), Typ: p.Type(), Nullable: true}
			}
			cur = n
		}
	}
	out := make([]scalar, len(exprs))
	for i, e := range exprs {
		out[i] = readResults(e)
	}
	return cur, out, nil
}

// constantArg reports whether a constant travels in the descriptor
// (udfpb.Constant) rather than as a column.
func constantArg(c *constant) bool {
	return c.Typ.Kind != types.Null && !c.Typ.IsNested()
}
