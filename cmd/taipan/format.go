package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/chzyer/readline"

	"github.com/taipandb/taipan/types"
)

// Format is how the shell prints result sets.
type Format int

// The output formats of --format.
const (
	FormatTable Format = iota // aligned MySQL-style tables
	FormatCSV                 // RFC 4180, a header line then the rows
	FormatJSON                // JSON Lines, one object per row
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "table":
		return FormatTable, nil
	case "csv":
		return FormatCSV, nil
	case "json":
		return FormatJSON, nil
	}
	return 0, fmt.Errorf("unknown format %q: allowed values are table, csv and json", s)
}

// cellFunc renders row i of one column; null reports SQL NULL (s is then
// empty). One is chosen per column and record, so the type switch runs once
// per column rather than once per cell.
type cellFunc func(i int) (s string, null bool)

// textCells renders a column as the table and csv formats show it: DECIMAL
// with its scale's digits, DATE as YYYY-MM-DD, TIMESTAMP as YYYY-MM-DD
// HH:MM:SS with a six-digit fraction only when non-zero, BOOLEAN as
// true/false, BYTES as 0x followed by hex digits (as the MySQL client's
// binary-as-hex shows them).
func textCells(arr arrow.Array) cellFunc {
	nullable := func(f func(i int) string) cellFunc {
		return func(i int) (string, bool) {
			if arr.IsNull(i) {
				return "", true
			}
			return f(i), false
		}
	}
	switch a := arr.(type) {
	case *array.Null:
		return func(int) (string, bool) { return "", true }
	case *array.Binary:
		return nullable(func(i int) string { return fmt.Sprintf("0x%X", a.Value(i)) })
	case *array.LargeBinary:
		return nullable(func(i int) string { return fmt.Sprintf("0x%X", a.Value(i)) })
	}
	return scalarCells(arr)
}

// jsonCells renders a column as JSON literals for the json format: numbers
// bare (DECIMAL with its scale's digits), strings, dates and timestamps
// quoted, BOOLEAN true/false, BYTES as base64 strings, NULL as null (the
// caller writes it). Non-finite floats, which JSON cannot spell, are null.
func jsonCells(arr arrow.Array) cellFunc {
	nullable := func(f func(i int) string) cellFunc {
		return func(i int) (string, bool) {
			if arr.IsNull(i) {
				return "", true
			}
			return f(i), false
		}
	}
	quoted := func(f cellFunc) cellFunc {
		return func(i int) (string, bool) {
			s, null := f(i)
			if null {
				return "", true
			}
			return string(appendJSONString(nil, s)), false
		}
	}
	switch a := arr.(type) {
	case *array.Float32:
		return floatJSON(arr, func(i int) float64 { return float64(a.Value(i)) }, 32)
	case *array.Float64:
		return floatJSON(arr, a.Value, 64)
	case *array.Boolean, *array.Int8, *array.Int16, *array.Int32, *array.Int64,
		*array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64, *array.Decimal128:
		return scalarCells(arr)
	case *array.Binary:
		return nullable(func(i int) string { return `"` + base64.StdEncoding.EncodeToString(a.Value(i)) + `"` })
	case *array.LargeBinary:
		return nullable(func(i int) string { return `"` + base64.StdEncoding.EncodeToString(a.Value(i)) + `"` })
	case *array.Null:
		return func(int) (string, bool) { return "", true }
	case *array.List, *array.LargeList, *array.FixedSizeList, *array.Map, *array.Struct:
		return nullable(func(i int) string { return nestedJSON(arr, i) })
	}
	return quoted(scalarCells(arr))
}

// scalarCells renders the flat types shared by every format.
func scalarCells(arr arrow.Array) cellFunc {
	nullable := func(f func(i int) string) cellFunc {
		return func(i int) (string, bool) {
			if arr.IsNull(i) {
				return "", true
			}
			return f(i), false
		}
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return nullable(func(i int) string { return strconv.FormatBool(a.Value(i)) })
	case *array.Int8:
		return nullable(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int16:
		return nullable(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int32:
		return nullable(func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) })
	case *array.Int64:
		return nullable(func(i int) string { return strconv.FormatInt(a.Value(i), 10) })
	case *array.Uint8:
		return nullable(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint16:
		return nullable(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint32:
		return nullable(func(i int) string { return strconv.FormatUint(uint64(a.Value(i)), 10) })
	case *array.Uint64:
		return nullable(func(i int) string { return strconv.FormatUint(a.Value(i), 10) })
	case *array.Float32:
		return nullable(func(i int) string { return formatFloat(float64(a.Value(i)), 32) })
	case *array.Float64:
		return nullable(func(i int) string { return formatFloat(a.Value(i), 64) })
	case *array.Decimal128:
		scale := int(a.DataType().(*arrow.Decimal128Type).Scale)
		return nullable(func(i int) string { return types.FormatDecimal(a.Value(i), scale) })
	case *array.String:
		// Cloned: Value points into the record's buffer, and the table
		// format keeps cells after the record is released (freed by
		// Python, in THREAD mode).
		return nullable(func(i int) string { return strings.Clone(a.Value(i)) })
	case *array.LargeString:
		return nullable(func(i int) string { return strings.Clone(a.Value(i)) })
	case *array.Binary:
		return nullable(func(i int) string { return string(a.Value(i)) })
	case *array.Date32:
		return nullable(func(i int) string { return formatDate(int64(a.Value(i))) })
	case *array.Date64:
		return nullable(func(i int) string { return formatDate(int64(a.Value(i)) / 86_400_000) })
	case *array.Timestamp:
		toMicros := microsPer(a.DataType().(*arrow.TimestampType).Unit)
		return nullable(func(i int) string { return types.FormatTimestamp(toMicros(int64(a.Value(i)))) })
	case *array.Null:
		return func(int) (string, bool) { return "", true }
	case *array.List, *array.LargeList, *array.FixedSizeList, *array.Map, *array.Struct:
		return nullable(func(i int) string { return nestedJSON(arr, i) })
	}
	return nullable(arr.ValueStr)
}

func floatJSON(arr arrow.Array, value func(i int) float64, bits int) cellFunc {
	return func(i int) (string, bool) {
		if arr.IsNull(i) {
			return "", true
		}
		v := value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", true
		}
		return formatFloat(v, bits), false
	}
}

// nestedJSON renders row i of a nested column as JSON: ARRAY as an array,
// MAP and ROW as objects (ROW fields in their declared order, MAP keys as
// text), and the values inside as the json format writes them.
func nestedJSON(arr arrow.Array, i int) string {
	return string(appendNested(nil, arr, i))
}

func appendNested(b []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(b, "null"...)
	}
	switch a := arr.(type) {
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := textCells(a.Keys()), a.Items()
		b = append(b, '{')
		for j := start; j < end; j++ {
			if j > start {
				b = append(b, ',')
			}
			k, _ := keys(int(j))
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendNested(b, items, int(j))
		}
		return append(b, '}')
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		b = append(b, '[')
		for j := start; j < end; j++ {
			if j > start {
				b = append(b, ',')
			}
			b = appendNested(b, a.ListValues(), int(j))
		}
		return append(b, ']')
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		b = append(b, '{')
		for k := 0; k < a.NumField(); k++ {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, st.Field(k).Name)
			b = append(b, ':')
			b = appendNested(b, a.Field(k), i)
		}
		return append(b, '}')
	}
	s, null := jsonCells(arr)(i)
	if null {
		return append(b, "null"...)
	}
	return append(b, s...)
}

// formatFloat writes plain decimals in the usual range and exponent
// notation only for very large or very small magnitudes, as MySQL does
// (1000000, not 1e+06).
func formatFloat(v float64, bits int) string {
	abs := math.Abs(v)
	if abs == 0 || (abs >= 1e-5 && abs < 1e15) {
		return strconv.FormatFloat(v, 'f', -1, bits)
	}
	return strconv.FormatFloat(v, 'g', -1, bits)
}

func formatDate(days int64) string {
	return time.Unix(days*86400, 0).UTC().Format("2006-01-02")
}

// microsPer converts a timestamp in unit u to microseconds.
func microsPer(u arrow.TimeUnit) func(int64) int64 {
	switch u {
	case arrow.Second:
		return func(v int64) int64 { return v * 1_000_000 }
	case arrow.Millisecond:
		return func(v int64) int64 { return v * 1_000 }
	case arrow.Nanosecond:
		return func(v int64) int64 { return v / 1_000 }
	}
	return func(v int64) int64 { return v }
}

// isNumeric reports whether a column is right-aligned in tables.
func isNumeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	}
	return false
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; <, > and & are kept as they are (no HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// ResultWriter prints one result set in one format.
type ResultWriter interface {
	// Write prints (or, for tables, collects) the rows of one record.
	Write(rec arrow.Record) error
	// Close ends the result set; footer, when not empty, is printed after
	// the rows in the formats that have one (tables).
	Close(footer func(rows int64) string) error
}

// NewResultWriter returns the writer of format f for results of schema.
func NewResultWriter(w io.Writer, f Format, schema *arrow.Schema) ResultWriter {
	names := make([]string, schema.NumFields())
	for i, fd := range schema.Fields() {
		names[i] = fd.Name
	}
	switch f {
	case FormatCSV:
		return &csvWriter{w: w, names: names}
	case FormatJSON:
		return &jsonWriter{w: w, names: names}
	}
	right := make([]bool, len(names))
	for i, fd := range schema.Fields() {
		right[i] = isNumeric(fd.Type)
	}
	return &tableWriter{w: w, names: names, right: right, cells: make([][]string, len(names))}
}

// tableWriter collects every cell, since column widths depend on all rows,
// then draws a MySQL-style table.
type tableWriter struct {
	w     io.Writer
	names []string
	right []bool
	cells [][]string // per column
	rows  int64
}

func (t *tableWriter) Write(rec arrow.Record) error {
	n := int(rec.NumRows())
	for c := range t.names {
		f := textCells(rec.Column(c))
		col := t.cells[c]
		for i := 0; i < n; i++ {
			s, null := f(i)
			if null {
				s = "NULL"
			} else {
				s = tableEscape(s)
			}
			col = append(col, s)
		}
		t.cells[c] = col
	}
	t.rows += int64(n)
	return nil
}

// tableEscape keeps a cell on one line so that the table stays aligned.
func tableEscape(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

func displayWidth(s string) int { return readline.Runes{}.WidthAll([]rune(s)) }

func (t *tableWriter) Close(footer func(rows int64) string) error {
	var b strings.Builder
	if len(t.names) > 0 {
		widths := make([]int, len(t.names))
		for c, name := range t.names {
			widths[c] = displayWidth(name)
			for _, s := range t.cells[c] {
				widths[c] = max(widths[c], displayWidth(s))
			}
		}
		border := func() {
			b.WriteByte('+')
			for _, w := range widths {
				b.WriteString(strings.Repeat("-", w+2))
				b.WriteByte('+')
			}
			b.WriteByte('\n')
		}
		line := func(cell func(c int) string, right func(c int) bool) {
			b.WriteByte('|')
			for c, w := range widths {
				s := cell(c)
				pad := strings.Repeat(" ", w-displayWidth(s))
				b.WriteByte(' ')
				if right(c) {
					b.WriteString(pad + s)
				} else {
					b.WriteString(s + pad)
				}
				b.WriteString(" |")
			}
			b.WriteByte('\n')
		}
		if t.rows > 0 {
			border()
			line(func(c int) string { return t.names[c] }, func(int) bool { return false })
			border()
			for r := range int(t.rows) {
				line(func(c int) string { return t.cells[c][r] }, func(c int) bool { return t.right[c] })
			}
			border()
		}
	}
	if footer != nil {
		if s := footer(t.rows); s != "" {
			b.WriteString(s + "\n")
		}
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// RowsFooter is the table footer: "3 rows in set", "1 row in set" or
// "Empty set", followed by elapsed (such as " (0.01 sec)") when given.
func RowsFooter(rows int64, elapsed string) string {
	switch rows {
	case 0:
		return "Empty set" + elapsed
	case 1:
		return "1 row in set" + elapsed
	}
	return fmt.Sprintf("%d rows in set%s", rows, elapsed)
}

// csvWriter writes RFC 4180 CSV: fields with commas, quotes or line breaks
// are quoted, quotes doubled; NULL is an empty field and the empty string
// a quoted empty field, so the two stay apart.
type csvWriter struct {
	w      io.Writer
	names  []string
	header bool
	buf    []byte
}

func (c *csvWriter) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	c.buf = c.buf[:0]
	for i, name := range c.names {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendCSVField(c.buf, name)
	}
	c.buf = append(c.buf, '\n')
	_, err := c.w.Write(c.buf)
	return err
}

func (c *csvWriter) Write(rec arrow.Record) error {
	if rec.NumRows() == 0 {
		return nil
	}
	if err := c.writeHeader(); err != nil {
		return err
	}
	fs := make([]cellFunc, len(c.names))
	for i := range fs {
		fs[i] = textCells(rec.Column(i))
	}
	c.buf = c.buf[:0]
	for r := 0; r < int(rec.NumRows()); r++ {
		for i, f := range fs {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			if s, null := f(r); !null {
				c.buf = appendCSVField(c.buf, s)
			}
		}
		c.buf = append(c.buf, '\n')
	}
	_, err := c.w.Write(c.buf)
	return err
}

// Close prints nothing: a result without rows prints nothing at all, as
// SPEC.md asks of csv and json (and as the MySQL client's batch mode does).
func (c *csvWriter) Close(func(int64) string) error { return nil }

func appendCSVField(b []byte, s string) []byte {
	if s != "" && !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

// jsonWriter writes JSON Lines: one object per row, keys in column order.
type jsonWriter struct {
	w     io.Writer
	names []string
	keys  [][]byte // each name as a JSON string followed by a colon
	buf   []byte
}

func (j *jsonWriter) Write(rec arrow.Record) error {
	if j.keys == nil {
		j.keys = make([][]byte, len(j.names))
		for i, name := range j.names {
			j.keys[i] = append(appendJSONString(nil, name), ':')
		}
	}
	fs := make([]cellFunc, len(j.names))
	for i := range fs {
		fs[i] = jsonCells(rec.Column(i))
	}
	j.buf = j.buf[:0]
	for r := 0; r < int(rec.NumRows()); r++ {
		j.buf = append(j.buf, '{')
		for i, f := range fs {
			if i > 0 {
				j.buf = append(j.buf, ',')
			}
			j.buf = append(j.buf, j.keys[i]...)
			if s, null := f(r); null {
				j.buf = append(j.buf, "null"...)
			} else {
				j.buf = append(j.buf, s...)
			}
		}
		j.buf = append(j.buf, '}', '\n')
	}
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonWriter) Close(func(int64) string) error { return nil }
