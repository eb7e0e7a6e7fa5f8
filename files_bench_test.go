package taipan_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan"
)

const benchFileRows = 1_000_000

const benchFileTable = "(id BIGINT, name TEXT, price DECIMAL(10,2), day DATE, at TIMESTAMP(6))"

// writeBenchCSV writes a 1M-row CSV of five columns of different types.
func writeBenchCSV(b *testing.B, path string) int64 {
	b.Helper()
	f, err := os.Create(path)
	require.NoError(b, err)
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id,name,price,day,at")
	for i := 0; i < benchFileRows; i++ {
		fmt.Fprintf(w, "%d,name %d,%d.%02d,2024-%02d-%02d,2024-01-02 03:04:%02d.%06d\n",
			i, i%1000, i%100000, i%100, i%12+1, i%28+1, i%60, i%1000000)
	}
	require.NoError(b, w.Flush())
	st, err := f.Stat()
	require.NoError(b, err)
	require.NoError(b, f.Close())
	return st.Size()
}

func benchLoad(b *testing.B, path string, clause string, size int64) {
	eng, err := taipan.Open()
	require.NoError(b, err)
	defer eng.Close()
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		require.NoError(b, eng.Exec(ctx, "DROP TABLE IF EXISTS t; CREATE TABLE t "+benchFileTable))
		rows, err := eng.Query(ctx, "LOAD DATA INFILE "+sq(path)+" INTO TABLE t"+clause)
		require.NoError(b, err)
		require.EqualValues(b, benchFileRows, rows.RowsAffected())
		rows.Close()
	}
	b.ReportMetric(float64(benchFileRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLoadDataCSV loads a 1M-row CSV of BIGINT, TEXT, DECIMAL, DATE
// and TIMESTAMP columns.
func BenchmarkLoadDataCSV(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.csv")
	size := writeBenchCSV(b, path)
	benchLoad(b, path, " IGNORE 1 LINES", size)
}

// BenchmarkLoadDataParquet loads the same rows from Parquet.
func BenchmarkLoadDataParquet(b *testing.B) {
	dir := b.TempDir()
	csvPath, pqPath := filepath.Join(dir, "bench.csv"), filepath.Join(dir, "bench.parquet")
	writeBenchCSV(b, csvPath)
	eng, err := taipan.Open()
	require.NoError(b, err)
	require.NoError(b, eng.Exec(context.Background(), "CREATE TABLE t "+benchFileTable+"; LOAD DATA INFILE "+sq(csvPath)+
		" INTO TABLE t IGNORE 1 LINES; SELECT * FROM t INTO OUTFILE "+sq(pqPath)))
	eng.Close()
	st, err := os.Stat(pqPath)
	require.NoError(b, err)
	benchLoad(b, pqPath, "", st.Size())
}

// BenchmarkOutfile writes a 1M-row table to CSV and to Parquet.
func BenchmarkOutfile(b *testing.B) {
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "bench.csv")
	writeBenchCSV(b, csvPath)
	eng, err := taipan.Open()
	require.NoError(b, err)
	defer eng.Close()
	ctx := context.Background()
	require.NoError(b, eng.Exec(ctx, "CREATE TABLE t "+benchFileTable+"; LOAD DATA INFILE "+sq(csvPath)+" INTO TABLE t IGNORE 1 LINES"))
	for _, ext := range []string{".csv", ".parquet"} {
		b.Run(ext[1:], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				out := filepath.Join(dir, fmt.Sprintf("out%d%s", i, ext))
				require.NoError(b, eng.Exec(ctx, "SELECT * FROM t INTO OUTFILE "+sq(out)))
				b.StopTimer()
				require.NoError(b, os.Remove(out))
				b.StartTimer()
			}
			b.ReportMetric(float64(benchFileRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
