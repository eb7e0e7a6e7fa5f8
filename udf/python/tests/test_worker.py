"""The PROCESS-mode worker (taipan.worker) as the engine sees it: a real
``python -m taipan.worker`` process on a Unix socket and a real
pyarrow.flight client."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import pyarrow as pa
import pyarrow.flight as flight
import pytest

from taipan import udf_pb2, worker
from taipan.errors import PythonFunctionError, ResultTypeError

FNS = textwrap.dedent('''
    import os, sys, time
    from taipan.udf import udf, udaf, AggregateFunction

    @udf(result_type='BIGINT')
    def add_one(i):
        return i + 1

    @udf(result_type='BIGINT')
    def boom(i):
        if i == 2:
            raise KeyError('no {key} here')
        return i

    @udf(result_type='BIGINT')
    def wrong(i):
        return 'seven'

    @udf(result_type='BIGINT')
    def chatty(i):
        print('chatty says', i)
        sys.stdout.write('written to stdout\\n')
        os.write(1, b'raw fd 1\\n')
        return i

    @udf(result_type='BIGINT')
    def spin(i):
        while True:
            try:
                pass
            except Exception:
                pass

    class Count(AggregateFunction):
        def create_accumulator(self):
            return [0]
        def accumulate(self, acc, v):
            acc[0] += 1
        def get_value(self, acc):
            return acc[0]

    count = udaf(Count(), result_type='BIGINT', accumulator_type='ARRAY<BIGINT>')

    def plain(i):
        return i
''')


class Worker:
    """A worker process with its socket, stdout and stderr files."""

    def __init__(self, tmp):
        self.dir = tmp
        self.socket = os.path.join(str(tmp), 'w.sock')
        self.stdout = open(os.path.join(str(tmp), 'stdout'), 'w+b')
        self.stderr = open(os.path.join(str(tmp), 'stderr'), 'w+b')
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'taipan.worker', '--socket', self.socket,
             '--log-level', 'INFO'],
            stdin=subprocess.PIPE, stdout=self.stdout, stderr=self.stderr)
        deadline = time.monotonic() + 30
        while True:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(self.socket)
                break
            except OSError:
                assert self.proc.poll() is None, self.read_stderr()
                assert time.monotonic() < deadline, 'the worker does not listen'
                time.sleep(0.02)
            finally:
                s.close()
        self.client = flight.connect('grpc+unix://' + self.socket)

    def read_stderr(self):
        self.stderr.flush()
        with open(self.stderr.name, 'rb') as f:
            return f.read().decode()

    def read_stdout(self):
        with open(self.stdout.name, 'rb') as f:
            return f.read()

    def stop(self):
        self.client.close()
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(10)


@pytest.fixture(scope='module')
def fns_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp('fns')
    (d / 'wfns.py').write_text(FNS)
    return str(d)


@pytest.fixture(scope='module')
def shared(tmp_path_factory):
    w = Worker(tmp_path_factory.mktemp('worker'))
    yield w
    w.stop()


@pytest.fixture
def own(tmp_path):
    w = Worker(tmp_path)
    yield w
    if w.proc.poll() is None:
        w.proc.kill()
        w.proc.wait()


def operation(fns_dir, name, kind=udf_pb2.Operation.SCALAR, column=0, **fields):
    return udf_pb2.Operation(
        kind=kind, python_files=[fns_dir],
        functions=[udf_pb2.Function(name=name.upper(), target='wfns.' + name)],
        calls=[udf_pb2.Call(function=0, arguments=[udf_pb2.Argument(column=column)])], **fields)


def exchange(client, op, batches, options=None):
    """Runs one exchange: returns the output batches."""
    desc = flight.FlightDescriptor.for_command(op.SerializeToString())
    writer, reader = client.do_exchange(desc, options=options)
    try:
        for i, b in enumerate(batches):
            if i == 0:
                writer.begin(b.schema)
            writer.write_batch(b)
        writer.done_writing()
        out = []
        while True:
            try:
                out.append(reader.read_chunk().data)
            except StopIteration:
                return out
    finally:
        writer.close()


def ints(*values):
    return pa.record_batch([pa.array(values, pa.int64())], names=['i'])


def worker_error(excinfo):
    fields = worker.decode_error(str(excinfo.value))
    assert fields is not None, str(excinfo.value)
    return fields


def test_scalar_batches_in_order(shared, fns_dir):
    out = exchange(shared.client, operation(fns_dir, 'add_one'),
                   [ints(1, 2), ints(), ints(10, 20, 30)])
    assert [b.column(0).to_pylist() for b in out] == [[2, 3], [], [11, 21, 31]]
    assert out[0].schema.names == ['f0']


def test_aggregate_output_at_the_end(shared, fns_dir):
    op = operation(fns_dir, 'count', udf_pb2.Operation.AGGREGATE, column=1)
    group = pa.record_batch([pa.array([0, 1, 0], pa.int32()), pa.array([5, 6, 7])],
                            names=['group', 'v'])
    out = exchange(shared.client, op, [group, group])
    assert len(out) == 1
    assert out[0].to_pydict() == {'group': [0, 1], 'value': [4, 2]}


def test_aggregate_without_any_batch(shared, fns_dir):
    # The client ends its side without sending a schema.
    op = operation(fns_dir, 'count', udf_pb2.Operation.AGGREGATE, column=1,
                   global_aggregate=True)
    out = exchange(shared.client, op, [])
    assert [b.to_pydict() for b in out] == [{'group': [0], 'value': [0]}]


def test_user_exception_is_encoded_with_traceback(shared, fns_dir):
    with pytest.raises(flight.FlightError) as ei:
        exchange(shared.client, operation(fns_dir, 'boom'), [ints(1, 2, 3)])
    fields = worker_error(ei)
    assert fields['error'] == 'PythonFunctionError'
    assert fields['function'] == 'BOOM'
    assert fields['message'] == "KeyError: 'no {key} here'"
    assert 'wfns.py' in fields['traceback']
    assert "raise KeyError('no {key} here')" in fields['traceback']
    # The worker stays usable.
    out = exchange(shared.client, operation(fns_dir, 'add_one'), [ints(1)])
    assert out[0].column(0).to_pylist() == [2]


def test_result_type_error(shared, fns_dir):
    with pytest.raises(flight.FlightError) as ei:
        exchange(shared.client, operation(fns_dir, 'wrong'), [ints(1)])
    fields = worker_error(ei)
    assert fields['error'] == 'ResultTypeError'
    assert fields['function'] == 'WRONG'
    assert "'seven'" in fields['message'] and 'BIGINT' in fields['message']
    assert not fields['message'].startswith('Python function')


def test_load_errors(shared, fns_dir):
    with pytest.raises(flight.FlightError) as ei:
        exchange(shared.client, operation(fns_dir, 'missing'), [ints(1)])
    fields = worker_error(ei)
    assert fields['error'] == 'FunctionLoadError'
    assert "wfns.missing: 'wfns' has no attribute 'missing'" in fields['message']

    with pytest.raises(flight.FlightError) as ei:
        exchange(shared.client, udf_pb2.Operation(kind=udf_pb2.Operation.SCALAR), [ints(1)])
    assert worker_error(ei)['error'] == 'DescriptorError'


def test_path_descriptor_is_refused(shared):
    writer, reader = shared.client.do_exchange(flight.FlightDescriptor.for_path('t'))
    with pytest.raises(flight.FlightError) as ei:
        writer.done_writing()
        reader.read_chunk()
    with pytest.raises(flight.FlightError):
        writer.close()
    assert 'command descriptor' in worker_error(ei)['message']


def describe(client, target, files):
    body = json.dumps({'target': target, 'python_files': files}).encode()
    results = list(client.do_action(flight.Action('describe', body)))
    sig = udf_pb2.FunctionSignature()
    sig.ParseFromString(results[0].body.to_pybytes())
    return sig


def test_describe(shared, fns_dir):
    sig = describe(shared.client, 'wfns.add_one', [fns_dir])
    assert sig.name == 'add_one'
    assert sig.kind == udf_pb2.FunctionSignature.SCALAR
    assert list(sig.result_types) == ['BIGINT']
    assert describe(shared.client, 'wfns.count', [fns_dir]).kind == \
        udf_pb2.FunctionSignature.AGGREGATE


@pytest.mark.parametrize('target,message', [
    ('nomodule.f', "no module named 'nomodule'"),
    ('wfns.nothing', "wfns.nothing: 'wfns' has no attribute 'nothing'"),
    ('wfns.plain', 'wfns.plain is a function, not a Taipan function'),
])
def test_describe_errors(shared, fns_dir, target, message):
    with pytest.raises(flight.FlightError) as ei:
        describe(shared.client, target, [fns_dir])
    fields = worker_error(ei)
    assert fields['error'] == 'FunctionLoadError'
    assert message in fields['message']


def test_unknown_action(shared):
    with pytest.raises(flight.FlightError) as ei:
        list(shared.client.do_action(flight.Action('nope', b'{}')))
    assert "unknown action 'nope'" in worker_error(ei)['message']


def test_print_never_reaches_stdout(own, fns_dir):
    out = exchange(own.client, operation(fns_dir, 'chatty'), [ints(7)])
    assert out[0].column(0).to_pylist() == [7]
    own.stop()
    assert own.read_stdout() == b''
    err = own.read_stderr()
    assert 'chatty says 7' in err
    assert 'written to stdout' in err
    assert 'raw fd 1' in err


def test_exits_when_stdin_closes(own):
    own.proc.stdin.close()
    assert own.proc.wait(10) == 0
    assert 'stdin closed' in own.read_stderr()


def wait_action(client, exchange_id, timeout):
    body = json.dumps({'exchange': exchange_id, 'timeout': timeout}).encode()
    return json.loads(list(client.do_action(flight.Action('wait', body)))[0].body.to_pybytes())


def test_cancel_interrupts_a_python_loop(own, fns_dir):
    options = flight.FlightCallOptions(timeout=0.5, headers=[(b'taipan-exchange', b'x1')])
    start = time.monotonic()
    with pytest.raises(flight.FlightError):
        exchange(own.client, operation(fns_dir, 'spin'), [ints(1)], options=options)
    assert time.monotonic() - start < 5
    # The loop swallows Exception; the interruption is a BaseException.
    assert wait_action(own.client, 'x1', 5) == {'running': False}
    assert 'interrupting cancelled exchange x1' in own.read_stderr()
    # The thread that ran it serves the next exchange normally.
    for _ in range(4):
        out = exchange(own.client, operation(fns_dir, 'add_one'), [ints(1)])
        assert out[0].column(0).to_pylist() == [2]


def test_wait_reports_a_running_exchange(own, fns_dir):
    options = flight.FlightCallOptions(timeout=1.0, headers=[(b'taipan-exchange', b'x2')])
    desc = flight.FlightDescriptor.for_command(operation(fns_dir, 'spin').SerializeToString())
    writer, reader = own.client.do_exchange(desc, options=options)
    writer.begin(ints(1).schema)
    writer.write_batch(ints(1))
    time.sleep(0.2)
    assert wait_action(own.client, 'x2', 0.2) == {'running': True}
    assert wait_action(own.client, 'unknown', 0) == {'running': False}
    # The call's deadline cancels it.
    assert wait_action(own.client, 'x2', 5) == {'running': False}
    with pytest.raises(flight.FlightError):
        reader.read_chunk()


def test_error_encoding_round_trip():
    try:
        raise ValueError('a "quoted" {brace}\nline')
    except ValueError as e:
        err = PythonFunctionError('F', e)
    text = 'rpc error: ' + str(worker.encode_error(err)) + '. Detail: Failed'
    fields = worker.decode_error(text)
    assert fields['function'] == 'F'
    assert fields['message'] == 'ValueError: a "quoted" {brace}\nline'
    assert 'raise ValueError' in fields['traceback']

    fields = worker.decode_error(str(worker.encode_error(ResultTypeError('G', 'INT', 'x'))))
    assert fields['error'] == 'ResultTypeError'
    assert fields['message'].startswith('returned ')

    fields = worker.decode_error(str(worker.encode_error(RuntimeError('bug'))))
    assert fields['error'] == 'InternalError'
    assert fields['message'] == 'Python worker: RuntimeError: bug'
    assert worker.decode_error('no error here') is None
    assert worker.decode_error('taipan-error:{broken') is None
