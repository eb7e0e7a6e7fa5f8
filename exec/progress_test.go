package exec

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTableScanReportsProgress(t *testing.T) {
	withBatchSize(t, 3)
	scan := people.scan(t, "people", 1024)
	var rows, total, calls int64
	ctx := WithScanProgress(context.Background(), func(r, tot int64) {
		rows += r
		total += tot
		calls++
	})
	require.NoError(t, scan.Open(ctx))
	defer scan.Close()
	require.Equal(t, int64(len(people.rows)), total, "Open reports the snapshot's rows")
	require.Zero(t, rows)
	for {
		_, err := scan.Next(ctx)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
	require.Equal(t, int64(len(people.rows)), rows)
	require.Equal(t, int64(1+3), calls, "one call at Open, one per batch of 3, 3, 1")

	// A scan opened again counts its rows again.
	require.NoError(t, scan.Open(ctx))
	require.Equal(t, 2*int64(len(people.rows)), total)
}

func TestTableScanWithoutProgress(t *testing.T) {
	scan := people.scan(t, "people", 1024)
	require.NoError(t, scan.Open(context.Background()))
	defer scan.Close()
	_, err := scan.Next(context.Background())
	require.NoError(t, err)
}
