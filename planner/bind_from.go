package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/exec"
)

// cteEnv is the chain of common table expressions visible at a point of
// the query: innermost first.
type cteEnv struct {
	parent *cteEnv
	name   string
	def    *ast.CommonTableExpression
	env    *cteEnv // the CTEs visible inside def
	// selfRef marks a recursive CTE's name inside its own definition:
	// work is set while its recursive part is planned (recursive.go).
	selfRef bool
	work    *workRef
}

func (e *cteEnv) lookup(name string) *cteEnv {
	for ; e != nil; e = e.parent {
		if strings.EqualFold(e.name, name) {
			return e
		}
	}
	return nil
}

// withCTEs extends env by a WITH clause. Each CTE sees the ones before it.
func withCTEs(w *ast.WithClause, env *cteEnv) (*cteEnv, error) {
	if w == nil {
		return env, nil
	}
	seen := map[string]bool{}
	for _, cte := range w.CTEs {
		if seen[cte.Name.L] {
			return nil, fmt.Errorf("duplicate common table expression name %q", cte.Name.O)
		}
		seen[cte.Name.L] = true
		inner := env
		if w.IsRecursive || cte.IsRecursive {
			inner = &cteEnv{parent: env, name: cte.Name.O, selfRef: true}
		}
		env = &cteEnv{parent: env, name: cte.Name.O, def: cte, env: inner}
	}
	return env, nil
}

// planFrom plans a FROM clause item and returns the scope its columns
// answer to.
func (b *builder) planFrom(n ast.ResultSetNode, env *cteEnv) (node, []column, error) {
	switch n := n.(type) {
	case *ast.Join:
		return b.planJoin(n, env)
	case *ast.TableSource:
		return b.planTableSource(n, env)
	}
	return nil, nil, fmt.Errorf("unsupported FROM clause item %s", exprText(n))
}

func (b *builder) planTableSource(ts *ast.TableSource, env *cteEnv) (node, []column, error) {
	if ts.Lateral {
		return nil, nil, fmt.Errorf("LATERAL derived tables are not supported yet")
	}
	alias := ts.AsName.O
	var nd node
	switch src := ts.Source.(type) {
	case *ast.TableName:
		if alias == "" {
			alias = src.Name.O
		}
		if cte := env.lookup(src.Name.O); cte != nil && src.Schema.O == "" {
			if cte.selfRef {
				if cte.work == nil {
					return nil, nil, fmt.Errorf("recursive common table expression %q may be read only by the SELECTs of its recursive part", src.Name.O)
				}
				nd = &workTableNode{ref: cte.work, cols: cte.work.cols}
				break
			}
			q, recursive, err := b.planRecursiveCTE(cte)
			if err != nil {
				return nil, nil, err
			}
			if recursive {
				nd = q
				break
			}
			q, err = b.planResultSet(cte.def.Query.Query, cte.env)
			if err != nil {
				return nil, nil, fmt.Errorf("in common table expression %q: %w", cte.name, err)
			}
			if q, err = renameColumns(q, cte.def.ColNameList, "common table expression "+cte.name); err != nil {
				return nil, nil, err
			}
			if err := uniqueColumns(q.columns(), "common table expression "+cte.name); err != nil {
				return nil, nil, err
			}
			nd = q
			break
		}
		t, err := b.cat.Table(src.Name.O)
		if err != nil {
			return nil, nil, err
		}
		cols := make([]column, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = column{Table: alias, Name: c.Name, Type: c.Type, Nullable: c.Nullable}
		}
		return &scanNode{table: t, cols: cols}, cols, nil
	case *ast.SelectStmt, *ast.SetOprStmt:
		if alias == "" {
			return nil, nil, fmt.Errorf("every derived table must have an alias: %s", exprText(src))
		}
		q, err := b.planResultSet(src, env)
		if err != nil {
			return nil, nil, err
		}
		if q, err = renameColumns(q, ts.ColumnNames, "derived table "+alias); err != nil {
			return nil, nil, err
		}
		if err := uniqueColumns(q.columns(), "derived table "+alias); err != nil {
			return nil, nil, err
		}
		nd = q
	case *ast.Join:
		return b.planJoin(src, env)
	default:
		return nil, nil, fmt.Errorf("unsupported FROM clause item %s", exprText(src))
	}
	scope := make([]column, len(nd.columns()))
	for i, c := range nd.columns() {
		scope[i] = column{Table: alias, Name: c.Name, Type: c.Type, Nullable: c.Nullable}
	}
	return nd, scope, nil
}

// uniqueColumns rejects a derived table or CTE with two columns of one
// name, as MySQL does: no reference could tell them apart.
func uniqueColumns(cols []column, what string) error {
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		k := strings.ToLower(c.Name)
		if seen[k] {
			return fmt.Errorf("duplicate column name %q in %s", c.Name, what)
		}
		seen[k] = true
	}
	return nil
}

// renameColumns applies a column list (WITH t(a, b), AS d(a, b)).
func renameColumns(n node, names []ast.CIStr, what string) (node, error) {
	if len(names) == 0 {
		return n, nil
	}
	cols := n.columns()
	if len(names) != len(cols) {
		return nil, fmt.Errorf("%s has %d columns but %d column names", what, len(cols), len(names))
	}
	out := make([]column, len(cols))
	for i, c := range cols {
		c.Name = names[i].O
		out[i] = c
	}
	return &projectNode{child: n, exprs: colRefs(cols), cols: out}, nil
}

func (b *builder) planJoin(j *ast.Join, env *cteEnv) (node, []column, error) {
	if j.Right == nil {
		return b.planFrom(j.Left, env)
	}
	if ts, ok := j.Right.(*ast.TableSource); ok {
		if fc, f := b.tableFunctionCall(ts); fc != nil {
			return b.planLateralTable(j, ts, fc, f, env)
		}
	}
	left, lscope, err := b.planFrom(j.Left, env)
	if err != nil {
		return nil, nil, err
	}
	right, rscope, err := b.planFrom(j.Right, env)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range rscope {
		if c.Table != "" && hasTable(lscope, c.Table) {
			return nil, nil, fmt.Errorf("not unique table/alias: %q", c.Table)
		}
	}
	typ := exec.InnerJoin
	switch j.Tp {
	case ast.LeftJoin:
		typ = exec.LeftJoin
	case ast.RightJoin:
		typ = exec.RightJoin
	default:
		if j.On == nil && j.Using == nil && !j.NaturalJoin {
			typ = exec.CrossJoin
		}
	}
	lscope = append([]column(nil), lscope...)
	rscope = append([]column(nil), rscope...)
	scope := append(append([]column(nil), lscope...), rscope...)
	jn := &joinNode{left: left, right: right, typ: typ}

	using := j.Using
	if j.NaturalJoin {
		using = nil
		for _, r := range rscope {
			if r.hidden {
				continue
			}
			for _, l := range lscope {
				if !l.hidden && strings.EqualFold(l.Name, r.Name) {
					using = append(using, &ast.ColumnName{Name: ast.NewCIStr(r.Name)})
					break
				}
			}
		}
	}
	var preds []scalar
	for _, u := range using {
		name := &ast.ColumnName{Name: u.Name}
		li, err := resolveColumn(lscope, name, "from clause")
		if err != nil {
			return nil, nil, fmt.Errorf("USING column %q: left side: %w", u.Name.O, err)
		}
		ri, err := resolveColumn(rscope, name, "from clause")
		if err != nil {
			return nil, nil, fmt.Errorf("USING column %q: right side: %w", u.Name.O, err)
		}
		ri += len(lscope)
		// The USING column appears once in * and answers unqualified
		// references: from the preserved side of an outer join.
		if typ == exec.RightJoin {
			scope[li].hidden = true
		} else {
			scope[ri].hidden = true
		}
		l := &colRef{Index: li, Name: scope[li].Name, Typ: scope[li].Type, Nullable: scope[li].Nullable}
		r := &colRef{Index: ri, Name: scope[ri].Name, Typ: scope[ri].Type, Nullable: scope[ri].Nullable}
		eq, err := b.callFn("eq", l, r)
		if err != nil {
			return nil, nil, err
		}
		preds = append(preds, eq)
	}
	if j.On != nil {
		bd := &binder{b: b, scope: scope, clause: "on clause"}
		on, err := bd.bind(j.On.Expr)
		if err != nil {
			return nil, nil, err
		}
		if on, err = b.predicate(on); err != nil {
			return nil, nil, err
		}
		preds = append(preds, on)
	}
	if jn.cond, err = b.and(preds); err != nil {
		return nil, nil, err
	}
	return jn, scope, nil
}
