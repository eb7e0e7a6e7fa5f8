package exec

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"

	"github.com/taipandb/taipan/exec/expr"
)

// joinTable maps the build side's join keys to the build rows that have
// them: lookup gives each probe row the first build row with an equal key,
// chain[r] the next build row after r with the same key (-1: none). Chains
// list build rows in input order. NULL keys never match.
type joinTable interface {
	// lookup sets first[i], for each of the n probe rows whose keys are
	// keys, to the first matching build row or -1.
	lookup(keys []arrow.Array, n int, first []int32) error
	chains() []int32
}

// newJoinTable hashes the build keys (each n rows long). A single integer,
// DATE or TIMESTAMP key on both sides is looked up by value: in an array
// indexed by the key when the keys span a range not much larger than
// their number (dense keys such as generated ids), else in an
// open-addressing table. Other keys go through their byte encoding.
func newJoinTable(build []arrow.Array, probeTypes []arrow.DataType, n int) (joinTable, error) {
	if len(build) == 1 {
		if c := intKeyClassOf(build[0].DataType()); c != noIntKey && c == intKeyClassOf(probeTypes[0]) {
			if t, ok, err := newDirectJoinTable(build[0], c, n); ok || err != nil {
				return t, err
			}
			return newIntJoinTable(build[0], c, n)
		}
	}
	return newBytesJoinTable(build, n)
}

// tableBits is the log2 of the slot count for n keys: at most half full.
func tableBits(n int) uint {
	b := uint(bits.Len(uint(n)) + 1)
	return max(b, 4)
}

// intKeyClass groups the key types whose values compare as int64: all
// integer widths meet each other (as in keyRows), DATE and TIMESTAMP only
// themselves.
type intKeyClass int

const (
	noIntKey intKeyClass = iota
	intKeyInteger
	intKeyDate
	intKeyTimestamp
)

func intKeyClassOf(dt arrow.DataType) intKeyClass {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return intKeyInteger
	case arrow.DATE32:
		return intKeyDate
	case arrow.TIMESTAMP:
		return intKeyTimestamp
	}
	return noIntKey
}

// intKeyValues returns arr's values as int64, converting narrower types
// into scratch (grown as needed). NULL rows hold arbitrary values.
func intKeyValues(arr arrow.Array, scratch []int64) ([]int64, []int64, error) {
	widen := func(n int) []int64 {
		scratch = resize(scratch, n)
		return scratch
	}
	switch a := arr.(type) {
	case *array.Int64:
		return a.Int64Values(), scratch, nil
	case *array.Timestamp:
		return expr.Values[int64](a), scratch, nil
	case *array.Int32:
		out := widen(a.Len())
		for i, v := range a.Int32Values() {
			out[i] = int64(v)
		}
		return out, scratch, nil
	case *array.Date32:
		out := widen(a.Len())
		for i, v := range expr.Values[int32](a) {
			out[i] = int64(v)
		}
		return out, scratch, nil
	case *array.Int16:
		out := widen(a.Len())
		for i, v := range a.Int16Values() {
			out[i] = int64(v)
		}
		return out, scratch, nil
	case *array.Int8:
		out := widen(a.Len())
		for i, v := range a.Int8Values() {
			out[i] = int64(v)
		}
		return out, scratch, nil
	}
	return nil, scratch, fmt.Errorf("join key of type %s is not an integer", arr.DataType())
}

// intSlot is one slot of intJoinTable: head is the first build row with
// key, plus one (0: empty slot).
type intSlot struct {
	key  int64
	head int32
}

// intJoinTable is open addressing with linear probing over int64 keys,
// placed by Fibonacci hashing (the top bits of key times 2^64/phi), which
// spreads runs of consecutive keys.
type intJoinTable struct {
	class   intKeyClass
	shift   uint
	mask    uint64
	slots   []intSlot
	chain   []int32
	scratch []int64
}

const fibonacci = 0x9E3779B97F4A7C15

func newIntJoinTable(key arrow.Array, class intKeyClass, n int) (*intJoinTable, error) {
	vals, _, err := intKeyValues(key, nil)
	if err != nil {
		return nil, err
	}
	b := tableBits(n)
	t := &intJoinTable{class: class, shift: 64 - b, mask: 1<<b - 1, slots: make([]intSlot, 1<<b), chain: make([]int32, n)}
	valid := expr.ValidBits(key)
	// Backwards, so that each chain lists build rows in input order.
	for i := n - 1; i >= 0; i-- {
		t.chain[i] = -1
		if valid != nil && !bitutil.BitIsSet(valid, i) {
			continue
		}
		v := vals[i]
		s := (uint64(v) * fibonacci) >> t.shift
		for {
			sl := &t.slots[s]
			if sl.head == 0 {
				sl.key, sl.head = v, int32(i)+1
				break
			}
			if sl.key == v {
				t.chain[i] = sl.head - 1
				sl.head = int32(i) + 1
				break
			}
			s = (s + 1) & t.mask
		}
	}
	return t, nil
}

func (t *intJoinTable) chains() []int32 { return t.chain }

func (t *intJoinTable) lookup(keys []arrow.Array, n int, first []int32) error {
	if c := intKeyClassOf(keys[0].DataType()); c != t.class {
		return fmt.Errorf("join key of type %s does not match the build side's", keys[0].DataType())
	}
	var vals []int64
	var err error
	vals, t.scratch, err = intKeyValues(keys[0], t.scratch)
	if err != nil {
		return err
	}
	valid := expr.ValidBits(keys[0])
	slots, mask, shift := t.slots, t.mask, t.shift
	for i, v := range vals[:n] {
		first[i] = -1
		if valid != nil && !bitutil.BitIsSet(valid, i) {
			continue
		}
		for s := (uint64(v) * fibonacci) >> shift; ; s = (s + 1) & mask {
			sl := slots[s]
			if sl.head == 0 {
				break
			}
			if sl.key == v {
				first[i] = sl.head - 1
				break
			}
		}
	}
	return nil
}

// directJoinTable finds a key's first build row at heads[key-lo] (plus
// one; 0: none): no hashing and no probing, in a table the size of the
// key range.
type directJoinTable struct {
	class   intKeyClass
	lo      int64
	heads   []int32
	chain   []int32
	scratch []int64
}

// newDirectJoinTable returns the table when the build keys span at most
// twice their number of values (or 1024); ok is false otherwise.
func newDirectJoinTable(key arrow.Array, class intKeyClass, n int) (*directJoinTable, bool, error) {
	vals, _, err := intKeyValues(key, nil)
	if err != nil {
		return nil, false, err
	}
	valid := expr.ValidBits(key)
	lo, hi, seen := int64(0), int64(0), false
	for i, v := range vals[:n] {
		if valid != nil && !bitutil.BitIsSet(valid, i) {
			continue
		}
		if !seen {
			lo, hi, seen = v, v, true
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	span := uint64(hi) - uint64(lo) // no overflow: hi >= lo
	if span >= uint64(max(2*n, 1024)) {
		return nil, false, nil
	}
	t := &directJoinTable{class: class, lo: lo, heads: make([]int32, span+1), chain: make([]int32, n)}
	// Backwards, so that each chain lists build rows in input order.
	for i := n - 1; i >= 0; i-- {
		t.chain[i] = -1
		if valid != nil && !bitutil.BitIsSet(valid, i) {
			continue
		}
		h := &t.heads[vals[i]-lo]
		t.chain[i] = *h - 1
		*h = int32(i) + 1
	}
	return t, true, nil
}

func (t *directJoinTable) chains() []int32 { return t.chain }

func (t *directJoinTable) lookup(keys []arrow.Array, n int, first []int32) error {
	if c := intKeyClassOf(keys[0].DataType()); c != t.class {
		return fmt.Errorf("join key of type %s does not match the build side's", keys[0].DataType())
	}
	var vals []int64
	var err error
	vals, t.scratch, err = intKeyValues(keys[0], t.scratch)
	if err != nil {
		return err
	}
	valid := expr.ValidBits(keys[0])
	heads, lo, size := t.heads, t.lo, uint64(len(t.heads))
	for i, v := range vals[:n] {
		first[i] = -1
		if d := uint64(v) - uint64(lo); d < size && (valid == nil || bitutil.BitIsSet(valid, i)) {
			first[i] = heads[d] - 1
		}
	}
	return nil
}

// bytesSlot is one slot of bytesJoinTable: the hash of the key and its
// first build row plus one (0: empty slot).
type bytesSlot struct {
	hash uint64
	head int32
}

// bytesJoinTable is open addressing over the byte encoding of the keys
// (keyRows): slots keep each key's hash, and a hash match is confirmed
// against the build row's encoding.
type bytesJoinTable struct {
	build keyRows
	probe keyRows
	seed  maphash.Seed
	mask  uint64
	slots []bytesSlot
	chain []int32
}

func newBytesJoinTable(keys []arrow.Array, n int) (*bytesJoinTable, error) {
	t := &bytesJoinTable{seed: maphash.MakeSeed(), chain: make([]int32, n)}
	if err := t.build.encode(keys, n); err != nil {
		return nil, err
	}
	b := tableBits(n)
	t.mask, t.slots = 1<<b-1, make([]bytesSlot, 1<<b)
	for i := n - 1; i >= 0; i-- {
		t.chain[i] = -1
		if t.build.hasNull[i] {
			continue
		}
		k := t.build.key(i)
		h := maphash.Bytes(t.seed, k)
		for s := h & t.mask; ; s = (s + 1) & t.mask {
			sl := &t.slots[s]
			if sl.head == 0 {
				sl.hash, sl.head = h, int32(i)+1
				break
			}
			if sl.hash == h && bytes.Equal(t.build.key(int(sl.head-1)), k) {
				t.chain[i] = sl.head - 1
				sl.head = int32(i) + 1
				break
			}
		}
	}
	return t, nil
}

func (t *bytesJoinTable) chains() []int32 { return t.chain }

func (t *bytesJoinTable) lookup(keys []arrow.Array, n int, first []int32) error {
	if err := t.probe.encode(keys, n); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		first[i] = -1
		if t.probe.hasNull[i] {
			continue
		}
		k := t.probe.key(i)
		h := maphash.Bytes(t.seed, k)
		for s := h & t.mask; ; s = (s + 1) & t.mask {
			sl := t.slots[s]
			if sl.head == 0 {
				break
			}
			if sl.hash == h && bytes.Equal(t.build.key(int(sl.head-1)), k) {
				first[i] = sl.head - 1
				break
			}
		}
	}
	return nil
}
