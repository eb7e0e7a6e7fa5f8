"""Builders of operation descriptors and batches for the tests."""

import pyarrow as pa
import pytest

from taipan import udf_pb2
from taipan.operations import create_operation

Operation = udf_pb2.Operation


def function(target, name=None, args=None, results=None, pandas=False):
    """A Function entry; name defaults to the attribute name."""
    return udf_pb2.Function(
        name=name if name is not None else target.rsplit('.', 1)[1], target=target,
        argument_types=args or [], result_types=results or [],
        func_type=udf_pb2.Function.PANDAS if pandas else udf_pb2.Function.GENERAL)


def col(i):
    return udf_pb2.Argument(column=i)


def const(sql_type, **value):
    return udf_pb2.Argument(constant=udf_pb2.Constant(type=sql_type, **value))


def call(f, *args):
    return udf_pb2.Call(function=f, arguments=list(args))


def nested(f, *args):
    return udf_pb2.Argument(call=call(f, *args))


def descriptor(kind, functions, calls, **fields):
    return Operation(kind=kind, functions=functions, calls=calls, **fields)


def batch(**columns):
    """A RecordBatch from name=array-or-list keyword arguments, in order."""
    arrays = [c if isinstance(c, pa.Array) else pa.array(c) for c in columns.values()]
    return pa.RecordBatch.from_arrays(arrays, names=list(columns))


def run(desc, *batches, job_parameters=None, serialize=True):
    """Opens the operation, processes every batch, finishes and closes it;
    returns (process outputs, finish output)."""
    op = create_operation(desc.SerializeToString() if serialize else desc, job_parameters)
    op.open()
    try:
        outs = [op.process(b) for b in batches]
        last = op.finish()
    finally:
        op.close()
    return outs, last


def scalar(targets_and_calls, *batches, **kw):
    """Runs a SCALAR operation and returns its single output batch."""
    functions, calls = targets_and_calls
    outs, last = run(descriptor(Operation.SCALAR, functions, calls), *batches, **kw)
    assert last is None
    return outs[0] if len(outs) == 1 else outs


@pytest.fixture
def fresh_path(monkeypatch):
    """sys.path and sys.modules restored after a test that adds to them."""
    import sys
    monkeypatch.setattr(sys, 'path', list(sys.path))
    before = set(sys.modules)
    yield
    for m in set(sys.modules) - before:
        del sys.modules[m]
