package planner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/process"
)

// funcsModule is a function module written the way PyFlink users write
// them, with Taipan's imports.
const funcsModule = `
from taipan import DataTypes, Row
from taipan.udf import udf, udtf, udaf, AggregateFunction

@udf(result_type=DataTypes.BIGINT(), input_types=[DataTypes.BIGINT()])
def add_one(i):
    return None if i is None else i + 1

@udf(result_type='BOOLEAN', input_types=['BIGINT'])
def is_even(i):
    return None if i is None else i % 2 == 0

@udf(result_type='STRING', input_types=['STRING'])
def upper_py(s):
    return None if s is None else s.upper()

@udf(result_type='DOUBLE', func_type='pandas', input_types=['DOUBLE', 'DOUBLE'])
def padd(a, b):
    return a + b

@udf(result_type='INT')
def bad_type(i):
    return 'not a number'

@udtf(result_types=['STRING', 'INT'], input_types=['STRING'])
def split(s):
    if s is None:
        return
    for w in s.split(' '):
        yield w, len(w)

class WeightedAvg(AggregateFunction):
    def create_accumulator(self):
        return Row(0, 0)
    def accumulate(self, acc, v, w):
        if v is not None and w is not None:
            acc[0] += v * w
            acc[1] += w
    def get_value(self, acc):
        return None if acc[1] == 0 else acc[0] / acc[1]

weighted_avg = udaf(WeightedAvg(), result_type='DOUBLE', accumulator_type='ROW<f0 BIGINT, f1 BIGINT>',
                    input_types=['BIGINT', 'BIGINT'])

@udaf(result_type='DOUBLE', func_type='pandas', input_types=['DOUBLE'])
def mean_udaf(v):
    return v.mean()
`

// pythonRuntime starts a PROCESS runtime over the set-up's interpreter, or
// skips the test when that interpreter has no taipan package (run make
// build).
func pythonRuntime(t *testing.T) *process.Runtime {
	t.Helper()
	py := udf.DefaultExecutable()
	if err := exec.Command(py, "-c", "import taipan.worker").Run(); err != nil {
		t.Skipf("%s cannot import taipan (run make build): %v", py, err)
	}
	rt := process.New(process.Options{})
	t.Cleanup(func() { rt.Close() })
	return rt
}

// e2eCatalog registers funcsModule's functions through the runtime, as
// CREATE FUNCTION does.
func e2eCatalog(t *testing.T, rt udf.Runtime) (*catalog.Catalog, string) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "funcs.py"), []byte(funcsModule), 0o644))
	cat := testCatalog(t)
	env := udf.Env{Files: []string{dir}}
	for _, name := range []string{"add_one", "is_even", "upper_py", "padd", "bad_type", "split", "weighted_avg", "mean_udaf"} {
		sig, err := rt.Describe(context.Background(), "funcs."+name, env)
		require.NoError(t, err, name)
		f, err := catalog.NewPythonFunction(name, "funcs."+name, sig)
		require.NoError(t, err, name)
		require.NoError(t, cat.AddFunction(f, false))
	}
	return cat, dir
}

func e2eQuery(t *testing.T, cat *catalog.Catalog, rt udf.Runtime, dir string, batch int, sql string) []string {
	t.Helper()
	s := catalog.NewSettings()
	require.NoError(t, s.Set(catalog.PythonFilesKey, dir))
	require.NoError(t, s.Set(catalog.BatchSizeKey, fmt.Sprint(batch)))
	p := New(cat, s)
	p.Runtime = func(udf.Mode) (udf.Runtime, error) { return rt, nil }
	plan, err := p.PlanQuery(parse(t, sql).(ast.ResultSetNode))
	require.NoError(t, err, sql)
	return drain(t, plan.Root)
}

func e2eError(t *testing.T, cat *catalog.Catalog, rt udf.Runtime, dir string, sql string) error {
	t.Helper()
	s := catalog.NewSettings()
	require.NoError(t, s.Set(catalog.PythonFilesKey, dir))
	p := New(cat, s)
	p.Runtime = func(udf.Mode) (udf.Runtime, error) { return rt, nil }
	plan, err := p.PlanQuery(parse(t, sql).(ast.ResultSetNode))
	require.NoError(t, err, sql)
	ctx := context.Background()
	defer plan.Root.Close()
	if err := plan.Root.Open(ctx); err != nil {
		return err
	}
	for {
		if _, err := plan.Root.Next(ctx); err != nil {
			return err
		}
	}
}

// TestPythonEndToEnd runs queries of every kind through real workers,
// over Python batches of 1, 3 and 1024 rows. t holds NULLs in every
// column; empty has no rows.
func TestPythonEndToEnd(t *testing.T) {
	rt := pythonRuntime(t)
	cat, dir := e2eCatalog(t, rt)
	cases := []struct {
		sql  string
		want []string
	}{
		{"SELECT a, add_one(a), add_one(add_one(a)) + 1 FROM t", []string{
			"1|2|4", "2|3|5", "3|4|6", "NULL|NULL|NULL", "2|3|5"}},
		{"SELECT a FROM t WHERE is_even(a) ORDER BY add_one(a) DESC, a", []string{"2", "2"}},
		{"SELECT upper_py(b), padd(c, c) FROM t", []string{
			"X|3", "Y|NULL", "NULL|7", "X|9", "X|5"}},
		{"SELECT add_one(a) AS k, count(*) FROM t GROUP BY add_one(a) ORDER BY k", []string{
			"NULL|1", "2|1", "3|2", "4|1"}},
		{"SELECT t.a, u.name FROM t JOIN u ON add_one(t.a) = u.a + 1 ORDER BY u.name", []string{
			"2|deux", "2|deux", "1|one", "2|two", "2|two"}},
		{"SELECT add_one(a) FROM empty", nil},
		{"SELECT a, word, n FROM t, LATERAL (SELECT `split`(concat(b, ' ', b))) AS T(word, n) ORDER BY a, word", []string{
			"NULL|x|1", "NULL|x|1", "1|x|1", "1|x|1", "2|x|1", "2|x|1", "2|y|1", "2|y|1"}},
		{"SELECT a, word FROM t LEFT JOIN LATERAL (SELECT `split`(b)) AS T(word, n) ON TRUE ORDER BY a, word", []string{
			"NULL|x", "1|x", "2|x", "2|y", "3|NULL"}},
		{"SELECT b, weighted_avg(a, 2), mean_udaf(c), count(*) FROM t GROUP BY b ORDER BY b", []string{
			"NULL|3|3.5|1", "x|1.5|2.8333333333333335|3", "y|2|NULL|1"}},
		{"SELECT weighted_avg(a, a), mean_udaf(c) FROM t", []string{"2.25|3"}},
		{"SELECT weighted_avg(a, a), count(*) FROM empty", []string{"NULL|0"}},
		{"SELECT a, json_objectagg('taipan.over', mean_udaf(c)) OVER (ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t ORDER BY c", []string{
			"2|NULL", "1|1.5", "2|2", "3|3", "NULL|4"}},
	}
	for _, batch := range []int{1, 3, 1024} {
		for _, c := range cases {
			got := e2eQuery(t, cat, rt, dir, batch, c.sql)
			if !strings.Contains(c.sql, "ORDER BY") {
				got, c.want = sorted(got), sorted(c.want)
			}
			require.Equal(t, c.want, got, "batch %d: %s", batch, c.sql)
		}
	}

	err := e2eError(t, cat, rt, dir, "SELECT bad_type(a) FROM t")
	require.ErrorContains(t, err, "bad_type")
	require.ErrorContains(t, err, "not a number")
}
