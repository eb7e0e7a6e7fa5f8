package planner

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
)

// Planner plans statements against one catalog for one session.
type Planner struct {
	cat      *catalog.Catalog
	settings *catalog.Settings

	// Runtime returns the runtime of an execution mode; the planner hands
	// it to the Python operators it builds. nil: plans with Python calls
	// still build and explain, but fail when they open.
	Runtime func(mode udf.Mode) (udf.Runtime, error)
}

// New returns a planner over cat. settings are the session's (the
// execution mode of Python calls will be read from them).
func New(cat *catalog.Catalog, settings *catalog.Settings) *Planner {
	return &Planner{cat: cat, settings: settings}
}

// Plan is an executable plan and the columns it produces: names as the
// result shows them (the alias, else the column name, else the
// expression's text as written).
type Plan struct {
	Root    exec.Operator
	Columns []types.Column
}

func (p *Planner) builder() *builder {
	return &builder{cat: p.cat, settings: p.settings, runtime: p.Runtime}
}

// PlanQuery plans a query: a SELECT or a UNION [ALL] of them, with WITH.
// It marks count(*) calls in node in place (see markStars).
func (p *Planner) PlanQuery(node ast.ResultSetNode) (*Plan, error) {
	node.Accept(markStars{})
	b := p.builder()
	n, err := b.planResultSet(node, nil)
	if err != nil {
		return nil, err
	}
	return b.finish(n)
}

// finish runs the rewrite rules and builds the operators.
func (b *builder) finish(n node) (*Plan, error) {
	n, err := b.pushFilters(n)
	if err != nil {
		return nil, err
	}
	if n, err = b.cutPythonCalls(n); err != nil {
		return nil, err
	}
	op, err := b.build(n)
	if err != nil {
		return nil, err
	}
	return &Plan{Root: op, Columns: typesColumns(n.columns())}, nil
}

// Explain renders an operator tree one operator a line, each child
// indented two spaces below its parent. Operators that are not
// exec.Explainers show their type name.
func Explain(op exec.Operator) []string {
	var lines []string
	var walk func(op exec.Operator, depth int)
	walk = func(op exec.Operator, depth int) {
		line := operatorName(op)
		var children []exec.Operator
		if e, ok := op.(exec.Explainer); ok {
			line = e.Explain()
			children = e.Children()
		}
		lines = append(lines, strings.Repeat("  ", depth)+line)
		for _, c := range children {
			walk(c, depth+1)
		}
	}
	if op != nil {
		walk(op, 0)
	}
	return lines
}

func operatorName(op exec.Operator) string {
	t := reflect.TypeOf(op)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return fmt.Sprintf("%T", op)
	}
	return t.Name()
}
