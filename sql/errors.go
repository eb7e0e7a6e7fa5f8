package sql

import "fmt"

// ParseError is a syntax error at a script position (1-based line and
// column, columns in characters). Near is the script text from the
// offending token to the end of its line (cut at 40 characters), empty when
// the statement ended too early.
type ParseError struct {
	Line, Column int
	Near, Msg    string
}

// Error reads: syntax error at line 2, column 8 near "FORM t": <reason>,
// or ... column 8 near end of statement: <reason>.
func (e *ParseError) Error() string {
	if e.Near == "" {
		return fmt.Sprintf("syntax error at line %d, column %d near end of statement: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("syntax error at line %d, column %d near %q: %s", e.Line, e.Column, e.Near, e.Msg)
}
