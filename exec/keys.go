package exec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"

	"github.com/taipandb/taipan/exec/expr"
)

// keyRows holds the byte encoding of one batch's key columns, one key per
// row, built a column at a time. Two rows have equal encodings exactly when
// their keys are equal as GROUP BY, DISTINCT and join equality see them:
// every integer width encodes as int64 and FLOAT as DOUBLE (so INT = BIGINT
// keys meet), -0 equals 0, NULL equals NULL (joins skip NULL keys through
// hasNull).
type keyRows struct {
	buf     []byte
	offs    []int
	hasNull []bool
	pos     []int
}

// key is row i's encoding.
func (k *keyRows) key(i int) []byte { return k.buf[k.offs[i]:k.offs[i+1]] }

func fixedKeyWidth(dt arrow.DataType) (int, bool) {
	switch dt.ID() {
	case arrow.NULL:
		return 0, true
	case arrow.BOOL:
		return 1, true
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.TIMESTAMP:
		return 8, true
	case arrow.DATE32:
		return 4, true
	case arrow.DECIMAL128:
		return 16, true
	}
	return 0, false
}

// encode fills k with the keys of cols (each n rows long).
func (k *keyRows) encode(cols []arrow.Array, n int) error {
	k.offs = resize(k.offs, n+1)
	k.hasNull = resize(k.hasNull, n)
	clear(k.hasNull)
	// Sizes: a fixed part for every row plus the variable part of strings.
	fixed := 0
	variable := false
	for _, c := range cols {
		if w, ok := fixedKeyWidth(c.DataType()); ok {
			fixed += 1 + w
			continue
		}
		switch c.DataType().ID() {
		case arrow.STRING, arrow.BINARY:
			fixed += 1 + 4
			variable = true
		default:
			return fmt.Errorf("cannot compare values of type %s", c.DataType())
		}
	}
	for i := 0; i <= n; i++ {
		k.offs[i] = i * fixed
	}
	if variable {
		extra := 0
		for i := 0; i < n; i++ {
			k.offs[i] += extra
			for _, c := range cols {
				switch a := c.(type) {
				case *array.String:
					if a.IsValid(i) {
						extra += a.ValueLen(i)
					}
				case *array.Binary:
					if a.IsValid(i) {
						extra += a.ValueLen(i)
					}
				}
			}
		}
		k.offs[n] += extra
	}
	k.buf = resize(k.buf, k.offs[n])
	k.pos = resize(k.pos, n)
	copy(k.pos, k.offs[:n])
	for _, c := range cols {
		k.appendColumn(c, n)
	}
	return nil
}

func (k *keyRows) appendColumn(c arrow.Array, n int) {
	buf, pos := k.buf, k.pos
	nulls := c.NullN() > 0
	// The null flag, then (for valid rows) the value.
	for i := 0; i < n; i++ {
		if nulls && c.IsNull(i) {
			buf[pos[i]] = 0
			k.hasNull[i] = true
		} else {
			buf[pos[i]] = 1
		}
		pos[i]++
	}
	w, _ := fixedKeyWidth(c.DataType())
	put64 := func(i int, v uint64) { binary.LittleEndian.PutUint64(buf[pos[i]:], v) }
	switch a := c.(type) {
	case *array.Null:
	case *array.Boolean:
		for i := 0; i < n; i++ {
			buf[pos[i]] = 0
			if a.Value(i) {
				buf[pos[i]] = 1
			}
		}
	case *array.Int8:
		for i, v := range a.Int8Values() {
			put64(i, uint64(int64(v)))
		}
	case *array.Int16:
		for i, v := range a.Int16Values() {
			put64(i, uint64(int64(v)))
		}
	case *array.Int32:
		for i, v := range a.Int32Values() {
			put64(i, uint64(int64(v)))
		}
	case *array.Int64:
		for i, v := range a.Int64Values() {
			put64(i, uint64(v))
		}
	case *array.Float32:
		for i, v := range a.Float32Values() {
			put64(i, floatKey(float64(v)))
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			put64(i, floatKey(v))
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues() {
			put64(i, uint64(v))
		}
	case *array.Date32:
		for i, v := range a.Date32Values() {
			binary.LittleEndian.PutUint32(buf[pos[i]:], uint32(v))
		}
	case *array.Decimal128:
		for i := 0; i < n; i++ {
			v := a.Value(i)
			binary.LittleEndian.PutUint64(buf[pos[i]:], v.LowBits())
			binary.LittleEndian.PutUint64(buf[pos[i]+8:], uint64(v.HighBits()))
		}
	case *array.String:
		for i := 0; i < n; i++ {
			s := ""
			if a.IsValid(i) {
				s = a.Value(i)
			}
			binary.LittleEndian.PutUint32(buf[pos[i]:], uint32(len(s)))
			pos[i] += 4 + copy(buf[pos[i]+4:], s)
		}
		return
	case *array.Binary:
		for i := 0; i < n; i++ {
			var s []byte
			if a.IsValid(i) {
				s = a.Value(i)
			}
			binary.LittleEndian.PutUint32(buf[pos[i]:], uint32(len(s)))
			pos[i] += 4 + copy(buf[pos[i]+4:], s)
		}
		return
	}
	// NULL rows keep whatever value bytes the array holds under them:
	// clear them so that all NULLs encode alike.
	if nulls {
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				clear(buf[pos[i] : pos[i]+w])
			}
		}
	}
	for i := 0; i < n; i++ {
		pos[i] += w
	}
}

// floatKey maps equal doubles to equal bits: -0 to 0, every NaN to one.
func floatKey(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case math.IsNaN(f):
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// keyTable gives each distinct key a dense id in order of first sight:
// the group table of GROUP BY and DISTINCT. NULLs form one group. A
// single integer, DATE or TIMESTAMP key is looked up by value in an
// open-addressing table; other keys by the hash of their encoding
// (keyRows), each distinct encoding stored once, in one buffer, so that a
// new group costs no allocation of its own.
type keyTable struct {
	n    int
	mode keyTableMode

	// By value: slots of (key, id+1), and the NULL group's id+1.
	ints    []intSlot
	intNull int32
	scratch []int64

	// By encoding: slots of (hash, id+1), and each group's encoding.
	seed   maphash.Seed
	hashed []bytesSlot
	stored []byte
	offs   []int // group g's encoding is stored[offs[g]:offs[g+1]]
	enc    keyRows
}

type keyTableMode int

const (
	keysUnset keyTableMode = iota
	keysByValue
	keysByEncoding
)

func (g *keyTable) reset()   { *g = keyTable{} }
func (g *keyTable) len() int { return g.n }

// assign writes each row's group id into ids and returns the rows that
// started a new group.
func (g *keyTable) assign(keys []arrow.Array, n int, ids []uint32) ([]int32, error) {
	if g.mode == keysUnset {
		g.mode = keysByEncoding
		if len(keys) == 1 && intKeyClassOf(keys[0].DataType()) != noIntKey {
			g.mode = keysByValue
		}
		g.seed = maphash.MakeSeed()
		g.offs = []int{0}
	}
	if g.mode == keysByValue {
		return g.assignValues(keys[0], n, ids)
	}
	return g.assignEncoded(keys, n, ids)
}

func (g *keyTable) assignValues(key arrow.Array, n int, ids []uint32) ([]int32, error) {
	var vals []int64
	var err error
	if vals, g.scratch, err = intKeyValues(key, g.scratch); err != nil {
		return nil, err
	}
	valid := expr.ValidBits(key)
	var newRows []int32
	for i, v := range vals[:n] {
		if valid != nil && !bitutil.BitIsSet(valid, i) {
			if g.intNull == 0 {
				g.n++
				g.intNull = int32(g.n)
				newRows = append(newRows, int32(i))
			}
			ids[i] = uint32(g.intNull - 1)
			continue
		}
		if 2*(g.n+1) > len(g.ints) {
			g.growValues()
		}
		mask := uint64(len(g.ints) - 1)
		shift := 64 - uint(bits.Len(uint(mask)))
		for s := (uint64(v) * fibonacci) >> shift; ; s = (s + 1) & mask {
			sl := &g.ints[s]
			if sl.head == 0 {
				g.n++
				sl.key, sl.head = v, int32(g.n)
				newRows = append(newRows, int32(i))
			} else if sl.key != v {
				continue
			}
			ids[i] = uint32(sl.head - 1)
			break
		}
	}
	return newRows, nil
}

// growValues doubles the slots (at least 1024) and places the keys again.
func (g *keyTable) growValues() {
	old := g.ints
	g.ints = make([]intSlot, max(2*len(old), 1024))
	mask := uint64(len(g.ints) - 1)
	shift := 64 - uint(bits.Len(uint(mask)))
	for _, sl := range old {
		if sl.head == 0 {
			continue
		}
		s := (uint64(sl.key) * fibonacci) >> shift
		for g.ints[s].head != 0 {
			s = (s + 1) & mask
		}
		g.ints[s] = sl
	}
}

func (g *keyTable) assignEncoded(keys []arrow.Array, n int, ids []uint32) ([]int32, error) {
	if err := g.enc.encode(keys, n); err != nil {
		return nil, err
	}
	var newRows []int32
	for i := 0; i < n; i++ {
		if 2*(g.n+1) > len(g.hashed) {
			g.growEncoded()
		}
		k := g.enc.key(i)
		h := maphash.Bytes(g.seed, k)
		mask := uint64(len(g.hashed) - 1)
		for s := h & mask; ; s = (s + 1) & mask {
			sl := &g.hashed[s]
			if sl.head == 0 {
				g.stored = append(g.stored, k...)
				g.offs = append(g.offs, len(g.stored))
				g.n++
				sl.hash, sl.head = h, int32(g.n)
				newRows = append(newRows, int32(i))
			} else if sl.hash != h || !bytes.Equal(g.stored[g.offs[sl.head-1]:g.offs[sl.head]], k) {
				continue
			}
			ids[i] = uint32(sl.head - 1)
			break
		}
	}
	return newRows, nil
}

func (g *keyTable) growEncoded() {
	old := g.hashed
	g.hashed = make([]bytesSlot, max(2*len(old), 1024))
	mask := uint64(len(g.hashed) - 1)
	for _, sl := range old {
		if sl.head == 0 {
			continue
		}
		s := sl.hash & mask
		for g.hashed[s].head != 0 {
			s = (s + 1) & mask
		}
		g.hashed[s] = sl
	}
}
