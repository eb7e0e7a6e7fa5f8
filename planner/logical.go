package planner

import (
	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
)

// column is one output column of a logical node, as name resolution sees
// it: Table is the qualifier it answers to (a table name or alias, empty
// for computed columns).
type column struct {
	Table    string
	Name     string
	Type     types.Type
	Nullable bool
	// hidden columns are left out of * (the right side's copy of a USING
	// column) and lose to their visible namesake in unqualified lookups.
	hidden bool
}

// node is a logical plan node: plain data that build.go turns into exec
// operators. Every expression of a node is over its child's columns (a
// join's over left's columns then right's).
type node interface {
	columns() []column
}

type scanNode struct {
	table *catalog.Table
	cols  []column
}

// valuesNode is a constant relation: VALUES rows, or the single empty row
// under a SELECT without FROM.
type valuesNode struct {
	cols []column
	rows [][]scalar
}

type filterNode struct {
	child node
	pred  scalar
}

type projectNode struct {
	child node
	exprs []scalar
	cols  []column
}

type aggCall struct {
	fn   catalog.BoundAggregate
	args []scalar
	name string
}

// aggregateNode outputs the group keys then the aggregates.
type aggregateNode struct {
	child   node
	groupBy []scalar
	aggs    []aggCall
	cols    []column
}

// joinNode joins left and right; cond (nil: none) is over left's columns
// then right's.
type joinNode struct {
	left, right node
	typ         exec.JoinType
	cond        scalar
}

type sortKey struct {
	e    scalar
	desc bool
}

type sortNode struct {
	child node
	keys  []sortKey
}

type limitNode struct {
	child         node
	offset, limit int64 // limit < 0: none
}

type distinctNode struct{ child node }

type unionNode struct {
	children []node
	cols     []column
}

type windowCall struct {
	kind        exec.WindowFuncKind
	agg         catalog.BoundAggregate
	args        []scalar
	partitionBy []scalar
	orderBy     []sortKey
	frame       exec.Frame
	name        string
}

// windowNode outputs its input's columns then one column per call.
type windowNode struct {
	child node
	funcs []windowCall
	cols  []column
}

func (n *scanNode) columns() []column      { return n.cols }
func (n *valuesNode) columns() []column    { return n.cols }
func (n *filterNode) columns() []column    { return n.child.columns() }
func (n *projectNode) columns() []column   { return n.cols }
func (n *aggregateNode) columns() []column { return n.cols }
func (n *sortNode) columns() []column      { return n.child.columns() }
func (n *limitNode) columns() []column     { return n.child.columns() }
func (n *distinctNode) columns() []column  { return n.child.columns() }
func (n *unionNode) columns() []column     { return n.cols }
func (n *windowNode) columns() []column    { return n.cols }

func (n *joinNode) columns() []column {
	l, r := n.left.columns(), n.right.columns()
	out := make([]column, 0, len(l)+len(r))
	for _, c := range l {
		if n.typ == exec.RightJoin {
			c.Nullable = true
		}
		out = append(out, c)
	}
	for _, c := range r {
		if n.typ == exec.LeftJoin {
			c.Nullable = true
		}
		out = append(out, c)
	}
	return out
}

// colRefs returns references to every column of n, for nodes above it.
func colRefs(cols []column) []scalar {
	out := make([]scalar, len(cols))
	for i, c := range cols {
		out[i] = &colRef{Index: i, Name: c.Name, Typ: c.Type, Nullable: c.Nullable}
	}
	return out
}
