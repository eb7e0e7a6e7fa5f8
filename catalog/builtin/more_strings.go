package builtin

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math"
	mrand "math/rand"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

// The rest of MySQL's common string, hashing and conversion functions.
// Comparisons (FIELD, FIND_IN_SET, REGEXP) are case-sensitive, as every
// string comparison of Taipan is.
var moreStringFunctions = map[string]binder{
	"hex":   bindHex,
	"unhex": bindUnhex,
	"md5":   strFn("s", 1, 1, str, hashHex(func(b []byte) []byte { s := md5.Sum(b); return s[:] })),
	"sha1":  strFn("s", 1, 1, str, hashHex(func(b []byte) []byte { s := sha1.Sum(b); return s[:] })),
	"sha":   strFn("s", 1, 1, str, hashHex(func(b []byte) []byte { s := sha1.Sum(b); return s[:] })),
	"sha2":  strFn("si", 2, 2, str, sha2),
	"crc32": strFn("s", 1, 1, i64, func(v []types.Value) (types.Value, error) {
		return int64(crc32.ChecksumIEEE([]byte(v[0].(string)))), nil
	}),
	"bin":  strFn("i", 1, 1, str, func(v []types.Value) (types.Value, error) { return strconv.FormatUint(uint64(v[0].(int64)), 2), nil }),
	"oct":  strFn("i", 1, 1, str, func(v []types.Value) (types.Value, error) { return strconv.FormatUint(uint64(v[0].(int64)), 8), nil }),
	"conv": strFn("sii", 3, 3, str, conv),
	"field": func(name string, args []types.Type) (catalog.BoundScalar, error) {
		if err := checkArity(name, args, 2, -1); err != nil {
			return nil, err
		}
		params, _ := strParams(name, args, "s*")
		return newBound(name, args, params, i64, rowwise(i64, false, func(v []types.Value) (types.Value, error) {
			if v[0] == nil {
				return int64(0), nil
			}
			for i, x := range v[1:] {
				if x != nil && x.(string) == v[0].(string) {
					return int64(i + 1), nil
				}
			}
			return int64(0), nil
		})), nil
	},
	"elt": func(name string, args []types.Type) (catalog.BoundScalar, error) {
		if err := checkArity(name, args, 2, -1); err != nil {
			return nil, err
		}
		params, err := strParams(name, args, "is*")
		if err != nil {
			return nil, err
		}
		return newBound(name, args, params, str, rowwise(str, false, func(v []types.Value) (types.Value, error) {
			if v[0] == nil {
				return nil, nil
			}
			i := v[0].(int64)
			if i < 1 || i >= int64(len(v)) {
				return nil, nil
			}
			return v[i], nil
		})), nil
	},
	"find_in_set": strFn("ss", 2, 2, i64, func(v []types.Value) (types.Value, error) {
		s, list := v[0].(string), v[1].(string)
		if list == "" {
			return int64(0), nil
		}
		for i, x := range strings.Split(list, ",") {
			if x == s {
				return int64(i + 1), nil
			}
		}
		return int64(0), nil
	}),
	"space": strFn("i", 1, 1, str, func(v []types.Value) (types.Value, error) {
		n := v[0].(int64)
		if n > maxStringResult {
			return nil, nil
		}
		return strings.Repeat(" ", int(max(n, 0))), nil
	}),
	"mid":         strFn("sii", 2, 3, str, substring),
	"insert_func": strFn("siis", 4, 4, str, insertString), // INSERT(s, pos, len, new) as the parser names it
	"char_func":   bindChar,
	"ord": strFn("s", 1, 1, i64, func(v []types.Value) (types.Value, error) {
		s := v[0].(string)
		if s == "" {
			return int64(0), nil
		}
		// A multibyte character's code is its bytes as a big-endian number.
		_, size := utf8.DecodeRuneInString(s)
		code := int64(0)
		for i := 0; i < size; i++ {
			code = code<<8 | int64(s[i])
		}
		return code, nil
	}),
	"soundex":     strFn("s", 1, 1, str, func(v []types.Value) (types.Value, error) { return soundex(v[0].(string)), nil }),
	"regexp":      bindRegexp,
	"regexp_like": bindRegexp,
	"format":      bindFormat,
	"uuid":        bindUUID,
	"rand":        bindRand,
}

func hashHex(sum func([]byte) []byte) func(v []types.Value) (types.Value, error) {
	return func(v []types.Value) (types.Value, error) {
		return hex.EncodeToString(sum([]byte(v[0].(string)))), nil
	}
}

// sha2 is SHA2(s, bits): 224, 256 (or 0), 384 or 512; NULL otherwise.
func sha2(v []types.Value) (types.Value, error) {
	b := []byte(v[0].(string))
	switch v[1].(int64) {
	case 224:
		s := sha256.Sum224(b)
		return hex.EncodeToString(s[:]), nil
	case 0, 256:
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:]), nil
	case 384:
		s := sha512.Sum384(b)
		return hex.EncodeToString(s[:]), nil
	case 512:
		s := sha512.Sum512(b)
		return hex.EncodeToString(s[:]), nil
	}
	return nil, nil
}

// bindHex is HEX(n) for numbers (of the integer, as MySQL does) and
// HEX(s) for strings and bytes, in upper case.
func bindHex(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	if args[0].IsNumeric() || args[0].Kind == types.Bool {
		return newBound(name, args, []types.Type{types.Int64Type}, str, rowwise(str, true, func(v []types.Value) (types.Value, error) {
			return strings.ToUpper(strconv.FormatUint(uint64(v[0].(int64)), 16)), nil
		})), nil
	}
	param := types.StringType
	if args[0].Kind == types.Binary {
		param = types.BinaryType
	}
	return newBound(name, args, []types.Type{param}, str, rowwise(str, true, func(v []types.Value) (types.Value, error) {
		switch x := v[0].(type) {
		case []byte:
			return strings.ToUpper(hex.EncodeToString(x)), nil
		case string:
			return strings.ToUpper(hex.EncodeToString([]byte(x))), nil
		}
		return nil, nil
	})), nil
}

// bindUnhex is UNHEX(s): the bytes, NULL for a string that is not hex.
func bindUnhex(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{types.StringType}, types.BinaryType, rowwise(types.BinaryType, true, func(v []types.Value) (types.Value, error) {
		s := v[0].(string)
		if len(s)%2 == 1 {
			s = "0" + s
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, nil
		}
		return b, nil
	})), nil
}

// conv is CONV(s, from, to): bases 2 to 36 (a negative to base writes a
// signed result); NULL for a bad base. Invalid digits end the number.
func conv(v []types.Value) (types.Value, error) {
	s, from, to := strings.TrimSpace(v[0].(string)), v[1].(int64), v[2].(int64)
	if from < 0 {
		from = -from
	}
	signed := to < 0
	if signed {
		to = -to
	}
	if from < 2 || from > 36 || to < 2 || to > 36 {
		return nil, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	end := 0
	for end < len(s) {
		d := digitValue(s[end])
		if d < 0 || d >= int(from) {
			break
		}
		end++
	}
	n, err := strconv.ParseUint(s[:end], int(from), 64)
	if err != nil && end > 0 {
		n = ^uint64(0) // overflow saturates, as MySQL does
	}
	if neg {
		if signed {
			return "-" + strings.ToUpper(strconv.FormatUint(n, int(to))), nil
		}
		n = -n
	}
	return strings.ToUpper(strconv.FormatUint(n, int(to))), nil
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// insertString is INSERT(s, pos, len, new): s with len characters from
// pos replaced by new; s itself when pos is out of range.
func insertString(v []types.Value) (types.Value, error) {
	s, pos, n, repl := v[0].(string), v[1].(int64), v[2].(int64), v[3].(string)
	rs := []rune(s)
	if pos < 1 || pos > int64(len(rs)) {
		return s, nil
	}
	end := int64(len(rs))
	if n >= 0 && pos-1+n < end {
		end = pos - 1 + n
	}
	return string(rs[:pos-1]) + repl + string(rs[end:]), nil
}

// soundex is MySQL's SOUNDEX: the first letter then the codes of the
// following consonants, adjacent repeats once, at least four characters.
func soundex(s string) string {
	codes := "01230120022455012623010202" // a..z
	var out []byte
	last := byte(0)
	for _, r := range strings.ToUpper(s) {
		if r < 'A' || r > 'Z' {
			continue
		}
		c := codes[r-'A']
		if len(out) == 0 {
			out = append(out, byte(r))
			last = c
			continue
		}
		if c != '0' && c != last {
			out = append(out, c)
		}
		if r != 'H' && r != 'W' {
			last = c
		}
	}
	if len(out) == 0 {
		return ""
	}
	for len(out) < 4 {
		out = append(out, '0')
	}
	return string(out)
}

// regexpCache keeps the compiled patterns of REGEXP: a pattern column is
// usually one constant.
var regexpCache sync.Map

func compileRegexp(p string) (*regexp.Regexp, error) {
	if re, ok := regexpCache.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("function regexp: invalid pattern %q: %w", p, err)
	}
	regexpCache.Store(p, re)
	return re, nil
}

// bindRegexp is s REGEXP p and REGEXP_LIKE(s, p [, flags]) with Go's RE2
// syntax (MySQL's ICU syntax for the common cases); flag 'i' ignores case.
func bindRegexp(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 3); err != nil {
		return nil, err
	}
	params := repeatType(types.StringType, len(args))
	return newBound(name, args, params, types.BoolType, rowwise(types.BoolType, true, func(v []types.Value) (types.Value, error) {
		p := v[1].(string)
		if len(v) == 3 {
			for _, f := range v[2].(string) {
				switch f {
				case 'i':
					p = "(?i)" + p
				case 'c':
				case 'm':
					p = "(?m)" + p
				case 'n':
					p = "(?s)" + p
				default:
					return nil, fmt.Errorf("function %s: unknown flag %q", name, f)
				}
			}
		}
		re, err := compileRegexp(p)
		if err != nil {
			return nil, err
		}
		return re.MatchString(v[0].(string)), nil
	})), nil
}

// bindFormat is FORMAT(x, d): x rounded to d decimals with thousands
// separators, as in the en_US locale.
func bindFormat(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	if _, err := asNumber(name, args, args[0]); err != nil {
		return nil, err
	}
	if _, err := asNumber(name, args, args[1]); err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{types.Float64Type, types.Int64Type}, str, rowwise(str, true, func(v []types.Value) (types.Value, error) {
		d := min(max(v[1].(int64), 0), 30)
		x := v[0].(float64)
		if d <= 15 {
			// Half away from zero, as MySQL rounds (FormatFloat rounds
			// half to even).
			p := math.Pow(10, float64(d))
			if r := math.Round(x*p) / p; !math.IsInf(r, 0) {
				x = r
			}
		}
		s := strconv.FormatFloat(x, 'f', int(d), 64)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		intPart, frac, _ := strings.Cut(s, ".")
		var b strings.Builder
		if neg {
			b.WriteByte('-')
		}
		for i, c := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		if d > 0 {
			b.WriteByte('.')
			b.WriteString(frac)
		}
		return b.String(), nil
	})), nil
}

// bindUUID is UUID(): a random (version 4) UUID per row.
func bindUUID(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 0, 0); err != nil {
		return nil, err
	}
	return newBound(name, args, nil, str, func(mem memory.Allocator, _ []arrow.Array, n int) (arrow.Array, error) {
		vals := make([]types.Value, n)
		for i := range vals {
			var u [16]byte
			if _, err := rand.Read(u[:]); err != nil {
				return nil, err
			}
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			h := hex.EncodeToString(u[:])
			vals[i] = h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		}
		return valuesArray(mem, str, vals)
	}), nil
}

// bindRand is RAND() and RAND(seed): a DOUBLE in [0, 1) per row; with a
// seed the sequence over the statement's rows is repeatable: the
// generator is seeded again only when the seed changes.
func bindRand(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 0, 1); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return newBound(name, args, nil, types.Float64Type, func(mem memory.Allocator, _ []arrow.Array, n int) (arrow.Array, error) {
			vals := make([]types.Value, n)
			for i := range vals {
				vals[i] = mrand.Float64()
			}
			return valuesArray(mem, types.Float64Type, vals)
		}), nil
	}
	if _, err := asNumber(name, args, args[0]); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var src *mrand.Rand
	var seeded *int64
	return newBound(name, args, []types.Type{types.Int64Type}, types.Float64Type, rowwise(types.Float64Type, false, func(v []types.Value) (types.Value, error) {
		seed := int64(0)
		if v[0] != nil {
			seed = v[0].(int64)
		}
		mu.Lock()
		defer mu.Unlock()
		if seeded == nil || *seeded != seed {
			src = mrand.New(mrand.NewSource(seed))
			seeded = &seed
		}
		return src.Float64(), nil
	})), nil
}

// valuesArray builds an array of t from vals.
func valuesArray(mem memory.Allocator, t types.Type, vals []types.Value) (arrow.Array, error) {
	args := []arrow.Array{}
	return rowwise(t, false, func(_ []types.Value) (types.Value, error) {
		v := vals[0]
		vals = vals[1:]
		return v, nil
	})(mem, args, len(vals))
}

// bindChar is CHAR(n, ... [USING charset]) as the parser names it: the
// codes' bytes (each big-endian, NULLs skipped); the parser appends the
// character set (NULL for none) as the last argument, ignored here.
func bindChar(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, -1); err != nil {
		return nil, err
	}
	params, err := strParams(name, args[:len(args)-1], "i*")
	if err != nil {
		return nil, err
	}
	params = append(params, types.StringType)
	return newBound(name, args, params, str, rowwise(str, false, func(v []types.Value) (types.Value, error) {
		var b []byte
		for _, x := range v[:len(v)-1] {
			if x == nil {
				continue
			}
			c := uint32(x.(int64))
			var part []byte
			for c > 0 {
				part = append([]byte{byte(c)}, part...)
				c >>= 8
			}
			b = append(b, part...)
		}
		return string(b), nil
	})), nil
}
