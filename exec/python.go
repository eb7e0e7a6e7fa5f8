package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// PythonOperation is what a Python operator runs: the descriptor the
// planner built, the runtime of the mode it chose, and the environment.
type PythonOperation struct {
	Op      *udfpb.Operation
	Runtime udf.Runtime // nil: the operator fails when it opens
	Mode    udf.Mode
	Env     udf.Env
	// Reason says why Mode is not the session's execution mode ("" when
	// it is); EXPLAIN prints it beside the mode.
	Reason string
	// Calls are the operation's top-level calls as EXPLAIN prints them.
	Calls []string
}

// pythonInFlight is how many batches a Python operator sends ahead of the
// one it waits for, so that a worker always has the next batch at hand.
const pythonInFlight = 4

// explain is the operation as EXPLAIN prints it: the mode, the calls and
// why the mode fell back.
func (p *PythonOperation) explain() string {
	s := fmt.Sprintf("%s calls=[%s]", p.Mode, strings.Join(p.Calls, ", "))
	if p.Reason != "" {
		s += " (" + p.Reason + ")"
	}
	return s
}

// batchRows is the most rows sent to Python in one batch.
func (p *PythonOperation) batchRows() int {
	if n := int(p.Op.GetBatchSize()); n > 0 {
		return n
	}
	return 10000
}

// functionNames names the operation's top-level functions, for errors.
func (p *PythonOperation) functionNames() string {
	names := make([]string, 0, len(p.Op.GetCalls()))
	for _, c := range p.Op.GetCalls() {
		if f := int(c.GetFunction()); f >= 0 && f < len(p.Op.GetFunctions()) {
			names = append(names, p.Op.GetFunctions()[f].GetName())
		}
	}
	return strings.Join(names, ", ")
}

func (p *PythonOperation) prepare(ctx context.Context) (udf.Evaluator, error) {
	if p.Runtime == nil {
		return nil, fmt.Errorf("Python function %s: no Python runtime for %s mode in this engine", p.functionNames(), p.Mode)
	}
	ev, err := p.Runtime.Prepare(ctx, p.Op, p.Env)
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// pythonResult checks a column Python returned for a function declared to
// return want, and gives it want's Arrow type. A column of another type is
// an error naming the function, the declared type and the first value.
func pythonResult(fn string, want types.Type, col arrow.Array) (arrow.Array, error) {
	dt := want.Arrow()
	if arrow.TypeEqual(col.DataType(), dt) {
		col.Retain()
		return col, nil
	}
	got, err := types.FromArrow(col.DataType())
	if err == nil && got.Equal(want) {
		// Same SQL type, different Arrow details (field names or
		// nullability inside nested types): relabel.
		d := col.Data()
		nd := array.NewData(dt, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
		defer nd.Release()
		return array.MakeFromData(nd), nil
	}
	if col.DataType().ID() == arrow.NULL {
		// Every value is NULL: any type holds that.
		return array.MakeArrayOfNull(memory.DefaultAllocator, dt, col.Len()), nil
	}
	value := "NULL"
	for i := 0; i < col.Len(); i++ {
		if col.IsValid(i) {
			value = col.ValueStr(i)
			break
		}
	}
	return nil, &udf.Error{Function: fn, Message: fmt.Sprintf("result %s does not fit the declared result type %s (Python returned %s values)", value, want, col.DataType())}
}

// pythonInput makes the record sent to Python from evaluated columns:
// the special columns first, named (operations.py finds them by name),
// then the arguments, named a0, a1... (read by position). A batch without
// columns gets a NULL column, since Python needs at least one to see the
// row count.
func pythonInput(special []string, cols []arrow.Array, n int) arrow.Record {
	if len(cols) == 0 {
		null := array.NewNull(n)
		defer null.Release()
		cols = []arrow.Array{null}
		special = []string{"rows"}
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		name := fmt.Sprintf("a%d", i-len(special))
		if i < len(special) {
			name = special[i]
		}
		fields[i] = arrow.Field{Name: name, Type: c.DataType(), Nullable: true}
	}
	return array.NewRecord(arrow.NewSchema(fields, nil), cols, int64(n))
}

// gather is take for every type: nested columns (ARRAY, MAP, ROW results
// of Python functions) are gathered as runs of slices.
func gather(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	if !nestedType(arr.DataType()) {
		return take(mem, arr, idx)
	}
	var parts []arrow.Array
	defer func() { releaseArrays(parts) }()
	for k := 0; k < len(idx); {
		j := k + 1
		if idx[k] < 0 {
			for j < len(idx) && idx[j] < 0 {
				j++
			}
			parts = append(parts, array.MakeArrayOfNull(mem, arr.DataType(), j-k))
		} else {
			for j < len(idx) && idx[j] == idx[j-1]+1 {
				j++
			}
			parts = append(parts, array.NewSlice(arr, int64(idx[k]), int64(idx[j-1])+1))
		}
		k = j
	}
	if len(parts) == 0 {
		return emptyArray(mem, arr.DataType()), nil
	}
	return array.Concatenate(parts, mem)
}

func nestedType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.MAP, arrow.STRUCT:
		return true
	}
	return false
}
