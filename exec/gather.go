package exec

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// take gathers arr's rows at idx into a new array; a negative index gives
// a NULL (the padding of outer joins). It copies buffers directly for every
// type Taipan stores, so no row is boxed.
func take(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	n := len(idx)
	dt := arr.DataType()
	if dt.ID() == arrow.NULL {
		return array.NewNull(n), nil
	}
	validity, nulls := takeValidity(mem, arr, idx)
	if validity != nil {
		defer validity.Release()
	}
	var buffers []*memory.Buffer
	switch a := arr.(type) {
	case *array.Boolean:
		values := memory.NewResizableBuffer(mem)
		defer values.Release()
		values.Resize(int(bitutil.BytesForBits(int64(n))))
		dst := values.Bytes()
		clear(dst)
		for k, i := range idx {
			if i >= 0 && a.Value(int(i)) {
				bitutil.SetBit(dst, k)
			}
		}
		buffers = []*memory.Buffer{validity, values}
	case *array.String:
		offs, data := takeVarLen(mem, a.ValueOffsets(), a.Data().Buffers()[2], idx)
		defer offs.Release()
		defer data.Release()
		buffers = []*memory.Buffer{validity, offs, data}
	case *array.Binary:
		offs, data := takeVarLen(mem, a.ValueOffsets(), a.Data().Buffers()[2], idx)
		defer offs.Release()
		defer data.Release()
		buffers = []*memory.Buffer{validity, offs, data}
	default:
		fw, ok := dt.(arrow.FixedWidthDataType)
		if !ok || fw.BitWidth()%8 != 0 {
			return nil, fmt.Errorf("cannot gather values of type %s", dt)
		}
		width := fw.BitWidth() / 8
		values := memory.NewResizableBuffer(mem)
		defer values.Release()
		values.Resize(n * width)
		var src []byte
		if buf := arr.Data().Buffers()[1]; buf != nil {
			src = buf.Bytes()[arr.Data().Offset()*width:]
		}
		dst := values.Bytes()
		switch width {
		case 1:
			takeFixed[uint8](src, dst, idx)
		case 2:
			takeFixed[uint16](src, dst, idx)
		case 4:
			takeFixed[uint32](src, dst, idx)
		case 8:
			takeFixed[uint64](src, dst, idx)
		case 16:
			takeFixed[[2]uint64](src, dst, idx)
		default:
			return nil, fmt.Errorf("cannot gather values of type %s", dt)
		}
		buffers = []*memory.Buffer{validity, values}
	}
	data := array.NewData(dt, n, buffers, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

// takeOrSlice is take, but a run of consecutive indices is a zero-copy
// slice of arr.
func takeOrSlice(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	if isRun(idx) {
		return array.NewSlice(arr, int64(idx[0]), int64(idx[0])+int64(len(idx))), nil
	}
	return take(mem, arr, idx)
}

// isRun reports whether idx is a, a+1, a+2, ... for some a >= 0.
func isRun(idx []int32) bool {
	if len(idx) == 0 || idx[0] < 0 || int(idx[len(idx)-1]-idx[0]) != len(idx)-1 {
		return false
	}
	for k, i := range idx {
		if i != idx[0]+int32(k) {
			return false
		}
	}
	return true
}

// takeValidity builds the validity bitmap of a gather, or nil when no
// output row is NULL.
func takeValidity(mem memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, int) {
	nulls := 0
	hasNulls := arr.NullN() > 0
	for _, i := range idx {
		if i < 0 || (hasNulls && arr.IsNull(int(i))) {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	bits := buf.Bytes()
	clear(bits)
	for k, i := range idx {
		if i >= 0 && !(hasNulls && arr.IsNull(int(i))) {
			bitutil.SetBit(bits, k)
		}
	}
	return buf, nulls
}

func takeFixed[T any](src, dst []byte, idx []int32) {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(dst) == 0 {
		return
	}
	out := unsafe.Slice((*T)(unsafe.Pointer(&dst[0])), len(dst)/size)
	var in []T
	if len(src) >= size {
		in = unsafe.Slice((*T)(unsafe.Pointer(&src[0])), len(src)/size)
	}
	for k, i := range idx {
		if i >= 0 {
			out[k] = in[i]
		} else {
			out[k] = zero
		}
	}
}

func takeVarLen(mem memory.Allocator, offsets []int32, dataBuf *memory.Buffer, idx []int32) (*memory.Buffer, *memory.Buffer) {
	var src []byte
	if dataBuf != nil {
		src = dataBuf.Bytes()
	}
	offs := memory.NewResizableBuffer(mem)
	offs.Resize((len(idx) + 1) * 4)
	out := arrow.Int32Traits.CastFromBytes(offs.Bytes())
	total := int32(0)
	out[0] = 0
	for k, i := range idx {
		if i >= 0 {
			total += offsets[i+1] - offsets[i]
		}
		out[k+1] = total
	}
	data := memory.NewResizableBuffer(mem)
	data.Resize(int(total))
	dst := data.Bytes()
	for k, i := range idx {
		if i >= 0 {
			copy(dst[out[k]:out[k+1]], src[offsets[i]:offsets[i+1]])
		}
	}
	return offs, data
}

// takeRecord gathers every column of rec at idx into a record of schema.
func takeRecord(mem memory.Allocator, schema *arrow.Schema, rec arrow.Record, idx []int32) (arrow.Record, error) {
	cols := make([]arrow.Array, rec.NumCols())
	defer releaseArrays(cols)
	for c := range cols {
		var err error
		if cols[c], err = take(mem, rec.Column(c), idx); err != nil {
			return nil, err
		}
	}
	return array.NewRecord(schema, cols, int64(len(idx))), nil
}

// concatRecords joins batches (all of schema's column types) into one
// record allocated from mem.
func concatRecords(mem memory.Allocator, schema *arrow.Schema, batches []arrow.Record) (arrow.Record, error) {
	if len(batches) == 1 {
		return rewrap(schema, batches[0]), nil
	}
	rows := int64(0)
	for _, b := range batches {
		rows += b.NumRows()
	}
	cols := make([]arrow.Array, schema.NumFields())
	defer releaseArrays(cols)
	parts := make([]arrow.Array, len(batches))
	for c := range cols {
		if len(batches) == 0 {
			cols[c] = emptyArray(mem, schema.Field(c).Type)
			continue
		}
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		var err error
		if cols[c], err = array.Concatenate(parts, mem); err != nil {
			return nil, fmt.Errorf("column %q: %w", schema.Field(c).Name, err)
		}
	}
	return array.NewRecord(schema, cols, rows), nil
}

// identity returns 0..n-1.
func identity(n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}
