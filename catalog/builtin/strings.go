package builtin

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

// String functions count characters (UTF-8 code points) except LENGTH,
// which counts bytes, as MySQL does. Positions are 1-based.

// maxStringResult bounds REPEAT and the pads: beyond it the result is
// NULL, as MySQL does past max_allowed_packet.
const maxStringResult = 64 << 20

// strFn binds a strict function whose arguments are strings (s) or
// integers (i), as spelled by sig, e.g. "ssi"; a trailing '*' repeats the
// last kind.
func strFn(sig string, min, max int, result types.Type, f func(v []types.Value) (types.Value, error)) binder {
	return func(name string, args []types.Type) (catalog.BoundScalar, error) {
		if err := checkArity(name, args, min, max); err != nil {
			return nil, err
		}
		params, err := strParams(name, args, sig)
		if err != nil {
			return nil, err
		}
		return newBound(name, args, params, result, rowwise(result, true, f)), nil
	}
}

func strParams(name string, args []types.Type, sig string) ([]types.Type, error) {
	params := make([]types.Type, len(args))
	for i, a := range args {
		k := sig[len(sig)-1]
		if k == '*' {
			k = sig[len(sig)-2]
		}
		if i < len(sig) && sig[i] != '*' {
			k = sig[i]
		}
		switch k {
		case 's':
			params[i] = types.StringType
		case 'i':
			if _, err := asNumber(name, args, a); err != nil {
				return nil, err
			}
			params[i] = types.Int64Type
		}
	}
	return params, nil
}

func runeCount(s string) int64 { return int64(utf8.RuneCountInString(s)) }

// runeSlice returns s's characters [from, to) (clamped).
func runeSlice(s string, from, to int64) string {
	if from < 0 {
		from = 0
	}
	if to <= from {
		return ""
	}
	i, start, end := int64(0), len(s), len(s)
	for b := range s {
		if i == from {
			start = b
		}
		if i == to {
			end = b
			break
		}
		i++
	}
	if start > end {
		return ""
	}
	return s[start:end]
}

func substring(v []types.Value) (types.Value, error) {
	s := v[0].(string)
	pos := v[1].(int64)
	n := runeCount(s)
	length := n + 1
	if len(v) == 3 {
		length = v[2].(int64)
	}
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
	case pos < 0:
		start = n + pos
		if start < 0 {
			return "", nil
		}
	default:
		return "", nil
	}
	if length <= 0 || start >= n {
		return "", nil
	}
	end := start + length
	if end > n || end < start {
		end = n
	}
	return runeSlice(s, start, end), nil
}

func pad(left bool) func(v []types.Value) (types.Value, error) {
	return func(v []types.Value) (types.Value, error) {
		s, n, p := v[0].(string), v[1].(int64), v[2].(string)
		if n < 0 || n > maxStringResult {
			return nil, nil
		}
		have := runeCount(s)
		if have >= n {
			return runeSlice(s, 0, n), nil
		}
		if p == "" {
			return nil, nil
		}
		var b strings.Builder
		need := n - have
		fill := strings.Repeat(p, int(need/runeCount(p))+1)
		fill = runeSlice(fill, 0, need)
		if left {
			b.WriteString(fill)
			b.WriteString(s)
		} else {
			b.WriteString(s)
			b.WriteString(fill)
		}
		return b.String(), nil
	}
}

// locate returns the 1-based character position of sub in s at or after
// character from (1-based), 0 when absent.
func locate(sub, s string, from int64) int64 {
	if from < 1 || from > runeCount(s)+1 {
		return 0
	}
	rest := runeSlice(s, from-1, runeCount(s))
	i := strings.Index(rest, sub)
	if i < 0 {
		return 0
	}
	return from + runeCount(rest[:i])
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

func bindConcatWS(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, -1); err != nil {
		return nil, err
	}
	params := repeatType(types.StringType, len(args))
	// Not strict: NULL values are skipped; only a NULL separator gives NULL.
	return newBound(name, args, params, types.StringType, rowwise(types.StringType, false, func(v []types.Value) (types.Value, error) {
		if v[0] == nil {
			return nil, nil
		}
		parts := make([]string, 0, len(v)-1)
		for _, x := range v[1:] {
			if x != nil {
				parts = append(parts, x.(string))
			}
		}
		return strings.Join(parts, v[0].(string)), nil
	})), nil
}

var (
	str  = types.StringType
	i64  = types.Int64Type
	same = func(f func(string) string) func(v []types.Value) (types.Value, error) {
		return func(v []types.Value) (types.Value, error) { return f(v[0].(string)), nil }
	}
)

func trimSpaces(f func(string, string) string) func(v []types.Value) (types.Value, error) {
	return func(v []types.Value) (types.Value, error) {
		cut := " "
		if len(v) == 2 {
			cut = v[1].(string)
		}
		return f(v[0].(string), cut), nil
	}
}

func trimBoth(s, cut string) string { return trimRight(trimLeft(s, cut), cut) }

// trimLeft and trimRight remove repeated occurrences of a whole string
// (MySQL's TRIM(BOTH 'ab' FROM s)), not a set of characters.
func trimLeft(s, cut string) string {
	if cut == "" {
		return s
	}
	for strings.HasPrefix(s, cut) {
		s = s[len(cut):]
	}
	return s
}

func trimRight(s, cut string) string {
	if cut == "" {
		return s
	}
	for strings.HasSuffix(s, cut) {
		s = s[:len(s)-len(cut)]
	}
	return s
}

var stringFunctions = map[string]binder{
	"concat": strFn("s*", 1, -1, str, func(v []types.Value) (types.Value, error) {
		var b strings.Builder
		for _, x := range v {
			b.WriteString(x.(string))
		}
		return b.String(), nil
	}),
	"concat_ws":        bindConcatWS,
	"length":           strFn("s", 1, 1, i64, func(v []types.Value) (types.Value, error) { return int64(len(v[0].(string))), nil }),
	"char_length":      strFn("s", 1, 1, i64, func(v []types.Value) (types.Value, error) { return runeCount(v[0].(string)), nil }),
	"character_length": strFn("s", 1, 1, i64, func(v []types.Value) (types.Value, error) { return runeCount(v[0].(string)), nil }),
	"upper":            strFn("s", 1, 1, str, same(strings.ToUpper)),
	"ucase":            strFn("s", 1, 1, str, same(strings.ToUpper)),
	"lower":            strFn("s", 1, 1, str, same(strings.ToLower)),
	"lcase":            strFn("s", 1, 1, str, same(strings.ToLower)),
	"reverse":          strFn("s", 1, 1, str, same(reverse)),
	"substring":        strFn("sii", 2, 3, str, substring),
	"substr":           strFn("sii", 2, 3, str, substring),
	"left": strFn("si", 2, 2, str, func(v []types.Value) (types.Value, error) {
		return runeSlice(v[0].(string), 0, v[1].(int64)), nil
	}),
	"right": strFn("si", 2, 2, str, func(v []types.Value) (types.Value, error) {
		s, k := v[0].(string), v[1].(int64)
		n := runeCount(s)
		if k <= 0 {
			return "", nil
		}
		return runeSlice(s, n-k, n), nil
	}),
	// TRIM([BOTH|LEADING|TRAILING] [remstr] FROM s) arrives as (s, remstr,
	// direction).
	"trim": strFn("sss", 1, 3, str, func(v []types.Value) (types.Value, error) {
		cut := " "
		if len(v) >= 2 {
			cut = v[1].(string)
		}
		s := v[0].(string)
		dir := "BOTH"
		if len(v) == 3 {
			dir = strings.ToUpper(v[2].(string))
		}
		switch dir {
		case "LEADING":
			return trimLeft(s, cut), nil
		case "TRAILING":
			return trimRight(s, cut), nil
		case "BOTH", "":
			return trimBoth(s, cut), nil
		}
		return nil, fmt.Errorf("function trim: unknown direction %q", dir)
	}),
	"ltrim": strFn("s", 1, 1, str, trimSpaces(trimLeft)),
	"rtrim": strFn("s", 1, 1, str, trimSpaces(trimRight)),
	"replace": strFn("sss", 3, 3, str, func(v []types.Value) (types.Value, error) {
		s, from, to := v[0].(string), v[1].(string), v[2].(string)
		if from == "" {
			return s, nil
		}
		if len(to) > len(from) && int64(len(s))/int64(len(from))*int64(len(to)) > maxStringResult {
			return nil, nil
		}
		return strings.ReplaceAll(s, from, to), nil
	}),
	"repeat": strFn("si", 2, 2, str, func(v []types.Value) (types.Value, error) {
		s, k := v[0].(string), v[1].(int64)
		if k <= 0 || s == "" {
			return "", nil
		}
		if k > maxStringResult/int64(len(s)) {
			return nil, nil
		}
		return strings.Repeat(s, int(k)), nil
	}),
	"lpad": strFn("sis", 3, 3, str, pad(true)),
	"rpad": strFn("sis", 3, 3, str, pad(false)),
	"instr": strFn("ss", 2, 2, i64, func(v []types.Value) (types.Value, error) {
		return locate(v[1].(string), v[0].(string), 1), nil
	}),
	"locate": strFn("ssi", 2, 3, i64, func(v []types.Value) (types.Value, error) {
		from := int64(1)
		if len(v) == 3 {
			from = v[2].(int64)
		}
		return locate(v[0].(string), v[1].(string), from), nil
	}),
	"position": strFn("ss", 2, 2, i64, func(v []types.Value) (types.Value, error) {
		return locate(v[0].(string), v[1].(string), 1), nil
	}),
	"ascii": strFn("s", 1, 1, i64, func(v []types.Value) (types.Value, error) {
		s := v[0].(string)
		if s == "" {
			return int64(0), nil
		}
		return int64(s[0]), nil
	}),
	"strcmp": strFn("ss", 2, 2, i64, func(v []types.Value) (types.Value, error) {
		return int64(strings.Compare(v[0].(string), v[1].(string))), nil
	}),
}
