package fileio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/types"
)

// DefaultBatchSize is the most rows of a batch a Reader returns unless
// Source.BatchSize says otherwise.
const DefaultBatchSize = 64 * 1024

// Source is a file to read and the columns it fills.
type Source struct {
	// Path is the file, as the user wrote it: errors name it so. A
	// relative path is opened against the working directory.
	Path   string
	Format Format
	// Delimiter separates CSV and TSV fields; 0 means the format's own.
	Delimiter rune
	// IgnoreLines skips lines at the start of a CSV or TSV file, such as
	// a header line.
	IgnoreLines int64
	// Columns are the target: a CSV or TSV file's fields fill them in
	// order; a Parquet file's columns are matched by name or position.
	// A NOT NULL column (Nullable false) rejects NULLs with an error
	// naming the line.
	Columns []types.Column
	// BatchSize is the most rows in one batch (0: DefaultBatchSize).
	BatchSize int
	// Mem allocates the batches (nil: memory.DefaultAllocator).
	Mem memory.Allocator
}

// Progress is how far a Reader has got.
type Progress struct {
	Rows       int64 // rows returned so far
	Bytes      int64 // bytes of the file read so far
	TotalBytes int64 // the file's size
}

// Reader reads a file as record batches whose schema is
// types.Schema(Source.Columns).
type Reader struct {
	src    Source
	schema *arrow.Schema
	batch  batchSource
	size   int64
	rows   atomic.Int64
}

// batchSource is one format's reading: batches of the target schema, and
// the bytes of the file consumed so far.
type batchSource interface {
	next() (arrow.Record, error)
	bytesRead() int64
	close() error
}

// Open opens src for reading. A missing file, a directory, an unknown
// column type for the format or a Parquet file without the target's
// columns is an error naming the path.
func Open(src Source) (*Reader, error) {
	if src.BatchSize <= 0 {
		src.BatchSize = DefaultBatchSize
	}
	if src.Mem == nil {
		src.Mem = memory.DefaultAllocator
	}
	if len(src.Columns) == 0 {
		return nil, fmt.Errorf("%s: no columns to load", src.Path)
	}
	st, err := os.Stat(src.Path)
	if err != nil {
		return nil, openError(src.Path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("cannot read %q: it is a directory", src.Path)
	}
	r := &Reader{src: src, schema: types.Schema(src.Columns), size: st.Size()}
	switch src.Format {
	case CSV, TSV:
		r.batch, err = openCSV(src)
	case Parquet:
		r.batch, err = openParquet(src, st.Size())
	default:
		err = fmt.Errorf("%s: cannot read format %s", src.Path, src.Format)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Schema is the schema of the batches: the target columns.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Next returns the next batch (the caller releases it), or io.EOF after
// the last. An error names the file and the line (CSV, TSV) or row
// (Parquet) and column of the value at fault.
func (r *Reader) Next() (arrow.Record, error) {
	rec, err := r.batch.next()
	if err != nil {
		return nil, err
	}
	r.rows.Add(rec.NumRows())
	return rec, nil
}

// Progress reports rows returned and bytes read so far; it may be called
// from another goroutine than Next's.
func (r *Reader) Progress() Progress {
	return Progress{Rows: r.rows.Load(), Bytes: min(r.batch.bytesRead(), r.size), TotalBytes: r.size}
}

// Close releases the file.
func (r *Reader) Close() error { return r.batch.close() }

// openError names the path, and for a relative one where it was looked
// for, in place of os's "open x: no such file or directory".
func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if !filepath.IsAbs(path) {
		if abs, aerr := filepath.Abs(path); aerr == nil {
			return fmt.Errorf("cannot open %q (%s): %v", path, abs, err)
		}
	}
	return fmt.Errorf("cannot open %q: %v", path, err)
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
