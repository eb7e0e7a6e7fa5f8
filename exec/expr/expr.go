// Package expr evaluates scalar expressions over Arrow record batches, a
// whole column at a time.
//
// Expressions are built by the planner, already bound: column references
// are ordinals into the input batch and every call carries its bound
// function. expr imports types and catalog (for the function interfaces),
// and nothing of sql/ or planner/.
package expr

import (
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
func (l *Literal) String() string   { return FormatValue(l.Value, l.Typ) }
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
	return fmt.Sprintf("%s(%s)", c.Fn.Name(), strings.Join(parts, ", "))
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
	return c.Fn.Eval(ctx.Mem, args, int(b.NumRows()))
}
