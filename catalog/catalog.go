// Package catalog holds what a database knows by name: tables and their
// data, functions (built-in and Python alike) and settings.
//
// It is safe for concurrent use. It imports types and Arrow; it must not
// import exec, planner or sql.
package catalog

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/types"
)

// Catalog is one in-memory database.
type Catalog struct {
	mu        sync.RWMutex
	tables    map[string]*Table
	functions map[string]Function
}

// New returns an empty catalog whose functions are those given (the
// built-ins, registered by the caller).
func New() *Catalog {
	return &Catalog{tables: map[string]*Table{}, functions: map[string]Function{}}
}

func key(name string) string { return strings.ToLower(name) }

// Table returns the table called name (case-insensitive).
func (c *Catalog) Table(name string) (*Table, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.tables[key(name)]
	if !ok {
		return nil, fmt.Errorf("table %q does not exist", name)
	}
	return t, nil
}

// CreateTable adds a table. With ifNotExists, an existing table is kept
// and no error returned (created reports which happened).
func (c *Catalog) CreateTable(name string, cols []types.Column, ifNotExists bool) (t *Table, created bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.tables[key(name)]; ok {
		if ifNotExists {
			return old, false, nil
		}
		return nil, false, fmt.Errorf("table %q already exists", name)
	}
	seen := map[string]bool{}
	for _, col := range cols {
		if seen[key(col.Name)] {
			return nil, false, fmt.Errorf("table %q: duplicate column %q", name, col.Name)
		}
		seen[key(col.Name)] = true
	}
	t = &Table{Name: name, Columns: cols, schema: types.Schema(cols)}
	c.tables[key(name)] = t
	return t, true, nil
}

// DropTable removes a table and releases its data.
func (c *Catalog) DropTable(name string, ifExists bool) error {
	c.mu.Lock()
	t, ok := c.tables[key(name)]
	if ok {
		delete(c.tables, key(name))
	}
	c.mu.Unlock()
	if !ok {
		if ifExists {
			return nil
		}
		return fmt.Errorf("table %q does not exist", name)
	}
	t.truncate()
	return nil
}

// TableNames lists the tables, sorted.
func (c *Catalog) TableNames() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	names := make([]string, 0, len(c.tables))
	for _, t := range c.tables {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	return names
}

// Function returns the function called name (case-insensitive).
func (c *Catalog) Function(name string) (Function, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	f, ok := c.functions[key(name)]
	return f, ok
}

// AddFunction registers f. replace allows overwriting an existing entry.
func (c *Catalog) AddFunction(f Function, replace bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.functions[key(f.Name())]; ok && !replace {
		return fmt.Errorf("function %q already exists", f.Name())
	}
	c.functions[key(f.Name())] = f
	return nil
}

// DropFunction removes a function.
func (c *Catalog) DropFunction(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.functions[key(name)]
	delete(c.functions, key(name))
	return ok
}

// Functions lists the registered functions sorted by name.
func (c *Catalog) Functions() []Function {
	c.mu.RLock()
	defer c.mu.RUnlock()
	fs := make([]Function, 0, len(c.functions))
	for _, f := range c.functions {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name() < fs[j].Name() })
	return fs
}

// Table is an in-memory table: its columns and its data as immutable
// Arrow record batches.
type Table struct {
	Name    string
	Columns []types.Column
	schema  *arrow.Schema

	mu      sync.RWMutex
	batches []arrow.Record
	rows    int64
}

// Schema is the table's Arrow schema.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Snapshot returns the table's batches as they are now, each retained; the
// caller releases them. Later inserts do not change a snapshot.
func (t *Table) Snapshot() []arrow.Record {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]arrow.Record, len(t.batches))
	for i, b := range t.batches {
		b.Retain()
		out[i] = b
	}
	return out
}

// NumRows is the table's row count.
func (t *Table) NumRows() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rows
}

// Append adds batches, all or none; each must have the table's schema
// (the field types; names may differ). The table retains them.
func (t *Table) Append(batches []arrow.Record) error {
	for _, b := range batches {
		if int(b.NumCols()) != len(t.Columns) {
			return fmt.Errorf("table %q has %d columns, got %d values per row", t.Name, len(t.Columns), b.NumCols())
		}
		for i, f := range b.Schema().Fields() {
			if !arrow.TypeEqual(f.Type, t.schema.Field(i).Type) {
				return fmt.Errorf("table %q column %q is %s, got %s", t.Name, t.Columns[i].Name, t.Columns[i].Type, f.Type)
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, b := range batches {
		if b.NumRows() == 0 {
			continue
		}
		b.Retain()
		t.batches = append(t.batches, b)
		t.rows += b.NumRows()
	}
	return nil
}

// Replace swaps the table's data for batches (retained), releasing the old.
func (t *Table) Replace(batches []arrow.Record) {
	for _, b := range batches {
		b.Retain()
	}
	t.mu.Lock()
	old := t.batches
	t.batches = batches
	t.rows = 0
	for _, b := range batches {
		t.rows += b.NumRows()
	}
	t.mu.Unlock()
	for _, b := range old {
		b.Release()
	}
}

func (t *Table) truncate() { t.Replace(nil) }
