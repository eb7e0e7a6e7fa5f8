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
	out, edits := rewriteLateralTable(q)
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
