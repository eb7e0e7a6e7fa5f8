package builtin

import (
	"bytes"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

func bindCompare(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	t, err := compareType(args[0], args[1])
	if err != nil {
		return nil, bindError(name, args, "%v", err)
	}
	return newBound(name, args, []types.Type{t, t}, types.BoolType, compareKernel(name, t)), nil
}

type ordered interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

func setIf(out []byte, i int, c bool) {
	var b byte
	if c {
		b = 1
	}
	out[i>>3] |= b << (i & 7)
}

// cmpOrdered writes a[i] op b[i] into the (zeroed) bitmap out.
func cmpOrdered[T ordered](op string, a, b []T, out []byte) {
	b = b[:len(a)]
	switch op {
	case "eq", "nulleq":
		for i := range a {
			setIf(out, i, a[i] == b[i])
		}
	case "ne":
		for i := range a {
			setIf(out, i, a[i] != b[i])
		}
	case "lt":
		for i := range a {
			setIf(out, i, a[i] < b[i])
		}
	case "le":
		for i := range a {
			setIf(out, i, a[i] <= b[i])
		}
	case "gt":
		for i := range a {
			setIf(out, i, a[i] > b[i])
		}
	case "ge":
		for i := range a {
			setIf(out, i, a[i] >= b[i])
		}
	}
}

// cmpBy writes cmp(i) op 0 into out, for types compared by a function.
func cmpBy(op string, n int, cmp func(i int) int, out []byte) {
	for i := 0; i < n; i++ {
		c := cmp(i)
		var r bool
		switch op {
		case "eq", "nulleq":
			r = c == 0
		case "ne":
			r = c != 0
		case "lt":
			r = c < 0
		case "le":
			r = c <= 0
		case "gt":
			r = c > 0
		case "ge":
			r = c >= 0
		}
		setIf(out, i, r)
	}
}

// compareBits computes a op b over two columns of type t into bits.
func compareBits(op string, t types.Type, a, b arrow.Array, n int, out []byte) {
	switch t.Kind {
	case types.Int8:
		cmpOrdered(op, expr.Values[int8](a)[:n], expr.Values[int8](b), out)
	case types.Int16:
		cmpOrdered(op, expr.Values[int16](a)[:n], expr.Values[int16](b), out)
	case types.Int32, types.Date:
		cmpOrdered(op, expr.Values[int32](a)[:n], expr.Values[int32](b), out)
	case types.Int64, types.Timestamp:
		cmpOrdered(op, expr.Values[int64](a)[:n], expr.Values[int64](b), out)
	case types.Float32:
		cmpOrdered(op, expr.Values[float32](a)[:n], expr.Values[float32](b), out)
	case types.Float64:
		cmpOrdered(op, expr.Values[float64](a)[:n], expr.Values[float64](b), out)
	case types.Decimal:
		x, y := expr.Values[decimal128.Num](a), expr.Values[decimal128.Num](b)
		cmpBy(op, n, func(i int) int { return x[i].Cmp(y[i]) }, out)
	case types.String:
		x, y := a.(*array.String), b.(*array.String)
		cmpBy(op, n, func(i int) int { return strings.Compare(x.Value(i), y.Value(i)) }, out)
	case types.Binary:
		x, y := a.(*array.Binary), b.(*array.Binary)
		cmpBy(op, n, func(i int) int { return bytes.Compare(x.Value(i), y.Value(i)) }, out)
	}
}

func compareKernel(op string, t types.Type) kernel {
	return func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
		return compareArrays(mem, op, t, args[0], args[1], n), nil
	}
}

// compareArrays is a op b for two columns of type t: NULL when either is
// NULL, except for <=> (NULL-safe equality), which is never NULL.
func compareArrays(mem memory.Allocator, op string, t types.Type, a, b arrow.Array, n int) arrow.Array {
	vals := expr.NewBitmap(mem, n, false)
	compareBits(op, t, a, b, n, vals.Bits)
	if op != "nulleq" {
		return expr.NewBoolArray(vals, expr.AndValidity(mem, n, a, b), n)
	}
	va, vb := expr.ValidBits(a), expr.ValidBits(b)
	if va != nil || vb != nil {
		for i := range vals.Bits {
			x, y := byte(0xff), byte(0xff)
			if va != nil {
				x = va[i]
			}
			if vb != nil {
				y = vb[i]
			}
			vals.Bits[i] = (vals.Bits[i] & x & y) | (^x & ^y)
		}
	}
	return expr.NewBoolArray(vals, nil, n)
}
