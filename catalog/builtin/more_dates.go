package builtin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// The rest of MySQL's common date functions. Like the others they read
// TIMESTAMPs as zone-less wall-clock readings: FROM_UNIXTIME and
// UNIX_TIMESTAMP convert as if the session's time zone were UTC.
var moreDateFunctions = map[string]binder{
	"dayofweek":      datePart(func(t time.Time) int { return int(t.Weekday()) + 1 }),
	"dayofyear":      datePart(func(t time.Time) int { return t.YearDay() }),
	"weekday":        datePart(func(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }),
	"quarter":        datePart(func(t time.Time) int { return (int(t.Month())-1)/3 + 1 }),
	"week":           bindWeek,
	"monthname":      dateText(func(t time.Time) string { return t.Month().String() }),
	"dayname":        dateText(func(t time.Time) string { return t.Weekday().String() }),
	"last_day":       bindLastDay,
	"makedate":       bindMakeDate,
	"from_unixtime":  bindFromUnixtime,
	"unix_timestamp": bindUnixTimestamp,
	"str_to_date":    bindStrToDate,
}

// dateText binds a string-valued field of a DATE or TIMESTAMP.
func dateText(f func(t time.Time) string) binder {
	return func(name string, args []types.Type) (catalog.BoundScalar, error) {
		if err := checkArity(name, args, 1, 1); err != nil {
			return nil, err
		}
		t, err := asTemporal(name, args, args[0])
		if err != nil {
			return nil, err
		}
		return newBound(name, args, []types.Type{t}, types.StringType, rowwise(types.StringType, true, func(v []types.Value) (types.Value, error) {
			return f(timeOf(v[0])), nil
		})), nil
	}
}

// week0 is WEEK(d) in MySQL's default mode 0: weeks start on Sunday, week
// 1 is the first with a Sunday in the year, days before it are week 0.
func week0(t time.Time) int {
	jan1 := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	firstSunday := (7 - int(jan1.Weekday())) % 7 // 0-based day of year
	yday := t.YearDay() - 1
	if yday < firstSunday {
		return 0
	}
	return (yday-firstSunday)/7 + 1
}

// bindWeek is WEEK(d) and WEEK(d, 0); other modes are not supported.
func bindWeek(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 2); err != nil {
		return nil, err
	}
	t, err := asTemporal(name, args, args[0])
	if err != nil {
		return nil, err
	}
	params := []types.Type{t}
	if len(args) == 2 {
		if _, err := asNumber(name, args, args[1]); err != nil {
			return nil, err
		}
		params = append(params, types.Int64Type)
	}
	return newBound(name, args, params, types.Int64Type, rowwise(types.Int64Type, true, func(v []types.Value) (types.Value, error) {
		if len(v) == 2 && v[1].(int64) != 0 {
			return nil, fmt.Errorf("function week: mode %d is not supported (only 0)", v[1].(int64))
		}
		return int64(week0(timeOf(v[0]))), nil
	})), nil
}

func dateOf(t time.Time) types.DateValue {
	return types.DateValue(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func bindLastDay(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	t, err := asTemporal(name, args, args[0])
	if err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{t}, types.DateType, rowwise(types.DateType, true, func(v []types.Value) (types.Value, error) {
		d := timeOf(v[0])
		return dateOf(time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC)), nil
	})), nil
}

// bindMakeDate is MAKEDATE(year, dayofyear): NULL for a day below 1.
func bindMakeDate(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	params, err := strParams(name, args, "ii")
	if err != nil {
		return nil, err
	}
	return newBound(name, args, params, types.DateType, rowwise(types.DateType, true, func(v []types.Value) (types.Value, error) {
		y, d := v[0].(int64), v[1].(int64)
		if d < 1 || y < 0 || y > 9999 {
			return nil, nil
		}
		if y < 70 {
			y += 2000
		} else if y < 100 {
			y += 1900
		}
		t := time.Date(int(y), 1, int(d), 0, 0, 0, 0, time.UTC)
		if t.Year() > 9999 {
			return nil, nil
		}
		return dateOf(t), nil
	})), nil
}

// bindFromUnixtime is FROM_UNIXTIME(seconds [, format]).
func bindFromUnixtime(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 2); err != nil {
		return nil, err
	}
	if _, err := asNumber(name, args, args[0]); err != nil {
		return nil, err
	}
	params := []types.Type{types.Float64Type}
	result := types.TimestampType(6)
	if len(args) == 2 {
		params = append(params, types.StringType)
		result = types.StringType
	}
	return newBound(name, args, params, result, rowwise(result, true, func(v []types.Value) (types.Value, error) {
		secs := v[0].(float64)
		if secs < 0 || secs > 32536771199 {
			return nil, nil
		}
		us := int64(secs*1e6 + 0.5)
		if len(v) == 2 {
			return dateFormat(time.UnixMicro(us).UTC(), v[1].(string)), nil
		}
		return types.TimestampValue(us), nil
	})), nil
}

// bindUnixTimestamp is UNIX_TIMESTAMP([d]): whole seconds as BIGINT.
func bindUnixTimestamp(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 0, 1); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		now := time.Now().Unix()
		return newBound(name, args, nil, types.Int64Type, func(mem memory.Allocator, _ []arrow.Array, n int) (arrow.Array, error) {
			return expr.Repeat(mem, now, types.Int64Type, n)
		}), nil
	}
	t, err := asTemporal(name, args, args[0])
	if err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{t}, types.Int64Type, rowwise(types.Int64Type, true, func(v []types.Value) (types.Value, error) {
		s := timeOf(v[0]).Unix()
		if s < 0 {
			return int64(0), nil
		}
		return s, nil
	})), nil
}

// bindStrToDate is STR_TO_DATE(s, format) for the common specifiers
// (%Y %y %m %c %d %e %H %k %h %I %l %i %s %S %f %p %M %b %j %T %%): a
// TIMESTAMP(6), NULL when s does not match the format.
func bindStrToDate(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 2, 2); err != nil {
		return nil, err
	}
	result := types.TimestampType(6)
	return newBound(name, args, []types.Type{types.StringType, types.StringType}, result, rowwise(result, true, func(v []types.Value) (types.Value, error) {
		t, ok := strToDate(v[0].(string), v[1].(string))
		if !ok {
			return nil, nil
		}
		return types.TimestampValue(t.UnixMicro()), nil
	})), nil
}

func strToDate(s, f string) (time.Time, bool) {
	year, month, day, hour, min, sec, micro, yday := 0, 1, 1, 0, 0, 0, 0, 0
	pm, twelve := false, false
	num := func(maxDigits int) (int, bool) {
		j := 0
		for j < len(s) && j < maxDigits && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == 0 {
			return 0, false
		}
		n, _ := strconv.Atoi(s[:j])
		s = s[j:]
		return n, true
	}
	word := func(names func(i int) string, count int, short bool) (int, bool) {
		for i := 0; i < count; i++ {
			w := names(i)
			if short {
				w = w[:3]
			}
			if len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) {
				s = s[len(w):]
				return i, true
			}
		}
		return 0, false
	}
	monthName := func(i int) string { return time.Month(i + 1).String() }
	ok := true
	for i := 0; i < len(f) && ok; i++ {
		if f[i] != '%' || i+1 == len(f) {
			if len(s) == 0 || s[0] != f[i] {
				return time.Time{}, false
			}
			s = s[1:]
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			year, ok = num(4)
		case 'y':
			year, ok = num(2)
			if year < 70 {
				year += 2000
			} else {
				year += 1900
			}
		case 'm', 'c':
			month, ok = num(2)
		case 'd', 'e':
			day, ok = num(2)
		case 'H', 'k':
			hour, ok = num(2)
		case 'h', 'I', 'l':
			hour, ok = num(2)
			twelve = true
		case 'i':
			min, ok = num(2)
		case 's', 'S':
			sec, ok = num(2)
		case 'f':
			digits := len(s)
			micro, ok = num(6)
			for digits -= len(s); ok && digits < 6; digits++ {
				micro *= 10
			}
		case 'j':
			yday, ok = num(3)
		case 'p':
			if len(s) >= 2 && strings.EqualFold(s[:2], "PM") {
				pm = true
				s = s[2:]
			} else if len(s) >= 2 && strings.EqualFold(s[:2], "AM") {
				s = s[2:]
			} else {
				ok = false
			}
		case 'M':
			var m int
			m, ok = word(monthName, 12, false)
			month = m + 1
		case 'b':
			var m int
			m, ok = word(monthName, 12, true)
			month = m + 1
		case 'T':
			if hour, ok = num(2); ok && len(s) > 0 && s[0] == ':' {
				s = s[1:]
				if min, ok = num(2); ok && len(s) > 0 && s[0] == ':' {
					s = s[1:]
					sec, ok = num(2)
				} else {
					ok = false
				}
			} else {
				ok = false
			}
		default:
			if len(s) == 0 || s[0] != f[i] {
				return time.Time{}, false
			}
			s = s[1:]
		}
	}
	if !ok {
		return time.Time{}, false
	}
	if twelve {
		if hour < 1 || hour > 12 {
			return time.Time{}, false
		}
		hour %= 12
	}
	if pm {
		hour += 12
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, micro*1000, time.UTC)
	if yday > 0 {
		t = time.Date(year, 1, yday, hour, min, sec, micro*1000, time.UTC)
	}
	if t.Day() != day && yday == 0 {
		return time.Time{}, false // 31 of a shorter month
	}
	return t, true
}
