package planner

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

// builder plans one statement.
type builder struct {
	cat      *catalog.Catalog
	settings *catalog.Settings
	runtime  func(mode udf.Mode) (udf.Runtime, error)
	// outer is the binder of the expression whose subquery is being
	// planned: the SELECTs of that subquery resolve the names they do not
	// know in it (correlation).
	outer *binder
}

// binder binds expressions over one scope. A hook, when set, sees every
// node first: it replaces aggregates, window functions, grouped
// expressions and select-list aliases by references to the columns that
// compute them. clause names the clause in errors ("where clause").
type binder struct {
	b      *builder
	scope  []column
	clause string
	hook   func(n ast.ExprNode) (s scalar, ok bool, err error)
	// allowDefault lets DEFAULT stand for NULL (INSERT VALUES: tables have
	// no column defaults).
	allowDefault bool
	// outer resolves names this scope lacks (inside a subquery); env is
	// the CTEs subqueries see; subq collects the clause's subqueries (nil:
	// subqueries are not allowed here).
	outer *binder
	env   *cteEnv
	subq  *subqueryList
}

// exprText is n written back as SQL, for errors and generated names.
func exprText(n ast.Node) string {
	var sb strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.RestoreStringSingleQuotes|format.RestoreKeyWordLowercase, &sb)); err != nil {
		return fmt.Sprintf("%T", n)
	}
	return sb.String()
}

func (bd *binder) bindAll(ns []ast.ExprNode) ([]scalar, error) {
	out := make([]scalar, len(ns))
	for i, n := range ns {
		s, err := bd.bind(n)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// bind binds one expression.
func (bd *binder) bind(n ast.ExprNode) (scalar, error) {
	if bd.hook != nil {
		if s, ok, err := bd.hook(n); ok || err != nil {
			return s, err
		}
	}
	switch n := n.(type) {
	case *ast.ParenthesesExpr:
		return bd.bind(n.Expr)
	case ast.ParamMarkerExpr: // before ValueExpr, which it also is
		return nil, fmt.Errorf("parameter markers (?) are not supported in %s", bd.clause)
	case ast.ValueExpr:
		return literal(n)
	case *ast.ColumnNameExpr:
		return bd.column(n.Name)
	case *ast.BinaryOperationExpr:
		return bd.binary(n)
	case *ast.UnaryOperationExpr:
		return bd.unary(n)
	case *ast.IsNullExpr:
		arg, err := bd.bind(n.Expr)
		if err != nil {
			return nil, err
		}
		if n.Not {
			return bd.b.callFn("isnotnull", arg)
		}
		return bd.b.callFn("isnull", arg)
	case *ast.IsTruthExpr:
		arg, err := bd.bind(n.Expr)
		if err != nil {
			return nil, err
		}
		name := "isfalse"
		if n.True > 0 {
			name = "istrue"
		}
		s, err := bd.b.callFn(name, arg)
		if err != nil || !n.Not {
			return s, err
		}
		return bd.b.callFn("not", s)
	case *ast.PatternLikeOrIlikeExpr:
		return bd.like(n)
	case *ast.PatternRegexpExpr:
		args, err := bd.bindAll([]ast.ExprNode{n.Expr, n.Pattern})
		if err != nil {
			return nil, err
		}
		return bd.b.negate(bd.b.callFn("regexp", args...))(n.Not)
	case *ast.PatternInExpr:
		if n.Sel != nil {
			return bd.inSubquery(n.Expr, n.Sel, "eq", false, n.Not, exprText(n))
		}
		args, err := bd.bindAll(append([]ast.ExprNode{n.Expr}, n.List...))
		if err != nil {
			return nil, err
		}
		return bd.b.negate(bd.b.callFn("in", args...))(n.Not)
	case *ast.BetweenExpr:
		return bd.between(n)
	case *ast.CaseExpr:
		return bd.caseExpr(n)
	case *ast.FuncCastExpr:
		return bd.cast(n)
	case *ast.FuncCallExpr:
		return bd.funcCall(n)
	case *ast.AggregateFuncExpr:
		return nil, fmt.Errorf("aggregate function %s is not allowed in %s", exprText(n), bd.clause)
	case *ast.WindowFuncExpr:
		return nil, fmt.Errorf("window function %s is not allowed in %s", exprText(n), bd.clause)
	case *ast.SubqueryExpr:
		return bd.scalarSubquery(n)
	case *ast.ExistsSubqueryExpr:
		return bd.existsSubquery(n)
	case *ast.CompareSubqueryExpr:
		return bd.compareSubquery(n)
	case *ast.DefaultExpr:
		if bd.allowDefault && n.Name == nil {
			return &constant{Typ: types.NullType}, nil
		}
	case *ast.TimeUnitExpr:
		// Units (INTERVAL 1 DAY, EXTRACT(YEAR FROM d)) reach functions as
		// their upper-case name.
		return &constant{Value: n.Unit.String(), Typ: types.StringType}, nil
	case *ast.TrimDirectionExpr:
		return &constant{Value: n.Direction.String(), Typ: types.StringType}, nil
	case *ast.PositionExpr:
		return nil, fmt.Errorf("position %d is not allowed in %s", n.N, bd.clause)
	}
	return nil, fmt.Errorf("unsupported expression %s in %s", exprText(n), bd.clause)
}

// literal types a constant: integers BIGINT, exact decimals DECIMAL sized
// to their digits, floats DOUBLE, strings TEXT, TRUE/FALSE BOOLEAN.
func literal(v ast.ValueExpr) (scalar, error) {
	ft := v.GetType()
	switch x := v.GetValue().(type) {
	case nil:
		return &constant{Typ: types.NullType}, nil
	case int64:
		if mysql.HasIsBooleanFlag(ft.GetFlag()) {
			return &constant{Value: x != 0, Typ: types.BoolType}, nil
		}
		return &constant{Value: x, Typ: types.Int64Type}, nil
	case uint64:
		val, t := uintLiteral(x)
		return &constant{Value: val, Typ: t}, nil
	case float64:
		return &constant{Value: x, Typ: types.Float64Type}, nil
	case float32:
		return &constant{Value: float64(x), Typ: types.Float32Type}, nil
	case string:
		return &constant{Value: x, Typ: types.StringType}, nil
	case []byte:
		return &constant{Value: x, Typ: types.BinaryType}, nil
	default:
		if ft.GetType() == mysql.TypeNewDecimal {
			val, t, err := decimalLiteral(fmt.Sprint(x))
			if err != nil {
				return nil, err
			}
			return &constant{Value: val, Typ: t}, nil
		}
		// Hex and bit literals (x'41', b'1') are binary strings.
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return &constant{Value: append([]byte(nil), rv.Bytes()...), Typ: types.BinaryType}, nil
		}
		return nil, fmt.Errorf("unsupported literal %s", exprText(v))
	}
}

// column resolves a column name in the binder's scope.
func (bd *binder) column(cn *ast.ColumnName) (scalar, error) {
	i, err := resolveColumn(bd.scope, cn, bd.clause)
	if err != nil {
		if bd.outer != nil && !inScope(bd.scope, cn) {
			s, oerr := bd.outer.bind(&ast.ColumnNameExpr{Name: cn})
			if oerr == nil {
				return &outerRef{Outer: s}, nil
			}
			if inScope(bd.outer.scope, cn) {
				return nil, oerr // known there, but not usable (not grouped)
			}
		}
		return nil, err
	}
	c := bd.scope[i]
	return &colRef{Index: i, Name: c.Name, Typ: c.Type, Nullable: c.Nullable}, nil
}

// columnName is a column reference as the user wrote it.
func columnName(cn *ast.ColumnName) string {
	if cn.Table.O != "" {
		return cn.Table.O + "." + cn.Name.O
	}
	return cn.Name.O
}

// resolveColumn finds a column by (optionally qualified) name, ignoring
// case. Among several matches, hidden columns (USING duplicates) yield to
// a visible one; more than one visible match is ambiguous.
func resolveColumn(scope []column, cn *ast.ColumnName, clause string) (int, error) {
	var found []int
	for i, c := range scope {
		if strings.EqualFold(c.Name, cn.Name.O) && (cn.Table.O == "" || strings.EqualFold(c.Table, cn.Table.O)) {
			found = append(found, i)
		}
	}
	if len(found) > 1 {
		var visible []int
		for _, i := range found {
			if !scope[i].hidden {
				visible = append(visible, i)
			}
		}
		if len(visible) == 1 {
			return visible[0], nil
		}
		if len(visible) > 1 {
			found = visible
		}
		var tables []string
		for _, i := range found {
			tables = append(tables, scope[i].Table)
		}
		return 0, fmt.Errorf("column %q in %s is ambiguous: it is in tables %s", columnName(cn), clause, strings.Join(tables, ", "))
	}
	if len(found) == 0 {
		if cn.Table.O != "" && !hasTable(scope, cn.Table.O) {
			return 0, fmt.Errorf("unknown column %q in %s: no table %q in scope", columnName(cn), clause, cn.Table.O)
		}
		return 0, fmt.Errorf("unknown column %q in %s", columnName(cn), clause)
	}
	return found[0], nil
}

// inScope reports whether any column of scope answers to cn.
func inScope(scope []column, cn *ast.ColumnName) bool {
	for _, c := range scope {
		if strings.EqualFold(c.Name, cn.Name.O) && (cn.Table.O == "" || strings.EqualFold(c.Table, cn.Table.O)) {
			return true
		}
	}
	return false
}

func hasTable(scope []column, table string) bool {
	for _, c := range scope {
		if strings.EqualFold(c.Table, table) {
			return true
		}
	}
	return false
}

// callFn binds the scalar function name to the arguments' types.
func (b *builder) callFn(name string, args ...scalar) (scalar, error) {
	f, ok := b.cat.Function(name)
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	sf, ok := f.(catalog.ScalarFunction)
	if !ok {
		return nil, fmt.Errorf("%s function %q cannot be used as a scalar function here", f.Kind(), name)
	}
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	bound, err := sf.Bind(ts)
	if err != nil {
		return nil, err
	}
	return &call{Fn: bound, Args: args}, nil
}

// negate wraps a binding result in not() when not is true.
func (b *builder) negate(s scalar, err error) func(not bool) (scalar, error) {
	return func(not bool) (scalar, error) {
		if err != nil || !not {
			return s, err
		}
		return b.callFn("not", s)
	}
}

// and joins predicates with AND (nil for none).
func (b *builder) and(preds []scalar) (scalar, error) {
	var out scalar
	for _, p := range preds {
		if out == nil {
			out = p
			continue
		}
		s, err := b.callFn("and", out, p)
		if err != nil {
			return nil, err
		}
		out = s
	}
	return out, nil
}

// predicate makes s usable as a filter: non-boolean values are true when
// IS TRUE holds for them, as MySQL reads WHERE 1 or WHERE col.
func (b *builder) predicate(s scalar) (scalar, error) {
	if k := s.Type().Kind; k == types.Bool || k == types.Null {
		return s, nil
	}
	return b.callFn("istrue", s)
}

// opName names the catalog function of a binary operator (tidb's opcode
// names: plus, eq, and...).
func opName(op opcode.Op) string {
	if op == opcode.Not2 {
		return "not"
	}
	return op.String()
}

func opLiteral(op opcode.Op) string {
	var sb strings.Builder
	op.Format(&sb)
	return strings.TrimSpace(sb.String())
}

func (bd *binder) binary(n *ast.BinaryOperationExpr) (scalar, error) {
	args, err := bd.bindAll([]ast.ExprNode{n.L, n.R})
	if err != nil {
		return nil, err
	}
	return bd.b.operator(n.Op, args...)
}

// operator binds an operator's function; a missing one is an unsupported
// operator rather than an unknown function.
func (b *builder) operator(op opcode.Op, args ...scalar) (scalar, error) {
	name := opName(op)
	if _, ok := b.cat.Function(name); !ok {
		return nil, fmt.Errorf("operator %s is not supported", opLiteral(op))
	}
	return b.callFn(name, args...)
}

func (bd *binder) unary(n *ast.UnaryOperationExpr) (scalar, error) {
	arg, err := bd.bind(n.V)
	if err != nil {
		return nil, err
	}
	switch n.Op {
	case opcode.Plus:
		return arg, nil
	case opcode.Minus:
		// Fold the sign into numeric literals so that -5 is a constant.
		if c, ok := arg.(*constant); ok {
			switch v := c.Value.(type) {
			case int64:
				if v != -v || v == 0 {
					return &constant{Value: -v, Typ: c.Typ}, nil
				}
			case float64:
				return &constant{Value: -v, Typ: c.Typ}, nil
			}
		}
		return bd.b.callFn("unaryminus", arg)
	case opcode.Not, opcode.Not2:
		return bd.b.callFn("not", arg)
	}
	return bd.b.operator(n.Op, arg)
}

func (bd *binder) like(n *ast.PatternLikeOrIlikeExpr) (scalar, error) {
	args, err := bd.bindAll([]ast.ExprNode{n.Expr, n.Pattern})
	if err != nil {
		return nil, err
	}
	if !n.IsLike {
		// ILIKE: compare lower-cased.
		for i, a := range args {
			if args[i], err = bd.b.callFn("lower", a); err != nil {
				return nil, err
			}
		}
	}
	if n.EscapeExplicit {
		args = append(args, &constant{Value: string([]byte{n.Escape}), Typ: types.StringType})
	}
	return bd.b.negate(bd.b.callFn("like", args...))(n.Not)
}

func (bd *binder) between(n *ast.BetweenExpr) (scalar, error) {
	args, err := bd.bindAll([]ast.ExprNode{n.Expr, n.Left, n.Right})
	if err != nil {
		return nil, err
	}
	lo, hi, join := "ge", "le", "and"
	if n.Not {
		lo, hi, join = "lt", "gt", "or"
	}
	l, err := bd.b.callFn(lo, args[0], args[1])
	if err != nil {
		return nil, err
	}
	r, err := bd.b.callFn(hi, args[0], args[2])
	if err != nil {
		return nil, err
	}
	return bd.b.callFn(join, l, r)
}

// caseExpr binds both CASE forms to case(cond1, val1, ..., [else]); the
// simple form compares its value with each WHEN by '='.
func (bd *binder) caseExpr(n *ast.CaseExpr) (scalar, error) {
	var value scalar
	if n.Value != nil {
		v, err := bd.bind(n.Value)
		if err != nil {
			return nil, err
		}
		value = v
	}
	var args []scalar
	for _, w := range n.WhenClauses {
		cond, err := bd.bind(w.Expr)
		if err != nil {
			return nil, err
		}
		if value != nil {
			if cond, err = bd.b.callFn("eq", value, cond); err != nil {
				return nil, err
			}
		}
		res, err := bd.bind(w.Result)
		if err != nil {
			return nil, err
		}
		args = append(args, cond, res)
	}
	if n.ElseClause != nil {
		e, err := bd.bind(n.ElseClause)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return bd.b.callFn("case", args...)
}

func (bd *binder) cast(n *ast.FuncCastExpr) (scalar, error) {
	arg, err := bd.bind(n.Expr)
	if err != nil {
		return nil, err
	}
	to := types.BinaryType
	if n.FunctionType != ast.CastBinaryOperator {
		if to, err = ColumnType(n.Tp); err != nil {
			return nil, fmt.Errorf("%s: %w", exprText(n), err)
		}
	}
	return newCast(arg, to)
}

func (bd *binder) funcCall(n *ast.FuncCallExpr) (scalar, error) {
	switch n.FnName.L {
	case ast.DateLiteral, ast.TimestampLiteral, ast.TimeLiteral:
		v, ok := n.Args[0].(ast.ValueExpr)
		s, isString := "", false
		if ok {
			s, isString = v.GetValue().(string)
		}
		if !isString {
			return nil, fmt.Errorf("unsupported literal %s", exprText(n))
		}
		var val types.Value
		var t types.Type
		var err error
		switch n.FnName.L {
		case ast.DateLiteral:
			val, t, err = dateLiteral(s)
		case ast.TimestampLiteral:
			val, t, err = timestampLiteral(s)
		default:
			err = fmt.Errorf("type TIME is not supported: TIME '%s'", s)
		}
		if err != nil {
			return nil, err
		}
		return &constant{Value: val, Typ: t}, nil
	}
	f, ok := bd.b.cat.Function(n.FnName.L)
	if !ok {
		return nil, fmt.Errorf("unknown function %q", n.FnName.O)
	}
	if pf, ok := f.(*catalog.PythonFunction); ok && pf.Kind() != catalog.KindAggregate {
		return bd.pythonCall(pf, n)
	}
	if f.Kind() == catalog.KindAggregate {
		return nil, fmt.Errorf("aggregate function %s is not allowed in %s", exprText(n), bd.clause)
	}
	args, err := bd.bindAll(n.Args)
	if err != nil {
		return nil, err
	}
	return bd.b.callFn(n.FnName.L, args...)
}
