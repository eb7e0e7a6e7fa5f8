package types

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow/decimal128"
)

// FormatDecimal writes n exactly, with scale digits after the point, as
// every output of Taipan prints DECIMAL values (1.50, -0.05).
func FormatDecimal(n decimal128.Num, scale int) string {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	s := n.BigInt().String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// FormatTimestamp writes microseconds since the epoch as
// YYYY-MM-DD HH:MM:SS[.ffffff], the fraction (six digits) only when
// non-zero.
func FormatTimestamp(us int64) string {
	t := time.UnixMicro(us).UTC()
	s := t.Format("2006-01-02 15:04:05")
	if frac := t.Nanosecond() / 1000; frac != 0 {
		s += fmt.Sprintf(".%06d", frac)
	}
	return s
}

// FormatDate writes days since the epoch as YYYY-MM-DD.
func FormatDate(days int32) string {
	return time.Unix(int64(days)*86400, 0).UTC().Format("2006-01-02")
}
