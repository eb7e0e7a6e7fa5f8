package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
)

// planResultSet plans a query expression: SELECT or a set operation.
func (b *builder) planResultSet(n ast.ResultSetNode, env *cteEnv) (node, error) {
	switch n := n.(type) {
	case *ast.SelectStmt:
		return b.planSelect(n, env)
	case *ast.SetOprStmt:
		return b.planSetOpr(n, env)
	case *ast.SubqueryExpr:
		return b.planResultSet(n.Query, env)
	}
	return nil, fmt.Errorf("unsupported query %s", exprText(n))
}

// field is one entry of the select list after * is expanded.
type field struct {
	expr ast.ExprNode // nil for a column of *
	star int          // the FROM column a * entry stands for
	name string       // output name
	// named fields (aliased, or bare column references) can be referred
	// to by name from ORDER BY and HAVING.
	named bool
}

// selectState is what binding one SELECT builds up, clause by clause.
type selectState struct {
	b      *builder
	sel    *ast.SelectStmt
	scope  []column // the FROM clause's columns
	fields []field
	// outer is the enclosing query's binder when this SELECT is a
	// subquery; env the CTEs its subqueries see.
	outer *binder
	env   *cteEnv

	// Aggregation (nil aggs and groups when the query does not aggregate).
	aggregating bool
	groupKeys   map[string]int // key of a group expression (over scope) -> group ordinal
	groups      []scalar
	aggIndex    map[ast.ExprNode]int // aggregate call -> column of the aggregate node
	aggs        []aggCall

	// Window functions: call -> column of the window node.
	winIndex map[*ast.WindowFuncExpr]int
	winCols  []column
}

func (b *builder) planSelect(sel *ast.SelectStmt, env *cteEnv) (node, error) {
	env, err := withCTEs(sel.With, env)
	if err != nil {
		return nil, err
	}
	if sel.Kind != ast.SelectStmtKindSelect {
		return nil, fmt.Errorf("unsupported query %s", exprText(sel))
	}
	// Only the clauses' binders see the enclosing query: FROM items do
	// not (no LATERAL).
	st := &selectState{b: b, sel: sel, outer: b.outer, env: env}
	b.outer = nil
	defer func() { b.outer = st.outer }()

	var n node
	if sel.From == nil {
		n = &valuesNode{rows: [][]scalar{{}}}
	} else {
		if n, st.scope, err = b.planFrom(sel.From.TableRefs, env); err != nil {
			return nil, err
		}
	}
	if sel.Where != nil {
		bd := st.fromBinder("where clause")
		bd.subq = &subqueryList{}
		pred, err := bd.bind(sel.Where)
		if err != nil {
			return nil, err
		}
		if pred, err = b.predicate(pred); err != nil {
			return nil, err
		}
		if n, err = b.filterWithSubqueries(n, pred, bd.subq); err != nil {
			return nil, err
		}
	}
	if err := st.expandFields(); err != nil {
		return nil, err
	}
	if n, err = st.planAggregate(n); err != nil {
		return nil, err
	}
	if sel.Having != nil {
		bd := st.postAggBinder("having clause")
		bd.subq = &subqueryList{}
		bd.hook = st.aliasHook(bd, bd.hook, true)
		pred, err := bd.bind(sel.Having.Expr)
		if err != nil {
			return nil, err
		}
		if pred, err = b.predicate(pred); err != nil {
			return nil, err
		}
		if n, err = b.filterWithSubqueries(n, pred, bd.subq); err != nil {
			return nil, err
		}
	}
	if n, err = st.planWindows(n); err != nil {
		return nil, err
	}
	return st.planProjection(n)
}

// fromBinder binds over the FROM clause's columns, before aggregation.
func (st *selectState) fromBinder(clause string) *binder {
	return &binder{b: st.b, scope: st.scope, clause: clause, outer: st.outer, env: st.env}
}

// expandFields expands * and t.* and names every field: the alias, else
// the column's name, else the expression's text as written.
func (st *selectState) expandFields() error {
	for _, f := range st.sel.Fields.Fields {
		if f.WildCard != nil {
			table := f.WildCard.Table.O
			if st.sel.From == nil {
				return fmt.Errorf("SELECT * needs a FROM clause")
			}
			if table != "" && !hasTable(st.scope, table) {
				return fmt.Errorf("unknown table %q in %s.*", table, table)
			}
			for i, c := range st.scope {
				// A USING column shows once in *, but t.* shows all of t.
				if (table == "" && c.hidden) || (table != "" && !strings.EqualFold(c.Table, table)) {
					continue
				}
				st.fields = append(st.fields, field{star: i, name: c.Name, named: true})
			}
			continue
		}
		fd := field{expr: f.Expr}
		switch {
		case f.AsName.O != "":
			fd.name, fd.named = f.AsName.O, true
		case isColumn(f.Expr) != nil:
			cn := isColumn(f.Expr)
			fd.name, fd.named = cn.Name.O, true
			if i, err := resolveColumn(st.scope, cn, "field list"); err == nil {
				fd.name = st.scope[i].Name
			}
		default:
			fd.name = writtenText(strings.TrimSpace(f.Text()))
			if fd.name == "" {
				fd.name = exprText(f.Expr)
			}
		}
		st.fields = append(st.fields, fd)
	}
	return nil
}

// isColumn returns the column name n is, looking through parentheses.
func isColumn(n ast.ExprNode) *ast.ColumnName {
	for {
		switch e := n.(type) {
		case *ast.ParenthesesExpr:
			n = e.Expr
		case *ast.ColumnNameExpr:
			return e.Name
		default:
			return nil
		}
	}
}

// aggregateFunc returns the aggregate function an AST node calls, if it
// is an aggregate call: a built-in aggregate or a catalog function of
// aggregate kind called by name (Python aggregates).
func (b *builder) aggregateFunc(n ast.Node) (name string, isAgg bool) {
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		return strings.ToLower(n.F), true
	case *ast.FuncCallExpr:
		if f, ok := b.cat.Function(n.FnName.L); ok && f.Kind() == catalog.KindAggregate {
			return n.FnName.L, true
		}
	}
	return "", false
}

// callCollector gathers aggregate and window calls from expressions,
// outermost first; it does not look into aggregates' arguments (nested
// aggregates are an error when those are bound).
type callCollector struct {
	b       *builder
	aggs    []ast.ExprNode
	windows []*ast.WindowFuncExpr
}

func (c *callCollector) Enter(n ast.Node) (ast.Node, bool) {
	if _, ok := c.b.aggregateFunc(n); ok {
		c.aggs = append(c.aggs, n.(ast.ExprNode))
		return n, true
	}
	switch n := n.(type) {
	case *ast.WindowFuncExpr:
		c.windows = append(c.windows, n)
		if fc := pythonOverCall(n); fc != nil {
			// The Python aggregate is the window function, not an
			// aggregate of the query; its arguments may hold some.
			for _, a := range fc.Args {
				c.collect(a)
			}
			return n, true
		}
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, false
}

func (c *callCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func (c *callCollector) collect(n ast.Node) {
	if n != nil {
		n.Accept(c)
	}
}

// containsCall reports whether n has an aggregate or window call.
func (b *builder) containsCall(n ast.Node) bool {
	c := &callCollector{b: b}
	c.collect(n)
	return len(c.aggs) > 0 || len(c.windows) > 0
}

// starArgs reports whether an aggregate was written f(*) (see markStars).
func starArgs(args []ast.ExprNode) bool {
	if len(args) != 1 {
		return false
	}
	c, ok := args[0].(*ast.ColumnNameExpr)
	return ok && c.Name.Table.O == "" && c.Name.Name.O == "*"
}

// starMarker is the argument markStars gives f(*); it restores as "*".
func starMarker() ast.ExprNode {
	return &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr("*")}}
}

// markStars rewrites count(*) in place so that it can be told from
// count(1): the parser gives both the argument 1, but only a written 1
// has a position in the text. The marker also makes error messages and
// EXPLAIN print count(*).
type markStars struct{}

func (markStars) Enter(n ast.Node) (ast.Node, bool) {
	var args []ast.ExprNode
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		args = n.Args
	case *ast.WindowFuncExpr:
		args = n.Args
	default:
		return n, false
	}
	if len(args) == 1 {
		if v, ok := args[0].(ast.ValueExpr); ok && v.OriginTextPosition() == 0 {
			if i, ok := v.GetValue().(int64); ok && i == 1 {
				args[0] = starMarker()
			}
		}
	}
	return n, false
}

func (markStars) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// bindAggregate binds an aggregate call's function to its arguments.
func (b *builder) bindAggregate(name string, argNodes []ast.ExprNode, distinct bool, bd *binder) (catalog.BoundAggregate, []scalar, error) {
	f, ok := b.cat.Function(name)
	if !ok {
		return nil, nil, fmt.Errorf("unknown function %q", name)
	}
	if pf, ok := f.(*catalog.PythonFunction); ok && pf.Kind() == catalog.KindAggregate {
		return b.bindPythonAggregate(pf, argNodes, distinct, bd)
	}
	af, ok := f.(catalog.AggregateFunction)
	if !ok {
		return nil, nil, fmt.Errorf("function %q is not an aggregate function", name)
	}
	star := starArgs(argNodes)
	var args []scalar
	if !star {
		var err error
		if args, err = bd.bindAll(argNodes); err != nil {
			return nil, nil, err
		}
	}
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	bound, err := af.BindAggregate(ts, distinct, star)
	if err != nil {
		return nil, nil, err
	}
	return bound, args, nil
}

// planAggregate adds the HashAggregate when the query groups or calls
// aggregates (in the select list, HAVING or ORDER BY).
func (st *selectState) planAggregate(n node) (node, error) {
	sel := st.sel
	c := &callCollector{b: st.b}
	for _, f := range st.fields {
		c.collect(f.expr)
	}
	if sel.Having != nil {
		c.collect(sel.Having.Expr)
	}
	if sel.OrderBy != nil {
		for _, it := range sel.OrderBy.Items {
			c.collect(it.Expr)
		}
	}
	if sel.GroupBy == nil && len(c.aggs) == 0 {
		return n, nil
	}
	if sel.GroupBy != nil && sel.GroupBy.Rollup {
		return nil, fmt.Errorf("GROUP BY ... WITH ROLLUP is not supported")
	}
	st.aggregating = true
	st.groupKeys = map[string]int{}
	st.aggIndex = map[ast.ExprNode]int{}

	var groupNames []string
	if sel.GroupBy != nil {
		for _, item := range sel.GroupBy.Items {
			g, name, err := st.groupExpr(item.Expr)
			if err != nil {
				return nil, err
			}
			if _, dup := st.groupKeys[g.key()]; dup {
				continue
			}
			st.groupKeys[g.key()] = len(st.groups)
			st.groups = append(st.groups, g)
			groupNames = append(groupNames, name)
		}
	}

	aggKeys := map[string]int{}
	argBinder := st.fromBinder("aggregate function arguments")
	for _, a := range c.aggs {
		var (
			name     string
			argNodes []ast.ExprNode
			distinct bool
		)
		switch a := a.(type) {
		case *ast.AggregateFuncExpr:
			name, argNodes, distinct = strings.ToLower(a.F), a.Args, a.Distinct
			if a.Order != nil && name != ast.AggFuncGroupConcat {
				return nil, fmt.Errorf("ORDER BY inside %s is not supported", name)
			}
		case *ast.FuncCallExpr:
			name, argNodes = a.FnName.L, a.Args
		}
		var fn catalog.BoundAggregate
		var args []scalar
		var err error
		k := ""
		if ae, ok := a.(*ast.AggregateFuncExpr); ok && name == ast.AggFuncGroupConcat {
			fn, args, k, err = st.b.bindGroupConcat(ae, argBinder)
		} else {
			fn, args, err = st.b.bindAggregate(name, argNodes, distinct, argBinder)
		}
		if err != nil {
			return nil, err
		}
		k += fmt.Sprintf("%s/%v/%v", fn.Name(), distinct, starArgs(argNodes))
		for _, s := range args {
			k += "/" + s.key()
		}
		if i, ok := aggKeys[k]; ok {
			st.aggIndex[a] = i
			continue
		}
		aggKeys[k] = len(st.groups) + len(st.aggs)
		st.aggIndex[a] = aggKeys[k]
		st.aggs = append(st.aggs, aggCall{fn: fn, args: args, name: exprText(a)})
	}

	cols := make([]column, 0, len(st.groups)+len(st.aggs))
	for i, g := range st.groups {
		col := column{Name: groupNames[i], Type: g.Type(), Nullable: nullable(g)}
		if r, ok := g.(*colRef); ok {
			col.Table = st.scope[r.Index].Table
		}
		cols = append(cols, col)
	}
	for _, a := range st.aggs {
		cols = append(cols, column{Name: a.name, Type: a.fn.ResultType(), Nullable: true})
	}
	return &aggregateNode{child: n, groupBy: st.groups, aggs: st.aggs, cols: cols}, nil
}

// groupExpr binds one GROUP BY item: an ordinal of the select list, a
// FROM column, else a select-list alias (MySQL looks in FROM first here),
// else an expression over FROM.
func (st *selectState) groupExpr(n ast.ExprNode) (scalar, string, error) {
	bd := st.fromBinder("group statement")
	if p, ok := n.(*ast.PositionExpr); ok {
		if p.P != nil || p.N < 1 || p.N > len(st.fields) {
			return nil, "", fmt.Errorf("unknown column '%s' in group statement", exprText(n))
		}
		f := st.fields[p.N-1]
		if f.expr == nil {
			c := st.scope[f.star]
			return &colRef{Index: f.star, Name: c.Name, Typ: c.Type, Nullable: c.Nullable}, f.name, nil
		}
		if st.b.containsCall(f.expr) {
			return nil, "", fmt.Errorf("cannot group on %q: it is an aggregate or window function", f.name)
		}
		s, err := bd.bind(f.expr)
		return s, f.name, err
	}
	if cn := isColumn(n); cn != nil && cn.Table.O == "" {
		if _, err := resolveColumn(st.scope, cn, "group statement"); err != nil {
			for _, f := range st.fields {
				if f.expr != nil && f.named && strings.EqualFold(f.name, cn.Name.O) {
					if st.b.containsCall(f.expr) {
						return nil, "", fmt.Errorf("cannot group on %q: it is an aggregate or window function", f.name)
					}
					s, err := bd.bind(f.expr)
					return s, f.name, err
				}
			}
		}
	}
	s, err := bd.bind(n)
	if err != nil {
		return nil, "", err
	}
	name := exprText(n)
	if cn := isColumn(n); cn != nil {
		name = cn.Name.O
	}
	return s, name, nil
}

// postAggBinder binds expressions evaluated after aggregation (HAVING,
// window arguments, and through windowBinder the select list): aggregates
// and grouped expressions become columns of the aggregate node; any other
// column reference breaks ONLY_FULL_GROUP_BY. Without aggregation it is
// the FROM binder.
func (st *selectState) postAggBinder(clause string) *binder {
	bd := st.fromBinder(clause)
	if !st.aggregating {
		return bd
	}
	from := st.fromBinder(clause)
	out := &binder{b: st.b, clause: clause, outer: st.outer, env: st.env}
	out.scope = bd.scope
	out.hook = func(n ast.ExprNode) (scalar, bool, error) {
		if i, ok := st.aggIndex[n]; ok {
			a := st.aggs[i-len(st.groups)]
			return &colRef{Index: i, Name: a.name, Typ: a.fn.ResultType(), Nullable: true}, true, nil
		}
		switch n.(type) {
		case ast.ValueExpr, *ast.WindowFuncExpr, *ast.ParenthesesExpr:
			return nil, false, nil
		}
		if st.b.containsCall(n) {
			return nil, false, nil
		}
		s, err := from.bind(n)
		if err != nil {
			if isColumn(n) != nil {
				return nil, true, err
			}
			// Bind the parts: a part may be an alias (HAVING n > 1).
			return nil, false, nil
		}
		if _, ok := s.(*outerRef); ok {
			return s, true, nil // the enclosing query's, constant here
		}
		if i, ok := st.groupKeys[s.key()]; ok {
			g := st.groups[i]
			return &colRef{Index: i, Name: g.String(), Typ: g.Type(), Nullable: nullable(g)}, true, nil
		}
		if cn := isColumn(n); cn != nil {
			return nil, true, fmt.Errorf("column %q in %s is neither grouped nor aggregated: add it to GROUP BY or use it inside an aggregate function", columnName(cn), clause)
		}
		if _, ok := s.(*constant); ok {
			return s, true, nil
		}
		return nil, false, nil
	}
	return out
}

// windowBinder extends the post-aggregation binder with the window
// functions' result columns: it binds the select list and ORDER BY.
func (st *selectState) windowBinder(clause string) *binder {
	bd := st.postAggBinder(clause)
	if len(st.winIndex) == 0 {
		return bd
	}
	inner := bd.hook
	bd.hook = func(n ast.ExprNode) (scalar, bool, error) {
		if w, ok := n.(*ast.WindowFuncExpr); ok {
			if i, ok := st.winIndex[w]; ok {
				return &colRef{Index: i, Name: exprText(w), Typ: st.winType(i), Nullable: true}, true, nil
			}
		}
		if inner != nil {
			return inner(n)
		}
		return nil, false, nil
	}
	return bd
}

// aliasHook lets unqualified names refer to select-list fields by name
// (ORDER BY, HAVING). In HAVING a grouped FROM column wins over an alias
// of the same name, as in MySQL; in ORDER BY the alias wins.
func (st *selectState) aliasHook(bd *binder, inner func(ast.ExprNode) (scalar, bool, error), having bool) func(ast.ExprNode) (scalar, bool, error) {
	plain := *bd
	plain.hook = inner
	return func(n ast.ExprNode) (scalar, bool, error) {
		cn, ok := n.(*ast.ColumnNameExpr)
		if ok && cn.Name.Table.O == "" {
			if having && st.aggregating {
				if i, err := resolveColumn(st.scope, cn.Name, bd.clause); err == nil {
					if _, grouped := st.groupKeys[fmt.Sprintf("#%d", i)]; grouped {
						s, err := plain.bind(n)
						return s, true, err
					}
				}
			}
			var match scalar
			for _, f := range st.fields {
				if !f.named || !strings.EqualFold(f.name, cn.Name.Name.O) {
					continue
				}
				s, err := st.bindField(&plain, f)
				if err != nil {
					return nil, true, err
				}
				if match != nil && match.key() != s.key() {
					return nil, true, fmt.Errorf("column %q in %s is ambiguous: several select-list fields have that name", cn.Name.Name.O, bd.clause)
				}
				match = s
			}
			if match != nil {
				return match, true, nil
			}
		}
		if inner != nil {
			return inner(n)
		}
		return nil, false, nil
	}
}

// bindField binds one select-list entry.
func (st *selectState) bindField(bd *binder, f field) (scalar, error) {
	if f.expr != nil {
		return bd.bind(f.expr)
	}
	c := st.scope[f.star]
	ref := &colRef{Index: f.star, Name: c.Name, Typ: c.Type, Nullable: c.Nullable}
	if !st.aggregating {
		return ref, nil
	}
	if i, ok := st.groupKeys[ref.key()]; ok {
		return &colRef{Index: i, Name: c.Name, Typ: c.Type, Nullable: c.Nullable}, nil
	}
	return nil, fmt.Errorf("column %q in field list is neither grouped nor aggregated: add it to GROUP BY or use it inside an aggregate function", c.Table+"."+c.Name)
}

// planProjection computes the select list, then DISTINCT, ORDER BY and
// LIMIT. ORDER BY may sort on expressions outside the select list: they
// are computed as extra columns and dropped after sorting.
func (st *selectState) planProjection(n node) (node, error) {
	subq := &subqueryList{}
	bd := st.windowBinder("field list")
	bd.subq = subq
	exprs := make([]scalar, len(st.fields))
	cols := make([]column, len(st.fields))
	for i, f := range st.fields {
		s, err := st.bindField(bd, f)
		if err != nil {
			return nil, err
		}
		exprs[i] = s
		cols[i] = column{Name: f.name, Type: s.Type(), Nullable: nullable(s)}
	}
	visible := len(exprs)

	var keys []sortKey
	if ob := st.sel.OrderBy; ob != nil {
		obd := st.windowBinder("order clause")
		obd.subq = subq
		obd.hook = st.aliasHook(obd, obd.hook, false)
		for _, item := range ob.Items {
			idx, err := st.orderTarget(obd, item.Expr, exprs[:visible], &exprs, &cols)
			if err != nil {
				return nil, err
			}
			if idx < 0 {
				continue
			}
			keys = append(keys, sortKey{e: &colRef{Index: idx, Name: cols[idx].Name, Typ: cols[idx].Type, Nullable: cols[idx].Nullable}, desc: item.Desc})
		}
	}
	if st.sel.Distinct && len(exprs) > visible {
		return nil, fmt.Errorf("ORDER BY expression %s is not in the select list of SELECT DISTINCT", cols[visible].Name)
	}
	if len(subq.list) > 0 {
		var resolve func(scalar) scalar
		var err error
		if n, resolve, err = st.b.applySubqueries(n, subq, nil); err != nil {
			return nil, err
		}
		for i := range exprs {
			exprs[i] = resolve(exprs[i])
		}
	}
	n = &projectNode{child: n, exprs: exprs, cols: cols}
	if st.sel.Distinct {
		n = &distinctNode{child: n}
	}
	return finishQuery(n, keys, st.sel.Limit, visible)
}

// orderTarget returns the projection column an ORDER BY item sorts on,
// adding a hidden column when no select-list entry computes it.
func (st *selectState) orderTarget(bd *binder, n ast.ExprNode, fields []scalar, exprs *[]scalar, cols *[]column) (int, error) {
	if p, ok := n.(*ast.PositionExpr); ok {
		if p.P != nil || p.N < 1 || p.N > len(fields) {
			return 0, fmt.Errorf("unknown column '%s' in order clause", exprText(n))
		}
		return p.N - 1, nil
	}
	s, err := bd.bind(n)
	if err != nil {
		return 0, err
	}
	if _, ok := s.(*constant); ok {
		return -1, nil // sorting by a constant changes nothing
	}
	for i, f := range *exprs {
		if f.key() == s.key() {
			return i, nil
		}
	}
	*exprs = append(*exprs, s)
	*cols = append(*cols, column{Name: exprText(n), Type: s.Type(), Nullable: nullable(s)})
	return len(*exprs) - 1, nil
}

// finishQuery adds ORDER BY, LIMIT and the projection dropping sort-only
// columns past visible.
func finishQuery(n node, keys []sortKey, limit *ast.Limit, visible int) (node, error) {
	if len(keys) > 0 {
		n = &sortNode{child: n, keys: keys}
	}
	if limit != nil {
		count, offset := int64(-1), int64(0)
		var err error
		if limit.Count != nil {
			if count, err = limitValue(limit.Count); err != nil {
				return nil, err
			}
		}
		if limit.Offset != nil {
			if offset, err = limitValue(limit.Offset); err != nil {
				return nil, err
			}
		}
		n = &limitNode{child: n, offset: offset, limit: count}
	}
	if cols := n.columns(); len(cols) > visible {
		n = &projectNode{child: n, exprs: colRefs(cols[:visible]), cols: cols[:visible]}
	}
	return n, nil
}

func limitValue(n ast.ExprNode) (int64, error) {
	if v, ok := n.(ast.ValueExpr); ok {
		switch x := v.GetValue().(type) {
		case int64:
			if x >= 0 {
				return x, nil
			}
		case uint64:
			if x <= 1<<62 {
				return int64(x), nil
			}
			return 1 << 62, nil
		}
	}
	return 0, fmt.Errorf("LIMIT and OFFSET take non-negative integer constants, not %s", exprText(n))
}

// planWindows adds the Window operator computing every window function of
// the select list and ORDER BY, over the (aggregated) rows.
func (st *selectState) planWindows(n node) (node, error) {
	c := &callCollector{b: st.b}
	for _, f := range st.fields {
		c.collect(f.expr)
	}
	if st.sel.OrderBy != nil {
		for _, it := range st.sel.OrderBy.Items {
			c.collect(it.Expr)
		}
	}
	if len(c.windows) == 0 {
		return n, nil
	}
	named := map[string]*ast.WindowSpec{}
	for i := range st.sel.WindowSpecs {
		ws := &st.sel.WindowSpecs[i]
		if _, dup := named[ws.Name.L]; dup {
			return nil, fmt.Errorf("window %q is defined twice", ws.Name.O)
		}
		named[ws.Name.L] = ws
	}
	bd := st.postAggBinder("window function")
	base := len(n.columns())
	cols := append([]column(nil), n.columns()...)
	st.winIndex = map[*ast.WindowFuncExpr]int{}
	var funcs []windowCall
	for _, w := range c.windows {
		if _, seen := st.winIndex[w]; seen {
			continue
		}
		wc, err := st.windowCall(bd, w, named)
		if err != nil {
			return nil, err
		}
		st.winIndex[w] = base + len(funcs)
		funcs = append(funcs, wc)
		t := types.Int64Type
		if wc.kind == exec.WindowAggregate {
			t = wc.agg.ResultType()
		}
		cols = append(cols, column{Name: wc.name, Type: t, Nullable: wc.kind == exec.WindowAggregate})
	}
	st.winCols = cols
	return &windowNode{child: n, funcs: funcs, cols: cols}, nil
}

func (st *selectState) winType(col int) types.Type { return st.winCols[col].Type }

// orderedAggregate is implemented by aggregates that take ORDER BY
// (GROUP_CONCAT): its keys follow the values among the arguments.
type orderedAggregate interface {
	BindOrderedAggregate(args []types.Type, desc []bool, distinct bool) (catalog.BoundAggregate, error)
}

// bindGroupConcat binds GROUP_CONCAT: the parser gives the values then
// the separator; the ORDER BY keys go between them. key tells calls apart
// that differ only in their ORDER BY directions.
func (b *builder) bindGroupConcat(a *ast.AggregateFuncExpr, bd *binder) (catalog.BoundAggregate, []scalar, string, error) {
	f, ok := b.cat.Function(ast.AggFuncGroupConcat)
	if !ok {
		return nil, nil, "", fmt.Errorf("unknown function %q", ast.AggFuncGroupConcat)
	}
	of, ok := f.(orderedAggregate)
	if !ok || len(a.Args) < 2 {
		return nil, nil, "", fmt.Errorf("function %s cannot be called here", exprText(a))
	}
	nodes := append([]ast.ExprNode(nil), a.Args[:len(a.Args)-1]...)
	var desc []bool
	key := "order"
	if a.Order != nil {
		for _, it := range a.Order.Items {
			if _, ok := it.Expr.(*ast.PositionExpr); ok {
				return nil, nil, "", fmt.Errorf("ORDER BY positions inside %s are not supported", exprText(a))
			}
			nodes = append(nodes, it.Expr)
			desc = append(desc, it.Desc)
			key += fmt.Sprintf("/%v", it.Desc)
		}
	}
	nodes = append(nodes, a.Args[len(a.Args)-1])
	args, err := bd.bindAll(nodes)
	if err != nil {
		return nil, nil, "", err
	}
	if _, ok := args[len(args)-1].(*constant); !ok {
		return nil, nil, "", fmt.Errorf("the SEPARATOR of %s must be a constant", exprText(a))
	}
	ts := make([]types.Type, len(args))
	for i, s := range args {
		ts[i] = s.Type()
	}
	fn, err := of.BindOrderedAggregate(ts, desc, a.Distinct)
	return fn, args, key + "/", err
}
