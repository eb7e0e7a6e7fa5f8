package exec

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*HashAggregate)(nil)
	_ Explainer = (*HashAggregate)(nil)
)

// HashAggregate groups its input through a hash table of byte-encoded group
// keys that gives every row a dense group id, then feeds each batch to the
// aggregates' GroupsAccumulators at once.
type HashAggregate struct {
	child      Operator
	groupBy    []expr.Expr
	groupNames []string
	aggs       []AggregateCall
	schema     *arrow.Schema

	ectx      *expr.Context
	groups    keyTable
	accs      []catalog.GroupsAccumulator // nil once finished
	keyChunks [][]arrow.Array             // group key values of new groups, per batch
	result    arrow.Record                // all groups, once computed
	next      int64
	out       batchHolder
	done      bool
}

func newHashAggregate(child Operator, groupBy []expr.Expr, groupNames []string, aggs []AggregateCall) *HashAggregate {
	fields := make([]arrow.Field, 0, len(groupBy)+len(aggs))
	for i, g := range groupBy {
		fields = append(fields, field(groupNames[i], g.Type()))
	}
	for _, a := range aggs {
		fields = append(fields, field(a.Name, a.Fn.ResultType()))
	}
	return &HashAggregate{child: child, groupBy: groupBy, groupNames: groupNames, aggs: aggs,
		schema: arrow.NewSchema(fields, nil)}
}

func (h *HashAggregate) Schema() *arrow.Schema { return h.schema }
func (h *HashAggregate) Children() []Operator  { return []Operator{h.child} }
func (h *HashAggregate) Explain() string {
	keys := make([]string, len(h.groupBy))
	for i, g := range h.groupBy {
		keys[i] = g.String()
	}
	aggs := make([]string, len(h.aggs))
	for i, a := range h.aggs {
		aggs[i] = formatAggregate(a.Fn, a.Args)
	}
	return fmt.Sprintf("HashAggregate keys=[%s] aggs=[%s]", strings.Join(keys, ", "), strings.Join(aggs, ", "))
}

func formatAggregate(fn catalog.BoundAggregate, args []expr.Expr) string {
	if p, ok := fn.(*PythonAggregate); ok {
		return p.explain(args)
	}
	if len(args) == 0 {
		return fn.Name() + "(*)"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return fn.Name() + "(" + strings.Join(parts, ", ") + ")"
}

func (h *HashAggregate) Open(ctx context.Context) error {
	h.ectx = &expr.Context{Mem: Allocator(ctx)}
	h.groups.reset()
	h.accs = make([]catalog.GroupsAccumulator, len(h.aggs))
	for i, a := range h.aggs {
		h.accs[i] = newAccumulator(ctx, a.Fn, h.ectx.Mem)
	}
	return h.child.Open(ctx)
}

func (h *HashAggregate) Next(ctx context.Context) (arrow.Record, error) {
	h.out.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if h.ectx == nil {
		return nil, fmt.Errorf("HashAggregate: Next before Open")
	}
	if h.result == nil {
		if err := h.aggregate(ctx); err != nil {
			return nil, err
		}
	}
	n := h.result.NumRows()
	if h.next >= n {
		return nil, io.EOF
	}
	end := min(h.next+int64(batchSize()), n)
	out := sliceRecord(h.schema, h.result, h.next, end)
	h.next = end
	return h.out.set(out), nil
}

// aggregate consumes the whole input and builds h.result.
func (h *HashAggregate) aggregate(ctx context.Context) error {
	numGroups := 0
	if len(h.groupBy) == 0 {
		numGroups = 1 // one row even for empty input
	}
	var groupIDs []uint32
	seen := false
	for {
		rec, err := h.child.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		seen = true
		groupIDs = resize(groupIDs, n)
		if len(h.groupBy) == 0 {
			clear(groupIDs)
		} else if numGroups, err = h.assignGroups(rec, groupIDs); err != nil {
			return err
		}
		if err := h.update(rec, groupIDs, numGroups); err != nil {
			return err
		}
	}
	if !seen && numGroups > 0 {
		// Show the accumulators the empty input, so that each knows its
		// one group exists.
		empty, err := concatRecords(h.ectx.Mem, h.child.Schema(), nil)
		if err != nil {
			return err
		}
		err = h.update(empty, nil, numGroups)
		empty.Release()
		if err != nil {
			return err
		}
	}
	cols := make([]arrow.Array, 0, h.schema.NumFields())
	defer func() { releaseArrays(cols) }()
	for i := range h.groupBy {
		parts := make([]arrow.Array, len(h.keyChunks))
		for c, chunk := range h.keyChunks {
			parts[c] = chunk[i]
		}
		var col arrow.Array
		switch len(parts) {
		case 0:
			col = emptyArray(h.ectx.Mem, h.schema.Field(i).Type)
		case 1:
			col = parts[0]
			col.Retain()
		default:
			var err error
			if col, err = array.Concatenate(parts, h.ectx.Mem); err != nil {
				return fmt.Errorf("GROUP BY %s: %w", h.groupBy[i], err)
			}
		}
		cols = append(cols, col)
	}
	h.releaseKeyChunks()
	for i, acc := range h.accs {
		h.accs[i] = nil
		res, err := acc.Finish(numGroups)
		if err != nil {
			return fmt.Errorf("%s: %w", h.aggs[i].Fn.Name(), err)
		}
		cols = append(cols, res)
	}
	result, err := newRecord(h.schema, cols, numGroups)
	if err != nil {
		return err
	}
	h.result = result
	return nil
}

// assignGroups maps each row of rec to its group id, recording the key
// values of groups seen for the first time.
func (h *HashAggregate) assignGroups(rec arrow.Record, groupIDs []uint32) (int, error) {
	keys, err := evalExprs(h.ectx, h.groupBy, rec)
	if err != nil {
		return 0, err
	}
	defer releaseArrays(keys)
	newRows, err := h.groups.assign(keys, int(rec.NumRows()), groupIDs)
	if err != nil {
		return 0, err
	}
	if len(newRows) > 0 {
		chunk := make([]arrow.Array, len(keys))
		for i, k := range keys {
			if chunk[i], err = take(h.ectx.Mem, k, newRows); err != nil {
				releaseArrays(chunk)
				return 0, err
			}
		}
		h.keyChunks = append(h.keyChunks, chunk)
	}
	return h.groups.len(), nil
}

func (h *HashAggregate) update(rec arrow.Record, groupIDs []uint32, numGroups int) error {
	for i, a := range h.aggs {
		args, err := evalExprs(h.ectx, a.Args, rec)
		if err != nil {
			return err
		}
		err = h.accs[i].Update(args, groupIDs, numGroups)
		releaseArrays(args)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Fn.Name(), err)
		}
	}
	return nil
}

func (h *HashAggregate) releaseKeyChunks() {
	for _, c := range h.keyChunks {
		releaseArrays(c)
	}
	h.keyChunks = nil
}

func (h *HashAggregate) Close() error {
	h.out.release()
	h.releaseKeyChunks()
	if h.result != nil {
		h.result.Release()
		h.result = nil
	}
	// Accumulators not finished (an error, or Close before the end) still
	// hold state that only Finish releases.
	for i, acc := range h.accs {
		if acc != nil {
			if res, err := acc.Finish(h.groups.len()); err == nil {
				res.Release()
			}
			h.accs[i] = nil
		}
	}
	h.groups.reset()
	if h.done {
		return nil
	}
	h.done = true
	return h.child.Close()
}
