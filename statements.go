package taipan

import (
	"context"
	"errors"
	"io"
)

var errEOF = io.EOF

// Split cuts a script into statements at semicolons outside quotes and
// comments. Empty statements are dropped.
func Split(script string) ([]Statement, error) {
	return nil, errors.New("taipan: Split not implemented")
}

// IsComplete reports whether text ends a statement: its last token, outside
// quotes and comments, is a semicolon. The shell reads lines until then.
func IsComplete(text string) bool { return false }

// QueryStatement runs one statement of a script.
func (s *Session) QueryStatement(ctx context.Context, st Statement) (*Rows, error) {
	return nil, errors.New("taipan: not implemented")
}
