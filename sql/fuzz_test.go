package sql

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse splits arbitrary scripts and parses every piece, and the whole
// script as one statement. Nothing may panic; every position must exist in
// the script; pieces must sit where their positions say; errors must be
// *ParseError pointing at their Near text. The seeds run under plain go test.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", ";", ";;", "'", "\"", "`", "/*", "/*!", "--", "#", "-- ", "/**/", "*/",
		"SELECT 1; SELECT 2;", "SELECT a FORM t", "SELECT a\nFROM t WHERE", "SELEC 1",
		"SELECT ';'; SELECT \"a;b\"; SELECT `c;d`", `SELECT 'a\';b'`, "SELECT 'it''s'",
		"SELECT 1--1", "SELECT 1 -- c\n;", "SELECT /* ; */ 1", "/*!40101 SELECT 1 */",
		"SET", "SET;", "SET @", "SET @@x = 1", "SET NAMES", "SET NAMES utf8", "SET k", "SET k =", "SET = 1",
		"SET python.execution-mode = 'thread'", "SET 'k' = 'v'", "SET k = a b", "SET k = /*! 1 */",
		"RESET", "RESET k", "RESET 'k' x", "RESET =",
		"CREATE FUNCTION", "CREATE FUNCTION IF NOT", "CREATE FUNCTION IF NOT EXISTS",
		"CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS f AS 'm.f' LANGUAGE PYTHON",
		"CREATE FUNCTION f AS 'm.f' LANGUAGE JAVA", "CREATE FUNCTION f AS '.'", "CREATE FUNCTION `",
		"DROP FUNCTION", "DROP FUNCTION IF EXISTS", "DROP TEMPORARY SYSTEM FUNCTION IF EXISTS f",
		"SHOW FUNCTIONS", "SHOW FUNCTIONS x", "DESCRIBE FUNCTION", "DESC FUNCTION f", "DESC FUNCTION `",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 3) SELECT * FROM r",
		"SELECT sum(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
		"CREATE TABLE t (a INT) TTL_ENABLE = 'maybe'", "SELECT 1 FROM t WHERE a = 'x' COLLATE bogus",
		"SELECT 'é→', a FROM t WHERE ))", "SELECT '\xe0", "SELECT 1 FROM dual WHERE a = \xe0'",
		"\xff\xfe;\x00", "SELECT '\n\n\n", "SELECT\r\n1\r\n+", "SELECT 1 /*/", "\\", "'\\",
		"SELECT * FROM t WHERE a = 1 AND b ===", "INSERT INTO t VALUES (1, 'a'), (2, NULL)",
		"LOAD DATA LOCAL INFILE 'f.csv' INTO TABLE t FIELDS TERMINATED BY ',' IGNORE 1 LINES",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		IsComplete(script)
		pieces, err := Split(script)
		if err != nil {
			checkError(t, script, err)
		}
		for _, p := range pieces {
			at, ok := textAt(script, p.Line, p.Column)
			if !ok || p.Text == "" || !strings.HasPrefix(at, p.Text) {
				t.Fatalf("piece %q at %d:%d is not there in %q", p.Text, p.Line, p.Column, script)
			}
			st, err := Parse(p.Text, p.Line, p.Column)
			if err != nil {
				checkError(t, script, err)
			} else if st == nil {
				t.Fatalf("Parse(%q) returned neither a statement nor an error", p.Text)
			}
		}
		if _, err := Parse(script, 1, 1); err != nil {
			checkError(t, script, err)
		}
	})
}

func checkError(t *testing.T, script string, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is %T, not *ParseError", err, err)
	}
	at, ok := textAt(script, pe.Line, pe.Column)
	if !ok {
		t.Fatalf("error position %d:%d is not in %q: %v", pe.Line, pe.Column, script, err)
	}
	if !strings.HasPrefix(at, strings.TrimSuffix(pe.Near, "...")) {
		t.Fatalf("error at %d:%d is not at %q in %q: %v", pe.Line, pe.Column, pe.Near, script, err)
	}
	if pe.Msg == "" {
		t.Fatalf("error without a reason: %v", err)
	}
}
