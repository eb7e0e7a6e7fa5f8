package exec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var (
	orders = input{
		cols: cols("oid", types.Int64Type, "cust", types.Int32Type, "qty", types.Int64Type),
		rows: []row{
			{int64(1), int64(10), int64(5)},
			{int64(2), int64(20), int64(1)},
			{int64(3), int64(10), int64(7)},
			{int64(4), nil, int64(2)},
			{int64(5), int64(40), int64(9)},
			{int64(6), int64(10), nil},
		},
	}
	// Keys are BIGINT here and INT in orders: the join still matches.
	customers = input{
		cols: cols("id", types.Int64Type, "cname", types.StringType, "limit", types.Int64Type),
		rows: []row{
			{int64(10), "ann", int64(6)},
			{int64(20), "bob", int64(0)},
			{int64(30), "cat", int64(3)},
			{nil, "nul", int64(100)},
			{int64(10), "ann2", int64(100)},
		},
	}
)

// referenceJoin is the join by its definition, over Go rows: every pair,
// kept when keys are equal and non-NULL and the residual holds, plus the
// padded rows of outer joins.
func referenceJoin(left, right input, typ JoinType, lk, rk []int, residual func(l, r row) bool) []row {
	eq := func(l, r row) bool {
		for i := range lk {
			a, b := l[lk[i]], r[rk[i]]
			if a == nil || b == nil || a != b {
				return false
			}
		}
		return residual == nil || residual(l, r)
	}
	nulls := func(n int) row { return make(row, n) }
	var out []row
	rightMatched := make([]bool, len(right.rows))
	for _, l := range left.rows {
		matched := false
		for j, r := range right.rows {
			if eq(l, r) {
				out = append(out, append(append(row{}, l...), r...))
				matched, rightMatched[j] = true, true
			}
		}
		if !matched && typ == LeftJoin {
			out = append(out, append(append(row{}, l...), nulls(len(right.cols))...))
		}
	}
	if typ == RightJoin {
		for j, r := range right.rows {
			if !rightMatched[j] {
				out = append(out, append(nulls(len(left.cols)), r...))
			}
		}
	}
	return out
}

func TestHashJoin(t *testing.T) {
	// Residual over left+right columns: qty > limit (column 2 and 5).
	residual := call(gtFn, orders.col(2), &expr.Column{Index: 5, Name: "limit", Typ: types.Int64Type})
	residualGo := func(l, r row) bool {
		return l[2] != nil && r[2] != nil && l[2].(int64) > r[2].(int64)
	}
	keyed := func(left, right input) ([]expr.Expr, []expr.Expr) {
		return []expr.Expr{left.col(1)}, []expr.Expr{right.col(0)}
	}
	noCustomers := input{cols: customers.cols}
	noOrders := input{cols: orders.cols}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, typ := range []JoinType{InnerJoin, LeftJoin, RightJoin, CrossJoin} {
			for _, withResidual := range []bool{false, true} {
				for _, sides := range [][2]input{{orders, customers}, {orders, noCustomers}, {noOrders, customers}} {
					left, right := sides[0], sides[1]
					name := fmt.Sprintf("%s residual=%v left=%d right=%d", typ, withResidual, len(left.rows), len(right.rows))
					t.Run(name, func(t *testing.T) {
						var res expr.Expr
						var resGo func(l, r row) bool
						if withResidual {
							res, resGo = residual, residualGo
						}
						lk, rk := keyed(left, right)
						lki, rki := []int{1}, []int{0}
						if typ == CrossJoin {
							lk, rk, lki, rki = nil, nil, nil, nil
						}
						op := NewHashJoin(left.scan(t, "orders", size), right.scan(t, "customers", size), typ, lk, rk, res)
						requireSameRows(t, referenceJoin(left, right, typ, lki, rki, resGo), run(t, op))

						// Without keys: the nested-loop path.
						op = NewHashJoin(left.scan(t, "orders", size), right.scan(t, "customers", size), typ, nil, nil, res)
						requireSameRows(t, referenceJoin(left, right, typ, nil, nil, resGo), run(t, op))
					})
				}
			}
		}
	})
}

func TestHashJoinDuplicatesAcrossBatches(t *testing.T) {
	// Many matches per key: more pairs than one output batch, and chains
	// that resume across calls to Next.
	left := input{cols: cols("k", types.Int64Type, "l", types.Int64Type)}
	right := input{cols: cols("k", types.Int64Type, "r", types.Int64Type)}
	for i := 0; i < 40; i++ {
		left.rows = append(left.rows, row{int64(i % 4), int64(i)})
		right.rows = append(right.rows, row{int64(i % 5), int64(i)})
	}
	withBatchSize(t, 7)
	for _, typ := range []JoinType{InnerJoin, LeftJoin, RightJoin} {
		op := NewHashJoin(left.scan(t, "l", 3), right.scan(t, "r", 3), typ,
			[]expr.Expr{left.col(0)}, []expr.Expr{right.col(0)}, nil)
		got := run(t, op)
		requireSameRows(t, referenceJoin(left, right, typ, []int{0}, []int{0}, nil), got)
	}
}

func TestHashJoinStringAndMultiKeys(t *testing.T) {
	left := input{cols: cols("a", types.StringType, "b", types.DateType), rows: []row{
		{"x", types.DateValue(1)}, {"x", types.DateValue(2)}, {"", types.DateValue(1)}, {nil, types.DateValue(1)}, {"y", nil},
	}}
	right := input{cols: cols("a", types.StringType, "b", types.DateType, "v", types.Int64Type), rows: []row{
		{"x", types.DateValue(1), int64(1)}, {"", types.DateValue(1), int64(2)}, {"y", nil, int64(3)}, {"x", types.DateValue(2), int64(4)},
	}}
	forEachBatchSize(t, func(t *testing.T, size int) {
		op := NewHashJoin(left.scan(t, "l", size), right.scan(t, "r", size), LeftJoin,
			[]expr.Expr{left.col(0), left.col(1)}, []expr.Expr{right.col(0), right.col(1)}, nil)
		requireSameRows(t, referenceJoin(left, right, LeftJoin, []int{0, 1}, []int{0, 1}, nil), run(t, op))
	})
}

func TestHashJoinSchemaAndExplain(t *testing.T) {
	op := NewHashJoin(orders.scan(t, "orders", 3), customers.scan(t, "customers", 3), LeftJoin,
		[]expr.Expr{orders.col(1)}, []expr.Expr{customers.col(0)},
		call(gtFn, orders.col(2), &expr.Column{Index: 5, Name: "limit", Typ: types.Int64Type}))
	require.Equal(t, "HashJoin type=LEFT keys=[cust = id] residual=above(qty, limit)", op.(Explainer).Explain())
	require.Equal(t, []string{"oid", "cust", "qty", "id", "cname", "limit"}, fieldNames(op))
	require.Len(t, op.(Explainer).Children(), 2)
	cross := NewHashJoin(orders.scan(t, "orders", 3), customers.scan(t, "customers", 3), CrossJoin, nil, nil, nil)
	require.Equal(t, "NestedLoopJoin type=CROSS", cross.(Explainer).Explain())
	require.NoError(t, cross.Close())
	require.NoError(t, op.Close())
}

func TestHashJoinErrors(t *testing.T) {
	op := NewHashJoin(orders.scan(t, "orders", 3), customers.scan(t, "customers", 3), InnerJoin,
		[]expr.Expr{failing{}}, []expr.Expr{customers.col(0)}, nil)
	_, err := tryRun(t, op)
	require.ErrorContains(t, err, "failing() always fails")
	op = NewHashJoin(orders.scan(t, "orders", 3), customers.scan(t, "customers", 3), InnerJoin,
		[]expr.Expr{orders.col(1)}, []expr.Expr{customers.col(0)}, failing{})
	_, err = tryRun(t, op)
	require.ErrorContains(t, err, "failing() always fails")
}

func fieldNames(op Operator) []string {
	var names []string
	for _, f := range op.Schema().Fields() {
		names = append(names, f.Name)
	}
	return names
}

// intKeyArray builds an array of dt (an integer type or DATE) from vals,
// nil being NULL.
func intKeyArray(t *testing.T, typ types.Type, vals []types.Value) arrow.Array {
	b := array.NewBuilder(memory.DefaultAllocator, typ.Arrow())
	defer b.Release()
	for _, v := range vals {
		require.NoError(t, expr.AppendValue(b, v))
	}
	return b.NewArray()
}

func TestJoinTableIntPathMatchesBytesPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	value := func(typ types.Type, span int64) types.Value {
		if rng.IntN(8) == 0 {
			return nil
		}
		v := rng.Int64N(2*span) - span
		switch typ.Kind {
		case types.Int32:
			return int64(int32(v))
		case types.Date:
			return types.DateValue(int32(v))
		}
		return v
	}
	for _, tc := range []struct {
		build, probe types.Type
		span         int64
	}{
		{types.Int64Type, types.Int64Type, 50},      // many duplicates
		{types.Int64Type, types.Int64Type, 1 << 40}, // mostly unique
		{types.Int32Type, types.Int64Type, 30},      // widths meet
		{types.DateType, types.DateType, 30},
		{types.Int32Type, types.Int64Type, 1 << 12}, // too wide for the direct table
	} {
		t.Run(fmt.Sprintf("%s=%s/%d", tc.build, tc.probe, tc.span), func(t *testing.T) {
			var bv, pv []types.Value
			for i := 0; i < 3000; i++ {
				bv = append(bv, value(tc.build, tc.span))
				pv = append(pv, value(tc.probe, tc.span))
			}
			if tc.span > 1000 && tc.build.Kind == types.Int64 {
				// Keys at the extremes and keys that collide in the low bits.
				bv = append(bv, int64(math.MinInt64), int64(math.MaxInt64), int64(0), int64(1<<32), int64(2<<32))
				pv = append(pv, int64(math.MaxInt64), int64(1<<32), int64(3<<32), int64(math.MinInt64))
			} else if tc.span < 1000 {
				// Probe keys just outside the direct table's range.
				for _, v := range []int64{tc.span, -tc.span - 1, tc.span + 1} {
					if tc.probe.Kind == types.Date {
						pv = append(pv, types.DateValue(v))
					} else {
						pv = append(pv, v)
					}
				}
			}
			build, probe := intKeyArray(t, tc.build, bv), intKeyArray(t, tc.probe, pv)
			defer build.Release()
			defer probe.Release()
			general, err := newBytesJoinTable([]arrow.Array{build}, build.Len())
			require.NoError(t, err)
			gotGeneral := make([]int32, probe.Len())
			require.NoError(t, general.lookup([]arrow.Array{probe}, probe.Len(), gotGeneral))
			class := intKeyClassOf(build.DataType())
			hashed, err := newIntJoinTable(build, class, build.Len())
			require.NoError(t, err)
			tables := []joinTable{hashed}
			direct, ok, err := newDirectJoinTable(build, class, build.Len())
			require.NoError(t, err)
			require.Equal(t, tc.span < 1000, ok, "direct table for keys in ±%d", tc.span)
			if ok {
				tables = append(tables, direct)
			}
			var gotFast []int32
			for _, fast := range tables {
				require.Equal(t, general.chains(), fast.chains())
				gotFast = make([]int32, probe.Len())
				require.NoError(t, fast.lookup([]arrow.Array{probe}, probe.Len(), gotFast))
				require.Equal(t, gotGeneral, gotFast)
			}
			// And both agree with the definition: the first equal non-NULL key.
			matches := 0
			for i, p := range pv {
				want := int32(-1)
				for j, b := range bv {
					if p != nil && b != nil && fmt.Sprint(p) == fmt.Sprint(b) {
						want = int32(j)
						break
					}
				}
				require.Equal(t, want, gotFast[i], "probe row %d (%v)", i, p)
				if want >= 0 {
					matches++
				}
			}
			require.Positive(t, matches)
		})
	}
}

func TestJoinTablePathChoice(t *testing.T) {
	ints := intKeyArray(t, types.Int64Type, []types.Value{int64(1), nil})
	defer ints.Release()
	dates := intKeyArray(t, types.DateType, []types.Value{types.DateValue(1), nil})
	defer dates.Release()
	for _, tc := range []struct {
		build []arrow.Array
		probe []arrow.DataType
		fast  bool
	}{
		{[]arrow.Array{ints}, []arrow.DataType{arrow.PrimitiveTypes.Int32}, true},
		{[]arrow.Array{dates}, []arrow.DataType{arrow.FixedWidthTypes.Date32}, true},
		{[]arrow.Array{dates}, []arrow.DataType{arrow.PrimitiveTypes.Int64}, false},
		{[]arrow.Array{ints, ints}, []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64}, false},
	} {
		tbl, err := newJoinTable(tc.build, tc.probe, 2)
		require.NoError(t, err)
		_, general := tbl.(*bytesJoinTable)
		require.Equal(t, tc.fast, !general, "%v = %v", tc.build, tc.probe)
	}
}

func TestHashJoinIntKeysRandom(t *testing.T) {
	// Integer keys of two widths, NULLs and duplicates on both sides,
	// through the whole operator.
	rng := rand.New(rand.NewPCG(3, 4))
	left := input{cols: cols("k", types.Int32Type, "l", types.Int64Type)}
	right := input{cols: cols("k", types.Int64Type, "r", types.StringType)}
	key := func() types.Value {
		if rng.IntN(6) == 0 {
			return nil
		}
		return rng.Int64N(40)
	}
	for i := 0; i < 200; i++ {
		left.rows = append(left.rows, row{key(), int64(i)})
		right.rows = append(right.rows, row{key(), fmt.Sprint("r", i)})
	}
	forEachBatchSize(t, func(t *testing.T, size int) {
		for _, typ := range []JoinType{InnerJoin, LeftJoin, RightJoin} {
			op := NewHashJoin(left.scan(t, "l", size), right.scan(t, "r", size), typ,
				[]expr.Expr{left.col(0)}, []expr.Expr{right.col(0)}, nil)
			requireSameRows(t, referenceJoin(left, right, typ, []int{0}, []int{0}, nil), run(t, op))
		}
	})
}

func TestHashJoinUniqueBuildKeys(t *testing.T) {
	// Every build key once (and NULLs): each probe row has at most one
	// candidate. Keys dense enough for the direct table, then spread out.
	rng := rand.New(rand.NewPCG(15, 16))
	for _, stride := range []int64{1, 1 << 40} {
		left := input{cols: cols("k", types.Int64Type, "l", types.Int64Type)}
		right := input{cols: cols("k", types.Int64Type, "r", types.Int64Type)}
		for i := 0; i < 150; i++ {
			var k types.Value = rng.Int64N(200) * stride
			if rng.IntN(10) == 0 {
				k = nil
			}
			left.rows = append(left.rows, row{k, int64(i)})
			var rk types.Value = int64(i) * stride
			if i%17 == 0 {
				rk = nil
			}
			right.rows = append(right.rows, row{rk, int64(i % 7)})
		}
		residual := call(gtFn, left.col(1), &expr.Column{Index: 3, Name: "r", Typ: types.Int64Type})
		residualGo := func(l, r row) bool { return l[1].(int64) > r[1].(int64) }
		forEachBatchSize(t, func(t *testing.T, size int) {
			for _, typ := range []JoinType{InnerJoin, LeftJoin, RightJoin} {
				for _, withResidual := range []bool{false, true} {
					var res expr.Expr
					var resGo func(l, r row) bool
					if withResidual {
						res, resGo = residual, residualGo
					}
					op := NewHashJoin(left.scan(t, "l", size), right.scan(t, "r", size), typ,
						[]expr.Expr{left.col(0)}, []expr.Expr{right.col(0)}, res)
					requireSameRows(t, referenceJoin(left, right, typ, []int{0}, []int{0}, resGo), run(t, op))
				}
			}
		})
	}
}
