package sql

// Piece is one statement's text in a script and where it starts (1-based
// line and column, columns in characters).
type Piece struct {
	Text         string
	Line, Column int
}

// Split cuts a script at semicolons outside quotes ('..', "..", `..`, with
// doubled quotes and, in strings, backslash escapes) and comments (-- and #
// to the end of the line, /* */). A piece's text runs from its first token
// to its last: leading and trailing whitespace and comments are dropped, and
// so are empty statements. An unterminated quote or comment is a
// *ParseError at its first character.
func Split(script string) ([]Piece, error) {
	pieces, _, err := split(script, 1, 1)
	return pieces, err
}

// split is Split for a text that starts at line, column of its script. It
// also returns the byte offset of each piece in text.
func split(text string, line, column int) ([]Piece, []int, error) {
	var (
		pieces  []Piece
		offsets []int
		loc     = newLocator(text, line, column)
		lx      = lexer{src: text}
		start   = -1 // first byte of the current statement, -1 before its first token
		end     int  // end of its last token
	)
	for {
		t, lerr := lx.next()
		if lerr != nil {
			return nil, nil, lexFailure(text, loc, lerr)
		}
		if t.kind == tokEOF || lx.isPunct(t, ";") {
			if start >= 0 {
				l, c := loc.at(start)
				pieces = append(pieces, Piece{Text: text[start:end], Line: l, Column: c})
				offsets = append(offsets, start)
				start = -1
			}
			if t.kind == tokEOF {
				return pieces, offsets, nil
			}
			continue
		}
		if start < 0 {
			start = t.start
		}
		end = t.end
	}
}

// IsComplete reports whether text ends a statement: its last token outside
// quotes and comments is ';'. Text with an unterminated quote or comment is
// not complete: the shell keeps reading lines.
func IsComplete(text string) bool {
	lx := lexer{src: text}
	complete := false
	for {
		t, err := lx.next()
		if err != nil {
			return false
		}
		if t.kind == tokEOF {
			return complete
		}
		complete = lx.isPunct(t, ";")
	}
}

func lexFailure(text string, loc *locator, err *lexError) *ParseError {
	l, c := loc.at(err.off)
	return &ParseError{Line: l, Column: c, Near: near(text, err.off), Msg: err.msg}
}
