package expr

import (
	"math/big"
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow/decimal128"
)

// Exact DECIMAL arithmetic on 128-bit integers scaled by 10^scale. The
// fast paths work on the magnitude as an unsigned 128-bit number; only
// multiplication and division of wide values fall back to math/big.

// MaxDecimalPrecision is the widest DECIMAL: 38 digits.
const MaxDecimalPrecision = 38

var pow10u64 = func() [20]uint64 {
	var p [20]uint64
	p[0] = 1
	for i := 1; i < 20; i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

func magnitude(n decimal128.Num) (hi, lo uint64, neg bool) {
	if n.Sign() < 0 {
		n = n.Negate()
		neg = true
	}
	return uint64(n.HighBits()), n.LowBits(), neg
}

func fromMagnitude(hi, lo uint64, neg bool) decimal128.Num {
	n := decimal128.New(int64(hi), lo)
	if neg {
		n = n.Negate()
	}
	return n
}

// DecimalMulPow10 returns n·10^k; ok is false when that leaves 128 bits.
func DecimalMulPow10(n decimal128.Num, k int) (decimal128.Num, bool) {
	hi, lo, neg := magnitude(n)
	for k > 0 {
		step := k
		if step > 19 {
			step = 19
		}
		k -= step
		m := pow10u64[step]
		h1, l1 := bits.Mul64(lo, m)
		h2, l2 := bits.Mul64(hi, m)
		if h2 != 0 {
			return decimal128.Num{}, false
		}
		var carry uint64
		hi, carry = bits.Add64(h1, l2, 0)
		lo = l1
		if carry != 0 || hi >= 1<<63 {
			return decimal128.Num{}, false
		}
	}
	return fromMagnitude(hi, lo, neg), true
}

func divU128(hi, lo, m uint64) (qhi, qlo, rem uint64) {
	qhi = hi / m
	qlo, rem = bits.Div64(hi%m, lo, m)
	return
}

// DecimalDivPow10 returns n/10^k rounded half away from zero (MySQL's
// rounding of exact values) or truncated toward zero.
func DecimalDivPow10(n decimal128.Num, k int, round bool) decimal128.Num {
	if k <= 0 {
		return n
	}
	hi, lo, neg := magnitude(n)
	if k > 39 {
		return decimal128.Num{}
	}
	// Drop k-1 digits, then the last one deciding the rounding.
	for rest := k - 1; rest > 0; {
		step := rest
		if step > 19 {
			step = 19
		}
		rest -= step
		hi, lo, _ = divU128(hi, lo, pow10u64[step])
	}
	var last uint64
	hi, lo, last = divU128(hi, lo, 10)
	if round && last >= 5 {
		var c uint64
		lo, c = bits.Add64(lo, 1, 0)
		hi += c
	}
	return fromMagnitude(hi, lo, neg)
}

// DecimalRescale converts n from scale from to scale to, rounding half
// away from zero when digits are dropped; ok is false on 128-bit overflow.
func DecimalRescale(n decimal128.Num, from, to int) (decimal128.Num, bool) {
	if to >= from {
		return DecimalMulPow10(n, to-from)
	}
	return DecimalDivPow10(n, from-to, true), true
}

// DecimalFits reports whether n has at most prec digits.
func DecimalFits(n decimal128.Num, prec int) bool {
	if prec >= MaxDecimalPrecision {
		prec = MaxDecimalPrecision
	}
	return n.Abs().Less(decimal128.GetScaleMultiplier(prec))
}

// DecimalAdd returns a+b; ok is false on 128-bit overflow.
func DecimalAdd(a, b decimal128.Num) (decimal128.Num, bool) {
	r := a.Add(b)
	if a.Sign() == b.Sign() && a.Sign() != 0 && r.Sign() != a.Sign() {
		return r, false
	}
	return r, true
}

// DecimalSub returns a-b; ok is false on 128-bit overflow.
func DecimalSub(a, b decimal128.Num) (decimal128.Num, bool) {
	if b.Sign() == 0 {
		return a, true
	}
	return DecimalAdd(a, b.Negate())
}

func fitsInt64(n decimal128.Num) bool {
	lo := n.LowBits()
	return (n.HighBits() == 0 && lo < 1<<63) || (n.HighBits() == -1 && lo >= 1<<63)
}

// DecimalMul returns a·b (scale: the sum of the scales); ok is false on
// 128-bit overflow.
func DecimalMul(a, b decimal128.Num) (decimal128.Num, bool) {
	if fitsInt64(a) && fitsInt64(b) {
		x, y := int64(a.LowBits()), int64(b.LowBits())
		neg := (x < 0) != (y < 0)
		ux, uy := uint64(x), uint64(y)
		if x < 0 {
			ux = uint64(-x)
		}
		if y < 0 {
			uy = uint64(-y)
		}
		hi, lo := bits.Mul64(ux, uy)
		if hi >= 1<<63 {
			return decimal128.Num{}, false
		}
		return fromMagnitude(hi, lo, neg), true
	}
	r := new(big.Int).Mul(a.BigInt(), b.BigInt())
	if r.BitLen() > 127 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(r), true
}

// DecimalDiv returns a/b at scale outScale, where a has scale sa and b
// scale sb, rounded half away from zero; ok is false when b is zero or the
// quotient leaves 128 bits.
func DecimalDiv(a decimal128.Num, sa int, b decimal128.Num, sb int, outScale int) (decimal128.Num, bool) {
	if b.Sign() == 0 {
		return decimal128.Num{}, false
	}
	// a/10^sa ÷ b/10^sb = a·10^(sb-sa) / b; one extra digit for rounding.
	shift := outScale + sb - sa + 1
	num := a.BigInt()
	den := b.BigInt()
	if shift >= 0 {
		num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-shift)), nil))
	}
	q := num.Quo(num, den) // truncated toward zero
	ten := big.NewInt(10)
	last := new(big.Int)
	q.QuoRem(q, ten, last)
	if last.CmpAbs(big.NewInt(5)) >= 0 {
		q.Add(q, big.NewInt(int64(last.Sign())))
	}
	if q.BitLen() > 127 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(q), true
}

// DecimalFromRat returns r scaled by 10^scale, rounded half away from
// zero; ok is false on 128-bit overflow.
func DecimalFromRat(r *big.Rat, scale int) (decimal128.Num, bool) {
	num := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale+1)), nil))
	q := num.Quo(num, r.Denom())
	last := new(big.Int)
	q.QuoRem(q, big.NewInt(10), last)
	if last.CmpAbs(big.NewInt(5)) >= 0 {
		q.Add(q, big.NewInt(int64(last.Sign())))
	}
	if q.BitLen() > 127 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(q), true
}
