package taipan_test

import (
	"context"
	"testing"

	"github.com/taipandb/taipan"
)

// benchEngine returns an engine with table m of 1M rows: i BIGINT 0..999999,
// k = i % 1000, s = one of ten strings.
func benchEngine(b *testing.B) *taipan.Engine {
	b.Helper()
	eng, err := taipan.Open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	ctx := context.Background()
	err = eng.Exec(ctx, `CREATE TABLE d (x BIGINT);
		INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
		CREATE TABLE m AS SELECT a.x + 10*b.x + 100*c.x + 1000*e.x + 10000*f.x + 100000*g.x AS i,
			(a.x + 10*b.x + 100*c.x) AS k, concat('s', a.x) AS s
		FROM d a, d b, d c, d e, d f, d g`)
	if err != nil {
		b.Fatal(err)
	}
	return eng
}

func runQuery(b *testing.B, eng *taipan.Engine, q string) {
	b.Helper()
	rows, err := eng.Query(context.Background(), q)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
}

// The queries below run over 1M rows; rows/s is reported per query.
func benchmarkQuery(b *testing.B, q string) {
	eng := benchEngine(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runQuery(b, eng, q)
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkScanFilterAggregate(b *testing.B) {
	benchmarkQuery(b, "SELECT count(*), sum(i), avg(i) FROM m WHERE i % 3 = 0")
}

func BenchmarkGroupBy1000(b *testing.B) {
	benchmarkQuery(b, "SELECT k, count(*), sum(i) FROM m GROUP BY k")
}

func BenchmarkGroupByString(b *testing.B) {
	benchmarkQuery(b, "SELECT s, max(i) FROM m GROUP BY s")
}

func BenchmarkHashJoin(b *testing.B) {
	benchmarkQuery(b, "SELECT count(*) FROM m AS a JOIN m AS b ON a.i = b.i")
}

func BenchmarkSortLimit(b *testing.B) {
	benchmarkQuery(b, "SELECT i FROM m ORDER BY k DESC, i LIMIT 10")
}

func BenchmarkWindowRowNumber(b *testing.B) {
	benchmarkQuery(b, "SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY k ORDER BY i) AS rn FROM m) AS w WHERE rn = 1")
}
