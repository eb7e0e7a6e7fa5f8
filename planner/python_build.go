package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow/decimal128"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
	"github.com/taipandb/taipan/udf"
	"github.com/taipandb/taipan/udf/udfpb"
)

// pythonOperation starts the operation of one Python operator: the
// session's environment and batch size, and the runtime of mode.
func (b *builder) pythonOperation(kind udfpb.Operation_Kind, mode udf.Mode, reasons []string) (exec.PythonOperation, error) {
	env := b.env()
	op := &udfpb.Operation{
		Kind:          kind,
		JobParameters: env.JobParameters,
		PythonFiles:   env.Files,
		BatchSize:     int32(min(b.pyBatchSize(), 1<<30)),
	}
	py := exec.PythonOperation{Op: op, Mode: mode, Env: env, Reason: strings.Join(reasons, "; ")}
	if b.runtime != nil {
		rt, err := b.runtime(mode)
		if err != nil {
			return py, err
		}
		py.Runtime = rt
	}
	return py, nil
}

// addFunction returns the index of f, called with argTypes, in op's
// functions, adding it when new.
func addFunction(op *udfpb.Operation, f *catalog.PythonFunction, argTypes []types.Type) int32 {
	ts := make([]string, len(argTypes))
	for i, t := range argTypes {
		ts[i] = t.String()
	}
	for i, g := range op.Functions {
		if g.Name == f.Name() && strings.Join(g.ArgumentTypes, ",") == strings.Join(ts, ",") {
			return int32(i)
		}
	}
	funcType := udfpb.Function_GENERAL
	if f.Pandas() {
		funcType = udfpb.Function_PANDAS
	}
	op.Functions = append(op.Functions, &udfpb.Function{
		Name:          f.Name(),
		Target:        f.Target,
		ArgumentTypes: ts,
		ResultTypes:   append([]string(nil), f.Signature.GetResultTypes()...),
		FuncType:      funcType,
	})
	return int32(len(op.Functions) - 1)
}

// opCall turns a call into the descriptor's form; input column i of the
// node is column first+i of the batch sent. It also returns the call as
// EXPLAIN prints it.
func opCall(op *udfpb.Operation, c *pyOpCall, inputs []expr.Expr, first int) (*udfpb.Call, string) {
	pc := &udfpb.Call{Function: addFunction(op, c.fn, c.argTypes)}
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		switch {
		case a.call != nil:
			nested, text := opCall(op, a.call, inputs, first)
			pc.Arguments = append(pc.Arguments, &udfpb.Argument{Source: &udfpb.Argument_Call{Call: nested}})
			parts[i] = text
		case a.constant != nil:
			pc.Arguments = append(pc.Arguments, &udfpb.Argument{Source: &udfpb.Argument_Constant{Constant: constantPB(a.constant)}})
			parts[i] = expr.Quote(a.constant.Value, a.constant.Typ)
		default:
			pc.Arguments = append(pc.Arguments, &udfpb.Argument{Source: &udfpb.Argument_Column{Column: int32(first + a.input)}})
			parts[i] = inputs[a.input].String()
		}
	}
	return pc, fmt.Sprintf("%s(%s)", c.fn.Name(), strings.Join(parts, ", "))
}

// constantPB is a constant in the descriptor's representation.
func constantPB(c *constant) *udfpb.Constant {
	pc := &udfpb.Constant{Type: c.Typ.String()}
	switch v := c.Value.(type) {
	case bool:
		pc.Value = &udfpb.Constant_BoolValue{BoolValue: v}
	case int64:
		pc.Value = &udfpb.Constant_IntValue{IntValue: v}
	case float64:
		pc.Value = &udfpb.Constant_DoubleValue{DoubleValue: v}
	case decimal128.Num:
		pc.Value = &udfpb.Constant_StringValue{StringValue: types.FormatDecimal(v, c.Typ.Scale)}
	case string:
		pc.Value = &udfpb.Constant_StringValue{StringValue: v}
	case []byte:
		pc.Value = &udfpb.Constant_BytesValue{BytesValue: v}
	case types.DateValue:
		pc.Value = &udfpb.Constant_IntValue{IntValue: int64(v)}
	case types.TimestampValue:
		pc.Value = &udfpb.Constant_IntValue{IntValue: int64(v)}
	}
	return pc
}

func (n *pythonCalcNode) build(b *builder) (exec.Operator, error) {
	child, err := b.build(n.child)
	if err != nil {
		return nil, err
	}
	inputs, err := compileAll(n.inputs)
	if err != nil {
		return nil, err
	}
	py, err := b.pythonOperation(udfpb.Operation_SCALAR, n.mode, n.reasons)
	if err != nil {
		return nil, err
	}
	w := len(n.child.columns())
	results := make([]types.Column, len(n.calls))
	for i, c := range n.calls {
		pc, text := opCall(py.Op, c, inputs, 0)
		py.Op.Calls = append(py.Op.Calls, pc)
		py.Calls = append(py.Calls, text)
		col := n.cols[w+i]
		results[i] = types.Column{Name: col.Name, Type: col.Type, Nullable: true}
	}
	return exec.NewPythonCalc(child, inputs, py, results), nil
}
