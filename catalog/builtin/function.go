package builtin

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// binder checks argument types and specialises a function to them.
type binder func(name string, args []types.Type) (catalog.BoundScalar, error)

// scalar is a built-in scalar function.
type scalar struct {
	name string
	bind binder
}

func (f *scalar) Name() string               { return f.name }
func (f *scalar) Kind() catalog.FunctionKind { return catalog.KindScalar }
func (f *scalar) Bind(args []types.Type) (catalog.BoundScalar, error) {
	return f.bind(f.name, args)
}

// kernel computes a function over argument columns already cast to the
// bound parameter types.
type kernel func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error)

// bound is a scalar function specialised to its argument types. Eval
// casts each argument from its bound type to the kernel's parameter type
// (the implicit casts of the typing rules), then runs the kernel.
type bound struct {
	name   string
	args   []types.Type
	params []types.Type
	result types.Type
	kernel kernel
}

var _ catalog.BoundScalar = (*bound)(nil)

func (b *bound) Name() string           { return b.name }
func (b *bound) ResultType() types.Type { return b.result }
func (b *bound) Eval(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
	if len(args) != len(b.params) {
		return nil, fmt.Errorf("function %s: called with %d arguments, bound for %d", b.name, len(args), len(b.params))
	}
	cast := make([]arrow.Array, len(args))
	defer func() {
		for _, c := range cast {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, a := range args {
		if a.Len() != n {
			return nil, fmt.Errorf("function %s: argument %d has %d rows, want %d", b.name, i+1, a.Len(), n)
		}
		c, err := expr.CastArray(mem, a, b.args[i], b.params[i])
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", b.name, err)
		}
		cast[i] = c
	}
	return b.kernel(mem, cast, n)
}

func newBound(name string, args, params []types.Type, result types.Type, k kernel) *bound {
	return &bound{name: name, args: append([]types.Type(nil), args...), params: params, result: result, kernel: k}
}

// signature writes name(T1, T2) for error messages.
func signature(name string, args []types.Type) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

func bindError(name string, args []types.Type, format string, a ...any) error {
	return fmt.Errorf("function %s: %s", signature(name, args), fmt.Sprintf(format, a...))
}

// checkArity checks min <= len(args) <= max (max < 0: no upper bound).
func checkArity(name string, args []types.Type, min, max int) error {
	n := len(args)
	if n >= min && (max < 0 || n <= max) {
		return nil
	}
	var want string
	switch {
	case min == max:
		want = fmt.Sprint(min)
	case max < 0:
		want = fmt.Sprintf("at least %d", min)
	case max == min+1:
		want = fmt.Sprintf("%d or %d", min, max)
	default:
		want = fmt.Sprintf("%d to %d", min, max)
	}
	return bindError(name, args, "wrong number of arguments, want %s", want)
}

// repeatType returns n copies of t.
func repeatType(t types.Type, n int) []types.Type {
	out := make([]types.Type, n)
	for i := range out {
		out[i] = t
	}
	return out
}

// rowwise is the kernel of the long tail (string, date and the rarer
// math functions): one types.Value per argument per row. With strict, a
// NULL argument gives NULL without calling f.
func rowwise(result types.Type, strict bool, f func(vals []types.Value) (types.Value, error)) kernel {
	return func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
		b := array.NewBuilder(mem, result.Arrow())
		defer b.Release()
		b.Reserve(n)
		vals := make([]types.Value, len(args))
	rows:
		for i := 0; i < n; i++ {
			for j, a := range args {
				vals[j] = expr.ValueAt(a, i)
				if strict && vals[j] == nil {
					b.AppendNull()
					continue rows
				}
			}
			v, err := f(vals)
			if err != nil {
				return nil, err
			}
			if err := expr.AppendValue(b, v); err != nil {
				return nil, err
			}
		}
		return b.NewArray(), nil
	}
}
