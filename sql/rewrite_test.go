package sql

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"
)

func TestLateralTableBecomesALateralDerivedTable(t *testing.T) {
	for _, q := range []string{
		"SELECT a, word, n FROM t, LATERAL TABLE(split(s)) AS T(word, n)",
		"SELECT a, word FROM t LEFT JOIN LATERAL TABLE(split(s)) AS T(word) ON TRUE",
		"SELECT a FROM t JOIN lateral table ( split(s, ',') ) T(w) ON TRUE",
		"SELECT * FROM t, LATERAL TABLE(f(a)) AS x(p), LATERAL TABLE(g(p)) AS y(q)",
	} {
		st, err := Parse(q, 1, 1)
		require.NoError(t, err, q)
		sel := st.(*TiDBStmt).Node.(*ast.SelectStmt)
		var lateral []*ast.TableSource
		var walk func(n ast.ResultSetNode)
		walk = func(n ast.ResultSetNode) {
			switch n := n.(type) {
			case *ast.Join:
				walk(n.Left)
				if n.Right != nil {
					walk(n.Right)
				}
			case *ast.TableSource:
				if n.Lateral {
					lateral = append(lateral, n)
				}
			}
		}
		walk(sel.From.TableRefs)
		require.NotEmpty(t, lateral, q)
		for _, ts := range lateral {
			inner := ts.Source.(*ast.SelectStmt)
			require.Nil(t, inner.From)
			require.Len(t, inner.Fields.Fields, 1)
			_, ok := inner.Fields.Fields[0].Expr.(*ast.FuncCallExpr)
			require.True(t, ok, q)
			require.NotEmpty(t, ts.ColumnNames, q)
		}
	}
}

func TestLateralTableLeavesStringsAndCommentsAlone(t *testing.T) {
	q := "SELECT 'LATERAL TABLE(' /* LATERAL TABLE( */ FROM t"
	out, edits := rewriteForTiDB(q)
	require.Equal(t, q, out)
	require.Nil(t, edits)
}

// Errors after a rewritten LATERAL TABLE still point at the text as written.
func TestLateralTableErrorPositions(t *testing.T) {
	_, err := Parse("SELECT * FROM t, LATERAL TABLE(f(a)) AS x(p)\n  WHERE p >> FROM", 3, 5)
	require.Error(t, err)
	pe := err.(*ParseError)
	require.Equal(t, 4, pe.Line)
	require.Equal(t, 14, pe.Column)
	require.Equal(t, "FROM", pe.Near)

	_, err = Parse("SELECT * FROM t, LATERAL TABLE(f(a)) AS x(p), LATERAL TABLE(g(p)) AS y(q) FORM", 1, 1)
	pe = err.(*ParseError)
	require.Equal(t, 75, pe.Column)
	require.Equal(t, "FORM", pe.Near)

	st, err := Parse("SELECT * FROM t, LATERAL TABLE(f(a)) AS x(p) WHERE zz > 1", 2, 1)
	require.NoError(t, err)
	ts := st.(*TiDBStmt)
	line, col := ts.Position(len(ts.Text) - len("zz > 1"))
	require.Equal(t, 2, line)
	require.Equal(t, 52, col)
}

func TestWindowCallOfAnUnknownFunctionIsMarked(t *testing.T) {
	q := "SELECT k, mean_udaf(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), sum(v) OVER w FROM t WINDOW w AS (ORDER BY ts)"
	st, err := Parse(q, 1, 1)
	require.NoError(t, err)
	ts := st.(*TiDBStmt)
	require.Contains(t, ts.Text, "json_objectagg('taipan.over', `mean_udaf`(v)) OVER (PARTITION BY k")
	require.Contains(t, ts.Text, "sum(v) OVER w")
	sel := ts.Node.(*ast.SelectStmt)
	w := sel.Fields.Fields[1].Expr.(*ast.WindowFuncExpr)
	require.Equal(t, "json_objectagg", w.Name)
	require.Equal(t, "mean_udaf", w.Args[1].(*ast.FuncCallExpr).FnName.L)

	// Nested calls and calls without OVER are left as they are.
	out, _ := rewriteForTiDB("SELECT f(g(x)), max(h(y)) OVER (), split(s) FROM t")
	require.Equal(t, "SELECT f(g(x)), max(h(y)) OVER (), split(s) FROM t", out)

	// Errors after the rewrite point at the text as written.
	_, err = Parse("SELECT mean_udaf(v) OVER (ORDER BY ts) FROM t WHERE >", 1, 1)
	pe := err.(*ParseError)
	require.Equal(t, 53, pe.Column)
	require.Equal(t, ">", pe.Near)
}

// Names that are keywords to tidb still call functions.
func TestKeywordNamedCalls(t *testing.T) {
	for _, q := range []string{
		"SELECT add(a, b) FROM t",
		"SELECT add(add(a, 1), split(s)) FROM t WHERE add(a, 2) > 1",
		"SELECT a FROM t, LATERAL TABLE(split(s)) AS T(w, n) ORDER BY add(a, 1)",
	} {
		st, err := Parse(q, 1, 1)
		require.NoError(t, err, q)
		require.Contains(t, st.(*TiDBStmt).Text, "`add`(", q)
	}
	// A keyword that is not a call stays a syntax error, at its place.
	_, err := Parse("SELECT add FROM t", 1, 1)
	require.Error(t, err)
	_, err = Parse("SELECT add(a) FROM t WHERE FROM", 2, 1)
	pe := err.(*ParseError)
	require.Equal(t, 2, pe.Line)
	require.Equal(t, 28, pe.Column)
}
