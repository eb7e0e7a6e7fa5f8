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
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/fileio"
	"github.com/taipandb/taipan/types"
)

// fileOptions are the FIELDS, LINES and IGNORE clauses of LOAD DATA and
// INTO OUTFILE, checked against the file's format.
type fileOptions struct {
	format    fileio.Format
	delimiter rune // 0: the format's
	crlf      bool
	ignore    int64
}

func parseFileOptions(path string, fields *ast.FieldsClause, lines *ast.LinesClause, ignore *uint64) (fileOptions, error) {
	format, err := fileio.FormatOf(path)
	if err != nil {
		return fileOptions{}, err
	}
	o := fileOptions{format: format}
	if ignore != nil {
		o.ignore = int64(*ignore)
	}
	given := ignore != nil
	if fields != nil {
		if fields.Terminated != nil {
			given = true
			d, size := utf8.DecodeRuneInString(*fields.Terminated)
			if size == 0 || size != len(*fields.Terminated) {
				return o, fmt.Errorf("FIELDS TERMINATED BY %q: the delimiter must be one character", *fields.Terminated)
			}
			o.delimiter = d
		}
		if fields.Enclosed != nil {
			given = true
			if *fields.Enclosed != `"` {
				return o, fmt.Errorf(`FIELDS ENCLOSED BY %q: only '"' encloses fields`, *fields.Enclosed)
			}
		}
		if fields.Escaped != nil && *fields.Escaped != `\` {
			return o, fmt.Errorf(`FIELDS ESCAPED BY %q: only '\\' is accepted (it marks NULL as \N; quotes, not escapes, protect other characters)`, *fields.Escaped)
		}
		if fields.DefinedNullBy != nil {
			return o, errors.New(`DEFINED NULL BY is not supported: NULL is \N`)
		}
	}
	if lines != nil {
		if lines.Starting != nil && *lines.Starting != "" {
			return o, errors.New("LINES STARTING BY is not supported")
		}
		if lines.Terminated != nil {
			given = true
			switch *lines.Terminated {
			case "\n":
			case "\r\n":
				o.crlf = true
			default:
				return o, fmt.Errorf(`LINES TERMINATED BY %q: lines end in '\n' or '\r\n'`, *lines.Terminated)
			}
		}
	}
	if given && format == fileio.Parquet {
		return o, fmt.Errorf("%s is a Parquet file: FIELDS, LINES and IGNORE LINES apply only to .csv and .tsv files", path)
	}
	return o, nil
}

// loadData runs LOAD DATA [LOCAL] INFILE. The whole file is read and
// converted before the table changes, so a load that fails leaves the
// table as it was. LOCAL changes nothing: the engine runs where the
// files are, and relative paths are opened against its working directory.
func (s *Session) loadData(ctx context.Context, n *ast.LoadDataStmt) (*Rows, error) {
	switch {
	case n.OnDuplicate == ast.OnDuplicateKeyHandlingReplace,
		// The parser makes IGNORE the default of LOCAL, so it is only
		// told apart without LOCAL.
		n.OnDuplicate == ast.OnDuplicateKeyHandlingIgnore && n.FileLocRef != ast.FileLocClient:
		return nil, errors.New("LOAD DATA ... REPLACE and IGNORE are not supported: tables have no keys, and a bad value is always an error")
	case n.Format != nil:
		return nil, errors.New("LOAD DATA ... FORMAT is not supported: the format comes from the file's extension")
	case len(n.ColumnAssignments) > 0:
		return nil, errors.New("LOAD DATA ... SET is not supported")
	case len(n.Options) > 0:
		return nil, errors.New("LOAD DATA ... WITH options are not supported")
	case n.Charset != nil && !isUTF8(*n.Charset):
		return nil, fmt.Errorf("LOAD DATA ... CHARACTER SET %s is not supported: files are read as UTF-8", *n.Charset)
	}
	opts, err := parseFileOptions(n.Path, n.FieldsInfo, n.LinesInfo, n.IgnoreLines)
	if err != nil {
		return nil, err
	}
	table, err := s.eng.cat.Table(n.Table.Name.O)
	if err != nil {
		return nil, err
	}
	// fill[i] is the table column that the file's i-th field fills.
	var fill []int
	var names []string
	for _, c := range n.ColumnsAndUserVars {
		if c.UserVar != nil {
			return nil, fmt.Errorf("LOAD DATA into user variables (@%s) is not supported", c.UserVar.Name)
		}
		names = append(names, c.ColumnName.Name.O)
	}
	if len(names) == 0 {
		for i := range table.Columns {
			fill = append(fill, i)
		}
	}
	used := map[int]bool{}
	for _, name := range names {
		i := columnIndex(table.Columns, name)
		if i < 0 {
			return nil, fmt.Errorf("table %q has no column %q", table.Name, name)
		}
		if used[i] {
			return nil, fmt.Errorf("column %q is listed twice", name)
		}
		used[i] = true
		fill = append(fill, i)
	}
	if len(names) > 0 {
		for i, c := range table.Columns {
			if !used[i] && !c.Nullable {
				return nil, fmt.Errorf("column %q of table %q cannot be NULL: list it among the loaded columns", c.Name, table.Name)
			}
		}
	}
	target := make([]types.Column, len(fill))
	for i, c := range fill {
		target[i] = table.Columns[c]
	}

	r, err := fileio.Open(fileio.Source{
		Path:        n.Path,
		Format:      opts.format,
		Delimiter:   opts.delimiter,
		IgnoreLines: opts.ignore,
		Columns:     target,
		Mem:         exec.Allocator(ctx),
	})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	tracker := progressOf(ctx)
	var last fileio.Progress
	if tracker != nil {
		tracker.add(Progress{TotalBytes: r.Progress().TotalBytes})
	}
	var batches []arrow.Record
	defer func() { releaseAll(batches) }()
	var rows int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := r.Next()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if rec != nil {
			batches = append(batches, widen(ctx, table.Schema(), fill, rec))
			rec.Release()
			rows += batches[len(batches)-1].NumRows()
		}
		if tracker != nil {
			now := r.Progress()
			tracker.add(Progress{Rows: now.Rows - last.Rows, Bytes: now.Bytes - last.Bytes})
			last = now
		}
		if err != nil { // io.EOF
			break
		}
	}
	if err := table.Append(batches); err != nil {
		return nil, err
	}
	return okRows(affected(rows), rows), nil
}

func isUTF8(cs string) bool {
	switch strings.ToLower(cs) {
	case "utf8", "utf8mb4", "utf8mb3":
		return true
	}
	return false
}

func columnIndex(cols []types.Column, name string) int {
	for i, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// widen returns a record of the table's schema from rec, whose i-th
// column fills table column fill[i]; the table's other columns are NULL.
func widen(ctx context.Context, schema *arrow.Schema, fill []int, rec arrow.Record) arrow.Record {
	cols := make([]arrow.Array, schema.NumFields())
	for i, c := range fill {
		cols[c] = rec.Column(i)
		cols[c].Retain()
	}
	for i, c := range cols {
		if c == nil {
			cols[i] = array.MakeArrayOfNull(exec.Allocator(ctx), schema.Field(i).Type, int(rec.NumRows()))
		}
	}
	out := array.NewRecord(schema, cols, rec.NumRows())
	releaseArrays(cols)
	return out
}

func releaseArrays(cols []arrow.Array) {
	for _, c := range cols {
		c.Release()
	}
}

// takeInto removes and returns the INTO clause of a query: of the
// SELECT itself, or of the last SELECT of a UNION, where the parser puts
// it.
func takeInto(node ast.Node) *ast.SelectIntoOption {
	switch n := node.(type) {
	case *ast.SelectStmt:
		into := n.SelectIntoOpt
		n.SelectIntoOpt = nil
		return into
	case *ast.SetOprStmt:
		if n.SelectList != nil {
			return takeInto(n.SelectList)
		}
	case *ast.SetOprSelectList:
		var into *ast.SelectIntoOption
		for _, sel := range n.Selects {
			if i := takeInto(sel); i != nil {
				into = i
			}
		}
		return into
	}
	return nil
}

// selectIntoOutfile runs SELECT ... INTO OUTFILE: the query's rows go to
// a new file, in the format of its extension. An existing file is never
// overwritten; a query that fails leaves no file behind.
func (s *Session) selectIntoOutfile(ctx context.Context, query ast.ResultSetNode, into *ast.SelectIntoOption) (*Rows, error) {
	switch into.Tp {
	case ast.SelectIntoDumpfile:
		return nil, errors.New("SELECT ... INTO DUMPFILE is not supported: use INTO OUTFILE")
	case ast.SelectIntoVars:
		return nil, errors.New("SELECT ... INTO variables is not supported")
	}
	opts, err := parseFileOptions(into.FileName, into.FieldsInfo, into.LinesInfo, nil)
	if err != nil {
		return nil, err
	}
	plan, err := s.planner().PlanQuery(query)
	if err != nil {
		return nil, err
	}
	op := plan.Root
	defer op.Close()
	w, err := fileio.Create(fileio.Target{
		Path:      into.FileName,
		Format:    opts.format,
		Delimiter: opts.delimiter,
		CRLF:      opts.crlf,
		Columns:   plan.Columns,
		Mem:       exec.Allocator(ctx),
	})
	if err != nil {
		return nil, err
	}
	if err := s.writeRows(ctx, op, w); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return okRows(affected(w.Rows()), w.Rows()), nil
}

func (s *Session) writeRows(ctx context.Context, op exec.Operator, w *fileio.Writer) error {
	if err := op.Open(ctx); err != nil {
		return err
	}
	for {
		rec, err := safeNext(ctx, op)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
}
