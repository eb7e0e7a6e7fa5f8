package planner

import (
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
)

func explain(t *testing.T, cat *catalog.Catalog, sql string) []string {
	t.Helper()
	plan, err := New(cat, catalog.NewSettings()).PlanQuery(parse(t, sql).(ast.ResultSetNode))
	require.NoError(t, err, sql)
	return Explain(plan.Root)
}

// shape reduces EXPLAIN lines to their indentation and operator name.
func shape(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		name, _, _ := strings.Cut(trimmed, " ")
		out[i] = l[:len(l)-len(trimmed)] + name
	}
	return out
}

func TestExplainShape(t *testing.T) {
	cat := testCatalog(t)
	cases := []struct {
		sql  string
		want []string
	}{
		{"SELECT b, count(*) FROM t WHERE a > 1 GROUP BY b ORDER BY b LIMIT 1", []string{
			"TopN",
			"  Project",
			"    HashAggregate",
			"      Filter",
			"        TableScan",
		}},
		// The comma join's WHERE equality becomes hash keys; the
		// single-table conjunct filters u below the join.
		{"SELECT t.b FROM t, u WHERE t.a = u.a AND u.name = 'two'", []string{
			"Project",
			"  HashJoin",
			"    TableScan",
			"    Filter",
			"      TableScan",
		}},
		// An outer join keeps a WHERE conjunct on its padded side above it.
		{"SELECT t.b FROM t LEFT JOIN u ON t.a = u.a WHERE u.name IS NULL", []string{
			"Project",
			"  Filter",
			"    HashJoin",
			"      TableScan",
			"      TableScan",
		}},
		// A chain of comma joins: each WHERE equality lands on the join
		// whose two sides it spans.
		{"SELECT count(*) FROM t x, u y, t z WHERE x.a = y.a AND y.a = z.a", []string{
			"Project",
			"  HashAggregate",
			"    HashJoin",
			"      HashJoin",
			"        TableScan",
			"        TableScan",
			"      TableScan",
		}},
		{"SELECT t.a FROM t JOIN u ON t.a < u.a", []string{
			"Project",
			"  NestedLoopJoin",
			"    TableScan",
			"    TableScan",
		}},
		// ORDER BY a column outside the select list: computed, sorted on,
		// then dropped.
		{"SELECT b FROM t ORDER BY a", []string{
			"Project",
			"  Sort",
			"    Project",
			"      TableScan",
		}},
		{"SELECT DISTINCT a FROM t UNION ALL SELECT a FROM u", []string{
			"UnionAll",
			"  Distinct",
			"    Project",
			"      TableScan",
			"  Project",
			"    TableScan",
		}},
		{"SELECT a, row_number() OVER (ORDER BY a) FROM t", []string{
			"Project",
			"  Window",
			"    TableScan",
		}},
		{"SELECT 1", []string{
			"Project",
			"  Values",
		}},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			require.Equal(t, c.want, shape(explain(t, cat, c.sql)))
		})
	}
}

func TestExplainDetails(t *testing.T) {
	cat := testCatalog(t)
	lines := explain(t, cat, "SELECT t.b FROM t, u WHERE t.a = u.a AND t.b = u.name")
	require.Contains(t, lines[1], "type=INNER")
	// t.a is BIGINT and u.a INT: the right key is cast to BIGINT.
	require.Contains(t, lines[1], "keys=[a = CAST(a AS BIGINT), b = name]")

	lines = explain(t, cat, "SELECT count(*), sum(a) FROM t")
	require.Contains(t, lines[1], "count(*)")
	require.Contains(t, lines[1], "sum(a)")

	lines = explain(t, cat, "SELECT t.a FROM t LEFT JOIN u ON t.a = u.a AND t.b = 'x'")
	require.Contains(t, lines[1], "type=LEFT")
	require.Contains(t, lines[1], "residual=")
}
