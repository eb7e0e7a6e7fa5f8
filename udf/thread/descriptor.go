package thread

import (
	"google.golang.org/protobuf/proto"

	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// withEnv is the descriptor Python receives: op, with env.Files as
// python_files when op has none and env.JobParameters added to its job
// parameters (op's win), as PROCESS mode sends it.
func withEnv(op *udfpb.Operation, env udf.Env) *udfpb.Operation {
	if (len(op.PythonFiles) > 0 || len(env.Files) == 0) && len(env.JobParameters) == 0 {
		return op
	}
	sent := proto.Clone(op).(*udfpb.Operation)
	if len(sent.PythonFiles) == 0 {
		sent.PythonFiles = env.Files
	}
	if sent.JobParameters == nil {
		sent.JobParameters = map[string]string{}
	}
	for k, v := range env.JobParameters {
		if _, ok := sent.JobParameters[k]; !ok {
			sent.JobParameters[k] = v
		}
	}
	return sent
}

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
