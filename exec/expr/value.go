package expr

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/types"
)

// Repeat returns an array of n copies of v, of type t.
// Constants are evaluated once per batch, so the buffers are filled by
// copying one value's bytes, doubling, not by appending row by row.
func Repeat(mem memory.Allocator, v types.Value, t types.Type, n int) (arrow.Array, error) {
	dt := t.Arrow()
	if v == nil {
		return array.MakeArrayOfNull(mem, dt, n), nil
	}
	one, err := oneValue(mem, v, dt)
	if err != nil {
		return nil, err
	}
	defer one.Release()
	var buffers []*memory.Buffer
	switch a := one.(type) {
	case *array.Boolean:
		bits := memory.NewResizableBuffer(mem)
		bits.Resize(int(bitutil.BytesForBits(int64(n))))
		fill := byte(0)
		if a.Value(0) {
			fill = 0xFF
		}
		for i := range bits.Bytes() {
			bits.Bytes()[i] = fill
		}
		buffers = []*memory.Buffer{nil, bits}
	case *array.String, *array.Binary:
		var val []byte
		if sa, ok := a.(*array.String); ok {
			val = []byte(sa.Value(0))
		} else {
			val = a.(*array.Binary).Value(0)
		}
		if int64(len(val))*int64(n) > math.MaxInt32 {
			break // too large for 32-bit offsets: the builder reports it
		}
		offs := memory.NewResizableBuffer(mem)
		offs.Resize((n + 1) * 4)
		o := arrow.Int32Traits.CastFromBytes(offs.Bytes())
		for i := range o {
			o[i] = int32(i * len(val))
		}
		data := memory.NewResizableBuffer(mem)
		data.Resize(n * len(val))
		doubleFill(data.Bytes(), val)
		buffers = []*memory.Buffer{nil, offs, data}
	default:
		if fw, ok := dt.(arrow.FixedWidthDataType); ok && fw.BitWidth()%8 == 0 {
			width := fw.BitWidth() / 8
			vals := memory.NewResizableBuffer(mem)
			vals.Resize(n * width)
			doubleFill(vals.Bytes(), one.Data().Buffers()[1].Bytes()[:width])
			buffers = []*memory.Buffer{nil, vals}
		}
	}
	if buffers == nil {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if err := AppendValue(b, v); err != nil {
				return nil, err
			}
		}
		return b.NewArray(), nil
	}
	data := array.NewData(dt, n, buffers, nil, 0, 0)
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}

// oneValue is a one-row array of v.
func oneValue(mem memory.Allocator, v types.Value, dt arrow.DataType) (arrow.Array, error) {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	if err := AppendValue(b, v); err != nil {
		return nil, err
	}
	return b.NewArray(), nil
}

// doubleFill fills dst with copies of val (len(dst) a multiple of it).
func doubleFill(dst, val []byte) {
	if len(dst) == 0 {
		return
	}
	k := copy(dst, val)
	for k < len(dst) {
		k += copy(dst[k:], dst[:k])
	}
}

// AppendValue appends one types.Value to a builder of the matching type.
func AppendValue(b array.Builder, v types.Value) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.Int8Builder:
		b.Append(int8(v.(int64)))
	case *array.Int16Builder:
		b.Append(int16(v.(int64)))
	case *array.Int32Builder:
		b.Append(int32(v.(int64)))
	case *array.Int64Builder:
		b.Append(v.(int64))
	case *array.Float32Builder:
		b.Append(float32(v.(float64)))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.Decimal128Builder:
		b.Append(v.(decimal128.Num))
	case *array.StringBuilder:
		b.Append(v.(string))
	case *array.BinaryBuilder:
		b.Append(v.([]byte))
	case *array.Date32Builder:
		b.Append(arrow.Date32(v.(types.DateValue)))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(v.(types.TimestampValue)))
	case *array.NullBuilder:
		b.AppendNull()
	default:
		return fmt.Errorf("cannot append %T to %T", v, b)
	}
	return nil
}

// ValueAt reads row i of arr as a types.Value (nil when null). Strings and
// bytes are copies, safe to keep after arr is released.
func ValueAt(arr arrow.Array, i int) types.Value {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	case *array.String:
		// Copied: a value may outlive its array (min/max state, keys),
		// and an array's memory may belong to Python (THREAD mode).
		return strings.Clone(a.Value(i))
	case *array.Binary:
		return bytes.Clone(a.Value(i))
	case *array.Date32:
		return types.DateValue(a.Value(i))
	case *array.Timestamp:
		return types.TimestampValue(a.Value(i))
	}
	return nil
}

// FormatValue writes v as SQL text shows it (the shell, EXPLAIN, casts to
// strings): DATE as YYYY-MM-DD, TIMESTAMP as YYYY-MM-DD HH:MM:SS with the
// fraction only when non-zero, DECIMAL with its scale's digits.
func FormatValue(v types.Value, t types.Type) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if v {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		bits := 64
		if t.Kind == types.Float32 {
			bits = 32
		}
		return strconv.FormatFloat(v, 'g', -1, bits)
	case decimal128.Num:
		return FormatDecimal(v, t.Scale)
	case string:
		return v
	case []byte:
		return string(v)
	case types.DateValue:
		return types.FormatDate(int32(v))
	case types.TimestampValue:
		return FormatTimestamp(int64(v))
	}
	return fmt.Sprint(v)
}

// FormatDecimal writes n with scale digits after the point.
func FormatDecimal(n decimal128.Num, scale int) string { return types.FormatDecimal(n, scale) }

// FormatTimestamp writes microseconds since the epoch as
// YYYY-MM-DD HH:MM:SS[.ffffff].
func FormatTimestamp(us int64) string { return types.FormatTimestamp(us) }
