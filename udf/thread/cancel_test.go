//go:build cgo

package thread

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
)

// runaways are functions that never return by themselves, except for 0.
// started is
// written once the function runs, so the test cancels a running call and
// not one still starting.
const runaways = `
def _started(i):
    open(%s, 'w').close()

@udf(result_type='BIGINT')
def spin(i):
    if i == 0:
        return 0
    _started(i)
    while True:
        pass

@udf(result_type='BIGINT')
def stubborn(i):
    # Swallows the first interruptions: the runtime must keep trying.
    if i == 0:
        return 0
    _started(i)
    caught = 0
    while True:
        try:
            while True:
                pass
        except BaseException:
            caught += 1
            if caught > 3:
                raise

@udf(result_type='BIGINT')
def ident(i):
    return i
`

// cancelWhenStarted cancels once the file exists.
func cancelWhenStarted(t *testing.T, path string, cancel context.CancelFunc) {
	go func() {
		for {
			if _, err := os.Stat(path); err == nil {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
}

func TestCancelInterruptsRunawayFunction(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	started := filepath.Join(t.TempDir(), "started")
	mod, env := writeModule(t, fmt.Sprintf(runaways, pyString(started)))

	for _, fn := range []string{"spin", "stubborn"} {
		t.Run(fn, func(t *testing.T) {
			os.Remove(started)
			ev := prepare(t, r, scalarOp(mod, fn, nil, "BIGINT", 0), env)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cancelWhenStarted(t, started, cancel)
			in := int64Record(mem, []string{"a0"}, ints(1, 2))
			_, err := udf.Eval(ctx, ev, in)
			in.Release()
			require.Error(t, err)
			require.True(t, errors.Is(err, context.Canceled), "%v", err)
			var ie *InterruptedError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, fn, ie.Function)
			require.Contains(t, err.Error(), "Python function "+fn+" interrupted")

			// The evaluator and the interpreter stay usable.
			out := eval(t, ev, int64Record(mem, []string{"a0"}, ints(0)))
			require.Equal(t, []any{int64(0)}, values(out.Column(0)), "no interruption is left pending for the next call")
		})
	}
	// ...and a later operation on any thread runs undisturbed.
	ev := prepare(t, r, scalarOp(mod, "ident", nil, "BIGINT", 0), env)
	for i := 0; i < 20; i++ {
		out := eval(t, ev, int64Record(mem, []string{"a0"}, ints(int64(i))))
		require.Equal(t, []any{int64(i)}, values(out.Column(0)))
	}
}

func TestDeadlineInterruptsRunawayFunction(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def spin(i):
    while True:
        pass
`)
	ev := prepare(t, r, scalarOp(mod, "spin", nil, "BIGINT", 0), env)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	in := int64Record(mem, []string{"a0"}, ints(1))
	defer in.Release()
	_, err := udf.Eval(ctx, ev, in)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCancelInterruptsImportAndRun(t *testing.T) {
	r := newRuntime(t)
	mod, env := writeModule(t, `
while True:
    pass
`)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.Describe(ctx, mod+".f", env)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = r.Prepare(ctx, scalarOp(mod, "f", nil, "BIGINT", 0), env)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var ie *InterruptedError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "f", ie.Function)

	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = r.run(ctx, "while True: pass")
	require.ErrorIs(t, err, context.DeadlineExceeded)

	out, err := r.run(context.Background(), "result = 6 * 7")
	require.NoError(t, err)
	require.Equal(t, "42", out)
}

// A call that ends just as its context is cancelled must not leave an
// interruption behind for the next call on its thread: run many short calls
// whose contexts are cancelled at random moments.
func TestCancelRacingCallEnd(t *testing.T) {
	r := newRuntime(t)
	mem := checkedMem(t, r)
	mod, env := writeModule(t, `
@udf(result_type='BIGINT')
def busy(i):
    s = 0
    for k in range(i):
        s += k
    return s
`)
	ev := prepare(t, r, scalarOp(mod, "busy", []string{"BIGINT"}, "BIGINT", 0), env)
	interrupted := 0
	for i := 0; i < 200; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(time.Duration(i%7) * 100 * time.Microsecond)
			cancel()
		}()
		in := int64Record(mem, []string{"a0"}, ints(int64(2000+i)))
		out, err := udf.Eval(ctx, ev, in)
		in.Release()
		if err != nil {
			require.True(t, errors.Is(err, context.Canceled), "%v", err)
			interrupted++
		} else {
			out.Release()
		}
		cancel()
		// The next call, not cancelled, must succeed.
		want := int64((1000 * 999) / 2)
		out = eval(t, ev, int64Record(mem, []string{"a0"}, ints(1000)))
		require.Equal(t, []any{want}, values(out.Column(0)))
	}
	t.Logf("%d of 200 calls interrupted", interrupted)
}

func pyString(s string) string {
	q := "'"
	for _, c := range s {
		if c == '\'' || c == '\\' {
			q += "\\"
		}
		q += string(c)
	}
	return q + "'"
}
