// Package driver is the database/sql driver of Taipan, registered as
// "taipan". Import it for its side effect:
//
//	import _ "github.com/taipandb/taipan/driver"
//
//	db, err := sql.Open("taipan", "")
//
// The data source name is empty, or settings to apply to every connection
// written as a URL query, such as "python.execution-mode=thread&team=blue"
// (a leading "?" is allowed). Each sql.Open starts a new, empty in-memory
// engine, shared by all connections of that *sql.DB and closed by its Close.
// To serve an engine the program already has, use
// sql.OpenDB(driver.NewConnector(eng)).
//
// Each connection is one taipan.Session: SET applies to the connection it
// runs on, and database/sql may hand statements to any pooled connection
// (use db.Conn or SetMaxOpenConns(1) to keep settings). There are no
// transactions, and query arguments (? placeholders) are not supported: the
// engine's API has no parameters yet.
//
// The package is a client of the public API (package taipan) and must not
// import the engine's internal packages (catalog, exec, planner, sql, udf),
// only types for the SQL type of a column.
package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/taipandb/taipan"
)

// DriverName is the name the driver is registered under.
const DriverName = "taipan"

func init() { sql.Register(DriverName, &Driver{}) }

// Driver is Taipan's database/sql driver.
type Driver struct{}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// Open opens a connection to a new engine of its own. database/sql uses
// OpenConnector instead, so that the connections of one *sql.DB share an
// engine.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := c.Connect(context.Background())
	if err != nil {
		return nil, err
	}
	// The engine belongs to this connection alone.
	conn.(*Conn).closeEngine = c.(*Connector).Close
	return conn, nil
}

// OpenConnector starts a new in-memory engine for dsn.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	settings, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	eng, err := taipan.Open()
	if err != nil {
		return nil, err
	}
	return &Connector{eng: eng, settings: settings, owned: true, drv: d}, nil
}

// parseDSN reads the settings of a data source name.
func parseDSN(dsn string) ([][2]string, error) {
	q, err := url.ParseQuery(strings.TrimPrefix(strings.TrimSpace(dsn), "?"))
	if err != nil {
		return nil, fmt.Errorf("taipan: bad data source name %q: want empty or key=value&key=value: %w", dsn, err)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out [][2]string
	for _, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("taipan: bad data source name %q: a setting without a key", dsn)
		}
		vs := q[k]
		out = append(out, [2]string{k, vs[len(vs)-1]})
	}
	return out, nil
}

// Connector opens connections (sessions) on one engine.
type Connector struct {
	drv      *Driver
	eng      *taipan.Engine
	settings [][2]string
	owned    bool // the engine was opened here and is closed with the connector

	once sync.Once
}

var (
	_ driver.Connector = (*Connector)(nil)
	_ io.Closer        = (*Connector)(nil)
)

// NewConnector serves eng through database/sql: sql.OpenDB(NewConnector(eng)).
// Closing the *sql.DB leaves eng open.
func NewConnector(eng *taipan.Engine) *Connector {
	return &Connector{drv: &Driver{}, eng: eng}
}

// Connect opens a new session.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sess := c.eng.NewSession()
	for _, kv := range c.settings {
		if err := sess.Set(kv[0], kv[1]); err != nil {
			sess.Close()
			return nil, fmt.Errorf("taipan: data source setting %s=%s: %w", kv[0], kv[1], err)
		}
	}
	return &Conn{sess: sess}, nil
}

// Driver returns the driver.
func (c *Connector) Driver() driver.Driver { return c.drv }

// Close closes the engine when the connector opened it; database/sql calls
// it from DB.Close.
func (c *Connector) Close() error {
	var err error
	if c.owned {
		c.once.Do(func() { err = c.eng.Close() })
	}
	return err
}

// ErrArgs is returned for queries with arguments.
var ErrArgs = errors.New("taipan: query arguments (? placeholders) are not supported; write the values into the SQL text")

// ErrTx is returned by Begin.
var ErrTx = errors.New("taipan: transactions are not supported")

// Conn is one connection: a taipan.Session.
type Conn struct {
	sess        *taipan.Session
	closeEngine func() error // set when the connection owns its engine
	closed      bool
}

var (
	_ driver.Conn               = (*Conn)(nil)
	_ driver.QueryerContext     = (*Conn)(nil)
	_ driver.ExecerContext      = (*Conn)(nil)
	_ driver.ConnPrepareContext = (*Conn)(nil)
	_ driver.ConnBeginTx        = (*Conn)(nil)
	_ driver.Pinger             = (*Conn)(nil)
	_ driver.Validator          = (*Conn)(nil)
)

// Session is the connection's session, for use through sql.Conn.Raw.
func (c *Conn) Session() *taipan.Session { return c.sess }

// Prepare returns a statement that runs query when executed; nothing is
// checked before then.
func (c *Conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext is Prepare.
func (c *Conn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	if c.closed {
		return nil, driver.ErrBadConn
	}
	return &Stmt{conn: c, query: query}, nil
}

// Close closes the session.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.sess.Close()
	if c.closeEngine != nil {
		if cerr := c.closeEngine(); err == nil {
			err = cerr
		}
	}
	return err
}

// Begin fails: Taipan has no transactions.
func (c *Conn) Begin() (driver.Tx, error) { return nil, ErrTx }

// BeginTx fails: Taipan has no transactions.
func (c *Conn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) { return nil, ErrTx }

// Ping checks that the connection is open.
func (c *Conn) Ping(ctx context.Context) error {
	if c.closed {
		return driver.ErrBadConn
	}
	return ctx.Err()
}

// IsValid reports whether the connection may be reused.
func (c *Conn) IsValid() bool { return !c.closed }

// ExecContext runs every statement of query (a script is allowed) and
// reports the rows they wrote.
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		return nil, ErrArgs
	}
	stmts, err := taipan.Split(query)
	if err != nil {
		return nil, err
	}
	var affected int64
	for _, st := range stmts {
		rows, err := c.sess.QueryStatement(ctx, st)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
		}
		err = rows.Err()
		affected += rows.RowsAffected()
		rows.Close()
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return result(affected), nil
}

// QueryContext runs one statement and returns its rows; a statement
// without a result set gives rows without columns.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		return nil, ErrArgs
	}
	stmts, err := taipan.Split(query)
	if err != nil {
		return nil, err
	}
	switch len(stmts) {
	case 0:
		return nil, errors.New("taipan: empty query")
	case 1:
	default:
		return nil, fmt.Errorf("taipan: Query takes one statement, got %d; run scripts with Exec", len(stmts))
	}
	rows, err := c.sess.QueryStatement(ctx, stmts[0])
	if err != nil {
		return nil, err
	}
	return newRows(ctx, rows), nil
}

// result is a driver.Result.
type result int64

func (r result) RowsAffected() (int64, error) { return int64(r), nil }

func (r result) LastInsertId() (int64, error) {
	return 0, errors.New("taipan: LastInsertId is not supported")
}

// Stmt is a prepared statement: its text, run on each execution.
type Stmt struct {
	conn  *Conn
	query string
}

var (
	_ driver.Stmt             = (*Stmt)(nil)
	_ driver.StmtExecContext  = (*Stmt)(nil)
	_ driver.StmtQueryContext = (*Stmt)(nil)
)

// Close does nothing: a statement holds no resources.
func (s *Stmt) Close() error { return nil }

// NumInput is -1: the driver does not count placeholders, and rejects
// arguments when the statement runs.
func (s *Stmt) NumInput() int { return -1 }

// Exec runs the statement.
func (s *Stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

// Query runs the statement.
func (s *Stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

// ExecContext runs the statement.
func (s *Stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.query, args)
}

// QueryContext runs the statement.
func (s *Stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}
