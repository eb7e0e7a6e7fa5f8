package exec

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*HashJoin)(nil)
	_ Explainer = (*HashJoin)(nil)
)

// HashJoin builds a hash table over one input (the right one, or the left
// one for RIGHT joins, so that the outer side is always the one probed) and
// streams the other through it. Without keys every build row is a
// candidate: a nested-loop join.
type HashJoin struct {
	left, right         Operator
	typ                 JoinType
	leftKeys, rightKeys []expr.Expr
	residual            expr.Expr
	schema              *arrow.Schema

	build, probe           Operator
	buildKeys, probeKeyEx  []expr.Expr
	probeIsLeft, padsProbe bool

	ectx     *expr.Context
	built    bool
	buildRec arrow.Record
	table    joinTable
	chain    []int32 // the table's chains
	unique   bool    // no two build rows share a key: every chain is one row

	probeRec arrow.Record // the probe batch being joined
	first    []int32      // by probe row: its first matching build row, or -1
	probeIdx []int32      // the pairs of one output batch
	buildIdx []int32
	row      int   // its row being joined
	started  bool  // row's candidates have been looked up
	cursor   int32 // next candidate build row of row, or -1
	matched  []bool
	padding  bool    // all pairs of probeRec are out; unmatched rows follow
	padRows  []int32 // probe rows without a match
	padNext  int

	out    batchHolder
	closed bool
}

func newHashJoin(left, right Operator, typ JoinType, leftKeys, rightKeys []expr.Expr, residual expr.Expr) *HashJoin {
	h := &HashJoin{left: left, right: right, typ: typ, leftKeys: leftKeys, rightKeys: rightKeys, residual: residual}
	fields := make([]arrow.Field, 0, len(left.Schema().Fields())+len(right.Schema().Fields()))
	for _, f := range left.Schema().Fields() {
		f.Nullable = f.Nullable || typ == RightJoin
		fields = append(fields, f)
	}
	for _, f := range right.Schema().Fields() {
		f.Nullable = f.Nullable || typ == LeftJoin
		fields = append(fields, f)
	}
	h.schema = arrow.NewSchema(fields, nil)
	if typ == RightJoin {
		h.build, h.probe, h.buildKeys, h.probeKeyEx = left, right, leftKeys, rightKeys
	} else {
		h.build, h.probe, h.buildKeys, h.probeKeyEx = right, left, rightKeys, leftKeys
		h.probeIsLeft = true
	}
	h.padsProbe = typ == LeftJoin || typ == RightJoin
	return h
}

func (h *HashJoin) Schema() *arrow.Schema { return h.schema }
func (h *HashJoin) Children() []Operator  { return []Operator{h.left, h.right} }
func (h *HashJoin) Explain() string {
	var s string
	if len(h.leftKeys) == 0 {
		s = "NestedLoopJoin type=" + h.typ.String()
	} else {
		keys := make([]string, len(h.leftKeys))
		for i := range h.leftKeys {
			keys[i] = h.leftKeys[i].String() + " = " + h.rightKeys[i].String()
		}
		s = fmt.Sprintf("HashJoin type=%s keys=[%s]", h.typ, strings.Join(keys, ", "))
	}
	if h.residual != nil {
		s += " residual=" + h.residual.String()
	}
	return s
}

func (h *HashJoin) Open(ctx context.Context) error {
	h.ectx = &expr.Context{Mem: Allocator(ctx)}
	if len(h.leftKeys) != len(h.rightKeys) {
		return fmt.Errorf("join has %d left keys and %d right keys", len(h.leftKeys), len(h.rightKeys))
	}
	if err := h.left.Open(ctx); err != nil {
		return err
	}
	return h.right.Open(ctx)
}

func (h *HashJoin) Next(ctx context.Context) (arrow.Record, error) {
	h.out.release()
	if h.ectx == nil {
		return nil, fmt.Errorf("HashJoin: Next before Open")
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !h.built {
			if err := h.buildTable(ctx); err != nil {
				return nil, err
			}
			h.built = true
		}
		if h.probeRec == nil {
			if h.buildRec.NumRows() == 0 && !h.padsProbe {
				return nil, io.EOF // nothing can match
			}
			if err := h.nextProbe(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if !h.padding {
			probeIdx, buildIdx := h.pairs()
			if h.row >= int(h.probeRec.NumRows()) {
				h.padding = true
			}
			if len(probeIdx) > 0 {
				out, err := h.joinPairs(probeIdx, buildIdx)
				if err != nil {
					return nil, err
				}
				if out != nil {
					return h.out.set(out), nil
				}
			}
			continue
		}
		if h.padsProbe && h.padNext == 0 && len(h.padRows) == 0 {
			// Every pair of the batch has been joined: the rows still
			// unmatched are padded.
			for i, m := range h.matched {
				if !m {
					h.padRows = append(h.padRows, int32(i))
				}
			}
		}
		if h.padNext < len(h.padRows) {
			end := min(h.padNext+batchSize(), len(h.padRows))
			out, err := h.padded(h.padRows[h.padNext:end])
			if err != nil {
				return nil, err
			}
			h.padNext = end
			return h.out.set(out), nil
		}
		h.probeRec.Release()
		h.probeRec = nil
	}
}

// buildTable reads the build input whole and hashes its keys.
func (h *HashJoin) buildTable(ctx context.Context) error {
	rec, err := drain(ctx, h.build, h.ectx.Mem)
	if err != nil {
		return err
	}
	h.buildRec = rec
	if len(h.buildKeys) == 0 {
		return nil
	}
	keys, err := evalExprs(h.ectx, h.buildKeys, rec)
	if err != nil {
		return err
	}
	defer releaseArrays(keys)
	probeTypes := make([]arrow.DataType, len(h.probeKeyEx))
	for i, e := range h.probeKeyEx {
		probeTypes[i] = e.Type().Arrow()
	}
	h.table, err = newJoinTable(keys, probeTypes, int(rec.NumRows()))
	if err != nil {
		return fmt.Errorf("join key: %w", err)
	}
	h.chain = h.table.chains()
	h.unique = !slices.ContainsFunc(h.chain, func(c int32) bool { return c >= 0 })
	return nil
}

func (h *HashJoin) nextProbe(ctx context.Context) error {
	rec, err := h.probe.Next(ctx)
	if err != nil {
		return err
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	if len(h.probeKeyEx) > 0 {
		keys, err := evalExprs(h.ectx, h.probeKeyEx, rec)
		if err != nil {
			return err
		}
		h.first = resize(h.first, n)
		err = h.table.lookup(keys, n, h.first)
		releaseArrays(keys)
		if err != nil {
			return fmt.Errorf("join key: %w", err)
		}
	}
	rec.Retain()
	h.probeRec = rec
	h.row, h.started, h.padding = 0, false, false
	h.matched = resize(h.matched, n)
	clear(h.matched)
	h.padRows, h.padNext = h.padRows[:0], 0
	return nil
}

func (h *HashJoin) firstCandidate(row int) int32 {
	if len(h.probeKeyEx) == 0 {
		if h.buildRec.NumRows() == 0 {
			return -1
		}
		return 0
	}
	return h.first[row]
}

func (h *HashJoin) nextCandidate(c int32) int32 {
	if len(h.probeKeyEx) == 0 {
		if int64(c)+1 < h.buildRec.NumRows() {
			return c + 1
		}
		return -1
	}
	return h.chain[c]
}

// pairs lists up to BatchSize candidate pairs of the probe batch, resuming
// where the previous call stopped.
func (h *HashJoin) pairs() (probeIdx, buildIdx []int32) {
	size := batchSize()
	n := int(h.probeRec.NumRows())
	probeIdx, buildIdx = h.probeIdx[:0], h.buildIdx[:0]
	defer func() { h.probeIdx, h.buildIdx = probeIdx, buildIdx }()
	if h.unique && len(h.probeKeyEx) > 0 {
		first := h.first
		for ; h.row < n && len(probeIdx) < size; h.row++ {
			if b := first[h.row]; b >= 0 {
				probeIdx = append(probeIdx, int32(h.row))
				buildIdx = append(buildIdx, b)
			}
		}
		return probeIdx, buildIdx
	}
	for h.row < n && len(probeIdx) < size {
		if !h.started {
			h.started = true
			h.cursor = h.firstCandidate(h.row)
		}
		for h.cursor >= 0 && len(probeIdx) < size {
			probeIdx = append(probeIdx, int32(h.row))
			buildIdx = append(buildIdx, h.cursor)
			h.cursor = h.nextCandidate(h.cursor)
		}
		if h.cursor < 0 {
			h.row++
			h.started = false
		}
	}
	return probeIdx, buildIdx
}

// joinPairs gathers the candidate pairs into output rows and keeps those
// the residual accepts; nil when none is left.
func (h *HashJoin) joinPairs(probeIdx, buildIdx []int32) (arrow.Record, error) {
	cols := make([]arrow.Array, 0, h.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	gather := func(rec arrow.Record, idx []int32) error {
		for _, c := range rec.Columns() {
			a, err := takeOrSlice(h.ectx.Mem, c, idx)
			if err != nil {
				return err
			}
			cols = append(cols, a)
		}
		return nil
	}
	first, firstIdx, second, secondIdx := h.probeRec, probeIdx, h.buildRec, buildIdx
	if !h.probeIsLeft {
		first, firstIdx, second, secondIdx = second, secondIdx, first, firstIdx
	}
	if err := gather(first, firstIdx); err != nil {
		return nil, err
	}
	if err := gather(second, secondIdx); err != nil {
		return nil, err
	}
	cand := array.NewRecord(h.schema, cols, int64(len(probeIdx)))
	if h.residual == nil {
		for _, p := range probeIdx {
			h.matched[p] = true
		}
		return cand, nil
	}
	defer cand.Release()
	sel, err := selectTrue(h.ectx, h.residual, cand)
	if err != nil {
		return nil, err
	}
	for _, s := range sel {
		h.matched[probeIdx[s]] = true
	}
	switch len(sel) {
	case 0:
		return nil, nil
	case len(probeIdx):
		cand.Retain()
		return cand, nil
	}
	return takeRecord(h.ectx.Mem, h.schema, cand, sel)
}

// padded returns the probe rows rows with NULLs for the build side.
func (h *HashJoin) padded(rows []int32) (arrow.Record, error) {
	cols := make([]arrow.Array, 0, h.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	nulls := func(rec arrow.Record) {
		for _, c := range rec.Columns() {
			cols = append(cols, array.MakeArrayOfNull(h.ectx.Mem, c.DataType(), len(rows)))
		}
	}
	probe := func() error {
		for _, c := range h.probeRec.Columns() {
			a, err := take(h.ectx.Mem, c, rows)
			if err != nil {
				return err
			}
			cols = append(cols, a)
		}
		return nil
	}
	if h.probeIsLeft {
		if err := probe(); err != nil {
			return nil, err
		}
		nulls(h.buildRec)
	} else {
		nulls(h.buildRec)
		if err := probe(); err != nil {
			return nil, err
		}
	}
	return array.NewRecord(h.schema, cols, int64(len(rows))), nil
}

func (h *HashJoin) Close() error {
	h.out.release()
	if h.probeRec != nil {
		h.probeRec.Release()
		h.probeRec = nil
	}
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
