package types

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/stretchr/testify/require"
)

func TestFormatDecimal(t *testing.T) {
	big, err := decimal128.FromString("-12345678901234567890123456789012345678", 38, 0)
	require.NoError(t, err)
	for _, c := range []struct {
		n     decimal128.Num
		scale int
		want  string
	}{
		{decimal128.FromI64(150), 2, "1.50"},
		{decimal128.FromI64(5), 3, "0.005"},
		{decimal128.FromI64(-5), 3, "-0.005"},
		{decimal128.FromI64(0), 2, "0.00"},
		{decimal128.FromI64(42), 0, "42"},
		{big, 0, "-12345678901234567890123456789012345678"},
		{big, 38, "-0.12345678901234567890123456789012345678"},
	} {
		require.Equal(t, c.want, FormatDecimal(c.n, c.scale))
	}
}

func TestFormatTimestampAndDate(t *testing.T) {
	require.Equal(t, "2024-02-29 13:14:15", FormatTimestamp(1709212455000000))
	require.Equal(t, "2024-02-29 13:14:15.000500", FormatTimestamp(1709212455000500))
	require.Equal(t, "1969-12-31 23:59:59.999999", FormatTimestamp(-1))
	require.Equal(t, "1970-01-01", FormatDate(0))
	require.Equal(t, "1969-12-31", FormatDate(-1))
}
