package planner

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/catalog/builtin"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

func date(s string) types.Value {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return types.DateValue(d.Unix() / 86400)
}

func dec(s string, scale int) types.Value {
	n, err := decimal128.FromString(s, 38, int32(scale))
	if err != nil {
		panic(err)
	}
	return n
}

// addTable creates a table and appends rows, split into batches of
// batchSize rows so that operators see several batches.
func addTable(t *testing.T, cat *catalog.Catalog, name string, cols []types.Column, rows [][]types.Value, batchSize int) {
	t.Helper()
	tbl, _, err := cat.CreateTable(name, cols, false)
	require.NoError(t, err)
	var batches []arrow.Record
	for start := 0; start < len(rows); start += batchSize {
		end := min(start+batchSize, len(rows))
		b := array.NewRecordBuilder(memory.DefaultAllocator, tbl.Schema())
		for _, row := range rows[start:end] {
			for i, v := range row {
				require.NoError(t, expr.AppendValue(b.Field(i), v))
			}
		}
		batches = append(batches, b.NewRecord())
		b.Release()
	}
	require.NoError(t, tbl.Append(batches))
	for _, b := range batches {
		b.Release()
	}
}

// testCatalog holds:
//
//	t(a BIGINT, b VARCHAR(10), c DOUBLE, d DECIMAL(6,2), e DATE, f BOOLEAN)
//	u(a INT, name TEXT NOT NULL): a is INT, so joins on t.a = u.a cast keys
//	empty(a BIGINT): no rows
func testCatalog(t *testing.T) *catalog.Catalog {
	cat := catalog.New()
	builtin.Register(cat)
	addTable(t, cat, "t", []types.Column{
		{Name: "a", Type: types.Int64Type, Nullable: true},
		{Name: "b", Type: types.Type{Kind: types.String, Length: 10}, Nullable: true},
		{Name: "c", Type: types.Float64Type, Nullable: true},
		{Name: "d", Type: types.DecimalType(6, 2), Nullable: true},
		{Name: "e", Type: types.DateType, Nullable: true},
		{Name: "f", Type: types.BoolType, Nullable: true},
	}, [][]types.Value{
		{int64(1), "x", 1.5, dec("10.00", 2), date("2024-01-01"), true},
		{int64(2), "y", nil, dec("20.50", 2), date("2024-02-01"), false},
		{int64(3), nil, 3.5, nil, nil, nil},
		{nil, "x", 4.5, dec("5.25", 2), date("2024-01-15"), true},
		{int64(2), "x", 2.5, dec("1.00", 2), date("2023-12-31"), false},
	}, 2)
	addTable(t, cat, "u", []types.Column{
		{Name: "a", Type: types.Int32Type, Nullable: true},
		{Name: "name", Type: types.StringType, Nullable: false},
	}, [][]types.Value{
		{int64(1), "one"},
		{int64(2), "two"},
		{int64(2), "deux"},
		{int64(4), "four"},
		{nil, "nil"},
	}, 3)
	addTable(t, cat, "empty", []types.Column{{Name: "a", Type: types.Int64Type, Nullable: true}}, nil, 1)
	return cat
}

func parseOne(sql string) (ast.StmtNode, error) { return parser.New().ParseOneStmt(sql, "", "") }

func parse(t *testing.T, sql string) ast.StmtNode {
	t.Helper()
	stmt, err := parseOne(sql)
	require.NoError(t, err, sql)
	return stmt
}

// result is a query's output: column names and rows, each row its values
// formatted as SQL text shows them and joined by "|".
type result struct {
	names []string
	rows  []string
}

func drain(t *testing.T, op exec.Operator) []string {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, op.Open(ctx))
	defer op.Close()
	cols := make([]types.Column, len(op.Schema().Fields()))
	for i, f := range op.Schema().Fields() {
		c, err := types.ColumnOf(f)
		require.NoError(t, err)
		cols[i] = c
	}
	var rows []string
	for {
		rec, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		for r := 0; r < int(rec.NumRows()); r++ {
			vals := make([]string, rec.NumCols())
			for c := range vals {
				vals[c] = expr.FormatValue(expr.ValueAt(rec.Column(c), r), cols[c].Type)
			}
			rows = append(rows, strings.Join(vals, "|"))
		}
	}
	return rows
}

func query(t *testing.T, cat *catalog.Catalog, sql string) result {
	t.Helper()
	stmt := parse(t, sql)
	rs, ok := stmt.(ast.ResultSetNode)
	require.True(t, ok, "%s is not a query", sql)
	plan, err := New(cat, catalog.NewSettings()).PlanQuery(rs)
	require.NoError(t, err, sql)
	var res result
	for _, c := range plan.Columns {
		res.names = append(res.names, c.Name)
	}
	res.rows = drain(t, plan.Root)
	require.Len(t, plan.Root.Schema().Fields(), len(plan.Columns), "plan schema and columns disagree: %s", sql)
	for i, f := range plan.Root.Schema().Fields() {
		require.True(t, arrow.TypeEqual(f.Type, plan.Columns[i].Type.Arrow()), "column %d of %s: operator says %s, plan says %s", i, sql, f.Type, plan.Columns[i].Type)
	}
	return res
}

func planError(t *testing.T, cat *catalog.Catalog, sql string) error {
	t.Helper()
	p := New(cat, catalog.NewSettings())
	var err error
	switch stmt := parse(t, sql).(type) {
	case *ast.InsertStmt:
		_, _, err = p.PlanInsert(stmt)
	case ast.ResultSetNode:
		_, err = p.PlanQuery(stmt)
	default:
		t.Fatalf("unexpected statement %T", stmt)
	}
	require.Error(t, err, sql)
	return err
}

func sorted(rows []string) []string {
	out := append([]string(nil), rows...)
	sort.Strings(out)
	return out
}
