package taipan

import (
	"context"
	"sync"

	"github.com/taipandb/taipan/exec"
)

// Progress is how far the statements run with a context have got; see
// WithProgress.
type Progress struct {
	// Rows is the rows loaded from files (LOAD DATA) plus the rows read
	// from tables (queries, INSERT ... SELECT, SELECT ... INTO OUTFILE).
	Rows int64
	// TotalRows is the rows the table scans opened so far will read in
	// all: Rows/TotalRows is a query's share done. 0 for LOAD DATA.
	TotalRows int64
	// Bytes is the bytes of the loaded files read so far, TotalBytes
	// their sizes (LOAD DATA only).
	Bytes, TotalBytes int64
}

type progressKey struct{}

// progressTracker adds up what a context's statements report and passes
// the sums on, one call at a time.
type progressTracker struct {
	mu     sync.Mutex
	now    Progress
	report func(Progress)
}

func (t *progressTracker) add(d Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now.Rows += d.Rows
	t.now.TotalRows += d.TotalRows
	t.now.Bytes += d.Bytes
	t.now.TotalBytes += d.TotalBytes
	t.report(t.now)
}

// WithProgress returns a context under which statements report how far
// they have got to report: LOAD DATA after each batch of rows it reads,
// queries after each batch a table scan reads. The figures add up over
// every statement run with the context, so give each statement its own
// for figures of that statement alone. report is called with the engine's
// work waiting, one call at a time: it should only note the figures (a
// display draws them on its own schedule).
func WithProgress(ctx context.Context, report func(Progress)) context.Context {
	t := &progressTracker{report: report}
	ctx = context.WithValue(ctx, progressKey{}, t)
	return exec.WithScanProgress(ctx, func(rows, total int64) {
		t.add(Progress{Rows: rows, TotalRows: total})
	})
}

// progressOf returns the tracker of ctx, or nil.
func progressOf(ctx context.Context) *progressTracker {
	t, _ := ctx.Value(progressKey{}).(*progressTracker)
	return t
}
