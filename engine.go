package taipan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/planner"
	"github.com/taipandb/taipan/sql"
	"github.com/taipandb/taipan/types"
)

var errEOF = io.EOF

// Split cuts a script into statements at semicolons outside quotes and
// comments. Empty statements are dropped.
func Split(script string) ([]Statement, error) {
	pieces, err := sql.Split(script)
	if err != nil {
		return nil, err
	}
	out := make([]Statement, len(pieces))
	for i, p := range pieces {
		out[i] = Statement{SQL: p.Text, Line: p.Line, Column: p.Column}
	}
	return out, nil
}

// IsComplete reports whether text ends a statement: its last token, outside
// quotes and comments, is a semicolon. The shell reads lines until then.
func IsComplete(text string) bool { return sql.IsComplete(text) }

// QueryStatement runs one statement of a script; errors point into the
// script through st's Line and Column.
func (s *Session) QueryStatement(ctx context.Context, st Statement) (*Rows, error) {
	if s.eng.isClosed() {
		return nil, ErrClosed
	}
	if st.Line < 1 {
		st.Line = 1
	}
	if st.Column < 1 {
		st.Column = 1
	}
	stmt, err := sql.Parse(st.SQL, st.Line, st.Column)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch stmt := stmt.(type) {
	case *sql.TiDBStmt:
		return s.runTiDB(ctx, stmt.Node)
	case *sql.SetStmt:
		if err := s.settings.Set(stmt.Key, stmt.Value); err != nil {
			return nil, err
		}
		return okRows("OK", 0), nil
	case *sql.ShowSettingsStmt:
		var rows [][]types.Value
		for _, e := range s.settings.List() {
			rows = append(rows, []types.Value{e.Key, e.Value, e.Default})
		}
		return tableRows([]string{"key", "value", "default"}, rows)
	case *sql.ResetStmt:
		if stmt.All {
			s.settings.ResetAll()
		} else if err := s.settings.Reset(stmt.Key); err != nil {
			return nil, err
		}
		return okRows("OK", 0), nil
	case *sql.ShowFunctionsStmt:
		return s.showFunctions()
	case *sql.CreateFunctionStmt:
		return s.createFunction(ctx, stmt)
	case *sql.DropFunctionStmt:
		return s.dropFunction(stmt)
	case *sql.DescribeFunctionStmt:
		return s.describeFunction(stmt.Name)
	}
	return nil, fmt.Errorf("unsupported statement %T", stmt)
}

func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

func (s *Session) planner() *planner.Planner {
	p := planner.New(s.eng.cat, s.settings)
	p.Runtime = s.eng.runtime
	return p
}

func (s *Session) runTiDB(ctx context.Context, node ast.StmtNode) (*Rows, error) {
	switch n := node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		if into := takeInto(n); into != nil {
			return s.selectIntoOutfile(ctx, n.(ast.ResultSetNode), into)
		}
		plan, err := s.planner().PlanQuery(n.(ast.ResultSetNode))
		if err != nil {
			return nil, err
		}
		return s.queryRows(ctx, plan)
	case *ast.ExplainStmt:
		return s.explain(n)
	case *ast.CreateTableStmt:
		return s.createTable(ctx, n)
	case *ast.DropTableStmt:
		if n.IsView {
			return nil, errors.New("views are not supported")
		}
		for _, t := range n.Tables {
			if err := s.eng.cat.DropTable(t.Name.O, n.IfExists); err != nil {
				return nil, err
			}
		}
		return okRows("Query OK, 0 rows affected", 0), nil
	case *ast.InsertStmt:
		plan, table, err := s.planner().PlanInsert(n)
		if err != nil {
			return nil, err
		}
		batches, rows, err := drain(ctx, plan.Root)
		if err != nil {
			return nil, err
		}
		defer releaseAll(batches)
		if err := checkColumns(table, batches); err != nil {
			return nil, err
		}
		if err := table.Append(batches); err != nil {
			return nil, err
		}
		return okRows(affected(rows), rows), nil
	case *ast.ShowStmt:
		switch n.Tp {
		case ast.ShowTables:
			var rows [][]types.Value
			for _, name := range s.eng.cat.TableNames() {
				rows = append(rows, []types.Value{name})
			}
			return tableRows([]string{"Tables"}, rows)
		case ast.ShowColumns:
			return s.describe(n.Table.Name.O)
		}
	}
	if n, ok := node.(*ast.LoadDataStmt); ok {
		return s.loadData(ctx, n)
	}
	return nil, fmt.Errorf("unsupported statement: %s", stmtKind(node))
}

func stmtKind(node ast.StmtNode) string {
	t := fmt.Sprintf("%T", node)
	t = strings.TrimPrefix(t, "*ast.")
	return strings.TrimSuffix(t, "Stmt")
}

func affected(n int64) string {
	if n == 1 {
		return "Query OK, 1 row affected"
	}
	return fmt.Sprintf("Query OK, %d rows affected", n)
}

func (s *Session) explain(n *ast.ExplainStmt) (*Rows, error) {
	if show, ok := n.Stmt.(*ast.ShowStmt); ok && show.Tp == ast.ShowColumns {
		return s.describe(show.Table.Name.O) // DESCRIBE t parses as EXPLAIN
	}
	if n.Analyze {
		return nil, errors.New("EXPLAIN ANALYZE is not supported")
	}
	var lines []string
	switch q := n.Stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		plan, err := s.planner().PlanQuery(q.(ast.ResultSetNode))
		if err != nil {
			return nil, err
		}
		lines = planner.Explain(plan.Root)
		plan.Root.Close()
	case *ast.InsertStmt:
		plan, table, err := s.planner().PlanInsert(q)
		if err != nil {
			return nil, err
		}
		lines = append([]string{"Insert " + table.Name}, indent(planner.Explain(plan.Root))...)
		plan.Root.Close()
	default:
		return nil, fmt.Errorf("EXPLAIN is not supported for %s", stmtKind(n.Stmt))
	}
	rows := make([][]types.Value, len(lines))
	for i, l := range lines {
		rows[i] = []types.Value{l}
	}
	return tableRows([]string{"plan"}, rows)
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}

func (s *Session) describe(name string) (*Rows, error) {
	t, err := s.eng.cat.Table(name)
	if err != nil {
		return nil, err
	}
	var rows [][]types.Value
	for _, c := range t.Columns {
		null := "YES"
		if !c.Nullable {
			null = "NO"
		}
		rows = append(rows, []types.Value{c.Name, c.Type.String(), null})
	}
	return tableRows([]string{"Field", "Type", "Null"}, rows)
}

func (s *Session) createTable(ctx context.Context, n *ast.CreateTableStmt) (*Rows, error) {
	name := n.Table.Name.O
	if n.ReferTable != nil {
		return nil, errors.New("CREATE TABLE ... LIKE is not supported")
	}
	var cols []types.Column
	for _, c := range n.Cols {
		t, err := planner.ColumnType(c.Tp)
		if err != nil {
			return nil, fmt.Errorf("table %q column %q: %w", name, c.Name.Name.O, err)
		}
		col := types.Column{Name: c.Name.Name.O, Type: t, Nullable: true}
		for _, o := range c.Options {
			if o.Tp == ast.ColumnOptionNotNull || o.Tp == ast.ColumnOptionPrimaryKey {
				col.Nullable = false
			}
		}
		if mysql.HasNotNullFlag(c.Tp.GetFlag()) {
			col.Nullable = false
		}
		cols = append(cols, col)
	}
	for _, cons := range n.Constraints {
		if cons.Tp == ast.ConstraintPrimaryKey {
			for _, k := range cons.Keys {
				for i := range cols {
					if strings.EqualFold(cols[i].Name, k.Column.Name.O) {
						cols[i].Nullable = false
					}
				}
			}
		}
	}
	if n.Select == nil {
		if len(cols) == 0 {
			return nil, fmt.Errorf("table %q must have at least one column", name)
		}
		if _, _, err := s.eng.cat.CreateTable(name, cols, n.IfNotExists); err != nil {
			return nil, err
		}
		return okRows("Query OK, 0 rows affected", 0), nil
	}
	if len(cols) > 0 {
		return nil, errors.New("CREATE TABLE ... AS SELECT with column definitions is not supported")
	}
	plan, err := s.planner().PlanQuery(n.Select)
	if err != nil {
		return nil, err
	}
	batches, rows, err := drain(ctx, plan.Root)
	if err != nil {
		return nil, err
	}
	defer releaseAll(batches)
	cols = make([]types.Column, len(plan.Columns))
	for i, c := range plan.Columns {
		cols[i] = c
		cols[i].Nullable = true
		if c.Type.Kind == types.Null {
			// A column of bare NULLs has no type of its own: make it TEXT
			// (MySQL makes it BINARY(0), which can hold nothing else).
			cols[i].Type = types.StringType
		}
	}
	t, created, err := s.eng.cat.CreateTable(name, cols, n.IfNotExists)
	if err != nil {
		return nil, err
	}
	if !created {
		return okRows("Query OK, 0 rows affected", 0), nil
	}
	batches = typedNulls(batches, t.Schema())
	defer releaseAll(batches)
	if err := t.Append(batches); err != nil {
		_ = s.eng.cat.DropTable(name, true)
		return nil, err
	}
	return okRows(affected(rows), rows), nil
}

// typedNulls returns batches (each a new reference) whose columns of the
// NULL type are replaced by all-NULL columns of schema's type.
func typedNulls(batches []arrow.Record, schema *arrow.Schema) []arrow.Record {
	out := make([]arrow.Record, len(batches))
	for i, b := range batches {
		cols := make([]arrow.Array, b.NumCols())
		for j := range cols {
			cols[j] = b.Column(j)
			if cols[j].DataType().ID() == arrow.NULL && schema.Field(j).Type.ID() != arrow.NULL {
				cols[j] = array.MakeArrayOfNull(memory.DefaultAllocator, schema.Field(j).Type, int(b.NumRows()))
				defer cols[j].Release()
			}
		}
		out[i] = array.NewRecord(schema, cols, b.NumRows())
	}
	return out
}

// checkColumns rejects NULLs bound for NOT NULL columns and values longer
// than a VARCHAR(n) or VARBINARY(n) column allows, naming the column and
// the row (1-based, in the order the statement produced them).
func checkColumns(t *catalog.Table, batches []arrow.Record) error {
	row := 0
	for _, b := range batches {
		for i, c := range t.Columns {
			col := b.Column(i)
			if !c.Nullable && col.NullN() > 0 {
				return fmt.Errorf("column %q of table %q cannot be NULL", c.Name, t.Name)
			}
			if c.Type.Length == 0 {
				continue
			}
			for j := 0; j < col.Len(); j++ {
				if col.IsNull(j) {
					continue
				}
				n, unit := 0, "characters"
				switch a := col.(type) {
				case *array.String:
					n = utf8.RuneCountInString(a.Value(j))
				case *array.Binary:
					n, unit = len(a.Value(j)), "bytes"
				}
				if n > c.Type.Length {
					return fmt.Errorf("data too long for column %q of table %q at row %d: %d %s, %s holds %d",
						c.Name, t.Name, row+j+1, n, unit, c.Type, c.Type.Length)
				}
			}
		}
		row += int(b.NumRows())
	}
	return nil
}

// drain runs op to the end, returning its batches (retained) and row count.
func drain(ctx context.Context, op exec.Operator) ([]arrow.Record, int64, error) {
	defer op.Close()
	if err := op.Open(ctx); err != nil {
		return nil, 0, err
	}
	var out []arrow.Record
	var n int64
	for {
		rec, err := safeNext(ctx, op)
		if errors.Is(err, io.EOF) {
			return out, n, nil
		}
		if err != nil {
			releaseAll(out)
			return nil, 0, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		out = append(out, rec)
		n += rec.NumRows()
	}
}

func releaseAll(rs []arrow.Record) {
	for _, r := range rs {
		r.Release()
	}
}

// queryRows opens a plan and streams it as Rows.
func (s *Session) queryRows(ctx context.Context, plan *planner.Plan) (*Rows, error) {
	op := plan.Root
	if err := op.Open(ctx); err != nil {
		op.Close()
		return nil, err
	}
	// The operator's schema may lack the SQL type metadata and the final
	// names; the result's records carry the plan's.
	schema := types.Schema(plan.Columns)
	var last arrow.Record
	drop := func() {
		if last != nil {
			last.Release()
			last = nil
		}
	}
	return &Rows{
		schema:    schema,
		resultSet: true,
		refs:      1,
		next: func() (arrow.Record, error) {
			drop()
			rec, err := safeNext(ctx, op)
			if err != nil {
				return nil, err
			}
			last = array.NewRecord(schema, rec.Columns(), rec.NumRows())
			return last, nil
		},
		close: func() { drop(); op.Close() },
	}, nil
}

func okRows(msg string, affected int64) *Rows {
	return &Rows{schema: arrow.NewSchema(nil, nil), message: msg, rowsAffected: affected, refs: 1}
}

// tableRows builds a small result of text columns from Go values.
func tableRows(names []string, rows [][]types.Value) (*Rows, error) {
	cols := make([]types.Column, len(names))
	for i, n := range names {
		cols[i] = types.Column{Name: n, Type: types.StringType, Nullable: true}
	}
	schema := types.Schema(cols)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			if err := expr.AppendValue(b.Field(i), v); err != nil {
				return nil, err
			}
		}
	}
	rec := b.NewRecord()
	sent := false
	return &Rows{
		schema:    schema,
		resultSet: true,
		refs:      1,
		next: func() (arrow.Record, error) {
			if sent {
				return nil, io.EOF
			}
			sent = true
			return rec, nil
		},
		close: func() { rec.Release() },
	}, nil
}

// safeNext pulls one batch, turning a panic inside an operator or kernel
// into an error: a bug must fail the statement, not the process.
func safeNext(ctx context.Context, op exec.Operator) (rec arrow.Record, err error) {
	defer func() {
		if r := recover(); r != nil {
			rec, err = nil, fmt.Errorf("internal error: %v", r)
		}
	}()
	return op.Next(ctx)
}
