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
	"date_add":          bindDateAdd,
	"date_sub":          bindDateAdd,
	"adddate":           bindDateAdd,
	"subdate":           bindDateAdd,
	"extract":           bindExtract,
	"timestampdiff":     bindTimestampDiff,
}

// unitMicros is the length of the fixed-length units of intervals.
var unitMicros = map[string]int64{
	"MICROSECOND": 1,
	"SECOND":      1e6,
	"MINUTE":      60e6,
	"HOUR":        3600e6,
	"DAY":         86400e6,
	"WEEK":        7 * 86400e6,
}

// unitMonths is the length of the calendar units.
var unitMonths = map[string]int64{"MONTH": 1, "QUARTER": 3, "YEAR": 12}

// addMonths adds n months, keeping the day but clamping it to the end of
// the month (MySQL: 2024-01-31 + 1 MONTH = 2024-02-29).
func addMonths(t time.Time, n int64) time.Time {
	m := int64(t.Year())*12 + int64(t.Month()) - 1 + n
	y, mo := int(m/12), time.Month(m%12+1)
	if m < 0 {
		return time.Time{}
	}
	d := t.Day()
	if last := time.Date(y, mo+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// bindDateAdd is DATE_ADD/ADDDATE and DATE_SUB/SUBDATE: (d, n, unit), or
// (d, days) for ADDDATE and SUBDATE. A DATE stays a DATE (units of a day
// or more only); other arguments give TIMESTAMP. Results outside years
// 0..9999 are NULL, as in MySQL.
func bindDateAdd(name string, args []types.Type) (catalog.BoundScalar, error) {
	lo := 3
	if name == "adddate" || name == "subdate" {
		lo = 2
	}
	if err := checkArity(name, args, lo, 3); err != nil {
		return nil, err
	}
	t, err := asTemporal(name, args, args[0])
	if err != nil {
		return nil, err
	}
	if _, err := asNumber(name, args, args[1]); err != nil {
		return nil, err
	}
	params := []types.Type{t, types.Int64Type}
	if len(args) == 3 {
		params = append(params, types.StringType)
	}
	sign := int64(1)
	if name == "date_sub" || name == "subdate" {
		sign = -1
	}
	return newBound(name, args, params, t, rowwise(t, true, func(v []types.Value) (types.Value, error) {
		unit := "DAY"
		if len(v) == 3 {
			unit = strings.ToUpper(v[2].(string))
		}
		n := v[1].(int64) * sign
		at := timeOf(v[0])
		var out time.Time
		if months, ok := unitMonths[unit]; ok {
			if n > 120000 || n < -120000 {
				return nil, nil
			}
			out = addMonths(at, n*months)
		} else if us, ok := unitMicros[unit]; ok {
			if t.Kind == types.Date && us < 86400e6 {
				return nil, fmt.Errorf("function %s: a DATE takes no %s interval; cast it to TIMESTAMP", name, unit)
			}
			switch {
			case us >= 86400e6:
				days := n * (us / 86400e6)
				if days > 4e6 || days < -4e6 {
					return nil, nil
				}
				out = at.AddDate(0, 0, int(days))
			default:
				// time.Duration holds about 292 years.
				if lim := int64(9e15) / us; n > lim || n < -lim {
					return nil, nil
				}
				out = at.Add(time.Duration(n*us) * time.Microsecond)
			}
		} else {
			return nil, fmt.Errorf("function %s: unknown interval unit %q", name, unit)
		}
		if out.Year() < 0 || out.Year() > 9999 || out.IsZero() {
			return nil, nil
		}
		if t.Kind == types.Date {
			return types.DateValue(out.Unix() / 86400), nil
		}
		return types.TimestampValue(out.UnixMicro()), nil
	})), nil
}

// extractField is one field of EXTRACT(unit FROM d).
func extractField(unit string, t time.Time) (int64, bool) {
	switch unit {
	case "YEAR":
		return int64(t.Year()), true
	case "QUARTER":
		return int64(t.Month()+2) / 3, true
	case "MONTH":
		return int64(t.Month()), true
	case "DAY":
		return int64(t.Day()), true
	case "HOUR":
		return int64(t.Hour()), true
	case "MINUTE":
		return int64(t.Minute()), true
	case "SECOND":
		return int64(t.Second()), true
	case "MICROSECOND":
		return int64(t.Nanosecond() / 1000), true
	}
	return 0, false
}

// bindExtract is EXTRACT(unit FROM d), given as (unit, d).
func bindExtract(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	t, err := asTemporal(name, args, args[1])
	if err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{types.StringType, t}, types.Int64Type, rowwise(types.Int64Type, true, func(v []types.Value) (types.Value, error) {
		unit := strings.ToUpper(v[0].(string))
		f, ok := extractField(unit, timeOf(v[1]))
		if !ok {
			return nil, fmt.Errorf("function extract: unsupported unit %q", unit)
		}
		return f, nil
	})), nil
}

// bindTimestampDiff is TIMESTAMPDIFF(unit, a, b): b - a in whole units,
// truncated toward zero; months count only complete months.
func bindTimestampDiff(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 3, 3); err != nil {
		return nil, err
	}
	for _, a := range args[1:] {
		if _, err := asTemporal(name, args, a); err != nil {
			return nil, err
		}
	}
	tp := types.TimestampType(6)
	return newBound(name, args, []types.Type{types.StringType, tp, tp}, types.Int64Type, rowwise(types.Int64Type, true, func(v []types.Value) (types.Value, error) {
		unit := strings.ToUpper(v[0].(string))
		a, b := int64(v[1].(types.TimestampValue)), int64(v[2].(types.TimestampValue))
		if us, ok := unitMicros[unit]; ok {
			return (b - a) / us, nil
		}
		months, ok := unitMonths[unit]
		if !ok {
			return nil, fmt.Errorf("function timestampdiff: unknown unit %q", unit)
		}
		ta, tb := timeOf(v[1]), timeOf(v[2])
		m := int64(tb.Year()-ta.Year())*12 + int64(tb.Month()-ta.Month())
		// An incomplete last month does not count: compare the day of the
		// month and time of day (MySQL: 01-31 to 02-29 is 0 months).
		ra := int64(ta.Day())*86400e6 + ta.Sub(ta.Truncate(24*time.Hour)).Microseconds()
		rb := int64(tb.Day())*86400e6 + tb.Sub(tb.Truncate(24*time.Hour)).Microseconds()
		if m > 0 && rb < ra {
			m--
		} else if m < 0 && rb > ra {
			m++
		}
		return m / months, nil
	})), nil
}
