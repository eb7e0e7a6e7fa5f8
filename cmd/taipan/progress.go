package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/taipandb/taipan"
)

// Progress bar timing: a statement shows a bar once it has run this long,
// redrawn at this interval.
const (
	progressDelay = time.Second
	progressEvery = 100 * time.Millisecond
)

// progressBar draws a running statement's progress on one terminal line
// (the shell's standard error) and erases it when the statement ends or
// its output begins, so that the bar never mixes with results.
type progressBar struct {
	w     io.Writer
	width func() int // the terminal's columns
	start time.Time
	quit  chan struct{}
	ended chan struct{}

	mu      sync.Mutex
	now     taipan.Progress
	drawn   bool
	stopped bool
}

// startProgress returns ctx reporting to a new bar, which draws itself
// every `every` once the statement has run for `delay`.
func startProgress(ctx context.Context, w io.Writer, width func() int, delay, every time.Duration) (context.Context, *progressBar) {
	b := &progressBar{w: w, width: width, start: time.Now(), quit: make(chan struct{}), ended: make(chan struct{})}
	go b.loop(delay, every)
	return taipan.WithProgress(ctx, b.note), b
}

// note keeps the engine's latest figures; drawing happens on the bar's
// own schedule so that the engine never waits for the terminal.
func (b *progressBar) note(p taipan.Progress) {
	b.mu.Lock()
	b.now = p
	b.mu.Unlock()
}

func (b *progressBar) loop(delay, every time.Duration) {
	defer close(b.ended)
	select {
	case <-time.After(delay):
	case <-b.quit:
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		b.draw()
		select {
		case <-tick.C:
		case <-b.quit:
			return
		}
	}
}

func (b *progressBar) draw() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return
	}
	width := 80
	if b.width != nil {
		if w := b.width(); w > 0 {
			width = w
		}
	}
	line := progressLine(b.now, time.Since(b.start), width-1)
	fmt.Fprint(b.w, "\r"+line+"\x1b[K")
	b.drawn = true
}

// stop erases the bar, if it was drawn, and ends its drawing. It is
// idempotent.
func (b *progressBar) stop() {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return
	}
	b.stopped = true
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
	b.mu.Unlock()
	close(b.quit)
	<-b.ended
}

// progressLine is the bar's text, at most width characters:
//
//	[=========>          ]  45%  12.1 MB of 26.9 MB  500,000 rows  3s
//	[=========>          ]  45%  4,500,000 of 10,000,000 rows scanned  3s
func progressLine(p taipan.Progress, elapsed time.Duration, width int) string {
	secs := fmt.Sprintf("%ds", int(elapsed.Seconds()))
	var done, total int64
	var what string
	switch {
	case p.TotalBytes > 0:
		done, total = p.Bytes, p.TotalBytes
		what = fmt.Sprintf("%s of %s  %s rows", bytesText(p.Bytes), bytesText(p.TotalBytes), thousands(p.Rows))
	case p.TotalRows > 0:
		done, total = p.Rows, p.TotalRows
		what = fmt.Sprintf("%s of %s rows scanned", thousands(p.Rows), thousands(p.TotalRows))
	default:
		line := fmt.Sprintf("running  %s rows  %s", thousands(p.Rows), secs)
		return cut(line, width)
	}
	frac := min(float64(done)/float64(total), 1)
	const cells = 20
	filled := int(frac * cells)
	bar := strings.Repeat("=", filled)
	if filled < cells {
		bar += ">" + strings.Repeat(" ", cells-filled-1)
	}
	return cut(fmt.Sprintf("[%s] %3d%%  %s  %s", bar, int(frac*100), what, secs), width)
}

func cut(s string, width int) string {
	if width > 0 && len(s) > width {
		return s[:width]
	}
	return s
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(c)
	}
	if neg {
		return "-" + out.String()
	}
	return out.String()
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// barGuard is the shell's standard output while a bar may be showing:
// the first write of a statement's output erases the bar for good.
type barGuard struct {
	w  io.Writer
	sh *shell
}

func (g barGuard) Write(p []byte) (int, error) {
	g.sh.stopProgress()
	return g.w.Write(p)
}
