package planner

import (
	"context"
	"io"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

func insertCatalog(t *testing.T) *catalog.Catalog {
	cat := testCatalog(t)
	_, _, err := cat.CreateTable("ins", []types.Column{
		{Name: "a", Type: types.Int32Type, Nullable: true},
		{Name: "b", Type: types.Type{Kind: types.String, Length: 5}, Nullable: true},
		{Name: "c", Type: types.DecimalType(5, 2), Nullable: true},
		{Name: "d", Type: types.DateType, Nullable: true},
	}, false)
	require.NoError(t, err)
	_, _, err = cat.CreateTable("strict", []types.Column{
		{Name: "id", Type: types.Int64Type, Nullable: false},
		{Name: "note", Type: types.StringType, Nullable: true},
	}, false)
	require.NoError(t, err)
	return cat
}

func TestInsert(t *testing.T) {
	cat := insertCatalog(t)
	cases := []struct {
		sql  string
		rows []string
	}{
		{"INSERT INTO ins VALUES (1, 'x', 1.5, '2024-01-01')", []string{"1|x|1.50|2024-01-01"}},
		{"INSERT INTO ins VALUES (1, 'x', 1.5, DATE '2024-01-01'), (2, NULL, -3, NULL)",
			[]string{"1|x|1.50|2024-01-01", "2|NULL|-3.00|NULL"}},
		{"INSERT INTO ins (d, a) VALUES (DATE '2024-02-02', 7)", []string{"7|NULL|NULL|2024-02-02"}},
		{"INSERT INTO INS (A) VALUES (1 + 2)", []string{"3|NULL|NULL|NULL"}},
		{"INSERT INTO ins VALUES (DEFAULT, 'y', NULL, NULL)", []string{"NULL|y|NULL|NULL"}},
		{"INSERT INTO ins SET a = 3, b = 'z'", []string{"3|z|NULL|NULL"}},
		{"INSERT INTO ins (a, b) SELECT a, b FROM t WHERE a = 1", []string{"1|x|NULL|NULL"}},
		{"INSERT INTO ins SELECT a, b, d, e FROM t WHERE a = 2 ORDER BY b", []string{"2|x|1.00|2023-12-31", "2|y|20.50|2024-02-01"}},
		{"INSERT INTO ins (c) SELECT count(*) FROM t", []string{"NULL|NULL|5.00|NULL"}},
		{"INSERT INTO ins (b) WITH w AS (SELECT 'w' AS v) SELECT v FROM w", []string{"NULL|w|NULL|NULL"}},
		{"INSERT INTO strict (id) VALUES (1)", []string{"1|NULL"}},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			stmt := parse(t, c.sql).(*ast.InsertStmt)
			plan, tbl, err := New(cat, catalog.NewSettings()).PlanInsert(stmt)
			require.NoError(t, err)
			require.Equal(t, tbl.Columns, plan.Columns)
			// The rows must be appendable to the table as they come.
			fields := plan.Root.Schema().Fields()
			require.Len(t, fields, len(tbl.Columns))
			for i, f := range fields {
				require.True(t, arrow.TypeEqual(f.Type, tbl.Schema().Field(i).Type), "column %d: %s, table has %s", i, f.Type, tbl.Schema().Field(i).Type)
			}
			require.Equal(t, c.rows, drain(t, plan.Root))
		})
	}
}

func TestInsertErrors(t *testing.T) {
	cat := insertCatalog(t)
	cases := []struct {
		sql  string
		want []string
	}{
		{"INSERT INTO nope VALUES (1)", []string{`"nope"`}},
		{"INSERT INTO ins (zz) VALUES (1)", []string{`"ins"`, `"zz"`}},
		{"INSERT INTO ins (a, A) VALUES (1, 2)", []string{`"A"`, "twice"}},
		{"INSERT INTO ins VALUES (1, 2)", []string{"ins", "row 1", "2 values, want 4"}},
		{"INSERT INTO ins (a) VALUES (1), (2, 3)", []string{"row 2", "2 values, want 1"}},
		{"INSERT INTO ins (a, b) SELECT a FROM t", []string{"ins", "2 columns", "returns 1"}},
		{"INSERT INTO ins VALUES (a, 'x', 1, NULL)", []string{`unknown column "a"`}},
		{"INSERT INTO strict (note) VALUES ('n')", []string{`"id"`, `"strict"`, "NOT NULL"}},
		{"INSERT INTO strict VALUES (NULL, 'n')", []string{`"id"`, "NOT NULL"}},
		{"INSERT INTO ins (a) SELECT zz FROM t", []string{`"zz"`}},
		{"REPLACE INTO ins VALUES (1, 'x', 1, NULL)", []string{"REPLACE"}},
		{"INSERT INTO ins (d) VALUES (DATE '2024-99-01')", []string{"2024-99-01"}},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			err := planError(t, cat, c.sql)
			for _, w := range c.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestInsertSelectValueErrors checks that a value of INSERT ... SELECT
// that fails its column's cast at run time is reported against that
// column and table.
func TestInsertSelectValueErrors(t *testing.T) {
	cat := insertCatalog(t)
	cases := []struct {
		sql  string
		want []string
	}{
		{"INSERT INTO ins (c) SELECT a * 1000 FROM t", []string{`column "c" of table "ins"`, "DECIMAL(5,2)", "out of range"}},
		{"INSERT INTO ins (a, d) SELECT a, b FROM t WHERE b IS NOT NULL", []string{`column "d" of table "ins"`, "'x'", "DATE"}},
		{"INSERT INTO ins (a) SELECT a FROM (SELECT concat(b, 'z') AS a FROM t) AS s", []string{`column "a" of table "ins"`, "'xz'"}},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			stmt := parse(t, c.sql).(*ast.InsertStmt)
			plan, _, err := New(cat, catalog.NewSettings()).PlanInsert(stmt)
			require.NoError(t, err)
			ctx := context.Background()
			require.NoError(t, plan.Root.Open(ctx))
			defer plan.Root.Close()
			for err == nil {
				_, err = plan.Root.Next(ctx)
			}
			require.NotErrorIs(t, err, io.EOF)
			for _, w := range c.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}
