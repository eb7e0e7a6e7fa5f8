package builtin

import (
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// numericParam is the parameter type of a math function's main argument:
// integers as BIGINT, floats as DOUBLE, decimals as they are.
func numericParam(name string, args []types.Type, t types.Type) (types.Type, error) {
	p, err := asNumber(name, args, t)
	switch {
	case err != nil:
		return p, err
	case p.IsInteger():
		return types.Int64Type, nil
	case p.IsFloat():
		return types.Float64Type, nil
	}
	return p, nil
}

func bindAbs(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t, err := numericParam(name, args, args[0])
	if err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{t}, t, mapNumeric(t, t,
		func(x int64) (int64, bool) {
			if x < 0 {
				return -x, x != math.MinInt64
			}
			return x, true
		},
		math.Abs,
		func(x decimal128.Num) decimal128.Num { return x.Abs() })), nil
}

func bindSign(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t, err := numericParam(name, args, args[0])
	if err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{t}, types.Int64Type, rowwise(types.Int64Type, true, func(v []types.Value) (types.Value, error) {
		switch x := v[0].(type) {
		case int64:
			return int64(cmp3(x, 0)), nil
		case float64:
			return int64(cmp3(x, 0)), nil
		case decimal128.Num:
			return int64(x.Sign()), nil
		}
		return nil, nil
	})), nil
}

// bindCeilFloor is CEIL/CEILING and FLOOR: integers unchanged, DOUBLE to
// DOUBLE, DECIMAL(p,s) to DECIMAL(p-s+1,0).
func bindCeilFloor(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t, err := numericParam(name, args, args[0])
	if err != nil {
		return nil, err
	}
	up := name != "floor"
	rt := t
	if t.Kind == types.Decimal {
		rt = capDecimal(t.Precision-t.Scale+1, 0)
	}
	ff := math.Floor
	if up {
		ff = math.Ceil
	}
	return newBound(name, args, []types.Type{t}, rt, mapNumeric(t, rt,
		func(x int64) (int64, bool) { return x, true },
		ff,
		func(x decimal128.Num) decimal128.Num {
			q := expr.DecimalDivPow10(x, t.Scale, false)
			back, _ := expr.DecimalMulPow10(q, t.Scale)
			if back != x {
				if up && x.Sign() > 0 {
					q = q.Add(decimal128.FromI64(1))
				} else if !up && x.Sign() < 0 {
					q = q.Sub(decimal128.FromI64(1))
				}
			}
			return q
		})), nil
}

// bindRound is ROUND(x[, d]) and TRUNCATE(x, d): d digits after the point
// (negative: before it), rounding half away from zero. The result keeps
// x's type; a DECIMAL gains one integer digit for the carry.
func bindRound(name string, args []types.Type) (catalog.BoundScalar, error) {
	lo := 1
	if name == "truncate" {
		lo = 2
	}
	if err := checkArity(name, args, lo, 2); err != nil {
		return nil, err
	}
	t, err := numericParam(name, args, args[0])
	if err != nil {
		return nil, err
	}
	params := []types.Type{t}
	if len(args) == 2 {
		if _, err := numericParam(name, args, args[1]); err != nil {
			return nil, err
		}
		params = append(params, types.Int64Type)
	}
	round := name == "round"
	rt := t
	if t.Kind == types.Decimal && round {
		rt = capDecimal(t.Precision+1, t.Scale)
	}
	return newBound(name, args, params, rt, rowwise(rt, true, func(v []types.Value) (types.Value, error) {
		d := int64(0)
		if len(v) == 2 {
			d = v[1].(int64)
		}
		switch x := v[0].(type) {
		case int64:
			if d >= 0 {
				return x, nil
			}
			if d < -18 {
				return int64(0), nil
			}
			r, _ := expr.DecimalRescale(decimal128.FromI64(x), 0, 0)
			r = expr.DecimalDivPow10(r, int(-d), round)
			r, _ = expr.DecimalMulPow10(r, int(-d))
			if !fitsInt64(r) {
				return nil, outOfRange(types.Int64Type)
			}
			return int64(r.LowBits()), nil
		case float64:
			return roundFloat(x, d, round), nil
		case decimal128.Num:
			if d >= int64(t.Scale) {
				return x, nil
			}
			drop := int64(t.Scale) - d
			if drop > 38 {
				return decimal128.Num{}, nil
			}
			r := expr.DecimalDivPow10(x, int(drop), round)
			r, ok := expr.DecimalMulPow10(r, int(drop))
			if !ok || !expr.DecimalFits(r, rt.Precision) {
				return nil, outOfRange(rt)
			}
			return r, nil
		}
		return nil, nil
	})), nil
}

func roundFloat(x float64, d int64, round bool) float64 {
	f := math.Trunc
	if round {
		f = math.Round
	}
	switch {
	case d > 30:
		return x
	case d < -30:
		return 0
	case d >= 0:
		p := math.Pow10(int(d))
		if r := f(x*p) / p; !math.IsInf(r, 0) && !math.IsNaN(r) {
			return r
		}
		return x
	}
	p := math.Pow10(int(-d))
	return f(x/p) * p
}

// floatFn binds a DOUBLE function of DOUBLE arguments; a NaN result
// (outside the domain: sqrt(-1), ln(0)) is NULL, as in MySQL, and an
// infinite one from finite arguments an out-of-range error.
func floatFn(min, max int, f func(x []float64) float64) binder {
	return func(name string, args []types.Type) (catalog.BoundScalar, error) {
		if err := checkArity(name, args, min, max); err != nil {
			return nil, err
		}
		for _, a := range args {
			if _, err := asNumber(name, args, a); err != nil {
				return nil, err
			}
		}
		params := repeatType(types.Float64Type, len(args))
		return newBound(name, args, params, types.Float64Type, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
			cols := make([][]float64, len(a))
			for j := range a {
				cols[j] = expr.Values[float64](a[j])
			}
			v := newValidity(mem, n, a...)
			col := expr.NewFixedColumn[float64](mem, arrow.PrimitiveTypes.Float64, n)
			x := make([]float64, len(a))
			for i := range col.Values {
				finite := true
				for j := range x {
					x[j] = cols[j][i]
					finite = finite && !math.IsInf(x[j], 0)
				}
				r := f(x)
				switch {
				case math.IsNaN(r):
					r = 0
					if v.valid(i) {
						v.clear(i)
					}
				case math.IsInf(r, 0) && finite && v.valid(i):
					return fail(col, v, outOfRange(types.Float64Type))
				}
				col.Values[i] = r
			}
			return finish(col, v), nil
		}), nil
	}
}

func positive(f func(float64) float64) func(x []float64) float64 {
	return func(x []float64) float64 {
		if x[0] <= 0 {
			return math.NaN()
		}
		return f(x[0])
	}
}

func bindPi(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 0, 0); err != nil {
		return nil, err
	}
	return newBound(name, args, nil, types.Float64Type, func(mem memory.Allocator, _ []arrow.Array, n int) (arrow.Array, error) {
		col := expr.NewFixedColumn[float64](mem, arrow.PrimitiveTypes.Float64, n)
		for i := range col.Values {
			col.Values[i] = math.Pi
		}
		return col.Finish(nil, 0), nil
	}), nil
}

var mathFunctions = map[string]binder{
	"abs":      bindAbs,
	"sign":     bindSign,
	"ceil":     bindCeilFloor,
	"ceiling":  bindCeilFloor,
	"floor":    bindCeilFloor,
	"round":    bindRound,
	"truncate": bindRound,
	"pi":       bindPi,
	"sqrt": floatFn(1, 1, func(x []float64) float64 {
		if x[0] < 0 {
			return math.NaN()
		}
		return math.Sqrt(x[0])
	}),
	"exp":   floatFn(1, 1, func(x []float64) float64 { return math.Exp(x[0]) }),
	"ln":    floatFn(1, 1, positive(math.Log)),
	"log10": floatFn(1, 1, positive(math.Log10)),
	"log2":  floatFn(1, 1, positive(math.Log2)),
	// LOG(x) is ln x; LOG(b, x) is the logarithm of x to base b.
	"log": floatFn(1, 2, func(x []float64) float64 {
		if len(x) == 1 {
			return positive(math.Log)(x)
		}
		if x[0] <= 0 || x[0] == 1 || x[1] <= 0 {
			return math.NaN()
		}
		return math.Log(x[1]) / math.Log(x[0])
	}),
	"power": floatFn(2, 2, func(x []float64) float64 { return math.Pow(x[0], x[1]) }),
	"pow":   floatFn(2, 2, func(x []float64) float64 { return math.Pow(x[0], x[1]) }),
}
