package planner

import (
	"fmt"
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
	if wc.frame, err = windowFrame(spec.Frame, len(wc.orderBy)); err != nil {
		return wc, fmt.Errorf("%s: %w", wc.name, err)
	}
	if err := rangeOffsetKey(wc.frame, wc.orderBy); err != nil {
		return wc, fmt.Errorf("%s: %w", wc.name, err)
	}
	return wc, nil
}

// rangeOffsetKey checks at planning time that a RANGE frame with an
// offset orders by a number, so that the error does not wait for the
// first row (or never come, over an empty table). A DATE or TIMESTAMP
// key would need an INTERVAL offset, as in MySQL; a bare number would
// silently mean days or microseconds.
func rangeOffsetKey(fr exec.Frame, keys []sortKey) error {
	if fr.Unit != exec.FrameRange || len(keys) != 1 {
		return nil
	}
	offset := func(b exec.FrameBound) bool { return b.Kind == exec.Preceding || b.Kind == exec.Following }
	if !offset(fr.Start) && !offset(fr.End) {
		return nil
	}
	switch t := keys[0].e.Type(); {
	case t.IsNumeric():
		return nil
	case t.Kind == types.Date || t.Kind == types.Timestamp:
		return fmt.Errorf("a RANGE offset over a %s key needs an INTERVAL, which is not supported yet", t)
	default:
		return fmt.Errorf("a RANGE frame with an offset needs a numeric ORDER BY key, not %s", t)
	}
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
func windowFrame(f *ast.FrameClause, orderKeys int) (exec.Frame, error) {
	if f == nil {
		if orderKeys > 0 {
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
	if fr.Start, err = frameBound(f.Extent.Start, fr.Unit, orderKeys); err != nil {
		return fr, err
	}
	if fr.End, err = frameBound(f.Extent.End, fr.Unit, orderKeys); err != nil {
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

func frameBound(b ast.FrameBound, unit exec.FrameUnit, orderKeys int) (exec.FrameBound, error) {
	switch {
	case b.Type == ast.CurrentRow:
		return exec.FrameBound{Kind: exec.CurrentRow}, nil
	case b.UnBounded && b.Type == ast.Preceding:
		return exec.FrameBound{Kind: exec.UnboundedPreceding}, nil
	case b.UnBounded:
		return exec.FrameBound{Kind: exec.UnboundedFollowing}, nil
	}
	if b.Unit != ast.TimeUnitInvalid {
		return exec.FrameBound{}, fmt.Errorf("INTERVAL frame offsets are not supported yet")
	}
	if unit == exec.FrameRange && orderKeys != 1 {
		return exec.FrameBound{}, fmt.Errorf("a RANGE frame with an offset needs exactly one ORDER BY key")
	}
	off, err := limitValue(b.Expr)
	if err != nil {
		return exec.FrameBound{}, fmt.Errorf("frame offsets are non-negative integer constants, not %s", exprText(b.Expr))
	}
	kind := exec.Preceding
	if b.Type == ast.Following {
		kind = exec.Following
	}
	return exec.FrameBound{Kind: kind, Offset: off}, nil
}
