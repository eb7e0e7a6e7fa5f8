package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// result is one benchmark's line of `go test -bench` output and the lines
// it logged.
type result struct {
	Name    string            // without the -GOMAXPROCS suffix
	Params  map[string]string // the name's key=value parts
	Iters   int
	Metrics map[string]float64 // by unit: "ns/op", "rows/s", "rows/batch"
	Logs    []string
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads `go test -bench` output. A FAIL line is an error: a
// report of a failed run would show figures that were never measured.
func parseBench(r io.Reader) ([]*result, error) {
	var results []*result
	byName := map[string]*result{}
	var logging *result // the benchmark whose log lines follow
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		switch {
		case strings.HasPrefix(text, "--- FAIL") || text == "FAIL" || strings.HasPrefix(text, "FAIL\t"):
			return nil, fmt.Errorf("line %d: the benchmarks failed: %s", line, text)
		case strings.HasPrefix(text, "--- BENCH: "):
			name := procsSuffix.ReplaceAllString(strings.TrimSpace(strings.TrimPrefix(text, "--- BENCH: ")), "")
			logging = byName[name]
		case strings.HasPrefix(text, "    ") && logging != nil:
			msg := strings.TrimSpace(text)
			// Drop the file:line: prefix of t.Log.
			if i := strings.Index(msg, ": "); i > 0 && strings.Contains(msg[:i], ".go:") {
				msg = msg[i+2:]
			}
			logging.Logs = append(logging.Logs, msg)
		case strings.HasPrefix(text, "Benchmark"):
			logging = nil
			res, err := parseResultLine(text)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			if res == nil {
				continue // a name printed before its result, as -v does
			}
			if old := byName[res.Name]; old != nil {
				return nil, fmt.Errorf("line %d: %s appears twice (run the benchmarks with -count 1)", line, res.Name)
			}
			byName[res.Name] = res
			results = append(results, res)
		default:
			logging = nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("no benchmark results in the output")
	}
	return results, nil
}

// parseResultLine reads "BenchmarkX/a=1-2  3  400 ns/op  5 rows/s"; it
// returns nil for a line that holds only a name.
func parseResultLine(text string) (*result, error) {
	fields := strings.Fields(text)
	if len(fields) < 2 {
		return nil, nil
	}
	iters, err := strconv.Atoi(fields[1])
	if err != nil {
		return nil, nil
	}
	res := &result{
		Name:    procsSuffix.ReplaceAllString(fields[0], ""),
		Params:  map[string]string{},
		Iters:   iters,
		Metrics: map[string]float64{},
	}
	for _, part := range strings.Split(res.Name, "/")[1:] {
		if k, v, ok := strings.Cut(part, "="); ok {
			res.Params[k] = v
		}
	}
	rest := fields[2:]
	if len(rest)%2 != 0 {
		return nil, fmt.Errorf("%s: metrics are not value-unit pairs: %q", res.Name, strings.Join(rest, " "))
	}
	for i := 0; i < len(rest); i += 2 {
		v, err := strconv.ParseFloat(rest[i], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: metric %q is not a number", res.Name, rest[i])
		}
		res.Metrics[rest[i+1]] = v
	}
	return res, nil
}
