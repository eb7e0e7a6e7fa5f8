package taipan_test

// The SQL golden tests: files under testdata/sql in a sqllogictest-like
// format, run against a fresh engine per file and per batch size.
//
//	# name: joins/inner.test          (comments start with #)
//	statement ok
//	CREATE TABLE t (a INT)
//
//	statement error
//	SELECT * FROM nope
//	----
//	table "nope" does not exist       (a substring of the error)
//
//	query II rowsort                  (one letter a column; rowsort or nosort)
//	SELECT a, a + 1 FROM t
//	----
//	1	2                              (tab-separated; NULL as NULL)
//
// A record ends at a blank line. Each file runs on a fresh engine once per
// batch size (the engine's internal batches and
// python.fn-execution.arrow.batch.size alike) and per execution mode that
// its `# modes: process thread` header line lists (default: process). `go test -run TestSQL -rewrite` rewrites
// every query's expected rows (and error text) from what the engine
// returns, for a person to review as a diff.

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite expected results in testdata/sql from actual output")

// batchSizes are the internal batch sizes every file runs with.
var batchSizes = []int{1, 3, 1024}

type record struct {
	kind     string // statement or query
	expect   string // ok or error (statements)
	sortMode string // rowsort or nosort (queries)
	sql      string
	result   []string // expected lines after ----
	hasSep   bool
	line     int
	header   string
}

// parseTestFile reads a file's records and the execution modes it runs in:
// a header line `# modes: process thread` lists them (default: process).
func parseTestFile(t *testing.T, path string) (records []*record, modes []string) {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if rest, ok := strings.CutPrefix(l, "# modes:"); ok {
			modes = strings.Fields(rest)
		}
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		r := &record{kind: f[0], line: i + 1, header: l}
		switch f[0] {
		case "statement":
			require.Len(t, f, 2, "%s:%d: statement ok|error", path, i+1)
			r.expect = f[1]
		case "query":
			r.sortMode = "nosort"
			if len(f) > 2 {
				r.sortMode = f[2]
			}
		default:
			t.Fatalf("%s:%d: unknown record %q", path, i+1, l)
		}
		i++
		var sqlLines []string
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != "" && lines[i] != "----"; i++ {
			sqlLines = append(sqlLines, lines[i])
		}
		r.sql = strings.Join(sqlLines, "\n")
		if i < len(lines) && lines[i] == "----" {
			r.hasSep = true
			for i++; i < len(lines) && lines[i] != ""; i++ {
				r.result = append(r.result, lines[i])
			}
		}
		records = append(records, r)
	}
	if len(modes) == 0 {
		modes = []string{"process"}
	}
	return records, modes
}

func TestSQL(t *testing.T) {
	var files []string
	err := filepath.Walk("testdata/sql", func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".test") {
			files = append(files, p)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, path := range files {
		path := path
		t.Run(strings.TrimSuffix(strings.TrimPrefix(path, "testdata/sql/"), ".test"), func(t *testing.T) {
			records, modes := parseTestFile(t, path)
			sizes := batchSizes
			if *rewrite {
				sizes = sizes[len(sizes)-1:]
				modes = modes[:1]
			}
			for _, mode := range modes {
				for _, bs := range sizes {
					t.Run(fmt.Sprintf("%s/batch=%d", mode, bs), func(t *testing.T) {
						old := exec.BatchSize
						exec.BatchSize = bs
						defer func() { exec.BatchSize = old }()
						runRecords(t, path, mode, bs, records)
					})
				}
			}
			if *rewrite {
				writeTestFile(t, path, records)
			}
		})
	}
}

func runRecords(t *testing.T, path, mode string, batchSize int, records []*record) {
	eng, err := taipan.Open()
	require.NoError(t, err)
	defer eng.Close()
	ctx := context.Background()
	require.NoError(t, eng.Exec(ctx, fmt.Sprintf("SET python.execution-mode = %s; SET python.fn-execution.arrow.batch.size = %d", mode, batchSize)))
	for _, r := range records {
		where := fmt.Sprintf("%s:%d", path, r.line)
		rows, err := eng.Query(ctx, r.sql)
		var got []string
		if err == nil && r.kind == "query" {
			got, err = collect(rows)
		} else if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		switch {
		case r.kind == "statement" && r.expect == "ok":
			require.NoError(t, err, "%s: %s", where, r.sql)
		case r.kind == "statement":
			require.Error(t, err, "%s: expected an error from %s", where, r.sql)
			if *rewrite {
				r.result, r.hasSep = []string{err.Error()}, true
			} else if r.hasSep {
				require.Contains(t, err.Error(), strings.Join(r.result, "\n"), where)
			}
		default:
			if *rewrite && err != nil {
				t.Errorf("%s: %s: %v", where, r.sql, err) // keep going to rewrite the rest
				continue
			}
			require.NoError(t, err, "%s: %s", where, r.sql)
			if r.sortMode == "rowsort" {
				sort.Strings(got)
			}
			if *rewrite {
				r.result, r.hasSep = got, true
				continue
			}
			require.Equal(t, strings.Join(r.result, "\n"), strings.Join(got, "\n"), "%s: %s", where, r.sql)
		}
	}
}

func writeTestFile(t *testing.T, path string, records []*record) {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var out []string
	ri := 0
	for i := 0; i < len(lines); i++ {
		if ri < len(records) && i+1 == records[ri].line {
			r := records[ri]
			ri++
			out = append(out, r.header)
			out = append(out, strings.Split(r.sql, "\n")...)
			if r.hasSep {
				out = append(out, "----")
				out = append(out, r.result...)
			}
			// skip the old body up to the blank line
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			}
			if i < len(lines) {
				out = append(out, "")
			}
			continue
		}
		out = append(out, lines[i])
	}
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644))
}

func collect(rows *taipan.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		rec := rows.Record()
		cols := make([][]string, rec.NumCols())
		for c := range cols {
			cols[c] = formatColumn(rec.Column(c))
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			cells := make([]string, len(cols))
			for c := range cols {
				cells[c] = cols[c][i]
			}
			out = append(out, strings.Join(cells, "\t"))
		}
	}
	return out, rows.Err()
}

// formatColumn prints values the way the golden files hold them: floats
// to 10 significant digits, booleans as true/false, NULL as NULL, ARRAY as
// [a, b], MAP as {k: v}, ROW as {field: v}.
func formatColumn(a arrow.Array) []string {
	out := make([]string, a.Len())
	for i := range out {
		if a.IsNull(i) {
			out[i] = "NULL"
			continue
		}
		switch a := a.(type) {
		case *array.Boolean:
			out[i] = strconv.FormatBool(a.Value(i))
		case *array.Float64:
			out[i] = formatFloat(a.Value(i))
		case *array.Float32:
			out[i] = formatFloat(float64(a.Value(i)))
		case *array.Decimal128:
			out[i] = expr.FormatDecimal(a.Value(i), int(a.DataType().(*arrow.Decimal128Type).Scale))
		case *array.Binary:
			if out[i] = base64.StdEncoding.EncodeToString(a.Value(i)); out[i] == "" {
				out[i] = "(empty)"
			}
		case *array.String:
			if s := a.Value(i); s == "" {
				out[i] = "(empty)"
			} else {
				out[i] = strings.Clone(s) // outlives the record
			}
		case *array.Map:
			start, end := a.ValueOffsets(i)
			keys, items := formatSlice(a.Keys(), start, end), formatSlice(a.Items(), start, end)
			parts := make([]string, len(keys))
			for j := range keys {
				parts[j] = keys[j] + ": " + items[j]
			}
			out[i] = "{" + strings.Join(parts, ", ") + "}"
		case array.ListLike:
			start, end := a.ValueOffsets(i)
			out[i] = "[" + strings.Join(formatSlice(a.ListValues(), start, end), ", ") + "]"
		case *array.Struct:
			st := a.DataType().(*arrow.StructType)
			parts := make([]string, a.NumField())
			for k := range parts {
				parts[k] = st.Field(k).Name + ": " + formatSlice(a.Field(k), int64(i), int64(i+1))[0]
			}
			out[i] = "{" + strings.Join(parts, ", ") + "}"
		default:
			out[i] = expr.FormatValue(expr.ValueAt(a, i), mustType(a.DataType()))
		}
	}
	return out
}

// formatSlice formats rows start..end of a (the values inside a nested one).
func formatSlice(a arrow.Array, start, end int64) []string {
	sl := array.NewSlice(a, start, end)
	defer sl.Release()
	return formatColumn(sl)
}

func formatFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 10, 64)
}

func mustType(dt arrow.DataType) types.Type {
	t, err := types.FromArrow(dt)
	if err != nil {
		panic(err)
	}
	return t
}
