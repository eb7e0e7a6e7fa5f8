package exec

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"

	"github.com/taipandb/taipan/exec/expr"
)

// evalExprs evaluates exprs over rec; the caller releases the result.
func evalExprs(ectx *expr.Context, exprs []expr.Expr, rec arrow.Record) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(exprs))
	for i, e := range exprs {
		a, err := e.Eval(ectx, rec)
		if err != nil {
			releaseArrays(out)
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// orderKeys compares the rows of one batch by sort keys without a call
// per row through an interface. Every fixed-width key is turned into
// order-preserving words (unsigned integers that compare as the values
// do, with DESC and NULL placement already applied): rows then compare as
// their word tuples. String and binary keys keep a typed comparator.
type orderKeys struct {
	n     int
	words [][]uint64 // by word, then row
	// Key k is words[first[k]:first[k+1]], or, when strs[k] is set, that
	// comparator.
	first []int
	strs  []func(a, b int32) int
}

// With nullWords, a 64-bit key has its word of NULL flags even without
// NULLs, so that the words of every batch line up (TopN compares rows of
// different batches).
func newOrderKeys(cols []arrow.Array, keys []SortKey, nullWords bool) (*orderKeys, error) {
	n := 0
	if len(cols) > 0 {
		n = cols[0].Len()
	}
	o := &orderKeys{n: n, first: make([]int, len(cols)+1), strs: make([]func(a, b int32) int, len(cols))}
	for k, c := range cols {
		o.first[k] = len(o.words)
		ws, cmp, err := encodeOrderKey(c, keys[k], nullWords)
		if err != nil {
			return nil, fmt.Errorf("ORDER BY %s: %w", keys[k].Expr, err)
		}
		o.words = append(o.words, ws...)
		o.strs[k] = cmp
	}
	o.first[len(cols)] = len(o.words)
	return o, nil
}

// fixed reports whether every key is in words.
func (o *orderKeys) fixed() bool {
	for _, s := range o.strs {
		if s != nil {
			return false
		}
	}
	return true
}

// compareKeys compares rows a and b on keys [from, to).
func (o *orderKeys) compareKeys(a, b int32, from, to int) int {
	for k := from; k < to; k++ {
		if s := o.strs[k]; s != nil {
			if r := s(a, b); r != 0 {
				return r
			}
			continue
		}
		for _, w := range o.words[o.first[k]:o.first[k+1]] {
			if x, y := w[a], w[b]; x != y {
				if x < y {
					return -1
				}
				return 1
			}
		}
	}
	return 0
}

// markChanges sets changed[k], for k >= 1, when sorted rows perm[k-1]
// and perm[k] differ on keys [from, to); it leaves the other entries as
// they are. A word at a time, so that the loop is a plain comparison.
func (o *orderKeys) markChanges(perm []int32, from, to int, changed []bool) {
	if len(perm) < 2 {
		return
	}
	for k := from; k < to; k++ {
		if s := o.strs[k]; s != nil {
			for j := 1; j < len(perm); j++ {
				if !changed[j] && s(perm[j-1], perm[j]) != 0 {
					changed[j] = true
				}
			}
			continue
		}
		for _, col := range o.words[o.first[k]:o.first[k+1]] {
			prev := col[perm[0]]
			for j, r := range perm[1:] {
				cur := col[r]
				if cur != prev {
					changed[j+1] = true
				}
				prev = cur
			}
		}
	}
}

// sorted returns the rows in key order, ties in row order.
func (o *orderKeys) sorted() []int32 {
	if o.fixed() && o.n >= 256 {
		return radixSort(packWords(o.words), o.n)
	}
	perm := identity(o.n)
	nk := len(o.strs)
	slices.SortFunc(perm, func(a, b int32) int {
		if r := o.compareKeys(a, b, 0, nk); r != 0 {
			return r
		}
		return cmp.Compare(a, b)
	})
	return perm
}

// encodeOrderKey returns the words of one key column, or for strings and
// binary strings a comparator instead (orderKeyWords).
func encodeOrderKey(c arrow.Array, key SortKey, nullWords bool) ([][]uint64, func(a, b int32) int, error) {
	n := c.Len()
	if c.NullN() == 0 && !key.Desc {
		// The common case without a call per row.
		switch a := c.(type) {
		case *array.Int64:
			w := make([]uint64, n)
			for i, v := range a.Int64Values() {
				w[i] = uint64(v) ^ 1<<63
			}
			if nullWords {
				flags := make([]uint64, n)
				if key.NullsFirst { // valid rows after NULLs
					for i := range flags {
						flags[i] = 1
					}
				}
				return [][]uint64{flags, w}, nil, nil
			}
			return [][]uint64{w}, nil, nil
		}
	}
	fns, cmp, err := orderKeyWords(c, key, nullWords)
	if err != nil || cmp != nil {
		return nil, cmp, err
	}
	words := make([][]uint64, len(fns))
	for j, f := range fns {
		w := make([]uint64, n)
		for i := range w {
			w[i] = f(i)
		}
		words[j] = w
	}
	return words, nil, nil
}

// wordFunc is one order-preserving word of each row of a key column.
type wordFunc func(i int) uint64

// orderKeyWords returns the words of one key column as functions of the
// row, or for strings and binary strings a comparator instead. Narrow
// values share one word with their NULL flag; 64-bit values get a word of
// NULL flags when the column has NULLs or nullWords is set.
func orderKeyWords(c arrow.Array, key SortKey, nullWords bool) ([]wordFunc, func(a, b int32) int, error) {
	valid := expr.ValidBits(c)
	// NULLs sort first or last whatever the direction.
	nullFlag, validFlag := uint64(1), uint64(0)
	if key.NullsFirst {
		nullFlag, validFlag = 0, 1
	}
	var flip32 uint32
	var flip64 uint64
	if key.Desc {
		flip32, flip64 = math.MaxUint32, math.MaxUint64
	}
	// narrow is one word per row from 32-bit order-preserving values.
	narrow := func(value func(i int) uint32) []wordFunc {
		if valid == nil {
			return []wordFunc{func(i int) uint64 { return validFlag<<32 | uint64(value(i)^flip32) }}
		}
		return []wordFunc{func(i int) uint64 {
			if !bitutil.BitIsSet(valid, i) {
				return nullFlag << 32
			}
			return validFlag<<32 | uint64(value(i)^flip32)
		}}
	}
	// wide is words from 64-bit order-preserving values (two per row for
	// DECIMAL), after a word of NULL flags.
	wide := func(parts int, value func(i int, part int) uint64) []wordFunc {
		var out []wordFunc
		switch {
		case valid != nil:
			out = append(out, func(i int) uint64 {
				if bitutil.BitIsSet(valid, i) {
					return validFlag
				}
				return nullFlag
			})
		case nullWords:
			out = append(out, func(int) uint64 { return validFlag })
		}
		for p := 0; p < parts; p++ {
			if valid == nil {
				out = append(out, func(i int) uint64 { return value(i, p) ^ flip64 })
				continue
			}
			out = append(out, func(i int) uint64 {
				if !bitutil.BitIsSet(valid, i) {
					return 0
				}
				return value(i, p) ^ flip64
			})
		}
		return out
	}
	// wide1 is wide for one part, without a call through value per row
	// when there are no NULLs and the order is ascending.
	wide1 := func(value func(i int) uint64) []wordFunc {
		if valid == nil && !key.Desc {
			if nullWords {
				return []wordFunc{func(int) uint64 { return validFlag }, value}
			}
			return []wordFunc{value}
		}
		return wide(1, func(i, _ int) uint64 { return value(i) })
	}
	const sign32, sign64 = 1 << 31, 1 << 63
	switch a := c.(type) {
	case *array.Null:
		return nil, nil, nil // every row is NULL: all equal
	case *array.Boolean:
		return narrow(func(i int) uint32 {
			if a.Value(i) {
				return 1
			}
			return 0
		}), nil, nil
	case *array.Int8:
		v := a.Int8Values()
		return narrow(func(i int) uint32 { return uint32(int32(v[i])) ^ sign32 }), nil, nil
	case *array.Int16:
		v := a.Int16Values()
		return narrow(func(i int) uint32 { return uint32(int32(v[i])) ^ sign32 }), nil, nil
	case *array.Int32:
		v := a.Int32Values()
		return narrow(func(i int) uint32 { return uint32(v[i]) ^ sign32 }), nil, nil
	case *array.Date32:
		v := expr.Values[int32](a)
		return narrow(func(i int) uint32 { return uint32(v[i]) ^ sign32 }), nil, nil
	case *array.Float32:
		v := a.Float32Values()
		return narrow(func(i int) uint32 { return float32Order(v[i]) }), nil, nil
	case *array.Int64:
		v := a.Int64Values()
		return wide1(func(i int) uint64 { return uint64(v[i]) ^ sign64 }), nil, nil
	case *array.Timestamp:
		v := expr.Values[int64](a)
		return wide1(func(i int) uint64 { return uint64(v[i]) ^ sign64 }), nil, nil
	case *array.Float64:
		v := a.Float64Values()
		return wide1(func(i int) uint64 { return float64Order(v[i]) }), nil, nil
	case *array.Decimal128:
		return wide(2, func(i, part int) uint64 {
			d := a.Value(i)
			if part == 0 {
				return uint64(d.HighBits()) ^ sign64
			}
			return d.LowBits()
		}), nil, nil
	case *array.String:
		offs, data := a.ValueOffsets(), a.ValueBytes()
		base := offs[0]
		return nil, bytesComparator(valid, key, func(i int32) []byte { return data[offs[i]-base : offs[i+1]-base] }), nil
	case *array.Binary:
		return nil, bytesComparator(valid, key, a.Value), nil
	}
	return nil, nil, fmt.Errorf("cannot order values of type %s", c.DataType())
}

func bytesComparator[I int | int32](valid []byte, key SortKey, value func(i I) []byte) func(a, b int32) int {
	return func(a, b int32) int {
		if valid != nil {
			va, vb := bitutil.BitIsSet(valid, int(a)), bitutil.BitIsSet(valid, int(b))
			if !va || !vb {
				switch {
				case va == vb:
					return 0
				case !va == key.NullsFirst:
					return -1
				}
				return 1
			}
		}
		r := bytes.Compare(value(I(a)), value(I(b)))
		if key.Desc {
			return -r
		}
		return r
	}
}

// float64Order maps doubles to words in their order: -0 as 0, and every
// NaN below all numbers (as cmp.Compare orders them).
func float64Order(f float64) uint64 {
	switch {
	case f != f:
		return 0
	case f == 0:
		f = 0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func float32Order(f float32) uint32 {
	switch {
	case f != f:
		return 0
	case f == 0:
		f = 0
	}
	b := math.Float32bits(f)
	if b>>31 != 0 {
		return ^b
	}
	return b | 1<<31
}

// packWords packs the words of a tuple into as few words as keep their
// order: each word minus its smallest value needs only as many bits as
// its range, and words whose ranges fit together share a word.
func packWords(words [][]uint64) [][]uint64 {
	type span struct {
		lo   uint64
		bits int
	}
	spans := make([]span, len(words))
	for w, col := range words {
		lo, hi := uint64(math.MaxUint64), uint64(0)
		for _, v := range col {
			lo, hi = min(lo, v), max(hi, v)
		}
		if len(col) == 0 {
			lo = 0
		}
		spans[w] = span{lo, bits.Len64(hi - lo)}
	}
	var out [][]uint64
	for w := 0; w < len(words); {
		// Words w..end-1 share one packed word.
		end, total := w, 0
		for end < len(words) && total+spans[end].bits <= 64 {
			total += spans[end].bits
			end++
		}
		if end == w+1 && spans[w].lo == 0 {
			out = append(out, words[w])
			w = end
			continue
		}
		if end == w { // a full 64-bit range: as it is
			out = append(out, words[w])
			w++
			continue
		}
		packed := make([]uint64, len(words[w]))
		for i := range packed {
			var p uint64
			for j := w; j < end; j++ {
				p = p<<spans[j].bits | (words[j][i] - spans[j].lo)
			}
			packed[i] = p
		}
		out = append(out, packed)
		w = end
	}
	return out
}

// radixSort orders rows 0..n-1 by their word tuples, stably: a least
// significant digit radix sort, one word at a time from the last. Only
// the bits in which a word's values differ are sorted on, in as few
// digits of at most 11 bits as cover them (2048 counters stay in cache).
func radixSort(words [][]uint64, n int) []int32 {
	perm := identity(n)
	if len(words) == 0 || n < 2 {
		return perm
	}
	tmpPerm := make([]int32, n)
	keys, tmpKeys := make([]uint64, n), make([]uint64, n)
	var counts [1 << 11]int
	for w := len(words) - 1; w >= 0; w-- {
		col := words[w]
		var diff uint64
		first := col[perm[0]]
		for i, r := range perm {
			k := col[r]
			keys[i] = k
			diff |= k ^ first
		}
		if diff == 0 {
			continue
		}
		lo := bits.TrailingZeros64(diff)
		width := 64 - bits.LeadingZeros64(diff) - lo
		passes := (width + 10) / 11
		digit := (width + passes - 1) / passes
		mask := uint64(1)<<digit - 1
		for p := 0; p < passes; p++ {
			shift := uint(lo + p*digit)
			c := counts[:1<<digit]
			clear(c)
			for _, k := range keys {
				c[(k>>shift)&mask]++
			}
			sum := 0
			for d, x := range c {
				c[d] = sum
				sum += x
			}
			for i, k := range keys {
				d := (k >> shift) & mask
				j := c[d]
				c[d] = j + 1
				tmpKeys[j], tmpPerm[j] = k, perm[i]
			}
			keys, tmpKeys = tmpKeys, keys
			perm, tmpPerm = tmpPerm, perm
		}
	}
	return perm
}
