package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPlanErrors checks that bad queries fail at planning time with an
// error naming what is wrong.
func TestPlanErrors(t *testing.T) {
	cat := testCatalog(t)
	cases := []struct {
		sql  string
		want []string // substrings of the error
	}{
		{"SELECT * FROM nope", []string{`"nope"`, "does not exist"}},
		{"SELECT zz FROM t", []string{`unknown column "zz"`, "field list"}},
		{"SELECT a FROM t WHERE zz > 1", []string{`unknown column "zz"`, "where clause"}},
		{"SELECT t.zz FROM t", []string{`unknown column "t.zz"`}},
		{"SELECT q.a FROM t", []string{`"q.a"`, `no table "q"`}},
		{"SELECT a FROM t JOIN u ON t.a = u.a", []string{`column "a"`, "ambiguous", "t, u"}},
		{"SELECT t.a FROM t JOIN u ON a = 1", []string{`column "a"`, "on clause", "ambiguous"}},
		{"SELECT nofunc(a) FROM t", []string{`unknown function "nofunc"`}},
		{"SELECT b, a FROM t GROUP BY b", []string{`column "a"`, "GROUP BY"}},
		{"SELECT b, a + 1 FROM t GROUP BY b", []string{`column "a"`, "GROUP BY"}},
		{"SELECT * FROM t GROUP BY a", []string{`column "t.b"`, "GROUP BY"}},
		{"SELECT count(*) FROM t HAVING a > 1", []string{`column "a"`, "having clause"}},
		{"SELECT b FROM t GROUP BY b ORDER BY a", []string{`column "a"`, "order clause"}},
		{"SELECT a, count(*) FROM t", []string{`column "a"`, "GROUP BY"}},
		{"SELECT a FROM t WHERE count(*) > 1", []string{"count(*)", "where clause"}},
		{"SELECT a FROM t GROUP BY count(*)", []string{"count(*)", "group statement"}},
		{"SELECT sum(count(a)) FROM t", []string{"count(a)", "aggregate function arguments"}},
		{"SELECT a FROM t WHERE row_number() OVER () > 1", []string{"row_number", "where clause"}},
		{"SELECT CAST(a AS TIME) FROM t", []string{"TIME", "not supported"}},
		{"SELECT CAST(a AS JSON) FROM t", []string{"JSON", "not supported"}},
		{"SELECT DATE '2024-13-45'", []string{"2024-13-45", "DATE"}},
		{"SELECT TIMESTAMP 'noon'", []string{"noon", "TIMESTAMP"}},
		{"SELECT a FROM t ORDER BY 3", []string{"'3'", "order clause"}},
		{"SELECT a FROM t GROUP BY 2", []string{"'2'", "group statement"}},
		{"SELECT count(*) FROM t GROUP BY 1", []string{"count(*)", "cannot group"}},
		{"SELECT DISTINCT b FROM t ORDER BY a", []string{"SELECT DISTINCT", "a"}},
		{"SELECT *", []string{"FROM"}},
		{"SELECT q.* FROM t", []string{`unknown table "q"`}},
		{"SELECT * FROM t JOIN t ON 1 = 1", []string{`not unique table/alias: "t"`}},
		{"SELECT * FROM t JOIN u USING (b)", []string{`"b"`, "USING"}},
		{"SELECT a FROM t UNION SELECT a, b FROM t", []string{"UNION", "1 and 2"}},
		{"SELECT a FROM t INTERSECT SELECT a, b FROM t", []string{"INTERSECT", "1 and 2"}},
		{"SELECT a FROM t EXCEPT ALL SELECT a, b FROM t", []string{"EXCEPT ALL", "1 and 2"}},
		{"SELECT a FROM t WHERE a IN (SELECT a, a FROM u)", []string{"returns 2 columns", "left side has 1"}},
		{"SELECT (SELECT 1, 2) FROM t", []string{"(select 1,2)", "returns 2 columns"}},
		{"SELECT a FROM t GROUP BY (SELECT 1)", []string{"subqueries", "group statement"}},
		{"SELECT sum((SELECT 1)) FROM t", []string{"subqueries", "aggregate function arguments"}},
		{"SELECT a FROM t WHERE a IN (SELECT nope FROM u)", []string{`"nope"`}},
		{"WITH RECURSIVE r AS (SELECT n + 1 FROM r UNION ALL SELECT 1 AS n) SELECT * FROM r", []string{"recursive", `"r"`, "before"}},
		{"WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n, n FROM r) SELECT * FROM r", []string{`"r"`, "2 columns"}},
		{"WITH RECURSIVE r AS (SELECT 1 AS n INTERSECT SELECT n FROM r) SELECT * FROM r", []string{`"r"`, "UNION"}},
		{"WITH c AS (SELECT 1), c AS (SELECT 2) SELECT * FROM c", []string{"duplicate", `"c"`}},
		{"WITH c(x, y) AS (SELECT 1) SELECT * FROM c", []string{"c", "1 columns", "2 column names"}},
		{"WITH c AS (SELECT zz FROM t) SELECT * FROM c", []string{`"c"`, `"zz"`}},
		{"SELECT * FROM (SELECT a, b AS A FROM t) AS d", []string{`duplicate column name "A"`, "derived table d"}},
		{"SELECT * FROM (SELECT * FROM t JOIN u ON t.a = u.a) AS d", []string{`duplicate column name "a"`, "derived table d"}},
		{"WITH c AS (SELECT 1 AS x, 2 AS x) SELECT * FROM c", []string{`duplicate column name "x"`, "common table expression c"}},
		{"SELECT lag(a) OVER () FROM t", []string{"lag", "not supported"}},
		{"SELECT sum(a) OVER w FROM t", []string{`unknown window "w"`}},
		{"SELECT sum(a) OVER (ORDER BY a RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW) FROM t", []string{"INTERVAL"}},
		{"SELECT sum(a) OVER (ORDER BY a, b RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", []string{"RANGE", "one ORDER BY key"}},
		{"SELECT sum(a) OVER (ORDER BY a ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t", []string{"frame starts after it ends"}},
		{"SELECT sum(a) OVER (ORDER BY b RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", []string{"RANGE", "numeric ORDER BY key", "VARCHAR(10)"}},
		{"SELECT sum(a) OVER (ORDER BY b RANGE BETWEEN CURRENT ROW AND 2 FOLLOWING) FROM empty JOIN t USING (a)", []string{"numeric ORDER BY key"}},
		{"SELECT sum(a) OVER (ORDER BY e RANGE 1 PRECEDING) FROM t", []string{"DATE key", "INTERVAL"}},
		{"SELECT a AS x FROM t WHERE x > 1", []string{`unknown column "x"`, "where clause"}},
		{"SELECT b AS k, c AS k FROM t ORDER BY k", []string{`"k"`, "ambiguous"}},
		{"SELECT a & 1 FROM t", []string{"&"}},
		{"SELECT a FROM t GROUP BY a WITH ROLLUP", []string{"ROLLUP"}},
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
