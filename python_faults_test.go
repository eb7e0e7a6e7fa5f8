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
)

// pythonSession opens a session in mode with testdata/python's functions.
func pythonSession(t *testing.T, mode string, functions ...string) *taipan.Session {
	t.Helper()
	eng := openEngine(t)
	s := eng.NewSession()
	ctx := context.Background()
	require.NoError(t, s.Exec(ctx, "SET python.files = 'testdata/python'; SET python.execution-mode = '"+mode+"'"))
	for _, f := range functions {
		require.NoError(t, s.Exec(ctx, "CREATE FUNCTION "+f+" AS 'funcs."+f+"' LANGUAGE PYTHON"))
	}
	require.NoError(t, s.Exec(ctx, "CREATE TABLE t (a BIGINT); INSERT INTO t VALUES (1), (2), (3)"))
	return s
}

func scalarInt(t *testing.T, s *taipan.Session, q string) int64 {
	t.Helper()
	rows, err := s.Query(context.Background(), q)
	require.NoError(t, err)
	defer rows.Close()
	require.True(t, rows.Next(), "no rows: %v", rows.Err())
	return rows.Record().Column(0).(*array.Int64).Value(0)
}

// A cancelled context stops a Python function that never returns, in both
// modes, and the session goes on working.
func TestCancelStopsARunawayPythonFunction(t *testing.T) {
	for _, mode := range []string{"process", "thread"} {
		t.Run(mode, func(t *testing.T) {
			s := pythonSession(t, mode, "spin", "add_one")
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				rows, err := s.Query(ctx, "SELECT spin(a) FROM t")
				if err == nil {
					for rows.Next() {
					}
					err = rows.Err()
					rows.Close()
				}
				done <- err
			}()
			time.Sleep(300 * time.Millisecond)
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				require.True(t, errors.Is(err, context.Canceled), "got %v", err)
				t.Logf("stopped %v after cancel", time.Since(start))
			case <-time.After(20 * time.Second):
				t.Fatal("the runaway function was not stopped")
			}
			require.EqualValues(t, 4, scalarInt(t, s, "SELECT add_one(max(a)) FROM t"))
		})
	}
}

// A PROCESS worker that dies fails the statement with a clear error; the
// next statement gets a new worker.
func TestDeadWorkerFailsTheStatementOnly(t *testing.T) {
	s := pythonSession(t, "process", "crash", "add_one")
	rows, err := s.Query(context.Background(), "SELECT crash(a) FROM t")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	require.ErrorContains(t, err, "Python worker exited unexpectedly (exit status 3)")
	require.EqualValues(t, 4, scalarInt(t, s, "SELECT add_one(max(a)) FROM t"))
}

// What functions print goes to the writer the engine was opened with,
// never into results.
func TestPythonOutputGoesToTheEnginesStderr(t *testing.T) {
	var out syncBuffer
	eng, err := taipan.Open(taipan.WithPythonWorkers(1), taipan.WithPythonStderr(&out))
	require.NoError(t, err)
	defer eng.Close()
	s := eng.NewSession()
	ctx := context.Background()
	require.NoError(t, s.Exec(ctx, "SET python.files = 'testdata/python'; CREATE FUNCTION noisy AS 'funcs.noisy' LANGUAGE PYTHON; CREATE TABLE t (a BIGINT); INSERT INTO t VALUES (7)"))
	require.EqualValues(t, 7, scalarInt(t, s, "SELECT noisy(a) FROM t"))
	require.NoError(t, eng.Close())
	require.Contains(t, out.String(), "printing from a function must corrupt nothing 7")

	_, err = taipan.Open(taipan.WithPythonWorkers(-1))
	require.Error(t, err)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
