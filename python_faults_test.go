package taipan_test

import (
	"context"
	"errors"
	"fmt"
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

// Sessions calling Python at once, in both modes, all finish with the
// right answers: THREAD calls take turns on the GIL, PROCESS calls spread
// over the worker pool.
func TestConcurrentPythonSessions(t *testing.T) {
	eng := openEngine(t)
	ctx := context.Background()
	require.NoError(t, eng.Exec(ctx, "SET python.files = 'testdata/python'; CREATE FUNCTION add_one AS 'funcs.add_one' LANGUAGE PYTHON; CREATE FUNCTION mean_udaf AS 'funcs.mean_udaf' LANGUAGE PYTHON"))
	var sb strings.Builder
	sb.WriteString("CREATE TABLE t (a BIGINT); INSERT INTO t VALUES (0)")
	for i := 1; i < 2000; i++ {
		fmt.Fprintf(&sb, ", (%d)", i)
	}
	require.NoError(t, eng.Exec(ctx, sb.String()))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s := eng.NewSession()
			defer s.Close()
			mode := []string{"thread", "process"}[g%2]
			if err := s.Exec(ctx, "SET python.files = 'testdata/python'; SET python.fn-execution.arrow.batch.size = 100; SET python.execution-mode = '"+mode+"'"); err != nil {
				errs <- err
				return
			}
			for i := 0; i < 5; i++ {
				rows, err := s.Query(ctx, "SELECT sum(add_one(a)), mean_udaf(add_one(a)) FROM t")
				if err != nil {
					errs <- err
					return
				}
				if !rows.Next() {
					errs <- fmt.Errorf("%s: no rows: %v", mode, rows.Err())
					rows.Close()
					return
				}
				rec := rows.Record()
				sum := rec.Column(0).(*array.Int64).Value(0)
				mean := rec.Column(1).(*array.Float64).Value(0)
				rows.Close()
				if sum != 2000*2001/2 || mean != 1000.5 {
					errs <- fmt.Errorf("%s: sum %d mean %v", mode, sum, mean)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
