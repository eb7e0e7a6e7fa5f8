package fileio

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// The fast text parsing must give exactly what the engine's CAST gives,
// or step aside.
func TestParseStringsAgreesWithCast(t *testing.T) {
	inputs := []string{"0", "12", " 12 ", "+5", "-0", "007", "5.", ".5", "-.5", "1.50", "1.555", "1e3", "-2.5e-7",
		"0x10", "1_000", "inf", "-Inf", "NaN", "abc", "", " ", "127", "128", "-129", "32768", "2147483648",
		"9223372036854775807", "9223372036854775808", "99999999999999999999", "123456789012345678.9",
		"3.4028236e38", "1e400", "2024-01-02", " 2024-01-02 ", "2024-1-2", "2024-02-30", "2024-01-02 03:04",
		"2024-01-02T03:04:05.1234567", "2024-01-02 03:04:05.999999", "1969-12-31 23:59:59.5", "0000-01-01"}
	targets := []types.Type{types.Int8Type, types.Int16Type, types.Int32Type, types.Int64Type, types.Float32Type,
		types.Float64Type, types.DecimalType(5, 2), types.DecimalType(38, 0), types.DecimalType(20, 1), types.DecimalType(3, 3),
		types.DateType, types.TimestampType(0), types.TimestampType(3), types.TimestampType(6)}
	mem := memory.DefaultAllocator
	for _, to := range targets {
		fast := 0
		for _, in := range inputs {
			b := array.NewStringBuilder(mem)
			b.AppendValues([]string{in, in}, []bool{true, false})
			str := b.NewStringArray()
			b.Release()
			got, ok := parseStrings(mem, str, to)
			if !ok {
				str.Release()
				continue
			}
			fast++
			want, err := expr.CastArray(mem, str, types.StringType, to)
			require.NoError(t, err, "%q to %s parsed quickly but does not CAST", in, to)
			require.True(t, array.ApproxEqual(want, got, array.WithNaNsEqual(true), array.WithAbsTolerance(0)), "%q to %s: CAST gives %v, parsing %v", in, to, want, got)
			require.True(t, got.IsNull(1))
			want.Release()
			got.Release()
			str.Release()
		}
		require.Positive(t, fast, "no input took the fast path to %s", to)
	}
}
