package taipan_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan"
	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/process"
	"github.com/taipandb/taipan/udf/thread"
	"github.com/taipandb/taipan/udf/udfpb"
)

// The Python function benchmarks. `make bench` runs them and turns their
// output into docs/bench/python.md and docs/bench/python.png
// (internal/benchreport); each figure stands beside its references,
// measured in the same run: the same Python function in a bare loop in one
// Python process, and the other execution mode.
//
// Benchmark names carry what the report needs:
//
//	BenchmarkPython/kind=scalar/mode=thread/batch=100/rows=1000000
//	BenchmarkPython/kind=scalar/ref=bare-loop/batch=100/rows=1000000
//	BenchmarkPythonRoundTrip/path=evaluator/mode=process
//
// and each reports rows/s (and, for the engine's runs, the rows per batch
// that reached Python).

const (
	pyBenchDir = "testdata/bench"
	// pyBenchRows is the table every kind runs over: BIGINT 0..rows-1.
	pyBenchRows = 1_000_000
	// pyBenchRowsBatch1 is the smaller table of batch size 1, where every
	// row is a round trip of its own.
	pyBenchRowsBatch1 = 20_000
)

// pyBenchBatchSizes are the values of python.fn-execution.arrow.batch.size.
var pyBenchBatchSizes = []int{1, 100, 10000}

// pyBenchKind is one kind of Python function: its SQL, the mode it runs in
// when THREAD is asked for, and the value its query must return.
type pyBenchKind struct {
	name  string // as in the benchmark names
	query string // %s is the table
	// thread is false for the kinds the planner runs in PROCESS mode even
	// when THREAD is asked for.
	thread bool
	// want is the sum (or the single value) of the result's first column
	// over rows 0..n-1.
	want func(n int64) float64
}

var pyBenchKinds = []pyBenchKind{
	{name: "scalar", query: "SELECT add_one(i) FROM %s", thread: true,
		want: func(n int64) float64 { return float64(n*(n-1)/2 + n) }},
	{name: "pandas-scalar", query: "SELECT padd_one(i) FROM %s",
		want: func(n int64) float64 { return float64(n*(n-1)/2 + n) }},
	{name: "table", query: "SELECT x FROM %s, LATERAL TABLE(echo_rows(i)) AS T(x)", thread: true,
		want: func(n int64) float64 { return float64(n * (n - 1) / 2) }},
	{name: "aggregate", query: "SELECT sum_py(i) FROM %s",
		want: func(n int64) float64 { return float64(n * (n - 1) / 2) }},
	{name: "pandas-aggregate", query: "SELECT mean_py(i) FROM %s",
		want: func(n int64) float64 { return float64(n-1) / 2 }},
}

// pyBenchFunctions are created once per engine from testdata/bench.
var pyBenchFunctions = []string{"add_one", "padd_one", "echo_rows", "sum_py", "mean_py", "batch_rows"}

// pyBenchRowsFor is the table size used at a batch size.
func pyBenchRowsFor(batch int) int {
	if batch == 1 {
		return pyBenchRowsBatch1
	}
	return pyBenchRows
}

// pyBenchEngine opens an engine with the benchmark functions and the
// tables n<rows> (i BIGINT 0..rows-1) for both table sizes, and one_row.
func pyBenchEngine(b *testing.B) *taipan.Engine {
	b.Helper()
	eng, err := taipan.Open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	script := fmt.Sprintf(`SET python.files = '%s';
		CREATE TABLE d (x BIGINT);
		INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
		CREATE TABLE n%d AS SELECT a.x + 10*b.x + 100*c.x + 1000*e.x + 10000*f.x + 100000*g.x AS i
			FROM d a, d b, d c, d e, d f, d g;
		CREATE TABLE n%d AS SELECT i FROM n%d WHERE i < %d;
		CREATE TABLE one_row (a BIGINT);
		INSERT INTO one_row VALUES (1);
		`, pyBenchDir, pyBenchRows, pyBenchRowsBatch1, pyBenchRows, pyBenchRowsBatch1)
	for _, f := range pyBenchFunctions {
		script += fmt.Sprintf("CREATE FUNCTION %s AS 'bench_functions.%s' LANGUAGE PYTHON;\n", f, f)
	}
	if err := eng.Exec(context.Background(), script); err != nil {
		b.Fatal(err)
	}
	return eng
}

// pyBenchSession is a session of eng in mode at a batch size.
func pyBenchSession(b *testing.B, eng *taipan.Engine, mode string, batch int) *taipan.Session {
	b.Helper()
	s := eng.NewSession()
	b.Cleanup(func() { s.Close() })
	for k, v := range map[string]string{
		"python.files":                         pyBenchDir,
		"python.execution-mode":                mode,
		"python.fn-execution.arrow.batch.size": strconv.Itoa(batch),
	} {
		if err := s.Set(k, v); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// pyBenchRun runs q and returns the sum of its first column's values and
// the row count.
func pyBenchRun(b *testing.B, s *taipan.Session, q string) (sum float64, n int64) {
	b.Helper()
	rows, err := s.Query(context.Background(), q)
	if err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		rec := rows.Record()
		n += rec.NumRows()
		switch col := rec.Column(0).(type) {
		case *array.Int64:
			for _, v := range col.Int64Values() {
				sum += float64(v)
			}
		case *array.Float64:
			for _, v := range col.Float64Values() {
				sum += v
			}
		default:
			b.Fatalf("%s: unexpected result type %s", q, col.DataType())
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	return sum, n
}

// pyBenchPlan is EXPLAIN q, one line per operator.
func pyBenchPlan(b *testing.B, s *taipan.Session, q string) string {
	b.Helper()
	rows, err := s.Query(context.Background(), "EXPLAIN "+q)
	if err != nil {
		b.Fatalf("EXPLAIN %s: %v", q, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		rec := rows.Record()
		for c := 0; c < int(rec.NumCols()); c++ {
			if col, ok := rec.Column(c).(*array.String); ok {
				for r := 0; r < col.Len(); r++ {
					lines = append(lines, col.Value(r))
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// pyBenchCheckMode fails unless every Python call of q runs in mode under
// session s, and returns the plan's line that names the mode.
func pyBenchCheckMode(b *testing.B, s *taipan.Session, q string, mode udf.Mode) string {
	b.Helper()
	other := udf.Thread
	if mode == udf.Thread {
		other = udf.Process
	}
	plan := pyBenchPlan(b, s, q)
	if !strings.Contains(plan, mode.String()) || strings.Contains(plan, other.String()) {
		b.Fatalf("%s does not run in %s mode:\n%s", q, mode, plan)
	}
	for _, l := range strings.Split(plan, "\n") {
		if strings.Contains(l, mode.String()) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// BenchmarkPython measures rows/s of each kind of Python function through
// SQL, in each mode and at each batch size, beside the bare loop.
func BenchmarkPython(b *testing.B) {
	eng := pyBenchEngine(b)
	// The rows per batch that reach Python at each batch size, measured
	// once (outside any clock): the Pandas bare loop takes Series of
	// that many rows.
	batchRows := map[int]int{}
	effective := func(b *testing.B, batch int) int {
		if n, ok := batchRows[batch]; ok {
			return n
		}
		s := pyBenchSession(b, eng, "process", batch)
		n := int(pyBenchBatchRows(b, s, fmt.Sprintf("n%d", pyBenchRowsFor(batch))))
		batchRows[batch] = n
		return n
	}
	for _, batch := range pyBenchBatchSizes {
		b.Run(fmt.Sprintf("probe=batch-rows/batch=%d/rows=%d", batch, pyBenchRowsFor(batch)), func(b *testing.B) {
			b.ReportMetric(float64(effective(b, batch)), "rows/batch")
		})
	}
	for _, kind := range pyBenchKinds {
		for _, batch := range pyBenchBatchSizes {
			rows := pyBenchRowsFor(batch)
			table := fmt.Sprintf("n%d", rows)
			q := fmt.Sprintf(kind.query, table)
			for _, mode := range []string{"process", "thread"} {
				if mode == "thread" && !kind.thread {
					continue
				}
				name := fmt.Sprintf("kind=%s/mode=%s/batch=%d/rows=%d", kind.name, mode, batch, rows)
				b.Run(name, func(b *testing.B) {
					s := pyBenchSession(b, eng, mode, batch)
					want := udf.Process
					if mode == "thread" {
						want = udf.Thread
					}
					pyBenchCheckMode(b, s, q, want)
					b.Logf("query: %s", fmt.Sprintf(kind.query, "t"))
					if !kind.thread {
						// Say why THREAD mode would not run this kind.
						line := pyBenchCheckMode(b, pyBenchSession(b, eng, "thread", batch), q, udf.Process)
						b.Logf("under THREAD: %s", line)
					}
					// Start the runtime and import the module outside the clock.
					pyBenchRun(b, s, fmt.Sprintf(kind.query, fmt.Sprintf("n%d", pyBenchRowsBatch1)))
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						sum, n := pyBenchRun(b, s, q)
						if want := kind.want(int64(rows)); math.Abs(sum-want) > 1e-9*math.Abs(want) {
							b.Fatalf("%s: result %v, want %v (%d rows)", q, sum, want, n)
						}
					}
					b.StopTimer()
					b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				})
			}
			if kind.name == "pandas-scalar" || batch == pyBenchBatchSizes[len(pyBenchBatchSizes)-1] {
				// The bare loop's figure depends on the batch size only when
				// the function takes a Series per batch.
				b.Run(fmt.Sprintf("kind=%s/ref=bare-loop/batch=%d/rows=%d", kind.name, batch, rows), func(b *testing.B) {
					pyBenchBareLoop(b, kind.name, rows, effective(b, batch))
				})
			}
		}
	}
}

// pyBenchBatchRows is the largest batch that reaches a Python function
// over table in session s: the batch size setting bounds it, and so do the
// batches of the operator below the Python call, which every kind cuts
// alike.
func pyBenchBatchRows(b *testing.B, s *taipan.Session, table string) float64 {
	sum, n := pyBenchRun(b, s, fmt.Sprintf("SELECT max(batch_rows(i)) FROM %s", table))
	if n != 1 {
		b.Fatalf("max(batch_rows(i)) gave %d rows", n)
	}
	return sum
}

// pyBenchBareLoop runs bare_loop.py: the kind's Python function called by
// plain Python over the same values, in one process of the venv's
// interpreter, and reports its best rows/s of three runs. batch is the
// rows per Series of the Pandas scalar kind: as many as the engine sends.
func pyBenchBareLoop(b *testing.B, kind string, rows, batch int) {
	best := 0.0
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(udf.DefaultExecutable(), "bare_loop.py", kind, strconv.Itoa(rows), strconv.Itoa(batch), "3")
		cmd.Dir = pyBenchDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		rate, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatalf("%s printed %q: %v", cmd, out, err)
		}
		best = max(best, rate)
	}
	b.ReportMetric(best, "rows/s")
}

// BenchmarkPythonRoundTrip measures one 1-row batch there and back: as
// SQL (SELECT add_one(a) FROM one_row, mostly SQL's own overheads, shown
// beside the same query without Python), directly through each mode's
// udf.Evaluator, and, as PROCESS mode's floors, between two Python
// processes without the engine.
func BenchmarkPythonRoundTrip(b *testing.B) {
	eng := pyBenchEngine(b)
	ctx := context.Background()
	for _, mode := range []string{"process", "thread"} {
		b.Run("path=sql/mode="+mode, func(b *testing.B) {
			s := pyBenchSession(b, eng, mode, 1)
			q := "SELECT add_one(a) FROM one_row"
			for i := 0; i < 100; i++ { // warm-up
				pyBenchRun(b, s, q)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if sum, _ := pyBenchRun(b, s, q); sum != 2 {
					b.Fatalf("%s gave %v", q, sum)
				}
			}
		})
	}
	b.Run("path=sql/mode=none", func(b *testing.B) {
		s := pyBenchSession(b, eng, "process", 1)
		q := "SELECT a + 1 FROM one_row"
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if sum, _ := pyBenchRun(b, s, q); sum != 2 {
				b.Fatalf("%s gave %v", q, sum)
			}
		}
	})

	// The floors under PROCESS mode's round trip on this machine, without
	// the engine: two Python processes ping-ponging 8 bytes, and a 1-row
	// batch through a pyarrow.flight echo server.
	for _, floor := range []struct {
		path, arg string
		n         int
	}{{"floor-socket-ping", "ping", 20000}, {"floor-flight-echo", "flight", 5000}} {
		b.Run("path="+floor.path+"/mode=process", func(b *testing.B) {
			best := math.Inf(1)
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(udf.DefaultExecutable(), "transport_floor.py", floor.arg, strconv.Itoa(floor.n))
				cmd.Dir = pyBenchDir
				cmd.Stderr = os.Stderr
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("%s: %v", cmd, err)
				}
				ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
				if err != nil {
					b.Fatalf("%s printed %q: %v", cmd, out, err)
				}
				best = min(best, ns)
			}
			b.ReportMetric(best, "ns/op")
		})
	}

	dir, err := filepath.Abs(pyBenchDir)
	if err != nil {
		b.Fatal(err)
	}
	env := udf.Env{Files: []string{dir}}
	op := &udfpb.Operation{
		Kind: udfpb.Operation_SCALAR,
		Functions: []*udfpb.Function{{Name: "add_one", Target: "bench_functions.add_one",
			ArgumentTypes: []string{"BIGINT"}, ResultTypes: []string{"BIGINT"}}},
		Calls: []*udfpb.Call{{Function: 0, Arguments: []*udfpb.Argument{
			{Source: &udfpb.Argument_Column{Column: 0}}}}},
	}
	bld := array.NewInt64Builder(memory.DefaultAllocator)
	bld.Append(1)
	col := bld.NewArray()
	bld.Release()
	in := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "a0", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil),
		[]arrow.Array{col}, 1)
	col.Release()
	defer in.Release()

	runtimes := []struct {
		mode string
		open func() (udf.Runtime, error)
	}{
		{"process", func() (udf.Runtime, error) { return process.New(process.Options{Workers: 1}), nil }},
		{"thread", func() (udf.Runtime, error) { return thread.New() }},
	}
	for _, rt := range runtimes {
		b.Run("path=evaluator/mode="+rt.mode, func(b *testing.B) {
			r, err := rt.open()
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			ev, err := r.Prepare(ctx, op, env)
			if err != nil {
				b.Fatal(err)
			}
			defer ev.Close()
			eval := func() {
				out, err := udf.Eval(ctx, ev, in)
				if err != nil {
					b.Fatal(err)
				}
				if v := out.Column(0).(*array.Int64).Value(0); v != 2 {
					b.Fatalf("add_one(1) = %d", v)
				}
				out.Release()
			}
			for i := 0; i < 100; i++ { // warm-up
				eval()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				eval()
			}
		})
	}
}
