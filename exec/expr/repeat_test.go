package expr

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/types"
)

// Repeat fills buffers by copying, and must read back as n copies of the
// value, for every type, NULL and empty strings included.
func TestRepeatEveryType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, c := range []struct {
		t types.Type
		v types.Value
	}{
		{types.BoolType, true}, {types.BoolType, false}, {types.Int8Type, int64(-7)}, {types.Int16Type, int64(300)},
		{types.Int32Type, int64(-70000)}, {types.Int64Type, int64(1) << 40}, {types.Float32Type, 1.5},
		{types.Float64Type, -2.25}, {types.DecimalType(10, 2), decimal128.FromI64(-12345)},
		{types.StringType, "héllo"}, {types.StringType, ""}, {types.BinaryType, []byte{0, 1, 2}},
		{types.DateType, types.DateValue(19782)}, {types.TimestampType(6), types.TimestampValue(1709212455000500)},
		{types.Int64Type, nil}, {types.StringType, nil},
	} {
		for _, n := range []int{0, 1, 3, 1000} {
			arr, err := Repeat(mem, c.v, c.t, n)
			require.NoError(t, err)
			require.Equal(t, n, arr.Len())
			require.True(t, arrow.TypeEqual(c.t.Arrow(), arr.DataType()), "%s", c.t)
			for i := 0; i < n; i++ {
				require.Equal(t, c.v, ValueAt(arr, i), "%s row %d of %d", c.t, i, n)
			}
			arr.Release()
		}
	}
}
