package builtin

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// Dates and timestamps carry no time zone: a TIMESTAMP is a wall-clock
// reading, handled as UTC in Go.

func timeOf(v types.Value) time.Time {
	switch x := v.(type) {
	case types.DateValue:
		return time.Unix(int64(x)*86400, 0).UTC()
	case types.TimestampValue:
		return time.UnixMicro(int64(x)).UTC()
	}
	return time.Time{}
}

// datePart binds YEAR, MONTH, ... : a BIGINT field of a DATE or TIMESTAMP
// (strings are read as TIMESTAMP).
func datePart(f func(t time.Time) int) binder {
	return func(name string, args []types.Type) (catalog.BoundScalar, error) {
		if err := checkArity(name, args, 1, 1); err != nil {
			return nil, err
		}
		t, err := asTemporal(name, args, args[0])
		if err != nil {
			return nil, err
		}
		return newBound(name, args, []types.Type{t}, types.Int64Type, rowwise(types.Int64Type, true, func(v []types.Value) (types.Value, error) {
			return int64(f(timeOf(v[0]))), nil
		})), nil
	}
}

func bindDate(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	if _, err := asTemporal(name, args, args[0]); err != nil {
		return nil, err
	}
	// The implicit cast to DATE is the whole function.
	return newBound(name, args, []types.Type{types.DateType}, types.DateType, func(_ memory.Allocator, a []arrow.Array, _ int) (arrow.Array, error) {
		a[0].Retain()
		return a[0], nil
	}), nil
}

func bindDateDiff(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	for _, a := range args {
		if _, err := asTemporal(name, args, a); err != nil {
			return nil, err
		}
	}
	return newBound(name, args, []types.Type{types.DateType, types.DateType}, types.Int64Type, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		x, y := expr.Values[int32](a[0]), expr.Values[int32](a[1])
		col := expr.NewFixedColumn[int64](mem, arrow.PrimitiveTypes.Int64, n)
		for i := range col.Values {
			col.Values[i] = int64(x[i]) - int64(y[i])
		}
		return finish(col, newValidity(mem, n, a...)), nil
	}), nil
}

// wallClock is the local time as a zone-less TIMESTAMP.
func wallClock(now time.Time) time.Time {
	_, off := now.Zone()
	return now.Add(time.Duration(off) * time.Second).UTC()
}

// bindNow is NOW() / CURRENT_TIMESTAMP and CURRENT_DATE: the local time
// when the statement is bound, the same on every row.
func bindNow(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 0, 0); err != nil {
		return nil, err
	}
	now := wallClock(time.Now()).Truncate(time.Second)
	rt := types.TimestampType(0)
	var v types.Value = types.TimestampValue(now.UnixMicro())
	if name == "current_date" {
		rt = types.DateType
		v = types.DateValue(now.Unix() / 86400)
	}
	return newBound(name, args, nil, rt, func(mem memory.Allocator, _ []arrow.Array, n int) (arrow.Array, error) {
		return expr.Repeat(mem, v, rt, n)
	}), nil
}

// dateFormat writes t as MySQL's DATE_FORMAT does for the common
// specifiers; an unknown specifier %x writes x.
func dateFormat(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			b.WriteByte(c)
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'c':
			fmt.Fprintf(&b, "%d", int(t.Month()))
		case 'M':
			b.WriteString(t.Month().String())
		case 'b':
			b.WriteString(t.Month().String()[:3])
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'e':
			fmt.Fprintf(&b, "%d", t.Day())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'k':
			fmt.Fprintf(&b, "%d", t.Hour())
		case 'h', 'I':
			fmt.Fprintf(&b, "%02d", (t.Hour()+11)%12+1)
		case 'l':
			fmt.Fprintf(&b, "%d", (t.Hour()+11)%12+1)
		case 'i':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 's', 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'T':
			fmt.Fprintf(&b, "%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
		case 'W':
			b.WriteString(t.Weekday().String())
		case 'a':
			b.WriteString(t.Weekday().String()[:3])
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

func bindDateFormat(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	t, err := asTemporal(name, args, args[0])
	if err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{t, types.StringType}, types.StringType, rowwise(types.StringType, true, func(v []types.Value) (types.Value, error) {
		return dateFormat(timeOf(v[0]), v[1].(string)), nil
	})), nil
}

var dateFunctions = map[string]binder{
	"year":              datePart(func(t time.Time) int { return t.Year() }),
	"month":             datePart(func(t time.Time) int { return int(t.Month()) }),
	"day":               datePart(func(t time.Time) int { return t.Day() }),
	"dayofmonth":        datePart(func(t time.Time) int { return t.Day() }),
	"hour":              datePart(func(t time.Time) int { return t.Hour() }),
	"minute":            datePart(func(t time.Time) int { return t.Minute() }),
	"second":            datePart(func(t time.Time) int { return t.Second() }),
	"date":              bindDate,
	"datediff":          bindDateDiff,
	"date_format":       bindDateFormat,
	"now":               bindNow,
	"current_timestamp": bindNow,
	"current_date":      bindNow,
}
