package expr

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/types"
)

// Cast rules (MySQL's, where they differ from the SQL standard):
//   - NULL (the type) casts to every type, as NULL.
//   - Numbers convert to numbers exactly when they fit; DECIMAL to integers
//     rounds half away from zero (CAST(2.5 AS SIGNED) = 3), DOUBLE and FLOAT
//     half to even (CAST(2.5e0 AS SIGNED) = 2, MySQL's rint);
//     DECIMAL to a smaller scale rounds half away from zero. A value that does not
//     fit the target is an error naming the value and the type.
//   - BOOLEAN is the number 0 or 1; a number is TRUE when it is not 0.
//   - Strings convert to numbers when they spell one (surrounding spaces
//     allowed; '1.5' to BIGINT rounds to 2); anything else is an error.
//   - Strings convert to DATE from 'YYYY-MM-DD' and to TIMESTAMP from
//     'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]' (a 'T' may separate the parts).
//     A TIMESTAMP cast to a DATE drops the time; TIMESTAMP(p) rounds the
//     fraction to p digits.
//   - DATE and TIMESTAMP convert to and from integers as MySQL spells them
//     as numbers: YYYYMMDD and YYYYMMDDHHMMSS.
//   - Everything converts to a string as FormatValue writes it;
//     VARCHAR(n) keeps the first n characters. Strings and binary strings
//     convert to each other byte for byte.
//   - BOOLEAN to or from DATE/TIMESTAMP is not allowed.

// Cast is CAST(Expr AS To).
type Cast struct {
	Expr Expr
	To   types.Type
}

// NewCast returns e converted to type to, as CAST(e AS to) does. It is an
// error (naming both types) when SQL allows no such cast.
func NewCast(e Expr, to types.Type) (Expr, error) {
	if err := CheckCast(e.Type(), to); err != nil {
		return nil, err
	}
	return &Cast{Expr: e, To: to}, nil
}

func (c *Cast) Type() types.Type { return c.To }
func (c *Cast) String() string   { return fmt.Sprintf("CAST(%s AS %s)", c.Expr, c.To) }
func (c *Cast) Eval(ctx *Context, b arrow.Record) (arrow.Array, error) {
	a, err := c.Expr.Eval(ctx, b)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return CastArray(ctx.Mem, a, c.Expr.Type(), c.To)
}

func isTemporal(k types.Kind) bool { return k == types.Date || k == types.Timestamp }

// CheckCast reports whether values of type from may be cast to type to.
func CheckCast(from, to types.Type) error {
	f, t := from.Kind, to.Kind
	ok := true
	switch {
	case f == types.Null || f == t:
	case t == types.Null:
		ok = false
	case t == types.String || t == types.Binary || f == types.String || f == types.Binary:
	case (f == types.Bool && isTemporal(t)) || (isTemporal(f) && t == types.Bool):
		ok = false
	}
	if !ok {
		return fmt.Errorf("cannot cast %s to %s", from, to)
	}
	return nil
}

// CastValue converts one value of type from to type to (nil stays nil).
func CastValue(v types.Value, from, to types.Type) (types.Value, error) {
	if v == nil {
		return nil, nil
	}
	if err := CheckCast(from, to); err != nil {
		return nil, err
	}
	switch to.Kind {
	case types.Bool:
		return toBool(v, from, to)
	case types.Int8, types.Int16, types.Int32, types.Int64:
		n, err := toInt64(v, from, to)
		if err != nil {
			return nil, err
		}
		if lo, hi := IntRange(to.Kind); n < lo || n > hi {
			return nil, castError(v, from, to, "out of range")
		}
		return n, nil
	case types.Float32, types.Float64:
		return toFloat(v, from, to)
	case types.Decimal:
		return toDecimal(v, from, to)
	case types.String:
		s := FormatValue(v, from)
		if to.Length > 0 && utf8.RuneCountInString(s) > to.Length {
			s = truncateRunes(s, to.Length)
		}
		return s, nil
	case types.Binary:
		if b, ok := v.([]byte); ok {
			return b, nil
		}
		return []byte(FormatValue(v, from)), nil
	case types.Date:
		return toDate(v, from, to)
	case types.Timestamp:
		ts, err := toTimestamp(v, from, to)
		if err != nil {
			return nil, err
		}
		return types.TimestampValue(RoundMicros(int64(ts), to.Precision)), nil
	}
	return nil, fmt.Errorf("cannot cast %s to %s", from, to)
}

func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// IntRange returns the smallest and largest value of an integer kind.
func IntRange(k types.Kind) (lo, hi int64) {
	switch k {
	case types.Int8:
		return math.MinInt8, math.MaxInt8
	case types.Int16:
		return math.MinInt16, math.MaxInt16
	case types.Int32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func toBool(v types.Value, from, to types.Type) (types.Value, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case decimal128.Num:
		return x.Sign() != 0, nil
	case string, []byte:
		s := strings.TrimSpace(FormatValue(x, from))
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, castError(v, from, to, "not a boolean")
		}
		return f != 0, nil
	}
	return nil, fmt.Errorf("cannot cast %s to %s", from, to)
}

func toInt64(v types.Value, from, to types.Type) (int64, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case int64:
		return x, nil
	case float64:
		r := math.RoundToEven(x)
		if !(r >= -9.223372036854775808e18 && r < 9.223372036854775808e18) {
			return 0, castError(v, from, to, "out of range")
		}
		return int64(r), nil
	case decimal128.Num:
		r := DecimalDivPow10(x, from.Scale, true)
		if !fitsInt64(r) {
			return 0, castError(v, from, to, "out of range")
		}
		return int64(r.LowBits()), nil
	case string, []byte:
		s := strings.TrimSpace(FormatValue(x, from))
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		r, ok := parseRat(s)
		if !ok {
			return 0, castError(v, from, to, "not a number")
		}
		d, ok := DecimalFromRat(r, 0)
		if !ok || !fitsInt64(d) {
			return 0, castError(v, from, to, "out of range")
		}
		return int64(d.LowBits()), nil
	case types.DateValue:
		t := time.Unix(int64(x)*86400, 0).UTC()
		return int64(t.Year()*10000 + int(t.Month())*100 + t.Day()), nil
	case types.TimestampValue:
		t := time.UnixMicro(int64(x)).UTC()
		ymd := int64(t.Year()*10000 + int(t.Month())*100 + t.Day())
		return ymd*1000000 + int64(t.Hour()*10000+t.Minute()*100+t.Second()), nil
	}
	return 0, fmt.Errorf("cannot cast %s to %s", from, to)
}

// parseRat reads a decimal number (digits, point, exponent; no fractions
// like 1/3, which big.Rat would accept).
func parseRat(s string) (*big.Rat, bool) {
	if s == "" || strings.ContainsAny(s, "/_") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

func toFloat(v types.Value, from, to types.Type) (types.Value, error) {
	var f float64
	switch x := v.(type) {
	case bool:
		if x {
			f = 1
		}
	case int64:
		f = float64(x)
	case float64:
		f = x
	case decimal128.Num:
		f = x.ToFloat64(int32(from.Scale))
	case string, []byte:
		s := strings.TrimSpace(FormatValue(x, from))
		var err error
		f, err = strconv.ParseFloat(s, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, castError(v, from, to, "out of range")
			}
			return nil, castError(v, from, to, "not a number")
		}
	case types.DateValue, types.TimestampValue:
		n, err := toInt64(v, from, to)
		if err != nil {
			return nil, err
		}
		f = float64(n)
	default:
		return nil, fmt.Errorf("cannot cast %s to %s", from, to)
	}
	if to.Kind == types.Float32 && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
		return nil, castError(v, from, to, "out of range")
	}
	return f, nil
}

func toDecimal(v types.Value, from, to types.Type) (types.Value, error) {
	var n decimal128.Num
	ok := true
	switch x := v.(type) {
	case bool, int64, types.DateValue, types.TimestampValue:
		i, err := toInt64(x, from, to)
		if err != nil {
			return nil, err
		}
		n, ok = DecimalMulPow10(decimal128.FromI64(i), to.Scale)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, castError(v, from, to, "out of range")
		}
		n, ok = DecimalFromRat(new(big.Rat).SetFloat64(x), to.Scale)
	case decimal128.Num:
		n, ok = DecimalRescale(x, from.Scale, to.Scale)
	case string, []byte:
		r, isNum := parseRat(strings.TrimSpace(FormatValue(x, from)))
		if !isNum {
			return nil, castError(v, from, to, "not a number")
		}
		n, ok = DecimalFromRat(r, to.Scale)
	default:
		return nil, fmt.Errorf("cannot cast %s to %s", from, to)
	}
	if !ok || !DecimalFits(n, to.Precision) {
		return nil, castError(v, from, to, "out of range")
	}
	return n, nil
}

func toDate(v types.Value, from, to types.Type) (types.Value, error) {
	switch x := v.(type) {
	case types.DateValue:
		return x, nil
	case types.TimestampValue:
		return types.DateValue(floorDiv(int64(x), 86400*1000000)), nil
	case string, []byte:
		d, err := ParseDate(FormatValue(x, from))
		if err != nil {
			return nil, castError(v, from, to, "not a date")
		}
		return d, nil
	}
	n, err := toInt64(v, from, to)
	if err != nil {
		return nil, err
	}
	if n > 99991231 {
		n /= 1000000
	}
	d, ok := dateOf(int(n/10000), int(n/100%100), int(n%100))
	if !ok {
		return nil, castError(v, from, to, "not a date")
	}
	return d, nil
}

func toTimestamp(v types.Value, from, to types.Type) (types.TimestampValue, error) {
	switch x := v.(type) {
	case types.DateValue:
		return types.TimestampValue(int64(x) * 86400 * 1000000), nil
	case types.TimestampValue:
		return x, nil
	case string, []byte:
		ts, err := ParseTimestamp(FormatValue(x, from))
		if err != nil {
			return 0, castError(v, from, to, "not a timestamp")
		}
		return ts, nil
	}
	n, err := toInt64(v, from, to)
	if err != nil {
		return 0, err
	}
	hms := int64(0)
	if n > 99991231 {
		n, hms = n/1000000, n%1000000
	}
	d, ok := dateOf(int(n/10000), int(n/100%100), int(n%100))
	h, m, s := hms/10000, hms/100%100, hms%100
	if !ok || h > 23 || m > 59 || s > 59 {
		return 0, castError(v, from, to, "not a timestamp")
	}
	return types.TimestampValue(int64(d)*86400*1000000 + (h*3600+m*60+s)*1000000), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// RoundMicros rounds microseconds since the epoch to p fractional digits.
func RoundMicros(us int64, p int) int64 {
	if p >= 6 || p < 0 {
		return us
	}
	unit := int64(math.Pow10(6 - p))
	q := floorDiv(us, unit)
	if r := us - q*unit; r*2 >= unit {
		q++
	}
	return q * unit
}

func dateOf(y, m, d int) (types.DateValue, bool) {
	if y < 0 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false
	}
	return types.DateValue(floorDiv(t.Unix(), 86400)), true
}

// digits reads up to max decimal digits from s at i.
func digits(s string, i, max int) (n, next int, ok bool) {
	j := i
	for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
		n = n*10 + int(s[j]-'0')
		j++
	}
	return n, j, j > i
}

// parseDateTime reads 'YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]]'.
func parseDateTime(s string) (d types.DateValue, us int64, ok bool) {
	s = strings.TrimSpace(s)
	y, i, ok1 := digits(s, 0, 4)
	if !ok1 || i >= len(s) || s[i] != '-' {
		return 0, 0, false
	}
	m, i, ok1 := digits(s, i+1, 2)
	if !ok1 || i >= len(s) || s[i] != '-' {
		return 0, 0, false
	}
	day, i, ok1 := digits(s, i+1, 2)
	if !ok1 {
		return 0, 0, false
	}
	d, ok = dateOf(y, m, day)
	if !ok {
		return 0, 0, false
	}
	if i == len(s) {
		return d, 0, true
	}
	if s[i] != ' ' && s[i] != 'T' {
		return 0, 0, false
	}
	i++
	for i < len(s) && s[i] == ' ' {
		i++
	}
	h, i, ok1 := digits(s, i, 2)
	if !ok1 || i >= len(s) || s[i] != ':' {
		return 0, 0, false
	}
	mi, i, ok1 := digits(s, i+1, 2)
	if !ok1 {
		return 0, 0, false
	}
	sec, frac := 0, int64(0)
	if i < len(s) && s[i] == ':' {
		sec, i, ok1 = digits(s, i+1, 2)
		if !ok1 {
			return 0, 0, false
		}
		if i < len(s) && s[i] == '.' {
			j := i + 1
			scale := int64(100000)
			for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
				switch {
				case scale >= 1:
					frac += int64(s[j]-'0') * scale
					scale /= 10
				case scale == 0 && s[j] >= '5':
					frac++ // round on the seventh digit
					scale = -1
				default:
					scale = -1
				}
			}
			i = j
		}
	}
	if i != len(s) || h > 23 || mi > 59 || sec > 59 {
		return 0, 0, false
	}
	return d, (int64(h)*3600+int64(mi)*60+int64(sec))*1000000 + frac, true
}

// ParseDate reads a DATE from 'YYYY-MM-DD' (a time part, if any, is
// checked and dropped).
func ParseDate(s string) (types.DateValue, error) {
	d, _, ok := parseDateTime(s)
	if !ok {
		return 0, fmt.Errorf("bad DATE %q", s)
	}
	return d, nil
}

// ParseTimestamp reads a TIMESTAMP from 'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]'.
func ParseTimestamp(s string) (types.TimestampValue, error) {
	d, us, ok := parseDateTime(s)
	if !ok {
		return 0, fmt.Errorf("bad TIMESTAMP %q", s)
	}
	return types.TimestampValue(int64(d)*86400*1000000 + us), nil
}

// CastArray converts a whole column of type from to type to. Numeric
// conversions run over typed slices; the rest goes value by value.
func CastArray(mem memory.Allocator, arr arrow.Array, from, to types.Type) (arrow.Array, error) {
	n := arr.Len()
	if from.Kind == types.Null || arr.DataType().ID() == arrow.NULL || arr.NullN() == n {
		return array.MakeArrayOfNull(mem, to.Arrow(), n), nil
	}
	if err := CheckCast(from, to); err != nil {
		return nil, err
	}
	if sameValues(from, to) {
		if arrow.TypeEqual(arr.DataType(), to.Arrow()) {
			arr.Retain()
			return arr, nil
		}
		d := arr.Data()
		nd := array.NewData(to.Arrow(), n, d.Buffers(), d.Children(), d.NullN(), d.Offset())
		defer nd.Release()
		return array.MakeFromData(nd), nil
	}
	if out, err, ok := castFast(mem, arr, from, to); ok {
		return out, err
	}
	b := array.NewBuilder(mem, to.Arrow())
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		v, err := CastValue(ValueAt(arr, i), from, to)
		if err != nil {
			return nil, err
		}
		if err := AppendValue(b, v); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// sameValues reports whether a column of from is already a column of to
// (perhaps under another Arrow type label, as DECIMAL(10,2) in (12,2)).
func sameValues(from, to types.Type) bool {
	switch {
	case from.Kind != to.Kind:
		return false
	case to.Kind == types.Decimal:
		return from.Scale == to.Scale && from.Precision <= to.Precision
	case to.Kind == types.String || to.Kind == types.Binary:
		return to.Length == 0 || (from.Length > 0 && from.Length <= to.Length)
	case to.Kind == types.Timestamp:
		return from.Precision <= to.Precision
	}
	return true
}

type intT interface {
	~int8 | ~int16 | ~int32 | ~int64
}
type floatT interface{ ~float32 | ~float64 }
type numT interface{ intT | floatT }

// castFast converts numeric columns through typed slices. ok is false
// when no fast path applies.
func castFast(mem memory.Allocator, arr arrow.Array, from, to types.Type) (out arrow.Array, err error, ok bool) {
	switch from.Kind {
	case types.Int8:
		return castFrom(mem, Values[int8](arr), arr, from, to)
	case types.Int16:
		return castFrom(mem, Values[int16](arr), arr, from, to)
	case types.Int32:
		return castFrom(mem, Values[int32](arr), arr, from, to)
	case types.Int64:
		return castFrom(mem, Values[int64](arr), arr, from, to)
	case types.Float32:
		return castFrom(mem, Values[float32](arr), arr, from, to)
	case types.Float64:
		return castFrom(mem, Values[float64](arr), arr, from, to)
	case types.Bool:
		if !to.IsNumeric() || to.Kind == types.Decimal {
			return nil, nil, false
		}
		src := make([]int8, arr.Len())
		bits := BoolBits(arr.(*array.Boolean))
		for i := range src {
			if bitutil.BitIsSet(bits, i) {
				src[i] = 1
			}
		}
		return castFrom(mem, src, arr, types.Int8Type, to)
	case types.Decimal:
		switch to.Kind {
		case types.Decimal:
			out, err := castDecimal(mem, arr, from, to)
			return out, err, true
		case types.Float64:
			src := Values[decimal128.Num](arr)
			col := NewFixedColumn[float64](mem, to.Arrow(), len(src))
			for i, v := range src {
				col.Values[i] = v.ToFloat64(int32(from.Scale))
			}
			return finishLike(col, mem, arr), nil, true
		}
	}
	return nil, nil, false
}

// finishLike finishes col with the validity of src.
func finishLike[T Fixed](col *FixedColumn[T], mem memory.Allocator, src arrow.Array) arrow.Array {
	return col.Finish(FinishValidity(AndValidity(mem, src.Len(), src)))
}

func castDecimal(mem memory.Allocator, arr arrow.Array, from, to types.Type) (arrow.Array, error) {
	src := Values[decimal128.Num](arr)
	var valid []byte
	if arr.NullN() > 0 {
		valid = ValidBits(arr)
	}
	col := NewFixedColumn[decimal128.Num](mem, to.Arrow(), len(src))
	for i, v := range src {
		r, ok := DecimalRescale(v, from.Scale, to.Scale)
		if !ok || !DecimalFits(r, to.Precision) {
			if valid == nil || bitutil.BitIsSet(valid, i) {
				col.Finish(nil, 0).Release()
				return nil, castError(v, from, to, "out of range")
			}
			r = decimal128.Num{}
		}
		col.Values[i] = r
	}
	return finishLike(col, mem, arr), nil
}

func castFrom[S numT](mem memory.Allocator, src []S, arr arrow.Array, from, to types.Type) (arrow.Array, error, bool) {
	var valid []byte
	if arr.NullN() > 0 {
		valid = ValidBits(arr)
	}
	bad := -1
	var out arrow.Array
	switch to.Kind {
	case types.Int8:
		out, bad = convert[S, int8](mem, src, valid, to, from.IsFloat())
	case types.Int16:
		out, bad = convert[S, int16](mem, src, valid, to, from.IsFloat())
	case types.Int32:
		out, bad = convert[S, int32](mem, src, valid, to, from.IsFloat())
	case types.Int64:
		out, bad = convert[S, int64](mem, src, valid, to, from.IsFloat())
	case types.Float32:
		out, bad = convert[S, float32](mem, src, valid, to, from.IsFloat())
	case types.Float64:
		out, bad = convert[S, float64](mem, src, valid, to, from.IsFloat())
	case types.Decimal:
		if from.IsFloat() {
			return nil, nil, false
		}
		col := NewFixedColumn[decimal128.Num](mem, to.Arrow(), len(src))
		for i, v := range src {
			r, ok := DecimalMulPow10(decimal128.FromI64(int64(v)), to.Scale)
			if (!ok || !DecimalFits(r, to.Precision)) && (valid == nil || bitutil.BitIsSet(valid, i)) {
				col.Finish(nil, 0).Release()
				return nil, castError(int64(v), from, to, "out of range"), true
			}
			col.Values[i] = r
		}
		out = finishLike(col, mem, arr)
	default:
		return nil, nil, false
	}
	if bad >= 0 {
		v := ValueAt(arr, bad)
		if from.Kind == types.Bool || arr.DataType().ID() == arrow.BOOL {
			v = int64(src[bad])
		}
		return nil, castError(v, from, to, "out of range"), true
	}
	out = withValidity(mem, out, arr)
	return out, nil, true
}

// withValidity gives out (which has no nulls) the validity of src.
func withValidity(mem memory.Allocator, out, src arrow.Array) arrow.Array {
	if src.NullN() == 0 {
		return out
	}
	defer out.Release()
	v := AndValidity(mem, src.Len(), src)
	buf, nulls := FinishValidity(v)
	d := out.Data()
	nd := array.NewData(d.DataType(), d.Len(), append([]*memory.Buffer{buf}, d.Buffers()[1:]...), nil, nulls, d.Offset())
	if buf != nil {
		buf.Release()
	}
	defer nd.Release()
	return array.MakeFromData(nd)
}

// convert copies src into a new column of D with the range checks of the
// target; bad is the first valid row out of range (-1: none). Floats to
// integers round half to even.
func convert[S numT, D numT](mem memory.Allocator, src []S, valid []byte, to types.Type, fromFloat bool) (arrow.Array, int) {
	col := NewFixedColumn[D](mem, to.Arrow(), len(src))
	dst := col.Values
	isValid := func(i int) bool { return valid == nil || bitutil.BitIsSet(valid, i) }
	switch {
	case to.IsFloat():
		for i, v := range src {
			dst[i] = D(v)
		}
		if to.Kind == types.Float32 && fromFloat {
			for i, v := range src {
				f := float64(v)
				if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 && isValid(i) {
					col.Finish(nil, 0).Release()
					return nil, i
				}
			}
		}
	case fromFloat:
		lo, hi := IntRange(to.Kind)
		flo, fhi := float64(lo), float64(hi)
		if to.Kind == types.Int64 {
			fhi = 9.223372036854775807e18 // rounds up to 2^63: checked with < below
		}
		for i, v := range src {
			r := math.RoundToEven(float64(v))
			if !(r >= flo && (r < fhi || (to.Kind != types.Int64 && r == fhi))) {
				if isValid(i) {
					col.Finish(nil, 0).Release()
					return nil, i
				}
				r = 0
			}
			dst[i] = D(r)
		}
	default:
		for i, v := range src {
			d := D(v)
			dst[i] = d
			if S(d) != v && isValid(i) {
				col.Finish(nil, 0).Release()
				return nil, i
			}
		}
	}
	return col.Finish(nil, 0), -1
}
