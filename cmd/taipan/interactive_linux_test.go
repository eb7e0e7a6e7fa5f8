//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// openPTY opens a pseudo-terminal pair: the controlling side, and the
// terminal the shell gets as standard input and output.
func openPTY(t *testing.T) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		ptmx.Close()
		t.Fatalf("unlocking the pseudo-terminal: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		ptmx.Close()
		t.Fatalf("numbering the pseudo-terminal: %v", e)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptmx.Close()
		t.Fatalf("opening the terminal: %v", err)
	}
	return ptmx, tty
}

// terminal drives the shell through a pseudo-terminal as a person would.
type terminal struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File

	mu   sync.Mutex
	out  strings.Builder
	seen int // output before this offset has been matched already
}

func startTerminal(t *testing.T, home string, args ...string) *terminal {
	t.Helper()
	ptmx, tty := openPTY(t)
	cmd := exec.Command(taipanBin, args...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "TERM=xterm")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	tty.Close()
	term := &terminal{t: t, cmd: cmd, ptmx: ptmx}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		ptmx.Close()
	})
	return term
}

func (term *terminal) send(s string) {
	term.t.Helper()
	_, err := term.ptmx.Write([]byte(s))
	require.NoError(term.t, err)
}

// expect waits until the output after the last match contains want, and
// returns that output.
func (term *terminal) expect(want string, timeout time.Duration) string {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		term.mu.Lock()
		all := term.out.String()
		rest := all[term.seen:]
		if i := strings.Index(rest, want); i >= 0 {
			term.seen += i + len(want)
			term.mu.Unlock()
			return rest[:i+len(want)]
		}
		term.mu.Unlock()
		if time.Now().After(deadline) {
			term.t.Fatalf("waited %v for %q; the terminal shows:\n%s", timeout, want, rest)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait waits for the shell to exit and returns its status.
func (term *terminal) wait(timeout time.Duration) int {
	term.t.Helper()
	done := make(chan error, 1)
	go func() { done <- term.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			if exit, ok := err.(*exec.ExitError); ok {
				return exit.ExitCode()
			}
			require.NoError(term.t, err)
		}
		return 0
	case <-time.After(timeout):
		term.t.Fatalf("the shell did not exit within %v", timeout)
		return -1
	}
}

const step = 10 * time.Second

// The line being typed is redrawn after its prompt at each key, so each
// step waits for what the statement prints before waiting for the prompt.

func TestInteractivePromptsAndHistoryAcrossRuns(t *testing.T) {
	home := t.TempDir()
	term := startTerminal(t, home)
	term.expect("taipan> ", step)

	// Ctrl-C at the prompt clears the line and the shell stays.
	term.send("SELECT 'never run'")
	term.send("\x03")
	term.expect("^C", step)
	term.expect("taipan> ", step)

	// A statement over two lines: the second prompt is the continuation one.
	term.send("SELECT 40 +\r")
	term.expect("    -> ", step)
	term.send("2 AS answer;\r")
	out := term.expect("in set", step)
	require.Contains(t, out, "| answer |")
	require.Contains(t, out, "|     42 |")
	out = term.expect("taipan> ", step)
	require.Regexp(t, `^ \(\d+\.\d\d sec\)`, out)

	// Errors are printed and the shell goes on.
	term.send("SELECT * FROM no_such_table;\r")
	term.expect("Error: ", step)
	out = term.expect("taipan> ", step)
	require.Contains(t, out, "no_such_table")

	// Ctrl-D exits.
	term.send("\x04")
	require.Equal(t, 0, term.wait(step))

	history, err := os.ReadFile(filepath.Join(home, historyName))
	require.NoError(t, err)
	require.Contains(t, string(history), "SELECT 40 + 2 AS answer;")

	// The next run recalls the statement with the up arrow (twice: the
	// failing statement came last).
	term = startTerminal(t, home)
	term.expect("taipan> ", step)
	term.send("\x1b[A\x1b[A\r")
	out = term.expect("in set", step)
	require.Contains(t, out, "|     42 |")
	term.expect("taipan> ", step)
	term.send("exit\r")
	require.Equal(t, 0, term.wait(step))
}

func TestInteractiveCtrlCCancelsTheRunningStatement(t *testing.T) {
	home := t.TempDir()
	term := startTerminal(t, home)
	term.expect("taipan> ", step)

	// Typed input is redrawn at each key, so the rows are made by SQL
	// rather than typed: 10 + 10^3 of them.
	term.send("CREATE TABLE n (i INT);\r")
	term.expect("Query OK", step)
	term.expect("taipan> ", step)
	term.send("INSERT INTO n VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10);\r")
	term.expect("Query OK", step)
	term.expect("taipan> ", step)
	term.send("INSERT INTO n SELECT a.i FROM n a, n b, n c;\r")
	term.expect("Query OK", step)
	term.expect("taipan> ", step)

	// 10^12 rows: this only ends by being cancelled.
	term.send("SELECT count(*) FROM n a, n b, n c, n d;\r")
	time.Sleep(500 * time.Millisecond)
	term.send("\x03")
	term.expect("Error: statement cancelled", 20*time.Second)
	term.expect("taipan> ", step)

	// The session is still usable.
	term.send("SELECT count(*) AS c FROM n;\r")
	out := term.expect("in set", step)
	require.Contains(t, out, "| 1010 |")
	term.expect("taipan> ", step)
	term.send("\x04")
	require.Equal(t, 0, term.wait(step))
}
