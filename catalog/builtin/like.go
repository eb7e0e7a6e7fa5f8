package builtin

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// LIKE matches case-sensitively (binary collation, as comparisons do):
// % is any run of characters, _ exactly one character, and the escape
// character (default backslash) makes the next character literal.

type likeKind uint8

const (
	likeLiteral likeKind = iota
	likeOne              // _
	likeAny              // %
)

type likeToken struct {
	kind likeKind
	lit  string
}

type likePattern []likeToken

func compileLike(p string, escape rune) likePattern {
	var toks likePattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, likeToken{kind: likeLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == escape && i+1 < len(rs):
			i++
			lit.WriteRune(rs[i])
		case r == '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != likeAny {
				toks = append(toks, likeToken{kind: likeAny})
			}
		case r == '_':
			flush()
			toks = append(toks, likeToken{kind: likeOne})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return toks
}

// match runs the classic wildcard matcher: on a mismatch it backtracks to
// the last % and lets it swallow one more character. Every other token
// has a fixed length, which keeps this correct.
func (p likePattern) match(s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(p) {
			t := p[ti]
			switch t.kind {
			case likeAny:
				starT, starS = ti, si
				ti++
				continue
			case likeOne:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case likeLiteral:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		ti, si = starT+1, starS
	}
}

func bindLike(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 3); err != nil {
		return nil, err
	}
	params := repeatType(types.StringType, len(args))
	return newBound(name, args, params, types.BoolType, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		s := a[0].(*array.String)
		var pats *array.String
		if p, ok := a[1].(*array.String); ok {
			pats = p
		}
		var escs *array.String
		if len(a) == 3 {
			escs, _ = a[2].(*array.String)
		}
		v := newValidity(mem, n, a...)
		vals := expr.NewBitmap(mem, n, false)
		// The pattern is usually a constant: compile it once per change.
		lastPat, lastEsc := "", rune(-1)
		var pat likePattern
		for i := 0; i < n; i++ {
			if !v.valid(i) || pats == nil {
				continue
			}
			esc := '\\'
			if escs != nil {
				e := escs.Value(i)
				switch utf8.RuneCountInString(e) {
				case 0:
					esc = -1
				case 1:
					esc, _ = utf8.DecodeRuneInString(e)
				default:
					vals.Release()
					v.release()
					return nil, fmt.Errorf("function like: escape %q must be one character", e)
				}
			}
			if p := pats.Value(i); pat == nil || p != lastPat || esc != lastEsc {
				pat, lastPat, lastEsc = compileLike(p, esc), p, esc
			}
			setIf(vals.Bits, i, pat.match(s.Value(i)))
		}
		return expr.NewBoolArray(vals, v.bm, n), nil
	}), nil
}
