package planner

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

func TestColumnType(t *testing.T) {
	stmt := parse(t, `CREATE TABLE x (
		a TINYINT, b BOOLEAN, c SMALLINT, d INT, e INTEGER, f BIGINT, g FLOAT, h DOUBLE,
		i DECIMAL(12,3), j DECIMAL, k VARCHAR(20), l TEXT, m CHAR(3), n VARBINARY(8), o BLOB,
		p DATE, q DATETIME, r DATETIME(6), s TIMESTAMP(3), t INT UNSIGNED, u BIGINT UNSIGNED,
		v MEDIUMINT, w BINARY(4), y TINYINT(1), z REAL, a2 FLOAT(30), b2 CHAR, c2 NUMERIC(4,1), d2 LONGTEXT)`).(*ast.CreateTableStmt)
	want := []types.Type{
		types.Int8Type, types.BoolType, types.Int16Type, types.Int32Type, types.Int32Type, types.Int64Type,
		types.Float32Type, types.Float64Type,
		types.DecimalType(12, 3), types.DecimalType(10, 0),
		{Kind: types.String, Length: 20}, types.StringType, {Kind: types.String, Length: 3},
		{Kind: types.Binary, Length: 8}, types.BinaryType,
		types.DateType, types.TimestampType(0), types.TimestampType(6), types.TimestampType(3),
		types.Int64Type, types.DecimalType(20, 0), types.Int32Type, {Kind: types.Binary, Length: 4},
		types.BoolType, types.Float64Type, types.Float64Type, {Kind: types.String, Length: 1}, types.DecimalType(4, 1),
		types.StringType,
	}
	require.Len(t, stmt.Cols, len(want))
	for i, col := range stmt.Cols {
		got, err := ColumnType(col.Tp)
		require.NoError(t, err, col.Name.Name.O)
		require.Equal(t, want[i], got, "column %s", col.Name.Name.O)
	}
}

func TestColumnTypeUnsupported(t *testing.T) {
	for sql, name := range map[string]string{
		"CREATE TABLE x (a TIME)":           "TIME",
		"CREATE TABLE x (a JSON)":           "JSON",
		"CREATE TABLE x (a YEAR)":           "YEAR",
		"CREATE TABLE x (a ENUM('p', 'q'))": "ENUM",
		"CREATE TABLE x (a BIT(3))":         "BIT",
		"CREATE TABLE x (a DECIMAL(65,2))":  "DECIMAL(65,2)",
		"CREATE TABLE x (a DATETIME(7))":    "DATETIME(7)",
	} {
		stmt := parse(t, sql).(*ast.CreateTableStmt)
		_, err := ColumnType(stmt.Cols[0].Tp)
		require.Error(t, err, sql)
		require.Contains(t, err.Error(), name, sql)
	}
}

// TestLiteralTypes checks the types of literals and of casts through the
// plan's columns.
func TestLiteralTypes(t *testing.T) {
	cat := catalog.New()
	cases := []struct {
		sql  string
		want types.Type
	}{
		{"SELECT 1", types.Int64Type},
		{"SELECT -7", types.Int64Type},
		{"SELECT 18446744073709551615", types.DecimalType(20, 0)},
		{"SELECT 1.5", types.DecimalType(2, 1)},
		{"SELECT 0.05", types.DecimalType(2, 2)},
		{"SELECT 123.450", types.DecimalType(6, 3)},
		{"SELECT 1e3", types.Float64Type},
		{"SELECT 'abc'", types.StringType},
		{"SELECT x'4142'", types.BinaryType},
		{"SELECT NULL", types.NullType},
		{"SELECT TRUE", types.BoolType},
		{"SELECT DATE '2024-01-01'", types.DateType},
		{"SELECT TIMESTAMP '2024-01-01 10:00:00'", types.TimestampType(0)},
		{"SELECT TIMESTAMP '2024-01-01 10:00:00.123'", types.TimestampType(3)},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			stmt := parse(t, c.sql).(*ast.SelectStmt)
			b := &builder{cat: cat}
			n, err := b.planResultSet(stmt, nil)
			require.NoError(t, err)
			require.Equal(t, c.want, n.columns()[0].Type)
		})
	}
}

func TestLiteralValues(t *testing.T) {
	v, typ, err := decimalLiteral("-123.4500")
	require.NoError(t, err)
	require.Equal(t, types.DecimalType(7, 4), typ)
	require.Equal(t, "-123.4500", (&constant{Value: v, Typ: typ}).String())

	v, typ, err = timestampLiteral("2024-03-04 05:06:07.25")
	require.NoError(t, err)
	require.Equal(t, types.TimestampType(2), typ)
	require.Equal(t, "'2024-03-04 05:06:07.250000'", (&constant{Value: v, Typ: typ}).String())

	v, typ, err = dateLiteral("1969-12-31")
	require.NoError(t, err)
	require.Equal(t, types.DateValue(-1), v)
	require.Equal(t, types.DateType, typ)
}

func TestUnifyTypes(t *testing.T) {
	cases := []struct{ a, b, want types.Type }{
		{types.Int32Type, types.Int64Type, types.Int64Type},
		{types.NullType, types.DateType, types.DateType},
		{types.Int64Type, types.Float32Type, types.Float64Type},
		{types.Int32Type, types.DecimalType(5, 2), types.DecimalType(12, 2)},
		{types.DecimalType(5, 2), types.DecimalType(10, 0), types.DecimalType(12, 2)},
		{types.DateType, types.TimestampType(3), types.TimestampType(3)},
		{types.Type{Kind: types.String, Length: 3}, types.Type{Kind: types.String, Length: 9}, types.Type{Kind: types.String, Length: 9}},
		{types.Type{Kind: types.String, Length: 3}, types.StringType, types.StringType},
		{types.Int64Type, types.StringType, types.StringType},
		{types.BoolType, types.Int8Type, types.Int8Type},
	}
	for _, c := range cases {
		require.Equal(t, c.want, unifyTypes(c.a, c.b), "%s, %s", c.a, c.b)
		require.Equal(t, c.want, unifyTypes(c.b, c.a), "%s, %s", c.b, c.a)
	}
}
