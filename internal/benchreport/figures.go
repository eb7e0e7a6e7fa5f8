package main

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// kindInfo is how the report names a kind of the benchmarks
// (bench_python_test.go's kind=... values), in the report's order.
var kinds = []struct{ Key, Title, Short string }{
	{"scalar", "general scalar `i + 1`", "scalar i+1"},
	{"pandas-scalar", "Pandas scalar `s + 1`", "Pandas s+1"},
	{"table", "table function, one row per input", "table fn"},
	{"aggregate", "general aggregate, sum", "aggregate sum"},
	{"pandas-aggregate", "Pandas aggregate `mean`", "Pandas mean"},
}

// throughputRow is one kind at one batch size.
type throughputRow struct {
	Kind, Title, Short string
	Batch              int     // python.fn-execution.arrow.batch.size
	Rows               int     // rows of the table
	BatchRows          float64 // largest batch that reached Python; 0 when not measured
	Process, Thread    float64 // rows/s; 0 when not measured
	Bare               float64 // the bare loop's rows/s
	BareRows           int     // rows of the bare loop
	BareBatch          int     // rows per Series of the bare loop (Pandas scalar)
	Fallback           string  // why THREAD runs this kind in PROCESS mode
	ProcessBench       string  // benchmark names, for profiles
	ThreadBench        string
}

// roundTrips are one 1-row batch there and back, in ns.
type roundTrips struct {
	Evaluator, SQL map[string]float64 // by mode: "process", "thread"
	SQLNoPython    float64
	// Floors are PROCESS mode's round trips without the engine, by path:
	// "floor-socket-ping", "floor-flight-echo".
	Floors map[string]float64
	Bench  map[string]string // "evaluator/thread" → benchmark name
}

// target is one of the goals the figures are held to.
type target struct {
	Name     string
	Measured float64
	Goal     float64
	AtLeast  bool   // the goal is a floor (ratios), else a ceiling (latencies)
	Unit     string // "" for ratios, "µs"
	Bench    string // the benchmark whose profile shows where its time goes
	Detail   string
}

// Score is how far the target is met: ≥ 1 met, below 1 missed by that
// factor.
func (t target) Score() float64 {
	if t.Measured <= 0 {
		return 0
	}
	if t.AtLeast {
		return t.Measured / t.Goal
	}
	return t.Goal / t.Measured
}

func (t target) Met() bool {
	if t.AtLeast {
		return t.Measured >= t.Goal
	}
	return t.Measured > 0 && t.Measured < t.Goal
}

type figures struct {
	Rows       []throughputRow
	RoundTrips roundTrips
	Targets    []target
}

// fallbackReason finds the reason EXPLAIN gives for running a call in
// PROCESS mode: the line's last parenthesis.
var fallbackReason = regexp.MustCompile(`\(([^()]*)\)[^()]*$`)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// collect arranges the benchmark results into the report's figures.
func collect(results []*result) (*figures, error) {
	f := &figures{RoundTrips: roundTrips{Evaluator: map[string]float64{}, SQL: map[string]float64{},
		Floors: map[string]float64{}, Bench: map[string]string{}}}
	batchRows := map[int]float64{}
	type key struct {
		kind  string
		batch int
	}
	rows := map[key]*throughputRow{}
	bare := map[key]*result{}
	var batches []int
	seenBatch := map[int]bool{}
	for _, r := range results {
		p := r.Params
		switch {
		case strings.HasPrefix(r.Name, "BenchmarkPythonRoundTrip/"):
			ns, ok := r.Metrics["ns/op"]
			if !ok {
				return nil, fmt.Errorf("%s reports no ns/op", r.Name)
			}
			switch {
			case p["path"] == "sql" && p["mode"] == "none":
				f.RoundTrips.SQLNoPython = ns
			case p["path"] == "sql":
				f.RoundTrips.SQL[p["mode"]] = ns
				f.RoundTrips.Bench["sql/"+p["mode"]] = r.Name
			case strings.HasPrefix(p["path"], "floor-"):
				f.RoundTrips.Floors[p["path"]] = ns
			case p["path"] == "evaluator":
				f.RoundTrips.Evaluator[p["mode"]] = ns
				f.RoundTrips.Bench["evaluator/"+p["mode"]] = r.Name
			}
		case strings.HasPrefix(r.Name, "BenchmarkPython/") && p["probe"] == "batch-rows":
			batchRows[atoi(p["batch"])] = r.Metrics["rows/batch"]
		case strings.HasPrefix(r.Name, "BenchmarkPython/") && p["kind"] != "":
			k := key{p["kind"], atoi(p["batch"])}
			if !seenBatch[k.batch] {
				seenBatch[k.batch] = true
				batches = append(batches, k.batch)
			}
			rate, ok := r.Metrics["rows/s"]
			if !ok {
				return nil, fmt.Errorf("%s reports no rows/s", r.Name)
			}
			if p["ref"] == "bare-loop" {
				bare[k] = r
				continue
			}
			row := rows[k]
			if row == nil {
				row = &throughputRow{Kind: k.kind, Batch: k.batch, Rows: atoi(p["rows"])}
				rows[k] = row
			}
			switch p["mode"] {
			case "process":
				row.Process, row.ProcessBench = rate, r.Name
				for _, l := range r.Logs {
					if m := fallbackReason.FindStringSubmatch(l); m != nil && strings.HasPrefix(l, "under THREAD:") &&
						strings.Contains(l, "PROCESS") {
						row.Fallback = m[1]
					}
				}
			case "thread":
				row.Thread, row.ThreadBench = rate, r.Name
			}
		}
	}
	sort.Ints(batches)
	order := map[string]int{}
	for i, k := range kinds {
		order[k.Key] = i
	}
	for k, row := range rows {
		row.BatchRows = batchRows[k.batch]
		row.Title, row.Short = k.kind, k.kind
		if i, ok := order[k.kind]; ok {
			row.Title, row.Short = kinds[i].Title, kinds[i].Short
		}
		// The bare loop of a kind whose function takes one value per
		// call does not depend on the batch size: it runs once.
		ref := bare[k]
		if ref == nil {
			for _, b := range batches {
				if r := bare[key{k.kind, b}]; r != nil && k.kind != "pandas-scalar" {
					ref = r
				}
			}
		}
		if ref != nil {
			row.Bare = ref.Metrics["rows/s"]
			row.BareRows = atoi(ref.Params["rows"])
			row.BareBatch = int(ref.Metrics["rows/batch"])
		}
		f.Rows = append(f.Rows, *row)
	}
	rank := func(kind string) int {
		if i, ok := order[kind]; ok {
			return i
		}
		return len(kinds)
	}
	sort.Slice(f.Rows, func(i, j int) bool {
		a, b := f.Rows[i], f.Rows[j]
		if ra, rb := rank(a.Kind), rank(b.Kind); ra != rb {
			return ra < rb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Batch < b.Batch
	})
	if len(f.Rows) == 0 {
		return nil, fmt.Errorf("no throughput benchmarks (BenchmarkPython/kind=...) in the output")
	}
	f.Targets = targets(f)
	return f, nil
}

// targets are issue 4's goals, measured at the largest batch size.
func targets(f *figures) []target {
	var ts []target
	largest := 0
	for _, r := range f.Rows {
		largest = max(largest, r.Batch)
	}
	for _, r := range f.Rows {
		if r.Batch != largest {
			continue
		}
		if r.Kind == "scalar" && r.Thread > 0 && r.Bare > 0 {
			ts = append(ts, target{Name: "THREAD scalar throughput / bare Python loop",
				Measured: r.Thread / r.Bare, Goal: 0.5, AtLeast: true, Bench: r.ThreadBench,
				Detail: fmt.Sprintf("%s vs %s rows/s, batch size %d", rate(r.Thread), rate(r.Bare), r.Batch)})
		}
		if r.Thread > 0 && r.Process > 0 {
			ts = append(ts, target{Name: fmt.Sprintf("PROCESS / THREAD at batch size %d, %s", r.Batch, r.Title),
				Measured: r.Process / r.Thread, Goal: 0.8, AtLeast: true, Bench: r.ProcessBench,
				Detail: fmt.Sprintf("%s vs %s rows/s", rate(r.Process), rate(r.Thread))})
		}
	}
	for _, m := range []struct {
		mode string
		goal float64
	}{{"thread", 10}, {"process", 100}} {
		if ns, ok := f.RoundTrips.Evaluator[m.mode]; ok {
			ts = append(ts, target{Name: fmt.Sprintf("1-row round trip, %s (udf.Evaluator)", strings.ToUpper(m.mode)),
				Measured: ns / 1e3, Goal: m.goal, Unit: "µs", Bench: f.RoundTrips.Bench["evaluator/"+m.mode],
				Detail: fmt.Sprintf("through SQL: %s", micros(f.RoundTrips.SQL[m.mode]))})
		}
	}
	return ts
}

// rate formats rows/s with an SI prefix: 4.49 M.
func rate(v float64) string {
	switch {
	case v <= 0:
		return "–"
	case v >= 1e9:
		return fmt.Sprintf("%.3g G", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.3g M", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3g k", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

// micros formats nanoseconds as microseconds.
func micros(ns float64) string {
	if ns <= 0 {
		return "–"
	}
	us := ns / 1e3
	if us >= 100 {
		return fmt.Sprintf("%.0f µs", us)
	}
	return fmt.Sprintf("%.3g µs", us)
}

// ratio formats a/b, or a dash when either is missing.
func ratio(a, b float64) string {
	if a <= 0 || b <= 0 || math.IsInf(a/b, 0) {
		return "–"
	}
	v := a / b
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	if v >= 0.01 {
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.1g", v)
}
