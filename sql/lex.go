package sql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind is what the statement lexer tells apart: just enough to split
// scripts and to read Taipan's own statements. tidb re-lexes the text it gets.
type tokenKind int

const (
	tokEOF    tokenKind = iota
	tokWord             // unquoted word: letters, digits, _, $, any non-ASCII byte
	tokString           // '...' or "..." (MySQL strings; ANSI_QUOTES is off)
	tokIdent            // `...`
	tokBang             // /*! ... */: MySQL executable comment, statement text for tidb
	tokPunct            // an operator or punctuation mark
)

type token struct {
	kind       tokenKind
	start, end int // byte offsets in the lexed text
}

// lexError is an unterminated quote or comment starting at off.
type lexError struct {
	off int
	msg string
}

// lexer walks SQL text token by token, skipping whitespace and comments.
type lexer struct {
	src string
	off int
}

// isSpace is the whitespace between tokens. ASCII only: a byte-wise test of
// Unicode spaces would take continuation bytes of UTF-8 characters (0x85,
// 0xA0) for spaces.
func isSpace(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b == '$' || b >= 0x80 ||
		'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// isDashComment reports whether "--" at i starts a comment. MySQL (and the
// tidb lexer, whose test this mirrors byte for byte) wants whitespace or the
// end of input after the dashes, so that 1--1 stays arithmetic.
func isDashComment(src string, i int) bool {
	if !strings.HasPrefix(src[i:], "--") {
		return false
	}
	return i+2 == len(src) || unicode.IsSpace(rune(src[i+2]))
}

// commentEnd returns where a comment starting at i ends, 0 if none starts
// there, or an error for an unterminated /* comment. bang reports a /*!
// comment.
func commentEnd(src string, i int) (end int, bang bool, err *lexError) {
	switch {
	case src[i] == '#' || isDashComment(src, i):
		if nl := strings.IndexByte(src[i:], '\n'); nl >= 0 {
			return i + nl + 1, false, nil
		}
		return len(src), false, nil
	case strings.HasPrefix(src[i:], "/*"):
		// Search from i+2 so that "/*/" does not close itself.
		close := strings.Index(src[i+2:], "*/")
		if close < 0 {
			return 0, false, &lexError{off: i, msg: "unterminated comment"}
		}
		return i + 2 + close + 2, strings.HasPrefix(src[i:], "/*!"), nil
	}
	return 0, false, nil
}

// quoteEnd returns the offset after the quoted text starting at i. Quotes
// close on the same quote character; a doubled quote stands for itself; in
// strings (not in `identifiers`) a backslash escapes the next byte.
func quoteEnd(src string, i int) (int, *lexError) {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			if j+1 < len(src) && src[j+1] == q {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	if q == '`' {
		return 0, &lexError{off: i, msg: "unterminated quoted identifier"}
	}
	return 0, &lexError{off: i, msg: "unterminated string"}
}

// operators lists the multi-byte operators, longest first, so that error
// messages name "<=" rather than "<".
var operators = []string{"<=>", "->>", "<=", ">=", "<>", "!=", ":=", "||", "&&", "->", "<<", ">>"}

// skip moves past whitespace and comments, stopping at a /*! comment, which
// is a token.
func (l *lexer) skip() *lexError {
	for l.off < len(l.src) {
		if isSpace(l.src[l.off]) {
			l.off++
			continue
		}
		end, bang, err := commentEnd(l.src, l.off)
		if err != nil {
			return err
		}
		if end == 0 || bang {
			return nil
		}
		l.off = end
	}
	return nil
}

// next returns the next token.
func (l *lexer) next() (token, *lexError) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.off
	if start >= len(l.src) {
		return token{kind: tokEOF, start: start, end: start}, nil
	}
	c := l.src[start]
	switch {
	case c == '\'' || c == '"' || c == '`':
		end, err := quoteEnd(l.src, start)
		if err != nil {
			return token{}, err
		}
		l.off = end
		if c == '`' {
			return token{kind: tokIdent, start: start, end: end}, nil
		}
		return token{kind: tokString, start: start, end: end}, nil
	case strings.HasPrefix(l.src[start:], "/*!"):
		end, _, err := commentEnd(l.src, start)
		if err != nil {
			return token{}, err
		}
		l.off = end
		return token{kind: tokBang, start: start, end: end}, nil
	case isWordByte(c):
		end := start + 1
		for end < len(l.src) && isWordByte(l.src[end]) {
			end++
		}
		l.off = end
		return token{kind: tokWord, start: start, end: end}, nil
	}
	end := start + 1
	for _, op := range operators {
		if strings.HasPrefix(l.src[start:], op) {
			end = start + len(op)
			break
		}
	}
	l.off = end
	return token{kind: tokPunct, start: start, end: end}, nil
}

// peek returns the next token without consuming it.
func (l *lexer) peek() (token, *lexError) {
	save := l.off
	t, err := l.next()
	l.off = save
	return t, err
}

func (l *lexer) text(t token) string { return l.src[t.start:t.end] }

// isWord reports whether t is the unquoted keyword kw (case-insensitive).
func (l *lexer) isWord(t token, kw string) bool {
	return t.kind == tokWord && strings.EqualFold(l.text(t), kw)
}

// isPunct reports whether t is the punctuation p.
func (l *lexer) isPunct(t token, p string) bool {
	return t.kind == tokPunct && l.text(t) == p
}

// unquote returns the value of a quoted token: MySQL string escapes in '..'
// and "..", doubled quotes in all three kinds.
func unquote(quoted string) string {
	q := quoted[0]
	body := quoted[1 : len(quoted)-1]
	if !strings.ContainsRune(body, rune(q)) && (q == '`' || !strings.Contains(body, `\`)) {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == q:
			i++ // the second of a doubled quote
		case c == '\\' && q != '`' && i+1 < len(body):
			i++
			c = body[i]
			switch c {
			case '0':
				c = 0
			case 'b':
				c = '\b'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'Z':
				c = 0x1a
			case '%', '_':
				b.WriteByte('\\') // MySQL keeps these for LIKE patterns
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// locator turns byte offsets of a text into script positions. It walks
// forward from the last offset asked, so asking in increasing order (as
// Split does) costs one pass over the text.
type locator struct {
	src               string
	baseLine, baseCol int
	off, line, column int
}

func newLocator(src string, line, column int) *locator {
	return &locator{src: src, baseLine: line, baseCol: column, line: line, column: column}
}

// at returns the 1-based line and column of byte offset off. A line break
// is '\n'; columns count code points, an invalid byte counting as one.
func (l *locator) at(off int) (line, column int) {
	if off < l.off {
		l.off, l.line, l.column = 0, l.baseLine, l.baseCol
	}
	off = min(off, len(l.src))
	for l.off < off {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		if r == '\n' {
			l.line++
			l.column = 1
		} else {
			l.column++
		}
		l.off += size
	}
	return l.line, l.column
}

// maxNear bounds the text quoted in an error, in code points.
const maxNear = 40

// near is the text quoted in an error at off: the rest of that line, cut at
// maxNear characters.
func near(src string, off int) string {
	if off >= len(src) {
		return ""
	}
	s := src[off:]
	if nl := strings.IndexByte(s, '\n'); nl >= 0 {
		s = s[:nl]
	}
	s = strings.TrimRight(s, " \t\r\v\f")
	n := 0
	for i := range s {
		if n == maxNear {
			return s[:i] + "..."
		}
		n++
	}
	return s
}
