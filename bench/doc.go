// Package bench compares Taipan with DuckDB on the same data and machine,
// in the same run: see README.md.
//
// It is a module of its own so that Taipan itself never depends on DuckDB:
// nothing in the engine may import this package.
package bench
