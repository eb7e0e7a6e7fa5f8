package planner

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/pingcap/tidb/pkg/parser/charset"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	tidbtypes "github.com/pingcap/tidb/pkg/parser/types"

	"github.com/taipandb/taipan/types"
)

// ColumnType maps a tidb column type, as written in CREATE TABLE or CAST,
// to a Taipan type. TINYINT(1) is BOOLEAN (the parser spells BOOLEAN so);
// unsigned integers widen to the next signed type (BIGINT UNSIGNED to
// DECIMAL(20,0)) because Taipan has no unsigned types.
func ColumnType(ft *tidbtypes.FieldType) (types.Type, error) {
	flen, dec := ft.GetFlen(), ft.GetDecimal()
	unsigned := mysql.HasUnsignedFlag(ft.GetFlag())
	binary := ft.GetCharset() == charset.CharsetBin
	length := 0
	if flen > 0 {
		length = flen
	}
	switch ft.GetType() {
	case mysql.TypeTiny:
		switch {
		case flen == 1:
			return types.BoolType, nil
		case unsigned:
			return types.Int16Type, nil
		}
		return types.Int8Type, nil
	case mysql.TypeShort:
		if unsigned {
			return types.Int32Type, nil
		}
		return types.Int16Type, nil
	case mysql.TypeInt24, mysql.TypeLong:
		if unsigned {
			return types.Int64Type, nil
		}
		return types.Int32Type, nil
	case mysql.TypeLonglong:
		if unsigned {
			return types.DecimalType(20, 0), nil
		}
		return types.Int64Type, nil
	case mysql.TypeFloat: // the parser already made FLOAT(p > 24) a DOUBLE
		return types.Float32Type, nil
	case mysql.TypeDouble:
		return types.Float64Type, nil
	case mysql.TypeNewDecimal:
		p, s := 10, 0
		if flen > 0 {
			p = flen
		}
		if dec > 0 {
			s = dec
		}
		if p > 38 || s > p {
			return types.Type{}, fmt.Errorf("type DECIMAL(%d,%d) is not supported: precision must be 1..38 and scale 0..precision", p, s)
		}
		return types.DecimalType(p, s), nil
	case mysql.TypeVarchar, mysql.TypeVarString, mysql.TypeString:
		if ft.GetType() == mysql.TypeString && flen < 0 {
			length = 1 // CHAR and BINARY alone are CHAR(1) and BINARY(1)
		}
		if binary {
			return types.Type{Kind: types.Binary, Length: length}, nil
		}
		return types.Type{Kind: types.String, Length: length}, nil
	case mysql.TypeTinyBlob, mysql.TypeBlob, mysql.TypeMediumBlob, mysql.TypeLongBlob:
		if binary {
			return types.BinaryType, nil
		}
		return types.StringType, nil
	case mysql.TypeDate:
		return types.DateType, nil
	case mysql.TypeDatetime, mysql.TypeTimestamp:
		p := max(dec, 0)
		if p > 6 {
			return types.Type{}, fmt.Errorf("type %s is not supported: fractional seconds precision must be 0..6", strings.ToUpper(ft.String()))
		}
		return types.TimestampType(p), nil
	}
	return types.Type{}, fmt.Errorf("type %s is not supported", strings.ToUpper(tidbtypes.TypeToStr(ft.GetType(), ft.GetCharset())))
}

// unifyTypes returns the type that values of a and b both convert to
// where they meet in one column (UNION branches, join keys).
func unifyTypes(a, b types.Type) types.Type {
	switch {
	case a.Equal(b):
		return a
	case a.Kind == types.Null:
		return b
	case b.Kind == types.Null:
		return a
	case a.Kind == b.Kind:
		switch a.Kind {
		case types.String, types.Binary:
			if a.Length == 0 || b.Length == 0 {
				return types.Type{Kind: a.Kind}
			}
			return types.Type{Kind: a.Kind, Length: max(a.Length, b.Length)}
		case types.Timestamp:
			return types.TimestampType(max(a.Precision, b.Precision))
		case types.Decimal:
			return unifyDecimal(a.Precision-a.Scale, b.Precision-b.Scale, max(a.Scale, b.Scale))
		}
		return a
	case numericLike(a) && numericLike(b):
		if a.IsFloat() || b.IsFloat() {
			return types.Float64Type
		}
		if a.Kind == types.Decimal || b.Kind == types.Decimal {
			return unifyDecimal(intDigits(a), intDigits(b), a.Scale+b.Scale)
		}
		if a.Kind > b.Kind {
			return a
		}
		return b
	case temporal(a) && temporal(b):
		return types.TimestampType(max(a.Precision, b.Precision))
	case a.Kind == types.Binary || b.Kind == types.Binary:
		return types.BinaryType
	}
	return types.StringType
}

func unifyDecimal(digitsA, digitsB, scale int) types.Type {
	p := min(max(digitsA, digitsB)+scale, 38)
	return types.DecimalType(max(p, 1), min(scale, p))
}

// intDigits is the number of integer digits a type's values need.
func intDigits(t types.Type) int {
	switch t.Kind {
	case types.Bool:
		return 1
	case types.Int8:
		return 3
	case types.Int16:
		return 5
	case types.Int32:
		return 10
	case types.Int64:
		return 19
	case types.Decimal:
		return t.Precision - t.Scale
	}
	return 0
}

func numericLike(t types.Type) bool { return t.IsNumeric() || t.Kind == types.Bool }
func temporal(t types.Type) bool    { return t.Kind == types.Date || t.Kind == types.Timestamp }

// comparableFamily reports whether values of a and b can be hashed
// together once cast to their unified type without changing what '='
// means for them (numbers with numbers, strings with strings...).
func comparableFamily(a, b types.Type) bool {
	switch {
	case a.Kind == types.Null || b.Kind == types.Null:
		return false
	case numericLike(a) && numericLike(b), temporal(a) && temporal(b):
		return true
	}
	return a.Kind == b.Kind
}

// decimalLiteral reads a decimal literal's text as DECIMAL(p,s) sized to it.
func decimalLiteral(text string) (types.Value, types.Type, error) {
	s := strings.TrimPrefix(strings.TrimSpace(text), "+")
	digits := strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(digits, ".")
	intPart = strings.TrimLeft(intPart, "0")
	scale := len(frac)
	p := max(len(intPart)+scale, 1)
	if p > 38 {
		// Too wide for DECIMAL(38): MySQL too falls back to DOUBLE here.
		var f float64
		if _, err := fmt.Sscanf(s, "%g", &f); err != nil {
			return nil, types.Type{}, fmt.Errorf("bad decimal literal %s", text)
		}
		return f, types.Float64Type, nil
	}
	// Exact digits: the unscaled value is the literal without its point.
	v, ok := new(big.Int).SetString(strings.Replace(s, ".", "", 1), 10)
	if !ok {
		return nil, types.Type{}, fmt.Errorf("bad decimal literal %s", text)
	}
	return decimal128.FromBigInt(v), types.DecimalType(p, scale), nil
}

// uintLiteral types an integer literal beyond BIGINT's range.
func uintLiteral(u uint64) (types.Value, types.Type) {
	if u <= math.MaxInt64 {
		return int64(u), types.Int64Type
	}
	return decimal128.FromU64(u), types.DecimalType(20, 0)
}

// dateLiteral parses DATE 'YYYY-MM-DD'.
func dateLiteral(s string) (types.Value, types.Type, error) {
	t, err := time.Parse("2006-1-2", strings.TrimSpace(s))
	if err != nil {
		return nil, types.Type{}, fmt.Errorf("bad DATE literal '%s': want 'YYYY-MM-DD'", s)
	}
	return types.DateValue(t.Unix() / 86400), types.DateType, nil
}

// timestampLiteral parses TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.ffffff]'; the
// type's precision is the number of fraction digits written.
func timestampLiteral(s string) (types.Value, types.Type, error) {
	txt := strings.TrimSpace(s)
	prec := 0
	if i := strings.LastIndexByte(txt, '.'); i >= 0 && strings.ContainsAny(txt, ":") {
		prec = len(txt) - i - 1
	}
	if prec > 6 {
		return nil, types.Type{}, fmt.Errorf("bad TIMESTAMP literal '%s': at most 6 fraction digits", s)
	}
	for _, layout := range []string{"2006-1-2 15:04:05.999999", "2006-1-2T15:04:05.999999", "2006-1-2 15:04", "2006-1-2"} {
		if t, err := time.Parse(layout, txt); err == nil {
			return types.TimestampValue(t.UnixMicro()), types.TimestampType(prec), nil
		}
	}
	return nil, types.Type{}, fmt.Errorf("bad TIMESTAMP literal '%s': want 'YYYY-MM-DD HH:MM:SS[.ffffff]'", s)
}
