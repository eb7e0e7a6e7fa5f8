package expr

import (
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// This file is the toolkit of column kernels (casts here, the built-in
// functions in catalog/builtin): typed views of Arrow buffers and builders
// that fill a whole column through a Go slice, so that loops over numbers
// run without a call per row.

// Fixed is a Go type stored in a fixed-width Arrow buffer.
type Fixed interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64 | decimal128.Num
}

// reinterpret views b as a slice of T.
func reinterpret[T any](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/int(unsafe.Sizeof(zero)))
}

// Values returns the values of a fixed-width array of T (the array's
// offset applied; slots under nulls hold unspecified values).
func Values[T Fixed](a arrow.Array) []T {
	d := a.Data()
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil {
		return make([]T, a.Len())
	}
	return reinterpret[T](bufs[1].Bytes())[d.Offset() : d.Offset()+d.Len()]
}

// FixedColumn is a fixed-width column being filled: write Values, then
// call Finish once.
type FixedColumn[T Fixed] struct {
	dt     arrow.DataType
	buf    *memory.Buffer
	Values []T
}

// NewFixedColumn allocates a column of n values of Arrow type dt, whose Go
// representation must be T.
func NewFixedColumn[T Fixed](mem memory.Allocator, dt arrow.DataType, n int) *FixedColumn[T] {
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * int(unsafe.Sizeof(zero)))
	return &FixedColumn[T]{dt: dt, buf: buf, Values: reinterpret[T](buf.Bytes())[:n]}
}

// Finish returns the array, taking ownership of validity (nil: no nulls)
// whose null count is nulls.
func (c *FixedColumn[T]) Finish(validity *memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(c.dt, len(c.Values), []*memory.Buffer{validity, c.buf}, nil, nulls, 0)
	c.buf.Release()
	if validity != nil {
		validity.Release()
	}
	defer d.Release()
	return array.MakeFromData(d)
}

// Bitmap is a bitmap buffer of n bits being filled.
type Bitmap struct {
	buf  *memory.Buffer
	Bits []byte
	n    int
}

// NewBitmap allocates n bits, all set (set: true, or valid) or all clear.
func NewBitmap(mem memory.Allocator, n int, set bool) *Bitmap {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	b := buf.Bytes()
	fill := byte(0)
	if set {
		fill = 0xff
	}
	for i := range b {
		b[i] = fill
	}
	return &Bitmap{buf: buf, Bits: b, n: n}
}

// Buffer hands over the buffer (the Bitmap must not be used afterwards).
func (b *Bitmap) Buffer() *memory.Buffer { return b.buf }

// CountClear returns the number of clear bits: the null count of a
// validity bitmap.
func (b *Bitmap) CountClear() int { return b.n - bitutil.CountSetBits(b.Bits, 0, b.n) }

// Release frees a Bitmap not handed over.
func (b *Bitmap) Release() {
	if b.buf != nil {
		b.buf.Release()
		b.buf = nil
	}
}

// BitsOf returns the n bits of a bitmap starting at bit offset, aligned to
// bit 0 (copied when offset is not a multiple of 8). A nil bitmap stays nil.
func BitsOf(bm []byte, offset, n int) []byte {
	if bm == nil {
		return nil
	}
	if offset%8 == 0 {
		return bm[offset/8 : offset/8+int(bitutil.BytesForBits(int64(n)))]
	}
	out := make([]byte, bitutil.BytesForBits(int64(n)))
	bitutil.CopyBitmap(bm, offset, n, out, 0)
	return out
}

// ValidBits returns the validity bitmap of a (aligned to bit 0), or nil
// when a has no nulls. A NULL-typed array yields all-clear bits.
func ValidBits(a arrow.Array) []byte {
	if a.NullN() == 0 {
		return nil
	}
	if a.DataType().ID() == arrow.NULL {
		return make([]byte, bitutil.BytesForBits(int64(a.Len())))
	}
	return BitsOf(a.NullBitmapBytes(), a.Data().Offset(), a.Len())
}

// BoolBits returns the value bits of a boolean array, aligned to bit 0.
func BoolBits(a *array.Boolean) []byte {
	d := a.Data()
	bufs := d.Buffers()
	if bufs[1] == nil {
		return make([]byte, bitutil.BytesForBits(int64(a.Len())))
	}
	return BitsOf(bufs[1].Bytes(), d.Offset(), a.Len())
}

// AndValidity returns the validity of rows valid in every one of arrs:
// nil when none of them has nulls. Otherwise the caller owns the bitmap.
func AndValidity(mem memory.Allocator, n int, arrs ...arrow.Array) *Bitmap {
	var out *Bitmap
	for _, a := range arrs {
		v := ValidBits(a)
		if v == nil {
			continue
		}
		if out == nil {
			out = NewBitmap(mem, n, true)
		}
		for i := range out.Bits {
			out.Bits[i] &= v[i]
		}
	}
	return out
}

// FinishValidity turns an optional validity bitmap into the buffer and
// null count that FixedColumn.Finish and NewBoolArray take.
func FinishValidity(v *Bitmap) (*memory.Buffer, int) {
	if v == nil {
		return nil, 0
	}
	nulls := v.CountClear()
	if nulls == 0 {
		v.Release()
		return nil, 0
	}
	return v.Buffer(), nulls
}

// NewBoolArray builds a BOOLEAN array of n rows from value bits and an
// optional validity bitmap, taking ownership of both.
func NewBoolArray(values *Bitmap, validity *Bitmap, n int) arrow.Array {
	vbuf, nulls := FinishValidity(validity)
	d := array.NewData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{vbuf, values.Buffer()}, nil, nulls, 0)
	values.buf.Release()
	if vbuf != nil {
		vbuf.Release()
	}
	defer d.Release()
	return array.MakeFromData(d)
}
