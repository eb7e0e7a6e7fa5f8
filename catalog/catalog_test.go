package catalog

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/types"
)

func TestSettings(t *testing.T) {
	s := NewSettings()
	require.Equal(t, "process", s.ExecutionMode())
	require.NoError(t, s.Set("PYTHON.Execution-Mode", "THREAD"))
	require.Equal(t, "thread", s.ExecutionMode())
	require.ErrorContains(t, s.Set("python.execution-mode", "fast"), "allowed values are 'process' and 'thread'")
	require.ErrorContains(t, s.Set("python.bogus", "1"), "valid python.* settings are python.executable, python.execution-mode")
	require.ErrorContains(t, s.Set("python.fn-execution.arrow.batch.size", "-1"), "positive integers")
	require.NoError(t, s.Set("python.fn-execution.arrow.batch.size", " 42 "))
	require.Equal(t, 42, s.BatchSize())
	require.NoError(t, s.Set("Team.Name", "blue"))
	v, ok := s.Get("team.name")
	require.True(t, ok)
	require.Equal(t, "blue", v)

	c := s.Clone()
	require.NoError(t, s.Reset("python.execution-mode"))
	require.Equal(t, "process", s.ExecutionMode())
	require.Equal(t, "thread", c.ExecutionMode(), "a clone is independent")
	require.Error(t, s.Reset("python.bogus"))
	require.NoError(t, s.Reset("team.name"))
	_, ok = s.Get("team.name")
	require.False(t, ok)

	keys := []string{}
	for _, e := range c.List() {
		keys = append(keys, e.Key)
	}
	require.Equal(t, []string{"Team.Name", "python.executable", "python.execution-mode", "python.files", "python.fn-execution.arrow.batch.size"}, keys)
	c.ResetAll()
	require.Equal(t, 10000, c.BatchSize())
}

func TestTables(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	c := New()
	tab, created, err := c.CreateTable("T", []types.Column{{Name: "a", Type: types.Int64Type, Nullable: true}}, false)
	require.NoError(t, err)
	require.True(t, created)
	_, _, err = c.CreateTable("t", nil, false)
	require.ErrorContains(t, err, `table "t" already exists`)
	_, created, err = c.CreateTable("t", nil, true)
	require.NoError(t, err)
	require.False(t, created)
	_, _, err = c.CreateTable("u", []types.Column{{Name: "a"}, {Name: "A"}}, false)
	require.ErrorContains(t, err, `duplicate column "A"`)

	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 2, 3}, nil)
	col := b.NewArray()
	b.Release()
	rec := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, 3)
	col.Release()
	require.NoError(t, tab.Append([]arrow.Record{rec}))
	snap := tab.Snapshot()
	require.NoError(t, tab.Append([]arrow.Record{rec}))
	require.Len(t, snap, 1, "a snapshot does not see later inserts")
	require.EqualValues(t, 6, tab.NumRows())
	for _, r := range snap {
		r.Release()
	}

	sb := array.NewStringBuilder(mem)
	sb.Append("x")
	scol := sb.NewArray()
	sb.Release()
	bad := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil), []arrow.Array{scol}, 1)
	scol.Release()
	require.ErrorContains(t, tab.Append([]arrow.Record{rec, bad}), `column "a" is BIGINT`)
	require.EqualValues(t, 6, tab.NumRows(), "a failed append adds nothing")
	bad.Release()
	rec.Release()

	require.Equal(t, []string{"T"}, c.TableNames())
	require.NoError(t, c.DropTable("t", false))
	require.ErrorContains(t, c.DropTable("t", false), "does not exist")
	require.NoError(t, c.DropTable("t", true))
}
