package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
)

// Subqueries in expressions (IN, EXISTS, scalar, comparisons with ANY and
// ALL) bind in two steps. Binding the expression plans the subquery with
// the enclosing binder as its outer scope (references to the enclosing
// query's columns become outerRefs) and leaves a subqueryRef in the
// expression. Once the clause is bound, applySubqueries joins each
// subquery to the clause's input node (decorrelate.go pulls the
// correlated conditions up into the join) and replaces the subqueryRef by
// what the join computes: a column of a mark or single join, or nothing
// for the semi and anti joins that WHERE conjuncts become.

// outerRef is a reference from inside a subquery to the enclosing
// query: Outer is bound by the enclosing binder, over its input node.
type outerRef struct {
	Outer scalar
}

func (o *outerRef) Type() types.Type { return o.Outer.Type() }
func (o *outerRef) String() string   { return "outer." + o.Outer.String() }
func (o *outerRef) key() string      { return "outer(" + o.Outer.key() + ")" }

// subqueryKind is what an expression asks of its subquery.
type subqueryKind int

const (
	subqueryScalar subqueryKind = iota // (SELECT ...): its one value
	subqueryExists                     // EXISTS (SELECT ...)
	subqueryIn                         // x IN, x op ANY, x op ALL
)

// subquery is one subquery of a clause, bound but not yet joined.
type subquery struct {
	kind subqueryKind
	plan node
	name string // as written, for EXPLAIN and errors
	// IN and comparisons: the left operands (over the enclosing input),
	// the comparison, and ALL (the comparison must hold for every row).
	left []scalar
	op   string
	all  bool
	typ  types.Type
}

// subqueryRef stands for a subquery's value in an expression until
// applySubqueries replaces it.
type subqueryRef struct{ sq *subquery }

func (r *subqueryRef) Type() types.Type { return r.sq.typ }
func (r *subqueryRef) String() string   { return r.sq.name }
func (r *subqueryRef) key() string      { return fmt.Sprintf("subquery(%p)", r.sq) }

// subqueryList collects the subqueries bound in one clause.
type subqueryList struct {
	list []*subquery
	// filtered are the subqueries whose WHERE conjunct a semi or anti
	// join applied.
	filtered []*subquery
}

// isFiltered reports whether p is a WHERE conjunct a join applied.
func (l *subqueryList) isFiltered(p scalar) bool {
	if c, ok := p.(*call); ok && c.Fn.Name() == "not" && len(c.Args) == 1 {
		p = c.Args[0]
	}
	if r, ok := p.(*subqueryRef); ok {
		for _, sq := range l.filtered {
			if sq == r.sq {
				return true
			}
		}
	}
	return false
}

// planSubquery plans a subquery's query with bd as its outer scope.
func (bd *binder) planSubquery(q ast.ResultSetNode) (node, error) {
	if bd.subq == nil {
		return nil, fmt.Errorf("subqueries are not supported in %s", bd.clause)
	}
	if sub, ok := q.(*ast.SubqueryExpr); ok {
		q = sub.Query
	}
	saved := bd.b.outer
	bd.b.outer = bd
	defer func() { bd.b.outer = saved }()
	return bd.b.planResultSet(q, bd.env)
}

// addSubquery registers sq and returns its placeholder.
func (bd *binder) addSubquery(sq *subquery) scalar {
	bd.subq.list = append(bd.subq.list, sq)
	return &subqueryRef{sq: sq}
}

func (bd *binder) scalarSubquery(n *ast.SubqueryExpr) (scalar, error) {
	q, err := bd.planSubquery(n)
	if err != nil {
		return nil, err
	}
	cols := q.columns()
	if len(cols) != 1 {
		return nil, fmt.Errorf("subquery %s returns %d columns: a scalar subquery returns one", exprText(n), len(cols))
	}
	return bd.addSubquery(&subquery{kind: subqueryScalar, plan: q, name: exprText(n), typ: cols[0].Type}), nil
}

func (bd *binder) existsSubquery(n *ast.ExistsSubqueryExpr) (scalar, error) {
	sub, ok := n.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, fmt.Errorf("unsupported EXISTS operand %s", exprText(n.Sel))
	}
	q, err := bd.planSubquery(sub)
	if err != nil {
		return nil, err
	}
	ref := bd.addSubquery(&subquery{kind: subqueryExists, plan: q, name: "exists" + exprText(sub), typ: types.BoolType})
	return bd.b.negate(ref, nil)(n.Not)
}

// inSubquery binds x [NOT] IN (SELECT ...) and x op ANY|ALL (SELECT ...).
func (bd *binder) inSubquery(expr ast.ExprNode, sel ast.ExprNode, op string, all, not bool, text string) (scalar, error) {
	var leftNodes []ast.ExprNode
	if row, ok := expr.(*ast.RowExpr); ok {
		leftNodes = row.Values
	} else {
		leftNodes = []ast.ExprNode{expr}
	}
	left, err := bd.bindAll(leftNodes)
	if err != nil {
		return nil, err
	}
	sub, ok := sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, fmt.Errorf("unsupported subquery operand %s", exprText(sel))
	}
	q, err := bd.planSubquery(sub)
	if err != nil {
		return nil, err
	}
	if w := len(q.columns()); w != len(left) {
		return nil, fmt.Errorf("%s: the subquery returns %d columns, the left side has %d", text, w, len(left))
	}
	// Bind the comparison now so that a type error shows here.
	for i, l := range left {
		c := q.columns()[i]
		if _, err := bd.b.callFn(op, l, &colRef{Name: c.Name, Typ: c.Type, Nullable: true}); err != nil {
			return nil, fmt.Errorf("%s: %w", text, err)
		}
	}
	ref := bd.addSubquery(&subquery{kind: subqueryIn, plan: q, name: text, left: left, op: op, all: all, typ: types.BoolType})
	return bd.b.negate(ref, nil)(not)
}

// compareSubquery binds x op ANY (...), x op SOME (...) and x op ALL (...).
func (bd *binder) compareSubquery(n *ast.CompareSubqueryExpr) (scalar, error) {
	switch n.Op {
	case opcode.EQ, opcode.NE, opcode.LT, opcode.LE, opcode.GT, opcode.GE:
	default:
		return nil, fmt.Errorf("operator %s is not supported with ANY or ALL", opLiteral(n.Op))
	}
	if sub, ok := n.R.(*ast.SubqueryExpr); !ok || sub.Query == nil {
		return nil, fmt.Errorf("unsupported subquery operand %s", exprText(n.R))
	}
	return bd.inSubquery(n.L, n.R, opName(n.Op), n.All, false, exprText(n))
}

// negatedOp is the comparison that is TRUE exactly when op is FALSE.
var negatedOp = map[string]string{"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt"}

// subqueryJoinNode joins a subquery (right) to the rows of an enclosing
// query (left); see exec.SemiJoinSpec. cond and test are over left's
// columns then right's.
type subqueryJoinNode struct {
	left, right node
	kind        exec.SubqueryJoinKind
	cond        scalar // correlation (and, for semi joins, IN's comparison)
	test        scalar // IN's comparison for anti and mark joins
	nullAware   bool   // test is one equality to hash on, NULL-aware
	name        string
	cols        []column
}

func (n *subqueryJoinNode) columns() []column { return n.cols }

func (n *subqueryJoinNode) mapChildren(f func(node) (node, error)) (node, error) {
	c := *n
	var err error
	if c.left, err = f(n.left); err != nil {
		return nil, err
	}
	c.right, err = f(n.right)
	return &c, err
}

func (n *subqueryJoinNode) cutPython(b *builder) (node, error) {
	var ss []scalar
	for _, s := range []scalar{n.cond, n.test} {
		if s != nil {
			ss = append(ss, s)
		}
	}
	if hasPython(ss...) {
		return nil, fmt.Errorf("Python functions in the conditions that correlate subquery %s with the enclosing query are not supported", n.name)
	}
	return n, nil
}

func (n *subqueryJoinNode) build(b *builder) (exec.Operator, error) {
	left, err := b.build(n.left)
	if err != nil {
		return nil, err
	}
	right, err := b.build(n.right)
	if err != nil {
		return nil, err
	}
	lw := len(n.left.columns())
	spec := exec.SemiJoinSpec{Kind: n.kind, Name: n.name}
	cond, test := n.cond, n.test
	if n.nullAware {
		cond, test = test, nil
	}
	lk, rk, residual, err := b.splitJoinKeys(cond, lw)
	if err != nil {
		return nil, err
	}
	if n.nullAware {
		if len(lk) != 1 || residual != nil {
			// Not a hashable equality after all: test each pair.
			lk, rk, residual, test = nil, nil, nil, n.test
		} else {
			spec.NullAwareKeys = true
		}
	}
	if spec.LeftKeys, err = compileAll(lk); err != nil {
		return nil, err
	}
	if spec.RightKeys, err = compileAll(rk); err != nil {
		return nil, err
	}
	if residual != nil {
		if spec.Residual, err = compile(residual); err != nil {
			return nil, err
		}
	}
	if test != nil {
		if spec.Test, err = compile(test); err != nil {
			return nil, err
		}
	}
	return exec.NewHashSemiJoin(left, right, spec), nil
}

// applySubqueries joins the subqueries of list to n, the input of the
// expressions that refer to them, and returns the widened node and a
// function that replaces subqueryRefs by what computes them over it. In
// a WHERE clause (where set), conjuncts that are a bare [NOT] EXISTS or
// [NOT] IN become semi and anti joins that filter n: those conjuncts are
// returned as TRUE constants.
func (b *builder) applySubqueries(n node, list *subqueryList, where []scalar) (node, func(scalar) scalar, error) {
	filtering := map[*subquery]exec.SubqueryJoinKind{}
	for _, p := range where {
		not := false
		if c, ok := p.(*call); ok && c.Fn.Name() == "not" && len(c.Args) == 1 {
			p, not = c.Args[0], true
		}
		r, ok := p.(*subqueryRef)
		if !ok || r.sq.kind == subqueryScalar {
			continue
		}
		kind := exec.SemiJoin
		if not {
			kind = exec.AntiJoin
		}
		filtering[r.sq] = kind
	}
	values := map[*subquery]scalar{}
	resolve := func(s scalar) scalar {
		return rewriteScalar(s, func(x scalar) (scalar, bool) {
			if r, ok := x.(*subqueryRef); ok {
				if v, ok := values[r.sq]; ok {
					return v, true
				}
			}
			return nil, false
		})
	}
	for _, sq := range list.list {
		kind, filters := filtering[sq]
		if !filters {
			kind = exec.MarkJoin
			if sq.kind == subqueryScalar {
				kind = exec.SingleJoin
			}
		}
		left := make([]scalar, len(sq.left))
		for i, l := range sq.left {
			left[i] = resolve(l)
		}
		out, value, filtered, err := b.joinSubquery(n, sq, kind, left)
		if err != nil {
			return nil, nil, fmt.Errorf("subquery %s: %w", sq.name, err)
		}
		n = out
		if filtered {
			// The join did the filtering: the conjunct holds for every row
			// left, and filterWithSubqueries drops it.
			value = &constant{Value: true, Typ: types.BoolType}
			if kind == exec.AntiJoin {
				value = &constant{Value: false, Typ: types.BoolType}
			}
			list.filtered = append(list.filtered, sq)
		}
		values[sq] = value
	}
	return n, resolve, nil
}

// rewriteScalar rebuilds s bottom-up, replacing every part for which f
// returns true. It does not look inside outerRefs (another scope).
func rewriteScalar(s scalar, f func(scalar) (scalar, bool)) scalar {
	if r, ok := f(s); ok {
		return r
	}
	switch s := s.(type) {
	case *call:
		args := make([]scalar, len(s.Args))
		for i, a := range s.Args {
			args[i] = rewriteScalar(a, f)
		}
		return &call{Fn: s.Fn, Args: args}
	case *cast:
		return &cast{Arg: rewriteScalar(s.Arg, f), To: s.To, Target: s.Target}
	case *pyCall:
		out := *s
		out.Args = make([]scalar, len(s.Args))
		for i, a := range s.Args {
			out.Args[i] = rewriteScalar(a, f)
		}
		return &out
	}
	return s
}

// hasOuter reports whether s reads the enclosing query.
func hasOuter(s scalar) bool {
	found := false
	walkScalar(s, func(x scalar) bool {
		if _, ok := x.(*outerRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// hasSubqueryRef reports whether s still waits for a subquery.
func hasSubqueryRef(s scalar) bool {
	found := false
	walkScalar(s, func(x scalar) bool {
		if _, ok := x.(*subqueryRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// joinSubquery joins sq to n as kind and returns the join and sq's value
// over the join's columns, or filtered when a semi or anti join did what
// the WHERE conjunct asks.
func (b *builder) joinSubquery(n node, sq *subquery, kind exec.SubqueryJoinKind, left []scalar) (_ node, value scalar, filtered bool, _ error) {
	w := len(n.columns())
	d, err := b.decorrelateSubquery(sq)
	if err != nil {
		return nil, nil, false, err
	}
	right := d.node
	// Over n's columns then right's: right's columns move past n's, outer
	// references become what they refer to in n.
	toJoin := func(s scalar) scalar {
		return rewriteScalar(s, func(x scalar) (scalar, bool) {
			switch x := x.(type) {
			case *colRef:
				return &colRef{Index: x.Index + w, Name: x.Name, Typ: x.Typ, Nullable: true}, true
			case *outerRef:
				return x.Outer, true
			}
			return nil, false
		})
	}
	var corr []scalar
	for _, p := range d.preds {
		corr = append(corr, toJoin(p))
	}
	cond, err := b.and(corr)
	if err != nil {
		return nil, nil, false, err
	}
	values := make([]scalar, len(d.values))
	for i, v := range d.values {
		values[i] = toJoin(v)
	}
	if d.oneRow {
		// An ungrouped aggregate that correlation grouped: exactly one row
		// per enclosing row, so EXISTS is TRUE and IN is a comparison
		// with the one value (over a single join).
		if sq.kind == subqueryExists {
			return n, &constant{Value: true, Typ: types.BoolType}, false, nil
		}
		if sq.kind == subqueryIn {
			v, err := b.compareAll(left, values, sq.op)
			return b.singleJoin(n, right, cond, sq.name), v, false, err
		}
	}
	switch sq.kind {
	case subqueryScalar:
		return b.singleJoin(n, right, cond, sq.name), values[0], false, nil
	case subqueryExists:
		return b.markJoin(n, right, kind, cond, nil, false, sq.name)
	}
	// IN and comparisons. ALL holds when no row makes the negated
	// comparison TRUE or unknown: the anti join of the negation.
	op, negate := sq.op, false
	if sq.all {
		op, negate = negatedOp[op], true
		switch kind {
		case exec.SemiJoin:
			kind = exec.AntiJoin
		case exec.AntiJoin:
			kind = exec.SemiJoin
		}
	}
	test, err := b.compareAll(left, values, op)
	if err != nil {
		return nil, nil, false, err
	}
	if kind == exec.SemiJoin {
		// Only TRUE matters: the comparison joins the correlation.
		if cond, err = b.and(append(corr, test)); err != nil {
			return nil, nil, false, err
		}
		return b.markJoin(n, right, kind, cond, nil, false, sq.name)
	}
	nullAware := cond == nil && len(left) == 1 && op == "eq"
	j, v, filtered, err := b.markJoin(n, right, kind, cond, test, nullAware, sq.name)
	if err != nil || !negate || v == nil {
		return j, v, filtered, err
	}
	nv, err := b.callFn("not", v)
	return j, nv, false, err
}

// compareAll is l[0] op r[0] AND l[1] op r[1]...
func (b *builder) compareAll(left, right []scalar, op string) (scalar, error) {
	var parts []scalar
	for i := range left {
		c, err := b.callFn(op, left[i], right[i])
		if err != nil {
			return nil, err
		}
		parts = append(parts, c)
	}
	return b.and(parts)
}

func (b *builder) singleJoin(n, right node, cond scalar, name string) node {
	cols := append([]column(nil), n.columns()...)
	for _, c := range right.columns() {
		c.Nullable, c.hidden = true, true
		cols = append(cols, c)
	}
	return &subqueryJoinNode{left: n, right: right, kind: exec.SingleJoin, cond: cond, name: name, cols: cols}
}

// markJoin joins as a semi, anti or mark join; a mark join's value is its
// added column.
func (b *builder) markJoin(n, right node, kind exec.SubqueryJoinKind, cond, test scalar, nullAware bool, name string) (node, scalar, bool, error) {
	cols := append([]column(nil), n.columns()...)
	var value scalar
	if kind == exec.MarkJoin {
		cols = append(cols, column{Name: name, Type: types.BoolType, Nullable: true, hidden: true})
		value = &colRef{Index: len(cols) - 1, Name: name, Typ: types.BoolType, Nullable: true}
	}
	j := &subqueryJoinNode{left: n, right: right, kind: kind, cond: cond, test: test, nullAware: nullAware, name: name, cols: cols}
	return j, value, kind == exec.SemiJoin || kind == exec.AntiJoin, nil
}

// filterWithSubqueries puts a WHERE or HAVING predicate over n, joining
// its subqueries first; the result has n's columns.
func (b *builder) filterWithSubqueries(n node, pred scalar, list *subqueryList) (node, error) {
	if len(list.list) == 0 {
		return &filterNode{child: n, pred: pred}, nil
	}
	w := len(n.columns())
	preds := conjuncts(pred)
	n, resolve, err := b.applySubqueries(n, list, preds)
	if err != nil {
		return nil, err
	}
	var keep []scalar
	for _, p := range preds {
		if !list.isFiltered(p) {
			keep = append(keep, resolve(p))
		}
	}
	if len(keep) > 0 {
		if pred, err = b.and(keep); err != nil {
			return nil, err
		}
		n = &filterNode{child: n, pred: pred}
	}
	return keepColumns(n, w), nil
}
