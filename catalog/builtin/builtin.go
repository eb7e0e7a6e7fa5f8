// Package builtin holds the built-in SQL functions: operators, scalar
// functions and aggregates, all behind catalog's function interfaces so
// that the planner treats them and Python functions alike.
//
// Operators are registered under the tidb parser's opcode names (plus,
// eq, and, isnull, like, in, case...), scalar functions under their SQL
// names. Every kernel works on whole Arrow columns; the typing rules
// (implicit casts, result types) are in coerce.go.
//
// builtin imports catalog, types and exec/expr (casts, value helpers and
// column-kernel toolkit); it must not import planner, sql or exec.
package builtin

import (
	"sort"

	"github.com/taipandb/taipan/catalog"
)

var operators = map[string]binder{
	"plus":       bindArith,
	"minus":      bindArith,
	"mul":        bindArith,
	"div":        bindArith,
	"intdiv":     bindArith,
	"mod":        bindArith,
	"unaryminus": bindUnaryMinus,
	"eq":         bindCompare,
	"ne":         bindCompare,
	"lt":         bindCompare,
	"le":         bindCompare,
	"gt":         bindCompare,
	"ge":         bindCompare,
	"nulleq":     bindCompare,
	"and":        bindLogic,
	"or":         bindLogic,
	"xor":        bindLogic,
	"not":        bindLogic,
	"isnull":     bindIsNull,
	"isnotnull":  bindIsNull,
	"istrue":     bindIsTruth,
	"isfalse":    bindIsTruth,
	"like":       bindLike,
	"in":         bindIn,
	"case":       bindCase,
	"coalesce":   bindCoalesce,
	"ifnull":     bindCoalesce,
	"nullif":     bindNullIf,
	"if":         bindIf,
	"greatest":   bindExtreme,
	"least":      bindExtreme,
}

// functions returns every built-in function, scalar and aggregate.
func functions() []catalog.Function {
	var fs []catalog.Function
	for _, m := range []map[string]binder{operators, mathFunctions, stringFunctions, dateFunctions, moreStringFunctions, moreDateFunctions} {
		for name, b := range m {
			fs = append(fs, &scalar{name: name, bind: b})
		}
	}
	for _, a := range aggregates() {
		fs = append(fs, a)
	}
	fs = append(fs, groupConcat{})
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name() < fs[j].Name() })
	return fs
}

// Register adds every built-in function to c, replacing entries of the
// same name.
func Register(c *catalog.Catalog) {
	for _, f := range functions() {
		// replace=true cannot fail.
		_ = c.AddFunction(f, true)
	}
}

// Names lists the built-in functions' names, sorted.
func Names() []string {
	fs := functions()
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name()
	}
	return names
}
