package main

import (
	"fmt"
	"strings"
)

// markdown is the report page.
func markdown(f *figures, results []*result, config map[string]string, profiles []profileText) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	get := func(k string) string {
		if v := config[k]; v != "" {
			return v
		}
		return "unknown"
	}

	w("# Python functions in SQL: throughput and latency\n\n")
	w("Written by `%s` on %s from one run of the benchmarks; do not edit, rerun it.\n\n", get("command"), get("date"))
	w("- Machine: %s CPUs (nproc), %s, Linux %s; load average %s at the start, %s at the end\n",
		get("nproc"), get("cpu-model"), get("kernel"), get("loadavg-start"), get("loadavg-end"))
	w("  (anything else running on the machine competes with the engine and its Python workers).\n")
	w("- Software: %s; %s.\n", get("go-version"), get("python"))
	w("- Benchmarks: `%s` (the root package's `bench_python_test.go`; functions in\n", get("go-test"))
	w("  `testdata/bench/bench_functions.py`, bare loop in `testdata/bench/bare_loop.py`); raw output and\n")
	w("  profiles in `bin/bench/`. `make bench-report` rewrites this page from them.\n\n")
	w("![rows/s by kind, mode and batch size, and the 1-row round trip](python.png)\n\n")

	w("## Targets\n\n")
	w("| Target | Measured | Goal | Met | |\n|---|---:|---:|:---:|---|\n")
	for _, t := range f.Targets {
		op := "≥"
		if !t.AtLeast {
			op = "<"
		}
		met := "yes"
		if !t.Met() {
			met = fmt.Sprintf("**no** (%.2g× off)", 1/t.Score())
		}
		w("| %s | %s | %s %s | %s | %s |\n", t.Name, value(t.Measured, t.Unit), op, value(t.Goal, t.Unit), met, t.Detail)
	}
	w("\n")

	w("## Throughput by kind, mode and batch size\n\n")
	var small, large int
	for _, r := range f.Rows {
		if r.Batch == 1 {
			small = r.Rows
		} else {
			large = max(large, r.Rows)
		}
	}
	w("Rows/s of input rows over a table of BIGINT `i` = 0..n−1: n = %s", count(large))
	if small > 0 {
		w(", and n = %s at batch size 1, where every row travels as a batch of its own", count(small))
	}
	w(". Every query runs through the public API (`Session.Query`, every result record read and checked).\n\n")
	w("- **Batch size** is `python.fn-execution.arrow.batch.size`; in parentheses the largest batch that\n")
	w("  reached Python, measured by a Pandas function returning `len(s)`: the batches of the operator\n")
	w("  below the Python call bound it too.\n")
	w("- **PROCESS** and **THREAD** are `SET python.execution-mode`. Each is the other's reference.\n")
	w("- **Bare loop** is the same Python function called by plain Python over the same values, in one\n")
	w("  process of the venv's `python`, values built before the clock starts (best of 3): one call per\n")
	w("  value for the general kinds; for the Pandas scalar one `pd.Series` per batch of the size that\n")
	w("  reached Python; for the Pandas aggregate one call over a Series of all the values.\n\n")
	w("| Function | Batch size (reached Python) | PROCESS rows/s | THREAD rows/s | Bare loop rows/s | PROCESS / bare | THREAD / bare | PROCESS / THREAD |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	fallbacks := map[string]string{}
	var fallbackOrder []string
	for _, r := range f.Rows {
		batch := fmt.Sprintf("%d", r.Batch)
		if r.BatchRows > 0 {
			batch += fmt.Sprintf(" (%d)", int(r.BatchRows))
		}
		thread := rate(r.Thread)
		if r.Thread == 0 && r.Fallback != "" {
			thread = "falls back to PROCESS"
			if _, ok := fallbacks[r.Title]; !ok {
				fallbackOrder = append(fallbackOrder, r.Title)
			}
			fallbacks[r.Title] = r.Fallback
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Title, batch, rate(r.Process), thread, rate(r.Bare),
			ratio(r.Process, r.Bare), ratio(r.Thread, r.Bare), ratio(r.Process, r.Thread))
	}
	w("\n")
	if len(fallbackOrder) > 0 {
		parts := make([]string, len(fallbackOrder))
		for i, k := range fallbackOrder {
			parts[i] = fmt.Sprintf("%s, *%s*", k, fallbacks[k])
		}
		w("Under `SET python.execution-mode = 'thread'` the planner runs these kinds in PROCESS mode, and\n")
		w("EXPLAIN says why: %s. Their THREAD figures are PROCESS's.\n\n", strings.Join(parts, "; "))
	}
	if qs := queries(results); len(qs) > 0 {
		w("Queries (`t` is the table):\n\n")
		for _, q := range qs {
			w("- `%s`\n", q)
		}
		w("\n")
	}

	rt := f.RoundTrips
	w("## Round trip of a 1-row batch\n\n")
	w("| Path | PROCESS | THREAD | Goal |\n|---|---:|---:|---|\n")
	w("| `udf.Evaluator`: `Send` and `Receive` of one 1-row batch through a prepared `add_one` (`udf/process`, `udf/thread` runtimes directly) | %s | %s | < 100 µs, < 10 µs |\n",
		micros(rt.Evaluator["process"]), micros(rt.Evaluator["thread"]))
	w("| SQL `SELECT add_one(a) FROM one_row`: parse, plan, prepare the operation, run, read | %s | %s | |\n",
		micros(rt.SQL["process"]), micros(rt.SQL["thread"]))
	w("| SQL `SELECT a + 1 FROM one_row`, no Python: the SQL overheads alone | %s | %s | |\n",
		micros(rt.SQLNoPython), micros(rt.SQLNoPython))
	if ns, ok := rt.Floors["floor-socket-ping"]; ok {
		w("| Floor, no engine: 8 bytes there and back between two Python processes over a Unix socketpair | %s | | |\n", micros(ns))
	}
	if ns, ok := rt.Floors["floor-flight-echo"]; ok {
		w("| Floor, no engine: a 1-row batch through a `pyarrow.flight` DoExchange echo server, Python client, Unix socket | %s | | |\n", micros(ns))
	}
	w("\n")

	w("## Where the time goes\n\n")
	if len(profiles) == 0 {
		if len(missed(f.Targets)) == 0 {
			w("Every target is met.\n")
		} else {
			w("No profiles: run `make bench`.\n")
		}
		return b.String()
	}
	w("CPU profiles of the engine's process (Go, and THREAD mode's embedded Python as cgo) for each\n")
	w("target missed, furthest first. A PROCESS-mode profile does not show the workers' Python: their\n")
	w("time shows only as the engine waiting.\n\n")
	for _, p := range profiles {
		w("### %s: %s, goal %s %s\n\n", p.Target.Name, value(p.Target.Measured, p.Target.Unit),
			map[bool]string{true: "≥", false: "<"}[p.Target.AtLeast], value(p.Target.Goal, p.Target.Unit))
		w("`%s`\n\n```\n%s\n```\n\n", p.Command, p.Top)
	}
	return b.String()
}

// queries are the distinct queries the throughput benchmarks logged.
func queries(results []*result) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range results {
		for _, l := range r.Logs {
			if q, ok := strings.CutPrefix(l, "query: "); ok && !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
		}
	}
	return out
}

func value(v float64, unit string) string {
	if unit == "" {
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}

// count formats n with thousands separators.
func count(n int) string {
	s := fmt.Sprintf("%d", n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
