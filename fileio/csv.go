package fileio

import (
	"bufio"
	"bytes"
	"encoding/base64"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/csv"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// NullField is the field that stands for NULL in CSV and TSV files.
const NullField = `\N`

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// csvSource reads a CSV or TSV file: Arrow's reader splits it into
// records of strings, which are then cast to the target columns.
type csvSource struct {
	src     Source
	delim   rune
	schema  *arrow.Schema
	f       *os.File
	count   *countingReader
	rd      *csv.Reader
	skipped int64 // lines skipped by IgnoreLines
	row     int64 // records read before the current batch
	done    bool
}

// checkDelimiter rejects what cannot separate fields.
func checkDelimiter(d rune) error {
	if d == '"' || d == '\r' || d == '\n' || d == 0xFFFD || d <= 0 {
		return fmt.Errorf("%q cannot separate fields", string(d))
	}
	return nil
}

func openCSV(src Source) (*csvSource, error) {
	for _, c := range src.Columns {
		if c.Type.IsNested() {
			return nil, fmt.Errorf("%s: column %q is %s, which a %s file cannot hold: use .parquet", src.Path, c.Name, c.Type, src.Format)
		}
	}
	delim := src.Delimiter
	if delim == 0 {
		delim = src.Format.Delimiter()
	}
	if err := checkDelimiter(delim); err != nil {
		return nil, fmt.Errorf("%s: %w", src.Path, err)
	}
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, openError(src.Path, err)
	}
	count := &countingReader{r: f}
	br := bufio.NewReaderSize(count, 1<<16)
	skipped, err := skipLines(br, src.IgnoreLines)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %v", src.Path, err)
	}
	// Every field is read as a string (NULL when it is \N) and cast
	// afterwards, so that values convert as the engine's CAST does.
	fields := make([]arrow.Field, len(src.Columns))
	for i, c := range src.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	rd := csv.NewReader(br, arrow.NewSchema(fields, nil),
		csv.WithComma(delim),
		csv.WithChunk(src.BatchSize),
		csv.WithNullReader(true, NullField),
		csv.WithAllocator(src.Mem))
	return &csvSource{src: src, delim: delim, schema: types.Schema(src.Columns), f: f, count: count, rd: rd, skipped: skipped}, nil
}

// skipLines drops a UTF-8 byte order mark and the first n lines of br,
// returning how many lines there were to skip.
func skipLines(br *bufio.Reader, n int64) (int64, error) {
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	var k int64
	partial := false
	for k < n {
		line, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			partial = true
			continue
		case errors.Is(err, io.EOF):
			if partial || len(line) > 0 {
				k++
			}
			return k, nil
		case err != nil:
			return k, err
		}
		partial = false
		k++
	}
	return k, nil
}

func (s *csvSource) bytesRead() int64 { return s.count.n.Load() }

func (s *csvSource) close() error {
	s.rd.Release()
	return s.f.Close()
}

func (s *csvSource) next() (rec arrow.Record, err error) {
	if s.done {
		return nil, io.EOF
	}
	defer func() {
		// Arrow's reader panics on a first record whose number of fields
		// is not the schema's: find and name that line instead.
		if p := recover(); p != nil {
			s.done = true
			rec, err = nil, s.fieldCountError(fmt.Errorf("%v", p))
		}
	}()
	ok := s.rd.Next()
	if rerr := s.rd.Err(); rerr != nil {
		s.done = true
		return nil, s.readError(rerr)
	}
	if !ok {
		s.done = true
		return nil, io.EOF
	}
	raw := s.rd.Record()
	out, err := s.convert(raw)
	s.row += raw.NumRows()
	if err != nil {
		s.done = true
	}
	return out, err
}

// convert casts a record of strings to the target columns.
func (s *csvSource) convert(raw arrow.Record) (arrow.Record, error) {
	mem := s.src.Mem
	cols := make([]arrow.Array, len(s.src.Columns))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for j, c := range s.src.Columns {
		str := raw.Column(j).(*array.String)
		var err error
		switch c.Type.Kind {
		case types.String:
			cols[j], err = castColumn(mem, str, types.StringType, c)
		case types.Binary:
			var bin arrow.Array
			if bin, err = decodeBase64(mem, str); err == nil {
				cols[j], err = castColumn(mem, bin, types.BinaryType, c)
				bin.Release()
			}
		default:
			nulled := emptyToNull(mem, str).(*array.String)
			if parsed, ok := parseStrings(mem, nulled, c.Type); ok {
				cols[j], err = checkNotNull(parsed, c)
			} else {
				cols[j], err = castColumn(mem, nulled, types.StringType, c)
			}
			nulled.Release()
		}
		if err != nil {
			return nil, s.valueError(j, err)
		}
	}
	return array.NewRecord(s.schema, cols, raw.NumRows()), nil
}

// valueError names the file, line and column of a value that does not
// fit its column.
func (s *csvSource) valueError(field int, err error) error {
	name := s.src.Columns[field].Name
	var ce *cellError
	if !errors.As(err, &ce) {
		return fmt.Errorf("%s column %d (%q): %w", s.src.Path, field+1, name, err)
	}
	record := s.row + int64(ce.Row)
	if line, ok := s.lineOf(record, field); ok {
		return fmt.Errorf("%s line %d, column %d (%q): %w", s.src.Path, line, field+1, name, ce.Err)
	}
	return fmt.Errorf("%s record %d, column %d (%q): %w", s.src.Path, record+1, field+1, name, ce.Err)
}

// readError names the line of an error of Arrow's reader.
func (s *csvSource) readError(err error) error {
	if errors.Is(err, csv.ErrMismatchFields) || errors.Is(err, stdcsv.ErrFieldCount) {
		return s.fieldCountError(err)
	}
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		line := int64(pe.Line) + s.skipped
		if pe.StartLine != pe.Line {
			return fmt.Errorf("%s line %d (in a field starting on line %d): %v", s.src.Path, line, int64(pe.StartLine)+s.skipped, pe.Err)
		}
		return fmt.Errorf("%s line %d, character %d: %v", s.src.Path, line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %v", s.src.Path, err)
}

// rescan reads the file again with encoding/csv (which Arrow's reader is
// built on, so records are the same) and calls visit with each record
// until it returns false. It runs only to explain an error: Arrow's
// reader does not say where its records were.
func (s *csvSource) rescan(visit func(r *stdcsv.Reader, rec []string, index int64) bool) error {
	f, err := os.Open(s.src.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if _, err := skipLines(br, s.src.IgnoreLines); err != nil {
		return err
	}
	r := stdcsv.NewReader(br)
	r.Comma = s.delim
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for i := int64(0); ; i++ {
		rec, err := r.Read()
		if err != nil {
			return err
		}
		if !visit(r, rec, i) {
			return nil
		}
	}
}

// lineOf returns the line on which a record's field starts.
func (s *csvSource) lineOf(record int64, field int) (int64, bool) {
	line, found := int64(0), false
	_ = s.rescan(func(r *stdcsv.Reader, rec []string, i int64) bool {
		if i < record {
			return true
		}
		l, _ := r.FieldPos(min(field, len(rec)-1))
		line, found = int64(l)+s.skipped, true
		return false
	})
	return line, found
}

// fieldCountError names the first line whose number of fields is not the
// number of target columns.
func (s *csvSource) fieldCountError(cause error) error {
	want := len(s.src.Columns)
	var out error
	_ = s.rescan(func(r *stdcsv.Reader, rec []string, i int64) bool {
		if len(rec) == want {
			return true
		}
		line, _ := r.FieldPos(0)
		out = fmt.Errorf("%s line %d: %d fields, expected %d", s.src.Path, int64(line)+s.skipped, len(rec), want)
		return false
	})
	if out == nil {
		out = fmt.Errorf("%s: %v", s.src.Path, cause)
	}
	return out
}

// emptyToNull returns str with its empty strings made NULL: an empty
// field is NULL in a column that is not a string.
func emptyToNull(mem memory.Allocator, str *array.String) arrow.Array {
	n, empties := str.Len(), 0
	for i := 0; i < n; i++ {
		if str.IsValid(i) && len(str.Value(i)) == 0 {
			empties++
		}
	}
	if empties == 0 {
		str.Retain()
		return str
	}
	d := str.Data()
	off := d.Offset()
	valid := memory.NewResizableBuffer(mem)
	valid.Resize(int(bitutil.BytesForBits(int64(off + n))))
	bits := valid.Bytes()
	for i := range bits {
		bits[i] = 0
	}
	for i := 0; i < n; i++ {
		if str.IsValid(i) && len(str.Value(i)) > 0 {
			bitutil.SetBit(bits, off+i)
		}
	}
	nd := array.NewData(d.DataType(), n, []*memory.Buffer{valid, d.Buffers()[1], d.Buffers()[2]}, nil, str.NullN()+empties, off)
	valid.Release()
	defer nd.Release()
	return array.MakeFromData(nd)
}

// decodeBase64 reads a column of base64 strings, as Arrow's CSV writer
// writes binary values.
func decodeBase64(mem memory.Allocator, str *array.String) (arrow.Array, error) {
	b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer b.Release()
	b.Reserve(str.Len())
	for i := 0; i < str.Len(); i++ {
		if str.IsNull(i) {
			b.AppendNull()
			continue
		}
		v, err := base64.StdEncoding.DecodeString(str.Value(i))
		if err != nil {
			return nil, &cellError{Row: i, Err: fmt.Errorf("%s is not base64", expr.Quote(str.Value(i), types.StringType))}
		}
		b.Append(v)
	}
	return b.NewArray(), nil
}
