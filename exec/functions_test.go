package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// Small functions over BIGINT for the operator tests, independent of the
// built-in library.

// int64Binary applies op to two BIGINT columns, NULL if either is NULL.
type int64Binary struct {
	name   string
	result types.Type
	op     func(a, b int64) types.Value
}

func (f int64Binary) Name() string           { return f.name }
func (f int64Binary) ResultType() types.Type { return f.result }
func (f int64Binary) Eval(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
	a, ok1 := args[0].(*array.Int64)
	b, ok2 := args[1].(*array.Int64)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: BIGINT arguments expected", f.name)
	}
	bld := array.NewBuilder(mem, f.result.Arrow())
	defer bld.Release()
	for i := 0; i < n; i++ {
		var v types.Value
		if a.IsValid(i) && b.IsValid(i) {
			v = f.op(a.Value(i), b.Value(i))
		}
		if err := expr.AppendValue(bld, v); err != nil {
			return nil, err
		}
	}
	return bld.NewArray(), nil
}

var (
	gtFn   = int64Binary{"above", types.BoolType, func(a, b int64) types.Value { return a > b }}
	ltFn   = int64Binary{"below", types.BoolType, func(a, b int64) types.Value { return a < b }}
	addFn  = int64Binary{"addition", types.Int64Type, func(a, b int64) types.Value { return a + b }}
	failFn = int64Binary{"fail", types.Int64Type, nil}
)

func call(fn catalog.BoundScalar, args ...expr.Expr) *expr.Call {
	return &expr.Call{Fn: fn, Args: args}
}

// failing is an expression whose evaluation fails.
type failing struct{}

func (failing) Type() types.Type { return types.Int64Type }
func (failing) String() string   { return "failing()" }
func (failing) Eval(*expr.Context, arrow.Record) (arrow.Array, error) {
	return nil, fmt.Errorf("failing() always fails")
}

// countAgg is count(*) (no args) or count(x); sumAgg is sum(x) over BIGINT.
type countAgg struct{}
type sumAgg struct{}

func (countAgg) Name() string           { return "count" }
func (countAgg) ResultType() types.Type { return types.Int64Type }
func (countAgg) NewAccumulator(mem memory.Allocator) catalog.GroupsAccumulator {
	return &int64Acc{mem: mem, count: true}
}
func (sumAgg) Name() string           { return "sum" }
func (sumAgg) ResultType() types.Type { return types.Int64Type }
func (sumAgg) NewAccumulator(mem memory.Allocator) catalog.GroupsAccumulator {
	return &int64Acc{mem: mem}
}

// int64Acc counts rows or sums BIGINTs per group (sum of no value: NULL).
type int64Acc struct {
	mem   memory.Allocator
	count bool
	vals  []int64
	seen  []bool
	done  bool
}

func (a *int64Acc) grow(n int) {
	for len(a.vals) < n {
		a.vals = append(a.vals, 0)
		a.seen = append(a.seen, false)
	}
}

func (a *int64Acc) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	if a.done {
		return fmt.Errorf("update after finish")
	}
	a.grow(numGroups)
	if len(args) == 0 {
		for _, g := range groups {
			a.vals[g]++
		}
		return nil
	}
	col, ok := args[0].(*array.Int64)
	if !ok {
		return fmt.Errorf("BIGINT argument expected, got %s", args[0].DataType())
	}
	if col.Len() != len(groups) {
		return fmt.Errorf("%d values for %d group ids", col.Len(), len(groups))
	}
	for i, g := range groups {
		if int(g) >= numGroups {
			return fmt.Errorf("group %d out of %d", g, numGroups)
		}
		if col.IsNull(i) {
			continue
		}
		if a.count {
			a.vals[g]++
		} else {
			a.vals[g] += col.Value(i)
			a.seen[g] = true
		}
	}
	return nil
}

func (a *int64Acc) Evaluate(numGroups int) (arrow.Array, error) {
	a.grow(numGroups)
	b := array.NewInt64Builder(a.mem)
	defer b.Release()
	for g := 0; g < numGroups; g++ {
		if a.count || a.seen[g] {
			b.Append(a.vals[g])
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

func (a *int64Acc) Finish(numGroups int) (arrow.Array, error) {
	res, err := a.Evaluate(numGroups)
	a.vals, a.seen, a.done = nil, nil, true
	return res, err
}

// plainAgg hides RunningAccumulator, to test the general frame path.
type plainAgg struct{ catalog.BoundAggregate }
type plainAcc struct{ catalog.GroupsAccumulator }

func (p plainAgg) NewAccumulator(mem memory.Allocator) catalog.GroupsAccumulator {
	return plainAcc{p.BoundAggregate.NewAccumulator(mem)}
}
