package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// taipanBin is the shell built once for the tests that run it as a user
// would.
var taipanBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "taipan-shell-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	taipanBin = filepath.Join(dir, "taipan")
	build := exec.Command("go", "build", "-o", taipanBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the shell:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// runShell runs the built shell with args and stdin (nil: an empty,
// non-terminal standard input) in a scratch HOME.
func runShell(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(taipanBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+cmd.Dir)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

const peopleScript = `CREATE TABLE people (id INT, name VARCHAR(20), score DECIMAL(5,2));
INSERT INTO people VALUES (1, 'ada', 9.50), (2, 'bob', NULL), (3, 'cy', 10.25);
`

const peopleTable = `+----+------+-------+
| id | name | score |
+----+------+-------+
|  1 | ada  |  9.50 |
|  2 | bob  |  NULL |
|  3 | cy   | 10.25 |
+----+------+-------+
3 rows in set
`

func TestCommandFlagPrintsTables(t *testing.T) {
	r := runShell(t, "", "-c", peopleScript+"SELECT id, name, score FROM people ORDER BY id;")
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr)
	require.Contains(t, r.stdout, "Query OK")
	require.True(t, strings.HasSuffix(r.stdout, peopleTable), r.stdout)
	// Scripted output has no timings, so that it is the same every run.
	require.NotContains(t, r.stdout, "sec)")
}

func TestCommandFlagLastStatementNeedsNoSemicolon(t *testing.T) {
	r := runShell(t, "", "--format", "csv", "-c", "SELECT 1 AS one")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "one\n1\n", r.stdout)
}

func TestFileFlagRunsAScriptWithMultiLineStatements(t *testing.T) {
	path := filepath.Join(t.TempDir(), "script.sql")
	script := peopleScript + "-- the best first\nSELECT name,\n       score\n  FROM people\n WHERE score IS NOT NULL\n ORDER BY score DESC;\n"
	require.NoError(t, os.WriteFile(path, []byte(script), 0o644))
	r := runShell(t, "", "--format", "csv", "-f", path)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "name,score\ncy,10.25\nada,9.50\n", r.stdout)
}

func TestPipedStandardInputIsAScript(t *testing.T) {
	r := runShell(t, peopleScript+"SELECT id, name, score FROM people\nORDER BY id;\n")
	require.Equal(t, 0, r.code, r.stderr)
	require.True(t, strings.HasSuffix(r.stdout, peopleTable), r.stdout)
}

func TestCommandFlagTakesPrecedenceOverStandardInput(t *testing.T) {
	r := runShell(t, "SELECT 2 AS two;", "--format", "csv", "-c", "SELECT 1 AS one")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "one\n1\n", r.stdout)
}

func TestEmptyInputDoesNothing(t *testing.T) {
	r := runShell(t, "")
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stdout)
	require.Empty(t, r.stderr)
}

func TestCSVFormat(t *testing.T) {
	r := runShell(t, "", "--format", "csv", "-c", peopleScript+
		"SELECT id, name, score FROM people ORDER BY id; SELECT name FROM people WHERE id > 100;")
	require.Equal(t, 0, r.code, r.stderr)
	// Statements without rows print nothing: not the CREATE, not the
	// INSERT, not the empty SELECT.
	require.Equal(t, "id,name,score\n1,ada,9.50\n2,bob,\n3,cy,10.25\n", r.stdout)
}

func TestJSONFormat(t *testing.T) {
	r := runShell(t, "", "--format", "json", "-c", `
CREATE TABLE ev (id BIGINT, ok BOOLEAN, day DATE, at DATETIME(6), amount DECIMAL(6,2), note TEXT);
INSERT INTO ev VALUES
  (1, TRUE, '2024-03-01', '2024-03-01 10:00:00', 1.5, 'a "quoted" note'),
  (2, FALSE, NULL, '2024-03-01 10:00:00.250000', NULL, NULL);
SELECT id, ok, day, at, amount, note FROM ev ORDER BY id;`)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t,
		`{"id":1,"ok":true,"day":"2024-03-01","at":"2024-03-01 10:00:00","amount":1.50,"note":"a \"quoted\" note"}`+"\n"+
			`{"id":2,"ok":false,"day":null,"at":"2024-03-01 10:00:00.250000","amount":null,"note":null}`+"\n",
		r.stdout)
}

func TestSetFlagSetsBeforeTheFirstStatement(t *testing.T) {
	r := runShell(t, "", "--format", "csv", "--set", "python.execution-mode=THREAD", "--set", "team=blue", "-c", "SET;")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(r.stdout, "\n")
	require.Contains(t, lines, findLine(t, lines, "python.execution-mode,thread"))
	require.Contains(t, lines, findLine(t, lines, "team,blue"))
}

// findLine returns the line of lines that starts with prefix.
func findLine(t *testing.T, lines []string, prefix string) string {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no line starting with %q in %q", prefix, lines)
	return ""
}

func TestSetFlagRejectsUnknownPythonSetting(t *testing.T) {
	r := runShell(t, "", "--set", "python.no-such-thing=1", "-c", "SELECT 1")
	require.Equal(t, 1, r.code)
	require.True(t, strings.HasPrefix(r.stderr, "Error: "), r.stderr)
	require.Contains(t, r.stderr, "python.no-such-thing")
	require.Empty(t, r.stdout)
}

func TestFailingStatementStopsTheRun(t *testing.T) {
	script := "SELECT 1 AS one;\nSELECT nope FROM no_such_table;\nSELECT 3 AS three;\n"
	for name, run := range map[string]func() result{
		"-c": func() result { return runShell(t, "", "--format", "csv", "-c", script) },
		"-f": func() result {
			path := filepath.Join(t.TempDir(), "s.sql")
			require.NoError(t, os.WriteFile(path, []byte(script), 0o644))
			return runShell(t, "", "--format", "csv", "-f", path)
		},
		"stdin": func() result { return runShell(t, script, "--format", "csv") },
	} {
		t.Run(name, func(t *testing.T) {
			r := run()
			require.Equal(t, 1, r.code)
			require.True(t, strings.HasPrefix(r.stderr, "Error: "), r.stderr)
			require.Contains(t, r.stderr, "no_such_table")
			require.Equal(t, "one\n1\n", r.stdout, "the statement after the failure must not run")
		})
	}
}

func TestErrorsPointIntoTheScript(t *testing.T) {
	// The bad statement is on line 3 of the piped script, though the shell
	// runs it a statement at a time.
	r := runShell(t, "SELECT 1 AS one;\n\nSELECT FROM WHERE;\n")
	require.Equal(t, 1, r.code)
	require.True(t, strings.HasPrefix(r.stderr, "Error: "), r.stderr)
	require.Contains(t, r.stderr, "line 3")
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	r := runShell(t, "", "--format", "xml", "-c", "SELECT 1")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `Error: --format: unknown format "xml"`)

	r = runShell(t, "", "-c", "SELECT 1", "-f", "x.sql")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "Error: use either -c or -f")

	r = runShell(t, "", "--set", "novalue", "-c", "SELECT 1")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "want key=value")

	r = runShell(t, "", "SELECT 1")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `unexpected argument "SELECT 1"`)
}

func TestMissingScriptFile(t *testing.T) {
	r := runShell(t, "", "-f", "does-not-exist.sql")
	require.Equal(t, 1, r.code)
	require.True(t, strings.HasPrefix(r.stderr, "Error: "), r.stderr)
	require.Contains(t, r.stderr, "does-not-exist.sql")
}

func TestInterruptCancelsTheRunningStatementAndStopsTheRun(t *testing.T) {
	cmd := exec.Command(taipanBin, "--format", "csv", "-c", `
CREATE TABLE n (i INT);
INSERT INTO n VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10);
INSERT INTO n SELECT a.i FROM n a, n b, n c;
SELECT count(*) FROM n a, n b, n c, n d;
SELECT 'not reached' AS after;`)
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(time.Second) // 10^12 rows: the query is still running
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	select {
	case err := <-done:
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		require.Equal(t, 1, exit.ExitCode())
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the statement was not cancelled")
	}
	require.Equal(t, "Error: statement cancelled\n", errOut.String())
	require.Empty(t, out.String())
}
