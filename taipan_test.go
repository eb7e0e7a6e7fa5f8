package taipan_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan"
	"github.com/taipandb/taipan/types"
)

func openEngine(t *testing.T) *taipan.Engine {
	t.Helper()
	eng, err := taipan.Open()
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	return eng
}

func TestQueryReturnsArrowRecords(t *testing.T) {
	eng := openEngine(t)
	ctx := context.Background()
	require.NoError(t, eng.Exec(ctx, "CREATE TABLE t (a BIGINT, d DECIMAL(5,2)); INSERT INTO t VALUES (1, 1.5), (2, NULL)"))
	rows, err := eng.Query(ctx, "SELECT a * 10 AS x, d FROM t ORDER BY a")
	require.NoError(t, err)
	defer rows.Close()
	require.True(t, rows.IsResultSet())
	require.Equal(t, "x", rows.Schema().Field(0).Name)
	col, err := types.ColumnOf(rows.Schema().Field(1))
	require.NoError(t, err)
	require.Equal(t, "DECIMAL(5,2)", col.Type.String())
	var xs []int64
	for rows.Next() {
		xs = append(xs, rows.Record().Column(0).(*array.Int64).Int64Values()...)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []int64{10, 20}, xs)
	require.NoError(t, rows.Close()) // idempotent
}

func TestStatementsWithoutResultSet(t *testing.T) {
	eng := openEngine(t)
	ctx := context.Background()
	rows, err := eng.Query(ctx, "CREATE TABLE t (a INT)")
	require.NoError(t, err)
	require.False(t, rows.IsResultSet())
	require.False(t, rows.Next())
	rows, err = eng.Query(ctx, "INSERT INTO t VALUES (1), (2), (3)")
	require.NoError(t, err)
	require.EqualValues(t, 3, rows.RowsAffected())
	require.Equal(t, "Query OK, 3 rows affected", rows.Message())
}

func TestSplitAndErrorPositionsPointIntoTheScript(t *testing.T) {
	script := "SELECT 1;\n-- a comment\nSELECT 2;\n  SELECT * FORM t;"
	stmts, err := taipan.Split(script)
	require.NoError(t, err)
	require.Len(t, stmts, 3)
	require.Equal(t, taipan.Statement{SQL: "SELECT * FORM t", Line: 4, Column: 3}, stmts[2])
	eng := openEngine(t)
	_, err = eng.NewSession().QueryStatement(context.Background(), stmts[2])
	require.ErrorContains(t, err, "line 4, column 12")
	require.True(t, taipan.IsComplete("SELECT ';'\n;"))
	require.False(t, taipan.IsComplete("SELECT ';"))
}

func TestExecStopsAtTheFirstError(t *testing.T) {
	eng := openEngine(t)
	ctx := context.Background()
	err := eng.Exec(ctx, "CREATE TABLE t (a INT); INSERT INTO nope VALUES (1); CREATE TABLE u (a INT)")
	require.ErrorContains(t, err, `table "nope" does not exist`)
	rows, err := eng.Query(ctx, "SHOW TABLES")
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		s := rows.Record().Column(0).(*array.String)
		for i := 0; i < s.Len(); i++ {
			names = append(names, s.Value(i))
		}
	}
	require.Equal(t, []string{"t"}, names)
}

func TestFailedInsertLeavesTableUnchanged(t *testing.T) {
	eng := openEngine(t)
	ctx := context.Background()
	require.NoError(t, eng.Exec(ctx, "CREATE TABLE t (a INT NOT NULL); INSERT INTO t VALUES (1)"))
	require.Error(t, eng.Exec(ctx, "INSERT INTO t VALUES (2), (NULL), (3)"))
	require.Error(t, eng.Exec(ctx, "INSERT INTO t SELECT 10 DIV (2 - a) * 9223372036854775807 FROM t UNION ALL SELECT 1"))
	rows, err := eng.Query(ctx, "SELECT count(*) FROM t")
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.EqualValues(t, 1, rows.Record().Column(0).(*array.Int64).Value(0))
	rows.Close()
}

func TestSessionsHaveTheirOwnSettings(t *testing.T) {
	eng := openEngine(t)
	a, b := eng.NewSession(), eng.NewSession()
	require.NoError(t, a.Exec(context.Background(), "SET python.execution-mode = 'THREAD'"))
	v, _ := a.Setting("python.execution-mode")
	require.Equal(t, "thread", v)
	v, _ = b.Setting("python.execution-mode")
	require.Equal(t, "process", v)
}

// A cancelled context stops a running query: a cross join of 10^10 rows
// must end promptly with the context's error.
func TestCancelStopsARunningQuery(t *testing.T) {
	eng := openEngine(t)
	ctx := context.Background()
	require.NoError(t, eng.Exec(ctx, "CREATE TABLE t (a BIGINT)"))
	var sb strings.Builder
	sb.WriteString("INSERT INTO t VALUES (0)")
	for i := 1; i < 1000; i++ {
		sb.WriteString(", (1)")
	}
	require.NoError(t, eng.Exec(ctx, sb.String()))
	require.NoError(t, eng.Exec(ctx, "CREATE TABLE u AS SELECT x.a FROM t AS x, t AS y"))
	qctx, cancel := context.WithCancel(ctx)
	rows, err := eng.Query(qctx, "SELECT count(*) FROM u AS x, u AS y WHERE x.a + y.a > 5")
	if err == nil {
		done := make(chan struct{})
		go func() {
			for rows.Next() {
			}
			close(done)
		}()
		time.Sleep(100 * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("query did not stop after cancel")
		}
		err = rows.Err()
	}
	cancel()
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

// Sessions on one engine run statements concurrently.
func TestConcurrentSessions(t *testing.T) {
	eng := openEngine(t)
	ctx := context.Background()
	require.NoError(t, eng.Exec(ctx, "CREATE TABLE t (a BIGINT); INSERT INTO t VALUES (1), (2), (3)"))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := eng.NewSession()
			defer s.Close()
			for j := 0; j < 50; j++ {
				if err := s.Exec(ctx, "INSERT INTO t VALUES (4); SELECT sum(a) FROM t GROUP BY a % 2"); err != nil {
					errs <- err
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
	rows, err := eng.Query(ctx, "SELECT count(*) FROM t")
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.EqualValues(t, 3+8*50, rows.Record().Column(0).(*array.Int64).Value(0))
	rows.Close()
}

func TestClosedEngineRefusesStatements(t *testing.T) {
	eng, err := taipan.Open()
	require.NoError(t, err)
	require.NoError(t, eng.Close())
	require.NoError(t, eng.Close())
	_, err = eng.Query(context.Background(), "SELECT 1")
	require.ErrorIs(t, err, taipan.ErrClosed)
}
