package taipan_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/taipandb/taipan"

type goPackage struct {
	ImportPath string
	Imports    []string
	CgoFiles   []string
}

func listPackages(t *testing.T) []goPackage {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []goPackage
	for dec.More() {
		var p goPackage
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

// TestLayers keeps the packages' seams honest: lower layers never import
// higher ones, and only the THREAD-mode package may use cgo for CPython.
func TestLayers(t *testing.T) {
	forbidden := map[string][]string{
		"types":    {"catalog", "exec", "planner", "sql", "udf", ""},
		"catalog":  {"exec", "planner", "sql", ""},
		"sql":      {"catalog", "exec", "planner", "udf", ""},
		"exec":     {"planner", "sql", "udf/thread", "udf/process", ""},
		"planner":  {"udf/thread", "udf/process", ""},
		"udf":      {"exec", "planner", "sql", ""},
		"cmd":      {"catalog", "exec", "planner", "sql", "udf"},
		"driver":   {"catalog", "exec", "planner", "sql", "udf"},
		"internal": {""},
		"fileio":   {"planner", "sql", "catalog", "udf", ""},
	}
	within := func(path, dir string) bool {
		rel := strings.TrimPrefix(path, module)
		rel = strings.TrimPrefix(rel, "/")
		if dir == "" {
			return rel == ""
		}
		return rel == dir || strings.HasPrefix(rel, dir+"/")
	}
	for _, p := range listPackages(t) {
		for dir, bans := range forbidden {
			if !within(p.ImportPath, dir) {
				continue
			}
			for _, imp := range p.Imports {
				if !strings.HasPrefix(imp, module) {
					continue
				}
				for _, ban := range bans {
					// The built-in functions use exec/expr's column kernels
					// (expr imports catalog, never builtin: no cycle).
					exempt := within(imp, "exec/expr") && within(p.ImportPath, "catalog/builtin")
					if within(imp, ban) && !exempt {
						t.Errorf("%s must not import %s", p.ImportPath, imp)
					}
				}
			}
		}
		if len(p.CgoFiles) > 0 && !within(p.ImportPath, "udf/thread") {
			t.Errorf("%s uses cgo; only udf/thread may", p.ImportPath)
		}
	}
}
