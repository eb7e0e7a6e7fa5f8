package planner

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
)

// TestUnsupportedSyntaxErrors checks that syntax the planner does not
// handle is an error naming it, never a panic.
func TestUnsupportedSyntaxErrors(t *testing.T) {
	cat := testCatalog(t)
	cases := map[string]string{
		"SELECT a FROM t ORDER BY ?":          "?",
		"SELECT a FROM t LIMIT ?":             "LIMIT",
		"SELECT @x":                           "@x",
		"SELECT ROW(1, 2)":                    "row(1,2)",
		"SELECT TIME '10:00:00'":              "TIME",
		"SELECT b COLLATE utf8mb4_bin FROM t": "collate",
		"SELECT a FROM t GROUP BY ?":          "?",
		"TABLE t":                             "table",
		"VALUES ROW(1)":                       "values",
		"SELECT a FROM t WHERE a > ALL (SELECT a FROM u LIMIT ?)":                       "?",
		"SELECT group_concat(b ORDER BY 1) FROM t":                                      "group_concat",
		"SELECT sum(a) OVER (ORDER BY a GROUPS 1 PRECEDING) FROM t":                     "GROUPS",
		"SELECT rank(a) OVER (ORDER BY a) FROM t":                                       "rank",
		"SELECT * FROM t, LATERAL (SELECT 1) AS l":                                      "LATERAL",
		"INSERT INTO t VALUES (1, 'x', 1, 1, NULL, TRUE) ON DUPLICATE KEY UPDATE a = 1": "ON DUPLICATE KEY UPDATE",
	}
	for sql, want := range cases {
		t.Run(sql, func(t *testing.T) {
			stmt, err := parseOne(sql)
			if err != nil {
				return // rejected by the parser: fine
			}
			p := New(cat, catalog.NewSettings())
			switch s := stmt.(type) {
			case *ast.InsertStmt:
				_, _, err = p.PlanInsert(s)
			case ast.ResultSetNode:
				_, err = p.PlanQuery(s)
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), want)
		})
	}
}
