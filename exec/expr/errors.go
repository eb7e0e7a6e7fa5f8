package expr

import (
	"fmt"
	"strings"

	"github.com/taipandb/taipan/types"
)

// OutOfRangeError is a computed value that does not fit its type, as
// MySQL reports it: "BIGINT value is out of range in 'a + b'". Kernels
// return it without Expr; Call.Eval fills in the expression's text.
type OutOfRangeError struct {
	Type types.Type
	Expr string
}

func (e *OutOfRangeError) Error() string {
	name := e.Type.String()
	if e.Type.Kind == types.Decimal {
		name = "DECIMAL"
	}
	if e.Expr == "" {
		return fmt.Sprintf("%s value is out of range", name)
	}
	return fmt.Sprintf("%s value is out of range in '%s'", name, e.Expr)
}

// CastError is a value that cannot be converted to a type.
type CastError struct {
	Value  string // as SQL writes it: strings quoted
	To     types.Type
	Reason string // "out of range", "not a number", ...
}

func (e *CastError) Error() string {
	return fmt.Sprintf("cannot cast %s to %s: %s", e.Value, e.To, e.Reason)
}

func castError(v types.Value, from, to types.Type, reason string) error {
	return &CastError{Value: Quote(v, from), To: to, Reason: reason}
}

// Quote writes v as a SQL literal: strings and dates in single quotes.
func Quote(v types.Value, t types.Type) string {
	switch v.(type) {
	case string, []byte, types.DateValue, types.TimestampValue:
		return "'" + strings.ReplaceAll(FormatValue(v, t), "'", "''") + "'"
	}
	return FormatValue(v, t)
}
