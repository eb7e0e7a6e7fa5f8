package driver_test

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/taipandb/taipan/driver"
)

func Example() {
	db, err := sql.Open("taipan", "") // a new in-memory engine for this *sql.DB
	if err != nil {
		panic(err)
	}
	defer db.Close()

	res, err := db.Exec("CREATE TABLE t (a INT, s TEXT); INSERT INTO t VALUES (1, 'x'), (2, NULL)")
	if err != nil {
		panic(err)
	}
	n, _ := res.RowsAffected()
	fmt.Println("rows affected:", n)

	rows, err := db.QueryContext(context.Background(), "SELECT a, s FROM t ORDER BY a")
	if err != nil {
		panic(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a int64
		var s sql.NullString
		if err := rows.Scan(&a, &s); err != nil {
			panic(err)
		}
		fmt.Println(a, s.String, s.Valid)
	}
	if err := rows.Err(); err != nil {
		panic(err)
	}
	// Output:
	// rows affected: 2
	// 1 x true
	// 2  false
}
