package exec

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
)

// The operators the planner builds. Every constructor checks nothing that
// the planner has not already checked; each operator's output schema is
// fixed at construction.

// NewTableScan reads a table's batches as they are at Open.
func NewTableScan(t *catalog.Table) Operator { return &TableScan{table: t} }

// NewValues produces one row per entry of rows, evaluating each expression
// (constants only: no column references) into a column of schema. With no
// rows and an empty schema it is the one-row, zero-column input of a
// SELECT without FROM when rows holds one empty row.
func NewValues(schema *arrow.Schema, rows [][]expr.Expr) Operator {
	return &Values{schema: schema, rows: rows}
}

// NewFilter keeps the rows for which pred is TRUE (not FALSE, not NULL).
func NewFilter(child Operator, pred expr.Expr) Operator { return &Filter{child: child, pred: pred} }

// NewProject computes one output column per expression, named by names.
func NewProject(child Operator, exprs []expr.Expr, names []string) Operator {
	return newProject(child, exprs, names)
}

// NewLimit skips offset rows then passes at most limit rows (limit < 0:
// no limit). It stops pulling from its child once the limit is reached.
func NewLimit(child Operator, offset, limit int64) Operator {
	return &Limit{child: child, offset: offset, limit: limit}
}

// SortKey orders by one expression over the input.
type SortKey struct {
	Expr       expr.Expr
	Desc       bool
	NullsFirst bool // MySQL's default: NULLs first ascending, last descending
}

// NewSort orders its whole input by keys (stable: ties keep input order).
func NewSort(child Operator, keys []SortKey) Operator { return &Sort{child: child, keys: keys} }

// AggregateCall is one aggregate computed per group.
type AggregateCall struct {
	Fn   catalog.BoundAggregate
	Args []expr.Expr // evaluated over the input; none for count(*)
	Name string      // output column name
}

// NewHashAggregate groups its input by the groupBy expressions (NULLs form
// one group) and outputs one row per group: the group columns (named by
// groupNames) then one column per aggregate. Without groupBy it outputs
// exactly one row, even for empty input.
func NewHashAggregate(child Operator, groupBy []expr.Expr, groupNames []string, aggs []AggregateCall) Operator {
	return newHashAggregate(child, groupBy, groupNames, aggs)
}

// JoinType is the kind of a join.
type JoinType int

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	CrossJoin
)

func (j JoinType) String() string {
	if j < InnerJoin || j > CrossJoin {
		return fmt.Sprintf("JoinType(%d)", int(j))
	}
	return [...]string{"INNER", "LEFT", "RIGHT", "CROSS"}[j]
}

// NewHashJoin joins left and right on leftKeys[i] = rightKeys[i] (NULL
// keys never match), then keeps pairs for which residual (over the
// concatenated left+right columns; nil: none) is TRUE. Without keys it is
// a nested-loop join. Output: left columns then right columns; LEFT joins
// pad unmatched left rows with NULLs (RIGHT joins, right rows).
func NewHashJoin(left, right Operator, typ JoinType, leftKeys, rightKeys []expr.Expr, residual expr.Expr) Operator {
	return newHashJoin(left, right, typ, leftKeys, rightKeys, residual)
}

// NewUnionAll outputs its children's rows one child after another. The
// children's schemas have the same column types; names come from the first.
func NewUnionAll(children []Operator) Operator { return &UnionAll{children: children} }

// NewDistinct drops duplicate rows (NULLs equal each other here).
func NewDistinct(child Operator) Operator { return &Distinct{child: child} }

// WindowFuncKind is the kind of a window function.
type WindowFuncKind int

const (
	WindowRowNumber WindowFuncKind = iota
	WindowRank
	WindowDenseRank
	WindowAggregate // an aggregate function over a frame
)

// FrameUnit is ROWS or RANGE.
type FrameUnit int

const (
	FrameRows FrameUnit = iota
	FrameRange
)

// BoundKind is one end of a window frame.
type BoundKind int

const (
	UnboundedPreceding BoundKind = iota
	Preceding                    // Offset PRECEDING
	CurrentRow
	Following // Offset FOLLOWING
	UnboundedFollowing
)

// FrameBound is one end of a frame.
type FrameBound struct {
	Kind   BoundKind
	Offset int64
}

// Frame is a window frame. The SQL default, used by the planner when none
// is written: with ORDER BY, RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT
// ROW (peers included); without, the whole partition.
type Frame struct {
	Unit       FrameUnit
	Start, End FrameBound
}

// WindowFunc is one window function call.
type WindowFunc struct {
	Kind        WindowFuncKind
	Agg         catalog.BoundAggregate // for WindowAggregate
	Args        []expr.Expr
	PartitionBy []expr.Expr
	OrderBy     []SortKey
	Frame       Frame
	Name        string // output column name
}

// NewWindow outputs its input rows with one more column per function.
// It materialises the input; each function partitions and orders it on its
// own. Output row order is unspecified.
func NewWindow(child Operator, funcs []WindowFunc) Operator { return newWindow(child, funcs) }
