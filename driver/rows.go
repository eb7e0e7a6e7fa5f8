package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan"
	"github.com/taipandb/taipan/types"
)

// valueFunc reads row i of one column as a driver.Value.
type valueFunc func(i int) driver.Value

// Rows walks a statement's Arrow records a row at a time, converting
// values to the types database/sql knows: integers to int64, FLOAT and
// DOUBLE to float64, VARCHAR to string, VARBINARY to []byte, BOOLEAN to
// bool, DATE and TIMESTAMP to time.Time in UTC, DECIMAL to its exact text
// (such as "1.50"), NULL to nil.
type Rows struct {
	ctx   context.Context
	rows  *taipan.Rows
	names []string
	cols  []types.Column

	rec  arrow.Record // current record; owned by rows
	conv []valueFunc
	row  int
}

var (
	_ driver.Rows                           = (*Rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*Rows)(nil)
	_ driver.RowsColumnTypeNullable         = (*Rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*Rows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*Rows)(nil)
	_ driver.RowsColumnTypeLength           = (*Rows)(nil)
)

func newRows(ctx context.Context, rows *taipan.Rows) *Rows {
	r := &Rows{ctx: ctx, rows: rows}
	if rows.IsResultSet() && rows.Schema() != nil {
		for _, f := range rows.Schema().Fields() {
			r.names = append(r.names, f.Name)
			col, err := types.ColumnOf(f)
			if err != nil {
				col = types.Column{Name: f.Name, Type: types.Type{Kind: types.Null}, Nullable: true}
			}
			r.cols = append(r.cols, col)
		}
	}
	return r
}

// Columns are the result's column names.
func (r *Rows) Columns() []string { return r.names }

// Close stops the statement.
func (r *Rows) Close() error {
	r.rec, r.conv = nil, nil
	return r.rows.Close()
}

// Next reads the next row into dest.
func (r *Rows) Next(dest []driver.Value) error {
	for r.rec == nil || r.row >= int(r.rec.NumRows()) {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if !r.rows.Next() {
			r.rec = nil
			if err := r.rows.Err(); err != nil {
				return err
			}
			if err := r.ctx.Err(); err != nil {
				return err
			}
			return io.EOF
		}
		r.rec = r.rows.Record()
		r.row = 0
		r.conv = r.conv[:0]
		for c := 0; c < int(r.rec.NumCols()); c++ {
			f, err := valueReader(r.rec.Column(c))
			if err != nil {
				return fmt.Errorf("taipan: column %q: %w", r.names[c], err)
			}
			r.conv = append(r.conv, f)
		}
	}
	for c, f := range r.conv {
		dest[c] = f(r.row)
	}
	r.row++
	return nil
}

// valueReader picks the conversion of one column, once per record.
func valueReader(arr arrow.Array) (valueFunc, error) {
	nullable := func(f valueFunc) valueFunc {
		if arr.NullN() == 0 {
			return f
		}
		return func(i int) driver.Value {
			if arr.IsNull(i) {
				return nil
			}
			return f(i)
		}
	}
	switch a := arr.(type) {
	case *array.Null:
		return func(int) driver.Value { return nil }, nil
	case *array.Boolean:
		return nullable(func(i int) driver.Value { return a.Value(i) }), nil
	case *array.Int8:
		return nullable(func(i int) driver.Value { return int64(a.Value(i)) }), nil
	case *array.Int16:
		return nullable(func(i int) driver.Value { return int64(a.Value(i)) }), nil
	case *array.Int32:
		return nullable(func(i int) driver.Value { return int64(a.Value(i)) }), nil
	case *array.Int64:
		return nullable(func(i int) driver.Value { return a.Value(i) }), nil
	case *array.Float32:
		return nullable(func(i int) driver.Value { return float64(a.Value(i)) }), nil
	case *array.Float64:
		return nullable(func(i int) driver.Value { return a.Value(i) }), nil
	case *array.Decimal128:
		scale := int(a.DataType().(*arrow.Decimal128Type).Scale)
		return nullable(func(i int) driver.Value { return types.FormatDecimal(a.Value(i), scale) }), nil
	case *array.String:
		// Cloned: Value points into the record's buffer, which is freed
		// (by Python, in THREAD mode) when the next record is read.
		return nullable(func(i int) driver.Value { return strings.Clone(a.Value(i)) }), nil
	case *array.LargeString:
		return nullable(func(i int) driver.Value { return strings.Clone(a.Value(i)) }), nil
	case *array.Binary:
		// Copied: the record is released when the next one is read.
		return nullable(func(i int) driver.Value { return append([]byte{}, a.Value(i)...) }), nil
	case *array.LargeBinary:
		return nullable(func(i int) driver.Value { return append([]byte{}, a.Value(i)...) }), nil
	case *array.Date32:
		return nullable(func(i int) driver.Value { return time.Unix(int64(a.Value(i))*86400, 0).UTC() }), nil
	case *array.Timestamp:
		var toTime func(int64) time.Time
		switch a.DataType().(*arrow.TimestampType).Unit {
		case arrow.Second:
			toTime = func(v int64) time.Time { return time.Unix(v, 0) }
		case arrow.Millisecond:
			toTime = time.UnixMilli
		case arrow.Microsecond:
			toTime = time.UnixMicro
		default:
			toTime = func(v int64) time.Time { return time.Unix(0, v) }
		}
		return nullable(func(i int) driver.Value { return toTime(int64(a.Value(i))).UTC() }), nil
	}
	return nil, fmt.Errorf("no database/sql value for Arrow type %s", arr.DataType())
}

// ColumnTypeDatabaseTypeName is the column's SQL type name without its
// arguments (DECIMAL, VARCHAR, TIMESTAMP...).
func (r *Rows) ColumnTypeDatabaseTypeName(i int) string {
	name, _, _ := strings.Cut(r.cols[i].Type.String(), "(")
	return name
}

// ColumnTypeNullable reports whether the column may hold NULL.
func (r *Rows) ColumnTypeNullable(i int) (nullable, ok bool) { return r.cols[i].Nullable, true }

// ColumnTypePrecisionScale is a DECIMAL column's precision and scale.
func (r *Rows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	t := r.cols[i].Type
	if t.Kind != types.Decimal {
		return 0, 0, false
	}
	return int64(t.Precision), int64(t.Scale), true
}

// ColumnTypeLength is the length of VARCHAR(n) and VARBINARY(n) columns
// (math.MaxInt64 for TEXT and BLOB).
func (r *Rows) ColumnTypeLength(i int) (length int64, ok bool) {
	t := r.cols[i].Type
	if t.Kind != types.String && t.Kind != types.Binary {
		return 0, false
	}
	if t.Length > 0 {
		return int64(t.Length), true
	}
	return math.MaxInt64, true
}

// ColumnTypeScanType is the Go type Next stores for the column (the
// sql.Null* type when the column is nullable).
func (r *Rows) ColumnTypeScanType(i int) reflect.Type {
	col := r.cols[i]
	var v, null any
	switch col.Type.Kind {
	case types.Bool:
		v, null = false, sql.NullBool{}
	case types.Int8, types.Int16, types.Int32, types.Int64:
		v, null = int64(0), sql.NullInt64{}
	case types.Float32, types.Float64:
		v, null = float64(0), sql.NullFloat64{}
	case types.Decimal, types.String:
		v, null = "", sql.NullString{}
	case types.Binary:
		v, null = []byte(nil), []byte(nil)
	case types.Date, types.Timestamp:
		v, null = time.Time{}, sql.NullTime{}
	default:
		return reflect.TypeOf((*any)(nil)).Elem()
	}
	if col.Nullable {
		return reflect.TypeOf(null)
	}
	return reflect.TypeOf(v)
}
