package builtin

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

func TestMathFunctions(t *testing.T) {
	i := func(v int64) types.Value { return v }
	cases := []scalarCase{
		{fn: "abs", typs: []types.Type{tInt}, args: [][]types.Value{vals(i(-3), nil, i(4))}, want: vals(i(3), nil, i(4)), rt: rt(tBig)},
		{fn: "abs", typs: []types.Type{tDouble}, args: [][]types.Value{vals(-2.5)}, want: vals(2.5)},
		{fn: "abs", typs: []types.Type{tDec(4, 2)}, args: [][]types.Value{vals(dec(t, "-1.25", 2))}, want: vals(dec(t, "1.25", 2)), rt: rt(tDec(4, 2))},
		{fn: "abs", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(math.MinInt64))}, err: "BIGINT value is out of range"},
		{fn: "abs", typs: []types.Type{tDate}, args: [][]types.Value{vals()}, err: "function abs(DATE): arguments must be numbers"},
		{fn: "abs", typs: []types.Type{tNull}, args: [][]types.Value{vals(nil)}, want: vals(nil)},
		{fn: "sign", typs: []types.Type{tDouble}, args: [][]types.Value{vals(-2.5, 0.0, 3.0, nil)}, want: vals(i(-1), i(0), i(1), nil)},
		{fn: "ceil", typs: []types.Type{tDouble}, args: [][]types.Value{vals(1.2, -1.2)}, want: vals(2.0, -1.0)},
		{fn: "ceiling", typs: []types.Type{tDec(4, 2)}, args: [][]types.Value{vals(dec(t, "1.01", 2), dec(t, "-1.99", 2), dec(t, "2", 2))},
			want: vals(dec(t, "2", 0), dec(t, "-1", 0), dec(t, "2", 0)), rt: rt(tDec(3, 0))},
		{fn: "floor", typs: []types.Type{tDec(4, 2)}, args: [][]types.Value{vals(dec(t, "1.99", 2), dec(t, "-1.01", 2))}, want: vals(dec(t, "1", 0), dec(t, "-2", 0))},
		{fn: "floor", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(5))}, want: vals(i(5))},
		{fn: "round", typs: []types.Type{tDouble}, args: [][]types.Value{vals(2.5, -2.5, 2.4)}, want: vals(3.0, -3.0, 2.0)},
		{fn: "round", typs: []types.Type{tDouble, tBig}, args: [][]types.Value{vals(1.2345, 1234.5, nil), vals(i(2), i(-2), i(1))}, want: vals(1.23, 1200.0, nil)},
		{fn: "round", typs: []types.Type{tDec(6, 3), tBig}, args: [][]types.Value{vals(dec(t, "1.235", 3), dec(t, "-1.235", 3)), vals(i(2), i(0))},
			want: vals(dec(t, "1.24", 3), dec(t, "-1", 3)), rt: rt(tDec(7, 3))},
		{fn: "round", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(1250), i(-1250)), vals(i(-2), i(-2))}, want: vals(i(1300), i(-1300))},
		{fn: "truncate", typs: []types.Type{tDouble, tBig}, args: [][]types.Value{vals(1.289, -1.289), vals(i(2), i(1))}, want: vals(1.28, -1.2)},
		{fn: "truncate", typs: []types.Type{tDouble}, args: [][]types.Value{vals()}, err: "function truncate(DOUBLE): wrong number of arguments, want 2"},
		{fn: "mod", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(10)), vals(i(4))}, want: vals(i(2))},
		{fn: "power", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(2), i(-8)), vals(i(10), nil)}, want: vals(1024.0, nil)},
		{fn: "pow", typs: []types.Type{tDouble, tDouble}, args: [][]types.Value{vals(-8.0), vals(1.0 / 3)}, want: vals(nil)},
		{fn: "pow", typs: []types.Type{tDouble, tDouble}, args: [][]types.Value{vals(10.0), vals(400.0)}, err: "DOUBLE value is out of range"},
		{fn: "sqrt", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(16), i(-1), nil)}, want: vals(4.0, nil, nil)},
		{fn: "exp", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(0))}, want: vals(1.0)},
		{fn: "ln", typs: []types.Type{tDouble}, args: [][]types.Value{vals(math.E, 0.0, -1.0)}, want: vals(1.0, nil, nil)},
		{fn: "log", typs: []types.Type{tDouble}, args: [][]types.Value{vals(1.0)}, want: vals(0.0)},
		{fn: "log", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(2), i(1)), vals(i(8), i(8))}, want: vals(3.0, nil)},
		{fn: "log10", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(1000))}, want: vals(3.0)},
		{fn: "log2", typs: []types.Type{tText}, args: [][]types.Value{vals("8")}, want: vals(3.0)},
		{fn: "pi", typs: nil, want: vals(math.Pi, math.Pi)},
		{fn: "pi", typs: []types.Type{tBig}, args: [][]types.Value{vals()}, err: "function pi(BIGINT): wrong number of arguments, want 0"},
	}
	runScalarCases(t, cases)
}

func TestStringFunctions(t *testing.T) {
	i := func(v int64) types.Value { return v }
	cases := []scalarCase{
		{fn: "concat", typs: []types.Type{tText, tBig, tText}, args: [][]types.Value{vals("a", "a"), vals(i(1), nil), vals("b", "b")}, want: vals("a1b", nil)},
		{fn: "concat_ws", typs: []types.Type{tText, tText, tNull, tText}, args: [][]types.Value{vals(",", nil), vals("a", "a"), vals(nil, nil), vals("b", "b")}, want: vals("a,b", nil)},
		{fn: "length", typs: []types.Type{tText}, args: [][]types.Value{vals("héllo", "", nil)}, want: vals(i(6), i(0), nil)},
		{fn: "char_length", typs: []types.Type{tText}, args: [][]types.Value{vals("héllo")}, want: vals(i(5))},
		{fn: "character_length", typs: []types.Type{tBig}, args: [][]types.Value{vals(i(-12))}, want: vals(i(3))},
		{fn: "upper", typs: []types.Type{tText}, args: [][]types.Value{vals("abé", nil)}, want: vals("ABÉ", nil)},
		{fn: "ucase", typs: []types.Type{tText}, args: [][]types.Value{vals("x")}, want: vals("X")},
		{fn: "lower", typs: []types.Type{tText}, args: [][]types.Value{vals("ABC")}, want: vals("abc")},
		{fn: "lcase", typs: []types.Type{tText}, args: [][]types.Value{vals("ABC")}, want: vals("abc")},
		{fn: "upper", typs: []types.Type{tBig, tText}, args: [][]types.Value{vals(), vals()}, err: "function upper(BIGINT, TEXT): wrong number of arguments, want 1"},
		{fn: "substring", typs: []types.Type{tText, tBig}, args: [][]types.Value{vals("Quadratically", "Quadratically", "Sakila", "abc"), vals(i(5), i(0), i(-3), i(9))},
			want: vals("ratically", "", "ila", "")},
		{fn: "substr", typs: []types.Type{tText, tBig, tBig}, args: [][]types.Value{vals("Quadratically", "Sakila", "héllo", "abc"), vals(i(5), i(-5), i(2), i(1)), vals(i(6), i(3), i(2), i(-1))},
			want: vals("ratica", "aki", "él", "")},
		{fn: "left", typs: []types.Type{tText, tBig}, args: [][]types.Value{vals("héllo", "ab"), vals(i(2), i(-1))}, want: vals("hé", "")},
		{fn: "right", typs: []types.Type{tText, tBig}, args: [][]types.Value{vals("héllo", "ab"), vals(i(3), i(5))}, want: vals("llo", "ab")},
		{fn: "trim", typs: []types.Type{tText}, args: [][]types.Value{vals("  a b  ")}, want: vals("a b")},
		{fn: "trim", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("xxaxx", "abab"), vals("x", "ab")}, want: vals("a", "")},
		{fn: "trim", typs: []types.Type{tText, tText, tText}, args: [][]types.Value{vals("xxaxx", "xxaxx", "xxaxx"), vals("x", "x", "x"), vals("LEADING", "TRAILING", "BOTH")},
			want: vals("axx", "xxa", "a")},
		{fn: "ltrim", typs: []types.Type{tText}, args: [][]types.Value{vals("  a ")}, want: vals("a ")},
		{fn: "rtrim", typs: []types.Type{tText}, args: [][]types.Value{vals("  a ")}, want: vals("  a")},
		{fn: "replace", typs: []types.Type{tText, tText, tText}, args: [][]types.Value{vals("www.mysql.com", "abc"), vals("w", ""), vals("Ww", "x")}, want: vals("WwWwWw.mysql.com", "abc")},
		{fn: "reverse", typs: []types.Type{tText}, args: [][]types.Value{vals("héllo")}, want: vals("olléh")},
		{fn: "repeat", typs: []types.Type{tText, tBig}, args: [][]types.Value{vals("ab", "ab", "ab"), vals(i(3), i(0), i(1<<40))}, want: vals("ababab", "", nil)},
		{fn: "lpad", typs: []types.Type{tText, tBig, tText}, args: [][]types.Value{vals("hi", "hi", "hello", "hi"), vals(i(5), i(1), i(3), i(4)), vals("?!", "?", "x", "")},
			want: vals("?!?hi", "h", "hel", nil)},
		{fn: "rpad", typs: []types.Type{tText, tBig, tText}, args: [][]types.Value{vals("hi", "hi"), vals(i(5), i(-1)), vals("?!", "?")}, want: vals("hi?!?", nil)},
		{fn: "instr", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("foobarbar", "xbar", "héllo"), vals("bar", "foo", "llo")}, want: vals(i(4), i(0), i(3))},
		{fn: "locate", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("bar", "xbar"), vals("foobarbar", "foobar")}, want: vals(i(4), i(0))},
		{fn: "locate", typs: []types.Type{tText, tText, tBig}, args: [][]types.Value{vals("bar", "bar"), vals("foobarbar", "foobarbar"), vals(i(5), i(0))}, want: vals(i(7), i(0))},
		{fn: "position", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("b"), vals("abc")}, want: vals(i(2))},
		{fn: "ascii", typs: []types.Type{tText}, args: [][]types.Value{vals("2", "", "dx")}, want: vals(i(50), i(0), i(100))},
		{fn: "strcmp", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("a", "b", "b"), vals("b", "a", "b")}, want: vals(i(-1), i(1), i(0))},
		{fn: "concat", typs: []types.Type{tText}, args: [][]types.Value{vals()}, want: vals()},
	}
	runScalarCases(t, cases)
}

func TestDateFunctions(t *testing.T) {
	i := func(v int64) types.Value { return v }
	moment := ts(t, "2024-03-09 13:05:07.000042")
	cases := []scalarCase{
		{fn: "year", typs: []types.Type{tDate}, args: [][]types.Value{vals(date(t, "2024-03-09"), nil)}, want: vals(i(2024), nil)},
		{fn: "month", typs: []types.Type{tTS}, args: [][]types.Value{vals(moment)}, want: vals(i(3))},
		{fn: "day", typs: []types.Type{tText}, args: [][]types.Value{vals("2024-03-09 10:00:00")}, want: vals(i(9))},
		{fn: "dayofmonth", typs: []types.Type{tDate}, args: [][]types.Value{vals(date(t, "1960-12-31"))}, want: vals(i(31))},
		{fn: "hour", typs: []types.Type{tTS}, args: [][]types.Value{vals(moment)}, want: vals(i(13))},
		{fn: "minute", typs: []types.Type{tTS}, args: [][]types.Value{vals(moment)}, want: vals(i(5))},
		{fn: "second", typs: []types.Type{tTS}, args: [][]types.Value{vals(moment)}, want: vals(i(7))},
		{fn: "hour", typs: []types.Type{tDate}, args: [][]types.Value{vals(date(t, "2024-03-09"))}, want: vals(i(0))},
		{fn: "year", typs: []types.Type{tBig}, args: [][]types.Value{vals()}, err: "function year(BIGINT): arguments must be dates or timestamps"},
		{fn: "year", typs: []types.Type{tText}, args: [][]types.Value{vals("never")}, err: "function year: cannot cast 'never' to TIMESTAMP(6): not a timestamp"},
		{fn: "date", typs: []types.Type{tTS}, args: [][]types.Value{vals(moment, nil)}, want: vals(date(t, "2024-03-09"), nil), rt: rt(tDate)},
		{fn: "date", typs: []types.Type{tText}, args: [][]types.Value{vals("2024-03-09 23:00")}, want: vals(date(t, "2024-03-09"))},
		{fn: "datediff", typs: []types.Type{tDate, tTS}, args: [][]types.Value{vals(date(t, "2024-03-01"), nil), vals(ts(t, "2024-02-28 23:59:59"), moment)}, want: vals(i(2), nil)},
		{fn: "datediff", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("2023-01-01"), vals("2024-01-01")}, want: vals(i(-365))},
		{fn: "date_format", typs: []types.Type{tTS, tText}, args: [][]types.Value{vals(moment, moment, nil), vals("%Y-%m-%d %H:%i:%s.%f", "%y %M %b %e %j %W %a %%", "%Y")},
			want: vals("2024-03-09 13:05:07.000042", "24 March Mar 9 069 Saturday Sat %", nil)},
		{fn: "date_format", typs: []types.Type{tDate, tText}, args: [][]types.Value{vals(date(t, "2024-03-09")), vals("%d/%m/%Y %H")}, want: vals("09/03/2024 00")},
	}
	runScalarCases(t, cases)
}

func TestDateArithmetic(t *testing.T) {
	i := func(v int64) types.Value { return v }
	cases := []scalarCase{
		{fn: "date_add", typs: []types.Type{tDate, tBig, tText}, args: [][]types.Value{
			vals(date(t, "2024-01-31"), date(t, "2024-01-31"), date(t, "2024-12-31"), date(t, "2024-02-29"), nil),
			vals(i(1), i(1), i(1), i(1), i(1)), vals("MONTH", "DAY", "WEEK", "YEAR", "DAY")},
			want: vals(date(t, "2024-02-29"), date(t, "2024-02-01"), date(t, "2025-01-07"), date(t, "2025-02-28"), nil), rt: rt(tDate)},
		{fn: "date_sub", typs: []types.Type{tTS, tBig, tText}, args: [][]types.Value{
			vals(ts(t, "2024-03-01 00:00:00"), ts(t, "2024-03-01 00:00:00")), vals(i(1), i(2)), vals("SECOND", "QUARTER")},
			want: vals(ts(t, "2024-02-29 23:59:59"), ts(t, "2023-09-01 00:00:00")), rt: rt(tTS)},
		{fn: "adddate", typs: []types.Type{tText, tBig}, args: [][]types.Value{vals("2024-01-01 10:00:00"), vals(i(-1))},
			want: vals(ts(t, "2023-12-31 10:00:00")), rt: rt(tTS)},
		{fn: "subdate", typs: []types.Type{tDate, tBig}, args: [][]types.Value{vals(date(t, "0001-01-01")), vals(i(400))}, want: vals(nil)},
		{fn: "date_add", typs: []types.Type{tDate, tBig, tText}, args: [][]types.Value{vals(date(t, "2024-01-01")), vals(i(1)), vals("HOUR")},
			err: "function date_add: a DATE takes no HOUR interval; cast it to TIMESTAMP"},
		{fn: "date_add", typs: []types.Type{tDate, tBig, tText}, args: [][]types.Value{vals(date(t, "2024-01-01")), vals(i(1)), vals("FORTNIGHT")},
			err: "function date_add: unknown interval unit \"FORTNIGHT\""},
		{fn: "extract", typs: []types.Type{tText, tTS}, args: [][]types.Value{vals("YEAR", "QUARTER", "MICROSECOND", "DAY"),
			vals(ts(t, "2024-08-09 01:02:03.5"), ts(t, "2024-08-09 01:02:03.5"), ts(t, "2024-08-09 01:02:03.5"), nil)},
			want: vals(i(2024), i(3), i(500000), nil)},
		{fn: "timestampdiff", typs: []types.Type{tText, tDate, tTS}, args: [][]types.Value{
			vals("MONTH", "MONTH", "DAY", "HOUR", "YEAR"),
			vals(date(t, "2024-01-31"), date(t, "2024-01-31"), date(t, "2024-01-31"), date(t, "2024-01-31"), date(t, "2024-03-01")),
			vals(ts(t, "2024-02-29 00:00:00"), ts(t, "2024-03-31 00:00:00"), ts(t, "2024-01-30 12:00:00"), ts(t, "2024-01-31 05:59:00"), ts(t, "2023-03-02 00:00:00"))},
			want: vals(i(0), i(2), i(0), i(5), i(0))},
	}
	runScalarCases(t, cases)
}

func TestNowIsOneValuePerBind(t *testing.T) {
	before := wallClock(time.Now()).Truncate(time.Second)
	got, out, err := call(t, "now", nil, 3)
	require.NoError(t, err)
	require.Equal(t, types.TimestampType(0), got)
	require.Len(t, out, 3)
	require.Equal(t, out[0], out[2])
	at := time.UnixMicro(int64(out[0].(types.TimestampValue))).UTC()
	require.False(t, at.Before(before))
	require.WithinDuration(t, before, at, 5*time.Second)

	_, d, err := call(t, "current_date", nil, 1)
	require.NoError(t, err)
	require.Equal(t, types.DateValue(before.Unix()/86400), d[0])
	_, _, err = call(t, "current_timestamp", nil, 0)
	require.NoError(t, err)
}

func TestRegistry(t *testing.T) {
	names := Names()
	require.IsIncreasing(t, names)
	want := []string{"plus", "minus", "mul", "div", "intdiv", "mod", "unaryminus", "eq", "ne", "lt", "le", "gt", "ge", "nulleq",
		"and", "or", "xor", "not", "isnull", "isnotnull", "istrue", "isfalse", "like", "in", "case",
		"coalesce", "ifnull", "nullif", "if", "abs", "ceil", "ceiling", "floor", "round", "truncate", "power", "pow", "sqrt",
		"exp", "ln", "log", "log10", "log2", "sign", "pi", "greatest", "least", "concat", "concat_ws", "length", "char_length",
		"character_length", "upper", "ucase", "lower", "lcase", "substring", "substr", "left", "right", "trim", "ltrim", "rtrim",
		"replace", "reverse", "repeat", "lpad", "rpad", "instr", "locate", "position", "ascii", "strcmp", "year", "month", "day",
		"dayofmonth", "hour", "minute", "second", "date", "now", "current_timestamp", "current_date", "datediff", "date_format",
		"date_add", "date_sub", "adddate", "subdate", "extract", "timestampdiff",
		"count", "sum", "avg", "min", "max", "group_concat",
		"dayofweek", "dayofyear", "weekday", "quarter", "week", "monthname", "dayname", "last_day", "makedate", "from_unixtime",
		"unix_timestamp", "str_to_date", "hex", "unhex", "md5", "sha1", "sha", "sha2", "crc32", "bin", "oct", "conv", "field", "elt",
		"find_in_set", "space", "mid", "insert_func", "char_func", "ord", "soundex", "regexp", "regexp_like", "format", "uuid", "rand"}
	require.ElementsMatch(t, want, names)
	for _, n := range names {
		f, ok := cat.Function(n)
		require.True(t, ok, n)
		require.Equal(t, n, f.Name())
		switch n {
		case "count", "sum", "avg", "min", "max", "group_concat":
			require.Equal(t, catalog.KindAggregate, f.Kind())
			_, ok = f.(catalog.AggregateFunction)
		default:
			require.Equal(t, catalog.KindScalar, f.Kind())
			_, ok = f.(catalog.ScalarFunction)
		}
		require.True(t, ok, n)
	}
}

// Every scalar function accepts NULL-typed arguments and yields a column
// of its declared type, with n = 0 and n = 2.
func TestNullTypedArguments(t *testing.T) {
	arity := map[string]int{"pi": 0, "now": 0, "current_timestamp": 0, "current_date": 0, "case": 2, "in": 2,
		"substring": 2, "substr": 2, "left": 2, "right": 2, "replace": 3, "repeat": 2, "lpad": 3, "rpad": 3, "instr": 2,
		"locate": 2, "position": 2, "strcmp": 2, "datediff": 2, "date_format": 2, "power": 2, "pow": 2, "truncate": 2,
		"if": 3, "ifnull": 2, "date_add": 3, "date_sub": 3, "adddate": 2, "subdate": 2, "extract": 2, "timestampdiff": 3, "nullif": 2, "greatest": 2, "least": 2, "concat_ws": 2, "like": 2,
		"conv": 3, "insert_func": 4, "char_func": 2, "uuid": 0, "unix_timestamp": 1}
	for _, name := range Names() {
		f, _ := cat.Function(name)
		if f.Kind() != catalog.KindScalar {
			continue
		}
		k, ok := arity[name]
		if !ok {
			k = 1
			if _, err := f.(catalog.ScalarFunction).Bind([]types.Type{tNull}); err != nil {
				k = 2
			}
		}
		typs := repeatType(tNull, k)
		for _, n := range []int{0, 2} {
			cols := make([][]types.Value, k)
			for j := range cols {
				cols[j] = make([]types.Value, n)
			}
			_, out, err := call(t, name, typs, n, cols...)
			require.NoError(t, err, name)
			require.Len(t, out, n, name)
		}
	}
}
