//go:build !cgo

package thread

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf"
)

func TestWithoutCgoTheRuntimeSaysWhy(t *testing.T) {
	r, err := New()
	require.Nil(t, r)
	require.ErrorContains(t, err, "built without cgo")
	var zero Runtime
	require.Equal(t, udf.Thread, zero.Mode())
	_, err = zero.Prepare(context.Background(), nil, udf.Env{})
	require.ErrorIs(t, err, errNoCgo)
	_, err = zero.Describe(context.Background(), "m.f", udf.Env{})
	require.ErrorIs(t, err, errNoCgo)
}
