// Package expr evaluates scalar expressions over Arrow record batches, a
// whole column at a time.
//
// Expressions are built by the planner, already bound: column references
// are ordinals into the input batch and every call carries its bound
// function. expr imports types and catalog (for the function interfaces),
// and nothing of sql/ or planner/.
package expr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

// Expr is a bound scalar expression.
type Expr interface {
	// Type is the SQL type of the result.
	Type() types.Type
	// Eval computes the expression for every row of batch. The result has
	// batch.NumRows() rows and belongs to the caller, who releases it.
	Eval(ctx *Context, batch arrow.Record) (arrow.Array, error)
	// String is the expression as EXPLAIN prints it.
	String() string
}

// Context carries what evaluation needs besides the batch.
type Context struct {
	Mem memory.Allocator
}

// NewContext returns a Context using the default Go allocator.
func NewContext() *Context { return &Context{Mem: memory.DefaultAllocator} }

// Column reads column Index of the input batch.
type Column struct {
	Index int
	Name  string
	Typ   types.Type
}

func (c *Column) Type() types.Type { return c.Typ }
func (c *Column) String() string   { return c.Name }
func (c *Column) Eval(_ *Context, b arrow.Record) (arrow.Array, error) {
	col := b.Column(c.Index)
	col.Retain()
	return col, nil
}

// Literal is a constant. Value follows types.Value's representation; nil
// is SQL NULL (of type Typ, which may be types.NullType).
type Literal struct {
	Value types.Value
	Typ   types.Type
}

func (l *Literal) Type() types.Type { return l.Typ }
func (l *Literal) String() string   { return Quote(l.Value, l.Typ) }
func (l *Literal) Eval(ctx *Context, b arrow.Record) (arrow.Array, error) {
	return Repeat(ctx.Mem, l.Value, l.Typ, int(b.NumRows()))
}

// Call applies a bound scalar function to its arguments.
type Call struct {
	Fn   catalog.BoundScalar
	Args []Expr
}

func (c *Call) Type() types.Type { return c.Fn.ResultType() }
func (c *Call) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	if s, ok := operatorString(c.Fn.Name(), c.Args, parts); ok {
		return s
	}
	return fmt.Sprintf("%s(%s)", c.Fn.Name(), strings.Join(parts, ", "))
}

// Operators are built-in functions named by the parser's opcodes; they
// print the way SQL writes them.
var (
	infix = map[string]string{
		"plus": "+", "minus": "-", "mul": "*", "div": "/", "intdiv": "DIV", "mod": "%",
		"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "nulleq": "<=>",
		"and": "AND", "or": "OR", "xor": "XOR", "like": "LIKE",
	}
	postfix = map[string]string{
		"isnull": "IS NULL", "isnotnull": "IS NOT NULL", "istrue": "IS TRUE", "isfalse": "IS FALSE",
	}
)

// operand is an argument's text, parenthesised when it is itself an
// operator, so that (a + b) * c keeps its meaning.
func operand(e Expr, s string) string {
	if c, ok := e.(*Call); ok {
		name := c.Fn.Name()
		if _, ok := infix[name]; ok && len(c.Args) == 2 {
			return "(" + s + ")"
		}
		if _, ok := postfix[name]; ok {
			return "(" + s + ")"
		}
		if name == "not" || name == "unaryminus" {
			return "(" + s + ")"
		}
	}
	return s
}

func operatorString(name string, args []Expr, parts []string) (string, bool) {
	if op, ok := infix[name]; ok && len(args) == 2 {
		return operand(args[0], parts[0]) + " " + op + " " + operand(args[1], parts[1]), true
	}
	if op, ok := postfix[name]; ok && len(args) == 1 {
		return operand(args[0], parts[0]) + " " + op, true
	}
	switch {
	case name == "not" && len(args) == 1:
		return "NOT " + operand(args[0], parts[0]), true
	case name == "unaryminus" && len(args) == 1:
		return "-" + operand(args[0], parts[0]), true
	case name == "in" && len(args) >= 2:
		return operand(args[0], parts[0]) + " IN (" + strings.Join(parts[1:], ", ") + ")", true
	case name == "case" && len(args) >= 2:
		var b strings.Builder
		b.WriteString("CASE")
		i := 0
		for ; i+1 < len(args); i += 2 {
			b.WriteString(" WHEN " + parts[i] + " THEN " + parts[i+1])
		}
		if i < len(args) {
			b.WriteString(" ELSE " + parts[i])
		}
		b.WriteString(" END")
		return b.String(), true
	}
	return "", false
}

func (c *Call) Eval(ctx *Context, b arrow.Record) (arrow.Array, error) {
	args := make([]arrow.Array, len(c.Args))
	defer func() {
		for _, a := range args {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, a := range c.Args {
		v, err := a.Eval(ctx, b)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	out, err := c.Fn.Eval(ctx.Mem, args, int(b.NumRows()))
	var oor *OutOfRangeError
	if errors.As(err, &oor) && oor.Expr == "" {
		return nil, &OutOfRangeError{Type: oor.Type, Expr: c.String()}
	}
	return out, err
}
