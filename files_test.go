package taipan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// dump runs a query and returns its rows, values separated by |, as the
// engine prints them.
func dump(t *testing.T, s *taipan.Session, query string) []string {
	t.Helper()
	rows, err := s.Query(context.Background(), query)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		rec := rows.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			parts := make([]string, rec.NumCols())
			for j := range parts {
				c, err := types.ColumnOf(rec.Schema().Field(j))
				require.NoError(t, err)
				parts[j] = expr.FormatValue(expr.ValueAt(rec.Column(j), i), c.Type)
			}
			out = append(out, strings.Join(parts, "|"))
		}
	}
	require.NoError(t, rows.Err())
	return out
}

func run(t *testing.T, s *taipan.Session, script string) {
	t.Helper()
	require.NoError(t, s.Exec(context.Background(), script))
}

// affectedBy runs one statement and returns its rows affected.
func affectedBy(t *testing.T, s *taipan.Session, stmt string) int64 {
	t.Helper()
	rows, err := s.Query(context.Background(), stmt)
	require.NoError(t, err)
	defer rows.Close()
	require.False(t, rows.IsResultSet())
	return rows.RowsAffected()
}

func queryErr(t *testing.T, s *taipan.Session, stmt string) error {
	t.Helper()
	rows, err := s.Query(context.Background(), stmt)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	require.Error(t, rows.Err(), "%s ran without error", stmt)
	return rows.Err()
}

// sq quotes a path as an SQL string literal.
func sq(path string) string { return "'" + strings.ReplaceAll(path, "'", "''") + "'" }

const everyType = `(id INT NOT NULL, b BOOLEAN, i8 TINYINT, i16 SMALLINT, i64 BIGINT, f FLOAT, d DOUBLE,
	dc DECIMAL(12,3), s TEXT, v VARCHAR(20), bin BLOB, dt DATE, ts TIMESTAMP, ts3 TIMESTAMP(3), ts6 TIMESTAMP(6))`

const everyTypeRows = `INSERT INTO src VALUES
	(1, TRUE, -128, 32767, 9223372036854775807, 1.5, 0.1, -123456789.125, 'plain', 'short', X'0001FF',
	 '2024-01-02', '1999-12-31 23:59:59', '2024-02-29 12:34:56.789', '2024-02-29 12:34:56.123456'),
	(2, FALSE, 0, 0, -9223372036854775808, -0.25, 1e300, 0.001, 'a, "quoted" value', 'line
break', X'', '1970-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999', '1969-12-31 23:59:59.000001'),
	(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(4, TRUE, 127, -1, 42, 3.25, -2.5e-7, 999999999.999, '', 'tab	here\\N', X'74657874',
	 '9999-12-31', '2038-01-19 03:14:08', '2000-01-01 00:00:00.5', '2000-01-01 00:00:00.000500')`

func TestFilesRoundTripEveryType(t *testing.T) {
	for _, ext := range []string{".csv", ".tsv", ".parquet"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			first, second := filepath.Join(dir, "first"+ext), filepath.Join(dir, "second"+ext)
			ignore := " IGNORE 1 LINES"
			if ext == ".parquet" {
				ignore = ""
			}
			s := openEngine(t).NewSession()
			run(t, s, "CREATE TABLE src "+everyType+"; CREATE TABLE mid "+everyType+"; CREATE TABLE dst "+everyType)
			run(t, s, everyTypeRows)
			want := dump(t, s, "SELECT * FROM src ORDER BY id")
			require.Len(t, want, 4)

			require.EqualValues(t, 4, affectedBy(t, s, "SELECT * FROM src ORDER BY id INTO OUTFILE "+sq(first)))
			require.EqualValues(t, 4, affectedBy(t, s, "LOAD DATA INFILE "+sq(first)+" INTO TABLE mid"+ignore))
			require.Equal(t, want, dump(t, s, "SELECT * FROM mid ORDER BY id"))

			require.EqualValues(t, 4, affectedBy(t, s, "SELECT * FROM mid ORDER BY id INTO OUTFILE "+sq(second)))
			require.EqualValues(t, 4, affectedBy(t, s, "LOAD DATA LOCAL INFILE "+sq(second)+" INTO TABLE dst"+ignore))
			require.Equal(t, want, dump(t, s, "SELECT * FROM dst ORDER BY id"))

			if ext != ".parquet" {
				a, err := os.ReadFile(first)
				require.NoError(t, err)
				b, err := os.ReadFile(second)
				require.NoError(t, err)
				require.Equal(t, string(a), string(b))
			}
		})
	}
}

func TestOutfileCSVText(t *testing.T) {
	dir := t.TempDir()
	s := openEngine(t).NewSession()
	run(t, s, "CREATE TABLE t (id INT, name TEXT, price DECIMAL(5,2), day DATE, at TIMESTAMP(6))")
	run(t, s, `INSERT INTO t VALUES (1, 'a,b', 1.5, '2024-01-02', '2024-01-02 03:04:05.5'),
		(2, 'say "hi"', NULL, NULL, NULL), (3, '', 0, '2024-12-31', '2024-12-31 00:00:00')`)
	path := filepath.Join(dir, "t.csv")
	run(t, s, "SELECT * FROM t ORDER BY id INTO OUTFILE "+sq(path))
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "id,name,price,day,at\n"+
		"1,\"a,b\",1.50,2024-01-02,2024-01-02 03:04:05.500000\n"+
		"2,\"say \"\"hi\"\"\",\\N,\\N,\\N\n"+
		"3,,0.00,2024-12-31,2024-12-31 00:00:00\n", string(text))

	// FIELDS and LINES change the delimiter and the line ends.
	semi := filepath.Join(dir, "t2.csv")
	run(t, s, "SELECT id, name FROM t WHERE id < 3 ORDER BY id INTO OUTFILE "+sq(semi)+
		" FIELDS TERMINATED BY ';' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n'")
	text, err = os.ReadFile(semi)
	require.NoError(t, err)
	require.Equal(t, "id;name\r\n1;a,b\r\n2;\"say \"\"hi\"\"\"\r\n", string(text))
	run(t, s, "CREATE TABLE u (id INT, name TEXT)")
	run(t, s, "LOAD DATA INFILE "+sq(semi)+" INTO TABLE u FIELDS TERMINATED BY ';' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES")
	require.Equal(t, []string{`1|a,b`, `2|say "hi"`}, dump(t, s, "SELECT * FROM u ORDER BY id"))
}

func TestOutfileOfUnionAndEmptyResult(t *testing.T) {
	dir := t.TempDir()
	s := openEngine(t).NewSession()
	union := filepath.Join(dir, "u.tsv")
	require.EqualValues(t, 3, affectedBy(t, s, "SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 INTO OUTFILE "+sq(union)))
	text, err := os.ReadFile(union)
	require.NoError(t, err)
	require.Equal(t, "n\n1\n2\n3\n", string(text))

	run(t, s, "CREATE TABLE e (a INT, b TEXT)")
	empty := filepath.Join(dir, "e.csv")
	require.EqualValues(t, 0, affectedBy(t, s, "SELECT * FROM e INTO OUTFILE "+sq(empty)))
	text, err = os.ReadFile(empty)
	require.NoError(t, err)
	require.Equal(t, "a,b\n", string(text))
	require.EqualValues(t, 0, affectedBy(t, s, "LOAD DATA INFILE "+sq(empty)+" INTO TABLE e IGNORE 1 LINES"))

	pq := filepath.Join(dir, "e.parquet")
	run(t, s, "SELECT * FROM e INTO OUTFILE "+sq(pq))
	require.EqualValues(t, 0, affectedBy(t, s, "LOAD DATA INFILE "+sq(pq)+" INTO TABLE e"))
}

func TestLoadDataColumnListsAndHeaders(t *testing.T) {
	dir := t.TempDir()
	s := openEngine(t).NewSession()
	path := filepath.Join(dir, "people.csv")
	require.NoError(t, os.WriteFile(path, []byte("name,age\r\nann,31\r\n\"bob, jr\",\r\n\"multi\nline\",\\N\r\n"), 0o644))
	run(t, s, "CREATE TABLE p (id INT, age INT, name VARCHAR(20), joined DATE)")
	require.EqualValues(t, 3, affectedBy(t, s, "LOAD DATA INFILE "+sq(path)+" INTO TABLE p IGNORE 1 LINES (name, age)"))
	require.Equal(t, []string{"NULL|31|ann|NULL", "NULL|NULL|bob, jr|NULL", "NULL|NULL|multi\nline|NULL"},
		dump(t, s, "SELECT * FROM p ORDER BY name"))

	// Without IGNORE 1 LINES the header is data: 'age' is no INT.
	err := queryErr(t, s, "LOAD DATA INFILE "+sq(path)+" INTO TABLE p (name, age)")
	require.EqualError(t, err, path+` line 1, column 2 ("age"): cannot cast 'age' to INT: not a number`)

	// Parquet columns are matched by name, whatever their order.
	pq := filepath.Join(dir, "p.parquet")
	run(t, s, "SELECT name, age, id FROM p INTO OUTFILE "+sq(pq))
	run(t, s, "CREATE TABLE q (age BIGINT, name TEXT)")
	require.EqualValues(t, 3, affectedBy(t, s, "LOAD DATA INFILE "+sq(pq)+" INTO TABLE q"))
	require.Equal(t, []string{"31|ann", "NULL|bob, jr", "NULL|multi\nline"}, dump(t, s, "SELECT * FROM q ORDER BY name"))
	require.EqualValues(t, 3, affectedBy(t, s, "LOAD DATA INFILE "+sq(pq)+" INTO TABLE p (age, name)"))
	require.Equal(t, []string{"2|ann", "2|bob, jr", "2|multi\nline"}, dump(t, s, "SELECT count(*), name FROM p GROUP BY name ORDER BY name"))
}

func TestLoadDataErrors(t *testing.T) {
	dir := t.TempDir()
	s := openEngine(t).NewSession()
	run(t, s, "CREATE TABLE t (id INT NOT NULL, name VARCHAR(5), price DECIMAL(5,2))")
	run(t, s, "INSERT INTO t VALUES (1, 'keep', 9.99)")
	before := dump(t, s, "SELECT * FROM t")
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	var many strings.Builder
	for i := 0; i < 70_000; i++ { // a whole batch of rows reads before the bad one
		many.WriteString("2,ok,1.25\n")
	}
	many.WriteString("3,bad,abc\n")
	manyPath := write("many.csv", many.String())
	good := write("good.csv", "1,a,1\n")

	cases := []struct {
		stmt string
		want string
	}{
		{"LOAD DATA INFILE " + sq(filepath.Join(dir, "missing.csv")) + " INTO TABLE t",
			`cannot open "` + filepath.Join(dir, "missing.csv") + `": no such file or directory`},
		{"LOAD DATA INFILE " + sq(manyPath) + " INTO TABLE t",
			manyPath + ` line 70001, column 3 ("price"): cannot cast 'abc' to DECIMAL(5,2): not a number`},
		{"LOAD DATA INFILE " + sq(write("count.csv", "1,a,1\n2,b\n")) + " INTO TABLE t",
			`count.csv line 2: 2 fields, expected 3`},
		{"LOAD DATA INFILE " + sq(write("null.csv", "1,a,1\n\\N,b,2\n")) + " INTO TABLE t",
			`null.csv line 2, column 1 ("id"): NULL in a NOT NULL column`},
		{"LOAD DATA INFILE " + sq(write("long.csv", "1,abcdef,1\n")) + " INTO TABLE t",
			`long.csv line 1, column 2 ("name"): value 'abcdef' is 6 long, VARCHAR(5) holds 5`},
		{"LOAD DATA INFILE " + sq(write("range.csv", "1,a,1000\n")) + " INTO TABLE t",
			`range.csv line 1, column 3 ("price"): cannot cast '1000' to DECIMAL(5,2)`},
		{"LOAD DATA INFILE " + sq(write("data.json", "{}")) + " INTO TABLE t",
			`data.json": unknown format ".json": use .csv, .tsv or .parquet`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE nope", `table "nope" does not exist`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t (id, nope)", `table "t" has no column "nope"`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t (id, name, id)", `column "id" is listed twice`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t (name, price)", `column "id" of table "t" cannot be NULL: list it among the loaded columns`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t (id, @x, price)", `LOAD DATA into user variables (@x) is not supported`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t FIELDS TERMINATED BY ',,'", `the delimiter must be one character`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t FIELDS ENCLOSED BY ''''", `only '"' encloses fields`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t FIELDS ESCAPED BY '|'", `FIELDS ESCAPED BY "|"`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t LINES TERMINATED BY ';'", `lines end in '\n' or '\r\n'`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t LINES STARTING BY 'x'", `LINES STARTING BY is not supported`},
		{"LOAD DATA INFILE " + sq(good) + " REPLACE INTO TABLE t", `REPLACE and IGNORE are not supported`},
		{"LOAD DATA INFILE " + sq(good) + " INTO TABLE t SET price = 1", `LOAD DATA ... SET is not supported`},
		{"LOAD DATA INFILE " + sq(write("p.parquet", "x")) + " INTO TABLE t IGNORE 1 LINES", `is a Parquet file: FIELDS, LINES and IGNORE LINES apply only to .csv and .tsv files`},
		{"LOAD DATA INFILE " + sq(write("q.parquet", "not parquet")) + " INTO TABLE t", `q.parquet is not a Parquet file`},
	}
	for _, c := range cases {
		err := queryErr(t, s, c.stmt)
		require.ErrorContains(t, err, c.want, c.stmt)
		// A failed load leaves the table as it was: all rows or none.
		require.Equal(t, before, dump(t, s, "SELECT * FROM t"), c.stmt)
	}
}

func TestLoadDataRelativePathsAndCancel(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("rel.csv", []byte("1\n2\n"), 0o644))
	s := openEngine(t).NewSession()
	run(t, s, "CREATE TABLE t (a INT)")
	require.EqualValues(t, 2, affectedBy(t, s, "LOAD DATA INFILE 'rel.csv' INTO TABLE t"))
	run(t, s, "SELECT a * 10 AS a FROM t INTO OUTFILE 'out.csv'")
	require.FileExists(t, filepath.Join(dir, "out.csv"))
	err := queryErr(t, s, "LOAD DATA INFILE 'gone.csv' INTO TABLE t")
	require.EqualError(t, err, `cannot open "gone.csv" (`+filepath.Join(dir, "gone.csv")+`): no such file or directory`)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Query(ctx, "LOAD DATA INFILE 'rel.csv' INTO TABLE t")
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, []string{"1", "2"}, dump(t, s, "SELECT * FROM t ORDER BY a"))
}

func TestOutfileErrors(t *testing.T) {
	dir := t.TempDir()
	s := openEngine(t).NewSession()
	existing := filepath.Join(dir, "old.csv")
	require.NoError(t, os.WriteFile(existing, []byte("precious\n"), 0o644))
	err := queryErr(t, s, "SELECT 1 INTO OUTFILE "+sq(existing))
	require.EqualError(t, err, `file "`+existing+`" already exists`)
	text, err := os.ReadFile(existing)
	require.NoError(t, err)
	require.Equal(t, "precious\n", string(text))

	for _, c := range []struct{ stmt, want string }{
		{"SELECT 1 INTO OUTFILE " + sq(filepath.Join(dir, "x.xlsx")), `unknown format ".xlsx"`},
		{"SELECT 1 INTO OUTFILE " + sq(filepath.Join(dir, "x.parquet")) + " FIELDS TERMINATED BY ';'", `apply only to .csv and .tsv files`},
		{"SELECT * FROM nope INTO OUTFILE " + sq(filepath.Join(dir, "x.csv")), `table "nope" does not exist`},
		// A query that fails while it runs leaves no file behind.
		{"SELECT CAST(s AS SIGNED) FROM (SELECT '1' AS s UNION ALL SELECT 'x') q INTO OUTFILE " + sq(filepath.Join(dir, "x.csv")), `cannot cast 'x'`},
		{"SELECT 1 INTO OUTFILE " + sq(filepath.Join(dir, "no", "such", "dir.csv")), `cannot create "` + filepath.Join(dir, "no", "such", "dir.csv") + `": no such file or directory`},
	} {
		err := queryErr(t, s, c.stmt)
		require.ErrorContains(t, err, c.want, c.stmt)
		require.NoFileExists(t, filepath.Join(dir, "x.csv"))
		require.NoFileExists(t, filepath.Join(dir, "x.parquet"))
	}
}

func TestProgressOfLoadsAndQueries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "n.csv")
	var b strings.Builder
	b.WriteString("n\n")
	for i := 0; i < 100_000; i++ {
		b.WriteString("1234567\n")
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	s := openEngine(t).NewSession()
	run(t, s, "CREATE TABLE n (n INT)")

	var mu sync.Mutex
	var seen []taipan.Progress
	ctx := taipan.WithProgress(context.Background(), func(p taipan.Progress) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
	})
	rows, err := s.Query(ctx, "LOAD DATA INFILE "+sq(path)+" INTO TABLE n IGNORE 1 LINES")
	require.NoError(t, err)
	rows.Close()
	size := int64(b.Len())
	require.Greater(t, len(seen), 1)
	require.Equal(t, taipan.Progress{TotalBytes: size}, seen[0], "the size is known before the first row")
	require.Equal(t, taipan.Progress{Rows: 100_000, Bytes: size, TotalBytes: size}, seen[len(seen)-1])
	for i := 1; i < len(seen); i++ {
		require.LessOrEqual(t, seen[i-1].Bytes, seen[i].Bytes)
		require.LessOrEqual(t, seen[i-1].Rows, seen[i].Rows)
	}

	// A query reports the rows its scans read, of their tables' totals.
	seen = nil
	ctx = taipan.WithProgress(context.Background(), func(p taipan.Progress) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
	})
	rows, err = s.Query(ctx, "SELECT count(*) FROM n a JOIN (SELECT 1234567 AS k) b ON a.n = b.k")
	require.NoError(t, err)
	for rows.Next() {
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Greater(t, len(seen), 2)
	require.Equal(t, taipan.Progress{Rows: 100_000, TotalRows: 100_000}, seen[len(seen)-1])
	require.Less(t, seen[1].Rows, int64(100_000), "progress comes while the scan runs")
}
