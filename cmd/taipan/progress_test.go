package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan"
)

func TestProgressLine(t *testing.T) {
	load := taipan.Progress{Rows: 500_000, Bytes: 12_700_000, TotalBytes: 28_200_000}
	require.Equal(t, "[=========>          ]  45%  12.1 MB of 26.9 MB  500,000 rows  3s",
		progressLine(load, 3500*time.Millisecond, 200))
	query := taipan.Progress{Rows: 4_500_000, TotalRows: 10_000_000}
	require.Equal(t, "[=========>          ]  45%  4,500,000 of 10,000,000 rows scanned  12s",
		progressLine(query, 12*time.Second, 200))
	done := taipan.Progress{Rows: 7, TotalRows: 7}
	require.Equal(t, "[====================] 100%  7 of 7 rows scanned  1s", progressLine(done, time.Second, 200))
	require.Equal(t, "running  1,234 rows  2s", progressLine(taipan.Progress{Rows: 1234}, 2*time.Second, 200))
	require.Equal(t, "[=========>", progressLine(query, time.Second, 11), "cut to the terminal's width")
	require.Equal(t, "[>                   ]   0%  0 B of 1.0 KB  0 rows  0s", progressLine(taipan.Progress{TotalBytes: 1024}, 0, 200))
	require.Equal(t, "1,000,000", thousands(1_000_000))
	require.Equal(t, "-12,345", thousands(-12345))
	require.Equal(t, "999", thousands(999))
}

// lockedBuffer is a terminal stand-in written from the bar's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestProgressBarDrawsAfterItsDelayAndErasesItself(t *testing.T) {
	var term lockedBuffer
	ctx, bar := startProgress(context.Background(), &term, func() int { return 60 }, 20*time.Millisecond, 5*time.Millisecond)
	require.NotNil(t, ctx)
	require.Empty(t, term.String(), "nothing shows before the delay")
	// The engine reports through the context's callback.
	eng, err := taipan.Open()
	require.NoError(t, err)
	defer eng.Close()
	require.NoError(t, eng.Exec(context.Background(), "CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2), (3)"))
	rows, err := eng.Query(ctx, "SELECT count(*) FROM t")
	require.NoError(t, err)
	for rows.Next() {
	}
	rows.Close()
	require.Eventually(t, func() bool { return strings.Contains(term.String(), "3 of 3 rows scanned") }, 5*time.Second, 5*time.Millisecond)
	bar.stop()
	out := term.String()
	require.True(t, strings.HasSuffix(out, "\r\x1b[K"), "the bar is erased: %q", out)
	require.True(t, strings.HasPrefix(out, "\r[====================] 100%  3 of 3 rows scanned  0s\x1b[K"), "%q", out)
	for _, line := range strings.Split(out, "\r") {
		require.LessOrEqual(t, len(strings.TrimSuffix(line, "\x1b[K")), 59)
	}
	time.Sleep(20 * time.Millisecond)
	require.Equal(t, out, term.String(), "nothing is drawn after stop")
	bar.stop() // idempotent
}

func TestProgressBarOfAQuickStatementNeverShows(t *testing.T) {
	var term lockedBuffer
	_, bar := startProgress(context.Background(), &term, nil, time.Hour, time.Millisecond)
	bar.stop()
	require.Empty(t, term.String())
}

func TestOutputErasesTheBar(t *testing.T) {
	var term, stdout lockedBuffer
	sh := &shell{}
	_, sh.bar = startProgress(context.Background(), &term, nil, 0, time.Millisecond)
	require.Eventually(t, func() bool { return term.String() != "" }, 5*time.Second, time.Millisecond)
	guard := barGuard{w: &stdout, sh: sh}
	_, err := guard.Write([]byte("+---+\n"))
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(term.String(), "\r\x1b[K"))
	require.Nil(t, sh.bar)
	drawn := term.String()
	time.Sleep(10 * time.Millisecond)
	require.Equal(t, drawn, term.String())
	require.Equal(t, "+---+\n", stdout.String())
}
