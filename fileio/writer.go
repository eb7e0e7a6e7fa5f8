package fileio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/csv"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// parquetRowGroupRows is the most rows of a Parquet row group we write.
const parquetRowGroupRows = 1 << 20

// Target is a file to write and the columns of its rows.
type Target struct {
	// Path is the file, as the user wrote it. It must not exist yet.
	Path   string
	Format Format
	// Delimiter separates CSV and TSV fields; 0 means the format's own.
	Delimiter rune
	// CRLF ends CSV and TSV lines with \r\n instead of \n.
	CRLF    bool
	Columns []types.Column
	// Mem allocates the converted columns (nil: memory.DefaultAllocator).
	Mem memory.Allocator
}

// Writer writes record batches to a new file.
type Writer struct {
	t      Target
	f      *os.File
	cols   []types.Column // as written: NULL-typed columns become TEXT
	schema *arrow.Schema  // of the records given to the format's writer
	csv    *csv.Writer
	pq     *pqarrow.FileWriter
	rows   int64
}

// Create makes the file, refusing one that exists already (as MySQL's
// INTO OUTFILE does) and columns the format cannot hold.
func Create(t Target) (w *Writer, err error) {
	if t.Mem == nil {
		t.Mem = memory.DefaultAllocator
	}
	w = &Writer{t: t, cols: make([]types.Column, len(t.Columns))}
	for i, c := range t.Columns {
		if c.Type.Kind == types.Null {
			c.Type = types.StringType // a column of bare NULLs
		}
		if c.Type.IsNested() && t.Format != Parquet {
			return nil, fmt.Errorf("%s: column %q is %s, which a %s file cannot hold: use .parquet", t.Path, c.Name, c.Type, t.Format)
		}
		w.cols[i] = c
	}
	delim := t.Delimiter
	if delim == 0 {
		delim = t.Format.Delimiter()
	}
	if t.Format != Parquet {
		if err := checkDelimiter(delim); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Path, err)
		}
	}
	f, err := os.OpenFile(t.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("file %q already exists", t.Path)
	}
	if err != nil {
		return nil, createError(t.Path, err)
	}
	w.f = f
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	switch t.Format {
	case CSV, TSV:
		// Every value is written as the engine prints it (CAST to TEXT);
		// binary values as base64, Arrow's way.
		fields := make([]arrow.Field, len(w.cols))
		for i, c := range w.cols {
			dt := arrow.DataType(arrow.BinaryTypes.String)
			if c.Type.Kind == types.Binary {
				dt = arrow.BinaryTypes.Binary
			}
			fields[i] = arrow.Field{Name: c.Name, Type: dt, Nullable: true}
		}
		w.schema = arrow.NewSchema(fields, nil)
		w.csv = csv.NewWriter(f, w.schema,
			csv.WithComma(delim),
			csv.WithCRLF(t.CRLF),
			csv.WithHeader(true),
			csv.WithNullWriter(NullField))
	case Parquet:
		w.schema = types.Schema(w.cols)
		// The encoder's own buffers come from Go's heap: pqarrow v15 does
		// not return all of them to a custom allocator.
		props := parquet.NewWriterProperties(
			parquet.WithCompression(compress.Codecs.Snappy),
			parquet.WithMaxRowGroupLength(parquetRowGroupRows))
		w.pq, err = pqarrow.NewFileWriter(w.schema, f, props,
			pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", t.Path, err)
		}
	default:
		return nil, fmt.Errorf("%s: cannot write format %s", t.Path, t.Format)
	}
	return w, nil
}

func createError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot create %q: %v", path, err)
}

// Rows is the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Write appends a batch whose columns have the target columns' types.
func (w *Writer) Write(rec arrow.Record) error {
	if int(rec.NumCols()) != len(w.cols) {
		return fmt.Errorf("%s: %d columns, expected %d", w.t.Path, rec.NumCols(), len(w.cols))
	}
	if rec.NumRows() == 0 {
		return nil
	}
	cols := make([]arrow.Array, len(w.cols))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range w.cols {
		from := w.t.Columns[i].Type
		to := w.schema.Field(i).Type
		var err error
		switch {
		case w.csv != nil && c.Type.Kind != types.Binary:
			cols[i], err = expr.CastArray(w.t.Mem, rec.Column(i), from, types.StringType)
		default:
			cols[i], err = expr.CastArray(w.t.Mem, rec.Column(i), from, c.Type)
		}
		if err != nil {
			return fmt.Errorf("%s column %q: %w", w.t.Path, c.Name, err)
		}
		if !arrow.TypeEqual(cols[i].DataType(), to) {
			return fmt.Errorf("%s column %q: %s values for a %s column", w.t.Path, c.Name, cols[i].DataType(), to)
		}
	}
	out := array.NewRecord(w.schema, cols, rec.NumRows())
	defer out.Release()
	var err error
	if w.csv != nil {
		err = w.csv.Write(out)
	} else {
		err = w.pq.WriteBuffered(out)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %v", w.t.Path, err)
	}
	w.rows += rec.NumRows()
	return nil
}

// Close finishes the file. A CSV or TSV file without rows still gets its
// header line.
func (w *Writer) Close() error {
	var err error
	if w.csv != nil {
		if w.rows == 0 {
			cols := emptyColumns(w.t.Mem, w.schema)
			empty := array.NewRecord(w.schema, cols, 0)
			err = w.csv.Write(empty)
			empty.Release()
			for _, c := range cols {
				c.Release()
			}
		}
		if ferr := w.csv.Flush(); err == nil {
			err = ferr
		}
	} else if w.pq != nil {
		err = w.pq.Close()
		w.pq = nil
	}
	// The Parquet writer closes the file itself.
	if cerr := w.f.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(w.t.Path)
		return fmt.Errorf("writing %s: %v", w.t.Path, err)
	}
	return nil
}

// Abort closes and removes the file: a statement that fails leaves no
// partial file behind.
func (w *Writer) Abort() {
	if w.pq != nil {
		_ = w.pq.Close()
		w.pq = nil
	}
	_ = w.f.Close()
	_ = os.Remove(w.t.Path)
}

func emptyColumns(mem memory.Allocator, schema *arrow.Schema) []arrow.Array {
	cols := make([]arrow.Array, schema.NumFields())
	for i, f := range schema.Fields() {
		b := array.NewBuilder(mem, f.Type)
		cols[i] = b.NewArray()
		b.Release()
	}
	return cols
}
