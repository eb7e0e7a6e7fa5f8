package exec

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taipandb/taipan/udf/udfpb"
)

// The window form of a Pandas aggregate reads its arguments two columns
// further on (after partition, frame_start, frame_end instead of group),
// nested calls included, and leaves the aggregate's own descriptor alone.
func TestWindowOperationShiftsArgumentColumns(t *testing.T) {
	col := func(i int32) *udfpb.Argument { return &udfpb.Argument{Source: &udfpb.Argument_Column{Column: i}} }
	op := &udfpb.Operation{Kind: udfpb.Operation_PANDAS_AGGREGATE, GlobalAggregate: true, Calls: []*udfpb.Call{{
		Function: 0,
		Arguments: []*udfpb.Argument{col(1), {Source: &udfpb.Argument_Call{Call: &udfpb.Call{Function: 1, Arguments: []*udfpb.Argument{col(2)}}}},
			{Source: &udfpb.Argument_Constant{Constant: &udfpb.Constant{Type: "BIGINT"}}}},
	}}}
	agg := &PythonAggregate{Py: PythonOperation{Op: op}, Func: "f"}
	w := windowOperation(agg)
	require.Equal(t, udfpb.Operation_PANDAS_WINDOW_AGGREGATE, w.Op.GetKind())
	require.False(t, w.Op.GetGlobalAggregate())
	args := w.Op.GetCalls()[0].GetArguments()
	require.EqualValues(t, 3, args[0].GetColumn())
	require.EqualValues(t, 4, args[1].GetCall().GetArguments()[0].GetColumn())
	require.NotNil(t, args[2].GetConstant())
	require.EqualValues(t, 1, op.GetCalls()[0].GetArguments()[0].GetColumn(), "the original is unchanged")
	require.Equal(t, udfpb.Operation_PANDAS_AGGREGATE, op.GetKind())
}
