package types

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/stretchr/testify/require"
)

func TestParseAndStringRoundTrip(t *testing.T) {
	for _, s := range []string{"BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE",
		"DECIMAL(10,2)", "DECIMAL(38,0)", "TEXT", "VARCHAR(20)", "BLOB", "VARBINARY(8)", "DATE",
		"TIMESTAMP", "TIMESTAMP(3)"} {
		typ, err := Parse(s)
		require.NoError(t, err, s)
		require.Equal(t, s, typ.String())
	}
	for in, want := range map[string]string{"integer": "INT", "string": "TEXT", "bytes": "BLOB",
		"datetime(6)": "TIMESTAMP(6)", "numeric": "DECIMAL(10,0)", " Decimal( 5 , 1 ) ": "DECIMAL(5,1)", "bool": "BOOLEAN"} {
		typ, err := Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, want, typ.String(), in)
	}
}

func TestParseErrorsNameTheType(t *testing.T) {
	for _, s := range []string{"GEOMETRY", "DECIMAL(40,2)", "DECIMAL(5,6)", "TIMESTAMP(7)", "INT(", "DECIMAL(a)"} {
		_, err := Parse(s)
		require.Error(t, err, s)
		require.Contains(t, err.Error(), s)
	}
}

func TestArrowRoundTrip(t *testing.T) {
	for _, typ := range []Type{BoolType, Int8Type, Int16Type, Int32Type, Int64Type, Float32Type, Float64Type,
		DecimalType(12, 3), StringType, BinaryType, DateType, TimestampType(6)} {
		back, err := FromArrow(typ.Arrow())
		require.NoError(t, err)
		require.Equal(t, typ, back)
	}
	_, err := FromArrow(arrow.BinaryTypes.LargeString)
	require.NoError(t, err)
	_, err = FromArrow(arrow.FixedWidthTypes.Duration_s)
	require.Error(t, err)
}

func TestNestedTypes(t *testing.T) {
	for in, want := range map[string]string{
		"ARRAY<INT>":                                "ARRAY<INT>",
		"array< array<string> >":                    "ARRAY<ARRAY<TEXT>>",
		"MAP<STRING, BIGINT>":                       "MAP<TEXT, BIGINT>",
		"ROW<a INT, b STRING>":                      "ROW<a INT, b TEXT>",
		"ROW<`x y` DECIMAL(5, 2), n ARRAY<DOUBLE>>": "ROW<`x y` DECIMAL(5,2), n ARRAY<DOUBLE>>",
		"MAP<STRING, ROW<f0 DATE>>":                 "MAP<TEXT, ROW<f0 DATE>>",
	} {
		typ, err := Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, want, typ.String(), in)
		again, err := Parse(typ.String())
		require.NoError(t, err)
		require.True(t, typ.Equal(again), in)
		back, err := FromArrow(typ.Arrow())
		require.NoError(t, err)
		require.True(t, typ.Equal(back), "%s came back as %s", typ, back)
	}
	require.False(t, ListType(Int32Type).Equal(ListType(Int64Type)))
	require.False(t, StructType(Field{"a", Int32Type}).Equal(StructType(Field{"b", Int32Type})))
	for _, bad := range []string{"ARRAY<INT", "ARRAY<>", "MAP<INT>", "ROW<INT>", "ROW<a>", "ARRAY<INT>>", "ROW<a INT,>"} {
		_, err := Parse(bad)
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), bad)
	}
}

// The SQL type survives a trip through an Arrow schema's metadata, so
// VARCHAR(10) does not come back as TEXT.
func TestColumnMetadataKeepsTheSQLType(t *testing.T) {
	cols := []Column{{Name: "s", Type: Type{Kind: String, Length: 10}, Nullable: true},
		{Name: "ts", Type: TimestampType(3)}}
	schema := Schema(cols)
	for i, f := range schema.Fields() {
		c, err := ColumnOf(f)
		require.NoError(t, err)
		require.Equal(t, cols[i], c)
	}
	bare, err := ColumnOf(arrow.Field{Name: "x", Type: arrow.BinaryTypes.String})
	require.NoError(t, err)
	require.Equal(t, StringType, bare.Type)
}
