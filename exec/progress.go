package exec

import "context"

// ScanProgress hears how far table scans have got: TableScan calls it with
// total > 0 when it opens (the rows of its snapshot, once per Open) and
// with rows > 0 as it returns each batch. It may be called from several
// goroutines at once when operators run concurrently.
type ScanProgress func(rows, total int64)

type scanProgressKey struct{}

// WithScanProgress returns a context whose table scans report to p.
func WithScanProgress(ctx context.Context, p ScanProgress) context.Context {
	return context.WithValue(ctx, scanProgressKey{}, p)
}

// scanProgressOf returns the ScanProgress carried by ctx, or nil.
func scanProgressOf(ctx context.Context) ScanProgress {
	p, _ := ctx.Value(scanProgressKey{}).(ScanProgress)
	return p
}
