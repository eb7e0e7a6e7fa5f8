package builtin

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// groupConcat is GROUP_CONCAT([DISTINCT] x, ... [ORDER BY k [DESC], ...]
// [SEPARATOR s]): each row's values written as text and joined without
// a separator, rows with a NULL value skipped, the rows of a group
// joined by s (',' by default), NULL for a group without rows. MySQL's
// group_concat_max_len is not enforced: the result is never cut.
//
// The planner binds it through BindOrderedAggregate: the arguments are
// the values, then the ORDER BY keys, then the separator (a constant).
type groupConcat struct{}

func (groupConcat) Name() string               { return "group_concat" }
func (groupConcat) Kind() catalog.FunctionKind { return catalog.KindAggregate }

func (g groupConcat) BindAggregate(args []types.Type, distinct, star bool) (catalog.BoundAggregate, error) {
	if star {
		return nil, fmt.Errorf("function group_concat does not take *")
	}
	// Without the planner's ORDER BY layout the last argument is still the
	// separator the parser always supplies.
	return g.BindOrderedAggregate(args, nil, distinct)
}

// BindOrderedAggregate binds values, len(desc) ORDER BY keys (desc[i]:
// key i sorts descending) and the separator.
func (groupConcat) BindOrderedAggregate(args []types.Type, desc []bool, distinct bool) (catalog.BoundAggregate, error) {
	nv := len(args) - len(desc) - 1
	if nv < 1 {
		return nil, fmt.Errorf("function group_concat takes at least one value")
	}
	if sep := args[len(args)-1]; sep.Kind != types.String && sep.Kind != types.Null {
		return nil, fmt.Errorf("function group_concat: the separator is a string, not %s", sep)
	}
	return &boundGroupConcat{args: append([]types.Type(nil), args...), values: nv, desc: desc, distinct: distinct}, nil
}

type boundGroupConcat struct {
	args     []types.Type
	values   int
	desc     []bool
	distinct bool
}

func (b *boundGroupConcat) Name() string           { return "group_concat" }
func (b *boundGroupConcat) ResultType() types.Type { return types.StringType }
func (b *boundGroupConcat) NewAccumulator(mem memory.Allocator) catalog.GroupsAccumulator {
	return &groupConcatAccumulator{b: b, mem: mem}
}

// concatRow is one row of a group: its text and its ORDER BY keys.
type concatRow struct {
	text string
	keys []types.Value
	seq  int // arrival order, which ties keep
}

type groupConcatAccumulator struct {
	b      *boundGroupConcat
	mem    memory.Allocator
	groups [][]concatRow
	sep    *string
	seq    int
}

func (a *groupConcatAccumulator) Update(args []arrow.Array, groups []uint32, numGroups int) error {
	for len(a.groups) < numGroups {
		a.groups = append(a.groups, nil)
	}
	b := a.b
	if a.sep == nil && len(groups) > 0 {
		s := ""
		if v, ok := expr.ValueAt(args[len(args)-1], 0).(string); ok {
			s = v
		}
		a.sep = &s
	}
	var sb strings.Builder
rows:
	for i, g := range groups {
		sb.Reset()
		for c := 0; c < b.values; c++ {
			v := expr.ValueAt(args[c], i)
			if v == nil {
				continue rows
			}
			if raw, ok := v.([]byte); ok {
				sb.Write(raw)
			} else {
				sb.WriteString(expr.FormatValue(v, b.args[c]))
			}
		}
		r := concatRow{text: sb.String(), seq: a.seq}
		a.seq++
		if len(b.desc) > 0 {
			r.keys = make([]types.Value, len(b.desc))
			for k := range b.desc {
				r.keys[k] = expr.ValueAt(args[b.values+k], i)
			}
		}
		a.groups[g] = append(a.groups[g], r)
	}
	return nil
}

func (a *groupConcatAccumulator) Finish(numGroups int) (arrow.Array, error) {
	bld := array.NewStringBuilder(a.mem)
	defer bld.Release()
	sep := ""
	if a.sep != nil {
		sep = *a.sep
	}
	var sb strings.Builder
	for g := 0; g < numGroups; g++ {
		var rows []concatRow
		if g < len(a.groups) {
			rows = a.groups[g]
		}
		if a.b.distinct {
			seen := map[string]bool{}
			kept := rows[:0:0]
			for _, r := range rows {
				if !seen[r.text] {
					seen[r.text] = true
					kept = append(kept, r)
				}
			}
			rows = kept
		}
		if len(rows) == 0 {
			bld.AppendNull()
			continue
		}
		if len(a.b.desc) > 0 {
			slices.SortStableFunc(rows, func(x, y concatRow) int {
				for k, d := range a.b.desc {
					c := orderValues(x.keys[k], y.keys[k])
					if d {
						c = -c
					}
					if c != 0 {
						return c
					}
				}
				return cmp.Compare(x.seq, y.seq)
			})
		}
		sb.Reset()
		for i, r := range rows {
			if i > 0 {
				sb.WriteString(sep)
			}
			sb.WriteString(r.text)
		}
		bld.Append(sb.String())
	}
	a.groups = nil
	return bld.NewArray(), nil
}

// orderValues orders two values of one type, NULL first (MySQL's
// ascending order).
func orderValues(x, y types.Value) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return -1
	case y == nil:
		return 1
	}
	switch x := x.(type) {
	case bool:
		yb := y.(bool)
		switch {
		case x == yb:
			return 0
		case !x:
			return -1
		}
		return 1
	case int64:
		return cmp.Compare(x, y.(int64))
	case float64:
		return cmp.Compare(x, y.(float64))
	case string:
		return strings.Compare(x, y.(string))
	case []byte:
		return bytes.Compare(x, y.([]byte))
	case decimal128.Num:
		return x.Cmp(y.(decimal128.Num))
	case types.DateValue:
		return cmp.Compare(x, y.(types.DateValue))
	case types.TimestampValue:
		return cmp.Compare(x, y.(types.TimestampValue))
	}
	return 0
}
