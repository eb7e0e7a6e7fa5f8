package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"
)

// allTypesRecord has one column of every SQL type's Arrow type and two
// rows: values, then NULLs.
func allTypesRecord(t *testing.T) arrow.Record {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.BooleanBuilder).AppendValues([]bool{true, false}, []bool{true, false})
	b.Field(1).(*array.Int8Builder).AppendValues([]int8{-8, 0}, []bool{true, false})
	b.Field(2).(*array.Int16Builder).AppendValues([]int16{1600, 0}, []bool{true, false})
	b.Field(3).(*array.Int32Builder).AppendValues([]int32{-32, 0}, []bool{true, false})
	b.Field(4).(*array.Int64Builder).AppendValues([]int64{9007199254740993, 0}, []bool{true, false})
	b.Field(5).(*array.Float32Builder).AppendValues([]float32{0.5, 0}, []bool{true, false})
	b.Field(6).(*array.Float64Builder).AppendValues([]float64{1e6, 0}, []bool{true, false})
	b.Field(7).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(150), {}}, []bool{true, false})
	b.Field(8).(*array.StringBuilder).AppendValues([]string{`say "hi", ok`, ""}, []bool{true, false})
	b.Field(9).(*array.BinaryBuilder).AppendValues([][]byte{{0xde, 0xad, 0x01}, nil}, []bool{true, false})
	b.Field(10).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), 0}, []bool{true, false})
	ts := time.Date(2024, 2, 29, 13, 4, 5, 120000000, time.UTC).UnixMicro()
	b.Field(11).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(ts), 0}, []bool{true, false})
	rec := b.NewRecord()
	t.Cleanup(rec.Release)
	return rec
}

func render(t *testing.T, f Format, recs ...arrow.Record) string {
	t.Helper()
	var out bytes.Buffer
	w := NewResultWriter(&out, f, recs[0].Schema())
	for _, r := range recs {
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close(func(n int64) string { return RowsFooter(n, "") }))
	return out.String()
}

func TestTableFormatsEveryType(t *testing.T) {
	rec := allTypesRecord(t)
	want := "" +
		"+------+------+------+------+------------------+------+---------+------+--------------+----------+------------+----------------------------+\n" +
		"| b    | i8   | i16  | i32  | i64              | f32  | f64     | dec  | s            | bin      | d          | ts                         |\n" +
		"+------+------+------+------+------------------+------+---------+------+--------------+----------+------------+----------------------------+\n" +
		"| true |   -8 | 1600 |  -32 | 9007199254740993 |  0.5 | 1000000 | 1.50 | say \"hi\", ok | 0xDEAD01 | 2024-02-29 | 2024-02-29 13:04:05.120000 |\n" +
		"| NULL | NULL | NULL | NULL |             NULL | NULL |    NULL | NULL | NULL         | NULL     | NULL       | NULL                       |\n" +
		"+------+------+------+------+------------------+------+---------+------+--------------+----------+------------+----------------------------+\n" +
		"2 rows in set\n"
	require.Equal(t, want, render(t, FormatTable, rec))
}

func TestTableAcrossRecordsAndFooters(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "name", Type: arrow.BinaryTypes.String}, {Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	mk := func(names []string, ns []int64) arrow.Record {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.StringBuilder).AppendValues(names, nil)
		b.Field(1).(*array.Int64Builder).AppendValues(ns, nil)
		return b.NewRecord()
	}
	r1, r2 := mk([]string{"a"}, []int64{1}), mk([]string{"a much longer name", "tab\there"}, []int64{100, 7})
	defer r1.Release()
	defer r2.Release()
	want := "" +
		"+--------------------+-----+\n" +
		"| name               | n   |\n" +
		"+--------------------+-----+\n" +
		"| a                  |   1 |\n" +
		"| a much longer name | 100 |\n" +
		"| tab\\there          |   7 |\n" +
		"+--------------------+-----+\n" +
		"3 rows in set (0.01 sec)\n"
	var out bytes.Buffer
	w := NewResultWriter(&out, FormatTable, schema)
	require.NoError(t, w.Write(r1))
	require.NoError(t, w.Write(r2))
	require.NoError(t, w.Close(func(n int64) string { return RowsFooter(n, " (0.01 sec)") }))
	require.Equal(t, want, out.String())

	// No rows: no table, only the footer.
	out.Reset()
	w = NewResultWriter(&out, FormatTable, schema)
	require.NoError(t, w.Close(func(n int64) string { return RowsFooter(n, "") }))
	require.Equal(t, "Empty set\n", out.String())
	require.Equal(t, "1 row in set (0.00 sec)", RowsFooter(1, " (0.00 sec)"))
}

func TestTableWideCharactersAlign(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "w", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"日本", "abcde"}, nil)
	rec := b.NewRecord()
	defer rec.Release()
	want := "" +
		"+-------+\n" +
		"| w     |\n" +
		"+-------+\n" +
		"| 日本  |\n" +
		"| abcde |\n" +
		"+-------+\n" +
		"2 rows in set\n"
	require.Equal(t, want, render(t, FormatTable, rec))
}

func TestCSVFormatsEveryType(t *testing.T) {
	rec := allTypesRecord(t)
	want := "b,i8,i16,i32,i64,f32,f64,dec,s,bin,d,ts\n" +
		`true,-8,1600,-32,9007199254740993,0.5,1000000,1.50,"say ""hi"", ok",0xDEAD01,2024-02-29,2024-02-29 13:04:05.120000` + "\n" +
		",,,,,,,,,,,\n"
	require.Equal(t, want, render(t, FormatCSV, rec))
}

func TestCSVQuotingAndEmptyStrings(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a,b", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"", "line\nbreak", "plain", ""}, []bool{true, true, true, false})
	rec := b.NewRecord()
	defer rec.Release()
	// The empty string is quoted so that it differs from NULL.
	require.Equal(t, "\"a,b\"\n\"\"\n\"line\nbreak\"\nplain\n\n", render(t, FormatCSV, rec))

	// A result without rows prints nothing, not even the header.
	var out bytes.Buffer
	w := NewResultWriter(&out, FormatCSV, schema)
	require.NoError(t, w.Close(nil))
	require.Empty(t, out.String())
}

func TestJSONFormatsEveryType(t *testing.T) {
	rec := allTypesRecord(t)
	out := render(t, FormatJSON, rec)
	want := `{"b":true,"i8":-8,"i16":1600,"i32":-32,"i64":9007199254740993,"f32":0.5,"f64":1000000,"dec":1.50,` +
		`"s":"say \"hi\", ok","bin":"3q0B","d":"2024-02-29","ts":"2024-02-29 13:04:05.120000"}` + "\n" +
		`{"b":null,"i8":null,"i16":null,"i32":null,"i64":null,"f32":null,"f64":null,"dec":null,` +
		`"s":null,"bin":null,"d":null,"ts":null}` + "\n"
	require.Equal(t, want, out)
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		require.True(t, json.Valid([]byte(line)), line)
	}
}

func TestJSONTimestampFractionOnlyWhenNonZero(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "us", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "s", Type: &arrow.TimestampType{Unit: arrow.Second}},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	whole := time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)
	b.Field(0).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(whole.UnixMicro()), arrow.Timestamp(whole.UnixMicro() + 1)}, nil)
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(whole.Unix()), 0}, nil)
	rec := b.NewRecord()
	defer rec.Release()
	require.Equal(t,
		`{"us":"1999-12-31 23:59:59","s":"1999-12-31 23:59:59"}`+"\n"+
			`{"us":"1999-12-31 23:59:59.000001","s":"1970-01-01 00:00:00"}`+"\n",
		render(t, FormatJSON, rec))
}

func TestJSONStringsAndSpecialFloats(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 5, Scale: 3}},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"tab\t<&>\x01é", "\xff"}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{1.0 / 3, posInf()}, nil)
	b.Field(2).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-5), decimal128.FromI64(12345)}, nil)
	rec := b.NewRecord()
	defer rec.Release()
	out := render(t, FormatJSON, rec)
	require.Equal(t,
		`{"s":"tab\t<&>\u0001é","x":0.3333333333333333,"d":-0.005}`+"\n"+
			`{"s":"\ufffd","x":null,"d":12.345}`+"\n", out)
	var row map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &row))
	require.Equal(t, "tab\t<&>\x01é", row["s"])
}

func posInf() float64 { var z float64; return 1 / z }

func TestJSONNestedValues(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "arr", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "row", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	lb := b.Field(0).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	lb.AppendNull()
	sb := b.Field(1).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.Int64Builder).Append(7)
	sb.FieldBuilder(1).(*array.StringBuilder).Append("x")
	sb.AppendNull()
	rec := b.NewRecord()
	defer rec.Release()
	require.Equal(t, `{"arr":[1,2],"row":{"a":7,"b":"x"}}`+"\n"+`{"arr":null,"row":null}`+"\n", render(t, FormatJSON, rec))
}

func TestFormatFloat(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1.5: "1.5", -2: "-2", 1e6: "1000000", 123456789012345: "123456789012345",
		1e15: "1e+15", 1e-7: "1e-07", 0.0001: "0.0001",
	} {
		require.Equal(t, want, formatFloat(v, 64), "%v", v)
	}
	require.Equal(t, "0.1", formatFloat(float64(float32(0.1)), 32))
}

func TestParseFormat(t *testing.T) {
	for s, want := range map[string]Format{"table": FormatTable, "CSV": FormatCSV, "json": FormatJSON} {
		f, err := ParseFormat(s)
		require.NoError(t, err)
		require.Equal(t, want, f)
	}
	_, err := ParseFormat("xml")
	require.ErrorContains(t, err, `unknown format "xml"`)
}

// ARRAY prints as an array, MAP and ROW as objects (ROW fields in their
// declared order), with the values inside written as at the top level.
func TestNestedValuesInJSONAndTables(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	row := arrow.StructOf(arrow.Field{Name: "word", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "len", Type: arrow.PrimitiveTypes.Int32, Nullable: true})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.ListOf(&arrow.Decimal128Type{Precision: 5, Scale: 2}), Nullable: true},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.FixedWidthTypes.Date32), Nullable: true},
		{Name: "r", Type: row, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	lb := b.Field(0).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(150), decimal128.FromI64(-5)}, nil)
	lb.ValueBuilder().AppendNull()
	lb.AppendNull()
	mb := b.Field(1).(*array.MapBuilder)
	mb.Append(true)
	mb.KeyBuilder().(*array.StringBuilder).AppendValues([]string{"b", "a"}, nil)
	mb.ItemBuilder().(*array.Date32Builder).AppendValues([]arrow.Date32{0, 19782}, nil)
	mb.AppendNull()
	sb := b.Field(2).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.StringBuilder).Append("taipan")
	sb.FieldBuilder(1).(*array.Int32Builder).Append(6)
	sb.AppendNull()
	sb.FieldBuilder(0).(*array.StringBuilder).AppendNull()
	sb.FieldBuilder(1).(*array.Int32Builder).AppendNull()
	rec := b.NewRecord()
	defer rec.Release()

	out := render(t, FormatJSON, rec)
	require.Equal(t, `{"a":[1.50,-0.05,null],"m":{"b":"1970-01-01","a":"2024-02-29"},"r":{"word":"taipan","len":6}}`+"\n"+
		`{"a":null,"m":null,"r":null}`+"\n", out)
	table := render(t, FormatTable, rec)
	require.Contains(t, table, `| [1.50,-0.05,null] | {"b":"1970-01-01","a":"2024-02-29"} | {"word":"taipan","len":6} |`)
}
