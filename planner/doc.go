// Package planner turns tidb parser ASTs into trees of exec operators.
//
// Planning runs in two phases, as in go-mysql-server's planbuilder:
//
//  1. Binding (bind_*.go) resolves names against the catalog and the FROM
//     clause's scopes, binds every function to its argument types, and
//     produces a small logical tree (logical.go) whose expressions are
//     scalars (scalar.go): column ordinals, constants, bound calls and
//     casts. Errors about the user's query (unknown or ambiguous columns,
//     unknown tables and functions, GROUP BY violations, type errors from
//     Bind) are all raised here.
//  2. Building (build.go) rewrites the logical tree (WHERE conjuncts pushed
//     into joins, join conditions split into hash keys and a residual,
//     join.go) and compiles it into exec operators and expr expressions.
//
// Operators bind to catalog functions named after tidb's opcodes (plus,
// eq, and, not, isnull, istrue, like, in, case...): BETWEEN becomes ge/le
// under and, simple CASE compares with eq, NOT LIKE and NOT IN wrap not,
// ILIKE lowers both sides. Time units (INTERVAL 1 DAY) and TRIM
// directions reach functions as upper-case string constants. count(*)
// binds with star set and no arguments.
//
// Subqueries in expressions (subquery.go) are planned with the enclosing
// binder as their outer scope and joined to the clause's input once it is
// bound: WHERE conjuncts [NOT] EXISTS / [NOT] IN become semi and anti
// hash joins, other IN and EXISTS mark joins, scalar subqueries single
// joins; decorrelate.go pulls correlated conditions up into those joins,
// grouping aggregates by the correlation keys. Correlation it cannot pull
// up (under LIMIT, windows, non-equalities under aggregates) is an error.
// WITH RECURSIVE (recursive.go) plans the anchor and the recursive part
// over a work table for exec.RecursiveCTE; INTERSECT and EXCEPT fold by
// precedence in bind_setop.go.
//
// Scalars stay plain data until building so that rules can rewrite them.
// Python scalar calls bind as pyCall scalars carrying the mode they run in
// (udf.ModeFor); the rule of python_rule.go cuts them out of every
// expression into PythonCalc nodes, the same way join.go cuts equi-keys
// out of join conditions. Table functions in FROM become correlate nodes,
// Python aggregates run inside HashAggregate and Window through
// exec.PythonAggregate.
//
// planner imports catalog, exec, exec/expr, types, udf (the Runtime seam
// and the descriptor, never a mode's package) and the tidb parser's AST;
// it must not import sql/, udf/thread, udf/process or the root package.
package planner
