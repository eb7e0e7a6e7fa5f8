// Package taipan is the embedding API of Taipan, an SQL engine whose
// queries call Python functions.
//
//	eng, err := taipan.Open()
//	defer eng.Close()
//	rows, err := eng.Query(ctx, "SELECT 1 + 1 AS two")
//	defer rows.Close()
//	for rows.Next() { rec := rows.Record(); ... }
//
// An Engine is one in-memory database; a Session holds settings (SET) and
// runs statements one at a time. Results are Arrow record readers.
package taipan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/catalog/builtin"
	"github.com/taipandb/taipan/udf"
)

// Engine is an in-memory database. It is safe for concurrent use by many
// sessions.
type Engine struct {
	cat      *catalog.Catalog
	builtins map[string]catalog.Function // by lower-case name, to restore shadowed ones

	opts     options
	rtMu     sync.Mutex
	runtimes map[udf.Mode]udf.Runtime // started on first use

	mu       sync.Mutex
	closed   bool
	def      *Session
	sessions map[*Session]struct{}
}

// Option configures an engine at Open.
type Option func(*options)

type options struct {
	pythonWorkers int
	pythonStderr  io.Writer
}

// WithPythonWorkers sets how many PROCESS-mode worker processes may run at
// once for one interpreter and python.files (default: the number of CPUs,
// at most 4).
func WithPythonWorkers(n int) Option { return func(o *options) { o.pythonWorkers = n } }

// WithPythonStderr sends what Python functions print, and the workers'
// logs, to w instead of the process's standard error.
func WithPythonStderr(w io.Writer) Option { return func(o *options) { o.pythonStderr = w } }

// Open starts an engine on a new, empty in-memory database.
func Open(opts ...Option) (*Engine, error) {
	cat := catalog.New()
	builtin.Register(cat)
	e := &Engine{cat: cat, sessions: map[*Session]struct{}{}, builtins: map[string]catalog.Function{},
		runtimes: map[udf.Mode]udf.Runtime{}}
	for _, o := range opts {
		o(&e.opts)
	}
	if e.opts.pythonWorkers < 0 {
		return nil, fmt.Errorf("taipan: %d Python workers: the number must be positive", e.opts.pythonWorkers)
	}
	for _, f := range cat.Functions() {
		e.builtins[f.Name()] = f
	}
	e.def = e.NewSession()
	return e, nil
}

// Close ends every session and releases the database.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	for _, name := range e.cat.TableNames() {
		_ = e.cat.DropTable(name, true)
	}
	e.rtMu.Lock()
	defer e.rtMu.Unlock()
	var first error
	for m, rt := range e.runtimes {
		if err := rt.Close(); err != nil && first == nil {
			first = err
		}
		delete(e.runtimes, m)
	}
	return first
}

// runtimeFactories makes the runtime of each mode built into this binary.
var runtimeFactories = map[udf.Mode]func(options) (udf.Runtime, error){}

// runtime returns the engine's runtime for a mode, starting it on first
// use: an engine that never calls Python starts no Python.
func (e *Engine) runtime(m udf.Mode) (udf.Runtime, error) {
	e.rtMu.Lock()
	defer e.rtMu.Unlock()
	if rt, ok := e.runtimes[m]; ok {
		return rt, nil
	}
	if e.isClosed() {
		return nil, ErrClosed
	}
	newRuntime := runtimeFactories[m]
	if newRuntime == nil {
		return nil, fmt.Errorf("%s mode is not available in this build of Taipan", m)
	}
	rt, err := newRuntime(e.opts)
	if err != nil {
		return nil, fmt.Errorf("starting %s mode: %w", m, err)
	}
	e.runtimes[m] = rt
	return rt, nil
}

// NewSession opens a session with settings at their defaults.
func (e *Engine) NewSession() *Session {
	s := &Session{eng: e, settings: catalog.NewSettings()}
	e.mu.Lock()
	e.sessions[s] = struct{}{}
	e.mu.Unlock()
	return s
}

// Query runs one statement on the engine's default session.
func (e *Engine) Query(ctx context.Context, sql string) (*Rows, error) {
	return e.def.Query(ctx, sql)
}

// Exec runs every statement of a script on the default session,
// discarding results; it stops at the first error.
func (e *Engine) Exec(ctx context.Context, script string) error {
	return e.def.Exec(ctx, script)
}

// Session runs statements one at a time with its own settings. It is not
// safe for concurrent use; open one session per goroutine.
type Session struct {
	eng      *Engine
	settings *catalog.Settings
}

// Set sets a setting as SET key = value does.
func (s *Session) Set(key, value string) error { return s.settings.Set(key, value) }

// Setting returns a setting's current value.
func (s *Session) Setting(key string) (string, bool) { return s.settings.Get(key) }

// Query runs a single statement. Statements that return no rows give Rows
// with IsResultSet false and RowsAffected set.
func (s *Session) Query(ctx context.Context, sql string) (*Rows, error) {
	return s.QueryStatement(ctx, Statement{SQL: sql, Line: 1, Column: 1})
}

// Exec runs every statement of a script, discarding results; it stops at
// the first error.
func (s *Session) Exec(ctx context.Context, script string) error {
	stmts, err := Split(script)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		rows, err := s.QueryStatement(ctx, st)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Close ends the session.
func (s *Session) Close() error {
	s.eng.mu.Lock()
	delete(s.eng.sessions, s)
	s.eng.mu.Unlock()
	return nil
}

// Statement is one statement of a script and where it starts in it (1-based),
// so that errors point into the script.
type Statement struct {
	SQL    string
	Line   int
	Column int
}

// ErrClosed is returned by a closed engine.
var ErrClosed = errors.New("taipan: engine is closed")

// Rows is the result of one statement: an Arrow record reader
// (array.RecordReader). Records are valid until the next call to Next.
type Rows struct {
	schema       *arrow.Schema
	resultSet    bool
	rowsAffected int64
	next         func() (arrow.Record, error) // nil when there are no rows
	close        func()
	cur          arrow.Record
	err          error
	done         bool
	refs         int64
	message      string
}

// Schema is the result's schema (empty for statements without a result set).
// Each field carries its SQL type in its metadata (types.SQLTypeKey).
func (r *Rows) Schema() *arrow.Schema { return r.schema }

// IsResultSet reports whether the statement returns rows (SELECT, SHOW,
// DESCRIBE, EXPLAIN, SET without arguments).
func (r *Rows) IsResultSet() bool { return r.resultSet }

// RowsAffected is the number of rows written by INSERT, LOAD DATA or
// CREATE TABLE ... AS SELECT.
func (r *Rows) RowsAffected() int64 { return r.rowsAffected }

// Message is a short status for statements without a result set, such as
// "Query OK, 3 rows affected".
func (r *Rows) Message() string { return r.message }

// Next advances to the next non-empty record.
func (r *Rows) Next() bool {
	if r.done || r.next == nil {
		return false
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for {
		rec, err := r.next()
		if err != nil {
			r.done = true
			if !errors.Is(err, errEOF) {
				r.err = err
			}
			r.Close()
			return false
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		r.cur = rec
		return true
	}
}

// Record is the current record, valid until the next call to Next.
func (r *Rows) Record() arrow.Record { return r.cur }

// Err is the error that ended the rows, if any.
func (r *Rows) Err() error { return r.err }

// Retain and Release make Rows an array.RecordReader; Release of the
// last reference closes it.
func (r *Rows) Retain() { r.refs++ }

// Release drops a reference; the last one closes the rows.
func (r *Rows) Release() {
	r.refs--
	if r.refs <= 0 {
		r.Close()
	}
}

// Close stops the statement and releases its resources. It is idempotent.
func (r *Rows) Close() error {
	r.done = true
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.close != nil {
		r.close()
		r.close = nil
	}
	return nil
}
