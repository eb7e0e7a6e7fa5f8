package planner

import (
	"fmt"
	"math"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/types"
)

var windowRanking = map[string]exec.WindowFuncKind{
	"row_number": exec.WindowRowNumber,
	"rank":       exec.WindowRank,
	"dense_rank": exec.WindowDenseRank,
}

// windowOnly are MySQL's window functions that Taipan does not have yet;
// naming them gives a clearer error than "unknown function".
var windowOnly = map[string]bool{
	"lead": true, "lag": true, "first_value": true, "last_value": true, "nth_value": true,
	"ntile": true, "percent_rank": true, "cume_dist": true,
}

// windowCall binds one window function call; bd binds over the window
// operator's input.
func (st *selectState) windowCall(bd *binder, w *ast.WindowFuncExpr, named map[string]*ast.WindowSpec) (windowCall, error) {
	name := strings.ToLower(w.Name)
	wc := windowCall{name: exprText(w)}
	if w.IgnoreNull || w.FromLast {
		return wc, fmt.Errorf("%s: IGNORE NULLS and FROM LAST are not supported", wc.name)
	}
	if kind, ok := windowRanking[name]; ok {
		if len(w.Args) > 0 {
			return wc, fmt.Errorf("%s takes no arguments", name)
		}
		wc.kind = kind
	} else {
		if _, ok := st.b.cat.Function(name); !ok && windowOnly[name] {
			return wc, fmt.Errorf("window function %s is not supported", name)
		}
		argNodes := w.Args
		if fc := pythonOverCall(w); fc != nil {
			name, argNodes = fc.FnName.L, fc.Args
		}
		fn, args, err := st.b.bindAggregate(name, argNodes, w.Distinct, bd)
		if err != nil {
			return wc, err
		}
		wc.kind, wc.agg, wc.args = exec.WindowAggregate, fn, args
	}
	spec, err := resolveWindowSpec(&w.Spec, named, 0)
	if err != nil {
		return wc, err
	}
	if spec.PartitionBy != nil {
		for _, item := range spec.PartitionBy.Items {
			s, err := bd.bind(item.Expr)
			if err != nil {
				return wc, err
			}
			wc.partitionBy = append(wc.partitionBy, s)
		}
	}
	if spec.OrderBy != nil {
		for _, item := range spec.OrderBy.Items {
			s, err := bd.bind(item.Expr)
			if err != nil {
				return wc, err
			}
			wc.orderBy = append(wc.orderBy, sortKey{e: s, desc: item.Desc})
		}
	}
	if wc.frame, err = windowFrame(spec.Frame, wc.orderBy); err != nil {
		return wc, fmt.Errorf("%s: %w", wc.name, err)
	}
	return wc, nil
}

// resolveWindowSpec resolves OVER w and OVER (w ORDER BY ...) against the
// WINDOW clause: a referencing window inherits PARTITION BY and may add
// ORDER BY and a frame.
func resolveWindowSpec(spec *ast.WindowSpec, named map[string]*ast.WindowSpec, depth int) (*ast.WindowSpec, error) {
	if depth > len(named) {
		return nil, fmt.Errorf("window %q refers to itself", spec.Name.O)
	}
	ref := spec.Ref
	if spec.OnlyAlias {
		ref = spec.Name
	}
	if ref.L == "" {
		return spec, nil
	}
	base, ok := named[ref.L]
	if !ok {
		return nil, fmt.Errorf("unknown window %q", ref.O)
	}
	base, err := resolveWindowSpec(base, named, depth+1)
	if err != nil {
		return nil, err
	}
	if spec.OnlyAlias {
		return base, nil
	}
	if spec.PartitionBy != nil {
		return nil, fmt.Errorf("window %q: a window that refers to another cannot have its own PARTITION BY", ref.O)
	}
	out := *base
	if spec.OrderBy != nil {
		out.OrderBy = spec.OrderBy
	}
	if spec.Frame != nil {
		out.Frame = spec.Frame
	}
	return &out, nil
}

// windowFrame converts a frame clause; without one, the SQL default of
// exec.Frame's doc applies.
func windowFrame(f *ast.FrameClause, orderBy []sortKey) (exec.Frame, error) {
	if f == nil {
		if len(orderBy) > 0 {
			return exec.Frame{Unit: exec.FrameRange, Start: exec.FrameBound{Kind: exec.UnboundedPreceding}, End: exec.FrameBound{Kind: exec.CurrentRow}}, nil
		}
		return exec.Frame{Unit: exec.FrameRows, Start: exec.FrameBound{Kind: exec.UnboundedPreceding}, End: exec.FrameBound{Kind: exec.UnboundedFollowing}}, nil
	}
	var fr exec.Frame
	switch f.Type {
	case ast.Rows:
		fr.Unit = exec.FrameRows
	case ast.Ranges:
		fr.Unit = exec.FrameRange
	default:
		return fr, fmt.Errorf("GROUPS frames are not supported")
	}
	var err error
	if fr.Start, err = frameBound(f.Extent.Start, fr.Unit, orderBy); err != nil {
		return fr, err
	}
	if fr.End, err = frameBound(f.Extent.End, fr.Unit, orderBy); err != nil {
		return fr, err
	}
	if fr.Start.Kind == exec.UnboundedFollowing || fr.End.Kind == exec.UnboundedPreceding || frameOrder(fr.Start) > frameOrder(fr.End) {
		return fr, fmt.Errorf("frame starts after it ends")
	}
	return fr, nil
}

// frameOrder ranks bound kinds from first to last row, to reject frames
// such as CURRENT ROW AND 1 PRECEDING.
func frameOrder(b exec.FrameBound) int {
	switch b.Kind {
	case exec.Preceding:
		return 1
	case exec.CurrentRow:
		return 2
	case exec.Following:
		return 3
	case exec.UnboundedFollowing:
		return 4
	}
	return 0
}

// frameBound converts one end of a frame. A RANGE offset is checked
// against the single ORDER BY key at planning time, so that the error does
// not wait for the first row: a number over a numeric key, an INTERVAL of
// fixed length over a DATE (days, weeks) or TIMESTAMP key (microseconds to
// weeks), converted to the key's own units (days; microseconds).
func frameBound(b ast.FrameBound, unit exec.FrameUnit, orderBy []sortKey) (exec.FrameBound, error) {
	switch {
	case b.Type == ast.CurrentRow:
		return exec.FrameBound{Kind: exec.CurrentRow}, nil
	case b.UnBounded && b.Type == ast.Preceding:
		return exec.FrameBound{Kind: exec.UnboundedPreceding}, nil
	case b.UnBounded:
		return exec.FrameBound{Kind: exec.UnboundedFollowing}, nil
	}
	interval := b.Unit != ast.TimeUnitInvalid
	if interval && unit != exec.FrameRange {
		return exec.FrameBound{}, fmt.Errorf("an INTERVAL offset needs a RANGE frame, not ROWS")
	}
	if unit == exec.FrameRange && len(orderBy) != 1 {
		return exec.FrameBound{}, fmt.Errorf("a RANGE frame with an offset needs exactly one ORDER BY key")
	}
	off, err := limitValue(b.Expr)
	if err != nil {
		return exec.FrameBound{}, fmt.Errorf("frame offsets are non-negative integer constants, not %s", exprText(b.Expr))
	}
	if unit == exec.FrameRange {
		t := orderBy[0].e.Type()
		switch {
		case interval && (t.Kind == types.Date || t.Kind == types.Timestamp):
			per, err := intervalLength(b.Unit, t)
			if err != nil {
				return exec.FrameBound{}, err
			}
			if off > math.MaxInt64/per {
				return exec.FrameBound{}, fmt.Errorf("INTERVAL %d %s is too long", off, b.Unit)
			}
			off *= per
		case interval:
			return exec.FrameBound{}, fmt.Errorf("an INTERVAL offset needs a DATE or TIMESTAMP ORDER BY key, not %s", t)
		case t.Kind == types.Date || t.Kind == types.Timestamp:
			return exec.FrameBound{}, fmt.Errorf("a RANGE offset over a %s key is an INTERVAL, as in INTERVAL %d DAY", t, off)
		case !t.IsNumeric():
			return exec.FrameBound{}, fmt.Errorf("a RANGE frame with an offset needs a numeric ORDER BY key, not %s", t)
		}
	}
	kind := exec.Preceding
	if b.Type == ast.Following {
		kind = exec.Following
	}
	return exec.FrameBound{Kind: kind, Offset: off}, nil
}

// intervalLength is one unit of an INTERVAL in the units of a DATE (days)
// or TIMESTAMP (microseconds) key. Months and years have no fixed length.
func intervalLength(u ast.TimeUnitType, key types.Type) (int64, error) {
	var us int64
	switch u {
	case ast.TimeUnitMicrosecond:
		us = 1
	case ast.TimeUnitSecond:
		us = 1e6
	case ast.TimeUnitMinute:
		us = 60e6
	case ast.TimeUnitHour:
		us = 3600e6
	case ast.TimeUnitDay:
		us = 86400e6
	case ast.TimeUnitWeek:
		us = 7 * 86400e6
	default:
		return 0, fmt.Errorf("INTERVAL ... %s has no fixed length: use DAY, WEEK, HOUR, MINUTE, SECOND or MICROSECOND", u)
	}
	if key.Kind == types.Date {
		if us%86400e6 != 0 {
			return 0, fmt.Errorf("an INTERVAL over a DATE key is counted in DAY or WEEK, not %s", u)
		}
		return us / 86400e6, nil
	}
	return us, nil
}
