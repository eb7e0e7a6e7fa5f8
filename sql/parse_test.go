package sql

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseSettings(t *testing.T) {
	tests := []struct {
		text string
		want Stmt
	}{
		{"SET python.execution-mode = 'thread'", &SetStmt{Key: "python.execution-mode", Value: "thread"}},
		{"SET 'python.execution-mode' = 'thread'", &SetStmt{Key: "python.execution-mode", Value: "thread"}},
		{`SET "k" = "v"`, &SetStmt{Key: "k", Value: "v"}},
		{"SET `k` = `v`", &SetStmt{Key: "k", Value: "v"}},
		{"SET k = 2", &SetStmt{Key: "k", Value: "2"}},
		{"SET k = '2'", &SetStmt{Key: "k", Value: "2"}},
		{"SET k=v", &SetStmt{Key: "k", Value: "v"}},
		{"SET k='v';", &SetStmt{Key: "k", Value: "v"}},
		{"SET python.fn-execution.arrow.batch.size = 1000", &SetStmt{Key: "python.fn-execution.arrow.batch.size", Value: "1000"}},
		{"set Python.Execution-Mode = THREAD", &SetStmt{Key: "Python.Execution-Mode", Value: "THREAD"}},
		{"SET python.files = /tmp/a.py,/tmp/b.zip", &SetStmt{Key: "python.files", Value: "/tmp/a.py,/tmp/b.zip"}},
		{"SET k = some-dashed-word", &SetStmt{Key: "k", Value: "some-dashed-word"}},
		{"SET k = -1", &SetStmt{Key: "k", Value: "-1"}},
		{"SET k = 1.5e3", &SetStmt{Key: "k", Value: "1.5e3"}},
		{"SET k = a--b", &SetStmt{Key: "k", Value: "a--b"}},
		{"SET k = 'it''s'", &SetStmt{Key: "k", Value: "it's"}},
		{`SET k = 'a\tb\'c'`, &SetStmt{Key: "k", Value: "a\tb'c"}},
		{`SET k = "say ""hi"""`, &SetStmt{Key: "k", Value: `say "hi"`}},
		{"SET k = 'a b; c'", &SetStmt{Key: "k", Value: "a b; c"}},
		{"SET python.files = ''", &SetStmt{Key: "python.files", Value: ""}},
		{"SET /* c */ k /* c */ = /* c */ v -- trailing", &SetStmt{Key: "k", Value: "v"}},
		{"SET\n  k\n  =\n  v", &SetStmt{Key: "k", Value: "v"}},
		{"SET k = v# comment", &SetStmt{Key: "k", Value: "v"}},
		{"SET k = é", &SetStmt{Key: "k", Value: "é"}},
		{"SET job_parameter_1 = x", &SetStmt{Key: "job_parameter_1", Value: "x"}},
		{"SET autocommit = 1", &SetStmt{Key: "autocommit", Value: "1"}},
		{"SET global = 1", &SetStmt{Key: "global", Value: "1"}},
		{"SET names = x", &SetStmt{Key: "names", Value: "x"}},
		{"SET", &ShowSettingsStmt{}},
		{"SET;", &ShowSettingsStmt{}},
		{"set ; ", &ShowSettingsStmt{}},
		{"SET -- nothing to set", &ShowSettingsStmt{}},
		{"RESET python.execution-mode", &ResetStmt{Key: "python.execution-mode"}},
		{"RESET 'python.execution-mode'", &ResetStmt{Key: "python.execution-mode"}},
		{`reset "k";`, &ResetStmt{Key: "k"}},
		{"RESET;", &ResetStmt{All: true}},
		{"RESET", &ResetStmt{All: true}},
		{"Reset /* all */ ;", &ResetStmt{All: true}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text, 1, 1)
		require.NoError(t, err, tt.text)
		require.Equal(t, tt.want, got, tt.text)
	}
}

func TestParseFunctions(t *testing.T) {
	tests := []struct {
		text string
		want Stmt
	}{
		{"CREATE FUNCTION add_one AS 'udfs.add_one' LANGUAGE PYTHON",
			&CreateFunctionStmt{Name: "add_one", Target: "udfs.add_one", Language: "PYTHON"}},
		{`create temporary function f as "m.a" language python;`,
			&CreateFunctionStmt{Name: "f", Target: "m.a", Language: "PYTHON", Temporary: true}},
		{"CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS f AS 'pkg.mod.attr' LANGUAGE Python",
			&CreateFunctionStmt{Name: "f", Target: "pkg.mod.attr", Language: "PYTHON", Temporary: true, System: true, IfNotExists: true}},
		{"CREATE SYSTEM FUNCTION `my fn` AS 'm.f' LANGUAGE PYTHON",
			&CreateFunctionStmt{Name: "my fn", Target: "m.f", Language: "PYTHON", System: true}},
		{"CREATE FUNCTION if AS 'm.f' LANGUAGE PYTHON",
			&CreateFunctionStmt{Name: "if", Target: "m.f", Language: "PYTHON"}},
		{"CREATE FUNCTION\n  Upper_Py\n  AS 'strings.upper' -- the module\n  LANGUAGE PYTHON",
			&CreateFunctionStmt{Name: "Upper_Py", Target: "strings.upper", Language: "PYTHON"}},
		{"DROP FUNCTION f", &DropFunctionStmt{Name: "f"}},
		{"DROP TEMPORARY FUNCTION IF EXISTS f;", &DropFunctionStmt{Name: "f", Temporary: true, IfExists: true}},
		{"drop temporary system function `f`", &DropFunctionStmt{Name: "f", Temporary: true, System: true}},
		{"DROP SYSTEM FUNCTION if exists f", &DropFunctionStmt{Name: "f", System: true, IfExists: true}},
		{"DROP FUNCTION if", &DropFunctionStmt{Name: "if"}},
		{"SHOW FUNCTIONS", &ShowFunctionsStmt{}},
		{"show functions;", &ShowFunctionsStmt{}},
		{"DESCRIBE FUNCTION f", &DescribeFunctionStmt{Name: "f"}},
		{"desc function `weighted avg`;", &DescribeFunctionStmt{Name: "weighted avg"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text, 1, 1)
		require.NoError(t, err, tt.text)
		require.Equal(t, tt.want, got, tt.text)
	}
}

// TestParseErrors checks the reason and that the position lands on the
// offending text: every statement is parsed as if it started at line 3,
// column 5 of a script, so errors on its first line shift by 4 columns and
// errors on later lines keep their column.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		text         string
		line, column int // in the statement's own coordinates
		near, msg    string
	}{
		// SET and RESET.
		{"SET k 'v'", 1, 7, "'v'", `expected '=' after setting key "k"`},
		{"SET k", 1, 6, "", `expected '=' after setting key "k"`},
		{"SET python.execution-mode thread", 1, 27, "thread", `expected '=' after setting key "python.execution-mode"`},
		{"SET k =", 1, 8, "", `missing value for setting "k"`},
		{"SET k = ;", 1, 8, "", `missing value for setting "k"`},
		{"SET\n  k =\n  -- no value", 2, 6, "", `missing value for setting "k"`},
		{"SET k = /*! 1 */", 1, 9, "/*! 1 */", `expected a value for setting "k"`},
		{"SET = 1", 1, 5, "= 1", `expected a setting key after SET, found "="`},
		{"SET (k) = 1", 1, 5, "(k) = 1", `expected a setting key after SET, found "("`},
		{"SET '' = 1", 1, 5, "'' = 1", "empty setting key"},
		{"SET k = a b", 1, 11, "b", `unexpected "b": SET takes one key = value; quote a value of "k" that has spaces`},
		{"SET a = 1, b = 2", 1, 12, "b = 2", `unexpected "b": SET takes one key = value; quote a value of "a" that has spaces`},
		{"SET k = 'a' 'b'", 1, 13, "'b'", `unexpected "'b'": SET takes one key = value; quote a value of "k" that has spaces`},
		{"SET k+1 = 2", 1, 6, "+1 = 2", `expected '=' after setting key "k"`},
		{"RESET a b", 1, 9, "b", `unexpected "b": RESET takes one setting key`},
		{"RESET = 1", 1, 7, "= 1", `expected a setting key after RESET, found "="`},
		// Functions.
		{"CREATE FUNCTION", 1, 16, "", "CREATE FUNCTION needs a function name"},
		{"CREATE FUNCTION 'f' AS 'm.f' LANGUAGE PYTHON", 1, 17, "'f' AS 'm.f' LANGUAGE PYTHON", `expected a function name, found "'f'"`},
		{"CREATE FUNCTION f", 1, 18, "", `expected AS 'module.attribute' after function name "f"`},
		{"CREATE FUNCTION f 'm.f'", 1, 19, "'m.f'", `expected AS 'module.attribute' after function name "f"`},
		{"CREATE FUNCTION f AS m.f LANGUAGE PYTHON", 1, 22, "m.f LANGUAGE PYTHON", `expected a quoted 'module.attribute' after AS in function "f"`},
		{"CREATE FUNCTION f AS 'nodot' LANGUAGE PYTHON", 1, 22, "'nodot' LANGUAGE PYTHON", `function "f": "nodot" does not name 'module.attribute'`},
		{"CREATE FUNCTION f AS '.attr' LANGUAGE PYTHON", 1, 22, "'.attr' LANGUAGE PYTHON", `function "f": ".attr" does not name 'module.attribute'`},
		{"CREATE FUNCTION f AS 'mod.' LANGUAGE PYTHON", 1, 22, "'mod.' LANGUAGE PYTHON", `function "f": "mod." does not name 'module.attribute'`},
		{"CREATE FUNCTION f AS 'm.f'", 1, 27, "", `function "f" needs LANGUAGE PYTHON`},
		{"CREATE FUNCTION f AS 'm.f' PYTHON", 1, 28, "PYTHON", `expected LANGUAGE PYTHON in function "f"`},
		{"CREATE FUNCTION f AS 'm.f' LANGUAGE", 1, 36, "", `function "f": LANGUAGE needs a language name`},
		{"CREATE FUNCTION f AS 'm.f'\n  LANGUAGE JAVA", 2, 12, "JAVA", `function "f": unsupported language JAVA: only PYTHON is supported`},
		{"CREATE FUNCTION f AS 'm.f' LANGUAGE scala;", 1, 37, "scala", `function "f": unsupported language scala: only PYTHON is supported`},
		{"CREATE FUNCTION f AS 'm.f' LANGUAGE PYTHON extra", 1, 44, "extra", `unexpected "extra": CREATE FUNCTION ends after LANGUAGE PYTHON`},
		{"CREATE FUNCTION IF NOT f AS 'm.f' LANGUAGE PYTHON", 1, 24, "f AS 'm.f' LANGUAGE PYTHON", "expected IF NOT EXISTS"},
		{"CREATE FUNCTION `` AS 'm.f' LANGUAGE PYTHON", 1, 17, "`` AS 'm.f' LANGUAGE PYTHON", "empty function name"},
		{"DROP FUNCTION", 1, 14, "", "DROP FUNCTION needs a function name"},
		{"DROP FUNCTION IF EXISTS", 1, 24, "", "DROP FUNCTION needs a function name"},
		{"DROP FUNCTION f, g", 1, 16, ", g", `unexpected ",": DROP FUNCTION takes one function name`},
		{"DROP FUNCTION db.f", 1, 17, ".f", `unexpected ".": DROP FUNCTION takes one function name`},
		{"SHOW FUNCTIONS LIKE 'x'", 1, 16, "LIKE 'x'", `unexpected "LIKE": SHOW FUNCTIONS takes no arguments`},
		{"DESCRIBE FUNCTION", 1, 18, "", "DESCRIBE FUNCTION needs a function name"},
		{"DESC FUNCTION f g", 1, 17, "g", `unexpected "g": DESCRIBE FUNCTION takes one function name`},
		// Whole statements.
		{"", 1, 1, "", "empty statement"},
		{"  -- just a comment\n", 1, 1, "  -- just a comment", "empty statement"},
		{"SELECT 1; SELECT 2", 1, 11, "SELECT 2", "more than one statement; run a script statement by statement"},
		{"SELECT 1;\n\n SET k = v;", 3, 2, "SET k = v;", "more than one statement; run a script statement by statement"},
		{"SELECT 'abc", 1, 8, "'abc", "unterminated string"},
		{"SET k = 'abc", 1, 9, "'abc", "unterminated string"},
		// tidb: the column is the start of the token tidb stopped at.
		{"SELECT a FORM t", 1, 15, "t", `unexpected "t"`},
		{"SELECT * FORM t", 1, 10, "FORM t", `unexpected "FORM"`},
		{"SELEC 1", 1, 1, "SELEC 1", `unexpected "SELEC"`},
		{"SELECT 1 +", 1, 11, "", "statement is incomplete"},
		{"SELECT 1 + -- a comment after the end\n", 1, 11, "", "statement is incomplete"},
		{"SELECT a\nFROM t WHERE", 2, 13, "", "statement is incomplete"},
		{"SELECT a,\n  b\n  FROM t WHER x = 1", 3, 15, "x = 1", `unexpected "x"`},
		{"SELECT a FROM t ORDER BY a NULLS LAST", 1, 28, "NULLS LAST", `unexpected "NULLS"`},
		{"SELECT a >= FROM t", 1, 13, "FROM t", `unexpected "FROM"`},
		{"SELECT 'é→', a FROM t WHERE ))", 1, 29, "))", `unexpected ")"`},
		{"SELECT 'a\nb' FROM t t2 t3", 2, 14, "t3", `unexpected "t3"`},
		{"SELECT * FROM t WHERE a = 1 /* x */ AND b ===", 1, 44, "==", `unexpected "="`},
		{"SHOW FUNCTION", 1, 14, "", "statement is incomplete"},
		{"CREATE TABLE t (a INT) TTL_ENABLE = 'maybe'", 1, 44, "", "The TTL_ENABLE option has to be set 'ON' or 'OFF'"},
		// tidb errors without a position blame the statement.
		{"SELECT 1 FROM t WHERE a = 'x' COLLATE bogus", 1, 1, "SELECT 1 FROM t WHERE a = 'x' COLLATE bo...", "Unknown collation: 'bogus'"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := Parse(tt.text, 3, 5)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "want *ParseError, got %v", err)
			line, column := tt.line+2, tt.column
			if tt.line == 1 {
				column += 4
			}
			require.Equal(t, ParseError{Line: line, Column: column, Near: tt.near, Msg: tt.msg}, *pe)
		})
	}
}

// TestParseErrorInScript parses each statement of a script where Split
// puts it and checks that the message points into the script.
func TestParseErrorInScript(t *testing.T) {
	script := "SELECT 1;\nSELECT * FORM t;\n  SET k 'v';\nSELECT a,\n       b + FROM t;"
	pieces, err := Split(script)
	require.NoError(t, err)
	require.Len(t, pieces, 4)
	var msgs []string
	for _, p := range pieces {
		_, err := Parse(p.Text, p.Line, p.Column)
		if err != nil {
			msgs = append(msgs, err.Error())
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			at, ok := textAt(script, pe.Line, pe.Column)
			require.True(t, ok)
			require.True(t, strings.HasPrefix(at, pe.Near), "error position %d:%d is not at %q", pe.Line, pe.Column, pe.Near)
		}
	}
	require.Equal(t, []string{
		`syntax error at line 2, column 10 near "FORM t": unexpected "FORM"`,
		`syntax error at line 3, column 9 near "'v'": expected '=' after setting key "k"`,
		`syntax error at line 5, column 12 near "FROM t": unexpected "FROM"`,
	}, msgs)
}

func TestParseLongStatementError(t *testing.T) {
	// tidb quotes at most 2048 bytes of the rest and then gives the total
	// length; the position must still be exact.
	text := "SELECT a\nFROM t WHERE ) "
	for i := 0; i < 300; i++ {
		text += "OR a = 'xxxxxxxxxx' "
	}
	_, err := Parse(text, 1, 1)
	var pe *ParseError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, 2, pe.Line)
	require.Equal(t, 14, pe.Column)
	require.Equal(t, `unexpected ")"`, pe.Msg)
	require.Equal(t, ") OR a = 'xxxxxxxxxx' OR a = 'xxxxxxxxxx...", pe.Near)
}

func TestParseErrorFormat(t *testing.T) {
	require.Equal(t, `syntax error at line 2, column 8 near "FORM t": unexpected "FORM"`,
		(&ParseError{Line: 2, Column: 8, Near: "FORM t", Msg: `unexpected "FORM"`}).Error())
	require.Equal(t, `syntax error at line 1, column 11 near end of statement: statement is incomplete`,
		(&ParseError{Line: 1, Column: 11, Msg: "statement is incomplete"}).Error())
}

func TestParseBadStartPosition(t *testing.T) {
	_, err := Parse("SELECT 1 +", 0, -3)
	require.EqualError(t, err, "syntax error at line 1, column 11 near end of statement: statement is incomplete")
}
