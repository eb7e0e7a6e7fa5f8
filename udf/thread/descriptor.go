package thread

import (
	"github.com/taipandb/taipan/udf/udfpb"
)

// functionNames is the SQL name of op's function, or of its distinct
// functions joined when it fuses several.
func functionNames(op *udfpb.Operation) string {
	names := ""
	seen := map[string]bool{}
	for _, f := range op.GetFunctions() {
		if n := f.GetName(); n != "" && !seen[n] {
			seen[n] = true
			if names != "" {
				names += ", "
			}
			names += n
		}
	}
	return names
}
