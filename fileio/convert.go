package fileio

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// cellError is a value that cannot go into its column: Row is its index
// in the array being converted; the format's reader turns it into a
// line or row number.
type cellError struct {
	Row int
	Err error
}

func (e *cellError) Error() string { return e.Err.Error() }

// errNotNull is a NULL bound for a NOT NULL column.
var errNotNull = errors.New("NULL in a NOT NULL column")

// castColumn converts arr, of SQL type from, to the column's type with
// the engine's casts. A value that does not convert, a VARCHAR(n) value
// longer than n or a NULL in a NOT NULL column is a *cellError.
func castColumn(mem memory.Allocator, arr arrow.Array, from types.Type, to types.Column) (arrow.Array, error) {
	target := to.Type
	if target.IsNested() || from.IsNested() {
		if !from.Equal(target) {
			return nil, fmt.Errorf("cannot load %s into %s", from, target)
		}
		arr.Retain()
		return checkNotNull(arr, to)
	}
	if (target.Kind == types.String || target.Kind == types.Binary) && target.Length > 0 {
		if err := checkLength(arr, target); err != nil {
			return nil, err
		}
		// The values fit: cast to the unbounded type, which keeps them
		// as they are instead of cutting them.
		target.Length = 0
	}
	out, err := expr.CastArray(mem, arr, from, target)
	if err != nil {
		for i := 0; i < arr.Len(); i++ {
			if _, verr := expr.CastValue(expr.ValueAt(arr, i), from, target); verr != nil {
				return nil, &cellError{Row: i, Err: verr}
			}
		}
		return nil, err
	}
	if !arrow.TypeEqual(out.DataType(), to.Type.Arrow()) {
		// CastArray labels a value-for-value cast with the source's
		// Arrow type parameters in some cases (VARCHAR(n) to TEXT).
		d := array.NewData(to.Type.Arrow(), out.Len(), out.Data().Buffers(), out.Data().Children(), out.NullN(), out.Data().Offset())
		out.Release()
		out = array.MakeFromData(d)
		d.Release()
	}
	return checkNotNull(out, to)
}

// checkNotNull releases arr and fails when a NOT NULL column holds a NULL.
func checkNotNull(arr arrow.Array, to types.Column) (arrow.Array, error) {
	if to.Nullable || arr.NullN() == 0 {
		return arr, nil
	}
	defer arr.Release()
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			return nil, &cellError{Row: i, Err: errNotNull}
		}
	}
	return nil, errNotNull
}

// checkLength fails on the first string longer than a VARCHAR(n) or
// VARBINARY(n) allows.
func checkLength(arr arrow.Array, t types.Type) error {
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			continue
		}
		n := 0
		switch a := arr.(type) {
		case *array.String:
			if t.Kind == types.Binary {
				n = len(a.Value(i))
			} else {
				n = utf8.RuneCountInString(a.Value(i))
			}
		case *array.Binary:
			n = len(a.Value(i))
		default:
			continue
		}
		if n > t.Length {
			return &cellError{Row: i, Err: fmt.Errorf("value %s is %d long, %s holds %d",
				expr.Quote(expr.ValueAt(arr, i), types.StringType), n, t, t.Length)}
		}
	}
	return nil
}

// normalize returns arr under an Arrow type the engine stores, converting
// the types other Parquet writers use: timestamps in other units or with
// a time zone (kept as the UTC time), date64, unsigned integers, large
// strings and binaries. It returns a new reference.
func normalize(mem memory.Allocator, arr arrow.Array) (arrow.Array, error) {
	switch dt := arr.DataType().(type) {
	case *arrow.TimestampType:
		if dt.Unit == arrow.Microsecond && dt.TimeZone == "" {
			break
		}
		src := arr.(*array.Timestamp)
		b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
		defer b.Release()
		b.Reserve(arr.Len())
		for i := 0; i < arr.Len(); i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			v := int64(src.Value(i))
			switch dt.Unit {
			case arrow.Second:
				v *= 1_000_000
			case arrow.Millisecond:
				v *= 1_000
			case arrow.Nanosecond:
				v = floorDiv(v, 1_000)
			}
			b.Append(arrow.Timestamp(v))
		}
		return b.NewArray(), nil
	case *arrow.Date64Type:
		src := arr.(*array.Date64)
		b := array.NewDate32Builder(mem)
		defer b.Release()
		for i := 0; i < arr.Len(); i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(arrow.Date32(floorDiv(int64(src.Value(i)), 86_400_000)))
		}
		return b.NewArray(), nil
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for i := 0; i < arr.Len(); i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			var v uint64
			switch a := arr.(type) {
			case *array.Uint8:
				v = uint64(a.Value(i))
			case *array.Uint16:
				v = uint64(a.Value(i))
			case *array.Uint32:
				v = uint64(a.Value(i))
			case *array.Uint64:
				v = a.Value(i)
			}
			if v > math.MaxInt64 {
				return nil, &cellError{Row: i, Err: fmt.Errorf("%d is out of range of BIGINT", v)}
			}
			b.Append(int64(v))
		}
		return b.NewArray(), nil
	case *arrow.LargeStringType:
		src := arr.(*array.LargeString)
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := 0; i < arr.Len(); i++ {
			if arr.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(src.Value(i))
			}
		}
		return b.NewArray(), nil
	case *arrow.LargeBinaryType:
		src := arr.(*array.LargeBinary)
		b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
		defer b.Release()
		for i := 0; i < arr.Len(); i++ {
			if arr.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(src.Value(i))
			}
		}
		return b.NewArray(), nil
	}
	arr.Retain()
	return arr, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
