//go:build linux

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestInteractiveProgressBarForALongStatement(t *testing.T) {
	home := t.TempDir()
	term := startTerminal(t, home)
	term.expect("taipan> ", step)
	term.send("CREATE TABLE n (i INT);\r")
	term.expect("Query OK", step)
	term.expect("taipan> ", step)
	term.send("INSERT INTO n VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10);\r")
	term.expect("Query OK", step)
	term.expect("taipan> ", step)
	term.send("INSERT INTO n SELECT a.i FROM n a, n b, n c;\r")
	term.expect("Query OK", step)
	term.expect("taipan> ", step)

	// 10^12 rows: it runs until cancelled, long enough for the bar.
	term.send("SELECT count(*) FROM n a, n b, n c, n d;\r")
	out := term.expect(" rows scanned", 20*time.Second)
	require.Contains(t, out, "\r[")
	require.Regexp(t, `\d+%  [\d,]+ of [\d,]+ rows scanned$`, out)
	term.send("\x03")
	out = term.expect("Error: statement cancelled", 20*time.Second)
	require.Contains(t, out, "\r\x1b[K", "the bar is erased before the error")
	i := strings.LastIndex(out, "\r\x1b[K")
	require.NotContains(t, out[i:], "rows scanned", "and not drawn again")
	term.expect("taipan> ", step)

	// A quick statement shows no bar.
	term.send("SELECT count(*) AS c FROM n;\r")
	out = term.expect("in set", step)
	require.NotContains(t, out, "rows scanned")
	term.expect("taipan> ", step)
	term.send("\x04")
	require.Equal(t, 0, term.wait(step))
}
