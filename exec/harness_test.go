package exec

import (
	"context"
	"fmt"
	"io"
	"sort"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// Every operator test runs over input cut into batches of these sizes.
var testBatchSizes = []int{1, 3, 1024}

type row = []types.Value

// input is test data: columns and rows of Go values (nil is NULL).
type input struct {
	cols []types.Column
	rows []row
}

func cols(spec ...any) []types.Column {
	out := make([]types.Column, 0, len(spec)/2)
	for i := 0; i < len(spec); i += 2 {
		out = append(out, types.Column{Name: spec[i].(string), Type: spec[i+1].(types.Type), Nullable: true})
	}
	return out
}

// batches cuts the rows into records of at most size rows.
func (in input) batches(t testing.TB, size int) []arrow.Record {
	schema := types.Schema(in.cols)
	var out []arrow.Record
	for start := 0; start < len(in.rows); start += size {
		end := min(start+size, len(in.rows))
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for _, r := range in.rows[start:end] {
			require.Len(t, r, len(in.cols))
			for c, v := range r {
				require.NoError(t, expr.AppendValue(b.Field(c), v))
			}
		}
		out = append(out, b.NewRecord())
		b.Release()
	}
	return out
}

// table stores the input in a catalog table, in batches of size rows.
func (in input) table(t testing.TB, name string, size int) *catalog.Table {
	cat := catalog.New()
	tbl, _, err := cat.CreateTable(name, in.cols, false)
	require.NoError(t, err)
	bs := in.batches(t, size)
	require.NoError(t, tbl.Append(bs))
	releaseRecords(bs)
	return tbl
}

func (in input) scan(t testing.TB, name string, size int) Operator {
	return NewTableScan(in.table(t, name, size))
}

// col refers to column i of the input.
func (in input) col(i int) *expr.Column {
	return &expr.Column{Index: i, Name: in.cols[i].Name, Typ: in.cols[i].Type}
}

func lit(v types.Value, t types.Type) *expr.Literal { return &expr.Literal{Value: v, Typ: t} }

// forEachBatchSize runs f once per input batch size.
func forEachBatchSize(t *testing.T, f func(t *testing.T, size int)) {
	for _, size := range testBatchSizes {
		t.Run(fmt.Sprintf("batch=%d", size), func(t *testing.T) { f(t, size) })
	}
}

// run opens op with a checked allocator, reads all its rows, closes it
// and checks that nothing it allocated is left.
func run(t testing.TB, op Operator) []row {
	t.Helper()
	rows, err := tryRun(t, op)
	require.NoError(t, err)
	return rows
}

func tryRun(t testing.TB, op Operator) ([]row, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := WithAllocator(context.Background(), mem)
	defer func() { require.NoError(t, op.Close()) }()
	if err := op.Open(ctx); err != nil {
		return nil, err
	}
	var rows []row
	for {
		rec, err := op.Next(ctx)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		require.True(t, op.Schema().Equal(rec.Schema()), "batch schema %s, operator schema %s", rec.Schema(), op.Schema())
		require.LessOrEqual(t, rec.NumRows(), int64(batchSize()))
		for i := 0; i < int(rec.NumRows()); i++ {
			r := make(row, rec.NumCols())
			for c := range r {
				r[c] = expr.ValueAt(rec.Column(c), i)
			}
			rows = append(rows, r)
		}
	}
}

func rowKey(r row) string { return fmt.Sprintf("%#v", r) }

// requireSameRows compares row multisets, ignoring order.
func requireSameRows(t testing.TB, want, got []row) {
	t.Helper()
	w, g := make([]string, len(want)), make([]string, len(got))
	for i, r := range want {
		w[i] = rowKey(r)
	}
	for i, r := range got {
		g[i] = rowKey(r)
	}
	sort.Strings(w)
	sort.Strings(g)
	require.Equal(t, w, g)
}

// requireRows compares rows in order.
func requireRows(t testing.TB, want, got []row) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	require.Equal(t, want, got)
}

// withBatchSize sets BatchSize for one test.
func withBatchSize(t *testing.T, n int) {
	old := BatchSize
	BatchSize = n
	t.Cleanup(func() { BatchSize = old })
}

// countingOperator counts the batches its child gives out.
type countingOperator struct {
	Operator
	batches int
}

func (c *countingOperator) Next(ctx context.Context) (arrow.Record, error) {
	rec, err := c.Operator.Next(ctx)
	if err == nil {
		c.batches++
	}
	return rec, err
}
