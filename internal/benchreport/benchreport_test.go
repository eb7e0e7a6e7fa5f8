package main

import (
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// sample is benchmark output as `go test -bench` prints it, with the
// configuration lines runBenchmarks adds.
const sample = `date: 2026-01-02 03:04 UTC
command: make bench
nproc: 2
cpu-model: Test CPU
goos: linux
BenchmarkPython/probe=batch-rows/batch=1/rows=20000-2         	       1	       700 ns/op	         1.000 rows/batch
BenchmarkPython/probe=batch-rows/batch=10000/rows=1000000-2   	       1	       700 ns/op	      4096 rows/batch
BenchmarkPython/kind=scalar/mode=process/batch=1/rows=20000-2 	       1	3738138355 ns/op	      5000 rows/s
--- BENCH: BenchmarkPython/kind=scalar/mode=process/batch=1/rows=20000-2
    bench_python_test.go:247: query: SELECT add_one(i) FROM t
BenchmarkPython/kind=scalar/mode=thread/batch=1/rows=20000-2  	       1	 556088442 ns/op	     30000 rows/s
BenchmarkPython/kind=scalar/mode=process/batch=10000/rows=1000000-2   	       1	 221842867 ns/op	   4000000 rows/s
BenchmarkPython/kind=scalar/mode=thread/batch=10000/rows=1000000-2    	       5	 150007203 ns/op	   8000000 rows/s
BenchmarkPython/kind=scalar/ref=bare-loop/batch=10000/rows=1000000-2  	       1	1243028370 ns/op	  10000000 rows/s
BenchmarkPython/kind=pandas-scalar/mode=process/batch=1/rows=20000-2  	       1	6556678478 ns/op	      3000 rows/s
--- BENCH: BenchmarkPython/kind=pandas-scalar/mode=process/batch=1/rows=20000-2
    bench_python_test.go:247: query: SELECT padd_one(i) FROM t
    bench_python_test.go:251: under THREAD: PythonCalc PROCESS calls=[padd_one(i)] (pandas functions run in PROCESS mode)
BenchmarkPython/kind=pandas-scalar/ref=bare-loop/batch=1/rows=20000-2 	       1	3632187463 ns/op	     30000 rows/s
BenchmarkPython/kind=pandas-scalar/mode=process/batch=10000/rows=1000000-2         	       1	  85897811 ns/op	  12000000 rows/s
--- BENCH: BenchmarkPython/kind=pandas-scalar/mode=process/batch=10000/rows=1000000-2
    bench_python_test.go:251: under THREAD: PythonCalc PROCESS calls=[padd_one(i)] (pandas functions run in PROCESS mode)
BenchmarkPython/kind=pandas-scalar/ref=bare-loop/batch=10000/rows=1000000-2      	       1	 739661908 ns/op	 300000000 rows/s
BenchmarkPythonRoundTrip/path=sql/mode=process-2                                 	    1194	   1034188 ns/op
BenchmarkPythonRoundTrip/path=sql/mode=thread-2                                  	    3162	    372428 ns/op
BenchmarkPythonRoundTrip/path=sql/mode=none-2                                    	   93405	     15517 ns/op
BenchmarkPythonRoundTrip/path=floor-socket-ping/mode=process-2                   	       2	     38462 ns/op
BenchmarkPythonRoundTrip/path=evaluator/mode=process-2                           	    3660	     90000 ns/op
BenchmarkPythonRoundTrip/path=evaluator/mode=thread-2                            	   51998	     21309 ns/op
PASS
ok  	github.com/taipandb/taipan	69.140s
loadavg-end: 1.00 2.00 3.00
`

func TestParseBench(t *testing.T) {
	results, err := parseBench(strings.NewReader(sample))
	require.NoError(t, err)
	require.Len(t, results, 17)
	r := results[2]
	require.Equal(t, "BenchmarkPython/kind=scalar/mode=process/batch=1/rows=20000", r.Name)
	require.Equal(t, map[string]string{"kind": "scalar", "mode": "process", "batch": "1", "rows": "20000"}, r.Params)
	require.Equal(t, 1, r.Iters)
	require.Equal(t, 5000.0, r.Metrics["rows/s"])
	require.Equal(t, 3738138355.0, r.Metrics["ns/op"])
	require.Equal(t, []string{"query: SELECT add_one(i) FROM t"}, r.Logs)
	require.Empty(t, results[3].Logs, "log lines belong to the benchmark their BENCH header names")

	config := parseConfig([]byte(sample))
	require.Equal(t, "Test CPU", config["cpu-model"])
	require.Equal(t, "1.00 2.00 3.00", config["loadavg-end"])
}

func TestParseBenchErrors(t *testing.T) {
	for name, text := range map[string]string{
		"failed":     "BenchmarkPython/kind=scalar-2  1  5 ns/op\n--- FAIL: BenchmarkPython/kind=table\n",
		"fail line":  "BenchmarkPython/kind=scalar-2  1  5 ns/op\nFAIL\n",
		"twice":      "BenchmarkA-2  1  5 ns/op\nBenchmarkA-2  1  6 ns/op\n",
		"odd metric": "BenchmarkA-2  1  5 ns/op 7\n",
		"bad value":  "BenchmarkA-2  1  five ns/op\n",
		"empty":      "PASS\n",
	} {
		_, err := parseBench(strings.NewReader(text))
		require.Error(t, err, name)
	}
}

func TestCollect(t *testing.T) {
	results, err := parseBench(strings.NewReader(sample))
	require.NoError(t, err)
	f, err := collect(results)
	require.NoError(t, err)

	var got []string
	for _, r := range f.Rows {
		got = append(got, r.Kind+"/"+itoa(r.Batch))
	}
	require.Equal(t, []string{"scalar/1", "scalar/10000", "pandas-scalar/1", "pandas-scalar/10000"}, got)

	s1, s10k, p1, p10k := f.Rows[0], f.Rows[1], f.Rows[2], f.Rows[3]
	// The general scalar's bare loop, measured once, stands beside every batch size.
	require.Equal(t, 10e6, s1.Bare)
	require.Equal(t, 10e6, s10k.Bare)
	require.Equal(t, 1_000_000, s1.BareRows)
	require.Equal(t, 20_000, s1.Rows)
	require.Equal(t, 4096.0, s10k.BatchRows)
	require.Equal(t, 8e6, s10k.Thread)
	require.Equal(t, 4e6, s10k.Process)
	require.Empty(t, s10k.Fallback)
	// The Pandas scalar's bare loop is per batch size.
	require.Equal(t, 30e3, p1.Bare)
	require.Equal(t, 300e6, p10k.Bare)
	require.Equal(t, "pandas functions run in PROCESS mode", p10k.Fallback)
	require.Zero(t, p10k.Thread)

	require.Equal(t, 90e3, f.RoundTrips.Evaluator["process"])
	require.Equal(t, 372428.0, f.RoundTrips.SQL["thread"])
	require.Equal(t, 15517.0, f.RoundTrips.SQLNoPython)
	require.Equal(t, 38462.0, f.RoundTrips.Floors["floor-socket-ping"])

	byName := map[string]target{}
	for _, tg := range f.Targets {
		byName[tg.Name] = tg
	}
	require.Len(t, byName, 4)
	bare := byName["THREAD scalar throughput / bare Python loop"]
	require.InDelta(t, 0.8, bare.Measured, 1e-12)
	require.True(t, bare.Met())
	vsThread := byName["PROCESS / THREAD at batch size 10000, general scalar `i + 1`"]
	require.InDelta(t, 0.5, vsThread.Measured, 1e-12)
	require.False(t, vsThread.Met())
	require.Equal(t, "BenchmarkPython/kind=scalar/mode=process/batch=10000/rows=1000000", vsThread.Bench)
	thread := byName["1-row round trip, THREAD (udf.Evaluator)"]
	require.InDelta(t, 21.309, thread.Measured, 1e-9)
	require.False(t, thread.Met())
	require.True(t, byName["1-row round trip, PROCESS (udf.Evaluator)"].Met())

	// Furthest from the goal first.
	m := missed(f.Targets)
	require.Len(t, m, 2)
	require.Equal(t, thread.Name, m[0].Name)
	require.Equal(t, vsThread.Name, m[1].Name)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestMarkdown(t *testing.T) {
	results, err := parseBench(strings.NewReader(sample))
	require.NoError(t, err)
	f, err := collect(results)
	require.NoError(t, err)
	md := markdown(f, results, parseConfig([]byte(sample)), []profileText{{
		Target: missed(f.Targets)[0], Command: "go tool pprof -top x", Top: "flat flat%\n1s 50% runtime.cgocall"}})
	for _, want := range []string{
		"Written by `make bench` on 2026-01-02 03:04 UTC",
		"2 CPUs (nproc), Test CPU",
		"| general scalar `i + 1` | 10000 (4096) | 4 M | 8 M | 10 M | 0.40 | 0.80 | 0.50 |",
		"| Pandas scalar `s + 1` | 1 (1) | 3 k | falls back to PROCESS | 30 k | 0.10 | – | – |",
		"*pandas functions run in PROCESS mode*",
		"| PROCESS / THREAD at batch size 10000, general scalar `i + 1` | 0.50 | ≥ 0.80 | **no** (1.6× off) |",
		"| 1-row round trip, PROCESS (udf.Evaluator) | 90 µs | < 100 µs | yes |",
		"- `SELECT add_one(i) FROM t`",
		"| 38.5 µs |",
		"runtime.cgocall",
		"n = 1,000,000, and n = 20,000 at batch size 1",
	} {
		require.Contains(t, md, want)
	}
}

func TestChart(t *testing.T) {
	results, err := parseBench(strings.NewReader(sample))
	require.NoError(t, err)
	f, err := collect(results)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "chart.png")
	require.NoError(t, writeChart(path, f, parseConfig([]byte(sample))))
	in, err := os.Open(path)
	require.NoError(t, err)
	defer in.Close()
	img, err := png.Decode(in)
	require.NoError(t, err)
	require.Equal(t, chartW, img.Bounds().Dx())
	seen := map[color.RGBA]int{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	for name, c := range map[string]color.RGBA{"PROCESS": processC, "THREAD": threadC, "bare loop": bareC,
		"fallback": fallbackC, "goal": goalC, "text": black} {
		require.Positive(t, seen[c], "no %s pixels", name)
	}
}

func TestTextWidthAndGlyphs(t *testing.T) {
	require.Equal(t, 0, textWidth("", 2))
	require.Equal(t, 10, textWidth("a", 2))
	require.Equal(t, 22, textWidth("ab", 2))
	// Every character the report draws has a glyph of its own.
	for _, r := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;()[]+-/=<>µ|%'_" {
		_, ok := glyphs[r]
		require.True(t, ok, "no glyph for %q", r)
	}
}

func TestRunFromSavedOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "python.txt")
	require.NoError(t, os.WriteFile(in, []byte(sample), 0o644))
	out := filepath.Join(dir, "docs")
	require.NoError(t, run(in, out, "", "", true))
	md, err := os.ReadFile(filepath.Join(out, "python.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "No profiles: run `make bench`.")
	_, err = os.Stat(filepath.Join(out, "python.png"))
	require.NoError(t, err)

	require.NoError(t, os.WriteFile(in, []byte("--- FAIL: BenchmarkPython\n"), 0o644))
	require.ErrorContains(t, run(in, filepath.Join(dir, "other"), "", "", false), "the benchmarks failed")
}

func TestBenchPattern(t *testing.T) {
	require.Equal(t, `^BenchmarkPython$/^kind=scalar$/^batch=10000$`, benchPattern("BenchmarkPython/kind=scalar/batch=10000"))
	require.Equal(t, `^a\.b$`, benchPattern("a.b"))
	require.Equal(t, "-bench '^B$' x", shellQuote([]string{"-bench", "^B$", "x"}))
}
