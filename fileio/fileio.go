// Package fileio reads data files into Arrow record batches of a target
// schema and writes record batches out to files: CSV and TSV through
// Arrow's csv package, Parquet through its pqarrow package. The format
// comes from the file's extension (.csv, .tsv, .parquet).
//
// It owns the file formats' rules: how fields are split and quoted, what
// stands for NULL, how values are converted to the target's SQL types
// (with the engine's own casts, exec/expr) and how errors name the file,
// line and column of a bad value. It knows nothing of statements or
// tables: it must not import planner, sql or the root package.
//
// CSV and TSV rules:
//   - Fields are split at the delimiter (',' for .csv, tab for .tsv, or
//     the one given) and may be enclosed in double quotes, which lets them
//     hold delimiters, quotes (doubled: "") and line breaks. Lines end in
//     \n or \r\n; blank lines are skipped.
//   - \N is NULL in every column. An empty field is NULL in a column that
//     is not a string (numbers, DECIMAL, DATE, TIMESTAMP, BOOLEAN) and the
//     empty string in TEXT, VARCHAR and BLOB columns, so that both empty
//     strings and NULLs survive a round trip (Arrow's reader, like
//     encoding/csv, does not tell a quoted empty field from an unquoted
//     one).
//   - Values are converted as CAST from a string converts them
//     ('2024-01-02' to DATE, '1.50' to DECIMAL(5,2) exactly); BOOLEAN
//     reads 1/0/true/false. BLOB and VARBINARY values are base64, as Arrow
//     writes them. A VARCHAR(n) value longer than n is an error.
//   - Written files have a header line of column names; NULL is written
//     as \N, everything else as SELECT prints it.
//
// Parquet: columns are matched to the target by name (case-insensitive)
// when the file has every target column, otherwise by position when it
// has as many columns as the target; each is cast to the target's type.
package fileio

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a file format.
type Format int

// The formats.
const (
	CSV Format = iota
	TSV
	Parquet
)

func (f Format) String() string {
	switch f {
	case CSV:
		return "CSV"
	case TSV:
		return "TSV"
	case Parquet:
		return "Parquet"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Delimiter is the format's field delimiter (0 for Parquet).
func (f Format) Delimiter() rune {
	switch f {
	case CSV:
		return ','
	case TSV:
		return '\t'
	}
	return 0
}

// FormatOf returns the format of a file from its extension,
// case-insensitive.
func FormatOf(path string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".csv":
		return CSV, nil
	case ".tsv":
		return TSV, nil
	case ".parquet":
		return Parquet, nil
	case "":
		return 0, fmt.Errorf("file %q has no extension: name it .csv, .tsv or .parquet to give its format", path)
	}
	return 0, fmt.Errorf("file %q: unknown format %q: use .csv, .tsv or .parquet", path, ext)
}
