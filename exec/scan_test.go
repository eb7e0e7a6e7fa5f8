package exec

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var people = input{
	cols: cols("id", types.Int64Type, "name", types.StringType, "score", types.Int64Type, "born", types.DateType),
	rows: []row{
		{int64(1), "ann", int64(10), types.DateValue(100)},
		{int64(2), "bob", nil, types.DateValue(200)},
		{int64(3), nil, int64(30), nil},
		{int64(4), "dan", int64(10), types.DateValue(50)},
		{int64(5), "eve", int64(-5), types.DateValue(100)},
		{nil, "fay", int64(30), types.DateValue(300)},
		{int64(7), "", int64(0), types.DateValue(0)},
	},
}

var empty = input{cols: people.cols}

func TestTableScan(t *testing.T) {
	forEachBatchSize(t, func(t *testing.T, size int) {
		requireRows(t, people.rows, run(t, people.scan(t, "people", size)))
		requireRows(t, nil, run(t, empty.scan(t, "people", size)))
	})
}

func TestTableScanCutsBatches(t *testing.T) {
	withBatchSize(t, 2)
	scan := people.scan(t, "people", 1024)
	ctx := context.Background()
	require.NoError(t, scan.Open(ctx))
	defer scan.Close()
	var sizes []int64
	for {
		rec, err := scan.Next(ctx)
		if err != nil {
			break
		}
		sizes = append(sizes, rec.NumRows())
	}
	require.Equal(t, []int64{2, 2, 2, 1}, sizes)
}

func TestTableScanSnapshotAtOpen(t *testing.T) {
	tbl := people.table(t, "people", 3)
	scan := NewTableScan(tbl)
	ctx := context.Background()
	require.NoError(t, scan.Open(ctx))
	more := people.batches(t, 1024)
	require.NoError(t, tbl.Append(more))
	releaseRecords(more)
	n := int64(0)
	for {
		rec, err := scan.Next(ctx)
		if err != nil {
			break
		}
		n += rec.NumRows()
	}
	require.NoError(t, scan.Close())
	require.Equal(t, int64(len(people.rows)), n)
}

func TestValues(t *testing.T) {
	schema := types.Schema(cols("a", types.Int64Type, "b", types.StringType))
	rows := [][]expr.Expr{
		{lit(int64(1), types.Int64Type), lit("x", types.StringType)},
		{lit(nil, types.NullType), lit(nil, types.StringType)},
		{call(addFn, lit(int64(2), types.Int64Type), lit(int64(3), types.Int64Type)), lit("z", types.StringType)},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		withBatchSize(t, size)
		requireRows(t, []row{{int64(1), "x"}, {nil, nil}, {int64(5), "z"}}, run(t, NewValues(schema, rows)))
	})
}

func TestValuesWithoutColumns(t *testing.T) {
	op := NewValues(arrow.NewSchema(nil, nil), [][]expr.Expr{{}})
	require.Equal(t, []row{{}}, run(t, op))
	require.Empty(t, run(t, NewValues(arrow.NewSchema(nil, nil), nil)))
}

func TestValuesErrors(t *testing.T) {
	schema := types.Schema(cols("a", types.Int64Type))
	_, err := tryRun(t, NewValues(schema, [][]expr.Expr{{lit(int64(1), types.Int64Type), lit(int64(2), types.Int64Type)}}))
	require.ErrorContains(t, err, "VALUES row 1 has 2 values, expected 1")
	_, err = tryRun(t, NewValues(schema, [][]expr.Expr{{lit(int64(1), types.Int64Type)}, {failing{}}}))
	require.ErrorContains(t, err, `VALUES row 2 column "a": failing() always fails`)
	_, err = tryRun(t, NewValues(schema, [][]expr.Expr{{lit("s", types.StringType)}}))
	require.ErrorContains(t, err, `VALUES row 1 column "a": value of type utf8, expected int64`)
}
