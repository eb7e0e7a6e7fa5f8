package taipan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taipandb/taipan"
)

// FuzzQuery runs arbitrary text as a statement against a small database:
// whatever the input, the engine returns rows or an error, never panics.
// Its seed corpus is every statement of the golden files, so plain
// `go test` runs them all once through this path too.
func FuzzQuery(f *testing.F) {
	files, _ := filepath.Glob("testdata/sql/*/*.test")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, block := range strings.Split(string(data), "\n\n") {
			lines := strings.Split(strings.TrimSpace(block), "\n")
			if len(lines) < 2 || !(strings.HasPrefix(lines[0], "query") || strings.HasPrefix(lines[0], "statement")) {
				continue
			}
			var sql []string
			for _, l := range lines[1:] {
				if l == "----" {
					break
				}
				sql = append(sql, l)
			}
			f.Add(strings.Join(sql, "\n"))
		}
	}
	f.Add("SELECT a, b, sum(c) OVER (PARTITION BY a ORDER BY b ROWS 2 PRECEDING) FROM t")
	f.Fuzz(func(t *testing.T, query string) {
		eng, err := taipan.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Exec(ctx, `CREATE TABLE t (a INT, b VARCHAR(10), c DOUBLE, d DATE);
			INSERT INTO t VALUES (1, 'x', 1.5, '2024-01-01'), (NULL, NULL, NULL, NULL), (2, 'y', -3, '2023-12-31')`); err != nil {
			t.Fatal(err)
		}
		rows, err := eng.Query(ctx, query)
		if err != nil {
			return
		}
		for rows.Next() {
		}
		rows.Close()
	})
}
