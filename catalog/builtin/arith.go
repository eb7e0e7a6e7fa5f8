package builtin

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// validity is the null bitmap of a result under construction: the rows
// valid in every input, minus those a kernel turns into NULL (division
// by zero).
type validity struct {
	mem memory.Allocator
	n   int
	bm  *expr.Bitmap
}

func newValidity(mem memory.Allocator, n int, args ...arrow.Array) *validity {
	return &validity{mem: mem, n: n, bm: expr.AndValidity(mem, n, args...)}
}

func (v *validity) valid(i int) bool { return v.bm == nil || bitutil.BitIsSet(v.bm.Bits, i) }

func (v *validity) clear(i int) {
	if v.bm == nil {
		v.bm = expr.NewBitmap(v.mem, v.n, true)
	}
	bitutil.ClearBit(v.bm.Bits, i)
}

func (v *validity) release() {
	if v.bm != nil {
		v.bm.Release()
	}
}

// finish builds col with this validity.
func finish[T expr.Fixed](col *expr.FixedColumn[T], v *validity) arrow.Array {
	return col.Finish(expr.FinishValidity(v.bm))
}

// fail releases what a kernel built before returning err.
func fail[T expr.Fixed](col *expr.FixedColumn[T], v *validity, err error) (arrow.Array, error) {
	col.Finish(nil, 0).Release()
	v.release()
	return nil, err
}

func outOfRange(t types.Type) error { return &expr.OutOfRangeError{Type: t} }

func bindArith(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	params, result, err := arithmetic(name, args[0], args[1])
	if err != nil {
		return nil, err
	}
	var k kernel
	switch params[0].Kind {
	case types.Int64:
		k = intArith(name)
	case types.Float64:
		k = floatArith(name, result)
	default:
		k = decimalArith(name, params[0], params[1], result)
	}
	return newBound(name, args, params[:], result, k), nil
}

// Overflow of a+b, a-b and a*b is detected without branches; only when a
// batch may have overflowed are its rows checked one by one against the
// null bitmap (null slots hold arbitrary values).

func addInt64(a, b, r []int64) bool {
	a, b = a[:len(r)], b[:len(r)]
	var o int64
	for i := range r {
		s := a[i] + b[i]
		r[i] = s
		o |= (a[i] ^ s) & (b[i] ^ s)
	}
	return o < 0
}

func subInt64(a, b, r []int64) bool {
	a, b = a[:len(r)], b[:len(r)]
	var o int64
	for i := range r {
		s := a[i] - b[i]
		r[i] = s
		o |= (a[i] ^ b[i]) & (a[i] ^ s)
	}
	return o < 0
}

func mulOverflows(x, y int64) bool {
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	h := int64(hi)
	if x < 0 {
		h -= y
	}
	if y < 0 {
		h -= x
	}
	return h != int64(lo)>>63
}

func mulInt64(a, b, r []int64) bool {
	a, b = a[:len(r)], b[:len(r)]
	o := false
	for i := range r {
		r[i] = a[i] * b[i]
		o = o || mulOverflows(a[i], b[i])
	}
	return o
}

func intArith(op string) kernel {
	return func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
		a, b := expr.Values[int64](args[0]), expr.Values[int64](args[1])
		v := newValidity(mem, n, args[0], args[1])
		col := expr.NewFixedColumn[int64](mem, arrow.PrimitiveTypes.Int64, n)
		r := col.Values
		var maybe bool
		var overflows func(i int) bool
		switch op {
		case "plus":
			maybe = addInt64(a, b, r)
			overflows = func(i int) bool { return (a[i]^r[i])&(b[i]^r[i]) < 0 }
		case "minus":
			maybe = subInt64(a, b, r)
			overflows = func(i int) bool { return (a[i]^b[i])&(a[i]^r[i]) < 0 }
		case "mul":
			maybe = mulInt64(a, b, r)
			overflows = func(i int) bool { return mulOverflows(a[i], b[i]) }
		case "intdiv", "mod":
			for i := range r {
				d := b[i]
				if d == 0 {
					r[i] = 0
					if v.valid(i) {
						v.clear(i)
					}
					continue
				}
				if op == "mod" {
					r[i] = a[i] % d
				} else {
					if d == -1 && a[i] == math.MinInt64 && v.valid(i) {
						return fail(col, v, outOfRange(types.Int64Type))
					}
					r[i] = a[i] / d
				}
			}
		}
		if maybe {
			for i := range r {
				if overflows(i) && v.valid(i) {
					return fail(col, v, outOfRange(types.Int64Type))
				}
			}
		}
		return finish(col, v), nil
	}
}

func floatArith(op string, result types.Type) kernel {
	return func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
		a, b := expr.Values[float64](args[0]), expr.Values[float64](args[1])
		a, b = a[:n], b[:n]
		v := newValidity(mem, n, args[0], args[1])
		if op == "intdiv" {
			col := expr.NewFixedColumn[int64](mem, arrow.PrimitiveTypes.Int64, n)
			for i := range col.Values {
				if b[i] == 0 {
					v.clear(i)
					continue
				}
				q := math.Trunc(a[i] / b[i])
				if !(q >= -9.223372036854775808e18 && q < 9.223372036854775808e18) {
					if v.valid(i) {
						return fail(col, v, outOfRange(types.Int64Type))
					}
					q = 0
				}
				col.Values[i] = int64(q)
			}
			return finish(col, v), nil
		}
		col := expr.NewFixedColumn[float64](mem, arrow.PrimitiveTypes.Float64, n)
		r := col.Values
		switch op {
		case "plus":
			for i := range r {
				r[i] = a[i] + b[i]
			}
		case "minus":
			for i := range r {
				r[i] = a[i] - b[i]
			}
		case "mul":
			for i := range r {
				r[i] = a[i] * b[i]
			}
		case "div", "mod":
			for i := range r {
				if b[i] == 0 {
					r[i] = 0
					if v.valid(i) {
						v.clear(i)
					}
					continue
				}
				if op == "div" {
					r[i] = a[i] / b[i]
				} else {
					r[i] = math.Mod(a[i], b[i])
				}
			}
		}
		for i, x := range r {
			if math.IsInf(x, 0) && !math.IsInf(a[i], 0) && !math.IsInf(b[i], 0) && v.valid(i) {
				return fail(col, v, outOfRange(types.Float64Type))
			}
		}
		return finish(col, v), nil
	}
}

// quoRem divides two decimals of the same scale: the quotient truncated
// toward zero (an integer) and the remainder (at that scale).
func quoRem(a, b decimal128.Num) (q, r decimal128.Num) {
	if fitsInt64(a) && fitsInt64(b) {
		x, y := int64(a.LowBits()), int64(b.LowBits())
		if !(x == math.MinInt64 && y == -1) {
			return decimal128.FromI64(x / y), decimal128.FromI64(x % y)
		}
	}
	// |q| <= |a| < 10^38: it always fits.
	qb, rb := new(big.Int).QuoRem(a.BigInt(), b.BigInt(), new(big.Int))
	return decimal128.FromBigInt(qb), decimal128.FromBigInt(rb)
}

func fitsInt64(n decimal128.Num) bool {
	lo := n.LowBits()
	return (n.HighBits() == 0 && lo < 1<<63) || (n.HighBits() == -1 && lo >= 1<<63)
}

func decimalArith(op string, pa, pb, result types.Type) kernel {
	return func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
		a, b := expr.Values[decimal128.Num](args[0]), expr.Values[decimal128.Num](args[1])
		a, b = a[:n], b[:n]
		v := newValidity(mem, n, args[0], args[1])
		if op == "intdiv" {
			col := expr.NewFixedColumn[int64](mem, arrow.PrimitiveTypes.Int64, n)
			for i := range col.Values {
				if !v.valid(i) {
					continue
				}
				if b[i].Sign() == 0 {
					v.clear(i)
					continue
				}
				q, _ := quoRem(a[i], b[i])
				if !fitsInt64(q) {
					return fail(col, v, outOfRange(types.Int64Type))
				}
				col.Values[i] = int64(q.LowBits())
			}
			return finish(col, v), nil
		}
		col := expr.NewFixedColumn[decimal128.Num](mem, result.Arrow(), n)
		r := col.Values
		for i := range r {
			if !v.valid(i) {
				continue
			}
			var x decimal128.Num
			ok := true
			switch op {
			case "plus":
				x, ok = expr.DecimalAdd(a[i], b[i])
			case "minus":
				x, ok = expr.DecimalSub(a[i], b[i])
			case "mul":
				x, ok = expr.DecimalMul(a[i], b[i])
				if drop := pa.Scale + pb.Scale - result.Scale; ok && drop > 0 {
					x = expr.DecimalDivPow10(x, drop, true)
				}
			case "div":
				if b[i].Sign() == 0 {
					v.clear(i)
					continue
				}
				x, ok = expr.DecimalDiv(a[i], pa.Scale, b[i], pb.Scale, result.Scale)
			case "mod":
				if b[i].Sign() == 0 {
					v.clear(i)
					continue
				}
				_, x = quoRem(a[i], b[i])
			}
			if !ok || !expr.DecimalFits(x, result.Precision) {
				return fail(col, v, outOfRange(result))
			}
			r[i] = x
		}
		return finish(col, v), nil
	}
}

func bindUnaryMinus(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t, err := asNumber(name, args, args[0])
	if err != nil {
		return nil, err
	}
	if t.IsInteger() {
		t = types.Int64Type
	}
	if t.Kind == types.Float32 {
		t = types.Float64Type
	}
	return newBound(name, args, []types.Type{t}, t, negate(t)), nil
}

// negate is the kernel of unary minus; abs reuses it on negative rows.
func negate(t types.Type) kernel {
	return mapNumeric(t, t,
		func(x int64) (int64, bool) { return -x, x != math.MinInt64 },
		func(x float64) float64 { return -x },
		func(x decimal128.Num) decimal128.Num { return x.Negate() })
}

// mapNumeric applies a per-type function over an INT64, DOUBLE or DECIMAL
// column; the integer function reports overflow.
func mapNumeric(t, result types.Type, fi func(int64) (int64, bool), ff func(float64) float64, fd func(decimal128.Num) decimal128.Num) kernel {
	return func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
		v := newValidity(mem, n, args[0])
		switch t.Kind {
		case types.Int64:
			a := expr.Values[int64](args[0])
			col := expr.NewFixedColumn[int64](mem, arrow.PrimitiveTypes.Int64, n)
			for i := range col.Values {
				x, ok := fi(a[i])
				if !ok && v.valid(i) {
					return fail(col, v, outOfRange(result))
				}
				col.Values[i] = x
			}
			return finish(col, v), nil
		case types.Float64:
			a := expr.Values[float64](args[0])
			col := expr.NewFixedColumn[float64](mem, arrow.PrimitiveTypes.Float64, n)
			for i := range col.Values {
				col.Values[i] = ff(a[i])
			}
			return finish(col, v), nil
		}
		a := expr.Values[decimal128.Num](args[0])
		col := expr.NewFixedColumn[decimal128.Num](mem, result.Arrow(), n)
		for i := range col.Values {
			if v.valid(i) {
				col.Values[i] = fd(a[i])
			}
		}
		return finish(col, v), nil
	}
}
