package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*HashSemiJoin)(nil)
	_ Explainer = (*HashSemiJoin)(nil)
)

// SubqueryJoinKind says what a HashSemiJoin makes of each left row's
// matches: the joins that subqueries in expressions become.
type SubqueryJoinKind int

const (
	// SemiJoin keeps the left rows with a match (EXISTS, IN in WHERE).
	SemiJoin SubqueryJoinKind = iota
	// AntiJoin keeps the left rows whose match is FALSE: neither a match
	// nor an unknown one (NOT EXISTS; NOT IN, whose Test or NullAwareKeys
	// make NULLs unknown).
	AntiJoin
	// MarkJoin keeps every left row and adds a BOOLEAN column: TRUE for a
	// match, NULL for an unknown one, FALSE otherwise (IN and EXISTS
	// anywhere else in an expression).
	MarkJoin
	// SingleJoin keeps every left row and adds the right columns of its one
	// match, NULLs without one; a second match is an error (scalar
	// subqueries).
	SingleJoin
)

func (k SubqueryJoinKind) String() string {
	if k < SemiJoin || k > SingleJoin {
		return fmt.Sprintf("SubqueryJoinKind(%d)", int(k))
	}
	return [...]string{"SEMI", "ANTI", "MARK", "SINGLE"}[k]
}

// SemiJoinSpec describes a HashSemiJoin. Residual and Test are over the
// left columns then the right ones.
type SemiJoinSpec struct {
	Kind SubqueryJoinKind
	// LeftKeys[i] = RightKeys[i] picks a left row's candidate right rows
	// by hashing; a NULL key has none. Without keys every right row is a
	// candidate.
	LeftKeys, RightKeys []expr.Expr
	// Residual, when set, must be TRUE for a candidate to count at all
	// (the correlated conditions that are not equalities).
	Residual expr.Expr
	// Test, when set, is IN's comparison: a candidate matches when it is
	// TRUE and makes the match unknown when it is NULL. Not for SingleJoin.
	Test expr.Expr
	// NullAwareKeys says the keys are IN's comparison itself (uncorrelated
	// x IN (SELECT y ...)): when a row finds no match, a NULL key on its
	// side or among the right keys makes its match unknown, provided the
	// right side has rows. Only without Residual and Test.
	NullAwareKeys bool
	// Name is the subquery as written: the added column's name (MarkJoin)
	// and what the error of a second match names (SingleJoin).
	Name string
}

// NewHashSemiJoin joins left with right as spec says. It reads right
// whole first, as HashJoin reads its build side.
func NewHashSemiJoin(left, right Operator, spec SemiJoinSpec) Operator {
	h := &HashSemiJoin{left: left, right: right, spec: spec}
	fields := append([]arrow.Field(nil), left.Schema().Fields()...)
	switch spec.Kind {
	case MarkJoin:
		fields = append(fields, arrow.Field{Name: spec.Name, Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	case SingleJoin:
		for _, f := range right.Schema().Fields() {
			f.Nullable = true
			fields = append(fields, f)
		}
	}
	h.schema = arrow.NewSchema(fields, nil)
	// Candidates are evaluated over left then right columns.
	cand := append(append([]arrow.Field(nil), left.Schema().Fields()...), right.Schema().Fields()...)
	for i := range cand {
		cand[i].Nullable = true
	}
	h.candSchema = arrow.NewSchema(cand, nil)
	return h
}

// HashSemiJoin is the join of a subquery in an expression: semi, anti
// (NULL-aware for NOT IN), mark and single joins over a hash table of the
// right side's keys, from the same tables as HashJoin.
type HashSemiJoin struct {
	left, right        Operator
	spec               SemiJoinSpec
	schema, candSchema *arrow.Schema

	ectx         *expr.Context
	built        bool
	buildRec     arrow.Record
	table        joinTable
	chain        []int32
	buildHasNull bool // a right key is NULL (NullAwareKeys)

	first    []int32
	state    []uint8 // by left row of the batch: matchNone, matchUnknown, matchTrue
	match    []int32 // SingleJoin: the matching right row, or -1
	probeIdx []int32
	buildIdx []int32

	out    batchHolder
	closed bool
}

const (
	matchNone uint8 = iota
	matchUnknown
	matchTrue
)

func (h *HashSemiJoin) Schema() *arrow.Schema { return h.schema }
func (h *HashSemiJoin) Children() []Operator  { return []Operator{h.left, h.right} }
func (h *HashSemiJoin) Explain() string {
	s := "HashSemiJoin type=" + h.spec.Kind.String()
	if len(h.spec.LeftKeys) > 0 {
		keys := make([]string, len(h.spec.LeftKeys))
		for i := range h.spec.LeftKeys {
			keys[i] = h.spec.LeftKeys[i].String() + " = " + h.spec.RightKeys[i].String()
		}
		s += fmt.Sprintf(" keys=[%s]", strings.Join(keys, ", "))
		if h.spec.NullAwareKeys {
			s += " null-aware"
		}
	}
	if h.spec.Residual != nil {
		s += " residual=" + h.spec.Residual.String()
	}
	if h.spec.Test != nil {
		s += " test=" + h.spec.Test.String()
	}
	return s
}

func (h *HashSemiJoin) Open(ctx context.Context) error {
	h.ectx = &expr.Context{Mem: Allocator(ctx)}
	if len(h.spec.LeftKeys) != len(h.spec.RightKeys) {
		return fmt.Errorf("semi join has %d left keys and %d right keys", len(h.spec.LeftKeys), len(h.spec.RightKeys))
	}
	if h.spec.Kind == SingleJoin && h.spec.Test != nil {
		return fmt.Errorf("a single join takes no test")
	}
	if h.spec.NullAwareKeys && (h.spec.Residual != nil || h.spec.Test != nil || len(h.spec.LeftKeys) == 0) {
		return fmt.Errorf("null-aware keys need keys and neither a residual nor a test")
	}
	if err := h.left.Open(ctx); err != nil {
		return err
	}
	return h.right.Open(ctx)
}

func (h *HashSemiJoin) Next(ctx context.Context) (arrow.Record, error) {
	h.out.release()
	if h.ectx == nil {
		return nil, fmt.Errorf("HashSemiJoin: Next before Open")
	}
	if !h.built {
		if err := h.buildTable(ctx); err != nil {
			return nil, err
		}
		h.built = true
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := h.left.Next(ctx)
		if err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		out, err := h.joinBatch(rec)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return h.out.set(out), nil
		}
	}
}

// buildTable reads the right side whole and hashes its keys.
func (h *HashSemiJoin) buildTable(ctx context.Context) error {
	rec, err := drain(ctx, h.right, h.ectx.Mem)
	if err != nil {
		return err
	}
	h.buildRec = rec
	if len(h.spec.RightKeys) == 0 {
		return nil
	}
	keys, err := evalExprs(h.ectx, h.spec.RightKeys, rec)
	if err != nil {
		return err
	}
	defer releaseArrays(keys)
	for _, k := range keys {
		h.buildHasNull = h.buildHasNull || k.NullN() > 0
	}
	probeTypes := make([]arrow.DataType, len(h.spec.LeftKeys))
	for i, e := range h.spec.LeftKeys {
		probeTypes[i] = e.Type().Arrow()
	}
	if h.table, err = newJoinTable(keys, probeTypes, int(rec.NumRows())); err != nil {
		return fmt.Errorf("subquery key: %w", err)
	}
	h.chain = h.table.chains()
	return nil
}

// joinBatch decides every row of one left batch and returns its output
// (nil when no row is kept).
func (h *HashSemiJoin) joinBatch(rec arrow.Record) (arrow.Record, error) {
	n := int(rec.NumRows())
	h.state = resize(h.state, n)
	clear(h.state)
	if h.spec.Kind == SingleJoin {
		h.match = resize(h.match, n)
		for i := range h.match {
			h.match[i] = -1
		}
	}
	buildRows := int(h.buildRec.NumRows())
	keyed := len(h.spec.LeftKeys) > 0
	var probeNull []bool
	if keyed && buildRows > 0 {
		keys, err := evalExprs(h.ectx, h.spec.LeftKeys, rec)
		if err != nil {
			return nil, err
		}
		h.first = resize(h.first, n)
		err = h.table.lookup(keys, n, h.first)
		if err == nil && h.spec.NullAwareKeys {
			probeNull = make([]bool, n)
			for _, k := range keys {
				if k.NullN() == 0 {
					continue
				}
				for i := range probeNull {
					probeNull[i] = probeNull[i] || k.IsNull(i)
				}
			}
		}
		releaseArrays(keys)
		if err != nil {
			return nil, fmt.Errorf("subquery key: %w", err)
		}
	}
	switch {
	case buildRows == 0:
		// Nothing matches; NOT IN of an empty set is TRUE even for NULL.
	case h.spec.Residual == nil && h.spec.Test == nil && h.spec.Kind != SingleJoin:
		// Existence is enough: no pair needs evaluating.
		for i := 0; i < n; i++ {
			switch {
			case !keyed || h.first[i] >= 0:
				h.state[i] = matchTrue
			case h.spec.NullAwareKeys && (probeNull[i] || h.buildHasNull):
				h.state[i] = matchUnknown
			}
		}
	default:
		if err := h.evaluatePairs(rec, keyed, buildRows); err != nil {
			return nil, err
		}
	}
	return h.output(rec)
}

// evaluatePairs walks each left row's candidates, BatchSize pairs at a
// time, and settles its state from Residual and Test over the pairs.
func (h *HashSemiJoin) evaluatePairs(rec arrow.Record, keyed bool, buildRows int) error {
	n := int(rec.NumRows())
	size := batchSize()
	probeIdx, buildIdx := h.probeIdx[:0], h.buildIdx[:0]
	defer func() { h.probeIdx, h.buildIdx = probeIdx[:0], buildIdx[:0] }()
	flush := func() error {
		if len(probeIdx) == 0 {
			return nil
		}
		err := h.decidePairs(rec, probeIdx, buildIdx)
		probeIdx, buildIdx = probeIdx[:0], buildIdx[:0]
		return err
	}
	for row := 0; row < n; row++ {
		c := int32(0)
		if keyed {
			c = h.first[row]
		}
		for ; c >= 0; c = h.nextCandidate(c, keyed, buildRows) {
			if h.state[row] == matchTrue && h.spec.Kind != SingleJoin {
				break // decided; a SingleJoin goes on to find a second match
			}
			probeIdx = append(probeIdx, int32(row))
			buildIdx = append(buildIdx, c)
			if len(probeIdx) >= size {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func (h *HashSemiJoin) nextCandidate(c int32, keyed bool, buildRows int) int32 {
	if keyed {
		return h.chain[c]
	}
	if int(c)+1 < buildRows {
		return c + 1
	}
	return -1
}

// decidePairs evaluates one chunk of candidate pairs.
func (h *HashSemiJoin) decidePairs(rec arrow.Record, probeIdx, buildIdx []int32) error {
	if h.spec.Residual == nil && h.spec.Test == nil {
		// SingleJoin without conditions: every candidate matches.
		for k, p := range probeIdx {
			if err := h.setSingle(p, buildIdx[k]); err != nil {
				return err
			}
		}
		return nil
	}
	cand, err := h.candidates(rec, probeIdx, buildIdx)
	if err != nil {
		return err
	}
	defer cand.Release()
	pass := identity(len(probeIdx))
	if h.spec.Residual != nil {
		if pass, err = selectTrue(h.ectx, h.spec.Residual, cand); err != nil {
			return err
		}
	}
	if h.spec.Test == nil {
		for _, k := range pass {
			p := probeIdx[k]
			if h.spec.Kind == SingleJoin {
				if err := h.setSingle(p, buildIdx[k]); err != nil {
					return err
				}
				continue
			}
			h.state[p] = matchTrue
		}
		return nil
	}
	test, err := h.spec.Test.Eval(h.ectx, cand)
	if err != nil {
		return err
	}
	defer test.Release()
	switch t := test.(type) {
	case *array.Null:
		for _, k := range pass {
			h.state[probeIdx[k]] = max(h.state[probeIdx[k]], matchUnknown)
		}
	case *array.Boolean:
		vals, valid := expr.BoolBits(t), expr.ValidBits(t)
		for _, k := range pass {
			p := probeIdx[k]
			switch {
			case valid != nil && !bitutil.BitIsSet(valid, int(k)):
				h.state[p] = max(h.state[p], matchUnknown)
			case bitutil.BitIsSet(vals, int(k)):
				h.state[p] = matchTrue
			}
		}
	default:
		return fmt.Errorf("subquery test %s is %s, not BOOLEAN", h.spec.Test, test.DataType())
	}
	return nil
}

func (h *HashSemiJoin) setSingle(p, b int32) error {
	if h.match[p] >= 0 {
		return fmt.Errorf("subquery returns more than one row: %s", h.spec.Name)
	}
	h.match[p] = b
	return nil
}

// candidates gathers the pairs into rows of left then right columns.
func (h *HashSemiJoin) candidates(rec arrow.Record, probeIdx, buildIdx []int32) (arrow.Record, error) {
	cols := make([]arrow.Array, 0, h.candSchema.NumFields())
	defer func() { releaseArrays(cols) }()
	for _, c := range rec.Columns() {
		a, err := takeOrSlice(h.ectx.Mem, c, probeIdx)
		if err != nil {
			return nil, err
		}
		cols = append(cols, a)
	}
	for _, c := range h.buildRec.Columns() {
		a, err := take(h.ectx.Mem, c, buildIdx)
		if err != nil {
			return nil, err
		}
		cols = append(cols, a)
	}
	return array.NewRecord(h.candSchema, cols, int64(len(probeIdx))), nil
}

// output builds the batch the kind asks for from the decided states.
func (h *HashSemiJoin) output(rec arrow.Record) (arrow.Record, error) {
	n := int(rec.NumRows())
	mem := h.ectx.Mem
	switch h.spec.Kind {
	case SemiJoin, AntiJoin:
		want := matchTrue
		if h.spec.Kind == AntiJoin {
			want = matchNone
		}
		var rows []int32
		for i, s := range h.state[:n] {
			if s == want {
				rows = append(rows, int32(i))
			}
		}
		switch len(rows) {
		case 0:
			return nil, nil
		case n:
			return rewrap(h.schema, rec), nil
		}
		return takeRecord(mem, h.schema, rec, rows)
	case MarkJoin:
		mark := markArray(mem, h.state[:n])
		defer mark.Release()
		cols := append(append([]arrow.Array(nil), rec.Columns()...), mark)
		return array.NewRecord(h.schema, cols, int64(n)), nil
	}
	cols := append([]arrow.Array(nil), rec.Columns()...)
	var added []arrow.Array
	defer func() { releaseArrays(added) }()
	for _, c := range h.buildRec.Columns() {
		var a arrow.Array
		if h.buildRec.NumRows() == 0 {
			a = array.MakeArrayOfNull(mem, c.DataType(), n)
		} else {
			var err error
			if a, err = take(mem, c, h.match[:n]); err != nil {
				return nil, err
			}
		}
		added = append(added, a)
		cols = append(cols, a)
	}
	return array.NewRecord(h.schema, cols, int64(n)), nil
}

// markArray turns match states into TRUE, NULL and FALSE.
func markArray(mem memory.Allocator, state []uint8) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(len(state))
	for _, s := range state {
		switch s {
		case matchTrue:
			b.UnsafeAppend(true)
		case matchUnknown:
			b.UnsafeAppendBoolToBitmap(false)
		default:
			b.UnsafeAppend(false)
		}
	}
	return b.NewArray()
}

func (h *HashSemiJoin) Close() error {
	h.out.release()
	if h.buildRec != nil {
		h.buildRec.Release()
		h.buildRec = nil
	}
	h.table, h.chain, h.first = nil, nil, nil
	if h.closed {
		return nil
	}
	h.closed = true
	errL := h.left.Close()
	errR := h.right.Close()
	if errL != nil {
		return errL
	}
	return errR
}
