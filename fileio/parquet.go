package fileio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/taipandb/taipan/types"
)

// parquetSource reads a Parquet file through pqarrow, a row group's
// batches at a time, and casts the matched columns to the target.
type parquetSource struct {
	src    Source
	schema *arrow.Schema
	pf     *file.Reader
	rr     pqarrow.RecordReader
	fields []arrow.Field // the file's columns
	match  []int         // the file column of each target column
	total  int64         // rows in the file
	size   int64         // the file's size
	row    int64         // rows read before the current batch
}

func openParquet(src Source, size int64) (_ *parquetSource, err error) {
	defer func() {
		// Arrow's Parquet reader can panic on a damaged file.
		if p := recover(); p != nil {
			err = fmt.Errorf("%s is not a readable Parquet file: %v", src.Path, p)
		}
	}()
	pf, err := file.OpenParquetFile(src.Path, false)
	if err != nil {
		return nil, fmt.Errorf("%s is not a Parquet file: %v", src.Path, err)
	}
	s := &parquetSource{src: src, schema: types.Schema(src.Columns), pf: pf, total: pf.NumRows(), size: size}
	defer func() {
		if err != nil {
			pf.Close()
		}
	}()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(src.BatchSize)}, src.Mem)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", src.Path, err)
	}
	fileSchema, err := fr.Schema()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", src.Path, err)
	}
	s.fields = fileSchema.Fields()
	if s.match, err = matchColumns(src, s.fields); err != nil {
		return nil, err
	}
	if s.rr, err = fr.GetRecordReader(context.Background(), nil, nil); err != nil {
		return nil, fmt.Errorf("%s: %v", src.Path, err)
	}
	return s, nil
}

// matchColumns finds the file column of each target column: by name
// (case-insensitive) when the file has them all, otherwise by position
// when it has as many columns as the target.
func matchColumns(src Source, fields []arrow.Field) ([]int, error) {
	byName := map[string]int{}
	for i, f := range fields {
		if _, dup := byName[strings.ToLower(f.Name)]; !dup {
			byName[strings.ToLower(f.Name)] = i
		}
	}
	match := make([]int, len(src.Columns))
	missing := ""
	for i, c := range src.Columns {
		j, ok := byName[strings.ToLower(c.Name)]
		if !ok {
			missing = c.Name
			break
		}
		match[i] = j
	}
	if missing == "" {
		return match, nil
	}
	if len(fields) == len(src.Columns) {
		for i := range match {
			match[i] = i
		}
		return match, nil
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return nil, fmt.Errorf("%s has no column %q (its columns: %s), and %d columns where %d are loaded, so they cannot be matched by position",
		src.Path, missing, strings.Join(names, ", "), len(fields), len(src.Columns))
}

// bytesRead estimates the bytes consumed from the rows read: Parquet is
// read a column chunk at a time, not front to back.
func (s *parquetSource) bytesRead() int64 {
	if s.total == 0 {
		return 0
	}
	return int64(float64(s.size) * float64(s.row) / float64(s.total))
}

func (s *parquetSource) close() error {
	if s.rr != nil {
		s.rr.Release()
	}
	return s.pf.Close()
}

func (s *parquetSource) next() (rec arrow.Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, fmt.Errorf("%s is damaged: %v", s.src.Path, p)
		}
	}()
	if !s.rr.Next() {
		if err := s.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %v", s.src.Path, err)
		}
		return nil, io.EOF
	}
	raw := s.rr.Record()
	cols := make([]arrow.Array, len(s.src.Columns))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range s.src.Columns {
		j := s.match[i]
		if cols[i], err = s.convert(raw.Column(j), c); err != nil {
			name := fmt.Sprintf("column %q", s.fields[j].Name)
			if !strings.EqualFold(s.fields[j].Name, c.Name) {
				name += fmt.Sprintf(" (into %q)", c.Name)
			}
			var ce *cellError
			if errors.As(err, &ce) {
				return nil, fmt.Errorf("%s row %d, %s: %w", s.src.Path, s.row+int64(ce.Row)+1, name, ce.Err)
			}
			return nil, fmt.Errorf("%s %s: %w", s.src.Path, name, err)
		}
	}
	n := raw.NumRows()
	s.row += n
	return array.NewRecord(s.schema, cols, n), nil
}

// convert brings one file column to a target column's type.
func (s *parquetSource) convert(arr arrow.Array, c types.Column) (arrow.Array, error) {
	norm, err := normalize(s.src.Mem, arr)
	if err != nil {
		return nil, err
	}
	defer norm.Release()
	from, err := types.FromArrow(norm.DataType())
	if err != nil {
		return nil, fmt.Errorf("cannot load a column of type %s", arr.DataType())
	}
	return castColumn(s.src.Mem, norm, from, c)
}
