package builtin

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
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

// Aggregates keep one slot per group in Go slices indexed by the dense
// group id, and fold a batch with one typed loop over (row, group) pairs.
//
// Result types: count -> BIGINT (0 for an empty group); sum of integers ->
// BIGINT (out-of-range error on overflow), of decimals -> DECIMAL(38,s),
// of floats or strings -> DOUBLE; avg of integers or floats -> DOUBLE, of
// DECIMAL(p,s) -> DECIMAL(38,s+4); min and max -> the argument's type.
// Every aggregate but count is NULL for a group without non-NULL values.
// DISTINCT folds each distinct (group, value) once.

type aggregate struct {
	name string
	bind func(name string, args []types.Type, distinct, star bool) (*boundAggregate, error)
}

func (a *aggregate) Name() string               { return a.name }
func (a *aggregate) Kind() catalog.FunctionKind { return catalog.KindAggregate }
func (a *aggregate) BindAggregate(args []types.Type, distinct, star bool) (catalog.BoundAggregate, error) {
	b, err := a.bind(a.name, args, distinct, star)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func aggregates() []catalog.Function {
	return []catalog.Function{
		&aggregate{name: "count", bind: bindCount},
		&aggregate{name: "sum", bind: bindSum},
		&aggregate{name: "avg", bind: bindSum},
		&aggregate{name: "min", bind: bindMinMax},
		&aggregate{name: "max", bind: bindMinMax},
	}
}

// accumulator is a GroupsAccumulator over arguments already cast to the
// bound parameter types.
type accumulator = catalog.GroupsAccumulator

type boundAggregate struct {
	name     string
	args     []types.Type
	params   []types.Type
	result   types.Type
	distinct bool
	newAcc   func(mem memory.Allocator) accumulator
}

func (b *boundAggregate) Name() string           { return b.name }
func (b *boundAggregate) ResultType() types.Type { return b.result }
func (b *boundAggregate) NewAccumulator(mem memory.Allocator) catalog.GroupsAccumulator {
	var acc accumulator = b.newAcc(mem)
	if b.distinct {
		acc = &distinctAccumulator{mem: mem, inner: acc, types: b.params, seen: map[distinctKey]struct{}{}}
	}
	c := &castingAccumulator{mem: mem, inner: acc, from: b.args, to: b.params, name: b.name}
	if _, ok := acc.(evaluator); ok {
		return runningAccumulator{c}
	}
	return c
}

// evaluator is what exec.RunningAccumulator adds to a GroupsAccumulator:
// the value of groups 0..numGroups-1 so far, keeping the state. Window
// frames from UNBOUNDED PRECEDING to CURRENT ROW are computed with it in
// one pass. Every built-in accumulator has it.
type evaluator interface {
	Evaluate(numGroups int) (arrow.Array, error)
}

// runningAccumulator is a castingAccumulator whose inner accumulator is
// an evaluator.
type runningAccumulator struct{ *castingAccumulator }

func (r runningAccumulator) Evaluate(numGroups int) (arrow.Array, error) {
	return r.inner.(evaluator).Evaluate(numGroups)
}

// castingAccumulator applies the implicit casts of the arguments.
type castingAccumulator struct {
	mem      memory.Allocator
	inner    accumulator
	from, to []types.Type
	name     string
}

func (c *castingAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	if len(c.to) == 0 { // count(*): any arguments given are ignored
		args = nil
	}
	if len(args) != len(c.to) {
		return fmt.Errorf("function %s: called with %d arguments, bound for %d", c.name, len(args), len(c.to))
	}
	cast := make([]arrow.Array, len(args))
	defer func() {
		for _, a := range cast {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, a := range args {
		if a.Len() != len(groups) {
			return fmt.Errorf("function %s: argument %d has %d rows, want %d", c.name, i+1, a.Len(), len(groups))
		}
		x, err := expr.CastArray(c.mem, a, c.from[i], c.to[i])
		if err != nil {
			return fmt.Errorf("function %s: %w", c.name, err)
		}
		cast[i] = x
	}
	for _, g := range groups {
		if int(g) >= numGroups {
			return fmt.Errorf("function %s: group id %d out of range (%d groups)", c.name, g, numGroups)
		}
	}
	return c.inner.Update(cast, groups, numGroups)
}

func (c *castingAccumulator) Finish(numGroups int) (arrow.Array, error) {
	return c.inner.Finish(numGroups)
}

func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// rowValid reports whether row i of a column is not NULL, given its
// validity bits (nil: no nulls).
func rowValid(valid []byte, i int) bool { return valid == nil || bitutil.BitIsSet(valid, i) }

// ---- count ----

func bindCount(name string, args []types.Type, distinct, star bool) (*boundAggregate, error) {
	if star {
		args = nil
		distinct = false
	} else if len(args) == 0 {
		return nil, checkArity(name, args, 1, -1)
	}
	return &boundAggregate{name: name, args: args, params: args, result: types.Int64Type, distinct: distinct,
		newAcc: func(mem memory.Allocator) accumulator { return &countAccumulator{mem: mem} }}, nil
}

// countAccumulator counts rows whose arguments are all non-NULL (every
// row for count(*), which has no arguments).
type countAccumulator struct {
	mem    memory.Allocator
	counts []int64
}

func (c *countAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	c.counts = grow(c.counts, numGroups)
	valid := expr.AndValidity(c.mem, len(groups), args...)
	if valid == nil {
		for _, g := range groups {
			c.counts[g]++
		}
		return nil
	}
	defer valid.Release()
	for i, g := range groups {
		if bitutil.BitIsSet(valid.Bits, i) {
			c.counts[g]++
		}
	}
	return nil
}

func (c *countAccumulator) Evaluate(numGroups int) (arrow.Array, error) {
	c.counts = grow(c.counts, numGroups)
	col := expr.NewFixedColumn[int64](c.mem, arrow.PrimitiveTypes.Int64, numGroups)
	copy(col.Values, c.counts)
	return col.Finish(nil, 0), nil
}

func (c *countAccumulator) Finish(numGroups int) (arrow.Array, error) {
	res, err := c.Evaluate(numGroups)
	c.counts = nil
	return res, err
}

// ---- sum and avg ----

func bindSum(name string, args []types.Type, distinct, star bool) (*boundAggregate, error) {
	if star {
		return nil, fmt.Errorf("function %s(*): only count takes *", name)
	}
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t := args[0]
	avg := name == "avg"
	b := &boundAggregate{name: name, args: args, distinct: distinct}
	switch {
	case t.Kind == types.Null || t.IsInteger() || t.Kind == types.Bool:
		b.params = []types.Type{types.Int64Type}
		if avg {
			b.result = types.Float64Type
			b.newAcc = func(mem memory.Allocator) accumulator { return &avgIntAccumulator{mem: mem} }
		} else {
			b.result = types.Int64Type
			b.newAcc = func(mem memory.Allocator) accumulator { return &sumIntAccumulator{mem: mem} }
		}
	case t.IsFloat() || isStringy(t):
		b.params = []types.Type{types.Float64Type}
		b.result = types.Float64Type
		b.newAcc = func(mem memory.Allocator) accumulator { return &sumFloatAccumulator{mem: mem, avg: avg} }
	case t.Kind == types.Decimal:
		b.params = []types.Type{t}
		b.result = types.DecimalType(38, t.Scale)
		if avg {
			b.result = capDecimal(38, t.Scale+4)
		}
		rt := b.result
		b.newAcc = func(mem memory.Allocator) accumulator {
			return &sumDecimalAccumulator{mem: mem, scale: t.Scale, result: rt, avg: avg}
		}
	default:
		return nil, bindError(name, args, "arguments must be numbers")
	}
	return b, nil
}

type sumIntAccumulator struct {
	mem  memory.Allocator
	sums []int64
	seen []bool
}

func (s *sumIntAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	s.sums, s.seen = grow(s.sums, numGroups), grow(s.seen, numGroups)
	xs, valid := expr.Values[int64](args[0]), expr.ValidBits(args[0])
	for i, g := range groups {
		if !rowValid(valid, i) {
			continue
		}
		a, x := s.sums[g], xs[i]
		r := a + x
		if (a^r)&(x^r) < 0 {
			return &expr.OutOfRangeError{Type: types.Int64Type, Expr: "sum"}
		}
		s.sums[g], s.seen[g] = r, true
	}
	return nil
}

func (s *sumIntAccumulator) Finish(numGroups int) (arrow.Array, error) {
	res, err := s.Evaluate(numGroups)
	s.sums, s.seen = nil, nil
	return res, err
}

func (s *sumIntAccumulator) Evaluate(numGroups int) (arrow.Array, error) {
	s.sums, s.seen = grow(s.sums, numGroups), grow(s.seen, numGroups)
	col := expr.NewFixedColumn[int64](s.mem, arrow.PrimitiveTypes.Int64, numGroups)
	copy(col.Values, s.sums)
	return col.Finish(seenValidity(s.mem, s.seen[:numGroups])), nil
}

// seenValidity is the validity of groups that saw a value.
func seenValidity(mem memory.Allocator, seen []bool) (*memory.Buffer, int) {
	v := &validity{mem: mem, n: len(seen)}
	for g, ok := range seen {
		if !ok {
			v.clear(g)
		}
	}
	return expr.FinishValidity(v.bm)
}

// avgIntAccumulator sums integers in 128 bits, which no count of BIGINT
// rows can overflow.
type avgIntAccumulator struct {
	mem    memory.Allocator
	hi     []int64
	lo     []uint64
	counts []int64
}

func (s *avgIntAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	s.hi, s.lo, s.counts = grow(s.hi, numGroups), grow(s.lo, numGroups), grow(s.counts, numGroups)
	xs, valid := expr.Values[int64](args[0]), expr.ValidBits(args[0])
	for i, g := range groups {
		if !rowValid(valid, i) {
			continue
		}
		x := xs[i]
		var c uint64
		s.lo[g], c = bits.Add64(s.lo[g], uint64(x), 0)
		s.hi[g] += int64(c) + (x >> 63) // sign extension of x
		s.counts[g]++
	}
	return nil
}

func (s *avgIntAccumulator) Finish(numGroups int) (arrow.Array, error) {
	res, err := s.Evaluate(numGroups)
	s.hi, s.lo, s.counts = nil, nil, nil
	return res, err
}

func (s *avgIntAccumulator) Evaluate(numGroups int) (arrow.Array, error) {
	s.hi, s.lo, s.counts = grow(s.hi, numGroups), grow(s.lo, numGroups), grow(s.counts, numGroups)
	col := expr.NewFixedColumn[float64](s.mem, arrow.PrimitiveTypes.Float64, numGroups)
	seen := make([]bool, numGroups)
	for g := range col.Values {
		if s.counts[g] == 0 {
			continue
		}
		seen[g] = true
		sum := decimal128.New(s.hi[g], s.lo[g])
		if fitsInt64(sum) {
			col.Values[g] = float64(int64(sum.LowBits())) / float64(s.counts[g])
		} else {
			f, _ := new(big.Rat).SetFrac(sum.BigInt(), big.NewInt(s.counts[g])).Float64()
			col.Values[g] = f
		}
	}
	return col.Finish(seenValidity(s.mem, seen)), nil
}

type sumFloatAccumulator struct {
	mem    memory.Allocator
	avg    bool
	sums   []float64
	counts []int64
}

func (s *sumFloatAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	s.sums, s.counts = grow(s.sums, numGroups), grow(s.counts, numGroups)
	xs, valid := expr.Values[float64](args[0]), expr.ValidBits(args[0])
	for i, g := range groups {
		if rowValid(valid, i) {
			s.sums[g] += xs[i]
			s.counts[g]++
		}
	}
	return nil
}

func (s *sumFloatAccumulator) Finish(numGroups int) (arrow.Array, error) {
	res, err := s.Evaluate(numGroups)
	s.sums, s.counts = nil, nil
	return res, err
}

func (s *sumFloatAccumulator) Evaluate(numGroups int) (arrow.Array, error) {
	s.sums, s.counts = grow(s.sums, numGroups), grow(s.counts, numGroups)
	col := expr.NewFixedColumn[float64](s.mem, arrow.PrimitiveTypes.Float64, numGroups)
	seen := make([]bool, numGroups)
	for g := range col.Values {
		if s.counts[g] == 0 {
			continue
		}
		seen[g] = true
		col.Values[g] = s.sums[g]
		if s.avg {
			col.Values[g] /= float64(s.counts[g])
		}
		if math.IsInf(col.Values[g], 0) {
			col.Finish(nil, 0).Release()
			return nil, &expr.OutOfRangeError{Type: types.Float64Type, Expr: "sum"}
		}
	}
	return col.Finish(seenValidity(s.mem, seen)), nil
}

type sumDecimalAccumulator struct {
	mem    memory.Allocator
	scale  int
	result types.Type
	avg    bool
	sums   []decimal128.Num
	counts []int64
}

func (s *sumDecimalAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	s.sums, s.counts = grow(s.sums, numGroups), grow(s.counts, numGroups)
	xs, valid := expr.Values[decimal128.Num](args[0]), expr.ValidBits(args[0])
	for i, g := range groups {
		if !rowValid(valid, i) {
			continue
		}
		r, ok := expr.DecimalAdd(s.sums[g], xs[i])
		if !ok || !expr.DecimalFits(r, 38) {
			return &expr.OutOfRangeError{Type: s.result, Expr: "sum"}
		}
		s.sums[g] = r
		s.counts[g]++
	}
	return nil
}

func (s *sumDecimalAccumulator) Finish(numGroups int) (arrow.Array, error) {
	res, err := s.Evaluate(numGroups)
	s.sums, s.counts = nil, nil
	return res, err
}

func (s *sumDecimalAccumulator) Evaluate(numGroups int) (arrow.Array, error) {
	s.sums, s.counts = grow(s.sums, numGroups), grow(s.counts, numGroups)
	col := expr.NewFixedColumn[decimal128.Num](s.mem, s.result.Arrow(), numGroups)
	seen := make([]bool, numGroups)
	for g := range col.Values {
		if s.counts[g] == 0 {
			continue
		}
		seen[g] = true
		v := s.sums[g]
		if s.avg {
			q, ok := expr.DecimalDiv(v, s.scale, decimal128.FromI64(s.counts[g]), 0, s.result.Scale)
			if !ok || !expr.DecimalFits(q, s.result.Precision) {
				col.Finish(nil, 0).Release()
				return nil, &expr.OutOfRangeError{Type: s.result, Expr: "avg"}
			}
			v = q
		}
		col.Values[g] = v
	}
	return col.Finish(seenValidity(s.mem, seen)), nil
}

// ---- min and max ----

func bindMinMax(name string, args []types.Type, distinct, star bool) (*boundAggregate, error) {
	if star {
		return nil, fmt.Errorf("function %s(*): only count takes *", name)
	}
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t := args[0]
	isMax := name == "max"
	b := &boundAggregate{name: name, args: args, params: args, result: t}
	less := func(a, b decimal128.Num) bool { return a.Less(b) }
	switch t.Kind {
	case types.Int8:
		b.newAcc = minMaxOf[int8](t, isMax, ltOrdered[int8])
	case types.Int16:
		b.newAcc = minMaxOf[int16](t, isMax, ltOrdered[int16])
	case types.Int32, types.Date:
		b.newAcc = minMaxOf[int32](t, isMax, ltOrdered[int32])
	case types.Int64, types.Timestamp:
		b.newAcc = minMaxOf[int64](t, isMax, ltOrdered[int64])
	case types.Float32:
		b.newAcc = minMaxOf[float32](t, isMax, ltOrdered[float32])
	case types.Float64:
		b.newAcc = minMaxOf[float64](t, isMax, ltOrdered[float64])
	case types.Decimal:
		b.newAcc = minMaxOf[decimal128.Num](t, isMax, less)
	default: // BOOLEAN, strings, binary strings, NULL
		b.newAcc = func(mem memory.Allocator) accumulator { return &minMaxValues{mem: mem, t: t, isMax: isMax} }
	}
	return b, nil
}

func ltOrdered[T ordered](a, b T) bool { return a < b }

func minMaxOf[T expr.Fixed](t types.Type, isMax bool, less func(a, b T) bool) func(memory.Allocator) accumulator {
	return func(mem memory.Allocator) accumulator {
		return &minMaxFixed[T]{mem: mem, t: t, isMax: isMax, less: less}
	}
}

type minMaxFixed[T expr.Fixed] struct {
	mem   memory.Allocator
	t     types.Type
	isMax bool
	less  func(a, b T) bool
	vals  []T
	seen  []bool
}

func (m *minMaxFixed[T]) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	m.vals, m.seen = grow(m.vals, numGroups), grow(m.seen, numGroups)
	xs, valid := expr.Values[T](args[0]), expr.ValidBits(args[0])
	for i, g := range groups {
		if !rowValid(valid, i) {
			continue
		}
		x := xs[i]
		if !m.seen[g] || (m.isMax && m.less(m.vals[g], x)) || (!m.isMax && m.less(x, m.vals[g])) {
			m.vals[g], m.seen[g] = x, true
		}
	}
	return nil
}

func (m *minMaxFixed[T]) Finish(numGroups int) (arrow.Array, error) {
	res, err := m.Evaluate(numGroups)
	m.vals, m.seen = nil, nil
	return res, err
}

func (m *minMaxFixed[T]) Evaluate(numGroups int) (arrow.Array, error) {
	m.vals, m.seen = grow(m.vals, numGroups), grow(m.seen, numGroups)
	col := expr.NewFixedColumn[T](m.mem, m.t.Arrow(), numGroups)
	copy(col.Values, m.vals)
	return col.Finish(seenValidity(m.mem, m.seen[:numGroups])), nil
}

// minMaxValues is min/max over BOOLEAN and (binary) strings, a value at a
// time. Strings are copied: the batch's buffers do not outlive Update.
type minMaxValues struct {
	mem   memory.Allocator
	t     types.Type
	isMax bool
	vals  []types.Value
}

func (m *minMaxValues) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	m.vals = grow(m.vals, numGroups)
	a := args[0]
	for i, g := range groups {
		if a.IsNull(i) {
			continue
		}
		x := expr.ValueAt(a, i)
		cur := m.vals[g]
		if cur == nil || (m.isMax && compareValues(x, cur) > 0) || (!m.isMax && compareValues(x, cur) < 0) {
			switch v := x.(type) {
			case string:
				x = strings.Clone(v)
			case []byte:
				x = append([]byte(nil), v...)
			}
			m.vals[g] = x
		}
	}
	return nil
}

func (m *minMaxValues) Finish(numGroups int) (arrow.Array, error) {
	res, err := m.Evaluate(numGroups)
	m.vals = nil
	return res, err
}

func (m *minMaxValues) Evaluate(numGroups int) (arrow.Array, error) {
	m.vals = grow(m.vals, numGroups)
	b := array.NewBuilder(m.mem, m.t.Arrow())
	defer b.Release()
	for _, v := range m.vals[:numGroups] {
		if err := expr.AppendValue(b, v); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// ---- DISTINCT ----

type distinctKey struct {
	group uint32
	value string
}

// distinctAccumulator passes each (group, argument values) on once; rows
// with a NULL argument are dropped, as every aggregate ignores them.
type distinctAccumulator struct {
	mem   memory.Allocator
	inner accumulator
	types []types.Type
	seen  map[distinctKey]struct{}
}

// keyOf encodes values injectively: each value is written with its length.
func keyOf(vals []types.Value, ts []types.Type) string {
	var b strings.Builder
	for i, v := range vals {
		s := expr.FormatValue(v, ts[i])
		if f, ok := v.(float64); ok && f == 0 {
			s = "0" // -0 = 0
		}
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

func (d *distinctAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	builders := make([]array.Builder, len(args))
	for i := range args {
		builders[i] = array.NewBuilder(d.mem, args[i].DataType())
		defer builders[i].Release()
	}
	var kept []uint32
	vals := make([]types.Value, len(args))
rows:
	for r, g := range groups {
		for i, a := range args {
			vals[i] = expr.ValueAt(a, r)
			if vals[i] == nil {
				continue rows
			}
		}
		k := distinctKey{group: g, value: keyOf(vals, d.types)}
		if _, dup := d.seen[k]; dup {
			continue
		}
		d.seen[k] = struct{}{}
		kept = append(kept, g)
		for i, v := range vals {
			if err := expr.AppendValue(builders[i], v); err != nil {
				return err
			}
		}
	}
	sel := make([]arrow.Array, len(args))
	for i, b := range builders {
		sel[i] = b.NewArray()
		defer sel[i].Release()
	}
	return d.inner.Update(sel, kept, numGroups)
}

// Evaluate is the inner accumulator's: the values seen so far stay seen.
func (d *distinctAccumulator) Evaluate(numGroups int) (arrow.Array, error) {
	return d.inner.(evaluator).Evaluate(numGroups)
}

func (d *distinctAccumulator) Finish(numGroups int) (arrow.Array, error) {
	d.seen = nil
	return d.inner.Finish(numGroups)
}
