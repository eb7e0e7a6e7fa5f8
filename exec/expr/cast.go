package expr

import "github.com/taipandb/taipan/types"

// NewCast returns e converted to type to, as CAST(e AS to) does. It is an
// error (naming both types) when SQL allows no such cast.
func NewCast(e Expr, to types.Type) (Expr, error) { panic("expr: NewCast not implemented") }
