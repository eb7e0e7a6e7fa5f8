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
// Scalars stay plain data until building so that rules can rewrite them;
// a later rule will cut Python calls out of projections into their own
// operators the same way join.go cuts equi-keys out of join conditions.
//
// planner imports catalog, exec, exec/expr, types and the tidb parser's
// AST; it must not import sql/, udf/ or the root package.
package planner
