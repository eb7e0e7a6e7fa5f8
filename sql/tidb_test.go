package sql

import (
	"fmt"
	"sync"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"
)

func TestParseTiDB(t *testing.T) {
	tests := []struct {
		text string
		want ast.StmtNode // the node type expected
		body string       // TiDBStmt.Text
	}{
		{"SELECT a, b + 1 AS c FROM t WHERE a > 2 ORDER BY c DESC LIMIT 10", &ast.SelectStmt{}, ""},
		{"  /* why */ select 1; -- trailing", &ast.SelectStmt{}, "select 1"},
		{"CREATE TABLE t (a BIGINT, b VARCHAR(10), c DECIMAL(10,2), d DATETIME(6), e BOOLEAN)", &ast.CreateTableStmt{}, ""},
		{"CREATE TABLE t2 AS SELECT * FROM t", &ast.CreateTableStmt{}, ""},
		{"CREATE TEMPORARY TABLE t (a INT)", &ast.CreateTableStmt{}, ""},
		{"DROP TABLE t", &ast.DropTableStmt{}, ""},
		{"INSERT INTO t VALUES (1, 'a;b'), (2, NULL)", &ast.InsertStmt{}, ""},
		{"INSERT INTO t SELECT * FROM s", &ast.InsertStmt{}, ""},
		{"EXPLAIN SELECT a FROM t", &ast.ExplainStmt{}, ""},
		{"DESCRIBE t", &ast.ExplainStmt{}, ""},
		{"DESC `function`", &ast.ExplainStmt{}, ""},
		{"SHOW TABLES", &ast.ShowStmt{}, ""},
		{"WITH c AS (SELECT 1 AS x) SELECT x FROM c", &ast.SelectStmt{}, ""},
		{"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r", &ast.SelectStmt{}, ""},
		{"SELECT k, row_number() OVER (PARTITION BY k ORDER BY ts), sum(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t", &ast.SelectStmt{}, ""},
		{"SELECT a FROM t UNION ALL SELECT b FROM s", &ast.SetOprStmt{}, ""},
		{"LOAD DATA LOCAL INFILE 'f.csv' INTO TABLE t FIELDS TERMINATED BY ',' IGNORE 1 LINES", &ast.LoadDataStmt{}, ""},
		{"SELECT * FROM t INTO OUTFILE 'out.csv'", &ast.SelectStmt{}, ""},
		{"SELECT 1--1", &ast.SelectStmt{}, ""},
		{"/*!40101 SELECT 1 */", &ast.SelectStmt{}, ""},
		// SETs that are tidb's own forms.
		{"SET @@autocommit = 1", &ast.SetStmt{}, ""},
		{"SET @a = 1", &ast.SetStmt{}, ""},
		{"SET NAMES utf8mb4", &ast.SetStmt{}, ""},
		{"SET CHARACTER SET utf8", &ast.SetStmt{}, ""},
		{"SET GLOBAL x = 1", &ast.SetStmt{}, ""},
		{"SET session x = 1", &ast.SetStmt{}, ""},
		{"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", &ast.SetStmt{}, ""},
		{"SET /*! @a = 1 */", &ast.SetStmt{}, ""},
		// SHOW and DESCRIBE other than of functions, CREATE other than FUNCTION.
		{"SHOW FUNCTION STATUS", &ast.ShowStmt{}, ""},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text, 1, 1)
		require.NoError(t, err, tt.text)
		st, ok := got.(*TiDBStmt)
		require.True(t, ok, "%q: got %T", tt.text, got)
		require.IsType(t, tt.want, st.Node, tt.text)
		body := tt.body
		if body == "" {
			body = tt.text
		}
		require.Equal(t, body, st.Text, tt.text)
	}
}

func TestTiDBStmtPosition(t *testing.T) {
	script := "SELECT 1;\n  SELECT a,\n    b FROM t"
	pieces, err := Split(script)
	require.NoError(t, err)
	p := pieces[1]
	got, err := Parse(p.Text, p.Line, p.Column)
	require.NoError(t, err)
	st := got.(*TiDBStmt)
	require.Equal(t, 2, st.Line)
	require.Equal(t, 3, st.Column)
	fields := st.Node.(*ast.SelectStmt).Fields.Fields
	line, col := st.Position(fields[0].Offset)
	require.Equal(t, [2]int{2, 10}, [2]int{line, col})
	line, col = st.Position(fields[1].Offset)
	require.Equal(t, [2]int{3, 5}, [2]int{line, col})
	at, ok := textAt(script, line, col)
	require.True(t, ok)
	require.Equal(t, "b FROM t", at)
}

// TestParseConcurrent runs the pooled tidb parsers from many goroutines
// (meaningful under -race).
func TestParseConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				text := fmt.Sprintf("SELECT a + %d FROM t%d WHERE b = 'x%d'", i, g, i)
				st, err := Parse(text, 1, 1)
				if err != nil {
					errs <- err
					return
				}
				if got := st.(*TiDBStmt).Node.(*ast.SelectStmt).From.TableRefs.Left.(*ast.TableSource).Source.(*ast.TableName).Name.O; got != fmt.Sprintf("t%d", g) {
					errs <- fmt.Errorf("goroutine %d parsed table %s", g, got)
					return
				}
				if _, err := Parse("SELECT a FORM t", 1, 1); err == nil {
					errs <- fmt.Errorf("no error")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
