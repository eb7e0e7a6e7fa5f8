package planner

import (
	"context"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/udf/udfpb"
)

// pyFunc registers a Python function entry as CREATE FUNCTION would,
// from a hand-made signature: no Python runs in these tests.
type pyFunc struct {
	name     string
	kind     udfpb.FunctionSignature_Kind
	pandas   bool
	inputs   []string // nil: not declared
	results  []string
	volatile bool
}

func addPython(t *testing.T, cat *catalog.Catalog, fs ...pyFunc) {
	t.Helper()
	for _, f := range fs {
		sig := &udfpb.FunctionSignature{
			Name:               f.name,
			Kind:               f.kind,
			InputTypesDeclared: f.inputs != nil,
			InputTypes:         f.inputs,
			ResultTypes:        f.results,
			Deterministic:      !f.volatile,
			MinArguments:       0,
			MaxArguments:       -1,
		}
		if f.pandas {
			sig.FuncType = udfpb.Function_PANDAS
		}
		pf, err := catalog.NewPythonFunction(f.name, "funcs."+f.name, sig)
		require.NoError(t, err)
		require.NoError(t, cat.AddFunction(pf, false))
	}
}

const (
	scalarKind = udfpb.FunctionSignature_SCALAR
	tableKind  = udfpb.FunctionSignature_TABLE
	aggKind    = udfpb.FunctionSignature_AGGREGATE
)

// pythonCatalog is testCatalog with Python functions:
//
//	add_one(BIGINT) -> BIGINT, is_even(BIGINT) -> BOOLEAN, upper_py(STRING) -> STRING
//	padd(DOUBLE, DOUBLE) -> DOUBLE (pandas), anyf(...) -> BIGINT (no declared inputs)
//	split(STRING) -> (STRING, INT) table, weighted_avg(BIGINT, BIGINT) -> DOUBLE aggregate,
//	mean_udaf(DOUBLE) -> DOUBLE pandas aggregate
func pythonCatalog(t *testing.T) *catalog.Catalog {
	cat := testCatalog(t)
	addPython(t, cat,
		pyFunc{name: "add_one", kind: scalarKind, inputs: []string{"BIGINT"}, results: []string{"BIGINT"}},
		pyFunc{name: "is_even", kind: scalarKind, inputs: []string{"BIGINT"}, results: []string{"BOOLEAN"}},
		pyFunc{name: "upper_py", kind: scalarKind, inputs: []string{"STRING"}, results: []string{"STRING"}},
		pyFunc{name: "padd", kind: scalarKind, pandas: true, inputs: []string{"DOUBLE", "DOUBLE"}, results: []string{"DOUBLE"}},
		pyFunc{name: "anyf", kind: scalarKind, results: []string{"BIGINT"}},
		pyFunc{name: "rnd", kind: scalarKind, results: []string{"DOUBLE"}, volatile: true},
		pyFunc{name: "split", kind: tableKind, inputs: []string{"STRING"}, results: []string{"STRING", "INT"}},
		pyFunc{name: "weighted_avg", kind: aggKind, inputs: []string{"BIGINT", "BIGINT"}, results: []string{"DOUBLE"}},
		pyFunc{name: "mean_udaf", kind: aggKind, pandas: true, inputs: []string{"DOUBLE"}, results: []string{"DOUBLE"}},
	)
	return cat
}

func explainMode(t *testing.T, cat *catalog.Catalog, mode, sql string) []string {
	t.Helper()
	s := catalog.NewSettings()
	require.NoError(t, s.Set(catalog.ExecutionModeKey, mode))
	plan, err := New(cat, s).PlanQuery(parse(t, sql).(ast.ResultSetNode))
	require.NoError(t, err, sql)
	lines := Explain(plan.Root)
	checkModeLines(t, lines)
	return lines
}

// checkModeLines holds EXPLAIN to SPEC.md: a line that names a Python
// call says exactly one of THREAD and PROCESS.
func checkModeLines(t *testing.T, lines []string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(l, "Python") && !strings.Contains(l, "THREAD") && !strings.Contains(l, "PROCESS") {
			continue
		}
		th, pr := strings.Contains(l, "THREAD"), strings.Contains(l, "PROCESS")
		require.True(t, th != pr, "line %q must say exactly one of THREAD and PROCESS", l)
	}
}

func trimmed(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

func TestPythonScalarBinding(t *testing.T) {
	cat := pythonCatalog(t)
	// a BIGINT passes as it is; c DOUBLE converts implicitly to BIGINT;
	// a constant string converts to STRING.
	lines := explainMode(t, cat, "process", "SELECT add_one(c), upper_py('x'), anyf(e) FROM t")
	require.Equal(t, []string{
		"Project add_one(c), upper_py('x'), anyf(e)",
		"PythonCalc PROCESS calls=[add_one(CAST(c AS BIGINT)), upper_py('x'), anyf(e)]",
		"TableScan t",
	}, trimmed(lines)[:3])

	for _, c := range []struct{ sql, want string }{
		{"SELECT add_one(e) FROM t", "function add_one: argument 1 (e) is DATE, which does not convert implicitly to the declared BIGINT"},
		{"SELECT upper_py(a) FROM t", "function upper_py: argument 1 (a) is BIGINT, which does not convert implicitly to the declared TEXT"},
		{"SELECT add_one(a, a) FROM t", "function add_one takes 1 arguments (BIGINT), got 2"},
		{"SELECT `split`(b) FROM t", "table function split can only be called in FROM"},
		{"SELECT a FROM t WHERE weighted_avg(a, a) > 1", "aggregate function weighted_avg(a, a) is not allowed in where clause"},
	} {
		err := planError(t, cat, c.sql)
		require.Contains(t, err.Error(), c.want, c.sql)
	}
}

func TestPythonCalcPlacement(t *testing.T) {
	cat := pythonCatalog(t)
	for _, c := range []struct {
		sql  string
		want []string
	}{
		// Several calls of one projection fuse into one operation; the
		// built-in expression around a call reads its result.
		{"SELECT add_one(a) + 1, upper_py(b) FROM t", []string{
			"Project add_one(a) + 1, upper_py(b)",
			"  PythonCalc PROCESS calls=[add_one(a), upper_py(b)]",
			"    TableScan t",
		}},
		// Chained calls nest inside the operation; a built-in argument is
		// computed first, as an input column.
		{"SELECT add_one(add_one(a * 2)) FROM t", []string{
			"Project add_one(add_one(a * 2))",
			"  PythonCalc PROCESS calls=[add_one(add_one(a * 2))]",
			"    TableScan t",
		}},
		// A call reading another through a built-in expression waits for
		// it in a PythonCalc below.
		{"SELECT add_one(add_one(a) + 1) FROM t", []string{
			"Project add_one(add_one(a) + 1)",
			"  PythonCalc PROCESS calls=[add_one(add_one(a) + 1)]",
			"    PythonCalc PROCESS calls=[add_one(a)]",
			"      TableScan t",
		}},
		// WHERE: the filter reads the result, and a projection drops it.
		{"SELECT a FROM t WHERE is_even(a)", []string{
			"Project a",
			"  Filter is_even(a)",
			"    PythonCalc PROCESS calls=[is_even(a)]",
			"      TableScan t",
		}},
		// One call used twice is evaluated once.
		{"SELECT add_one(a), add_one(a) * 2 FROM t", []string{
			"Project add_one(a), add_one(a) * 2",
			"  PythonCalc PROCESS calls=[add_one(a)]",
			"    TableScan t",
		}},
		// A volatile function is called for each use.
		{"SELECT rnd(), rnd() FROM t", []string{
			"Project rnd(), rnd()",
			"  PythonCalc PROCESS calls=[rnd(), rnd()]",
			"    TableScan t",
		}},
	} {
		lines := explainMode(t, cat, "process", c.sql)
		require.Equal(t, c.want, lines, c.sql)
	}
}

func TestPythonCallsEverywhere(t *testing.T) {
	cat := pythonCatalog(t)
	for _, c := range []struct {
		sql   string
		calls []string // the PythonCalc lines, trimmed
	}{
		{"SELECT add_one(a) AS k, count(*) FROM t GROUP BY add_one(a)", []string{"PythonCalc PROCESS calls=[add_one(a)]"}},
		{"SELECT a FROM t ORDER BY add_one(a) DESC", []string{"PythonCalc PROCESS calls=[add_one(a)]"}},
		{"SELECT t.a FROM t JOIN u ON add_one(t.a) = u.a", []string{"PythonCalc PROCESS calls=[add_one(a)]"}},
		{"SELECT t.a FROM t JOIN u ON t.a = add_one(u.a)", []string{"PythonCalc PROCESS calls=[add_one(CAST(a AS BIGINT))]"}},
		{"SELECT t.a FROM t JOIN u ON add_one(t.a + u.a) > 2", []string{"PythonCalc PROCESS calls=[add_one(a + a)]"}},
		{"SELECT t.a FROM t LEFT JOIN u ON add_one(t.a) = u.a", []string{"PythonCalc PROCESS calls=[add_one(a)]"}},
		{"SELECT sum(add_one(a)) FROM t", []string{"PythonCalc PROCESS calls=[add_one(a)]"}},
		{"SELECT a, sum(a) OVER (PARTITION BY is_even(a)) FROM t", []string{"PythonCalc PROCESS calls=[is_even(a)]"}},
		{"SELECT CASE WHEN is_even(a) THEN upper_py(b) ELSE b END FROM t", []string{"PythonCalc PROCESS calls=[is_even(a), upper_py(b)]"}},
		{"SELECT x FROM (SELECT add_one(a) AS x FROM t) d WHERE x > 1", []string{"PythonCalc PROCESS calls=[add_one(a)]"}},
		{"SELECT add_one(1)", []string{"PythonCalc PROCESS calls=[add_one(1)]"}},
		{"SELECT add_one(a) FROM t UNION ALL SELECT add_one(a) FROM u", []string{"PythonCalc PROCESS calls=[add_one(a)]", "PythonCalc PROCESS calls=[add_one(CAST(a AS BIGINT))]"}},
	} {
		lines := explainMode(t, cat, "process", c.sql)
		var got []string
		for _, l := range trimmed(lines) {
			if strings.HasPrefix(l, "PythonCalc") {
				got = append(got, l)
			}
		}
		require.Equal(t, c.calls, got, "%s:\n%s", c.sql, strings.Join(lines, "\n"))
	}
	err := planError(t, cat, "SELECT t.a FROM t LEFT JOIN u ON add_one(t.a + u.a) > 2")
	require.Contains(t, err.Error(), "must read columns of one side only")
}

func TestPythonModes(t *testing.T) {
	cat := pythonCatalog(t)
	// process: every call PROCESS, no reasons, one operation.
	lines := explainMode(t, cat, "process", "SELECT add_one(a), padd(c, c) FROM t")
	require.Contains(t, lines, "  PythonCalc PROCESS calls=[add_one(a), padd(c, c)]")

	// thread: general scalar functions THREAD, Pandas ones PROCESS with
	// the reason, in separate operators.
	lines = explainMode(t, cat, "thread", "SELECT add_one(a), padd(c, c) FROM t")
	require.Equal(t, []string{
		"Project add_one(a), padd(c, c)",
		"  PythonCalc PROCESS calls=[padd(c, c)] (pandas functions run in PROCESS mode)",
		"    PythonCalc THREAD calls=[add_one(a)]",
		"      TableScan t",
	}, lines)

	// A THREAD call reading a PROCESS call's result runs above it.
	lines = explainMode(t, cat, "thread", "SELECT add_one(padd(c, c)) FROM t")
	require.Equal(t, []string{
		"Project add_one(padd(c, c))",
		"  PythonCalc THREAD calls=[add_one(CAST(padd(c, c) AS BIGINT))]",
		"    PythonCalc PROCESS calls=[padd(c, c)] (pandas functions run in PROCESS mode)",
		"      TableScan t",
	}, lines)

	// In process mode the same chain is one operation.
	lines = explainMode(t, cat, "process", "SELECT add_one(padd(c, c)) FROM t")
	require.Contains(t, lines, "  PythonCalc PROCESS calls=[add_one(CAST(padd(c, c) AS BIGINT))]")
}

func TestPythonWithoutRuntime(t *testing.T) {
	cat := pythonCatalog(t)
	plan, err := New(cat, catalog.NewSettings()).PlanQuery(parse(t, "SELECT add_one(a) FROM t").(ast.ResultSetNode))
	require.NoError(t, err)
	err = plan.Root.Open(context.Background())
	require.ErrorContains(t, err, "Python function add_one: no Python runtime for PROCESS mode")
	require.NoError(t, plan.Root.Close())
}

func TestPythonTableFunctions(t *testing.T) {
	cat := pythonCatalog(t)
	// The form the sql package rewrites LATERAL TABLE(f(x)) AS T(c) into.
	lines := explainMode(t, cat, "thread", "SELECT a, word, n FROM t, LATERAL (SELECT `split`(b)) AS T(word, n)")
	require.Equal(t, []string{
		"Project a, word, n",
		"  PythonCorrelate INNER THREAD calls=[split(b)]",
		"    TableScan t",
	}, lines)
	lines = explainMode(t, cat, "process", "SELECT a, word FROM t LEFT JOIN LATERAL (SELECT `split`(upper_py(b))) AS T(word, n) ON TRUE WHERE n > 1")
	require.Equal(t, []string{
		"Project a, word",
		"  Filter n > 1",
		"    Project a, b, c, d, e, f, word, n",
		"      PythonCorrelate LEFT PROCESS calls=[split(upper_py(b))]",
		"        PythonCalc PROCESS calls=[upper_py(b)]",
		"          TableScan t",
	}, lines)
	// ON with a condition filters an inner join.
	lines = explainMode(t, cat, "process", "SELECT a FROM t JOIN LATERAL (SELECT `split`(b)) AS T(w, n) ON n = a")
	require.Equal(t, "  Filter n = a", lines[1])

	for _, c := range []struct{ sql, want string }{
		{"SELECT * FROM t, LATERAL (SELECT `split`(b)) AS T(w)", "table function split returns 2 columns, but AS T names 1"},
		{"SELECT * FROM t LEFT JOIN LATERAL (SELECT `split`(b)) AS T(w, n) ON n = a", "LEFT JOIN LATERAL TABLE(split(...)) takes ON TRUE"},
		{"SELECT * FROM t, LATERAL (SELECT `split`(a)) AS T(w, n)", "function split: argument 1 (a) is BIGINT"},
		{"SELECT * FROM t, LATERAL (SELECT `split`(zz)) AS T(w, n)", `unknown column "zz" in table function arguments`},
	} {
		err := planError(t, cat, c.sql)
		require.Contains(t, err.Error(), c.want, c.sql)
	}
}

func TestPythonAggregates(t *testing.T) {
	cat := pythonCatalog(t)
	lines := explainMode(t, cat, "thread", "SELECT b, weighted_avg(a, a), mean_udaf(c), count(*) FROM t GROUP BY b")
	require.Equal(t, []string{
		"Project b, weighted_avg(a, a), mean_udaf(c), count(*)",
		"  HashAggregate keys=[b] aggs=[weighted_avg(a, a) PROCESS (aggregate functions run in PROCESS mode), mean_udaf(c) PROCESS (pandas aggregate functions run in PROCESS mode), count(*)]",
		"    TableScan t",
	}, lines)
	// A THREAD scalar feeds a PROCESS aggregate.
	lines = explainMode(t, cat, "thread", "SELECT weighted_avg(add_one(a), 1) FROM t")
	require.Equal(t, []string{
		"Project weighted_avg(add_one(a), 1)",
		"  HashAggregate keys=[] aggs=[weighted_avg(add_one(a), 1) PROCESS (aggregate functions run in PROCESS mode)]",
		"    PythonCalc THREAD calls=[add_one(a)]",
		"      TableScan t",
	}, lines)
	lines = explainMode(t, cat, "process", "SELECT a, json_objectagg('taipan.over', mean_udaf(c)) OVER (PARTITION BY b ORDER BY a ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t")
	require.Contains(t, lines[1], "mean_udaf(c) PROCESS OVER (PARTITION BY b ORDER BY a ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)")

	for _, c := range []struct{ sql, want string }{
		{"SELECT weighted_avg(e, a) FROM t", "function weighted_avg: argument 1 (e) is DATE"},
		{"SELECT weighted_avg(a) FROM t", "function weighted_avg takes 2 arguments (BIGINT, BIGINT), got 1"},
		{"SELECT weighted_avg(weighted_avg(a, a), 1) FROM t", "not allowed"},
	} {
		err := planError(t, cat, c.sql)
		require.Contains(t, err.Error(), c.want, c.sql)
	}
}
