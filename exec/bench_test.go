package exec

import (
	"context"
	"io"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

const benchRows = 1 << 20

// benchTable holds rows (k, v) with k = i % groups, in 4096-row batches.
func benchTable(b *testing.B, groups int) *catalog.Table {
	cat := catalog.New()
	tbl, _, err := cat.CreateTable("t", cols("k", types.Int64Type, "v", types.Int64Type), false)
	if err != nil {
		b.Fatal(err)
	}
	var batches []arrow.Record
	for start := 0; start < benchRows; start += 4096 {
		kb, vb := array.NewInt64Builder(memory.DefaultAllocator), array.NewInt64Builder(memory.DefaultAllocator)
		for i := start; i < start+4096; i++ {
			kb.Append(int64(i % groups))
			vb.Append(int64(i))
		}
		k, v := kb.NewArray(), vb.NewArray()
		batches = append(batches, array.NewRecord(tbl.Schema(), []arrow.Array{k, v}, 4096))
		k.Release()
		v.Release()
		kb.Release()
		vb.Release()
	}
	if err := tbl.Append(batches); err != nil {
		b.Fatal(err)
	}
	releaseRecords(batches)
	return tbl
}

func drainAll(b *testing.B, op Operator) int64 {
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer op.Close()
	n := int64(0)
	for {
		rec, err := op.Next(ctx)
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n += rec.NumRows()
	}
}

func BenchmarkHashAggregate(b *testing.B) {
	tbl := benchTable(b, 1000)
	k := &expr.Column{Index: 0, Name: "k", Typ: types.Int64Type}
	v := &expr.Column{Index: 1, Name: "v", Typ: types.Int64Type}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op := NewHashAggregate(NewTableScan(tbl), []expr.Expr{k}, []string{"k"},
			[]AggregateCall{{Fn: countAgg{}, Name: "n"}, {Fn: sumAgg{}, Args: []expr.Expr{v}, Name: "s"}})
		if n := drainAll(b, op); n != 1000 {
			b.Fatalf("%d groups", n)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkHashJoin(b *testing.B) {
	build := benchTable(b, benchRows) // unique keys
	probe := benchTable(b, benchRows/2)
	k := &expr.Column{Index: 0, Name: "k", Typ: types.Int64Type}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op := NewHashJoin(NewTableScan(probe), NewTableScan(build), InnerJoin, []expr.Expr{k}, []expr.Expr{k}, nil)
		if n := drainAll(b, op); n != benchRows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "probe-rows/s")
}
