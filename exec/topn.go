package exec

import (
	"context"
	"fmt"
	"io"
	"slices"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/taipandb/taipan/exec/expr"
)

var (
	_ Operator  = (*TopN)(nil)
	_ Explainer = (*TopN)(nil)
)

// topNMaxRows is the largest offset+limit TopN keeps in a heap; past it a
// full sort is cheaper than the heap's comparisons.
const topNMaxRows = 1 << 16

// NewTopN is NewLimit(NewSort(child, keys), offset, limit) for limit >= 0,
// in one pass that keeps only the offset+limit first rows seen so far.
// Ties keep input order, as in Sort.
func NewTopN(child Operator, keys []SortKey, offset, limit int64) Operator {
	return &TopN{child: child, keys: keys, offset: max(offset, 0), limit: limit}
}

// TopN keeps a max-heap of the rows that are first by the sort keys. Each
// row's keys are encoded as words that compare as the rows do (with the
// input position last, so that no two rows tie: rowKey); a row enters the
// heap only if it is before the heap's last row. The rows of a batch that are
// still in the heap after it are gathered out of it, so that batches are
// not held; gathered rows are compacted once most of them have left the
// heap.
type TopN struct {
	child         Operator
	keys          []SortKey
	offset, limit int64
	ectx          *expr.Context

	full    Operator // Limit over Sort, when offset+limit is too large
	heap    []topNEntry
	sources []arrow.Record // gathered rows the heap points into
	held    int            // rows in sources
	seq     uint64         // input rows seen
	scratch []uint64

	result arrow.Record // the rows out, in order
	next   int64
	out    batchHolder
	done   bool
}

type topNEntry struct {
	key []uint64
	src int32 // index into sources; -1: the batch being read
	row int32
}

func (t *TopN) Schema() *arrow.Schema { return t.child.Schema() }
func (t *TopN) Children() []Operator  { return []Operator{t.child} }
func (t *TopN) Explain() string {
	s := fmt.Sprintf("TopN limit=%d", t.limit)
	if t.offset > 0 {
		s += fmt.Sprintf(" offset=%d", t.offset)
	}
	return s + " keys=[" + formatSortKeys(t.keys) + "]"
}

func (t *TopN) Open(ctx context.Context) error {
	t.ectx = &expr.Context{Mem: Allocator(ctx)}
	if t.limit < 0 || t.limit > topNMaxRows || t.offset > topNMaxRows-t.limit {
		t.full = NewLimit(NewSort(t.child, t.keys), t.offset, t.limit)
		return t.full.Open(ctx)
	}
	return t.child.Open(ctx)
}

func (t *TopN) Next(ctx context.Context) (arrow.Record, error) {
	t.out.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.ectx == nil {
		return nil, fmt.Errorf("TopN: Next before Open")
	}
	if t.full != nil {
		return t.full.Next(ctx)
	}
	if t.result == nil {
		if err := t.compute(ctx); err != nil {
			return nil, err
		}
	}
	n := t.result.NumRows()
	if t.next >= n {
		return nil, io.EOF
	}
	end := min(t.next+int64(batchSize()), n)
	out := sliceRecord(t.Schema(), t.result, t.next, end)
	t.next = end
	return t.out.set(out), nil
}

func (t *TopN) compute(ctx context.Context) error {
	k := int(t.offset + t.limit)
	if t.limit == 0 {
		k = 0
	}
	exprs := make([]expr.Expr, len(t.keys))
	for i, key := range t.keys {
		exprs[i] = key.Expr
	}
	for k > 0 {
		rec, err := t.child.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if rec.NumRows() == 0 {
			continue
		}
		if err := t.add(rec, exprs, k); err != nil {
			return err
		}
	}
	// The heap in order, past the offset.
	slices.SortFunc(t.heap, func(a, b topNEntry) int { return slices.Compare(a.key, b.key) })
	var rows []topNEntry
	if int64(len(t.heap)) > t.offset {
		rows = t.heap[t.offset:]
	}
	res, err := t.gather(rows)
	if err != nil {
		return err
	}
	t.result = res
	releaseRecords(t.sources)
	t.sources, t.heap = nil, nil
	return nil
}

// add passes one batch through the heap of the k first rows.
func (t *TopN) add(rec arrow.Record, exprs []expr.Expr, k int) error {
	cols, err := evalExprs(t.ectx, exprs, rec)
	if err != nil {
		return err
	}
	defer releaseArrays(cols)
	// The words of each key, computed only for the rows compared: most rows
	// lose to the heap's top on their first word.
	words := make([][]wordFunc, len(cols))
	var flat []wordFunc
	fixed := true
	for k, c := range cols {
		fns, cmp, err := orderKeyWords(c, t.keys[k], true)
		if err != nil {
			return fmt.Errorf("ORDER BY %s: %w", t.keys[k].Expr, err)
		}
		words[k] = fns
		flat = append(flat, fns...)
		fixed = fixed && cmp == nil
	}
	n := int(rec.NumRows())
	seq := t.seq
	t.seq += uint64(n)
	entered := 0
	for i := 0; i < n; i++ {
		if len(t.heap) < k {
			t.heap = append(t.heap, topNEntry{key: t.rowKey(nil, words, cols, i, seq), src: -1, row: int32(i)})
			t.siftUp(len(t.heap) - 1)
			entered++
			continue
		}
		top := &t.heap[0]
		if fixed {
			// Compare the words in place; on a tie the row, read later,
			// comes after the top.
			if !wordsBefore(flat, i, top.key) {
				continue
			}
			top.key = t.rowKey(top.key[:0], words, cols, i, seq)
		} else {
			t.scratch = t.rowKey(t.scratch[:0], words, cols, i, seq)
			if slices.Compare(t.scratch, top.key) >= 0 {
				continue
			}
			top.key = append(top.key[:0], t.scratch...)
		}
		top.src, top.row = -1, int32(i)
		t.siftDown(0)
		entered++
	}
	if entered == 0 {
		return nil
	}
	// Gather the batch's rows still in the heap.
	var idx []int32
	for _, e := range t.heap {
		if e.src < 0 {
			idx = append(idx, e.row)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	slices.Sort(idx)
	kept, err := takeRecord(t.ectx.Mem, t.Schema(), rec, idx)
	if err != nil {
		return err
	}
	src := int32(len(t.sources))
	t.sources = append(t.sources, kept)
	t.held += len(idx)
	for j := range t.heap {
		if e := &t.heap[j]; e.src < 0 {
			pos, _ := slices.BinarySearch(idx, e.row)
			e.src, e.row = src, int32(pos)
		}
	}
	if t.held > 2*k+batchSize() {
		return t.compact()
	}
	return nil
}

// wordsBefore reports whether row i's words come strictly before key's.
func wordsBefore(words []wordFunc, i int, key []uint64) bool {
	for w, f := range words {
		if x, y := f(i), key[w]; x != y {
			return x < y
		}
	}
	return false
}

// rowKey appends to dst the words that order row i among all rows read:
// the order-preserving words of fixed-width keys; for string keys a NULL
// flag word, then the bytes escaped (0 as 0 0xff) and ended by 0 0, all
// inverted for DESC, packed eight to a word big-endian and padded with
// zeros (the escaping makes no encoding a prefix of another, so padding
// never decides); last the row's input position, so that no two rows tie
// and ties keep input order.
func (t *TopN) rowKey(dst []uint64, words [][]wordFunc, cols []arrow.Array, i int, seq uint64) []uint64 {
	for k, c := range cols {
		switch c.DataType().ID() {
		case arrow.STRING, arrow.BINARY:
			dst = appendStringKey(dst, c, i, t.keys[k])
			continue
		}
		for _, f := range words[k] {
			dst = append(dst, f(i))
		}
	}
	return append(dst, seq+uint64(i))
}

func appendStringKey(dst []uint64, c arrow.Array, i int, key SortKey) []uint64 {
	nullFlag, validFlag := uint64(1), uint64(0)
	if key.NullsFirst {
		nullFlag, validFlag = 0, 1
	}
	if c.IsNull(i) {
		return append(dst, nullFlag)
	}
	dst = append(dst, validFlag)
	var v string
	switch a := c.(type) {
	case *array.String:
		v = a.Value(i)
	case *array.Binary:
		v = unsafeString(a.Value(i))
	}
	var w uint64
	nb := 0
	put := func(b byte) {
		if key.Desc {
			b = ^b
		}
		w = w<<8 | uint64(b)
		if nb++; nb == 8 {
			dst = append(dst, w)
			w, nb = 0, 0
		}
	}
	for j := 0; j < len(v); j++ {
		if v[j] == 0 {
			put(0)
			put(0xff)
		} else {
			put(v[j])
		}
	}
	put(0)
	put(0)
	if nb > 0 {
		dst = append(dst, w<<(8*(8-nb)))
	}
	return dst
}

// compact gathers the heap's rows into one source.
func (t *TopN) compact() error {
	rec, err := t.gather(t.heap)
	if err != nil {
		return err
	}
	releaseRecords(t.sources)
	t.sources, t.held = []arrow.Record{rec}, len(t.heap)
	for j := range t.heap {
		t.heap[j].src, t.heap[j].row = 0, int32(j)
	}
	return nil
}

// gather returns the rows of entries, in their order, as one record.
func (t *TopN) gather(entries []topNEntry) (arrow.Record, error) {
	var all arrow.Record
	var err error
	if len(t.sources) == 0 {
		all, err = concatRecords(t.ectx.Mem, t.Schema(), nil)
	} else {
		all, err = concatRecords(t.ectx.Mem, t.Schema(), t.sources)
	}
	if err != nil {
		return nil, err
	}
	defer all.Release()
	start := make([]int32, len(t.sources))
	total := int32(0)
	for i, s := range t.sources {
		start[i] = total
		total += int32(s.NumRows())
	}
	idx := make([]int32, len(entries))
	for j, e := range entries {
		idx[j] = start[e.src] + e.row
	}
	return takeRecord(t.ectx.Mem, t.Schema(), all, idx)
}

func (t *TopN) siftUp(j int) {
	h := t.heap
	for j > 0 {
		p := (j - 1) / 2
		if slices.Compare(h[p].key, h[j].key) >= 0 {
			return
		}
		h[p], h[j] = h[j], h[p]
		j = p
	}
}

func (t *TopN) siftDown(j int) {
	h := t.heap
	for {
		c := 2*j + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && slices.Compare(h[c+1].key, h[c].key) > 0 {
			c++
		}
		if slices.Compare(h[j].key, h[c].key) >= 0 {
			return
		}
		h[j], h[c] = h[c], h[j]
		j = c
	}
}

func (t *TopN) Close() error {
	t.out.release()
	if t.result != nil {
		t.result.Release()
		t.result = nil
	}
	releaseRecords(t.sources)
	t.sources, t.heap = nil, nil
	if t.done {
		return nil
	}
	t.done = true
	if t.full != nil {
		return t.full.Close()
	}
	return t.child.Close()
}

// unsafeString views b as a string without copying; b must not change
// while the string is used.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
