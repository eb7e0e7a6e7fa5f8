package sql

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// textAt returns script from 1-based line and column (in code points), ""
// past the end, and whether the position exists.
func textAt(script string, line, column int) (string, bool) {
	off := 0
	for l := 1; l < line; l++ {
		nl := strings.IndexByte(script[off:], '\n')
		if nl < 0 {
			return "", false
		}
		off += nl + 1
	}
	for c := 1; c < column; c++ {
		if off >= len(script) || script[off] == '\n' {
			return "", false
		}
		_, size := utf8.DecodeRuneInString(script[off:])
		off += size
	}
	return script[off:], true
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []Piece
	}{
		{"two statements", "SELECT 1; SELECT 2;", []Piece{{"SELECT 1", 1, 1}, {"SELECT 2", 1, 11}}},
		{"no final semicolon", "SELECT 1;SELECT 2", []Piece{{"SELECT 1", 1, 1}, {"SELECT 2", 1, 10}}},
		{"semicolons in quotes", "SELECT ';'; SELECT \"a;b\"; SELECT `c;d`",
			[]Piece{{"SELECT ';'", 1, 1}, {`SELECT "a;b"`, 1, 13}, {"SELECT `c;d`", 1, 27}}},
		{"doubled quotes", "SELECT 'it''s; ok'; SELECT \"say \"\"a;b\"\"\"; SELECT `x``;y`",
			[]Piece{{"SELECT 'it''s; ok'", 1, 1}, {`SELECT "say ""a;b"""`, 1, 21}, {"SELECT `x``;y`", 1, 43}}},
		{"backslash escapes in strings", `SELECT 'a\';b'; SELECT "x\";y"; SELECT '\\'; SELECT 3`,
			[]Piece{{`SELECT 'a\';b'`, 1, 1}, {`SELECT "x\";y"`, 1, 17}, {`SELECT '\\'`, 1, 33}, {"SELECT 3", 1, 46}}},
		{"no backslash escape in backquotes", "SELECT `a\\`; SELECT 2", []Piece{{"SELECT `a\\`", 1, 1}, {"SELECT 2", 1, 14}}},
		{"line comments", "SELECT 1 -- ; not here\n; SELECT 2 # ; nor here\n;",
			[]Piece{{"SELECT 1", 1, 1}, {"SELECT 2", 2, 3}}},
		{"block comments", "SELECT /* ; */ 1; /* only a comment */; -- c\n;/**/;/*/ ; */",
			[]Piece{{"SELECT /* ; */ 1", 1, 1}}},
		{"comment inside statement spans lines", "SELECT /* a\n;b */ 1", []Piece{{"SELECT /* a\n;b */ 1", 1, 1}}},
		{"dashes without space are minus", "SELECT 1--1; SELECT 2", []Piece{{"SELECT 1--1", 1, 1}, {"SELECT 2", 1, 14}}},
		{"dash comment at the very end", "SELECT 1 --", []Piece{{"SELECT 1", 1, 1}}},
		{"dash comment before tab", "SELECT 1 --\t;\n;SELECT 2", []Piece{{"SELECT 1", 1, 1}, {"SELECT 2", 2, 2}}},
		{"multi-line positions", "SELECT 1;\n  SELECT\n  2;\n\n\tSELECT 3",
			[]Piece{{"SELECT 1", 1, 1}, {"SELECT\n  2", 2, 3}, {"SELECT 3", 5, 2}}},
		{"leading and trailing comments dropped", "/* head */ SELECT 1 /* tail */ -- more\n;",
			[]Piece{{"SELECT 1", 1, 12}}},
		{"columns count characters", "SELECT 'é→';  SELECT 2", []Piece{{"SELECT 'é→'", 1, 1}, {"SELECT 2", 1, 15}}},
		{"newline inside a string", "SELECT 'a\nb;c'; SELECT 2", []Piece{{"SELECT 'a\nb;c'", 1, 1}, {"SELECT 2", 2, 7}}},
		{"CRLF line ends", "SELECT 1;\r\nSELECT 2;\r\n", []Piece{{"SELECT 1", 1, 1}, {"SELECT 2", 2, 1}}},
		{"executable comment is text", "/*!40101 SET x=1 */;", []Piece{{"/*!40101 SET x=1 */", 1, 1}}},
		{"empty script", "", nil},
		{"only whitespace and comments", "  \n\t-- x\n# y\n/* z */ ", nil},
		{"only semicolons", ";;; ;\n;", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.script)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			for _, p := range got {
				at, ok := textAt(tt.script, p.Line, p.Column)
				require.True(t, ok, "position %d:%d not in script", p.Line, p.Column)
				require.True(t, strings.HasPrefix(at, p.Text), "position %d:%d does not start %q", p.Line, p.Column, p.Text)
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		name         string
		script       string
		line, column int
		near, msg    string
	}{
		{"single quote", "SELECT 1;\nSELECT 'abc", 2, 8, "'abc", "unterminated string"},
		{"double quote", "SELECT \"abc;\nSELECT 2;", 1, 8, `"abc;`, "unterminated string"},
		{"escaped closing quote", `SELECT 'a\'`, 1, 8, `'a\'`, "unterminated string"},
		{"trailing backslash", `SELECT 'a\`, 1, 8, `'a\`, "unterminated string"},
		{"backquote", "SELECT 1;\n\n  SELECT `a", 3, 10, "`a", "unterminated quoted identifier"},
		{"block comment", "SELECT 1; /* never\nclosed", 1, 11, "/* never", "unterminated comment"},
		{"comment that looks closed", "SELECT 1 /*/", 1, 10, "/*/", "unterminated comment"},
		{"after a multi-byte character", "SELECT 'é', 'x", 1, 13, "'x", "unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Split(tt.script)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "want *ParseError, got %v", err)
			require.Equal(t, ParseError{Line: tt.line, Column: tt.column, Near: tt.near, Msg: tt.msg}, *pe)
		})
	}
}

func TestSplitErrorText(t *testing.T) {
	_, err := Split("SELECT 1;\nSELECT 'abc")
	require.EqualError(t, err, `syntax error at line 2, column 8 near "'abc": unterminated string`)
}

func TestIsComplete(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"SELECT 1;", true},
		{"SELECT 1", false},
		{"SELECT 1;\n", true},
		{"SELECT 1; -- done", true},
		{"SELECT 1; # done", true},
		{"SELECT 1; /* done */  ", true},
		{"SELECT 1 -- ;", false},
		{"SELECT 1 # ;", false},
		{"SELECT 1 /* ; */", false},
		{"SELECT ';", false},
		{"SELECT ';'", false},
		{"SELECT ';';", true},
		{"SELECT \"a;\"", false},
		{"SELECT `;`", false},
		{"SELECT 1 /* open ;", false},
		{"SELECT 1; SELECT 2", false},
		{"SELECT 1; SELECT 2;", true},
		{"SELECT\n  1\n;", true},
		{"SELECT 1--1;", true},
		{";", true},
		{"", false},
		{"   \n", false},
		{"-- only a comment", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, IsComplete(tt.text), "IsComplete(%q)", tt.text)
	}
}

func TestNearIsCut(t *testing.T) {
	long := "SELECT " + strings.Repeat("é", 60)
	require.Equal(t, "SELECT "+strings.Repeat("é", 33)+"...", near(long, 0))
	require.Equal(t, "FROM t", near("SELECT a\nFROM t   \r\nWHERE", 9))
	require.Equal(t, "", near("SELECT", 6))
}
