package exec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

func TestSort(t *testing.T) {
	p := people.rows
	cases := []struct {
		name string
		keys []SortKey
		want []row
	}{
		// Ascending, NULLs first (MySQL's default); ties keep input order.
		{"score", []SortKey{{Expr: people.col(2), NullsFirst: true}}, []row{p[1], p[4], p[6], p[0], p[3], p[2], p[5]}},
		{"score nulls last", []SortKey{{Expr: people.col(2)}}, []row{p[4], p[6], p[0], p[3], p[2], p[5], p[1]}},
		{"score desc", []SortKey{{Expr: people.col(2), Desc: true}}, []row{p[2], p[5], p[0], p[3], p[6], p[4], p[1]}},
		{"score desc, id desc", []SortKey{{Expr: people.col(2), Desc: true}, {Expr: people.col(0), Desc: true}},
			[]row{p[2], p[5], p[3], p[0], p[6], p[4], p[1]}},
		{"born, name desc nulls first", []SortKey{{Expr: people.col(3), NullsFirst: true}, {Expr: people.col(1), Desc: true, NullsFirst: true}},
			[]row{p[2], p[6], p[3], p[4], p[0], p[1], p[5]}},
		{"name", []SortKey{{Expr: people.col(1), NullsFirst: true}}, []row{p[2], p[6], p[0], p[1], p[3], p[4], p[5]}},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				requireRows(t, c.want, run(t, NewSort(people.scan(t, "people", size), c.keys)))
			})
		}
		requireRows(t, nil, run(t, NewSort(empty.scan(t, "people", size), cases[0].keys)))
	})
}

func TestSortOutputBatches(t *testing.T) {
	withBatchSize(t, 2)
	keys := []SortKey{{Expr: people.col(0), Desc: true}}
	got := run(t, NewSort(people.scan(t, "people", 1024), keys))
	require.Len(t, got, len(people.rows))
	require.Equal(t, int64(7), got[0][0])
	require.Nil(t, got[6][0])
}

func TestSortTypes(t *testing.T) {
	in := input{
		cols: cols("f", types.Float64Type, "b", types.BoolType, "d", types.DecimalType(10, 2), "ts", types.TimestampType(6), "bin", types.BinaryType),
		rows: []row{
			{2.5, true, nil, types.TimestampValue(5), []byte("b")},
			{-1.0, false, nil, nil, []byte("a")},
			{nil, nil, nil, types.TimestampValue(-5), nil},
		},
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for c, want := range [][]int{{2, 1, 0}, {2, 1, 0}, {0, 1, 2}, {1, 2, 0}, {2, 1, 0}} {
			got := run(t, NewSort(in.scan(t, "t", size), []SortKey{{Expr: in.col(c), NullsFirst: true}}))
			var exp []row
			for _, i := range want {
				exp = append(exp, in.rows[i])
			}
			require.Equal(t, exp, got, "ORDER BY %s", in.cols[c].Name)
		}
	})
}

func TestSortErrors(t *testing.T) {
	_, err := tryRun(t, NewSort(people.scan(t, "people", 3), []SortKey{{Expr: failing{}}}))
	require.ErrorContains(t, err, "failing() always fails")
}

// randomSortInput has one column of every orderable type, with NULLs,
// many ties and the awkward values: NaN, -0, infinities, extremes, empty
// strings and strings holding zero bytes.
func randomSortInput(rng *rand.Rand, n int) input {
	in := input{cols: cols("i8", types.Int8Type, "i32", types.Int32Type, "i64", types.Int64Type,
		"f32", types.Float32Type, "f64", types.Float64Type, "b", types.BoolType, "d", types.DateType,
		"ts", types.TimestampType(6), "dec", types.DecimalType(10, 2), "s", types.StringType, "bin", types.BinaryType)}
	floats := []float64{math.NaN(), math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), -1.5, 2.25, 1e300, -1e300}
	strs := []string{"", "a", "a\x00", "a\x00b", "ab", "b", "\xff", "A"}
	for i := 0; i < n; i++ {
		pick := func(v types.Value) types.Value {
			if rng.IntN(5) == 0 {
				return nil
			}
			return v
		}
		small := rng.Int64N(7) - 3
		big := []int64{math.MinInt64, math.MaxInt64, small, small << 40}[rng.IntN(4)]
		in.rows = append(in.rows, row{
			pick(small),
			pick([]int64{math.MinInt32, math.MaxInt32, small}[rng.IntN(3)]),
			pick(big),
			pick(float64(float32(floats[rng.IntN(len(floats)-2)]))),
			pick(floats[rng.IntN(len(floats))]),
			pick(rng.IntN(2) == 0),
			pick(types.DateValue(small * 1000)),
			pick(types.TimestampValue(big)),
			pick(decimal128.FromI64(small * 12345)),
			pick(strs[rng.IntN(len(strs))]),
			pick([]byte(strs[rng.IntN(len(strs))])),
		})
	}
	return in
}

// randomSortKeys orders by one to three random columns of in, each in a
// random direction and NULL placement.
func randomSortKeys(rng *rand.Rand, in input) []SortKey {
	keys := make([]SortKey, 1+rng.IntN(3))
	for i := range keys {
		keys[i] = SortKey{Expr: in.col(rng.IntN(len(in.cols))), Desc: rng.IntN(2) == 0, NullsFirst: rng.IntN(2) == 0}
	}
	return keys
}

func TestOrderKeysMatchComparator(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	// Below 256 rows a comparison sort runs; above, a radix sort.
	for _, n := range []int{1, 2, 7, 255, 300, 2000, -300} {
		in := randomSortInput(rng, max(n, -n))
		if n < 0 { // the same without NULLs
			n = -n
			in = withoutNulls(in)
		}
		rec := in.batches(t, n)[0]
		for trial := 0; trial < 40; trial++ {
			keys := randomSortKeys(rng, in)
			cols := make([]arrow.Array, len(keys))
			for i, k := range keys {
				cols[i] = rec.Column(k.Expr.(*expr.Column).Index)
			}
			ref, err := newRowOrder(cols, keys)
			require.NoError(t, err)
			want := identity(n)
			slices.SortStableFunc(want, func(a, b int32) int { return ref.compare(int(a), int(b)) })
			o, err := newOrderKeys(cols, keys, false)
			require.NoError(t, err)
			require.Equal(t, want, o.sorted(), "n=%d ORDER BY %s", n, formatSortKeys(keys))
			for k := 0; k+1 < n; k++ {
				a, b := want[k], want[k+1]
				require.Equal(t, ref.compare(int(a), int(b)), o.compareKeys(a, b, 0, len(keys)))
			}
			// Changes between neighbours, over the keys after the first.
			changed := make([]bool, n)
			o.markChanges(want, 1, len(keys), changed)
			for k := 1; k < n; k++ {
				require.Equal(t, o.compareKeys(want[k-1], want[k], 1, len(keys)) != 0, changed[k], "row %d", k)
			}
		}
		rec.Release()
	}
}

// withoutNulls replaces each NULL by the column's first non-NULL value.
func withoutNulls(in input) input {
	out := input{cols: in.cols}
	for _, r := range in.rows {
		out.rows = append(out.rows, append(row{}, r...))
	}
	for c := range in.cols {
		var fill types.Value
		for _, r := range in.rows {
			if r[c] != nil {
				fill = r[c]
				break
			}
		}
		for _, r := range out.rows {
			if r[c] == nil {
				r[c] = fill
			}
		}
	}
	return out
}

// BenchmarkOrderKeysSorted sorts 1M rows by a DOUBLE key with many ties
// and a BIGINT tie-breaker (the shape of ORDER BY v DESC, i).
func BenchmarkOrderKeysSorted(b *testing.B) {
	const n = 1 << 20
	vb, ib := array.NewFloat64Builder(memory.DefaultAllocator), array.NewInt64Builder(memory.DefaultAllocator)
	for i := 0; i < n; i++ {
		vb.Append(float64((i*31)%10007) / 8)
		ib.Append(int64(i))
	}
	v, iv := vb.NewArray(), ib.NewArray()
	defer v.Release()
	defer iv.Release()
	keys := []SortKey{{Expr: lit(nil, types.Float64Type), Desc: true}, {Expr: lit(nil, types.Int64Type)}}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		o, err := newOrderKeys([]arrow.Array{v, iv}, keys, false)
		if err != nil {
			b.Fatal(err)
		}
		o.sorted()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
