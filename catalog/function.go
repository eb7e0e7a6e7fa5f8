package catalog

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/types"
)

// FunctionKind says how a function is called.
type FunctionKind int

const (
	KindScalar    FunctionKind = iota // one value per row
	KindAggregate                     // one value per group (or window frame)
	KindTable                         // rows per row (table functions)
	KindWindow                        // ranking functions such as ROW_NUMBER
)

func (k FunctionKind) String() string {
	switch k {
	case KindScalar:
		return "scalar"
	case KindAggregate:
		return "aggregate"
	case KindTable:
		return "table"
	case KindWindow:
		return "window"
	}
	return "unknown"
}

// Function is an entry of the function registry: built-in or Python alike.
type Function interface {
	Name() string // lower case
	Kind() FunctionKind
}

// ScalarFunction is a scalar function before its argument types are known.
type ScalarFunction interface {
	Function
	// Bind checks the argument types and returns the function specialised
	// to them. Its error names the function and the offending types.
	// Implicit casts of arguments are the bound function's business.
	Bind(args []types.Type) (BoundScalar, error)
}

// BoundScalar is a scalar function for fixed argument types.
type BoundScalar interface {
	Name() string
	ResultType() types.Type
	// Eval computes one output value per row from whole argument columns
	// (each of length n). It never retains args; the result belongs to the
	// caller.
	Eval(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error)
}

// AggregateFunction is an aggregate before its argument types are known.
type AggregateFunction interface {
	Function
	// BindAggregate checks the argument types. star is true for f(*).
	BindAggregate(args []types.Type, distinct, star bool) (BoundAggregate, error)
}

// BoundAggregate is an aggregate for fixed argument types.
type BoundAggregate interface {
	Name() string
	ResultType() types.Type
	NewAccumulator(mem memory.Allocator) GroupsAccumulator
}

// GroupsAccumulator accumulates many groups at once, a batch at a time.
type GroupsAccumulator interface {
	// Update folds rows into groups: row i of args (and of groups) goes to
	// group groups[i]. Group ids are dense, 0..numGroups-1; a group id seen
	// for the first time starts from the empty state.
	Update(args []arrow.Array, groups []uint32, numGroups int) error
	// Finish returns the value of each group 0..numGroups-1 and releases
	// the state.
	Finish(numGroups int) (arrow.Array, error)
}
