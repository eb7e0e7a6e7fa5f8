package sql

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values for the AST
)

// parsers holds tidb parsers: one is not safe for concurrent use, and a new
// one allocates a sizeable parse stack.
var parsers = sync.Pool{New: func() any { return parser.New() }}

// parseTiDB hands one statement to the tidb parser.
//
// A call of a function whose name is one of tidb's keywords (add, split,
// format...) is a syntax error to tidb unless the name is quoted; Python
// functions often have such names. So when tidb stops at a word followed
// by '(', that name is quoted and the statement parsed again.
func parseTiDB(piece Piece) (Stmt, error) {
	var quoted []int
	for {
		text, edits := rewriteForTiDB(piece.Text, quoted...)
		node, err := runTiDB(text)
		if err == nil {
			return &TiDBStmt{Node: node, Text: text, Line: piece.Line, Column: piece.Column, original: piece.Text, edits: edits}, nil
		}
		if off, ok := keywordCall(piece.Text, text, edits, err); ok && len(quoted) < 64 && !slices.Contains(quoted, off) {
			quoted = append(quoted, off)
			continue
		}
		return nil, tidbError(piece, text, edits, err)
	}
}

// keywordCall reports the offset, in the text as written, of the unquoted
// name of a call that tidb's syntax error stopped at.
func keywordCall(original, text string, edits []textEdit, err error) (int, bool) {
	m := tidbSyntax.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	tline, _ := strconv.Atoi(m[1])
	tcol, _ := strconv.Atoi(m[2])
	off, _ := tidbOffset(text, err.Error()[len(m[0]):], tline, tcol)
	off = originalOffset(edits, off)
	lx := &lexer{src: original}
	var toks []token
	for {
		t, lerr := lx.next()
		if lerr != nil || t.kind == tokEOF {
			break
		}
		toks = append(toks, t)
	}
	for k, t := range toks {
		if t.start != off {
			continue
		}
		// tidb stops at the name (add) or, having taken the name for a
		// column, at the '(' after it (split).
		if lx.isPunct(t, "(") && k > 0 {
			k--
		}
		if isName(lx, toks[k]) && k+1 < len(toks) && lx.isPunct(toks[k+1], "(") {
			return toks[k].start, true
		}
		return 0, false
	}
	return 0, false
}

// runTiDB parses text with a pooled parser. A panic in the parser becomes an
// error and the parser, whose state is then unknown, is dropped.
func runTiDB(text string) (node ast.StmtNode, err error) {
	p := parsers.Get().(*parser.Parser)
	defer func() {
		if r := recover(); r != nil {
			node, err = nil, fmt.Errorf("the parser failed on this statement: %v", r)
			return
		}
		parsers.Put(p)
	}()
	return p.ParseOneStmt(text, "", "")
}

// tidb reports a syntax error as
//
//	line L column C near "REST"MSG LENGTH
//
// where REST is the statement text from the start of the offending token to
// the end (its first 2048 bytes, LENGTH then reading " (total length N)"),
// MSG is usually empty, and L/C is where the lexer stood after reading the
// token: on line 1 C is the byte offset of the token's end, on later lines
// that offset plus one (tidb's reader sets the column to 0 at '\n' and then
// counts the newline itself). Neither is where users look, so the position
// we report comes from REST instead: REST is a suffix of the text, so its
// length gives the byte offset of the offending token, and the column we
// report is that token's first character.
var (
	tidbSyntax = regexp.MustCompile(`^line (\d+) column (\d+) near "`)
	tidbTotal  = regexp.MustCompile(` \(total length (\d+)\)$`)
	// Errors without a position look like [parser:1149]You have an error ...
	tidbCode = regexp.MustCompile(`^\[[a-z]+:\d+\]`)
)

// tidbError rewrites a tidb parser error into a *ParseError in script
// coordinates.
// text is what tidb parsed: piece.Text after rewriteLateralTable's edits,
// which are undone for the position reported.
func tidbError(piece Piece, text string, edits []textEdit, err error) *ParseError {
	loc := newLocator(piece.Text, piece.Line, piece.Column)
	msg := err.Error()
	if m := tidbSyntax.FindStringSubmatch(msg); m != nil {
		tline, _ := strconv.Atoi(m[1])
		tcol, _ := strconv.Atoi(m[2])
		off, reason := tidbOffset(text, msg[len(m[0]):], tline, tcol)
		if reason == "" {
			reason = unexpected(text, off)
		}
		off = originalOffset(edits, off)
		l, c := loc.at(off)
		return &ParseError{Line: l, Column: c, Near: near(piece.Text, off), Msg: reason}
	}
	// No position (an unknown collation, the parser failing): blame the
	// statement.
	msg = strings.TrimSpace(tidbCode.ReplaceAllString(msg, ""))
	if strings.HasPrefix(msg, "You have an error in your SQL syntax") || msg == "" {
		msg = "not a statement Taipan can parse"
	}
	return &ParseError{Line: piece.Line, Column: piece.Column, Near: near(piece.Text, 0), Msg: msg}
}

// tidbOffset finds the byte offset of the offending token from the text
// after `near "` in tidb's message, and returns tidb's reason if it gave one.
func tidbOffset(text, rest string, tline, tcol int) (off int, reason string) {
	if m := tidbTotal.FindStringSubmatch(rest); m != nil {
		if total, err := strconv.Atoi(m[1]); err == nil && total <= len(text) {
			off = len(text) - total
			shown := text[off:min(len(text), off+2048)]
			body := strings.TrimSuffix(rest, m[0])
			if strings.HasPrefix(body, shown+`"`) {
				return off, strings.TrimSpace(body[len(shown)+1:])
			}
		}
	}
	// The usual case: no reason, so rest is REST + `" `.
	if shown, ok := strings.CutSuffix(rest, `" `); ok && strings.HasSuffix(text, shown) {
		return len(text) - len(shown), ""
	}
	// A reason follows the quote: take the longest suffix of text that rest
	// starts with and a quote closes.
	for off := 0; off <= len(text); off++ {
		shown := text[off:]
		if len(rest) > len(shown) && rest[len(shown)] == '"' && strings.HasPrefix(rest, shown) {
			return off, strings.TrimSpace(rest[len(shown)+1:])
		}
	}
	return tidbPosOffset(text, tline, tcol), ""
}

// tidbPosOffset converts tidb's line and column (see above) to a byte
// offset: the end of the offending token. Only a fallback.
func tidbPosOffset(text string, tline, tcol int) int {
	start := 0
	for l := 1; l < tline; l++ {
		nl := strings.IndexByte(text[start:], '\n')
		if nl < 0 {
			return len(text)
		}
		start += nl + 1
	}
	if tline > 1 {
		tcol--
	}
	return min(max(start+tcol, 0), len(text))
}

// unexpected is the reason for a syntax error tidb gave none for: the token
// it stopped at.
func unexpected(text string, off int) string {
	lx := lexer{src: text, off: off}
	t, err := lx.next()
	if err != nil || t.kind == tokEOF {
		return "statement is incomplete"
	}
	tok := lx.text(t)
	if cut := near(tok, 0); cut != tok {
		tok = cut
	}
	return fmt.Sprintf("unexpected %q", tok)
}
