package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// queryCase is a query and its expected rows. Unless ordered, rows are
// compared as sorted sets (queries without ORDER BY have no order).
type queryCase struct {
	sql     string
	rows    []string
	ordered bool
	names   []string // checked when set
}

func runCases(t *testing.T, cases []queryCase) {
	t.Helper()
	cat := testCatalog(t)
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			res := query(t, cat, c.sql)
			if c.ordered {
				require.Equal(t, c.rows, res.rows)
			} else {
				require.Equal(t, sorted(c.rows), sorted(res.rows))
			}
			if c.names != nil {
				require.Equal(t, c.names, res.names)
			}
		})
	}
}

func TestSelectExpressions(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT a, b FROM t WHERE a > 1 ORDER BY a, b", rows: []string{"2|x", "2|y", "3|NULL"}, ordered: true},
		{sql: "SELECT * FROM t WHERE a = 1", rows: []string{"1|x|1.5|10.00|2024-01-01|1"},
			names: []string{"a", "b", "c", "d", "e", "f"}},
		{sql: "SELECT t.* FROM t WHERE b IS NULL", rows: []string{"3|NULL|3.5|NULL|NULL|NULL"}},
		{sql: "SELECT a + 1 AS n, a * 2, -a, a - 10, a % 2 FROM t WHERE a = 3", rows: []string{"4|6|-3|-7|1"},
			names: []string{"n", "a * 2", "-a", "a - 10", "a % 2"}},
		{sql: "SELECT 1, 1.50, 1e3, 'str', NULL, TRUE, FALSE, DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00:00.5'",
			rows: []string{"1|1.50|1000|str|NULL|1|0|2024-01-01|2024-01-01 10:00:00.500000"}},
		{sql: "SELECT 1 + 2 AS three, 'a'", rows: []string{"3|a"}, names: []string{"three", "'a'"}},
		{sql: "SELECT A, T.B FROM T WHERE T.a = 1", rows: []string{"1|x"}, names: []string{"a", "b"}},
		{sql: "SELECT x.a FROM t AS x WHERE x.b = 'y'", rows: []string{"2"}},
		{sql: "SELECT sum(c) / count(*) FROM t WHERE a = 1", rows: []string{"1.5"}},
		{sql: "SELECT a FROM t WHERE 1", rows: []string{"1", "2", "3", "NULL", "2"}},
		{sql: "SELECT a FROM t WHERE f", rows: []string{"1", "NULL"}},
	})
}

func TestThreeValuedLogic(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT a, a > 1 AND b = 'x', a > 1 OR b = 'x', NOT (b = 'x') FROM t ORDER BY a, b", ordered: true,
			rows: []string{"NULL|NULL|1|0", "1|0|1|0", "2|1|1|0", "2|0|1|1", "3|NULL|1|NULL"}},
		{sql: "SELECT a FROM t WHERE a IN (1, NULL)", rows: []string{"1"}},
		{sql: "SELECT a FROM t WHERE a NOT IN (1, NULL)", rows: nil},
		{sql: "SELECT a FROM t WHERE NOT (a = 1)", rows: []string{"2", "3", "2"}},
		{sql: "SELECT a, b <=> NULL FROM t WHERE a = 3", rows: []string{"3|1"}},
		{sql: "SELECT a FROM t WHERE (a > 2) IS NOT TRUE", rows: []string{"1", "2", "NULL", "2"}},
		{sql: "SELECT a FROM t WHERE (a > 2) IS FALSE", rows: []string{"1", "2", "2"}},
	})
}

func TestPredicates(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT a FROM t WHERE a BETWEEN 2 AND 3", rows: []string{"2", "3", "2"}},
		{sql: "SELECT a FROM t WHERE a NOT BETWEEN 2 AND 3", rows: []string{"1"}},
		{sql: "SELECT a FROM t WHERE a IN (1, 3)", rows: []string{"1", "3"}},
		{sql: "SELECT a FROM t WHERE a NOT IN (1, 3)", rows: []string{"2", "2"}},
		{sql: "SELECT a FROM t WHERE b LIKE 'x%'", rows: []string{"1", "NULL", "2"}},
		{sql: "SELECT a FROM t WHERE b NOT LIKE 'x'", rows: []string{"2"}},
		{sql: "SELECT a FROM t WHERE b LIKE 'x!%' ESCAPE '!'", rows: nil},
		{sql: "SELECT a FROM t WHERE c IS NULL", rows: []string{"2"}},
		{sql: "SELECT a FROM t WHERE d IS NOT NULL", rows: []string{"1", "2", "NULL", "2"}},
		{sql: "SELECT a, CASE WHEN a < 2 THEN 'low' WHEN a < 3 THEN 'mid' ELSE 'high' END, CASE b WHEN 'x' THEN 1 WHEN 'y' THEN 2 END FROM t ORDER BY a, b",
			ordered: true, rows: []string{"NULL|high|1", "1|low|1", "2|mid|1", "2|mid|2", "3|high|NULL"}},
		{sql: "SELECT a FROM t WHERE e >= DATE '2024-01-01' AND e < DATE '2024-02-01'", rows: []string{"1", "NULL"}},
	})
}

func TestCasts(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT CAST(a AS CHAR), CAST('12' AS SIGNED), CAST(d AS DOUBLE), CAST('2024-03-04' AS DATE), CAST(a AS DECIMAL(5,2)) FROM t WHERE a = 1",
			rows: []string{"1|12|10|2024-03-04|1.00"}},
		{sql: "SELECT CONVERT(a, CHAR) FROM t WHERE a = 2 AND b = 'x'", rows: []string{"2"}},
	})
}

func TestAggregates(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT count(*), count(a), count(DISTINCT a), sum(a), min(b), max(e), avg(c) FROM t",
			rows: []string{"5|4|3|8|x|2024-02-01|3"}},
		{sql: "SELECT b, count(*), sum(d) FROM t GROUP BY b ORDER BY b", ordered: true,
			rows: []string{"NULL|1|NULL", "x|3|16.25", "y|1|20.50"}},
		{sql: "SELECT b, count(*) AS n FROM t GROUP BY b HAVING count(*) > 1", rows: []string{"x|3"}},
		{sql: "SELECT b, count(*) AS n FROM t GROUP BY b HAVING n > 1", rows: []string{"x|3"}},
		{sql: "SELECT b FROM t GROUP BY b HAVING max(a) = 2", rows: []string{"x", "y"}},
		{sql: "SELECT b FROM t GROUP BY b HAVING b = 'y'", rows: []string{"y"}},
		{sql: "SELECT a % 2 AS parity, count(*) FROM t GROUP BY parity ORDER BY parity", ordered: true,
			rows: []string{"NULL|1", "0|2", "1|2"}},
		{sql: "SELECT a % 2, count(*) FROM t GROUP BY 1 ORDER BY 1", ordered: true,
			rows: []string{"NULL|1", "0|2", "1|2"}},
		{sql: "SELECT a % 2 + 1, count(*) FROM t GROUP BY a % 2 ORDER BY 1", ordered: true,
			rows: []string{"NULL|1", "1|2", "2|2"}},
		{sql: "SELECT b, sum(a) * 10 + count(*), max(a) - min(a) FROM t GROUP BY b ORDER BY b", ordered: true,
			rows: []string{"NULL|31|0", "x|33|1", "y|21|0"}},
		{sql: "SELECT u.a, count(*) FROM u GROUP BY u.a ORDER BY a", ordered: true,
			rows: []string{"NULL|1", "1|1", "2|2", "4|1"}},
		{sql: "SELECT * FROM u GROUP BY a, name HAVING a = 2", rows: []string{"2|two", "2|deux"}},
		{sql: "SELECT count(*), sum(a) FROM empty", rows: []string{"0|NULL"}},
		{sql: "SELECT a, count(*) FROM empty GROUP BY a", rows: nil},
		{sql: "SELECT count(*)", rows: []string{"1"}},
		{sql: "SELECT count(1), count(*), count(b) FROM t", rows: []string{"5|5|4"}, names: []string{"count(1)", "count(*)", "count(b)"}},
		{sql: "SELECT 7, count(*) FROM t", rows: []string{"7|5"}, names: []string{"7", "count(*)"}},
		{sql: "SELECT count(*) AS n, count(*) + 1 FROM t", rows: []string{"5|6"}},
		{sql: "SELECT a AS x FROM t HAVING x > 2", rows: []string{"3"}},
		{sql: "SELECT a FROM t HAVING a < 2", rows: []string{"1"}},
		{sql: "SELECT COUNT(*) FROM t GROUP BY b HAVING COUNT(*) > 2", rows: []string{"3"}, names: []string{"COUNT(*)"}},
		{sql: "SELECT count(*) FROM t ORDER BY count(*)", rows: []string{"5"}},
		{sql: "SELECT count(DISTINCT b), sum(DISTINCT a), min(d), max(d) FROM t", rows: []string{"2|6|1.00|20.50"}},
	})
}

func TestOrderLimitDistinct(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT b FROM t WHERE a IS NOT NULL ORDER BY a DESC, b", ordered: true,
			rows: []string{"NULL", "x", "y", "x"}, names: []string{"b"}},
		{sql: "SELECT a FROM t ORDER BY a DESC", ordered: true, rows: []string{"3", "2", "2", "1", "NULL"}},
		{sql: "SELECT a FROM t ORDER BY a", ordered: true, rows: []string{"NULL", "1", "2", "2", "3"}},
		{sql: "SELECT a FROM t WHERE a IS NOT NULL ORDER BY -a", ordered: true, rows: []string{"3", "2", "2", "1"}},
		{sql: "SELECT a AS x FROM t ORDER BY x", ordered: true, rows: []string{"NULL", "1", "2", "2", "3"}},
		{sql: "SELECT b AS a FROM t WHERE a IS NOT NULL ORDER BY a, t.a", ordered: true, rows: []string{"NULL", "x", "x", "y"}},
		{sql: "SELECT b, a FROM t ORDER BY 2 DESC, 1", ordered: true,
			rows: []string{"NULL|3", "x|2", "y|2", "x|1", "x|NULL"}},
		{sql: "SELECT b FROM t GROUP BY b ORDER BY count(*) DESC, b", ordered: true, rows: []string{"x", "NULL", "y"}},
		{sql: "SELECT a FROM t ORDER BY a LIMIT 2", ordered: true, rows: []string{"NULL", "1"}},
		{sql: "SELECT a FROM t ORDER BY a LIMIT 1, 2", ordered: true, rows: []string{"1", "2"}},
		{sql: "SELECT a FROM t ORDER BY a LIMIT 2 OFFSET 3", ordered: true, rows: []string{"2", "3"}},
		{sql: "SELECT a FROM t LIMIT 0", rows: nil},
		{sql: "SELECT a FROM t WHERE a = 1 ORDER BY 'k'", rows: []string{"1"}},
		{sql: "SELECT DISTINCT b FROM t ORDER BY b", ordered: true, rows: []string{"NULL", "x", "y"}},
		{sql: "SELECT DISTINCT a FROM t", rows: []string{"1", "2", "3", "NULL"}},
		{sql: "SELECT DISTINCT a % 2 AS p FROM t ORDER BY p DESC", ordered: true, rows: []string{"1", "0", "NULL"}},
	})
}

func TestJoins(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT t.a, u.name FROM t JOIN u ON t.a = u.a ORDER BY t.a, u.name", ordered: true,
			rows: []string{"1|one", "2|deux", "2|deux", "2|two", "2|two"}},
		{sql: "SELECT t.a, u.name FROM t LEFT JOIN u ON t.a = u.a ORDER BY t.a, u.name", ordered: true,
			rows: []string{"NULL|NULL", "1|one", "2|deux", "2|deux", "2|two", "2|two", "3|NULL"}},
		{sql: "SELECT t.a, u.name FROM t RIGHT JOIN u ON t.a = u.a ORDER BY u.name, t.a", ordered: true,
			rows: []string{"2|deux", "2|deux", "NULL|four", "NULL|nil", "1|one", "2|two", "2|two"}},
		{sql: "SELECT count(*) FROM t CROSS JOIN u", rows: []string{"25"}},
		{sql: "SELECT count(*) FROM t, u", rows: []string{"25"}},
		{sql: "SELECT t.b, u.name FROM t, u WHERE t.a = u.a AND u.name <> 'two' ORDER BY u.name, t.b", ordered: true,
			rows: []string{"x|deux", "y|deux", "x|one"}},
		{sql: "SELECT t.a, u.name FROM t JOIN u ON t.a = u.a AND t.b = 'x' ORDER BY 1, 2", ordered: true,
			rows: []string{"1|one", "2|deux", "2|two"}},
		{sql: "SELECT t.a, u.name FROM t LEFT JOIN u ON t.a = u.a AND u.name = 'two' ORDER BY 1, 2", ordered: true,
			rows: []string{"NULL|NULL", "1|NULL", "2|two", "2|two", "3|NULL"}},
		{sql: "SELECT t.a, u.name FROM t LEFT JOIN u ON t.a = u.a AND t.b = 'y' ORDER BY 1, 2", ordered: true,
			rows: []string{"NULL|NULL", "1|NULL", "2|NULL", "2|deux", "2|two", "3|NULL"}},
		{sql: "SELECT t.a FROM t LEFT JOIN u ON t.a = u.a WHERE u.name IS NULL ORDER BY 1", ordered: true,
			rows: []string{"NULL", "3"}},
		{sql: "SELECT u.name FROM t RIGHT JOIN u ON t.a = u.a WHERE t.a IS NULL ORDER BY 1", ordered: true,
			rows: []string{"four", "nil"}},
		{sql: "SELECT a, name FROM t JOIN u USING (a) ORDER BY a, name", ordered: true,
			rows: []string{"1|one", "2|deux", "2|deux", "2|two", "2|two"}},
		{sql: "SELECT * FROM t JOIN u USING (a) WHERE name = 'one'", rows: []string{"1|x|1.5|10.00|2024-01-01|1|one"},
			names: []string{"a", "b", "c", "d", "e", "f", "name"}},
		{sql: "SELECT a, name FROM t RIGHT JOIN u USING (a) WHERE b IS NULL ORDER BY name", ordered: true,
			rows: []string{"4|four", "NULL|nil"}},
		{sql: "SELECT a FROM u NATURAL JOIN t WHERE name = 'one'", rows: []string{"1"}},
		{sql: "SELECT u.* FROM t JOIN u USING (a) WHERE b = 'y'", rows: []string{"2|two", "2|deux"}, names: []string{"a", "name"}},
		{sql: "SELECT t.a, u.a FROM t JOIN u ON t.a < u.a WHERE t.a = 3", rows: []string{"3|4"}},
		{sql: "SELECT x.a, y.name, z.name FROM t x JOIN u y ON x.a = y.a JOIN u z ON y.a = z.a WHERE x.b = 'y' ORDER BY 2, 3",
			ordered: true, rows: []string{"2|deux|deux", "2|deux|two", "2|two|deux", "2|two|two"}},
		{sql: "SELECT p.b, q.b FROM t p, t q WHERE p.a = q.a + 1 ORDER BY 1, 2", ordered: true,
			rows: []string{"NULL|x", "NULL|y", "x|x", "y|x"}},
		{sql: "SELECT count(*) FROM t JOIN u ON t.b = 'y'", rows: []string{"5"}},
		{sql: "SELECT count(*) FROM t x, u y, t z WHERE x.a = y.a AND y.a = z.a", rows: []string{"9"}},
		{sql: "SELECT count(*) FROM t x JOIN u y ON x.a = y.a JOIN t z ON x.a = z.a AND z.b = 'x'", rows: []string{"5"}},
		{sql: "SELECT u.name FROM t JOIN u ON t.a = u.a WHERE t.a + u.a = 4 AND t.b = 'x'", rows: []string{"two", "deux"}},
	})
}

func TestSubqueriesAndCTEs(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT s.b, s.n FROM (SELECT b, count(*) AS n FROM t GROUP BY b) AS s WHERE s.n > 1", rows: []string{"x|3"},
			names: []string{"b", "n"}},
		{sql: "SELECT k FROM (SELECT a AS k FROM t) q JOIN u ON q.k = u.a WHERE u.name = 'one'", rows: []string{"1"}},
		{sql: "WITH big AS (SELECT a, b FROM t WHERE a >= 2), cnt AS (SELECT b, count(*) AS n FROM big GROUP BY b) SELECT * FROM cnt ORDER BY b",
			ordered: true, rows: []string{"NULL|1", "x|1", "y|1"}},
		{sql: "WITH c(k) AS (SELECT 1) SELECT k FROM c", rows: []string{"1"}, names: []string{"k"}},
		{sql: "WITH c AS (SELECT a FROM t WHERE a = 1) SELECT x.a, y.a FROM c x, c y", rows: []string{"1|1"}},
		{sql: "WITH t AS (SELECT 42 AS a) SELECT a FROM t", rows: []string{"42"}},
		{sql: "SELECT * FROM (WITH c AS (SELECT 5 AS v) SELECT v FROM c) AS d", rows: []string{"5"}},
	})
}

func TestUnion(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT a FROM t WHERE a = 1 UNION ALL SELECT a FROM u WHERE a = 1", rows: []string{"1", "1"}},
		{sql: "SELECT b FROM t UNION SELECT name FROM u WHERE a = 2 ORDER BY 1", ordered: true,
			rows: []string{"NULL", "deux", "two", "x", "y"}, names: []string{"b"}},
		{sql: "SELECT 1 AS v UNION ALL SELECT 2.5", rows: []string{"1.0", "2.5"}, names: []string{"v"}},
		{sql: "SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a DESC LIMIT 3", ordered: true, rows: []string{"4", "3", "2"}},
		{sql: "SELECT 1 UNION ALL SELECT 1 UNION SELECT 2", rows: []string{"1", "2"}},
		{sql: "SELECT 1 UNION SELECT 1 UNION ALL SELECT 1", rows: []string{"1", "1"}},
		{sql: "(SELECT a FROM t ORDER BY a DESC LIMIT 1) UNION ALL (SELECT a FROM u ORDER BY a LIMIT 1)", rows: []string{"3", "NULL"}},
		{sql: "WITH c AS (SELECT 1 AS x) SELECT x FROM c UNION ALL SELECT x + 1 FROM c", rows: []string{"1", "2"}},
	})
}

func TestWindows(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT a, b, row_number() OVER (PARTITION BY b ORDER BY a) AS rn FROM t ORDER BY b, a", ordered: true,
			rows: []string{"3|NULL|1", "NULL|x|1", "1|x|2", "2|x|3", "2|y|1"}, names: []string{"a", "b", "rn"}},
		{sql: "SELECT a, rank() OVER (ORDER BY a), dense_rank() OVER (ORDER BY a) FROM t ORDER BY a", ordered: true,
			rows: []string{"NULL|1|1", "1|2|2", "2|3|3", "2|3|3", "3|5|4"}},
		{sql: "SELECT a, sum(a) OVER (ORDER BY a) FROM t ORDER BY a", ordered: true,
			rows: []string{"NULL|NULL", "1|1", "2|5", "2|5", "3|8"}},
		{sql: "SELECT a, sum(a) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t WHERE a IS NOT NULL ORDER BY a, 2",
			ordered: true, rows: []string{"1|1", "2|3", "2|4", "3|5"}},
		{sql: "SELECT a, count(*) OVER () FROM t WHERE a > 1", rows: []string{"2|3", "2|3", "3|3"}},
		{sql: "SELECT b, sum(a) OVER (PARTITION BY b) FROM t ORDER BY b, 2", ordered: true,
			rows: []string{"NULL|3", "x|3", "x|3", "x|3", "y|2"}},
		{sql: "SELECT a, sum(a) OVER w FROM t WHERE a IS NOT NULL WINDOW w AS (ORDER BY a ROWS UNBOUNDED PRECEDING) ORDER BY a, 2",
			ordered: true, rows: []string{"1|1", "2|3", "2|5", "3|8"}},
		{sql: "SELECT a, max(a) OVER (w ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t WHERE a IS NOT NULL WINDOW w AS (ORDER BY a) ORDER BY a, 2",
			ordered: true, rows: []string{"1|2", "2|2", "2|3", "3|3"}},
		{sql: "SELECT b, count(*), rank() OVER (ORDER BY count(*) DESC) FROM t GROUP BY b ORDER BY b", ordered: true,
			rows: []string{"NULL|1|2", "x|3|1", "y|1|2"}},
		{sql: "SELECT a, row_number() OVER (ORDER BY a) * 10 FROM t WHERE a IS NOT NULL AND b = 'x' ORDER BY a", ordered: true,
			rows: []string{"1|10", "2|20"}},
		{sql: "SELECT b, sum(count(*)) OVER () FROM t GROUP BY b", rows: []string{"NULL|5", "x|5", "y|5"}},
		{sql: "SELECT a, b, sum(a) OVER (PARTITION BY b ORDER BY a RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t WHERE a IS NOT NULL",
			rows: []string{"1|x|3", "2|x|3", "2|y|2", "3|NULL|3"}},
		// DECIMAL and DOUBLE keys take RANGE offsets too.
		{sql: "SELECT d, count(*) OVER (ORDER BY d RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) FROM t WHERE d IS NOT NULL ORDER BY d",
			ordered: true, rows: []string{"1.00|1", "5.25|2", "10.00|2", "20.50|1"}},
		{sql: "SELECT c, count(*) OVER (ORDER BY c RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) FROM t WHERE c IS NOT NULL ORDER BY c",
			ordered: true, rows: []string{"1.5|2", "2.5|2", "3.5|2", "4.5|1"}},
		{sql: "SELECT a FROM t WHERE a IS NOT NULL ORDER BY row_number() OVER (ORDER BY a DESC)", ordered: true,
			rows: []string{"3", "2", "2", "1"}},
	})
}

func TestScalarFunctions(t *testing.T) {
	runCases(t, []queryCase{
		{sql: "SELECT coalesce(b, 'none'), upper(b) FROM t WHERE a = 3", rows: []string{"none|NULL"}},
		{sql: "SELECT upper(b), lower('AbC') FROM t WHERE a = 1", rows: []string{"X|abc"}},
	})
}
