package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"

	"github.com/taipandb/taipan"
)

const (
	prompt         = "taipan> "
	continuePrompt = "    -> "
	historyName    = ".taipan_history"
)

// historyPath is ~/.taipan_history, or "" (no history kept) without a home.
func historyPath() string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, historyName)
}

// runInteractive reads statements with line editing until Ctrl-D or exit.
// A statement may span lines and ends at its semicolon; errors are printed
// and the shell goes on. Ctrl-C while typing clears the input; Ctrl-C while
// a statement runs cancels it.
func (sh *shell) runInteractive(stdin *os.File, stdout, stderr io.Writer) int {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 prompt,
		HistoryFile:            historyPath(),
		HistoryLimit:           1000,
		DisableAutoSaveHistory: true, // a statement is saved once, whole
		InterruptPrompt:        "^C",
		EOFPrompt:              "",
		Stdin:                  stdin,
		Stdout:                 stdout,
		Stderr:                 stderr,
	})
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}
	defer rl.Close()
	defer sh.catchInterrupts()()

	fmt.Fprintln(sh.out, "Welcome to Taipan. Statements end with ;  Ctrl-D or exit quits.")
	sh.out.Flush()
	var buf strings.Builder
	for {
		if buf.Len() == 0 {
			rl.SetPrompt(prompt)
		} else {
			rl.SetPrompt(continuePrompt)
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset() // drop the statement being typed
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			fmt.Fprintln(sh.out, "Bye")
			sh.out.Flush()
			return exitOK
		}
		if buf.Len() == 0 {
			switch strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), ";")) {
			case "":
				continue
			case "exit", "quit", `\q`:
				fmt.Fprintln(sh.out, "Bye")
				sh.out.Flush()
				return exitOK
			}
		}
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(line)
		text := buf.String()
		if !taipan.IsComplete(text) {
			continue
		}
		buf.Reset()
		_ = rl.SaveHistory(strings.TrimSpace(strings.ReplaceAll(text, "\n", " ")))
		sh.runInteractiveScript(text)
	}
}

// runInteractiveScript runs the statements of one input; an error is
// printed and ends that input, not the shell.
func (sh *shell) runInteractiveScript(text string) {
	stmts, err := taipan.Split(text)
	if err == nil {
		for _, st := range stmts {
			if err = sh.runStatement(st); err != nil {
				break
			}
		}
	}
	if err != nil {
		sh.out.Flush()
		fmt.Fprintf(sh.errOut, "Error: %v\n", err)
	}
	fmt.Fprintln(sh.out)
	sh.out.Flush()
}
