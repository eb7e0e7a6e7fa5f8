package builtin

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/types"
)

// The nine pairs of TRUE, FALSE, NULL.
var (
	left3  = vals(true, true, true, false, false, false, nil, nil, nil)
	right3 = vals(true, false, nil, true, false, nil, true, false, nil)
)

func TestThreeValuedLogic(t *testing.T) {
	T, F := true, false
	cases := []scalarCase{
		{fn: "and", typs: []types.Type{tBool, tBool}, args: [][]types.Value{left3, right3}, want: vals(T, F, nil, F, F, F, nil, F, nil)},
		{fn: "or", typs: []types.Type{tBool, tBool}, args: [][]types.Value{left3, right3}, want: vals(T, T, T, T, F, nil, T, nil, nil)},
		{fn: "xor", typs: []types.Type{tBool, tBool}, args: [][]types.Value{left3, right3}, want: vals(F, T, nil, T, F, nil, nil, nil, nil)},
		{fn: "not", typs: []types.Type{tBool}, args: [][]types.Value{vals(T, F, nil)}, want: vals(F, T, nil)},
		{fn: "isnull", typs: []types.Type{tBool}, args: [][]types.Value{vals(T, F, nil)}, want: vals(F, F, T)},
		{fn: "isnotnull", typs: []types.Type{tText}, args: [][]types.Value{vals("a", nil)}, want: vals(T, F)},
		{fn: "isnull", typs: []types.Type{tNull}, args: [][]types.Value{vals(nil, nil)}, want: vals(T, T)},
		{fn: "istrue", typs: []types.Type{tBool}, args: [][]types.Value{vals(T, F, nil)}, want: vals(T, F, F)},
		{fn: "isfalse", typs: []types.Type{tBool}, args: [][]types.Value{vals(T, F, nil)}, want: vals(F, T, F)},
		{name: "and with NULL type", fn: "and", typs: []types.Type{tNull, tBool}, args: [][]types.Value{vals(nil, nil), vals(F, T)}, want: vals(F, nil)},
		{name: "or with NULL type", fn: "or", typs: []types.Type{tBool, tNull}, args: [][]types.Value{vals(T, F), vals(nil, nil)}, want: vals(T, nil)},
		{name: "numbers are truth values", fn: "and", typs: []types.Type{tBig, tDouble}, args: [][]types.Value{vals(int64(2), int64(0)), vals(0.5, 1.0)}, want: vals(T, F)},
		{name: "not of number", fn: "not", typs: []types.Type{tBig}, args: [][]types.Value{vals(int64(5), int64(0))}, want: vals(F, T)},
		{fn: "and", typs: []types.Type{tBool, tBool}, args: [][]types.Value{vals(), vals()}, want: vals()},
		{fn: "and", typs: []types.Type{tDate, tBool}, args: [][]types.Value{vals(), vals()}, err: "function and(DATE, BOOLEAN): DATE is not a truth value"},
		{fn: "not", typs: []types.Type{tBool, tBool}, args: [][]types.Value{vals(), vals()}, err: "function not(BOOLEAN, BOOLEAN): wrong number of arguments, want 1"},
	}
	runScalarCases(t, cases)
}

func TestLongBooleanColumns(t *testing.T) {
	// More than a byte of rows, with a tail, through the bitmap loops.
	var a, b, want []types.Value
	for i := 0; i < 21; i++ {
		x, y := left3[i%9], right3[(i/2)%9]
		a, b = append(a, x), append(b, y)
		var w types.Value
		switch {
		case x == false || y == false:
			w = false
		case x == nil || y == nil:
			w = nil
		default:
			w = true
		}
		want = append(want, w)
	}
	_, out, err := call(t, "and", []types.Type{tBool, tBool}, 21, a, b)
	require.NoError(t, err)
	require.Equal(t, want, out)
}

func TestComparisons(t *testing.T) {
	T, F := true, false
	i := func(v int64) types.Value { return v }
	cases := []scalarCase{
		{fn: "eq", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(1), i(1), nil), vals(i(1), i(2), i(3))}, want: vals(T, F, nil)},
		{fn: "ne", typs: []types.Type{tInt, tBig}, args: [][]types.Value{vals(i(1), i(1)), vals(i(1), i(2))}, want: vals(F, T)},
		{fn: "lt", typs: []types.Type{tBig, tDouble}, args: [][]types.Value{vals(i(1), i(2)), vals(1.5, 1.5)}, want: vals(T, F)},
		{fn: "le", typs: []types.Type{tDec(4, 2), tBig}, args: [][]types.Value{vals(dec(t, "1.00", 2), dec(t, "1.01", 2)), vals(i(1), i(1))}, want: vals(T, F)},
		{fn: "gt", typs: []types.Type{tDec(4, 2), tDec(5, 3)}, args: [][]types.Value{vals(dec(t, "1.5", 2)), vals(dec(t, "1.499", 3))}, want: vals(T)},
		{fn: "ge", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("b", "B", "a"), vals("a", "a", "ab")}, want: vals(T, F, F)},
		{name: "strings are case-sensitive", fn: "eq", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("a"), vals("A")}, want: vals(F)},
		{name: "string with number as double", fn: "eq", typs: []types.Type{tText, tBig}, args: [][]types.Value{vals("1.0", " 2"), vals(i(1), i(3))}, want: vals(T, F)},
		{name: "string with date", fn: "eq", typs: []types.Type{tDate, tText}, args: [][]types.Value{vals(date(t, "2024-01-05"), date(t, "2024-01-05")), vals("2024-01-05", "2024-01-05 00:00:01")}, want: vals(T, F)},
		{name: "date with timestamp", fn: "lt", typs: []types.Type{tDate, tTS}, args: [][]types.Value{vals(date(t, "2024-01-05")), vals(ts(t, "2024-01-05 00:00:01"))}, want: vals(T)},
		{name: "bool as number", fn: "eq", typs: []types.Type{tBool, tBig}, args: [][]types.Value{vals(T, T), vals(i(1), i(2))}, want: vals(T, F)},
		{fn: "eq", typs: []types.Type{tBool, tBool}, args: [][]types.Value{vals(T, F), vals(T, T)}, want: vals(T, F)},
		{fn: "lt", typs: []types.Type{types.BinaryType, types.BinaryType}, args: [][]types.Value{vals([]byte{1}), vals([]byte{1, 0})}, want: vals(T)},
		{fn: "nulleq", typs: []types.Type{tBig, tBig}, args: [][]types.Value{vals(i(1), i(1), nil, nil), vals(i(1), nil, i(1), nil)}, want: vals(T, F, F, T)},
		{fn: "nulleq", typs: []types.Type{tNull, tBig}, args: [][]types.Value{vals(nil, nil), vals(i(1), nil)}, want: vals(F, T)},
		{fn: "eq", typs: []types.Type{tNull, tText}, args: [][]types.Value{vals(nil), vals("a")}, want: vals(nil)},
		{fn: "gt", typs: []types.Type{tDouble, tDouble}, args: [][]types.Value{vals(), vals()}, want: vals()},
		{fn: "eq", typs: []types.Type{tDate, tBool}, args: [][]types.Value{vals(), vals()}, err: "function eq(DATE, BOOLEAN): cannot compare DATE with BOOLEAN"},
		{fn: "lt", typs: []types.Type{tTS, tBig}, args: [][]types.Value{vals(), vals()}, err: "function lt(TIMESTAMP(6), BIGINT): cannot compare TIMESTAMP(6) with BIGINT"},
		{name: "bad date string", fn: "eq", typs: []types.Type{tDate, tText}, args: [][]types.Value{vals(date(t, "2024-01-05")), vals("soon")},
			err: "function eq: cannot cast 'soon' to TIMESTAMP(6): not a timestamp"},
	}
	runScalarCases(t, cases)
}

func TestLike(t *testing.T) {
	T, F := true, false
	cases := []scalarCase{
		{fn: "like", typs: []types.Type{tText, tText},
			args: [][]types.Value{
				vals("abc", "abc", "abc", "abc", "Abc", "", "", "aXbXc", "héllo", "ab", nil, "a"),
				vals("abc", "a%", "%c", "a_c", "a%", "%", "_", "a%b%c", "h_llo", "a%%%b", "%", nil)},
			want: vals(T, T, T, T, F, T, F, T, T, T, nil, nil)},
		{name: "backtracking", fn: "like", typs: []types.Type{tText, tText},
			args: [][]types.Value{vals("mississippi", "mississippi", "aaa"), vals("%iss%ppi", "%iss%pps", "%a_")}, want: vals(T, F, T)},
		{name: "escape", fn: "like", typs: []types.Type{tText, tText, tText},
			args: [][]types.Value{vals("10%", "100", "a_b", "axb"), vals("10!%", "10!%", "a!_b", "a!_b"), vals("!", "!", "!", "!")},
			want: vals(T, F, T, F)},
		{name: "default escape", fn: "like", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("a%", "ab"), vals(`a\%`, `a\%`)}, want: vals(T, F)},
		{name: "number operand", fn: "like", typs: []types.Type{tBig, tText}, args: [][]types.Value{vals(int64(123)), vals("12%")}, want: vals(T)},
		{fn: "like", typs: []types.Type{tText}, args: [][]types.Value{vals()}, err: "function like(TEXT): wrong number of arguments, want 2 or 3"},
	}
	runScalarCases(t, cases)
}

func TestInCaseAndFriends(t *testing.T) {
	T, F := true, false
	i := func(v int64) types.Value { return v }
	cases := []scalarCase{
		{fn: "in", typs: []types.Type{tBig, tBig, tBig}, args: [][]types.Value{vals(i(1), i(3), nil, i(3)), vals(i(1), i(1), i(1), nil), vals(i(2), i(2), i(2), i(2))},
			want: vals(T, F, nil, nil)},
		{name: "in with match despite NULL", fn: "in", typs: []types.Type{tBig, tNull, tInt}, args: [][]types.Value{vals(i(2)), vals(nil), vals(i(2))}, want: vals(T)},
		{name: "in mixed numbers", fn: "in", typs: []types.Type{tBig, tDouble, tDec(3, 1)}, args: [][]types.Value{vals(i(2), i(1)), vals(2.0, 0.0), vals(dec(t, "0", 1), dec(t, "1.0", 1))}, want: vals(T, T)},
		{name: "in strings", fn: "in", typs: []types.Type{tText, tText, tText}, args: [][]types.Value{vals("b", "c"), vals("a", "a"), vals("b", "b")}, want: vals(T, F)},
		{fn: "in", typs: []types.Type{tDate, tBool}, args: [][]types.Value{vals(), vals()}, err: "function in(DATE, BOOLEAN): cannot compare DATE with BOOLEAN"},

		{name: "case with else", fn: "case", typs: []types.Type{tBool, tBig, tBool, tDouble, tBig},
			args: [][]types.Value{vals(T, F, nil, F), vals(i(1), i(1), i(1), i(1)), vals(T, T, T, F), vals(2.5, 2.5, 2.5, 2.5), vals(i(9), i(9), i(9), nil)},
			want: vals(1.0, 2.5, 2.5, nil), rt: rt(tDouble)},
		{name: "case without else", fn: "case", typs: []types.Type{tBool, tText}, args: [][]types.Value{vals(T, F, nil), vals("x", "y", "z")}, want: vals("x", nil, nil), rt: rt(tText)},
		{name: "case mixed types gives text", fn: "case", typs: []types.Type{tBool, tBig, tText}, args: [][]types.Value{vals(T, F), vals(i(1), i(1)), vals("b", "b")}, want: vals("1", "b"), rt: rt(tText)},
		{name: "case with null values", fn: "case", typs: []types.Type{tBool, tNull, tDate}, args: [][]types.Value{vals(T, F), vals(nil, nil), vals(date(t, "2024-01-01"), date(t, "2024-01-01"))},
			want: vals(nil, date(t, "2024-01-01")), rt: rt(tDate)},
		{name: "case empty", fn: "case", typs: []types.Type{tBool, tBig}, args: [][]types.Value{vals(), vals()}, want: vals()},
		{fn: "case", typs: []types.Type{tBool}, args: [][]types.Value{vals()}, err: "function case(BOOLEAN): wrong number of arguments, want at least 2"},

		{fn: "coalesce", typs: []types.Type{tNull, tInt, tBig}, args: [][]types.Value{vals(nil, nil, nil), vals(nil, i(2), nil), vals(i(3), i(4), nil)}, want: vals(i(3), i(2), nil), rt: rt(tBig)},
		{fn: "coalesce", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("a", nil), vals("b", "c")}, want: vals("a", "c")},
		{fn: "ifnull", typs: []types.Type{tDec(4, 1), tBig}, args: [][]types.Value{vals(dec(t, "1.5", 1), nil), vals(i(7), i(7))}, want: vals(dec(t, "1.5", 1), dec(t, "7", 1)), rt: rt(tDec(20, 1))},
		{fn: "ifnull", typs: []types.Type{tBig}, args: [][]types.Value{vals()}, err: "function ifnull(BIGINT): wrong number of arguments, want 2"},
		{fn: "nullif", typs: []types.Type{tBig, tDouble}, args: [][]types.Value{vals(i(1), i(2), nil), vals(1.0, 1.0, 1.0)}, want: vals(nil, i(2), nil), rt: rt(tBig)},
		{fn: "nullif", typs: []types.Type{tText, tNull}, args: [][]types.Value{vals("a"), vals(nil)}, want: vals("a")},
		{fn: "if", typs: []types.Type{tBool, tBig, tText}, args: [][]types.Value{vals(T, F, nil), vals(i(1), i(1), i(1)), vals("no", "no", "no")}, want: vals("1", "no", "no"), rt: rt(tText)},
		{fn: "if", typs: []types.Type{tBig, tBig, tBig}, args: [][]types.Value{vals(i(5), i(0)), vals(i(1), i(1)), vals(i(2), i(2))}, want: vals(i(1), i(2))},
		{fn: "greatest", typs: []types.Type{tBig, tDouble, tInt}, args: [][]types.Value{vals(i(1), i(5), i(1)), vals(2.5, 1.0, nil), vals(i(0), i(0), i(0))}, want: vals(2.5, 5.0, nil), rt: rt(tDouble)},
		{fn: "least", typs: []types.Type{tText, tText}, args: [][]types.Value{vals("b", "a"), vals("a", "b")}, want: vals("a", "a")},
		{fn: "least", typs: []types.Type{tDate, tDate}, args: [][]types.Value{vals(date(t, "2024-01-02")), vals(date(t, "2023-01-01"))}, want: vals(date(t, "2023-01-01"))},
	}
	runScalarCases(t, cases)
}
