package exec

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// The row comparator below is the reference the sort tests hold orderKeys
// to: a comparison a row pair at a time, straight from the definition.

// valueComparator compares the non-NULL rows i and j of one array.
func valueComparator(arr arrow.Array) (func(i, j int) int, error) {
	switch a := arr.(type) {
	case *array.Null:
		return func(int, int) int { return 0 }, nil
	case *array.Boolean:
		return func(i, j int) int {
			x, y := a.Value(i), a.Value(j)
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}, nil
	case *array.Int8:
		return ordered(a.Int8Values()), nil
	case *array.Int16:
		return ordered(a.Int16Values()), nil
	case *array.Int32:
		return ordered(a.Int32Values()), nil
	case *array.Int64:
		return ordered(a.Int64Values()), nil
	case *array.Float32:
		return ordered(a.Float32Values()), nil
	case *array.Float64:
		return ordered(a.Float64Values()), nil
	case *array.Date32:
		return ordered(a.Date32Values()), nil
	case *array.Timestamp:
		return ordered(a.TimestampValues()), nil
	case *array.Decimal128:
		return func(i, j int) int { return a.Value(i).Cmp(a.Value(j)) }, nil
	case *array.String:
		return func(i, j int) int { return strings.Compare(a.Value(i), a.Value(j)) }, nil
	case *array.Binary:
		return func(i, j int) int { return bytes.Compare(a.Value(i), a.Value(j)) }, nil
	}
	return nil, fmt.Errorf("cannot order values of type %s", arr.DataType())
}

func ordered[T cmp.Ordered](v []T) func(i, j int) int {
	return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
}

// rowOrder compares rows by sort keys evaluated over one batch.
type rowOrder struct {
	cols []arrow.Array
	cmps []func(i, j int) int
	keys []SortKey
}

func newRowOrder(cols []arrow.Array, keys []SortKey) (*rowOrder, error) {
	o := &rowOrder{cols: cols, keys: keys, cmps: make([]func(i, j int) int, len(cols))}
	for k, c := range cols {
		var err error
		if o.cmps[k], err = valueComparator(c); err != nil {
			return nil, fmt.Errorf("ORDER BY %s: %w", keys[k].Expr, err)
		}
	}
	return o, nil
}

func (o *rowOrder) compare(i, j int) int {
	for k, c := range o.cols {
		ni, nj := c.IsNull(i), c.IsNull(j)
		if ni || nj {
			if ni && nj {
				continue
			}
			if ni == o.keys[k].NullsFirst {
				return -1
			}
			return 1
		}
		r := o.cmps[k](i, j)
		if o.keys[k].Desc {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	return 0
}
