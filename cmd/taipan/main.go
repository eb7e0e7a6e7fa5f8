// Command taipan is Taipan's SQL shell: interactive with line editing and
// history when standard input is a terminal, otherwise it runs the
// statements of -c, -f or standard input and stops at the first error.
//
// It is a client of the public Go API (package taipan) only: it must not
// import the engine's internal packages (sql, planner, exec operators,
// catalog), except the value formatting helpers of exec/expr, so that what
// it prints matches what the engine prints elsewhere.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"

	"github.com/taipandb/taipan"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // a statement failed
	exitUsage = 2 // bad flags
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// settingFlags collects repeated --set key=value flags in order.
type settingFlags [][2]string

func (s *settingFlags) String() string {
	parts := make([]string, len(*s))
	for i, kv := range *s {
		parts[i] = kv[0] + "=" + kv[1]
	}
	return strings.Join(parts, ",")
}

func (s *settingFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*s = append(*s, [2]string{strings.TrimSpace(k), strings.TrimSpace(val)})
	return nil
}

func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("taipan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	command := fs.String("c", "", "run these `statements` (separated by ;) and exit")
	file := fs.String("f", "", "run the statements of this `file` and exit")
	format := fs.String("format", "table", "result format: table, csv or json")
	var settings settingFlags
	fs.Var(&settings, "set", "set a setting before the first statement, as `key=value` (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: taipan [flags]\n\n"+
			"With a terminal, an interactive SQL shell; otherwise runs -c, -f or the\n"+
			"script on standard input, stopping at the first failing statement.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "Error: unexpected argument %q (statements go in -c or -f)\n", fs.Arg(0))
		return exitUsage
	}
	cFlag, fFlag := false, false
	fs.Visit(func(f *flag.Flag) {
		cFlag = cFlag || f.Name == "c"
		fFlag = fFlag || f.Name == "f"
	})
	if cFlag && fFlag {
		fmt.Fprintln(stderr, "Error: use either -c or -f, not both")
		return exitUsage
	}
	f, err := ParseFormat(*format)
	if err != nil {
		fmt.Fprintf(stderr, "Error: --format: %v\n", err)
		return exitUsage
	}

	eng, err := taipan.Open()
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}
	defer eng.Close()
	sess := eng.NewSession()
	defer sess.Close()
	for _, kv := range settings {
		if err := sess.Set(kv[0], kv[1]); err != nil {
			fmt.Fprintf(stderr, "Error: --set %s=%s: %v\n", kv[0], kv[1], err)
			return exitError
		}
	}

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	sh := &shell{sess: sess, format: f, out: out, errOut: stderr}

	switch {
	case cFlag:
		return sh.runScript(*command)
	case fFlag:
		in, err := os.Open(*file)
		if err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return exitError
		}
		defer in.Close()
		return sh.runReader(in)
	case readline.IsTerminal(int(stdin.Fd())):
		sh.interactive = true
		if f, ok := stderr.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
			// Statements running over a second show a progress bar on
			// standard error, erased before their results are printed.
			sh.progress = true
			sh.out = bufio.NewWriter(barGuard{w: stdout, sh: sh})
		}
		return sh.runInteractive(stdin, stdout, stderr)
	default:
		return sh.runReader(stdin)
	}
}

// shell runs statements on one session and prints their results.
type shell struct {
	sess        *taipan.Session
	format      Format
	out         *bufio.Writer
	errOut      io.Writer
	interactive bool
	progress    bool // draw a progress bar for long statements

	// cancel stops the running statement; Ctrl-C calls it. bar is its
	// progress bar, if one may show.
	mu     sync.Mutex
	cancel context.CancelFunc
	bar    *progressBar
}

// stopProgress erases the running statement's progress bar, if any.
func (sh *shell) stopProgress() {
	sh.mu.Lock()
	bar := sh.bar
	sh.bar = nil
	sh.mu.Unlock()
	if bar != nil {
		bar.stop()
	}
}

// errCancelled is what a statement stopped by Ctrl-C reports.
var errCancelled = errors.New("statement cancelled")

// catchInterrupts makes Ctrl-C cancel the running statement instead of
// killing the process. Outside interactive mode a second Ctrl-C kills it,
// in case a statement does not stop.
func (sh *shell) catchInterrupts() (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				sh.mu.Lock()
				if sh.cancel != nil {
					sh.cancel()
				}
				sh.mu.Unlock()
				if !sh.interactive {
					signal.Reset(os.Interrupt)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// runScript runs every statement of script, stopping at the first error.
func (sh *shell) runScript(script string) int {
	defer sh.catchInterrupts()()
	stmts, err := taipan.Split(script)
	if err != nil {
		return sh.fail(err)
	}
	for _, st := range stmts {
		if err := sh.runStatement(st); err != nil {
			return sh.fail(err)
		}
	}
	return exitOK
}

// runReader runs a script read from r a statement at a time, as soon as
// each is complete, stopping at the first error. A last statement without
// its semicolon still runs.
func (sh *shell) runReader(r io.Reader) int {
	defer sh.catchInterrupts()()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<30)
	var buf strings.Builder
	line, first := 0, 1 // first: the script line the buffer starts on
	flush := func() error {
		stmts, err := taipan.Split(buf.String())
		if err != nil {
			return err
		}
		for _, st := range stmts {
			st.Line += first - 1
			if err := sh.runStatement(st); err != nil {
				return err
			}
		}
		buf.Reset()
		first = line + 1
		return nil
	}
	for sc.Scan() {
		line++
		buf.WriteString(sc.Text())
		buf.WriteByte('\n')
		if taipan.IsComplete(buf.String()) {
			if err := flush(); err != nil {
				return sh.fail(err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return sh.fail(err)
	}
	if strings.TrimSpace(buf.String()) != "" {
		if err := flush(); err != nil {
			return sh.fail(err)
		}
	}
	return exitOK
}

// fail reports the error that stops a non-interactive run.
func (sh *shell) fail(err error) int {
	sh.out.Flush()
	fmt.Fprintf(sh.errOut, "Error: %v\n", err)
	return exitError
}

// runStatement runs one statement and prints its result. Ctrl-C cancels
// its context.
func (sh *shell) runStatement(st taipan.Statement) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var bar *progressBar
	if sh.progress {
		ctx, bar = startProgress(ctx, sh.errOut, readline.GetScreenWidth, progressDelay, progressEvery)
		defer sh.stopProgress()
	}
	sh.mu.Lock()
	sh.cancel = cancel
	sh.bar = bar
	sh.mu.Unlock()
	defer func() {
		sh.mu.Lock()
		sh.cancel = nil
		sh.mu.Unlock()
	}()

	err := sh.execute(ctx, st)
	if err != nil && ctx.Err() != nil {
		err = errCancelled
	}
	if ferr := sh.out.Flush(); err == nil {
		err = ferr
	}
	return err
}

func (sh *shell) execute(ctx context.Context, st taipan.Statement) error {
	start := time.Now()
	rows, err := sh.sess.QueryStatement(ctx, st)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.IsResultSet() {
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if sh.format == FormatTable {
			fmt.Fprintln(sh.out, statusLine(rows)+sh.elapsed(start))
		}
		return nil
	}
	w := NewResultWriter(sh.out, sh.format, rows.Schema())
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.Write(rows.Record()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.Close(func(n int64) string { return RowsFooter(n, sh.elapsed(start)) })
}

// elapsed is the " (0.01 sec)" suffix of status lines, shown only
// interactively so that scripted output stays the same from run to run.
func (sh *shell) elapsed(start time.Time) string {
	if !sh.interactive {
		return ""
	}
	return fmt.Sprintf(" (%.2f sec)", time.Since(start).Seconds())
}

// statusLine is what a statement without a result set prints.
func statusLine(rows *taipan.Rows) string {
	if m := rows.Message(); m != "" {
		return m
	}
	switch n := rows.RowsAffected(); n {
	case 1:
		return "Query OK, 1 row affected"
	default:
		return fmt.Sprintf("Query OK, %d rows affected", n)
	}
}
