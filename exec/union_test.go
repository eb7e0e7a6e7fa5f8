package exec

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/types"
)

func TestUnionAll(t *testing.T) {
	other := input{cols: cols("x", types.Int64Type, "y", types.StringType, "z", types.Int64Type, "w", types.DateType),
		rows: []row{{int64(9), nil, nil, nil}}}
	forEachBatchSize(t, func(t *testing.T, size int) {
		op := NewUnionAll([]Operator{people.scan(t, "a", size), empty.scan(t, "b", size), other.scan(t, "c", size), people.scan(t, "d", size)})
		require.Equal(t, "id", op.Schema().Field(0).Name)
		want := append(append(append([]row{}, people.rows...), other.rows...), people.rows...)
		requireRows(t, want, run(t, op))
	})
	bad := input{cols: cols("x", types.StringType)}
	_, err := tryRun(t, NewUnionAll([]Operator{people.scan(t, "a", 3), bad.scan(t, "b", 3)}))
	require.ErrorContains(t, err, "UNION ALL input 2 has 1 columns, the first has 4")
	bad = input{cols: cols("x", types.StringType, "y", types.StringType, "z", types.Int64Type, "w", types.DateType)}
	_, err = tryRun(t, NewUnionAll([]Operator{people.scan(t, "a", 3), bad.scan(t, "b", 3)}))
	require.ErrorContains(t, err, `UNION ALL input 2 column 1 is utf8, the first input's "id" is int64`)
}

func TestDistinct(t *testing.T) {
	in := input{cols: cols("a", types.Int64Type, "b", types.StringType), rows: []row{
		{int64(1), "x"}, {int64(1), "x"}, {nil, "x"}, {nil, "x"}, {int64(1), nil}, {nil, nil}, {nil, nil}, {int64(2), "x"}, {int64(1), "xx"},
	}}
	forEachBatchSize(t, func(t *testing.T, size int) {
		want := []row{{int64(1), "x"}, {nil, "x"}, {int64(1), nil}, {nil, nil}, {int64(2), "x"}, {int64(1), "xx"}}
		requireRows(t, want, run(t, NewDistinct(in.scan(t, "t", size))))
		requireRows(t, nil, run(t, NewDistinct(input{cols: in.cols}.scan(t, "t", size))))
		// Strings that would collide if keys were not length-prefixed.
		s := input{cols: cols("a", types.StringType, "b", types.StringType), rows: []row{{"ab", "c"}, {"a", "bc"}, {"ab", "c"}}}
		requireRows(t, s.rows[:2], run(t, NewDistinct(s.scan(t, "s", size))))
	})
}
