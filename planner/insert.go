package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/types"
)

// PlanInsert plans INSERT INTO t [(cols)] VALUES ... | SELECT ... (and
// INSERT ... SET). The plan produces rows in the table's column order and
// types: values are cast to their column's type, columns left out are
// NULL. Errors name the table and the column.
func (p *Planner) PlanInsert(stmt *ast.InsertStmt) (*Plan, *catalog.Table, error) {
	stmt.Accept(markStars{})
	if stmt.IsReplace {
		return nil, nil, fmt.Errorf("REPLACE is not supported")
	}
	if len(stmt.OnDuplicate) > 0 {
		return nil, nil, fmt.Errorf("ON DUPLICATE KEY UPDATE is not supported: tables have no keys")
	}
	tn := insertTarget(stmt)
	if tn == nil {
		return nil, nil, fmt.Errorf("INSERT needs a single target table")
	}
	t, err := p.cat.Table(tn.Name.O)
	if err != nil {
		return nil, nil, err
	}

	// pos[i] is the source position of table column i (-1: not given).
	pos := make([]int, len(t.Columns))
	width := len(t.Columns)
	if len(stmt.Columns) == 0 {
		for i := range pos {
			pos[i] = i
		}
	} else {
		for i := range pos {
			pos[i] = -1
		}
		for k, cn := range stmt.Columns {
			i := tableColumn(t, cn.Name.O)
			if i < 0 {
				return nil, nil, fmt.Errorf("table %q has no column %q", t.Name, cn.Name.O)
			}
			if pos[i] >= 0 {
				return nil, nil, fmt.Errorf("column %q of table %q is listed twice", cn.Name.O, t.Name)
			}
			pos[i] = k
		}
		width = len(stmt.Columns)
	}
	for i, c := range t.Columns {
		if pos[i] < 0 && !c.Nullable {
			return nil, nil, fmt.Errorf("column %q of table %q is NOT NULL and has no value", c.Name, t.Name)
		}
	}
	cols := make([]column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = column{Name: c.Name, Type: c.Type, Nullable: c.Nullable}
	}

	b := p.builder()
	// place puts source values into table order with casts.
	// Values from a query are only known at run time: their casts carry
	// the column they fill, for the error a bad value gets.
	place := func(src []scalar) ([]scalar, error) {
		out := make([]scalar, len(t.Columns))
		for i, c := range t.Columns {
			if pos[i] < 0 {
				out[i] = &constant{Typ: c.Type}
				continue
			}
			s := src[pos[i]]
			if k, ok := s.(*constant); ok && k.Value == nil && !c.Nullable {
				return nil, fmt.Errorf("column %q of table %q is NOT NULL: cannot insert NULL", c.Name, t.Name)
			}
			// A value longer than VARCHAR(n) or VARBINARY(n) is an error
			// on insert (MySQL's strict mode), not cut as CAST cuts it:
			// cast to the unbounded type and let the engine check lengths.
			to := c.Type
			if to.Kind == types.String || to.Kind == types.Binary {
				to.Length = 0
			}
			cs, err := newCast(s, to)
			if err != nil {
				return nil, fmt.Errorf("column %q of table %q: %w", c.Name, t.Name, err)
			}
			if k, ok := cs.(*cast); ok && stmt.Select != nil {
				cs = &cast{Arg: k.Arg, To: k.To, Target: fmt.Sprintf("column %q of table %q", c.Name, t.Name)}
			}
			out[i] = cs
		}
		return out, nil
	}

	var n node
	if stmt.Select != nil {
		q, err := b.planResultSet(stmt.Select, nil)
		if err != nil {
			return nil, nil, err
		}
		if got := len(q.columns()); got != width {
			return nil, nil, fmt.Errorf("INSERT INTO %s: %d columns to fill but the query returns %d", t.Name, width, got)
		}
		exprs, err := place(colRefs(q.columns()))
		if err != nil {
			return nil, nil, err
		}
		n = &projectNode{child: q, exprs: exprs, cols: cols}
	} else {
		bd := &binder{b: b, clause: "VALUES", allowDefault: true}
		rows := make([][]scalar, len(stmt.Lists))
		for r, list := range stmt.Lists {
			if len(list) != width {
				return nil, nil, fmt.Errorf("INSERT INTO %s: row %d has %d values, want %d", t.Name, r+1, len(list), width)
			}
			vals, err := bd.bindAll(list)
			if err != nil {
				return nil, nil, fmt.Errorf("INSERT INTO %s: row %d: %w", t.Name, r+1, err)
			}
			if rows[r], err = place(vals); err != nil {
				return nil, nil, fmt.Errorf("INSERT INTO %s: row %d: %w", t.Name, r+1, err)
			}
		}
		n = &valuesNode{cols: cols, rows: rows}
	}
	plan, err := b.finish(n)
	if err != nil {
		return nil, nil, err
	}
	return plan, t, nil
}

func insertTarget(stmt *ast.InsertStmt) *ast.TableName {
	if stmt.Table == nil || stmt.Table.TableRefs == nil || stmt.Table.TableRefs.Right != nil {
		return nil
	}
	ts, ok := stmt.Table.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil
	}
	tn, _ := ts.Source.(*ast.TableName)
	return tn
}

func tableColumn(t *catalog.Table, name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}
