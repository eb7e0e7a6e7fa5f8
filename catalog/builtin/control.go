package builtin

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// Conditional functions choose, row by row, which argument column a value
// comes from (pick), then gather the values in one typed pass.

// gather builds a column of type t whose row i is row i of
// srcs[pick[i]], or NULL when pick[i] < 0. Entries of srcs that are never
// picked may be nil.
func gather(mem memory.Allocator, t types.Type, srcs []arrow.Array, pick []int32, n int) (arrow.Array, error) {
	switch t.Kind {
	case types.Null:
		return array.MakeArrayOfNull(mem, arrow.Null, n), nil
	case types.Int8:
		return gatherFixed[int8](mem, t, srcs, pick, n), nil
	case types.Int16:
		return gatherFixed[int16](mem, t, srcs, pick, n), nil
	case types.Int32, types.Date:
		return gatherFixed[int32](mem, t, srcs, pick, n), nil
	case types.Int64, types.Timestamp:
		return gatherFixed[int64](mem, t, srcs, pick, n), nil
	case types.Float32:
		return gatherFixed[float32](mem, t, srcs, pick, n), nil
	case types.Float64:
		return gatherFixed[float64](mem, t, srcs, pick, n), nil
	case types.Decimal:
		return gatherFixed[decimal128.Num](mem, t, srcs, pick, n), nil
	}
	b := array.NewBuilder(mem, t.Arrow())
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		p := pick[i]
		if p < 0 || srcs[p].IsNull(i) {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.BooleanBuilder:
			bb.Append(srcs[p].(*array.Boolean).Value(i))
		case *array.StringBuilder:
			bb.Append(srcs[p].(*array.String).Value(i))
		case *array.BinaryBuilder:
			bb.Append(srcs[p].(*array.Binary).Value(i))
		default:
			return nil, fmt.Errorf("cannot gather %s", t)
		}
	}
	return b.NewArray(), nil
}

func gatherFixed[T expr.Fixed](mem memory.Allocator, t types.Type, srcs []arrow.Array, pick []int32, n int) arrow.Array {
	vals := make([][]T, len(srcs))
	valid := make([][]byte, len(srcs))
	for j, s := range srcs {
		if s == nil {
			continue
		}
		vals[j] = expr.Values[T](s)
		valid[j] = expr.ValidBits(s)
	}
	col := expr.NewFixedColumn[T](mem, t.Arrow(), n)
	v := &validity{mem: mem, n: n}
	for i := range col.Values {
		p := pick[i]
		if p < 0 || (valid[p] != nil && !bitutil.BitIsSet(valid[p], i)) {
			v.clear(i)
			continue
		}
		col.Values[i] = vals[p][i]
	}
	return finish(col, v)
}

// truth returns, per row, whether a BOOLEAN column is TRUE (not FALSE,
// not NULL).
func truth(a arrow.Array, n int) []byte {
	val, ok := boolParts(a, n)
	out := make([]byte, len(val))
	for i := range out {
		out[i] = val[i] & ok[i]
	}
	return out
}

// bindCase binds CASE WHEN c1 THEN v1 ... [ELSE e] END, given as
// (c1, v1, c2, v2, ..., [e]).
func bindCase(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, -1); err != nil {
		return nil, err
	}
	var vals []types.Type
	for i := 0; i < len(args); i++ {
		if i%2 == 0 && i+1 < len(args) {
			if err := asBool(name, args, args[i]); err != nil {
				return nil, err
			}
			continue
		}
		vals = append(vals, args[i])
	}
	rt := superType(vals)
	params := make([]types.Type, len(args))
	for i := range args {
		if i%2 == 0 && i+1 < len(args) {
			params[i] = types.BoolType
		} else {
			params[i] = rt
		}
	}
	return newBound(name, args, params, rt, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		pick := make([]int32, n)
		for i := range pick {
			pick[i] = -2 // no branch taken yet
		}
		i := 0
		for ; i+1 < len(a); i += 2 {
			t := truth(a[i], n)
			for r := range pick {
				if pick[r] == -2 && bitutil.BitIsSet(t, r) {
					pick[r] = int32(i + 1)
				}
			}
		}
		rest := int32(-1)
		if i < len(a) {
			rest = int32(i)
		}
		for r := range pick {
			if pick[r] == -2 {
				pick[r] = rest
			}
		}
		values := make([]arrow.Array, len(a))
		for j := range a {
			if j%2 == 1 || j == len(a)-1 {
				values[j] = a[j]
			}
		}
		return gather(mem, rt, values, pick, n)
	}), nil
}

func bindIf(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 3, 3); err != nil {
		return nil, err
	}
	if err := asBool(name, args, args[0]); err != nil {
		return nil, err
	}
	rt := superType(args[1:])
	return newBound(name, args, []types.Type{types.BoolType, rt, rt}, rt, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		t := truth(a[0], n)
		pick := make([]int32, n)
		for r := range pick {
			pick[r] = 2
			if bitutil.BitIsSet(t, r) {
				pick[r] = 1
			}
		}
		return gather(mem, rt, []arrow.Array{nil, a[1], a[2]}, pick, n)
	}), nil
}

// bindCoalesce is COALESCE and IFNULL: the first non-NULL argument.
func bindCoalesce(name string, args []types.Type) (catalog.BoundScalar, error) {
	lo, hi := 1, -1
	if name == "ifnull" {
		lo, hi = 2, 2
	}
	if err := checkArity(name, args, lo, hi); err != nil {
		return nil, err
	}
	rt := superType(args)
	return newBound(name, args, repeatType(rt, len(args)), rt, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		pick := make([]int32, n)
		for r := range pick {
			pick[r] = -1
		}
		for j := len(a) - 1; j >= 0; j-- {
			valid := expr.ValidBits(a[j])
			for r := range pick {
				if valid == nil || bitutil.BitIsSet(valid, r) {
					pick[r] = int32(j)
				}
			}
		}
		return gather(mem, rt, a, pick, n)
	}), nil
}

// bindNullIf is NULLIF(a, b): NULL when a = b, else a (of a's type).
func bindNullIf(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	ct, err := compareType(args[0], args[1])
	if err != nil {
		return nil, bindError(name, args, "%v", err)
	}
	rt := args[0]
	return newBound(name, args, args, rt, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		x, err := expr.CastArray(mem, a[0], args[0], ct)
		if err != nil {
			return nil, err
		}
		defer x.Release()
		y, err := expr.CastArray(mem, a[1], args[1], ct)
		if err != nil {
			return nil, err
		}
		defer y.Release()
		eq := compareArrays(mem, "eq", ct, x, y, n)
		defer eq.Release()
		t := truth(eq, n)
		pick := make([]int32, n)
		for r := range pick {
			if bitutil.BitIsSet(t, r) {
				pick[r] = -1
			}
		}
		return gather(mem, rt, a[:1], pick, n)
	}), nil
}

// bindIn is x IN (v1, v2, ...): TRUE on a match, else NULL when x or any
// v is NULL, else FALSE; that is (x = v1) OR (x = v2) OR ...
func bindIn(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, -1); err != nil {
		return nil, err
	}
	ct, err := compareTypeAll(args)
	if err != nil {
		return nil, bindError(name, args, "%v", err)
	}
	return newBound(name, args, repeatType(ct, len(args)), types.BoolType, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		acc := compareArrays(mem, "eq", ct, a[0], a[1], n)
		for _, v := range a[2:] {
			eq := compareArrays(mem, "eq", ct, a[0], v, n)
			next := logic2(mem, "or", acc, eq, n)
			acc.Release()
			eq.Release()
			acc = next
		}
		return acc, nil
	}), nil
}

// bindExtreme is GREATEST and LEAST: NULL when any argument is NULL.
func bindExtreme(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, -1); err != nil {
		return nil, err
	}
	rt := superType(args)
	sign := 1
	if name == "least" {
		sign = -1
	}
	return newBound(name, args, repeatType(rt, len(args)), rt, rowwise(rt, true, func(v []types.Value) (types.Value, error) {
		best := v[0]
		for _, x := range v[1:] {
			if compareValues(x, best)*sign > 0 {
				best = x
			}
		}
		return best, nil
	})), nil
}

// compareValues orders two non-NULL values of the same type.
func compareValues(a, b types.Value) int {
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int64:
		return cmp3(x, b.(int64))
	case float64:
		return cmp3(x, b.(float64))
	case decimal128.Num:
		return x.Cmp(b.(decimal128.Num))
	case string:
		return strings.Compare(x, b.(string))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case types.DateValue:
		return cmp3(x, b.(types.DateValue))
	case types.TimestampValue:
		return cmp3(x, b.(types.TimestampValue))
	}
	return 0
}

func cmp3[T ordered](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
