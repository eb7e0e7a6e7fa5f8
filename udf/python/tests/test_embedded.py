"""taipan.embedded, THREAD mode's transport, driven as the engine drives it:
batches cross as addresses of C Data Interface structs (here ctypes
buffers, exported and imported by pyarrow on this side)."""

import ctypes
import sys
import threading
import time

import pyarrow as pa
import pytest

from conftest import Operation, call, col, descriptor, function
from taipan import embedded, udf_pb2
from taipan.errors import FunctionLoadError

# sizeof(struct ArrowArray), sizeof(struct ArrowSchema) on 64-bit machines.
_ARRAY_SIZE, _SCHEMA_SIZE = 80, 72


class Structs:
    """C memory for one batch's ArrowArray and ArrowSchema each way."""

    def __init__(self):
        self._buffers = [ctypes.create_string_buffer(n) for n in
                         (_ARRAY_SIZE, _SCHEMA_SIZE, _ARRAY_SIZE, _SCHEMA_SIZE)]
        self.array, self.schema, self.out, self.out_schema = \
            [ctypes.addressof(b) for b in self._buffers]

    def released(self, address):
        """Whether the ArrowArray at address has been moved out or released
        (its release callback, the 9th 8-byte field, is NULL)."""
        return ctypes.c_void_p.from_address(address + 8 * 8).value is None


def scalar_descriptor(target, args=('BIGINT',), result='BIGINT', arity=1):
    name = target.rsplit('.', 1)[1]
    return descriptor(Operation.SCALAR, [function(target, name, list(args), [result])],
                      [call(0, *[col(i) for i in range(arity)])]).SerializeToString()


def send(handle, structs, batch, with_schema=True):
    """Exports batch as the engine would and runs process(); returns the
    status and the output batch read back, if any."""
    if batch.num_columns:
        batch._export_to_c(structs.array, structs.schema if with_schema else 0)
        status = embedded.process(handle, structs.array, structs.schema if with_schema else 0,
                                  batch.num_rows, structs.out, structs.out_schema)
    else:
        status = embedded.process(handle, 0, 0, batch.num_rows, structs.out, structs.out_schema)
    return status, _read(status, structs, handle)


def _read(status, structs, handle):
    if status == 0:
        return None
    if status == 1:
        return pa.RecordBatch._import_from_c(structs.out, handle.output_schema)
    return pa.RecordBatch._import_from_c(structs.out, structs.out_schema)


def ints(*vs):
    return pa.RecordBatch.from_arrays([pa.array(vs, pa.int64())], names=['a0'])


def test_scalar_round_trip():
    s = Structs()
    handle = embedded.create(scalar_descriptor('fns.add_one'), None, s.out_schema)
    schema = pa.Schema._import_from_c(s.out_schema)
    assert schema.names == ['f0'] and schema.field(0).metadata == {b'taipan.sql_type': b'BIGINT'}
    ints(0)._export_to_c(s.array)
    assert not s.released(s.array)
    pa.RecordBatch._import_from_c(s.array, pa.schema([('a0', pa.int64())]))
    assert s.released(s.array)
    status, out = send(handle, s, ints(1, 2, 3))
    assert status == 1
    assert out.column(0).to_pylist() == [2, 3, 4]
    assert s.released(s.array), 'process() took the input over'
    # The schema is sent once; later batches reuse it.
    status, out = send(handle, s, ints(10), with_schema=False)
    assert out.column(0).to_pylist() == [11]
    assert embedded.finish(handle, s.out, s.out_schema) == 0
    embedded.close(handle)
    embedded.close(handle)


def test_input_is_not_copied():
    s = Structs()
    handle = embedded.create(scalar_descriptor('fns.describe', result='STRING'), None,
                             s.out_schema)
    batch = ints(5)
    batch._export_to_c(s.array, s.schema)
    seen = pa.RecordBatch._import_from_c(s.array, s.schema)
    # Importing what the engine exported shares the engine's buffer.
    assert seen.column(0).buffers()[1].address == batch.column(0).buffers()[1].address
    embedded.close(handle)


def test_batch_without_columns():
    s = Structs()
    handle = embedded.create(scalar_descriptor('fns.no_args', args=(), arity=0), None,
                             s.out_schema)
    for rows in (0, 4):
        status = embedded.process(handle, 0, 0, rows, s.out, s.out_schema)
        assert _read(status, s, handle).column(0).to_pylist() == [7] * rows
    embedded.close(handle)


def test_output_of_another_schema_is_exported_with_it():
    s = Structs()
    handle = embedded.create(scalar_descriptor('fns.add_one'), None, s.out_schema)
    # Had the operation produced another schema than it declared, the
    # engine must read the batch by the schema exported beside it.
    handle.output_schema = pa.schema([pa.field('other', pa.string())])
    status, out = send(handle, s, ints(1))
    assert status == 2
    assert out.schema.names == ['f0'] and out.column(0).to_pylist() == [2]
    embedded.close(handle)


def test_aggregate_gives_output_at_finish():
    s = Structs()
    desc = descriptor(Operation.AGGREGATE,
                      [function('fns.weighted_avg', args=['BIGINT', 'BIGINT'],
                                results=['DOUBLE'])],
                      [call(0, col(1), col(2))]).SerializeToString()
    handle = embedded.create(desc, None, s.out_schema)
    batch = pa.RecordBatch.from_arrays(
        [pa.array([0, 1, 0], pa.int32()), pa.array([1, 2, 3], pa.int64()),
         pa.array([1, 1, 3], pa.int64())], names=['group', 'a0', 'a1'])
    status, out = send(handle, s, batch)
    assert (status, out) == (0, None)
    status = embedded.finish(handle, s.out, s.out_schema)
    out = _read(status, s, handle)
    assert out.column(0).to_pylist() == [0, 1]
    assert out.column(1).to_pylist() == [pytest.approx(2.5), pytest.approx(2.0)]
    embedded.close(handle)


def test_job_parameters_reach_functions():
    s = Structs()
    desc = descriptor(Operation.SCALAR, [function('fns.prefix', results=['STRING'])],
                      [call(0, col(0))]).SerializeToString()
    handle = embedded.create(desc, {'prefix': 'p-'}, s.out_schema)
    _, out = send(handle, s, pa.RecordBatch.from_arrays([pa.array(['x'])], names=['a0']))
    assert out.column(0).to_pylist() == ['p-x/fallback']
    embedded.close(handle)


def error_of(fn, *args):
    with pytest.raises(BaseException) as info:
        fn(*args)
    return embedded.error_fields(info.value)


def test_error_fields_of_a_raising_function():
    s = Structs()
    handle = embedded.create(scalar_descriptor('fns.ratio', args=('BIGINT', 'BIGINT'), arity=2),
                             None, s.out_schema)
    batch = pa.RecordBatch.from_arrays([pa.array([1], pa.int64()), pa.array([0], pa.int64())],
                                       names=['a0', 'a1'])
    kind, function_name, message, tb = error_of(send, handle, s, batch)
    assert (kind, function_name) == ('PythonFunctionError', 'ratio')
    assert message == 'ZeroDivisionError: integer division or modulo by zero'
    assert 'fns.py' in tb and 'in ratio' in tb
    # The input was released though process() failed.
    assert s.released(s.array)
    embedded.close(handle)


def test_error_fields_of_a_wrong_result():
    s = Structs()
    handle = embedded.create(scalar_descriptor('fns.returns_text'), None, s.out_schema)
    kind, function_name, message, _ = error_of(send, handle, s, ints(1))
    assert (kind, function_name) == ('ResultTypeError', 'returns_text')
    assert message.startswith("returned 'not a number'"), 'the function is named once'
    embedded.close(handle)


def test_error_fields_of_open_and_load_failures():
    kind, function_name, message, tb = error_of(
        embedded.create, scalar_descriptor('fns.failing_open'), None, 0)
    assert (kind, function_name) == ('PythonFunctionError', 'failing_open')
    assert message == 'in open: RuntimeError: cannot connect'
    assert 'cannot connect' in tb

    kind, function_name, message, _ = error_of(
        embedded.create, scalar_descriptor('fns.nothing_here'), None, 0)
    assert kind == 'FunctionLoadError' and function_name == ''
    assert "has no attribute 'nothing_here'" in message

    kind, _, message, tb = embedded.error_fields(KeyError('x'))
    assert kind == 'InternalError' and message == "embedded Python: KeyError: 'x'"


def test_describe():
    sig = udf_pb2.FunctionSignature.FromString(embedded.describe('fns.split', []))
    assert sig.kind == udf_pb2.FunctionSignature.TABLE
    assert list(sig.result_types) == ['STRING', 'INT']
    with pytest.raises(FunctionLoadError):
        embedded.describe('no_module_here.f', [])


RUNAWAY = """
from taipan.udf import udf

@udf(result_type='BIGINT')
def spin(i):
    started()
    while True:
        try:
            pass
        except Exception:
            pass

started = None
"""


def test_cancelled_passes_through_user_code(tmp_path, fresh_path):
    """An asynchronous Cancelled is caught neither by a function's ``except
    Exception`` nor by operations' handlers of user errors."""
    (tmp_path / 'runaway_embedded.py').write_text(RUNAWAY)
    s = Structs()
    desc = descriptor(Operation.SCALAR, [function('runaway_embedded.spin', results=['BIGINT'])],
                      [call(0, col(0))], python_files=[str(tmp_path)]).SerializeToString()
    handle = embedded.create(desc, None, s.out_schema)
    running = threading.Event()
    sys.modules['runaway_embedded'].started = running.set
    target = threading.get_ident()

    def interrupt():
        running.wait(10)
        time.sleep(0.01)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target),
                                                   ctypes.py_object(embedded.Cancelled))
    threading.Thread(target=interrupt).start()
    kind, _, message, tb = error_of(send, handle, s, ints(1))
    assert (kind, message) == ('Cancelled', 'interrupted')
    assert 'in spin' in tb, 'the traceback shows where the function was interrupted'
    assert s.released(s.array)
    embedded.close(handle)


def test_run_and_start(monkeypatch):
    assert embedded.run('result = sorted({3, 1, 2})') == '[1, 2, 3]'
    assert embedded.run('x = 1') == 'None'
    monkeypatch.setattr(sys, 'stdout', sys.stdout)
    info = embedded.start()
    assert sys.stdout is sys.stderr
    assert info.startswith('CPython ') and pa.__version__ in info
