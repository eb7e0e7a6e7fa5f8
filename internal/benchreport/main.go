// Command benchreport runs Taipan's Python function benchmarks
// (BenchmarkPython and BenchmarkPythonRoundTrip in the root package's
// bench_python_test.go) and writes their report: a Markdown page with the
// figures, their ratios and issue 4's targets, the CPU profiles of the
// targets missed, and a bar chart drawn with the standard image packages.
//
//	go run ./internal/benchreport                  # run, then write docs/bench/python.{md,png}
//	go run ./internal/benchreport -in bin/bench/python.txt   # rewrite from a saved run
//
// `make bench` runs it from the module's root with the environment the
// benchmarks need (the venv's interpreter in TAIPAN_PYTHON, THREAD mode's
// cgo flags). It reads the benchmarks' output only: it imports nothing of
// Taipan.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
)

// benchArgs select the benchmarks the report is made of; -count 1 keeps
// one line per benchmark.
var benchArgs = []string{"-run", "^$", "-bench", "^BenchmarkPython", "-count", "1", "-timeout", "30m"}

func main() {
	in := flag.String("in", "", "write the report from this saved output instead of running the benchmarks")
	out := flag.String("out", "docs/bench", "directory of python.md and python.png")
	raw := flag.String("raw", "bin/bench", "directory for the raw output, the test binary and the profiles")
	command := flag.String("command", "go run ./internal/benchreport", "the command recorded in the report")
	profile := flag.Bool("profile", true, "profile the benchmarks behind the targets missed")
	flag.Parse()
	if err := run(*in, *out, *raw, *command, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func goCommand() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

func run(in, out, raw, command string, profile bool) error {
	var output []byte
	if in != "" {
		b, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		output, raw = b, filepath.Dir(in)
	} else {
		if _, err := os.Stat("go.mod"); err != nil {
			return fmt.Errorf("run from the module's root (no go.mod here)")
		}
		if err := os.MkdirAll(raw, 0o755); err != nil {
			return err
		}
		var err error
		if output, err = runBenchmarks(raw, command); err != nil {
			return err
		}
	}
	config := parseConfig(output)
	results, err := parseBench(bytes.NewReader(output))
	if err != nil {
		return err
	}
	figs, err := collect(results)
	if err != nil {
		return err
	}
	var profiles []profileText
	if profile {
		if in == "" {
			if profiles, err = profileMissed(figs.Targets, raw); err != nil {
				return err
			}
		} else {
			profiles = savedProfiles(figs.Targets, raw)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	md := filepath.Join(out, "python.md")
	if err := os.WriteFile(md, []byte(markdown(figs, results, config, profiles)), 0o644); err != nil {
		return err
	}
	png := filepath.Join(out, "python.png")
	if err := writeChart(png, figs, config); err != nil {
		return err
	}
	fmt.Printf("wrote %s and %s\n", md, png)
	return nil
}

// runBenchmarks runs the benchmarks, echoing their output, and saves it
// in raw/python.txt preceded by the machine's description as
// configuration lines ("key: value", as benchstat reads them).
func runBenchmarks(raw, command string) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&buf, "command: %s\n", command)
	fmt.Fprintf(&buf, "go-test: %s test %s .\n", goCommand(), shellQuote(benchArgs))
	fmt.Fprintf(&buf, "nproc: %d\n", runtime.NumCPU())
	fmt.Fprintf(&buf, "cpu-model: %s\n", cpuModel())
	fmt.Fprintf(&buf, "kernel: %s\n", firstLine("/proc/sys/kernel/osrelease"))
	fmt.Fprintf(&buf, "go-version: %s\n", commandLine(goCommand(), "env", "GOVERSION"))
	fmt.Fprintf(&buf, "python: %s\n", pythonVersions())
	fmt.Fprintf(&buf, "loadavg-start: %s\n", loadAverage())
	fmt.Fprintf(os.Stderr, "running %s test %s .\n", goCommand(), shellQuote(benchArgs))
	cmd := exec.Command(goCommand(), append([]string{"test"}, append(benchArgs, ".")...)...)
	cmd.Stdout = io.MultiWriter(&buf, os.Stdout)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	fmt.Fprintf(&buf, "loadavg-end: %s\n", loadAverage())
	path := filepath.Join(raw, "python.txt")
	if werr := os.WriteFile(path, buf.Bytes(), 0o644); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return nil, fmt.Errorf("the benchmarks failed (%v); their output is in %s", err, path)
	}
	return buf.Bytes(), nil
}

var configLine = regexp.MustCompile(`^([a-z][a-z0-9-]*): (.*)$`)

// parseConfig reads the "key: value" lines of benchmark output.
func parseConfig(output []byte) map[string]string {
	config := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(output))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := configLine.FindStringSubmatch(sc.Text()); m != nil {
			config[m[1]] = m[2]
		}
	}
	return config
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAverage() string {
	f := strings.Fields(firstLine("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func firstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	l, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(l)
}

func commandLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// pythonVersions describes the interpreter the benchmarks use: the one
// udf.DefaultExecutable picks under `make bench`.
func pythonVersions() string {
	py := os.Getenv("TAIPAN_PYTHON")
	if py == "" {
		py = ".venv/bin/python"
	}
	v := commandLine(py, "-c", `import sys, pyarrow, pandas, numpy
print("CPython %s (%s), pyarrow %s, pandas %s, numpy %s" % (sys.version.split()[0], sys.executable,
    pyarrow.__version__, pandas.__version__, numpy.__version__))`)
	return v
}

// shellQuote joins args for a shell, quoting those that need it.
func shellQuote(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " $^*?'\"\\|&;<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// profileText is the CPU profile of the benchmark behind a missed target.
type profileText struct {
	Target  target
	Command string
	Top     string
}

// benchPattern is the -bench pattern that selects exactly the benchmark
// name.
func benchPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func profileFile(raw string, t target) string {
	slug := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(strings.TrimPrefix(t.Bench, "Benchmark"), "-")
	return filepath.Join(raw, "profile-"+strings.Trim(slug, "-")+".txt")
}

// missed are the targets not met that have a benchmark, the furthest
// from their goal first.
func missed(ts []target) []target {
	var out []target
	for _, t := range ts {
		if !t.Met() && t.Bench != "" {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score() < out[j].Score() })
	return out
}

// profileMissed reruns the benchmark behind each missed target under the
// CPU profiler and keeps `go tool pprof -top` of it. The benchmark runs
// long enough (-benchtime 3s) that the set-up before its clock starts
// weighs little in the profile.
func profileMissed(ts []target, raw string) ([]profileText, error) {
	todo := missed(ts)
	if len(todo) == 0 {
		return nil, nil
	}
	bin := filepath.Join(raw, "taipan.test")
	build := exec.Command(goCommand(), "test", "-c", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building the test binary for profiles: %w", err)
	}
	var out []profileText
	for _, t := range todo {
		prof := strings.TrimSuffix(profileFile(raw, t), ".txt") + ".prof"
		args := []string{"-test.run", "^$", "-test.bench", benchPattern(t.Bench), "-test.benchtime", "3s",
			"-test.cpuprofile", prof}
		fmt.Fprintf(os.Stderr, "profiling %s\n", t.Bench)
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("profiling %s: %w", t.Bench, err)
		}
		top, err := exec.Command(goCommand(), "tool", "pprof", "-top", "-nodecount=25", bin, prof).Output()
		if err != nil {
			return nil, fmt.Errorf("go tool pprof -top %s: %w", prof, err)
		}
		p := profileText{Target: t,
			Command: fmt.Sprintf("go test -c -o %s . && %s %s && go tool pprof -top -nodecount=25 %s %s",
				bin, bin, shellQuote(args), bin, prof),
			Top: strings.TrimRight(string(top), "\n")}
		if err := os.WriteFile(profileFile(raw, t), []byte(p.Command+"\n"+p.Top+"\n"), 0o644); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// savedProfiles reads the profiles an earlier run left in raw.
func savedProfiles(ts []target, raw string) []profileText {
	var out []profileText
	for _, t := range missed(ts) {
		b, err := os.ReadFile(profileFile(raw, t))
		if err != nil {
			continue
		}
		cmd, top, _ := strings.Cut(string(b), "\n")
		out = append(out, profileText{Target: t, Command: cmd, Top: strings.TrimRight(top, "\n")})
	}
	return out
}
