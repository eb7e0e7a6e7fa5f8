"""python.files, imports, open/close and job parameters, describe_function."""

import os
import subprocess
import sys
import textwrap
import zipfile

import pyarrow as pa
import pytest

import fns
from conftest import Operation, batch, call, col, descriptor, function, run
from taipan import udf_pb2
from taipan.errors import FunctionLoadError, PythonFunctionError
from taipan.operations import (create_operation, describe_function, load_function)

MODULE = textwrap.dedent('''
    from taipan.udf import udf

    @udf(result_type='STRING')
    def where(i):
        return '{tag}:%d' % i
''')


def write_module(directory, name, tag):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name + '.py')
    path.write_text(MODULE.format(tag=tag))
    return path


def run_where(target, files):
    desc = descriptor(Operation.SCALAR, [function(target)], [call(0, col(0))],
                      python_files=[str(f) for f in files])
    outs, _ = run(desc, batch(a=pa.array([1], pa.int64())))
    return outs[0].column(0).to_pylist()


def test_python_files_py_file(tmp_path, fresh_path):
    path = write_module(tmp_path / 'single', 'py_file_mod', 'py')
    assert run_where('py_file_mod.where', [path]) == ['py:1']


def test_python_files_directory_with_package(tmp_path, fresh_path):
    pkg = tmp_path / 'dir' / 'dir_pkg'
    write_module(pkg, 'inner', 'dir')
    (pkg / '__init__.py').write_text('')
    assert run_where('dir_pkg.inner.where', [tmp_path / 'dir']) == ['dir:1']


def test_python_files_zip(tmp_path, fresh_path):
    archive = tmp_path / 'funcs.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('zip_mod.py', MODULE.format(tag='zip'))
    assert run_where('zip_mod.where', [archive]) == ['zip:1']


def test_python_files_come_first_in_order(tmp_path, fresh_path):
    first = write_module(tmp_path / 'a', 'shadowed_mod', 'first')
    second = write_module(tmp_path / 'b', 'shadowed_mod', 'second')
    assert run_where('shadowed_mod.where', [first, second]) == ['first:1']


def test_python_files_errors(tmp_path, fresh_path):
    with pytest.raises(FunctionLoadError, match=r"python.files: '.*nope.py' does not exist"):
        run_where('x.where', [tmp_path / 'nope.py'])
    other = tmp_path / 'data.csv'
    other.write_text('1')
    with pytest.raises(FunctionLoadError, match='is not a .py file, a .zip archive or a directory'):
        run_where('x.where', [other])


def test_current_directory_is_searched(tmp_path, fresh_path, monkeypatch):
    write_module(tmp_path, 'cwd_mod', 'cwd')
    monkeypatch.chdir(tmp_path)
    sys.path[:] = [p for p in sys.path if p not in ('', os.getcwd())]
    assert run_where('cwd_mod.where', []) == ['cwd:1']


@pytest.mark.parametrize('target, message', [
    ('no_such_module_xyz.f', "no_such_module_xyz.f: no module named 'no_such_module_xyz'"),
    ('fns.no_such_attr', "fns.no_such_attr: 'fns' has no attribute 'no_such_attr'"),
    ('fns.plain_function', 'fns.plain_function is a function, not a Taipan function: make it '
                           'with udf(), udtf() or udaf()'),
    ('fns.not_callable', 'fns.not_callable is a int, not a Taipan function'),
    ('fns', "'fns' is not a 'module.attribute' name"),
    ('fns.', "'fns.' is not a 'module.attribute' name"),
    ('fns.a-b', "is not a 'module.attribute' name"),
])
def test_load_errors(target, message):
    with pytest.raises(FunctionLoadError) as e:
        load_function(target)
    assert message in str(e.value)


def test_module_that_raises_on_import(tmp_path, fresh_path):
    (tmp_path / 'broken_mod.py').write_text('import os\nraise RuntimeError("bad config")\n')
    with pytest.raises(FunctionLoadError) as e:
        load_function('broken_mod.f', [str(tmp_path)])
    assert "broken_mod.f: importing module 'broken_mod' raised RuntimeError: bad config" \
        in str(e.value)
    assert 'raise RuntimeError("bad config")' in e.value.traceback
    (tmp_path / 'needs_missing.py').write_text('import not_installed_pkg_xyz\n')
    with pytest.raises(FunctionLoadError, match="importing module 'needs_missing' raised "
                                                "ModuleNotFoundError: No module named "
                                                "'not_installed_pkg_xyz'"):
        load_function('needs_missing.f', [str(tmp_path)])


def test_nested_attribute(tmp_path, fresh_path):
    (tmp_path / 'holder_mod.py').write_text(textwrap.dedent('''
        from taipan.udf import udf

        class Holder:
            f = udf(lambda i: i * 3, result_type='BIGINT', name='tripled')
    '''))
    assert load_function('holder_mod.Holder.f', [str(tmp_path)]).name == 'tripled'


def test_open_close_and_job_parameters():
    fns.prefix.function.events.clear()
    desc = descriptor(Operation.SCALAR, [function('fns.prefix')], [call(0, col(0))],
                      job_parameters={'prefix': 'from-descriptor:', 'other': 'x'})
    outs, _ = run(desc, batch(s=['a']))
    assert outs[0].column(0).to_pylist() == ['from-descriptor:a/fallback']
    outs, _ = run(desc, batch(s=['a']), job_parameters={'prefix': 'given:'})
    assert outs[0].column(0).to_pylist() == ['given:a/fallback']
    assert fns.prefix.function.events == ['open', 'close', 'open', 'close']


def test_one_function_used_twice_is_opened_once():
    fns.prefix.function.events.clear()
    desc = descriptor(Operation.SCALAR, [function('fns.prefix'), function('fns.prefix')],
                      [call(0, col(0)), call(1, col(0))])
    run(desc, batch(s=['a']))
    assert fns.prefix.function.events == ['open', 'close']


def test_failing_open_and_close():
    op = create_operation(descriptor(Operation.SCALAR, [function('fns.failing_open')],
                                     [call(0, col(0))]))
    with pytest.raises(PythonFunctionError) as e:
        op.open()
    assert str(e.value) == "Python function 'failing_open' in open() raised RuntimeError: " \
                           'cannot connect'
    assert "raise RuntimeError('cannot connect')" in e.value.traceback
    op = create_operation(descriptor(Operation.SCALAR, [function('fns.failing_close')],
                                     [call(0, col(0))]))
    op.open()
    with pytest.raises(PythonFunctionError, match=r"'failing_close' in close\(\) raised OSError: "
                                                  'flush failed'):
        op.close()
    op.close()  # once is enough


def test_describe_function():
    sig = describe_function('fns.weighted_avg')
    assert sig.name == 'WeightedAvg'
    assert sig.kind == udf_pb2.FunctionSignature.AGGREGATE
    assert sig.func_type == udf_pb2.Function.GENERAL
    assert list(sig.result_types) == ['DOUBLE']
    assert sig.accumulator_type == 'ROW<f0 BIGINT, f1 BIGINT>'
    assert sig.has_retract and sig.has_merge and sig.deterministic
    assert (sig.min_arguments, sig.max_arguments) == (2, 2)
    assert not sig.input_types_declared

    sig = describe_function('fns.split')
    assert sig.kind == udf_pb2.FunctionSignature.TABLE
    assert list(sig.result_types) == ['STRING', 'INT']
    assert sig.signature == 'split(...) -> (STRING, INT)'

    sig = describe_function('fns.join_all')
    assert (sig.min_arguments, sig.max_arguments) == (0, -1)
    sig = describe_function('fns.counter')
    assert not sig.deterministic
    sig = describe_function('fns.pandas_add')
    assert sig.func_type == udf_pb2.Function.PANDAS and sig.kind == udf_pb2.FunctionSignature.SCALAR
    sig = describe_function('fns.collect')
    assert sig.accumulator_type == '' and not sig.has_retract


def test_describe_declared_input_types(tmp_path, fresh_path):
    (tmp_path / 'typed_mod.py').write_text(textwrap.dedent('''
        from taipan import DataTypes
        from taipan.udf import udf

        f = udf(lambda a, b: a, input_types=[DataTypes.INT(), 'DECIMAL(5, 1)'],
                result_type='INT')
    '''))
    sig = describe_function('typed_mod.f', [str(tmp_path)])
    assert sig.input_types_declared
    assert list(sig.input_types) == ['INT', 'DECIMAL(5,1)']
    assert sig.signature == '<lambda>(INT, DECIMAL(5,1)) -> INT'


def test_generated_python_code_matches_the_proto(tmp_path):
    """udf_pb2.py is regenerated whenever udf.proto changes."""
    proto_dir = os.path.join(os.path.dirname(__file__), '..', '..', 'udfpb')
    subprocess.run([sys.executable, '-m', 'grpc_tools.protoc', '-I', proto_dir,
                    '--python_out=%s' % tmp_path, os.path.join(proto_dir, 'udf.proto')],
                   check=True)
    fresh = (tmp_path / 'udf_pb2.py').read_text()
    checked_in = open(udf_pb2.__file__).read()
    assert fresh == checked_in


def test_generated_go_code_matches_the_python_code():
    """udf.pb.go embeds the same file descriptor as udf_pb2.py, so neither
    was left stale when udf.proto changed."""
    import ast
    import re

    from google.protobuf import descriptor_pb2
    go = open(os.path.join(os.path.dirname(__file__), '..', '..', 'udfpb', 'udf.pb.go')).read()
    m = re.search(r'const file_udf_proto_rawDesc = ""((?:\s*\+\s*"(?:[^"\\]|\\.)*")+)', go)
    assert m, 'udf.pb.go has no file_udf_proto_rawDesc constant'
    raw = b''.join(ast.literal_eval('b' + lit) for lit in re.findall(r'"(?:[^"\\]|\\.)*"',
                                                                    m.group(1)))
    go_file = descriptor_pb2.FileDescriptorProto.FromString(raw)
    python_file = descriptor_pb2.FileDescriptorProto.FromString(udf_pb2.DESCRIPTOR.serialized_pb)

    def without_json_names(messages):
        # protoc-gen-go records each field's JSON name; the Python code does not.
        for message in messages:
            for field in message.field:
                field.ClearField('json_name')
            without_json_names(message.nested_type)
    without_json_names(go_file.message_type)
    assert go_file == python_file
