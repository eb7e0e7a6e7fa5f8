package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWrittenTextUndoesTheWindowMarker(t *testing.T) {
	for in, want := range map[string]string{
		"json_objectagg('taipan.over', `mean_udaf`(v)) OVER (PARTITION BY k)":                                "mean_udaf(v) OVER (PARTITION BY k)",
		"json_objectagg('taipan.over', `f`(g(x), ')')) OVER w + json_objectagg('taipan.over', `h`()) OVER w": "f(g(x), ')') OVER w + h() OVER w",
		"sum(v) OVER w": "sum(v) OVER w",
	} {
		require.Equal(t, want, writtenText(in))
	}
}
