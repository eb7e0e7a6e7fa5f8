// Package types is Taipan's SQL type system: the SQL types users declare,
// their Arrow physical types, and the Go values that stand for one SQL value
// where a row at a time is needed (literals, casts, printing).
//
// It is a leaf package: it imports Arrow and nothing else of Taipan.
package types

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
)

// Kind is the family of a SQL type.
type Kind int

// The kinds, in order of numeric widening where that applies.
const (
	Null Kind = iota // the type of a bare NULL literal
	Bool
	Int8
	Int16
	Int32
	Int64
	Float32
	Float64
	Decimal
	String
	Binary
	Date
	Timestamp
)

// Type is one SQL type. Precision and Scale apply to DECIMAL (Precision 1..38)
// and Precision to TIMESTAMP (fractional digits 0..6); Length to VARCHAR(n)
// and VARBINARY(n) (0: unbounded, as TEXT and BLOB).
type Type struct {
	Kind      Kind
	Precision int
	Scale     int
	Length    int
}

// Common types.
var (
	NullType    = Type{Kind: Null}
	BoolType    = Type{Kind: Bool}
	Int8Type    = Type{Kind: Int8}
	Int16Type   = Type{Kind: Int16}
	Int32Type   = Type{Kind: Int32}
	Int64Type   = Type{Kind: Int64}
	Float32Type = Type{Kind: Float32}
	Float64Type = Type{Kind: Float64}
	StringType  = Type{Kind: String}
	BinaryType  = Type{Kind: Binary}
	DateType    = Type{Kind: Date}
)

// DecimalType returns DECIMAL(p,s).
func DecimalType(p, s int) Type { return Type{Kind: Decimal, Precision: p, Scale: s} }

// TimestampType returns TIMESTAMP(p).
func TimestampType(p int) Type { return Type{Kind: Timestamp, Precision: p} }

// IsInteger reports whether t is one of the integer types.
func (t Type) IsInteger() bool { return t.Kind >= Int8 && t.Kind <= Int64 }

// IsFloat reports whether t is FLOAT or DOUBLE.
func (t Type) IsFloat() bool { return t.Kind == Float32 || t.Kind == Float64 }

// IsNumeric reports whether t is an integer, floating or decimal type.
func (t Type) IsNumeric() bool { return t.IsInteger() || t.IsFloat() || t.Kind == Decimal }

// String returns the SQL spelling of t, as DESCRIBE shows it.
func (t Type) String() string {
	switch t.Kind {
	case Null:
		return "NULL"
	case Bool:
		return "BOOLEAN"
	case Int8:
		return "TINYINT"
	case Int16:
		return "SMALLINT"
	case Int32:
		return "INT"
	case Int64:
		return "BIGINT"
	case Float32:
		return "FLOAT"
	case Float64:
		return "DOUBLE"
	case Decimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case String:
		if t.Length > 0 {
			return fmt.Sprintf("VARCHAR(%d)", t.Length)
		}
		return "TEXT"
	case Binary:
		if t.Length > 0 {
			return fmt.Sprintf("VARBINARY(%d)", t.Length)
		}
		return "BLOB"
	case Date:
		return "DATE"
	case Timestamp:
		if t.Precision > 0 {
			return fmt.Sprintf("TIMESTAMP(%d)", t.Precision)
		}
		return "TIMESTAMP"
	}
	return fmt.Sprintf("Kind(%d)", int(t.Kind))
}

// Arrow returns the Arrow type that holds values of t. Every TIMESTAMP is
// stored as microseconds without a time zone; DATE as days (date32).
func (t Type) Arrow() arrow.DataType {
	switch t.Kind {
	case Null:
		return arrow.Null
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Int8:
		return arrow.PrimitiveTypes.Int8
	case Int16:
		return arrow.PrimitiveTypes.Int16
	case Int32:
		return arrow.PrimitiveTypes.Int32
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Float32:
		return arrow.PrimitiveTypes.Float32
	case Float64:
		return arrow.PrimitiveTypes.Float64
	case Decimal:
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}
	case String:
		return arrow.BinaryTypes.String
	case Binary:
		return arrow.BinaryTypes.Binary
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	panic(fmt.Sprintf("types: no Arrow type for %v", t))
}

// FromArrow returns the SQL type of an Arrow type, for the types Arrow()
// produces and their near relatives (other timestamp units, large strings).
func FromArrow(dt arrow.DataType) (Type, error) {
	switch dt.ID() {
	case arrow.NULL:
		return NullType, nil
	case arrow.BOOL:
		return BoolType, nil
	case arrow.INT8:
		return Int8Type, nil
	case arrow.INT16:
		return Int16Type, nil
	case arrow.INT32:
		return Int32Type, nil
	case arrow.INT64:
		return Int64Type, nil
	case arrow.FLOAT32:
		return Float32Type, nil
	case arrow.FLOAT64:
		return Float64Type, nil
	case arrow.DECIMAL128:
		d := dt.(*arrow.Decimal128Type)
		return DecimalType(int(d.Precision), int(d.Scale)), nil
	case arrow.STRING, arrow.LARGE_STRING:
		return StringType, nil
	case arrow.BINARY, arrow.LARGE_BINARY:
		return BinaryType, nil
	case arrow.DATE32:
		return DateType, nil
	case arrow.TIMESTAMP:
		ts := dt.(*arrow.TimestampType)
		p := 6
		switch ts.Unit {
		case arrow.Second:
			p = 0
		case arrow.Millisecond:
			p = 3
		}
		return TimestampType(p), nil
	}
	return Type{}, fmt.Errorf("unsupported Arrow type %s", dt)
}

// Column is a named, typed column of a table or a result.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
}

// Metadata key under which a field's SQL type travels in an Arrow schema,
// so that VARCHAR(10) or DATETIME(3) survive the trip through Arrow.
const SQLTypeKey = "taipan.sql_type"

// Field returns the Arrow field for c, carrying its SQL type as metadata.
func (c Column) Field() arrow.Field {
	return arrow.Field{
		Name:     c.Name,
		Type:     c.Type.Arrow(),
		Nullable: c.Nullable,
		Metadata: arrow.NewMetadata([]string{SQLTypeKey}, []string{c.Type.String()}),
	}
}

// Schema returns the Arrow schema of columns.
func Schema(cols []Column) *arrow.Schema {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = c.Field()
	}
	return arrow.NewSchema(fs, nil)
}

// ColumnOf returns the Column of an Arrow field, reading the SQL type from
// the field's metadata when present.
func ColumnOf(f arrow.Field) (Column, error) {
	if i := f.Metadata.FindKey(SQLTypeKey); i >= 0 {
		if t, err := Parse(f.Metadata.Values()[i]); err == nil {
			return Column{Name: f.Name, Type: t, Nullable: f.Nullable}, nil
		}
	}
	t, err := FromArrow(f.Type)
	if err != nil {
		return Column{}, fmt.Errorf("column %q: %w", f.Name, err)
	}
	return Column{Name: f.Name, Type: t, Nullable: f.Nullable}, nil
}

// Parse reads a type written the way String writes it, and the common SQL
// and Flink spellings (INTEGER, STRING, VARCHAR(n), DATETIME(p), BYTES...).
func Parse(s string) (Type, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	args := []int{}
	if i := strings.IndexByte(name, '('); i >= 0 {
		if !strings.HasSuffix(name, ")") {
			return Type{}, fmt.Errorf("bad type %q", s)
		}
		for _, a := range strings.Split(name[i+1:len(name)-1], ",") {
			var n int
			if _, err := fmt.Sscanf(strings.TrimSpace(a), "%d", &n); err != nil {
				return Type{}, fmt.Errorf("bad type %q", s)
			}
			args = append(args, n)
		}
		name = strings.TrimSpace(name[:i])
	}
	arg := func(i, def int) int {
		if i < len(args) {
			return args[i]
		}
		return def
	}
	switch name {
	case "BOOLEAN", "BOOL":
		return BoolType, nil
	case "TINYINT":
		return Int8Type, nil
	case "SMALLINT":
		return Int16Type, nil
	case "INT", "INTEGER", "MEDIUMINT":
		return Int32Type, nil
	case "BIGINT":
		return Int64Type, nil
	case "FLOAT", "REAL":
		return Float32Type, nil
	case "DOUBLE", "DOUBLE PRECISION":
		return Float64Type, nil
	case "DECIMAL", "NUMERIC", "DEC":
		p, sc := arg(0, 10), arg(1, 0)
		if p < 1 || p > 38 || sc < 0 || sc > p {
			return Type{}, fmt.Errorf("bad type %q: DECIMAL precision must be 1..38 and scale 0..precision", s)
		}
		return DecimalType(p, sc), nil
	case "VARCHAR", "CHAR", "TEXT", "STRING", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT":
		return Type{Kind: String, Length: arg(0, 0)}, nil
	case "VARBINARY", "BINARY", "BLOB", "BYTES", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB":
		return Type{Kind: Binary, Length: arg(0, 0)}, nil
	case "DATE":
		return DateType, nil
	case "DATETIME", "TIMESTAMP":
		p := arg(0, 0)
		if p < 0 || p > 6 {
			return Type{}, fmt.Errorf("bad type %q: fractional seconds precision must be 0..6", s)
		}
		return TimestampType(p), nil
	case "NULL":
		return NullType, nil
	}
	return Type{}, fmt.Errorf("unknown type %q", s)
}

// DateValue is a DATE value: days since 1970-01-01.
type DateValue int32

// TimestampValue is a TIMESTAMP value: microseconds since 1970-01-01 00:00:00.
type TimestampValue int64

// Value is one SQL value in Go, used where values go one at a time
// (literals, the fallback paths of kernels, printing). By kind:
//
//	Null        nil (any kind may be nil: SQL NULL)
//	Bool        bool
//	Int8..Int64 int64
//	Float32/64  float64
//	Decimal     decimal128.Num, scaled by the type's Scale
//	String      string
//	Binary      []byte
//	Date        DateValue
//	Timestamp   TimestampValue
type Value = any

var _ = decimal128.Num{}
