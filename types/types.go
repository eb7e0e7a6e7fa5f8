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
	List   // ARRAY<t>: Python function results and their consumers
	Map    // MAP<k, v>
	Struct // ROW<name t, ...>
)

// Type is one SQL type. Precision and Scale apply to DECIMAL (Precision 1..38)
// and Precision to TIMESTAMP (fractional digits 0..6); Length to VARCHAR(n)
// and VARBINARY(n) (0: unbounded, as TEXT and BLOB). Elem is the element
// type of an ARRAY and the value type of a MAP, Key a MAP's key type, and
// Fields a ROW's fields. Nested types make Type incomparable with ==: use
// Equal.
type Type struct {
	Kind      Kind
	Precision int
	Scale     int
	Length    int
	Elem      *Type
	Key       *Type
	Fields    []Field
}

// Field is one named field of a ROW type.
type Field struct {
	Name string
	Type Type
}

// ListType returns ARRAY<elem>.
func ListType(elem Type) Type { return Type{Kind: List, Elem: &elem} }

// MapType returns MAP<key, value>.
func MapType(key, value Type) Type { return Type{Kind: Map, Key: &key, Elem: &value} }

// StructType returns ROW<fields>.
func StructType(fields ...Field) Type { return Type{Kind: Struct, Fields: fields} }

// Equal reports whether t and u are the same type, nested parts included.
func (t Type) Equal(u Type) bool {
	if t.Kind != u.Kind || t.Precision != u.Precision || t.Scale != u.Scale || t.Length != u.Length ||
		len(t.Fields) != len(u.Fields) || (t.Elem == nil) != (u.Elem == nil) || (t.Key == nil) != (u.Key == nil) {
		return false
	}
	if t.Elem != nil && !t.Elem.Equal(*u.Elem) || t.Key != nil && !t.Key.Equal(*u.Key) {
		return false
	}
	for i, f := range t.Fields {
		if f.Name != u.Fields[i].Name || !f.Type.Equal(u.Fields[i].Type) {
			return false
		}
	}
	return true
}

// IsNested reports whether t is an ARRAY, MAP or ROW.
func (t Type) IsNested() bool { return t.Kind == List || t.Kind == Map || t.Kind == Struct }

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
	case List:
		return "ARRAY<" + t.Elem.String() + ">"
	case Map:
		return "MAP<" + t.Key.String() + ", " + t.Elem.String() + ">"
	case Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = quoteIdent(f.Name) + " " + f.Type.String()
		}
		return "ROW<" + strings.Join(parts, ", ") + ">"
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
	case List:
		return arrow.ListOf(t.Elem.Arrow())
	case Map:
		return arrow.MapOf(t.Key.Arrow(), t.Elem.Arrow())
	case Struct:
		fs := make([]arrow.Field, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = arrow.Field{Name: f.Name, Type: f.Type.Arrow(), Nullable: true}
		}
		return arrow.StructOf(fs...)
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
	case arrow.LIST, arrow.LARGE_LIST:
		elem, err := FromArrow(dt.(arrow.ListLikeType).Elem())
		if err != nil {
			return Type{}, err
		}
		return ListType(elem), nil
	case arrow.MAP:
		m := dt.(*arrow.MapType)
		k, err := FromArrow(m.KeyType())
		if err != nil {
			return Type{}, err
		}
		v, err := FromArrow(m.ItemType())
		if err != nil {
			return Type{}, err
		}
		return MapType(k, v), nil
	case arrow.STRUCT:
		st := dt.(*arrow.StructType)
		fs := make([]Field, st.NumFields())
		for i, f := range st.Fields() {
			ft, err := FromArrow(f.Type)
			if err != nil {
				return Type{}, err
			}
			fs[i] = Field{Name: f.Name, Type: ft}
		}
		return StructType(fs...), nil
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
// and Flink spellings (INTEGER, STRING, VARCHAR(n), DATETIME(p), BYTES,
// ARRAY<INT>, MAP<STRING, INT>, ROW<a INT, b STRING>...), case-insensitive.
func Parse(s string) (Type, error) {
	p := &typeParser{src: s}
	t, err := p.parse()
	if err == nil && p.peek() != "" {
		err = fmt.Errorf("unexpected %q", p.peek())
	}
	if err != nil {
		return Type{}, fmt.Errorf("bad type %q: %v", s, err)
	}
	return t, nil
}

// typeParser reads a type string token by token: words, numbers and the
// punctuation ( ) < > ,.
type typeParser struct {
	src string
	pos int
}

func (p *typeParser) peek() string {
	save := p.pos
	tok := p.next()
	p.pos = save
	return tok
}

func (p *typeParser) next() string {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
	if p.pos >= len(p.src) {
		return ""
	}
	start := p.pos
	c := p.src[p.pos]
	switch {
	case strings.ContainsRune("()<>,", rune(c)):
		p.pos++
	case c == '`' || c == '"':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			p.pos = len(p.src)
		} else {
			p.pos += end + 2
		}
	default:
		for p.pos < len(p.src) && !strings.ContainsRune("()<>, \t\n`\"", rune(p.src[p.pos])) {
			p.pos++
		}
	}
	return p.src[start:p.pos]
}

func (p *typeParser) expect(tok string) error {
	if got := p.next(); got != tok {
		if got == "" {
			return fmt.Errorf("expected %q at the end", tok)
		}
		return fmt.Errorf("expected %q, got %q", tok, got)
	}
	return nil
}

// ints reads an optional parenthesised list of integers.
func (p *typeParser) ints() ([]int, error) {
	if p.peek() != "(" {
		return nil, nil
	}
	p.next()
	var out []int
	for {
		var n int
		tok := p.next()
		if _, err := fmt.Sscanf(tok, "%d", &n); err != nil || fmt.Sprint(n) != tok {
			return nil, fmt.Errorf("expected a number, got %q", tok)
		}
		out = append(out, n)
		switch tok := p.next(); tok {
		case ")":
			return out, nil
		case ",":
		default:
			return nil, fmt.Errorf("expected ',' or ')', got %q", tok)
		}
	}
}

func (p *typeParser) parse() (Type, error) {
	name := strings.ToUpper(p.next())
	if name == "" {
		return Type{}, fmt.Errorf("empty type")
	}
	if name == "DOUBLE" && strings.EqualFold(p.peek(), "PRECISION") {
		p.next()
	}
	switch name {
	case "ARRAY":
		if err := p.expect("<"); err != nil {
			return Type{}, err
		}
		elem, err := p.parse()
		if err != nil {
			return Type{}, err
		}
		return ListType(elem), p.expect(">")
	case "MAP":
		if err := p.expect("<"); err != nil {
			return Type{}, err
		}
		k, err := p.parse()
		if err != nil {
			return Type{}, err
		}
		if err := p.expect(","); err != nil {
			return Type{}, err
		}
		v, err := p.parse()
		if err != nil {
			return Type{}, err
		}
		return MapType(k, v), p.expect(">")
	case "ROW":
		if err := p.expect("<"); err != nil {
			return Type{}, err
		}
		var fields []Field
		for {
			fname := p.next()
			if fname == "" || strings.ContainsAny(fname[:1], "()<>,") {
				return Type{}, fmt.Errorf("expected a field name, got %q", fname)
			}
			fname = strings.Trim(fname, "`\"")
			ft, err := p.parse()
			if err != nil {
				return Type{}, err
			}
			fields = append(fields, Field{Name: fname, Type: ft})
			switch tok := p.next(); tok {
			case ">":
				return StructType(fields...), nil
			case ",":
			default:
				return Type{}, fmt.Errorf("expected ',' or '>', got %q", tok)
			}
		}
	}
	args, err := p.ints()
	if err != nil {
		return Type{}, err
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
	case "DOUBLE":
		return Float64Type, nil
	case "DECIMAL", "NUMERIC", "DEC":
		prec, sc := arg(0, 10), arg(1, 0)
		if prec < 1 || prec > 38 || sc < 0 || sc > prec {
			return Type{}, fmt.Errorf("DECIMAL precision must be 1..38 and scale 0..precision")
		}
		return DecimalType(prec, sc), nil
	case "VARCHAR", "CHAR", "TEXT", "STRING", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT":
		return Type{Kind: String, Length: arg(0, 0)}, nil
	case "VARBINARY", "BINARY", "BLOB", "BYTES", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB":
		return Type{Kind: Binary, Length: arg(0, 0)}, nil
	case "DATE":
		return DateType, nil
	case "DATETIME", "TIMESTAMP":
		prec := arg(0, 0)
		if prec < 0 || prec > 6 {
			return Type{}, fmt.Errorf("fractional seconds precision must be 0..6")
		}
		return TimestampType(prec), nil
	case "NULL":
		return NullType, nil
	}
	return Type{}, fmt.Errorf("unknown type %s", name)
}

// quoteIdent writes a ROW field name, quoted when it is not a plain word.
func quoteIdent(name string) string {
	for i, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return "`" + strings.ReplaceAll(name, "`", "``") + "`"
		}
	}
	if name == "" {
		return "``"
	}
	return name
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
