package fileio

import (
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// parseStrings converts a column of text to a numeric, DATE or TIMESTAMP
// type without boxing each value, for the common spellings: what
// strconv reads as the engine's CAST reads it, plain decimals that need
// no rounding, and the engine's own ParseDate and ParseTimestamp. ok is
// false when some value needs more (rounding, a range error, a bad
// value): the caller then casts the column with expr.CastArray, which
// gives the same values and the engine's errors.
func parseStrings(mem memory.Allocator, str *array.String, to types.Type) (arrow.Array, bool) {
	n := str.Len()
	switch {
	case to.IsInteger():
		lo, hi := expr.IntRange(to.Kind)
		vals := make([]int64, n)
		for i := range vals {
			if str.IsValid(i) {
				v, err := strconv.ParseInt(strings.TrimSpace(str.Value(i)), 10, 64)
				if err != nil || v < lo || v > hi {
					return nil, false
				}
				vals[i] = v
			}
		}
		b := array.NewBuilder(mem, to.Arrow())
		defer b.Release()
		b.Reserve(n)
		for i, v := range vals {
			switch {
			case str.IsNull(i):
				b.AppendNull()
			case to.Kind == types.Int8:
				b.(*array.Int8Builder).UnsafeAppend(int8(v))
			case to.Kind == types.Int16:
				b.(*array.Int16Builder).UnsafeAppend(int16(v))
			case to.Kind == types.Int32:
				b.(*array.Int32Builder).UnsafeAppend(int32(v))
			default:
				b.(*array.Int64Builder).UnsafeAppend(v)
			}
		}
		return b.NewArray(), true
	case to.IsFloat():
		vals := make([]float64, n)
		for i := range vals {
			if str.IsValid(i) {
				v, err := strconv.ParseFloat(strings.TrimSpace(str.Value(i)), 64)
				if err != nil || (to.Kind == types.Float32 && !math.IsInf(v, 0) && math.Abs(v) > math.MaxFloat32) {
					return nil, false
				}
				vals[i] = v
			}
		}
		if to.Kind == types.Float32 {
			b := array.NewFloat32Builder(mem)
			defer b.Release()
			b.Reserve(n)
			for i, v := range vals {
				if str.IsNull(i) {
					b.AppendNull()
				} else {
					b.UnsafeAppend(float32(v))
				}
			}
			return b.NewArray(), true
		}
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, validity(str))
		return b.NewArray(), true
	case to.Kind == types.Decimal:
		b := array.NewDecimal128Builder(mem, to.Arrow().(*arrow.Decimal128Type))
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if str.IsNull(i) {
				b.AppendNull()
				continue
			}
			v, ok := plainDecimal(strings.TrimSpace(str.Value(i)), to)
			if !ok {
				return nil, false
			}
			b.UnsafeAppend(v)
		}
		return b.NewArray(), true
	case to.Kind == types.Date:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if str.IsNull(i) {
				b.AppendNull()
				continue
			}
			d, err := expr.ParseDate(str.Value(i))
			if err != nil {
				return nil, false
			}
			b.UnsafeAppend(arrow.Date32(d))
		}
		return b.NewArray(), true
	case to.Kind == types.Timestamp:
		b := array.NewTimestampBuilder(mem, to.Arrow().(*arrow.TimestampType))
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if str.IsNull(i) {
				b.AppendNull()
				continue
			}
			ts, err := expr.ParseTimestamp(str.Value(i))
			if err != nil {
				return nil, false
			}
			b.UnsafeAppend(arrow.Timestamp(expr.RoundMicros(int64(ts), to.Precision)))
		}
		return b.NewArray(), true
	}
	return nil, false
}

func validity(a arrow.Array) []bool {
	if a.NullN() == 0 {
		return nil
	}
	v := make([]bool, a.Len())
	for i := range v {
		v[i] = a.IsValid(i)
	}
	return v
}

// plainDecimal reads [+-]digits[.digits] with no more fractional digits
// than the type's scale, so that no rounding is involved, and only when
// the value fits the type.
func plainDecimal(s string, to types.Type) (decimal128.Num, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n uint64
	digits, frac, point := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits >= 18 { // beyond what uint64 holds exactly
				return decimal128.Num{}, false
			}
			if n > 0 || c != '0' {
				digits++
			}
			n = n*10 + uint64(c-'0')
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return decimal128.Num{}, false
		}
	}
	if len(s) == 0 || s == "." || frac > to.Scale {
		return decimal128.Num{}, false
	}
	v := decimal128.FromU64(n)
	v, ok := expr.DecimalMulPow10(v, to.Scale-frac)
	if !ok || !expr.DecimalFits(v, to.Precision) {
		return decimal128.Num{}, false
	}
	if neg {
		v = v.Negate()
	}
	return v, true
}
