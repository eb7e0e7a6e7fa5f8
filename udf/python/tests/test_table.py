import pyarrow as pa
import pytest

from conftest import Operation, batch, call, col, const, descriptor, function, nested, run
from taipan.errors import DescriptorError, PythonFunctionError, ResultTypeError
from taipan.operations import create_operation


def table(target, *batches, args=None, functions=(), results=None):
    f = function('fns.' + target, results=results)
    desc = descriptor(Operation.TABLE, [f] + list(functions),
                      [call(0, *(args if args is not None else [col(0)]))])
    outs, last = run(desc, *batches)
    assert last is None
    return outs


def test_generator_of_tuples():
    out, = table('split', batch(s=['a bc', 'def']))
    assert out.schema.names == ['row', 'f0', 'f1']
    assert out.schema.field('row').type == pa.int32()
    assert out.schema.field('f1').type == pa.int32()
    assert out.to_pydict() == {'row': [0, 0, 1], 'f0': ['a', 'bc', 'def'], 'f1': [1, 2, 3]}


def test_rows_that_yield_nothing_are_absent():
    out, = table('up_to', batch(n=pa.array([2, 0, 1], pa.int64())))
    assert out.to_pydict() == {'row': [0, 0, 2], 'f0': [0, 1, 0]}


def test_return_forms():
    out, = table('maybe_row', batch(s=['ab', None, 'c']))
    assert out.to_pydict() == {'row': [0, 2], 'f0': ['ab', 'c'], 'f1': [2, 1]}
    out, = table('single_scalar', batch(s=['a', 'b']))
    assert out.to_pydict() == {'row': [0, 1], 'f0': ['A', 'B']}
    out, = table('list_of_rows', batch(n=pa.array([2], pa.int64())))
    assert out.to_pydict() == {'row': [0, 0], 'f0': ['0', '1'], 'f1': [0, 1]}
    out, = table('returns_tuple', batch(n=pa.array([5], pa.int64())))
    assert out.to_pydict() == {'row': [0], 'f0': [5]}


def test_table_function_instance_and_nested_types():
    out, = table('explode', batch(v=pa.array([['x', 'y'], []], pa.list_(pa.string()))))
    assert out.to_pydict() == {'row': [0, 0], 'f0': ['x', 'y']}
    out, = table('nested_rows', batch(n=pa.array([2], pa.int64())))
    assert out.column(1).to_pylist() == [[0, 1]]
    assert out.column(2).to_pylist() == [[('n', 2)]]


def test_arguments_may_be_constants_and_nested_scalar_calls():
    out, = table('up_to', batch(x=pa.array([0, 0], pa.int64())),
                 args=[nested(1, const('BIGINT', int_value=1))],
                 functions=[function('fns.add_one')])
    assert out.to_pydict() == {'row': [0, 0, 1, 1], 'f0': [0, 1, 0, 1]}


def test_empty_input_and_several_batches():
    outs = table('split', batch(s=pa.array([], pa.string())), batch(s=['x y']))
    assert outs[0].num_rows == 0 and outs[0].schema.names == ['row', 'f0', 'f1']
    assert outs[1].to_pydict() == {'row': [0, 0], 'f0': ['x', 'y'], 'f1': [1, 1]}


def test_row_of_wrong_width():
    with pytest.raises(ResultTypeError) as e:
        table('wrong_width', batch(n=pa.array([1], pa.int64())))
    assert "Python function 'wrong_width' returned ('a', 1, 2)" in str(e.value)
    assert 'declared result type (STRING, BIGINT)' in str(e.value)
    assert 'a row of 3 values for 2 result columns' in str(e.value)


def test_value_that_does_not_fit():
    with pytest.raises(ResultTypeError, match="'split' returned 'a'.*declared result type INT"):
        table('split', batch(s=['a']), results=['INT', 'INT'])


def test_exception_inside_the_generator():
    with pytest.raises(PythonFunctionError) as e:
        table('fails_midway', batch(n=pa.array([1], pa.int64())))
    assert str(e.value) == "Python function 'fails_midway' raised KeyError: 'gone'"
    assert "raise KeyError('gone')" in e.value.traceback


def test_table_operation_calls_only_a_table_function():
    with pytest.raises(DescriptorError, match="cannot call 'add_one', a general scalar function"):
        create_operation(descriptor(Operation.TABLE, [function('fns.add_one')], [call(0, col(0))]))
    with pytest.raises(DescriptorError, match='exactly one call, the descriptor has 2'):
        create_operation(descriptor(Operation.TABLE, [function('fns.split')],
                                    [call(0, col(0)), call(0, col(0))]))
