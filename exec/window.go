package exec

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

var (
	_ Operator  = (*Window)(nil)
	_ Explainer = (*Window)(nil)
)

// RunningAccumulator is a GroupsAccumulator whose current values can be
// read without ending it. Window uses it, when an aggregate's accumulator
// provides it, to compute running frames (UNBOUNDED PRECEDING to CURRENT
// ROW) in one pass over each partition; other accumulators are fed every
// frame on its own.
type RunningAccumulator interface {
	catalog.GroupsAccumulator
	// Evaluate returns the value each group 0..numGroups-1 has now; the
	// accumulator keeps its state and accepts more Updates.
	Evaluate(numGroups int) (arrow.Array, error)
}

// Window materialises its input and appends one column per window
// function. Each function sorts a permutation of the rows by its own
// partition and order keys, computes its values in that order and scatters
// them back, so output rows keep the input's order.
type Window struct {
	child  Operator
	funcs  []WindowFunc
	schema *arrow.Schema

	ectx   *expr.Context
	result arrow.Record
	next   int64
	out    batchHolder
	closed bool
}

func newWindow(child Operator, funcs []WindowFunc) *Window {
	fields := slices.Clone(child.Schema().Fields())
	for _, f := range funcs {
		t := types.Int64Type
		if f.Kind == WindowAggregate {
			t = f.Agg.ResultType()
		}
		fields = append(fields, field(f.Name, t))
	}
	return &Window{child: child, funcs: funcs, schema: arrow.NewSchema(fields, nil)}
}

func (w *Window) Schema() *arrow.Schema { return w.schema }
func (w *Window) Children() []Operator  { return []Operator{w.child} }
func (w *Window) Explain() string {
	parts := make([]string, len(w.funcs))
	for i, f := range w.funcs {
		parts[i] = f.String()
	}
	return "Window funcs=[" + strings.Join(parts, ", ") + "]"
}

// String is the call as EXPLAIN prints it.
func (f WindowFunc) String() string {
	var call string
	switch f.Kind {
	case WindowRowNumber:
		call = "row_number()"
	case WindowRank:
		call = "rank()"
	case WindowDenseRank:
		call = "dense_rank()"
	default:
		call = formatAggregate(f.Agg, f.Args)
	}
	var over []string
	if len(f.PartitionBy) > 0 {
		ps := make([]string, len(f.PartitionBy))
		for i, p := range f.PartitionBy {
			ps[i] = p.String()
		}
		over = append(over, "PARTITION BY "+strings.Join(ps, ", "))
	}
	if len(f.OrderBy) > 0 {
		over = append(over, "ORDER BY "+formatSortKeys(f.OrderBy))
	}
	if f.Kind == WindowAggregate {
		over = append(over, f.Frame.String())
	}
	return call + " OVER (" + strings.Join(over, " ") + ")"
}

func (f Frame) String() string {
	unit := "ROWS"
	if f.Unit == FrameRange {
		unit = "RANGE"
	}
	return fmt.Sprintf("%s BETWEEN %s AND %s", unit, f.Start, f.End)
}

func (b FrameBound) String() string {
	switch b.Kind {
	case UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case Preceding:
		return fmt.Sprintf("%d PRECEDING", b.Offset)
	case CurrentRow:
		return "CURRENT ROW"
	case Following:
		return fmt.Sprintf("%d FOLLOWING", b.Offset)
	case UnboundedFollowing:
		return "UNBOUNDED FOLLOWING"
	}
	return fmt.Sprintf("BoundKind(%d)", int(b.Kind))
}

func (w *Window) Open(ctx context.Context) error {
	w.ectx = &expr.Context{Mem: Allocator(ctx)}
	return w.child.Open(ctx)
}

func (w *Window) Next(ctx context.Context) (arrow.Record, error) {
	w.out.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.ectx == nil {
		return nil, fmt.Errorf("Window: Next before Open")
	}
	if w.result == nil {
		if err := w.compute(ctx); err != nil {
			return nil, err
		}
	}
	n := w.result.NumRows()
	if w.next >= n {
		return nil, io.EOF
	}
	end := min(w.next+int64(batchSize()), n)
	out := sliceRecord(w.schema, w.result, w.next, end)
	w.next = end
	return w.out.set(out), nil
}

func (w *Window) compute(ctx context.Context) error {
	input, err := drain(ctx, w.child, w.ectx.Mem)
	if err != nil {
		return err
	}
	defer input.Release()
	cols := slices.Clone(input.Columns())
	for _, c := range cols {
		c.Retain()
	}
	defer func() { releaseArrays(cols) }()
	// Functions over the same partitions and order share one sort.
	var orders []*windowOrder
	defer func() {
		for _, o := range orders {
			o.release()
		}
	}()
	for _, f := range w.funcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		var o *windowOrder
		for _, prev := range orders {
			if prev.sameWindow(f) {
				o = prev
				break
			}
		}
		if o == nil {
			if o, err = w.order(input, f); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			orders = append(orders, o)
		}
		col, err := w.computeFunc(ctx, input, f, o)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		cols = append(cols, col)
	}
	w.result, err = newRecord(w.schema, cols, int(input.NumRows()))
	return err
}

// windowOrder is the rows of the input sorted by one function's partition
// and order keys, with each sorted position's partition and peer group.
type windowOrder struct {
	partitionBy              []expr.Expr
	orderBy                  []SortKey
	cols                     []arrow.Array // the evaluated keys
	perm                     []int32       // sorted position -> input row
	partStart, partEnd       []int         // by sorted position
	peerStart, peerEnd       []int
	orderCol                 arrow.Array // the ORDER BY key, for RANGE offsets
	orderKeys                int
	desc                     bool
	nonNullStart, nonNullEnd []int // the partition's rows with a non-NULL orderCol
}

func (o *windowOrder) release() { releaseArrays(o.cols) }

// sameWindow reports whether f partitions and orders as o does. Only
// column references and identical expressions are recognised as equal.
func (o *windowOrder) sameWindow(f WindowFunc) bool {
	if len(f.PartitionBy) != len(o.partitionBy) || len(f.OrderBy) != len(o.orderBy) {
		return false
	}
	for i, p := range f.PartitionBy {
		if !sameExpr(p, o.partitionBy[i]) {
			return false
		}
	}
	for i, k := range f.OrderBy {
		q := o.orderBy[i]
		if k.Desc != q.Desc || k.NullsFirst != q.NullsFirst || !sameExpr(k.Expr, q.Expr) {
			return false
		}
	}
	return true
}

func sameExpr(a, b expr.Expr) bool {
	if ca, ok := a.(*expr.Column); ok {
		cb, ok := b.(*expr.Column)
		return ok && ca.Index == cb.Index && ca.Typ.Equal(cb.Typ)
	}
	return a == b
}

func (w *Window) order(input arrow.Record, f WindowFunc) (*windowOrder, error) {
	keys := make([]SortKey, 0, len(f.PartitionBy)+len(f.OrderBy))
	for _, p := range f.PartitionBy {
		keys = append(keys, SortKey{Expr: p, NullsFirst: true})
	}
	keys = append(keys, f.OrderBy...)
	exprs := make([]expr.Expr, len(keys))
	for i, k := range keys {
		exprs[i] = k.Expr
	}
	cols, err := evalExprs(w.ectx, exprs, input)
	if err != nil {
		return nil, err
	}
	full, err := newOrderKeys(cols, keys, false)
	if err != nil {
		releaseArrays(cols)
		return nil, err
	}
	np, nk := len(f.PartitionBy), len(keys)
	n := int(input.NumRows())
	o := &windowOrder{partitionBy: f.PartitionBy, orderBy: f.OrderBy, cols: cols, perm: identity(n)}
	if nk > 0 {
		o.perm = full.sorted()
	}
	o.partStart, o.partEnd = make([]int, n), make([]int, n)
	o.peerStart, o.peerEnd = make([]int, n), make([]int, n)
	// Where the sorted rows change partition, and where they change peers.
	newPart, newPeer := make([]bool, n), make([]bool, n)
	full.markChanges(o.perm, 0, np, newPart)
	full.markChanges(o.perm, np, nk, newPeer)
	for k := 0; k < n; k++ {
		switch {
		case k == 0 || newPart[k]:
			o.partStart[k], o.peerStart[k] = k, k
		case newPeer[k]:
			o.partStart[k], o.peerStart[k] = o.partStart[k-1], k
		default:
			o.partStart[k], o.peerStart[k] = o.partStart[k-1], o.peerStart[k-1]
		}
	}
	for k := n - 1; k >= 0; k-- {
		switch {
		case k < n-1 && o.peerStart[k+1] == o.peerStart[k]:
			o.partEnd[k], o.peerEnd[k] = o.partEnd[k+1], o.peerEnd[k+1]
		case k < n-1 && o.partStart[k+1] == o.partStart[k]:
			o.partEnd[k], o.peerEnd[k] = o.partEnd[k+1], k+1
		default:
			o.partEnd[k], o.peerEnd[k] = k+1, k+1
		}
	}
	o.orderKeys = len(f.OrderBy)
	if len(f.OrderBy) > 0 {
		o.orderCol, o.desc = cols[np], f.OrderBy[0].Desc
		o.nonNullStart, o.nonNullEnd = make([]int, n), make([]int, n)
		for k := 0; k < n; {
			ps, pe := o.partStart[k], o.partEnd[k]
			a, b := ps, pe
			for a < b && o.orderCol.IsNull(int(o.perm[a])) {
				a++
			}
			for b > a && o.orderCol.IsNull(int(o.perm[b-1])) {
				b--
			}
			for j := ps; j < pe; j++ {
				o.nonNullStart[j], o.nonNullEnd[j] = a, b
			}
			k = pe
		}
	}
	return o, nil
}

func (w *Window) computeFunc(ctx context.Context, input arrow.Record, f WindowFunc, o *windowOrder) (arrow.Array, error) {
	n := len(o.perm)
	if f.Kind != WindowAggregate {
		vals := make([]int64, n)
		dense := int64(0)
		for k := 0; k < n; k++ {
			var v int64
			switch f.Kind {
			case WindowRowNumber:
				v = int64(k - o.partStart[k] + 1)
			case WindowRank:
				v = int64(o.peerStart[k] - o.partStart[k] + 1)
			case WindowDenseRank:
				if k == o.partStart[k] {
					dense = 0
				}
				if k == o.peerStart[k] {
					dense++
				}
				v = dense
			default:
				return nil, fmt.Errorf("unknown window function kind %d", int(f.Kind))
			}
			vals[o.perm[k]] = v
		}
		b := array.NewInt64Builder(w.ectx.Mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray(), nil
	}
	args, err := evalExprs(w.ectx, f.Args, input)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(args)
	if agg, ok := isPandasAggregate(f); ok {
		return w.pythonFramed(ctx, f, agg, o, args)
	}
	if f.Frame.Start.Kind == UnboundedPreceding && f.Frame.End.Kind == CurrentRow {
		acc := newAccumulator(ctx, f.Agg, w.ectx.Mem)
		if running, ok := acc.(RunningAccumulator); ok {
			return w.running(f, o, args, running)
		}
		// Nothing was fed to it: Finish only releases it.
		if res, err := acc.Finish(0); err == nil {
			res.Release()
		}
	}
	return w.framed(ctx, f, o, args)
}

// frame returns the sorted positions [start, end) of row k's frame.
func (o *windowOrder) frame(fr Frame, k int) (int, int, error) {
	start, err := o.bound(fr, fr.Start, k, false)
	if err != nil {
		return 0, 0, err
	}
	end, err := o.bound(fr, fr.End, k, true)
	if err != nil {
		return 0, 0, err
	}
	return start, max(start, end), nil
}

// bound places one end of row k's frame: the first position in the frame
// (a start) or the first after it (an end).
func (o *windowOrder) bound(fr Frame, b FrameBound, k int, isEnd bool) (int, error) {
	ps, pe := o.partStart[k], o.partEnd[k]
	clamp := func(i int) int { return min(max(i, ps), pe) }
	after := 0
	if isEnd {
		after = 1
	}
	switch b.Kind {
	case UnboundedPreceding:
		return ps, nil
	case UnboundedFollowing:
		return pe, nil
	}
	if b.Offset < 0 {
		return 0, fmt.Errorf("frame offset %d is negative", b.Offset)
	}
	if fr.Unit == FrameRows {
		switch b.Kind {
		case Preceding:
			return clamp(k - int(min(b.Offset, int64(pe))) + after), nil
		case CurrentRow:
			return k + after, nil
		case Following:
			return clamp(k + int(min(b.Offset, int64(pe))) + after), nil
		}
		return 0, fmt.Errorf("bad frame bound %d", int(b.Kind))
	}
	// RANGE: peers of the current row count as the current row.
	if b.Kind == CurrentRow {
		if isEnd {
			return o.peerEnd[k], nil
		}
		return o.peerStart[k], nil
	}
	if o.orderKeys != 1 {
		return 0, fmt.Errorf("RANGE with %s needs exactly one ORDER BY key", b)
	}
	value, err := numericValue(o.orderCol)
	if err != nil {
		return 0, fmt.Errorf("RANGE with %s: %w", b, err)
	}
	row := int(o.perm[k])
	if o.orderCol.IsNull(row) {
		// NULL keys are peers of each other and nothing else.
		if isEnd {
			return o.peerEnd[k], nil
		}
		return o.peerStart[k], nil
	}
	// Search the partition's non-NULL rows in ascending key' = ±key.
	sign := 1.0
	if o.desc {
		sign = -1
	}
	target := sign * value(row)
	if b.Kind == Preceding {
		target -= float64(b.Offset)
	} else {
		target += float64(b.Offset)
	}
	lo, hi := o.nonNullStart[k], o.nonNullEnd[k]
	return lo + searchFirst(hi-lo, func(j int) bool {
		v := sign * value(int(o.perm[lo+j]))
		if isEnd {
			return v > target
		}
		return v >= target
	}), nil
}

func searchFirst(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !f(m) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// numericValue reads a numeric, DATE (days) or TIMESTAMP (microseconds)
// column as float64.
func numericValue(arr arrow.Array) (func(i int) float64, error) {
	switch a := arr.(type) {
	case *array.Int8:
		return func(i int) float64 { return float64(a.Value(i)) }, nil
	case *array.Int16:
		return func(i int) float64 { return float64(a.Value(i)) }, nil
	case *array.Int32:
		return func(i int) float64 { return float64(a.Value(i)) }, nil
	case *array.Int64:
		return func(i int) float64 { return float64(a.Value(i)) }, nil
	case *array.Float32:
		return func(i int) float64 { return float64(a.Value(i)) }, nil
	case *array.Float64:
		return a.Value, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) float64 { return a.Value(i).ToFloat64(scale) }, nil
	case *array.Date32:
		return func(i int) float64 { return float64(a.Value(i)) }, nil
	case *array.Timestamp:
		return func(i int) float64 { return float64(a.Value(i)) }, nil
	}
	return nil, fmt.Errorf("an offset needs a numeric ORDER BY key, not %s", arr.DataType())
}

// framed aggregates every distinct frame as a group of one accumulator:
// each frame's rows are fed with that frame's group id, in chunks.
// Consecutive rows with the same frame (peers, whole-partition frames)
// share one group.
func (w *Window) framed(ctx context.Context, f WindowFunc, o *windowOrder, args []arrow.Array) (arrow.Array, error) {
	n := len(o.perm)
	frameOf := make([]int32, n) // by input row
	type span struct{ start, end int }
	var frames []span
	for k := 0; k < n; k++ {
		s, e, err := o.frame(f.Frame, k)
		if err != nil {
			return nil, err
		}
		if len(frames) == 0 || k == o.partStart[k] || frames[len(frames)-1] != (span{s, e}) {
			frames = append(frames, span{s, e})
		}
		frameOf[o.perm[k]] = int32(len(frames) - 1)
	}
	acc := newAccumulator(ctx, f.Agg, w.ectx.Mem)
	numGroups := len(frames)
	chunk := max(batchSize(), 1<<14)
	rows := make([]int32, 0, chunk)
	groups := make([]uint32, 0, chunk)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		part := make([]arrow.Array, len(args))
		defer releaseArrays(part)
		for i, a := range args {
			var err error
			if part[i], err = take(w.ectx.Mem, a, rows); err != nil {
				return err
			}
		}
		err := acc.Update(part, groups, numGroups)
		rows, groups = rows[:0], groups[:0]
		return err
	}
	for g, fr := range frames {
		for j := fr.start; j < fr.end; j++ {
			rows = append(rows, o.perm[j])
			groups = append(groups, uint32(g))
			if len(rows) == chunk {
				if err := flush(); err != nil {
					finishQuietly(acc, numGroups)
					return nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		finishQuietly(acc, numGroups)
		return nil, err
	}
	res, err := acc.Finish(numGroups)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	return take(w.ectx.Mem, res, frameOf)
}

func finishQuietly(acc catalog.GroupsAccumulator, numGroups int) {
	if res, err := acc.Finish(numGroups); err == nil {
		res.Release()
	}
}

// running computes UNBOUNDED PRECEDING..CURRENT ROW frames incrementally
// with one accumulator, a partition per group. Each partition is cut into
// units, a row (ROWS) or a peer group (RANGE); step t feeds unit t of every
// partition that has one, then reads those partitions' values. Partitions
// are numbered longest first, so the ones still running at step t are
// groups 0..active-1, and the values read add up to one per unit: O(n).
func (w *Window) running(f WindowFunc, o *windowOrder, args []arrow.Array, acc RunningAccumulator) (res arrow.Array, err error) {
	n := len(o.perm)
	numGroups := 0
	defer func() {
		if err != nil {
			finishQuietly(acc, numGroups)
		}
	}()
	unitEnd := func(k int) int {
		if f.Frame.Unit == FrameRange {
			return o.peerEnd[k]
		}
		return k + 1
	}
	type partition struct{ start, units int }
	var parts []partition
	for ps := 0; ps < n; ps = o.partEnd[ps] {
		units := 0
		for k := ps; k < o.partEnd[ps]; k = unitEnd(k) {
			units++
		}
		parts = append(parts, partition{ps, units})
	}
	numGroups = len(parts)
	slices.SortStableFunc(parts, func(a, b partition) int { return b.units - a.units })
	// The rows in step order, their groups, and each step's end.
	order := make([]int32, 0, n)
	groups := make([]uint32, 0, n)
	var stepEnd []int
	valueOf := make([]int32, n) // by input row: its value's index among all read
	cursor := make([]int, len(parts))
	for g, p := range parts {
		cursor[g] = p.start
	}
	read := 0
	for t := 0; len(parts) > 0 && t < parts[0].units; t++ {
		for g := 0; g < len(parts) && parts[g].units > t; g++ {
			k := cursor[g]
			end := unitEnd(k)
			for ; k < end; k++ {
				order = append(order, o.perm[k])
				groups = append(groups, uint32(g))
				valueOf[o.perm[k]] = int32(read + g)
			}
			cursor[g] = end
		}
		stepEnd = append(stepEnd, len(order))
		for g := 0; g < len(parts) && parts[g].units > t; g++ {
			read++
		}
	}
	stepped := make([]arrow.Array, len(args))
	defer func() { releaseArrays(stepped) }()
	for i, a := range args {
		if stepped[i], err = take(w.ectx.Mem, a, order); err != nil {
			return nil, err
		}
	}
	// The values read, concatenated a chunk at a time to bound the number
	// of arrays held.
	var chunks, pending []arrow.Array
	pendingRows := 0
	defer func() {
		releaseArrays(chunks)
		releaseArrays(pending)
	}()
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		c, err := array.Concatenate(pending, w.ectx.Mem)
		if err != nil {
			return err
		}
		releaseArrays(pending)
		chunks, pending, pendingRows = append(chunks, c), pending[:0], 0
		return nil
	}
	slice := make([]arrow.Array, len(stepped))
	start := 0
	for t, end := range stepEnd {
		for i, a := range stepped {
			slice[i] = array.NewSlice(a, int64(start), int64(end))
		}
		err := acc.Update(slice, groups[start:end], numGroups)
		releaseArrays(slice)
		if err != nil {
			return nil, err
		}
		active := 0
		for active < len(parts) && parts[active].units > t {
			active++
		}
		v, err := acc.Evaluate(active)
		if err != nil {
			return nil, err
		}
		pending = append(pending, v)
		if pendingRows += active; pendingRows >= 1<<16 || len(pending) >= 1<<12 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		start = end
	}
	if err := flush(); err != nil {
		return nil, err
	}
	res, err = acc.Finish(numGroups)
	if err != nil {
		return nil, err
	}
	res.Release()
	var all arrow.Array
	if len(chunks) == 0 {
		all = emptyArray(w.ectx.Mem, f.Agg.ResultType().Arrow())
	} else if all, err = array.Concatenate(chunks, w.ectx.Mem); err != nil {
		return nil, err
	}
	defer all.Release()
	return take(w.ectx.Mem, all, valueOf)
}

func (w *Window) Close() error {
	w.out.release()
	if w.result != nil {
		w.result.Release()
		w.result = nil
	}
	if w.closed {
		return nil
	}
	w.closed = true
	return w.child.Close()
}
