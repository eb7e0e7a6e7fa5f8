// Package sql turns SQL text into statements: it splits scripts, recognises
// Taipan's own statements, and hands everything else to the tidb parser
// (github.com/pingcap/tidb/pkg/parser, MySQL dialect).
//
// The tidb parser rejects statements Taipan needs (SET with dotted and dashed
// keys or a quoted key, RESET, CREATE/DROP FUNCTION ... LANGUAGE PYTHON, SHOW
// FUNCTIONS, DESCRIBE FUNCTION), so a small lexer looks at the first words of
// each statement and parses those itself:
//
//	SET;  SET  SET key = value  RESET key  RESET
//	CREATE [TEMPORARY] [SYSTEM] FUNCTION [IF NOT EXISTS] name AS 'module.attribute' LANGUAGE PYTHON
//	DROP [TEMPORARY] [SYSTEM] FUNCTION [IF EXISTS] name
//	SHOW FUNCTIONS  DESCRIBE FUNCTION name  DESC FUNCTION name
//
// Keywords are case-insensitive. A setting key is a bare run of letters,
// digits and _ . - $ (python.fn-execution.arrow.batch.size) or a quoted
// string ('k', "k", `k`); a value is a quoted string or a bare run of
// characters up to whitespace, ';' or a comment (thread, 2, -1, a-b,
// /tmp/f.py,/tmp/g.zip). Both come back unquoted; keys as written.
//
// Which SET is whose: SET is Taipan's unless the word after it is a user or
// system variable (@x, @@x) or one of tidb's SET forms (NAMES, CHARSET,
// CHARACTER SET, PASSWORD, TRANSACTION, GLOBAL, SESSION, LOCAL, INSTANCE,
// PERSIST, PERSIST_ONLY, ROLE, DEFAULT ROLE, CONFIG, RESOURCE GROUP,
// SESSION_STATES, BINDING) not followed by '='. Those become a TiDBStmt
// holding tidb's own AST node (*ast.SetStmt and friends) for the planner to
// accept or refuse. So `SET autocommit = 1` is a Taipan setting (a free-form
// job parameter), while `SET @@autocommit = 1` and `SET NAMES utf8` are tidb's.
// One SET sets one key: `SET a = 1, b = 2` is an error.
// DESCRIBE FUNCTION always means a function; describe a table called
// "function" as DESCRIBE `function`.
//
// Comments follow MySQL, as the tidb lexer does: '#' and "-- " (two dashes
// then whitespace or the end) run to the end of the line, /* */ does not
// nest. So `1--1` is one minus minus one, not a comment. MySQL's executable
// comments (/*! ... */) count as statement text, because tidb parses their
// contents.
//
// Positions are 1-based lines and columns in the script, columns counted in
// characters (Unicode code points; an invalid byte counts as one), so that
// errors point where an editor does.
//
// This package owns parsing only: it must not import the planner, exec,
// catalog or the root package, and it does no name resolution.
package sql
