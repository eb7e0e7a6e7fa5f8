package builtin

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/taipandb/taipan/catalog"
	"github.com/taipandb/taipan/exec/expr"
	"github.com/taipandb/taipan/types"
)

// Boolean columns are combined a byte (eight rows) at a time from their
// value and validity bitmaps.

// boolParts returns the value bits and validity bits (all ones when the
// column has no nulls) of a BOOLEAN column.
func boolParts(a arrow.Array, n int) (val, valid []byte) {
	nb := (n + 7) / 8
	if a.DataType().ID() == arrow.NULL {
		return make([]byte, nb), make([]byte, nb)
	}
	val = expr.BoolBits(a.(*array.Boolean))
	valid = expr.ValidBits(a)
	if valid == nil {
		valid = make([]byte, nb)
		for i := range valid {
			valid[i] = 0xff
		}
	}
	return val, valid
}

func bindLogic(name string, args []types.Type) (catalog.BoundScalar, error) {
	want := 2
	if name == "not" {
		want = 1
	}
	if err := checkArity(name, args, want, want); err != nil {
		return nil, err
	}
	for _, a := range args {
		if err := asBool(name, args, a); err != nil {
			return nil, err
		}
	}
	return newBound(name, args, repeatType(types.BoolType, want), types.BoolType, logicKernel(name)), nil
}

func logicKernel(op string) kernel {
	return func(mem memory.Allocator, args []arrow.Array, n int) (arrow.Array, error) {
		if op == "not" {
			av, aok := boolParts(args[0], n)
			vals := expr.NewBitmap(mem, n, false)
			valid := expr.NewBitmap(mem, n, false)
			for i := range vals.Bits {
				vals.Bits[i] = ^av[i] & aok[i]
				valid.Bits[i] = aok[i]
			}
			return expr.NewBoolArray(vals, valid, n), nil
		}
		return logic2(mem, op, args[0], args[1], n), nil
	}
}

// logic2 is a AND b, a OR b or a XOR b in three-valued logic: FALSE AND
// NULL is FALSE, TRUE OR NULL is TRUE, XOR is NULL with any NULL.
func logic2(mem memory.Allocator, op string, a, b arrow.Array, n int) arrow.Array {
	av, aok := boolParts(a, n)
	bv, bok := boolParts(b, n)
	vals := expr.NewBitmap(mem, n, false)
	valid := expr.NewBitmap(mem, n, false)
	for i := range vals.Bits {
		x, xo, y, yo := av[i], aok[i], bv[i], bok[i]
		switch op {
		case "and":
			valid.Bits[i] = (xo & yo) | (xo &^ x) | (yo &^ y)
			vals.Bits[i] = x & xo & y & yo
		case "or":
			valid.Bits[i] = (xo & yo) | (x & xo) | (y & yo)
			vals.Bits[i] = (x & xo) | (y & yo)
		case "xor":
			valid.Bits[i] = xo & yo
			vals.Bits[i] = (x ^ y) & xo & yo
		}
	}
	return expr.NewBoolArray(vals, valid, n)
}

func bindIsNull(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	return newBound(name, args, args, types.BoolType, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		vals := expr.NewBitmap(mem, n, name == "isnotnull")
		if v := expr.ValidBits(a[0]); v != nil {
			for i := range vals.Bits {
				if name == "isnull" {
					vals.Bits[i] = ^v[i]
				} else {
					vals.Bits[i] = v[i]
				}
			}
		}
		return expr.NewBoolArray(vals, nil, n), nil
	}), nil
}

// bindIsTruth is IS TRUE and IS FALSE: never NULL.
func bindIsTruth(name string, args []types.Type) (catalog.BoundScalar, error) {
	if err := checkArity(name, args, 1, 1); err != nil {
		return nil, err
	}
	if err := asBool(name, args, args[0]); err != nil {
		return nil, err
	}
	return newBound(name, args, []types.Type{types.BoolType}, types.BoolType, func(mem memory.Allocator, a []arrow.Array, n int) (arrow.Array, error) {
		av, aok := boolParts(a[0], n)
		vals := expr.NewBitmap(mem, n, false)
		for i := range vals.Bits {
			if name == "istrue" {
				vals.Bits[i] = av[i] & aok[i]
			} else {
				vals.Bits[i] = ^av[i] & aok[i]
			}
		}
		return expr.NewBoolArray(vals, nil, n), nil
	}), nil
}
