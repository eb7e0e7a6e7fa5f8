package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan"
	tdriver "github.com/taipandb/taipan/driver"
)

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("taipan", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestExecReportsRowsAffected(t *testing.T) {
	db := openDB(t, "")
	ctx := context.Background()
	_, err := db.ExecContext(ctx, "CREATE TABLE t (a INT, s VARCHAR(10))")
	require.NoError(t, err)
	res, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1, 'x'), (2, NULL), (3, 'z')")
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	_, err = res.LastInsertId()
	require.Error(t, err)

	// A script: every statement runs, their counts add up.
	res, err = db.ExecContext(ctx, "INSERT INTO t VALUES (4, 'w'); INSERT INTO t SELECT a + 10, s FROM t;")
	require.NoError(t, err)
	n, err = res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 5, n)

	var count int64
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&count))
	require.EqualValues(t, 8, count)
}

func TestQueryConvertsEveryType(t *testing.T) {
	db := openDB(t, "")
	_, err := db.Exec(`
CREATE TABLE v (i BIGINT, ti TINYINT, f DOUBLE, d DECIMAL(6,2), s VARCHAR(8), b VARBINARY(4),
                ok BOOLEAN, day DATE, at DATETIME(6));
INSERT INTO v VALUES
  (-7, 3, 2.5, 1.5, 'héllo', X'00ff', TRUE, '2024-02-29', '2024-02-29 13:04:05.25'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);`)
	require.NoError(t, err)

	rows, err := db.Query("SELECT i, ti, f, d, s, b, ok, day, at FROM v ORDER BY i IS NULL, i")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.Equal(t, []string{"i", "ti", "f", "d", "s", "b", "ok", "day", "at"}, cols)

	cts, err := rows.ColumnTypes()
	require.NoError(t, err)
	names := make([]string, len(cts))
	for i, ct := range cts {
		names[i] = ct.DatabaseTypeName()
	}
	require.Equal(t, []string{"BIGINT", "TINYINT", "DOUBLE", "DECIMAL", "VARCHAR", "VARBINARY", "BOOLEAN", "DATE", "TIMESTAMP"}, names)
	p, s, ok := cts[3].DecimalSize()
	require.True(t, ok)
	require.Equal(t, [2]int64{6, 2}, [2]int64{p, s})
	l, ok := cts[4].Length()
	require.True(t, ok)
	require.EqualValues(t, 8, l)

	require.True(t, rows.Next())
	var (
		i, ti  int64
		f      float64
		d, str string
		b      []byte
		bo     bool
		day    time.Time
		at     time.Time
	)
	require.NoError(t, rows.Scan(&i, &ti, &f, &d, &str, &b, &bo, &day, &at))
	require.Equal(t, int64(-7), i)
	require.Equal(t, int64(3), ti)
	require.Equal(t, 2.5, f)
	require.Equal(t, "1.50", d)
	require.Equal(t, "héllo", str)
	require.Equal(t, []byte{0x00, 0xff}, b)
	require.True(t, bo)
	require.Equal(t, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), day)
	require.Equal(t, time.Date(2024, 2, 29, 13, 4, 5, 250000000, time.UTC), at)

	require.True(t, rows.Next())
	var (
		ni, nti sql.NullInt64
		nf      sql.NullFloat64
		nd, ns  sql.NullString
		nb      []byte
		nbo     sql.NullBool
		nday    sql.NullTime
		nat     sql.NullTime
	)
	require.NoError(t, rows.Scan(&ni, &nti, &nf, &nd, &ns, &nb, &nbo, &nday, &nat))
	require.False(t, ni.Valid || nti.Valid || nf.Valid || nd.Valid || ns.Valid || nbo.Valid || nday.Valid || nat.Valid)
	require.Nil(t, nb)
	require.False(t, rows.Next())
	require.NoError(t, rows.Err())
}

func TestQueryOfAStatementWithoutRows(t *testing.T) {
	db := openDB(t, "")
	rows, err := db.Query("CREATE TABLE t (a INT)")
	require.NoError(t, err)
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.Empty(t, cols)
	require.False(t, rows.Next())
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err, "the table exists")
}

func TestQueryTakesOneStatement(t *testing.T) {
	db := openDB(t, "")
	_, err := db.Query("SELECT 1; SELECT 2")
	require.ErrorContains(t, err, "Query takes one statement, got 2")
}

func TestErrorsComeFromTheEngine(t *testing.T) {
	db := openDB(t, "")
	_, err := db.Query("SELECT * FROM no_such_table")
	require.ErrorContains(t, err, "no_such_table")
	_, err = db.Exec("CREATE TABLE")
	require.Error(t, err)
}

func TestArgumentsAreRejected(t *testing.T) {
	db := openDB(t, "")
	_, err := db.Exec("SELECT ?", 1)
	require.ErrorIs(t, err, tdriver.ErrArgs)
	_, err = db.Query("SELECT ?", "x")
	require.ErrorIs(t, err, tdriver.ErrArgs)
	stmt, err := db.Prepare("SELECT ?")
	require.NoError(t, err)
	defer stmt.Close()
	_, err = stmt.Exec(1)
	require.ErrorIs(t, err, tdriver.ErrArgs)
}

func TestTransactionsAreRejected(t *testing.T) {
	db := openDB(t, "")
	_, err := db.Begin()
	require.ErrorIs(t, err, tdriver.ErrTx)
}

func TestEachOpenIsANewEngine(t *testing.T) {
	db1, db2 := openDB(t, ""), openDB(t, "")
	_, err := db1.Exec("CREATE TABLE only_in_one (a INT)")
	require.NoError(t, err)
	_, err = db2.Exec("INSERT INTO only_in_one VALUES (1)")
	require.ErrorContains(t, err, "only_in_one")

	// Connections of one *sql.DB share the engine.
	db1.SetMaxIdleConns(0) // every statement on a fresh connection
	_, err = db1.Exec("INSERT INTO only_in_one VALUES (1)")
	require.NoError(t, err)
}

func TestDataSourceNameSettings(t *testing.T) {
	db := openDB(t, "?python.execution-mode=THREAD&team=blue")
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.Raw(func(dc any) error {
		sess := dc.(*tdriver.Conn).Session()
		mode, _ := sess.Setting("python.execution-mode")
		require.Equal(t, "thread", mode)
		team, _ := sess.Setting("team")
		require.Equal(t, "blue", team)
		return nil
	}))

	bad := openDB(t, "python.execution-mode=sideways")
	err = bad.Ping()
	require.ErrorContains(t, err, "python.execution-mode")
	require.ErrorContains(t, err, "sideways")

	_, err = sql.Open("taipan", "a=%zz")
	require.ErrorContains(t, err, "bad data source name")
}

func TestNewConnectorServesAnExistingEngine(t *testing.T) {
	eng, err := taipan.Open()
	require.NoError(t, err)
	defer eng.Close()
	ctx := context.Background()
	require.NoError(t, eng.Exec(ctx, "CREATE TABLE shared (a INT); INSERT INTO shared VALUES (41);"))

	db := sql.OpenDB(tdriver.NewConnector(eng))
	var a int64
	require.NoError(t, db.QueryRow("SELECT a + 1 FROM shared").Scan(&a))
	require.EqualValues(t, 42, a)
	require.NoError(t, db.Close())

	// Closing the *sql.DB left the engine open.
	rows, err := eng.Query(ctx, "SELECT a FROM shared")
	require.NoError(t, err)
	require.True(t, rows.Next())
	require.NoError(t, rows.Close())
}

func TestCancelledContext(t *testing.T) {
	db := openDB(t, "")
	_, err := db.Exec("CREATE TABLE n (i INT)")
	require.NoError(t, err)
	values := make([]string, 1000)
	for i := range values {
		values[i] = "(1)"
	}
	_, err = db.Exec("INSERT INTO n VALUES " + strings.Join(values, ","))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = db.QueryContext(ctx, "SELECT i FROM n")
	require.ErrorIs(t, err, context.Canceled)

	// 10^12 rows: the query only ends because its deadline passes.
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	var count int64
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM n a, n b, n c, n d").Scan(&count)
	require.Error(t, err)
	require.True(t, errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "cancel"), err.Error())
	require.Less(t, time.Since(start), 10*time.Second)

	// The connection pool still works.
	require.NoError(t, db.QueryRow("SELECT count(*) FROM n").Scan(&count))
	require.EqualValues(t, 1000, count)
}
