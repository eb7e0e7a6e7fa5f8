package driver

import (
	"database/sql/driver"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"
)

// TestValueReaderConvertsEveryType checks the Arrow to driver.Value
// conversion on arrays built directly, a value and a NULL of each type.
func TestValueReaderConvertsEveryType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	valid := []bool{true, false}
	ts := time.Date(2024, 2, 29, 13, 4, 5, 250000000, time.UTC)

	build := func(dt arrow.DataType, fill func(b array.Builder)) arrow.Array {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		fill(b)
		return b.NewArray()
	}
	cases := []struct {
		name string
		arr  arrow.Array
		want driver.Value
	}{
		{"bool", build(arrow.FixedWidthTypes.Boolean, func(b array.Builder) {
			b.(*array.BooleanBuilder).AppendValues([]bool{true, true}, valid)
		}), true},
		{"int8", build(arrow.PrimitiveTypes.Int8, func(b array.Builder) {
			b.(*array.Int8Builder).AppendValues([]int8{-8, 0}, valid)
		}), int64(-8)},
		{"int16", build(arrow.PrimitiveTypes.Int16, func(b array.Builder) {
			b.(*array.Int16Builder).AppendValues([]int16{16, 0}, valid)
		}), int64(16)},
		{"int32", build(arrow.PrimitiveTypes.Int32, func(b array.Builder) {
			b.(*array.Int32Builder).AppendValues([]int32{32, 0}, valid)
		}), int64(32)},
		{"int64", build(arrow.PrimitiveTypes.Int64, func(b array.Builder) {
			b.(*array.Int64Builder).AppendValues([]int64{1 << 62, 0}, valid)
		}), int64(1 << 62)},
		{"float32", build(arrow.PrimitiveTypes.Float32, func(b array.Builder) {
			b.(*array.Float32Builder).AppendValues([]float32{0.5, 0}, valid)
		}), float64(0.5)},
		{"float64", build(arrow.PrimitiveTypes.Float64, func(b array.Builder) {
			b.(*array.Float64Builder).AppendValues([]float64{-2.25, 0}, valid)
		}), float64(-2.25)},
		{"decimal", build(&arrow.Decimal128Type{Precision: 8, Scale: 3}, func(b array.Builder) {
			b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-1500), {}}, valid)
		}), "-1.500"},
		{"string", build(arrow.BinaryTypes.String, func(b array.Builder) {
			b.(*array.StringBuilder).AppendValues([]string{"héllo", ""}, valid)
		}), "héllo"},
		{"binary", build(arrow.BinaryTypes.Binary, func(b array.Builder) {
			b.(*array.BinaryBuilder).AppendValues([][]byte{{0, 0xff}, nil}, valid)
		}), []byte{0, 0xff}},
		{"date", build(arrow.FixedWidthTypes.Date32, func(b array.Builder) {
			b.(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(ts), 0}, valid)
		}), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"timestamp", build(&arrow.TimestampType{Unit: arrow.Microsecond}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(ts.UnixMicro()), 0}, valid)
		}), ts},
		{"timestamp[s]", build(&arrow.TimestampType{Unit: arrow.Second}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(ts.Unix()), 0}, valid)
		}), ts.Truncate(time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer c.arr.Release()
			f, err := valueReader(c.arr)
			require.NoError(t, err)
			require.Equal(t, c.want, f(0))
			require.Nil(t, f(1))
		})
	}

	// A value outlives its record: BYTES are copied.
	arr := build(arrow.BinaryTypes.Binary, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte("abc")) })
	f, err := valueReader(arr)
	require.NoError(t, err)
	v := f(0).([]byte)
	arr.Release()
	require.Equal(t, []byte("abc"), v)

	// A type with no database/sql value is an error, not a panic.
	list := build(arrow.ListOf(arrow.PrimitiveTypes.Int64), func(b array.Builder) { b.AppendNull() })
	defer list.Release()
	_, err = valueReader(list)
	require.ErrorContains(t, err, "no database/sql value")
}
