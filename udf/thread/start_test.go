//go:build cgo

package thread

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
)

// An interpreter that cannot import taipan and pyarrow (here: a program
// name outside any venv) makes New fail with an error naming the program
// and Python's error, every time. The interpreter is once per process, so
// this runs in a child process.
func TestStartFailureIsClear(t *testing.T) {
	if os.Getenv("TAIPAN_TEST_START_CHILD") == "1" {
		_, err1 := New()
		_, err2 := New()
		require.Error(t, err1)
		require.Equal(t, err1, err2, "the failure is remembered")
		os.Stderr.WriteString("START-ERROR: " + err1.Error() + "\n")
		return
	}
	bogus := filepath.Join(t.TempDir(), "bin", "python")
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartFailureIsClear$", "-test.v")
	cmd.Env = append(os.Environ(), "TAIPAN_TEST_START_CHILD=1", udf.DefaultExecutableEnv+"="+bogus)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "START-ERROR: THREAD mode: the embedded Python (program name "+bogus+") did not start")
	require.Regexp(t, `No module named '(taipan|pyarrow)'`, string(out))
}
