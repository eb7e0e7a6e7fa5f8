//go:build cgo

package thread

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
)

// Many goroutines, each with its own evaluator (some through runtimes of
// their own), call Python at once: the calls serialise on the GIL and every
// result is right.
func TestManyGoroutinesCallAtOnce(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def mul(a, b):
    return a * b
`)
	const goroutines, batches, rows = 16, 30, 100
	errs := make(chan error, goroutines)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				rt := r
				if g%4 == 3 {
					own, err := New()
					if err != nil {
						return err
					}
					defer own.Close()
					rt = own
				}
				ev, err := rt.Prepare(context.Background(), scalarOp(mod, "mul", []string{"BIGINT", "BIGINT"}, "BIGINT", 0, 1), env)
				if err != nil {
					return err
				}
				defer ev.Close()
				for b := 0; b < batches; b++ {
					a, c := make([]int64, rows), make([]int64, rows)
					for i := range a {
						a[i], c[i] = int64(g*1000+b), int64(i)
					}
					in := int64Record(mem, []string{"a0", "a1"}, ints(a...), ints(c...))
					out, err := udf.Eval(context.Background(), ev, in)
					in.Release()
					if err != nil {
						return err
					}
					got := values(out.Column(0))
					out.Release()
					for i, v := range got {
						if v != a[i]*c[i] {
							return fmt.Errorf("goroutine %d batch %d row %d: %v, want %d", g, b, i, v, a[i]*c[i])
						}
					}
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// While one Python call holds the GIL in a loop, other goroutines' Python
// calls still get their turns (the GIL changes hands) and Go code runs in
// parallel: the looping function waits for a file that only Go code,
// running after those calls, creates.
func TestGoRunsWhilePythonLoops(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	dir := t.TempDir()
	started, release := filepath.Join(dir, "started"), filepath.Join(dir, "release")
	mod, env := writeModule(t, fmt.Sprintf(`
import os, time

@udf(result_type='BIGINT')
def wait_for_go(i):
    open(%s, 'w').close()
    deadline = time.monotonic() + 60
    n = 0
    while not os.path.exists(%s):
        n += 1
        if time.monotonic() > deadline:
            raise TimeoutError('Go never created the file')
    return i

@udf(result_type='BIGINT')
def add_one(i):
    return i + 1
`, pyString(started), pyString(release)))

	waiter := prepare(t, r, scalarOp(mod, "wait_for_go", nil, "BIGINT", 0), env)
	done := make(chan error, 1)
	go func() {
		in := int64Record(mem, []string{"a0"}, ints(7))
		out, err := udf.Eval(context.Background(), waiter, in)
		in.Release()
		if err == nil {
			out.Release()
		}
		done <- err
	}()
	for {
		if _, err := os.Stat(started); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}

	// Python calls from other goroutines complete meanwhile.
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, err := r.Prepare(context.Background(), scalarOp(mod, "add_one", nil, "BIGINT", 0), env)
			if !assertNoError(t, err) {
				return
			}
			defer ev.Close()
			for i := 0; i < 10; i++ {
				in := int64Record(mem, []string{"a0"}, ints(int64(i)))
				out, err := udf.Eval(context.Background(), ev, in)
				in.Release()
				if !assertNoError(t, err) {
					return
				}
				out.Release()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-done:
		t.Fatalf("the looping function returned early: %v", err)
	default:
	}

	// Go work goes on in parallel, and tells Python to stop.
	sum := 0
	for i := 0; i < 10_000_000; i++ {
		sum += i % 7
	}
	require.NoError(t, os.WriteFile(release, []byte(fmt.Sprint(sum)), 0o644))
	require.NoError(t, <-done)
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}
