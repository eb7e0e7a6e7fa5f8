package builtin

import (
	"fmt"

	"github.com/taipandb/taipan/types"
)

// Typing rules of the built-in functions, all in this file. They follow
// MySQL where it is precise and DuckDB where MySQL is lenient:
//
// Arithmetic (+ - * / DIV %):
//   - NULL-typed operands take the other operand's type; the result is NULL.
//   - BOOLEAN counts as an integer (0/1); strings and binary strings count
//     as DOUBLE (MySQL); DATE and TIMESTAMP are not operands of arithmetic.
//   - integer op integer -> BIGINT; a result outside BIGINT is the error
//     "BIGINT value is out of range in 'a + b'".
//   - either operand DOUBLE or FLOAT -> DOUBLE.
//   - DECIMAL op DECIMAL or integer -> DECIMAL, an integer counting as
//     DECIMAL(d,0) with d its digits (TINYINT 3, SMALLINT 5, INT 10,
//     BIGINT 19). + and -: scale max(s1,s2), precision
//     max(p1-s1,p2-s2)+scale+1. *: scale s1+s2, precision p1+p2.
//     Precision is capped at 38 and scale at 30; a result with more
//     digits than its precision is an out-of-range error.
//   - / of integers or decimals -> DECIMAL with scale s1+4 and precision
//     p1+s2+4 (MySQL's div_precision_increment), so 1/2 = 0.5000 and
//     the quotient is rounded half away from zero; of floats -> DOUBLE.
//   - DIV -> BIGINT (the quotient truncated toward zero); % -> BIGINT for
//     integers, DOUBLE for floats, DECIMAL with scale max(s1,s2) for
//     decimals; the sign of % follows the dividend.
//   - division and modulo by zero give NULL (MySQL without strict mode).
//
// Comparisons (= != < <= > >= <=> IN, NULLIF, and the ordering of GREATEST
// and LEAST), by the pair of operand types:
//   - numbers with numbers compare numerically: integers as BIGINT, with a
//     DECIMAL as DECIMAL (the larger scale), with a float as DOUBLE.
//   - BOOLEAN compares as the number 0 or 1.
//   - string with DATE or TIMESTAMP: the string is cast to the temporal
//     type (a bad date string is an error); DATE with TIMESTAMP compares as
//     TIMESTAMP.
//   - string with number: both as DOUBLE (MySQL).
//   - strings compare byte for byte (binary collation, case-sensitive, as
//     DuckDB does), binary strings likewise; string with binary as binary.
//   - anything else (DATE with BOOLEAN...) is the bind error
//     "cannot compare DATE with BOOLEAN".
//
// Logic (AND OR XOR NOT, IS TRUE, IS FALSE, the conditions of CASE and IF):
// operands are cast to BOOLEAN (numbers: not 0; strings: 'true', 'false'
// or a number); AND, OR and NOT follow three-valued logic.
//
// Results of CASE, IF, IFNULL, COALESCE, GREATEST, LEAST: the common type
// of the values (superType): numbers widen as in arithmetic (but integers
// keep the widest integer type), DATE with TIMESTAMP gives TIMESTAMP, a
// binary string with anything gives VARBINARY, other mixes give TEXT.
//
// String functions cast their string arguments to TEXT (numbers are
// written as FormatValue writes them) and their count arguments to BIGINT;
// math functions take numbers (strings as DOUBLE); date functions take
// DATE, TIMESTAMP, or strings cast to TIMESTAMP.

// intDigits is the number of decimal digits of an integer kind's range.
func intDigits(k types.Kind) int {
	switch k {
	case types.Bool:
		return 1
	case types.Int8:
		return 3
	case types.Int16:
		return 5
	case types.Int32:
		return 10
	}
	return 19
}

const maxScale = 30

func capDecimal(p, s int) types.Type {
	if s > maxScale {
		s = maxScale
	}
	if p > 38 {
		p = 38
	}
	if p < s {
		p = s
	}
	if p < 1 {
		p = 1
	}
	return types.DecimalType(p, s)
}

// asDecimal is the DECIMAL type that holds every value of an integer or
// decimal type exactly.
func asDecimal(t types.Type) types.Type {
	if t.Kind == types.Decimal {
		return t
	}
	return types.DecimalType(intDigits(t.Kind), 0)
}

// numClass is how a type takes part in arithmetic.
type numClass int

const (
	classNull numClass = iota
	classInt
	classDecimal
	classFloat
	classNone
)

func classOf(t types.Type) numClass {
	switch {
	case t.Kind == types.Null:
		return classNull
	case t.IsInteger() || t.Kind == types.Bool:
		return classInt
	case t.Kind == types.Decimal:
		return classDecimal
	case t.IsFloat() || t.Kind == types.String || t.Kind == types.Binary:
		return classFloat
	}
	return classNone
}

// commonDecimal is the DECIMAL that holds both a and b (integers or
// decimals) exactly: the larger scale, the more integer digits.
func commonDecimal(a, b types.Type) types.Type {
	a, b = asDecimal(a), asDecimal(b)
	s := max(a.Scale, b.Scale)
	return capDecimal(max(a.Precision-a.Scale, b.Precision-b.Scale)+s, s)
}

// arithmetic returns the parameter types (what each operand is cast to)
// and the result type of a binary arithmetic operator.
func arithmetic(op string, a, b types.Type) (params [2]types.Type, result types.Type, err error) {
	ca, cb := classOf(a), classOf(b)
	if ca == classNone || cb == classNone {
		return params, result, bindError(op, []types.Type{a, b}, "arguments must be numbers")
	}
	if ca == classNull {
		a, ca = b, cb
	}
	if cb == classNull {
		b, cb = a, ca
	}
	if ca == classNull { // NULL op NULL
		a, b, ca, cb = types.Int64Type, types.Int64Type, classInt, classInt
	}
	cls := max(ca, cb)
	if cls == classInt && op == "div" {
		cls = classDecimal // 1/2 = 0.5000
	}
	switch cls {
	case classFloat:
		f := types.Float64Type
		if op == "intdiv" {
			return [2]types.Type{f, f}, types.Int64Type, nil
		}
		return [2]types.Type{f, f}, f, nil
	case classInt:
		i := types.Int64Type
		return [2]types.Type{i, i}, i, nil
	}
	da, db := asDecimal(a), asDecimal(b)
	switch op {
	case "plus", "minus":
		s := max(da.Scale, db.Scale)
		r := capDecimal(max(da.Precision-da.Scale, db.Precision-db.Scale)+s+1, s)
		return [2]types.Type{r, r}, r, nil
	case "mul":
		return [2]types.Type{da, db}, capDecimal(da.Precision+db.Precision, da.Scale+db.Scale), nil
	case "div":
		s := min(da.Scale+4, maxScale)
		return [2]types.Type{da, db}, capDecimal(da.Precision+db.Scale+4, s), nil
	case "intdiv":
		c := commonDecimal(da, db)
		return [2]types.Type{c, c}, types.Int64Type, nil
	case "mod":
		c := commonDecimal(da, db)
		return [2]types.Type{c, c}, c, nil
	}
	return params, result, fmt.Errorf("unknown operator %s", op)
}

func isStringy(t types.Type) bool { return t.Kind == types.String || t.Kind == types.Binary }

func isNumberLike(t types.Type) bool { return t.IsNumeric() || t.Kind == types.Bool }

// compareType is the type both operands of a comparison are cast to.
func compareType(a, b types.Type) (types.Type, error) {
	switch {
	case a.Kind == types.Null && b.Kind == types.Null:
		return types.Int64Type, nil
	case a.Kind == types.Null:
		return compareType(b, b)
	case b.Kind == types.Null:
		return compareType(a, a)
	case isNumberLike(a) && isNumberLike(b):
		switch {
		case a.IsFloat() || b.IsFloat():
			if a.Kind == types.Float32 && b.Kind == types.Float32 {
				return types.Float32Type, nil
			}
			return types.Float64Type, nil
		case a.Kind == types.Decimal || b.Kind == types.Decimal:
			return commonDecimal(a, b), nil
		case a.Kind == b.Kind && a.Kind != types.Bool:
			return a, nil
		}
		return types.Int64Type, nil
	case a.Kind == types.Binary && isStringy(b), b.Kind == types.Binary && isStringy(a):
		return types.BinaryType, nil
	case a.Kind == types.String && b.Kind == types.String:
		return types.StringType, nil
	case isTemporal(a) && (isTemporal(b) || b.Kind == types.String):
		return temporalCommon(a, b), nil
	case isTemporal(b) && a.Kind == types.String:
		return temporalCommon(b, a), nil
	case isStringy(a) && isNumberLike(b), isNumberLike(a) && isStringy(b):
		return types.Float64Type, nil
	}
	return types.Type{}, fmt.Errorf("cannot compare %s with %s", a, b)
}

func isTemporal(t types.Type) bool { return t.Kind == types.Date || t.Kind == types.Timestamp }

// temporalCommon is the comparison type of a temporal type a with b (a
// temporal type or a string): DATE only when both are DATE, so that a
// string with a time part compares with a DATE as MySQL does.
func temporalCommon(a, b types.Type) types.Type {
	if a.Kind == types.Date && b.Kind == types.Date {
		return types.DateType
	}
	return types.TimestampType(6)
}

// compareTypeAll folds compareType over several types (IN lists).
func compareTypeAll(ts []types.Type) (types.Type, error) {
	t := ts[0]
	for _, u := range ts[1:] {
		c, err := compareType(t, u)
		if err != nil {
			return c, err
		}
		t = c
	}
	// A second pass: a later type may have widened the common type.
	for _, u := range ts {
		if _, err := compareType(t, u); err != nil {
			return t, err
		}
	}
	return t, nil
}

// superType is the common type of the values of CASE, IF, COALESCE...
func superType(ts []types.Type) types.Type {
	r := types.NullType
	for _, t := range ts {
		r = super2(r, t)
	}
	return r
}

func super2(a, b types.Type) types.Type {
	switch {
	case a.Kind == types.Null:
		return b
	case b.Kind == types.Null:
		return a
	case a.Kind == b.Kind:
		switch a.Kind {
		case types.Decimal:
			return commonDecimal(a, b)
		case types.String, types.Binary:
			if a.Length == 0 || b.Length == 0 {
				return types.Type{Kind: a.Kind}
			}
			return types.Type{Kind: a.Kind, Length: max(a.Length, b.Length)}
		case types.Timestamp:
			return types.TimestampType(max(a.Precision, b.Precision))
		}
		return a
	case isNumberLike(a) && isNumberLike(b):
		switch {
		case a.IsFloat() || b.IsFloat():
			return types.Float64Type
		case a.Kind == types.Decimal || b.Kind == types.Decimal:
			return commonDecimal(a, b)
		}
		if a.Kind > b.Kind {
			return a
		}
		return b
	case isTemporal(a) && isTemporal(b):
		return types.TimestampType(max(a.Precision, b.Precision))
	case a.Kind == types.Binary || b.Kind == types.Binary:
		return types.BinaryType
	}
	return types.StringType
}

// asBool checks that t can be used as a condition.
func asBool(name string, args []types.Type, t types.Type) error {
	if t.Kind == types.Null || t.Kind == types.Bool || isNumberLike(t) || isStringy(t) {
		return nil
	}
	return bindError(name, args, "%s is not a truth value", t)
}

// asNumber is the parameter type of a math function's argument: numbers
// keep their type, BOOLEAN becomes BIGINT, strings DOUBLE.
func asNumber(name string, args []types.Type, t types.Type) (types.Type, error) {
	switch {
	case t.IsNumeric():
		return t, nil
	case t.Kind == types.Bool:
		return types.Int64Type, nil
	case t.Kind == types.Null:
		return types.Int64Type, nil
	case isStringy(t):
		return types.Float64Type, nil
	}
	return t, bindError(name, args, "arguments must be numbers")
}

// asTemporal is the parameter type of a date function's argument.
func asTemporal(name string, args []types.Type, t types.Type) (types.Type, error) {
	switch t.Kind {
	case types.Date, types.Timestamp:
		return t, nil
	case types.Null, types.String, types.Binary:
		return types.TimestampType(6), nil
	}
	return t, bindError(name, args, "arguments must be dates or timestamps")
}
