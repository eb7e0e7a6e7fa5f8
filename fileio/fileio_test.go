package fileio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

func col(name string, t types.Type) types.Column {
	return types.Column{Name: name, Type: t, Nullable: true}
}

func dec(s string, scale int) decimal128.Num {
	n, err := decimal128.FromString(s, 38, int32(scale))
	if err != nil {
		panic(err)
	}
	return n
}

func ts(s string) types.TimestampValue {
	v, err := expr.ParseTimestamp(s)
	if err != nil {
		panic(err)
	}
	return v
}

func date(s string) types.DateValue {
	v, err := expr.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// allTypes is a column of every type a CSV file holds, and rows covering
// NULLs, extremes and text that needs quoting.
var allTypes = []types.Column{
	col("b", types.BoolType),
	col("i8", types.Int8Type),
	col("i16", types.Int16Type),
	col("i32", types.Int32Type),
	col("i64", types.Int64Type),
	col("f32", types.Float32Type),
	col("f64", types.Float64Type),
	col("d", types.DecimalType(12, 3)),
	col("s", types.StringType),
	col("v", types.Type{Kind: types.String, Length: 20}),
	col("bin", types.BinaryType),
	col("dt", types.DateType),
	col("t0", types.TimestampType(0)),
	col("t6", types.TimestampType(6)),
}

var allRows = [][]types.Value{
	{true, int64(-128), int64(32767), int64(-2147483648), int64(9223372036854775807), float64(float32(1.5)), 0.1, dec("-123456789.125", 3),
		"plain", "short", []byte{0, 1, 2, 255}, date("2024-01-02"), ts("1999-12-31 23:59:59"), ts("2024-02-29 12:34:56.123456")},
	{false, int64(0), int64(0), int64(0), int64(0), float64(float32(-0.25)), 1e300, dec("0.001", 3),
		`a, "quoted" value`, "line\nbreak", []byte{}, date("1970-01-01"), ts("1970-01-01 00:00:00"), ts("1969-12-31 23:59:59.999999")},
	{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	{true, int64(127), int64(-1), int64(42), int64(-9223372036854775808), float64(float32(3.25)), -2.5e-7, dec("999999999.999", 3),
		"", "tab\there", []byte("text"), date("9999-12-31"), ts("2038-01-19 03:14:08"), ts("2000-01-01 00:00:00.5")},
}

// record builds one batch of cols from rows of Go values.
func record(t *testing.T, cols []types.Column, rows [][]types.Value) arrow.Record {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, types.Schema(cols))
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			require.NoError(t, expr.AppendValue(b.Field(i), v))
		}
	}
	return b.NewRecord()
}

// values reads every batch of r back as Go values.
func values(t *testing.T, r *Reader) [][]types.Value {
	t.Helper()
	var out [][]types.Value
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		require.True(t, rec.Schema().Equal(r.Schema()))
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]types.Value, rec.NumCols())
			for j := range row {
				row[j] = expr.ValueAt(rec.Column(j), i)
			}
			out = append(out, row)
		}
		rec.Release()
	}
}

func writeFile(t *testing.T, tgt Target, recs ...arrow.Record) {
	t.Helper()
	w, err := Create(tgt)
	require.NoError(t, err)
	for _, rec := range recs {
		require.NoError(t, w.Write(rec))
	}
	require.NoError(t, w.Close())
}

func readAll(t *testing.T, src Source) [][]types.Value {
	t.Helper()
	r, err := Open(src)
	require.NoError(t, err)
	defer r.Close()
	return values(t, r)
}

// readErr reads src to its end and returns the error that stopped it.
func readErr(t *testing.T, src Source) error {
	t.Helper()
	r, err := Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if err != nil {
			require.NotErrorIs(t, err, io.EOF, "the file read without error")
			return err
		}
		rec.Release()
	}
}

func TestRoundTripEveryType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, ext := range []string{".csv", ".tsv", ".parquet"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "all"+ext)
			f, err := FormatOf(path)
			require.NoError(t, err)
			// Two batches, so that a reader's row counting crosses them.
			first, second := record(t, allTypes, allRows[:2]), record(t, allTypes, allRows[2:])
			defer first.Release()
			defer second.Release()
			writeFile(t, Target{Path: path, Format: f, Columns: allTypes, Mem: mem}, first, second)
			src := Source{Path: path, Format: f, Columns: allTypes, Mem: mem, BatchSize: 3}
			if f != Parquet {
				src.IgnoreLines = 1
			}
			require.Equal(t, allRows, readAll(t, src))
		})
	}
}

func TestCSVHeaderAndNulls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.csv")
	cols := []types.Column{col("id", types.Int64Type), col("name", types.StringType), col("price", types.DecimalType(5, 2))}
	rec := record(t, cols, [][]types.Value{{int64(1), "a,b", dec("1.5", 2)}, {nil, "", nil}, {int64(3), nil, dec("-0.01", 2)}})
	defer rec.Release()
	writeFile(t, Target{Path: path, Format: CSV, Columns: cols}, rec)
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "id,name,price\n1,\"a,b\",1.50\n\\N,,\\N\n3,\\N,-0.01\n", string(text))
}

func TestCSVEmptyResultHasHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.tsv")
	cols := []types.Column{col("a", types.Int64Type), col("b b", types.StringType)}
	w, err := Create(Target{Path: path, Format: TSV, Columns: cols})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "a\tb b\n", string(text))
	require.Empty(t, readAll(t, Source{Path: path, Format: TSV, Columns: cols, IgnoreLines: 1}))
}

func writeText(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestCSVReadingRules(t *testing.T) {
	cols := []types.Column{col("n", types.Int32Type), col("s", types.StringType), col("d", types.DateType), col("x", types.DecimalType(5, 2))}
	path := writeText(t, "r.csv", "\xEF\xBB\xBF"+
		"1,plain,2024-01-02,1.50\r\n"+
		",,,\n"+ // empty: NULL in non-string columns, '' in strings
		"\\N,\\N,\\N,\\N\n"+
		"\n"+ // blank lines are skipped
		"  7 ,\"multi\nline, \"\"quoted\"\"\",2024-02-29 10:00:00,  -3.5\n")
	got := readAll(t, Source{Path: path, Format: CSV, Columns: cols})
	require.Equal(t, [][]types.Value{
		{int64(1), "plain", date("2024-01-02"), dec("1.50", 2)},
		{nil, "", nil, nil},
		{nil, nil, nil, nil},
		{int64(7), "multi\nline, \"quoted\"", date("2024-02-29"), dec("-3.50", 2)},
	}, got)
}

func TestDelimiterOverride(t *testing.T) {
	cols := []types.Column{col("a", types.Int64Type), col("b", types.StringType)}
	path := writeText(t, "semi.csv", "a;b\n1;x,y\n2;\"p;q\"\n")
	require.Equal(t, [][]types.Value{{int64(1), "x,y"}, {int64(2), "p;q"}},
		readAll(t, Source{Path: path, Format: CSV, Delimiter: ';', Columns: cols, IgnoreLines: 1}))

	out := filepath.Join(t.TempDir(), "pipe.csv")
	rec := record(t, cols, [][]types.Value{{int64(1), "a|b"}})
	defer rec.Release()
	writeFile(t, Target{Path: out, Format: CSV, Delimiter: '|', CRLF: true, Columns: cols}, rec)
	text, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "a|b\r\n1|\"a|b\"\r\n", string(text))

	_, err = Open(Source{Path: path, Format: CSV, Delimiter: '"', Columns: cols})
	require.ErrorContains(t, err, `"\"" cannot separate fields`)
}

func TestIgnoreLines(t *testing.T) {
	cols := []types.Column{col("a", types.Int64Type)}
	path := writeText(t, "i.csv", "title\nheader\n1\n2\n")
	require.Equal(t, [][]types.Value{{int64(1)}, {int64(2)}}, readAll(t, Source{Path: path, Format: CSV, Columns: cols, IgnoreLines: 2}))
	require.Empty(t, readAll(t, Source{Path: path, Format: CSV, Columns: cols, IgnoreLines: 10}))
	// Lines are counted from the start of the file in errors.
	err := readErr(t, Source{Path: path, Format: CSV, Columns: cols, IgnoreLines: 1})
	require.EqualError(t, err, path+` line 2, column 1 ("a"): cannot cast 'header' to BIGINT: not a number`)
}

func TestCSVValueErrorsNameLineAndColumn(t *testing.T) {
	cols := []types.Column{col("id", types.Int32Type), col("name", types.StringType), col("price", types.DecimalType(5, 2))}
	var b strings.Builder
	b.WriteString("id,name,price\n")
	for i := 1; i <= 14; i++ {
		b.WriteString("1,x,2.5\n")
	}
	b.WriteString("2,\"two\nlines\",3\n") // lines 16-17
	b.WriteString("3,y,abc\n")            // line 18
	path := writeText(t, "data.csv", b.String())
	for _, batch := range []int{1, 4, 100} {
		err := readErr(t, Source{Path: path, Format: CSV, Columns: cols, IgnoreLines: 1, BatchSize: batch})
		require.EqualError(t, err, path+` line 18, column 3 ("price"): cannot cast 'abc' to DECIMAL(5,2): not a number`)
	}

	cases := []struct {
		name, text string
		cols       []types.Column
		want       string
	}{
		{"range", "1\n300\n", []types.Column{col("t", types.Int8Type)}, `line 2, column 1 ("t"): cannot cast '300' to TINYINT: out of range`},
		{"decimal", "1.5\n1234.5\n", []types.Column{col("p", types.DecimalType(5, 2))}, `line 2, column 1 ("p"): cannot cast '1234.5' to DECIMAL(5,2)`},
		{"date", "2024-01-02\n2024-02-30\n", []types.Column{col("d", types.DateType)}, `line 2, column 1 ("d"): cannot cast '2024-02-30' to DATE`},
		{"varchar", "abc\nabcdef\n", []types.Column{col("v", types.Type{Kind: types.String, Length: 3})}, `line 2, column 1 ("v"): value 'abcdef' is 6 long, VARCHAR(3) holds 3`},
		{"not null", "1\n\\N\n", []types.Column{{Name: "k", Type: types.Int64Type}}, `line 2, column 1 ("k"): NULL in a NOT NULL column`},
		{"not null empty", "1\n\n\n", []types.Column{{Name: "k", Type: types.Int64Type}}, ""}, // blank lines are no rows
		{"base64", "AAE=\n!!\n", []types.Column{col("b", types.BinaryType)}, `line 2, column 1 ("b"): '!!' is not base64`},
		{"too few", "1,2\n3\n", []types.Column{col("a", types.Int64Type), col("b", types.Int64Type)}, `line 2: 1 fields, expected 2`},
		{"too many later", "1,2\n3,4,5\n", []types.Column{col("a", types.Int64Type), col("b", types.Int64Type)}, `line 2: 3 fields, expected 2`},
		{"too many first", "1,2,3\n3,4,5\n", []types.Column{col("a", types.Int64Type), col("b", types.Int64Type)}, `line 1: 3 fields, expected 2`},
		{"too few first", "1\n3\n", []types.Column{col("a", types.Int64Type), col("b", types.Int64Type)}, `line 1: 1 fields, expected 2`},
		{"bare quote", "1,a\"b\n", []types.Column{col("a", types.Int64Type), col("b", types.StringType)}, `line 1, character 4: bare " in non-quoted-field`},
		{"open quote", "1,\"ab\n2,c\n", []types.Column{col("a", types.Int64Type), col("b", types.StringType)}, `(in a field starting on line 1): extraneous or missing " in quoted-field`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeText(t, "bad.csv", c.text)
			src := Source{Path: path, Format: CSV, Columns: c.cols}
			if c.want == "" {
				readAll(t, src)
				return
			}
			err := readErr(t, src)
			require.ErrorContains(t, err, path)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestOpenErrors(t *testing.T) {
	cols := []types.Column{col("a", types.Int64Type)}
	dir := t.TempDir()
	_, err := Open(Source{Path: filepath.Join(dir, "nope.csv"), Format: CSV, Columns: cols})
	require.EqualError(t, err, `cannot open "`+filepath.Join(dir, "nope.csv")+`": no such file or directory`)

	wd, err := os.Getwd()
	require.NoError(t, err)
	_, err = Open(Source{Path: "nope.csv", Format: CSV, Columns: cols})
	require.EqualError(t, err, `cannot open "nope.csv" (`+filepath.Join(wd, "nope.csv")+`): no such file or directory`)

	_, err = Open(Source{Path: dir, Format: CSV, Columns: cols})
	require.EqualError(t, err, `cannot read "`+dir+`": it is a directory`)

	_, err = FormatOf("data.json")
	require.EqualError(t, err, `file "data.json": unknown format ".json": use .csv, .tsv or .parquet`)
	_, err = FormatOf("data")
	require.ErrorContains(t, err, `file "data" has no extension`)
	f, err := FormatOf("DATA.Parquet")
	require.NoError(t, err)
	require.Equal(t, Parquet, f)

	notParquet := writeText(t, "x.parquet", "a,b\n1,2\n")
	_, err = Open(Source{Path: notParquet, Format: Parquet, Columns: cols})
	require.ErrorContains(t, err, notParquet+" is not a Parquet file")

	nested := []types.Column{col("l", types.ListType(types.Int64Type))}
	_, err = Open(Source{Path: notParquet, Format: CSV, Columns: nested})
	require.ErrorContains(t, err, `column "l" is ARRAY<BIGINT>, which a CSV file cannot hold: use .parquet`)
	_, err = Create(Target{Path: filepath.Join(dir, "n.tsv"), Format: TSV, Columns: nested})
	require.ErrorContains(t, err, `column "l" is ARRAY<BIGINT>, which a TSV file cannot hold: use .parquet`)
	require.NoFileExists(t, filepath.Join(dir, "n.tsv"))
}

func TestCreateRefusesAnExistingFile(t *testing.T) {
	cols := []types.Column{col("a", types.Int64Type)}
	path := writeText(t, "old.csv", "precious\n")
	for _, f := range []Format{CSV, Parquet} {
		_, err := Create(Target{Path: path, Format: f, Columns: cols})
		require.EqualError(t, err, `file "`+path+`" already exists`)
	}
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "precious\n", string(text))

	_, err = Create(Target{Path: filepath.Join(path, "sub.csv"), Format: CSV, Columns: cols})
	require.ErrorContains(t, err, `cannot create "`+filepath.Join(path, "sub.csv")+`"`)
}

func TestAbortRemovesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "partial.parquet")
	cols := []types.Column{col("a", types.Int64Type)}
	w, err := Create(Target{Path: path, Format: Parquet, Columns: cols})
	require.NoError(t, err)
	rec := record(t, cols, [][]types.Value{{int64(1)}})
	defer rec.Release()
	require.NoError(t, w.Write(rec))
	w.Abort()
	require.NoFileExists(t, path)
}

// writeParquet writes records through pqarrow directly, as other programs
// would, with Arrow types the engine does not use itself.
func writeParquet(t *testing.T, name string, rec arrow.Record) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	require.NoError(t, err)
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
	return path
}

func TestParquetMatchesColumnsByNameThenPosition(t *testing.T) {
	fileCols := []types.Column{col("Price", types.DecimalType(10, 3)), col("id", types.Int32Type), col("extra", types.StringType)}
	rec := record(t, fileCols, [][]types.Value{{dec("1.500", 3), int64(7), "x"}, {nil, int64(8), nil}})
	defer rec.Release()
	path := writeParquet(t, "m.parquet", rec)

	byName := []types.Column{col("id", types.Int64Type), col("price", types.DecimalType(5, 2))}
	require.Equal(t, [][]types.Value{{int64(7), dec("1.50", 2)}, {int64(8), nil}},
		readAll(t, Source{Path: path, Format: Parquet, Columns: byName}))

	byPosition := []types.Column{col("p", types.StringType), col("q", types.Int64Type), col("r", types.StringType)}
	require.Equal(t, [][]types.Value{{"1.500", int64(7), "x"}, {nil, int64(8), nil}},
		readAll(t, Source{Path: path, Format: Parquet, Columns: byPosition}))
	badPosition := []types.Column{col("p", types.StringType), col("q", types.StringType), col("r", types.Int64Type)}
	err := readErr(t, Source{Path: path, Format: Parquet, Columns: badPosition})
	require.EqualError(t, err, path+` row 1, column "extra" (into "r"): cannot cast 'x' to BIGINT: not a number`)

	_, err = Open(Source{Path: path, Format: Parquet, Columns: []types.Column{col("id", types.Int64Type), col("nope", types.Int64Type)}})
	require.EqualError(t, err, path+` has no column "nope" (its columns: Price, id, extra), and 3 columns where 2 are loaded, so they cannot be matched by position`)

	err = readErr(t, Source{Path: path, Format: Parquet, Columns: []types.Column{col("extra", types.DateType)}})
	require.ErrorContains(t, err, path+` row 1, column "extra": cannot cast 'x' to DATE`)

	notNull := []types.Column{{Name: "price", Type: types.DecimalType(5, 2)}}
	err = readErr(t, Source{Path: path, Format: Parquet, Columns: notNull})
	require.EqualError(t, err, path+` row 2, column "Price": NULL in a NOT NULL column`)
}

func TestParquetForeignTypes(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "ms_utc", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "big", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_700_000_000_123_456_789, -1}, nil)
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_700_000_000_123, 0}, []bool{true, false})
	b.Field(2).(*array.Uint32Builder).AppendValues([]uint32{4_000_000_000, 0}, nil)
	b.Field(3).(*array.LargeStringBuilder).AppendValues([]string{"large", ""}, nil)
	rec := b.NewRecord()
	defer rec.Release()
	path := writeParquet(t, "foreign.parquet", rec)
	cols := []types.Column{col("ns", types.TimestampType(6)), col("ms_utc", types.TimestampType(3)), col("u32", types.Int64Type), col("big", types.StringType)}
	require.Equal(t, [][]types.Value{
		{ts("2023-11-14 22:13:20.123456"), ts("2023-11-14 22:13:20.123"), int64(4_000_000_000), "large"},
		{ts("1969-12-31 23:59:59.999999"), nil, int64(0), ""},
	}, readAll(t, Source{Path: path, Format: Parquet, Columns: cols}))
}

func TestParquetNestedColumnsRoundTrip(t *testing.T) {
	cols := []types.Column{col("tags", types.ListType(types.StringType)), col("n", types.Int64Type)}
	b := array.NewRecordBuilder(memory.DefaultAllocator, types.Schema(cols))
	defer b.Release()
	lb := b.Field(0).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	lb.AppendNull()
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	rec := b.NewRecord()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "nested.parquet")
	writeFile(t, Target{Path: path, Format: Parquet, Columns: cols}, rec)

	r, err := Open(Source{Path: path, Format: Parquet, Columns: cols})
	require.NoError(t, err)
	defer r.Close()
	got, err := r.Next()
	require.NoError(t, err)
	defer got.Release()
	require.True(t, array.RecordEqual(rec, got), "got %v", got)

	_, err = Open(Source{Path: path, Format: Parquet, Columns: []types.Column{col("tags", types.ListType(types.Int64Type)), col("n", types.Int64Type)}})
	require.NoError(t, err)
	err = readErr(t, Source{Path: path, Format: Parquet, Columns: []types.Column{col("tags", types.ListType(types.Int64Type)), col("n", types.Int64Type)}})
	require.ErrorContains(t, err, `column "tags": cannot load ARRAY<TEXT> into ARRAY<BIGINT>`)
}

func TestProgressCountsBytesAndRows(t *testing.T) {
	cols := []types.Column{col("a", types.Int64Type), col("s", types.StringType)}
	var b strings.Builder
	for i := 0; i < 50_000; i++ {
		b.WriteString("12345,some text to make the file longer\n")
	}
	path := writeText(t, "p.csv", b.String())
	r, err := Open(Source{Path: path, Format: CSV, Columns: cols, BatchSize: 1000})
	require.NoError(t, err)
	defer r.Close()
	var seen []Progress
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		rec.Release()
		seen = append(seen, r.Progress())
	}
	require.Len(t, seen, 50)
	last := seen[len(seen)-1]
	require.Equal(t, Progress{Rows: 50_000, Bytes: int64(b.Len()), TotalBytes: int64(b.Len())}, last)
	require.Less(t, seen[0].Bytes, last.Bytes/2, "bytes grow as the file is read")
	for i := 1; i < len(seen); i++ {
		require.LessOrEqual(t, seen[i-1].Bytes, seen[i].Bytes)
	}
}
