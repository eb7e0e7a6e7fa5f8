package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// scalar is a bound expression of the logical plan, over the columns of
// its node's input. Scalars are immutable: rewrites build new ones.
type scalar interface {
	Type() types.Type
	// String is the expression as EXPLAIN shows it.
	String() string
	// key identifies the expression structurally: two scalars over the
	// same input with equal keys compute the same values. GROUP BY and
	// ORDER BY matching rely on it.
	key() string
}

// colRef reads column Index of the input.
type colRef struct {
	Index    int
	Name     string
	Typ      types.Type
	Nullable bool
}

func (c *colRef) Type() types.Type { return c.Typ }
func (c *colRef) String() string   { return c.Name }
func (c *colRef) key() string      { return fmt.Sprintf("#%d", c.Index) }

// constant is a literal value (types.Value representation; nil is NULL).
type constant struct {
	Value types.Value
	Typ   types.Type
}

func (c *constant) Type() types.Type { return c.Typ }
func (c *constant) String() string {
	s := expr.FormatValue(c.Value, c.Typ)
	if c.Value != nil && (c.Typ.Kind == types.String || c.Typ.Kind == types.Date || c.Typ.Kind == types.Timestamp) {
		s = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}
func (c *constant) key() string { return fmt.Sprintf("%s:%s", c.Typ, c.String()) }

// call applies a bound scalar function (an operator or a named function).
type call struct {
	Fn   catalog.BoundScalar
	Args []scalar
}

func (c *call) Type() types.Type { return c.Fn.ResultType() }
func (c *call) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", c.Fn.Name(), strings.Join(parts, ", "))
}
func (c *call) key() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.key()
	}
	return fmt.Sprintf("%s(%s)", c.Fn.Name(), strings.Join(parts, ","))
}

// cast converts Arg to To, as CAST does. Target, when set, names what
// the value is converted for (a table's column in INSERT ... SELECT), so
// that a value failing at run time is reported against it.
type cast struct {
	Arg    scalar
	To     types.Type
	Target string
}

func (c *cast) Type() types.Type { return c.To }
func (c *cast) String() string   { return fmt.Sprintf("CAST(%s AS %s)", c.Arg, c.To) }
func (c *cast) key() string      { return fmt.Sprintf("cast(%s,%s)", c.Arg.key(), c.To) }

// newCast returns e cast to t, or e itself when it already has type t.
// It asks expr.NewCast whether the cast exists so that an impossible cast
// is an error at planning time, naming both types.
func newCast(e scalar, t types.Type) (scalar, error) {
	if e.Type().Equal(t) {
		return e, nil
	}
	if c, ok := e.(*constant); ok && c.Value == nil {
		return &constant{Typ: t}, nil
	}
	if _, err := expr.NewCast(&expr.Column{Name: e.String(), Typ: e.Type()}, t); err != nil {
		return nil, err
	}
	return &cast{Arg: e, To: t}, nil
}

// compile turns a scalar into an executable expression.
func compile(s scalar) (expr.Expr, error) {
	switch s := s.(type) {
	case *colRef:
		return &expr.Column{Index: s.Index, Name: s.Name, Typ: s.Typ}, nil
	case *constant:
		return &expr.Literal{Value: s.Value, Typ: s.Typ}, nil
	case *call:
		args, err := compileAll(s.Args)
		if err != nil {
			return nil, err
		}
		return &expr.Call{Fn: s.Fn, Args: args}, nil
	case *cast:
		arg, err := compile(s.Arg)
		if err != nil {
			return nil, err
		}
		e, err := expr.NewCast(arg, s.To)
		if err != nil || s.Target == "" {
			return e, err
		}
		return &targetedExpr{Expr: e, target: s.Target}, nil
	}
	return nil, fmt.Errorf("planner: cannot compile %T", s)
}

// targetedExpr prefixes evaluation errors with what the value is for.
type targetedExpr struct {
	expr.Expr
	target string
}

func (t *targetedExpr) Eval(ctx *expr.Context, b arrow.Record) (arrow.Array, error) {
	a, err := t.Expr.Eval(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.target, err)
	}
	return a, nil
}

func compileAll(ss []scalar) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(ss))
	for i, s := range ss {
		e, err := compile(s)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// mapCols returns s with every column reference replaced by f's result.
func mapCols(s scalar, f func(*colRef) scalar) scalar {
	switch s := s.(type) {
	case *colRef:
		return f(s)
	case *call:
		args := make([]scalar, len(s.Args))
		for i, a := range s.Args {
			args[i] = mapCols(a, f)
		}
		return &call{Fn: s.Fn, Args: args}
	case *cast:
		return &cast{Arg: mapCols(s.Arg, f), To: s.To, Target: s.Target}
	case colMapper: // Python calls (python.go)
		return s.mapCols(f)
	}
	return s
}

// shiftCols moves every column reference of s by delta.
func shiftCols(s scalar, delta int) scalar {
	if delta == 0 {
		return s
	}
	return mapCols(s, func(c *colRef) scalar {
		return &colRef{Index: c.Index + delta, Name: c.Name, Typ: c.Typ, Nullable: c.Nullable}
	})
}

// colRange reports the smallest and largest column index s reads
// (lo > hi when it reads none).
func colRange(s scalar) (lo, hi int) {
	lo, hi = int(^uint(0)>>1), -1
	mapCols(s, func(c *colRef) scalar {
		lo = min(lo, c.Index)
		hi = max(hi, c.Index)
		return c
	})
	return lo, hi
}

// conjuncts splits s at its top-level ANDs.
func conjuncts(s scalar) []scalar {
	if c, ok := s.(*call); ok && c.Fn.Name() == "and" && len(c.Args) == 2 {
		return append(conjuncts(c.Args[0]), conjuncts(c.Args[1])...)
	}
	return []scalar{s}
}

// nullable reports whether s may be NULL, conservatively.
func nullable(s scalar) bool {
	switch s := s.(type) {
	case *colRef:
		return s.Nullable
	case *constant:
		return s.Value == nil
	}
	return true
}
