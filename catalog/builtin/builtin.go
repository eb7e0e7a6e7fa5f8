// Package builtin holds the built-in SQL functions: operators, scalar
// functions and aggregates, all behind catalog's function interfaces so
// that the planner treats them and Python functions alike.
package builtin

import "github.com/taipandb/taipan/catalog"

// Register adds every built-in function to c.
func Register(c *catalog.Catalog) {}
