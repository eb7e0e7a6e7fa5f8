import pyarrow as pa
import pytest

from conftest import Operation, batch, call, col, const, descriptor, function, nested, run
from taipan.errors import DescriptorError, PythonFunctionError, ResultTypeError
from taipan.operations import create_operation


def groups(*ids):
    return pa.array(ids, pa.int32())


def aggregate(kind, target, *batches, args=None, pandas=False, **fields):
    f = function('fns.' + target, pandas=pandas)
    args = args if args is not None else [col(1)]
    outs, last = run(descriptor(kind, [f], [call(0, *args)], **fields), *batches)
    assert all(o is None for o in outs)
    return last


# --- general


def test_weighted_avg_by_group_across_batches():
    b1 = batch(group=groups(1, 0, 1), v=pa.array([1, 2, 3], pa.int64()),
               w=pa.array([1, 1, 3], pa.int64()))
    b2 = batch(group=groups(2, 0), v=pa.array([5, 4], pa.int64()), w=pa.array([0, 1], pa.int64()))
    out = aggregate(Operation.AGGREGATE, 'weighted_avg', b1, b2, args=[col(1), col(2)])
    assert out.schema.names == ['group', 'value']
    assert out.schema.field('value').metadata == {b'taipan.sql_type': b'DOUBLE'}
    assert out.to_pydict() == {'group': [0, 1, 2], 'value': [3.0, 2.5, None]}


def test_retract_column():
    b = batch(group=groups(0, 0, 0), v=pa.array([1, 5, 5], pa.int64()),
              w=pa.array([1, 1, 1], pa.int64()), retract=pa.array([False, False, True]))
    out = aggregate(Operation.AGGREGATE, 'weighted_avg', b, args=[col(1), col(2)])
    assert out.to_pydict() == {'group': [0], 'value': [1.0]}


def test_retract_without_retract_method():
    b = batch(group=groups(0), v=pa.array([1], pa.int64()), retract=pa.array([True]))
    with pytest.raises(PythonFunctionError) as e:
        aggregate(Operation.AGGREGATE, 'boom', b)
    assert str(e.value) == "Python function 'boom' in retract() raised NotImplementedError: " \
                           'Boom does not implement retract()'


def test_groups_not_seen_are_absent_and_global_group_always_present():
    b = batch(group=groups(3), v=pa.array(['x']))
    out = aggregate(Operation.AGGREGATE, 'collect', b)
    assert out.to_pydict() == {'group': [3], 'value': [['x']]}
    assert out.schema.field('value').type == pa.list_(pa.string())
    out = aggregate(Operation.AGGREGATE, 'collect', global_aggregate=True)
    assert out.to_pydict() == {'group': [0], 'value': [[]]}
    out = aggregate(Operation.AGGREGATE, 'collect', batch(group=groups(), v=pa.array([], pa.string())))
    assert out.num_rows == 0


def test_nulls_reach_accumulate_and_constants_and_nested_calls_work():
    b = batch(group=groups(0, 0, 1), v=pa.array(['a', None, 'b']))
    out = aggregate(Operation.AGGREGATE, 'collect', b)
    assert out.to_pydict() == {'group': [0, 1], 'value': [['a', None], ['b']]}
    b = batch(group=groups(0, 0), v=pa.array([1, 2], pa.int64()))
    f = [function('fns.weighted_avg'), function('fns.add_one')]
    outs, out = run(descriptor(Operation.AGGREGATE, f,
                               [call(0, nested(1, col(1)), const('BIGINT', int_value=2))]), b)
    assert out.to_pydict() == {'group': [0], 'value': [2.5]}


def test_finish_resets_for_the_next_input():
    op = create_operation(descriptor(Operation.AGGREGATE, [function('fns.collect')],
                                     [call(0, col(1))]))
    with op:
        op.process(batch(group=groups(0), v=pa.array(['a'])))
        assert op.finish().to_pydict() == {'group': [0], 'value': [['a']]}
        op.process(batch(group=groups(1), v=pa.array(['b'])))
        assert op.finish().to_pydict() == {'group': [1], 'value': [['b']]}


def test_aggregate_errors():
    b = batch(group=groups(0, 0), v=pa.array([1, 3], pa.int64()))
    with pytest.raises(PythonFunctionError) as e:
        aggregate(Operation.AGGREGATE, 'boom', b)
    assert str(e.value) == "Python function 'boom' in accumulate() raised ArithmeticError: three"
    assert "raise ArithmeticError('three')" in e.value.traceback
    with pytest.raises(ResultTypeError, match="'bad_value' returned 'many'.*declared result type "
                                              'BIGINT'):
        aggregate(Operation.AGGREGATE, 'bad_value', b)


@pytest.mark.parametrize('columns, message', [
    (dict(v=pa.array([1], pa.int64())), "needs one int32 column named 'group'"),
    (dict(group=pa.array([0], pa.int64()), v=pa.array([1], pa.int64())),
     "column 'group' must be int32, not int64"),
    (dict(group=pa.array([None], pa.int32()), v=pa.array([1], pa.int64())),
     "column 'group' has NULLs"),
    (dict(group=groups(-1), v=pa.array([1], pa.int64())), 'negative id'),
    (dict(group=groups(0), v=pa.array([1], pa.int64()), retract=pa.array([1], pa.int8())),
     "'retract' must be bool"),
])
def test_malformed_aggregate_batches(columns, message):
    with pytest.raises(DescriptorError, match=message):
        aggregate(Operation.AGGREGATE, 'boom', batch(**columns))


def test_kinds_must_match():
    with pytest.raises(DescriptorError, match="AGGREGATE operation cannot call 'mean_udaf', a "
                                              'pandas aggregate function'):
        create_operation(descriptor(Operation.AGGREGATE, [function('fns.mean_udaf', pandas=True)],
                                    [call(0, col(1))]))
    with pytest.raises(DescriptorError, match="PANDAS_AGGREGATE operation cannot call "
                                              "'weighted_avg'"):
        create_operation(descriptor(Operation.PANDAS_AGGREGATE, [function('fns.weighted_avg')],
                                    [call(0, col(1), col(2))]))
    with pytest.raises(DescriptorError, match="'weighted_avg' takes 2 arguments, the call passes 1"):
        create_operation(descriptor(Operation.AGGREGATE, [function('fns.weighted_avg')],
                                    [call(0, col(1))]))


# --- Pandas, grouped


def test_pandas_aggregate_per_group():
    b1 = batch(group=groups(1, 0, 1), v=pa.array([1.0, 2.0, 4.0]))
    b2 = batch(group=groups(0, 2), v=pa.array([6.0, None]))
    out = aggregate(Operation.PANDAS_AGGREGATE, 'mean_udaf', b1, b2, pandas=True)
    assert out.schema.names == ['group', 'value']
    assert out.to_pydict() == {'group': [0, 1, 2], 'value': [4.0, 2.5, None]}


def test_pandas_aggregate_sees_rows_in_arrival_order_indexed_from_zero():
    b1 = batch(group=groups(1, 0, 1), v=pa.array([10, 20, 30], pa.int64()))
    b2 = batch(group=groups(1), v=pa.array([None], pa.int64()))
    out = aggregate(Operation.PANDAS_AGGREGATE, 'frame_info', b1, b2, pandas=True)
    assert out.to_pydict() == {'group': [0, 1],
                               'value': ['1:[0]:[20]', '3:[0, 1, 2]:[10, 30, <NA>]']}


def test_pandas_aggregate_global_and_empty():
    out = aggregate(Operation.PANDAS_AGGREGATE, 'pandas_sum', pandas=True, global_aggregate=True)
    assert out.to_pydict() == {'group': [0], 'value': [0]}
    out = aggregate(Operation.PANDAS_AGGREGATE, 'pandas_sum', pandas=True)
    assert out.num_rows == 0


def test_pandas_aggregate_errors():
    b = batch(group=groups(0), v=pa.array([1], pa.int64()))
    with pytest.raises(PythonFunctionError, match="'pandas_agg_raises' raised ZeroDivisionError: "
                                                  'no rows'):
        aggregate(Operation.PANDAS_AGGREGATE, 'pandas_agg_raises', b, pandas=True)
    with pytest.raises(ResultTypeError, match="'mean_udaf' returned 1.5.*declared result type "
                                              'BIGINT'):
        run(descriptor(Operation.PANDAS_AGGREGATE,
                       [function('fns.mean_udaf', pandas=True, results=['BIGINT'])],
                       [call(0, col(1))]),
            batch(group=groups(0, 0), v=pa.array([1, 2], pa.int64())))


# --- Pandas, windows


def window_batch(partition, start, end, v):
    return batch(partition=pa.array(partition, pa.int32()),
                 frame_start=pa.array(start, pa.int64()),
                 frame_end=pa.array(end, pa.int64()), v=v)


def test_pandas_window_aggregate_frames():
    # Two partitions interleaved; ROWS BETWEEN 1 PRECEDING AND CURRENT ROW.
    b1 = window_batch([0, 1, 0], [0, 0, 0], [1, 1, 2], pa.array([1.0, 10.0, 3.0]))
    b2 = window_batch([0, 1], [1, 0], [3, 2], pa.array([5.0, 20.0]))
    out = aggregate(Operation.PANDAS_WINDOW_AGGREGATE, 'mean_udaf', b1, b2, args=[col(3)],
                    pandas=True)
    assert out.schema.names == ['value']
    assert out.column(0).to_pylist() == [1.0, 10.0, 2.0, 4.0, 15.0]


def test_pandas_window_frame_series_are_indexed_from_zero_and_may_be_empty():
    b = window_batch([0, 0, 0], [0, 1, 2], [0, 3, 3], pa.array([7, 8, 9], pa.int64()))
    out = aggregate(Operation.PANDAS_WINDOW_AGGREGATE, 'frame_info', b, args=[col(3)], pandas=True)
    assert out.column(0).to_pylist() == ['0:[]:[]', '2:[0, 1]:[8, 9]', '1:[0]:[9]']


def test_pandas_window_empty_frame_mean_is_null():
    b = window_batch([0], [0], [0], pa.array([1.0]))
    out = aggregate(Operation.PANDAS_WINDOW_AGGREGATE, 'mean_udaf', b, args=[col(3)], pandas=True)
    assert out.column(0).to_pylist() == [None]


def test_pandas_window_no_input():
    out = aggregate(Operation.PANDAS_WINDOW_AGGREGATE, 'mean_udaf', args=[col(3)], pandas=True)
    assert out.num_rows == 0 and out.schema.names == ['value']


@pytest.mark.parametrize('start, end, message', [
    ([0], [2], r'frame \[0, 2\) is outside partition 0 of 1 rows'),
    ([1], [0], r'frame \[1, 0\) is outside'),
    ([-1], [1], r'frame \[-1, 1\) is outside'),
])
def test_pandas_window_bad_frames(start, end, message):
    with pytest.raises(DescriptorError, match=message):
        aggregate(Operation.PANDAS_WINDOW_AGGREGATE, 'mean_udaf',
                  window_batch([0], start, end, pa.array([1.0])), args=[col(3)], pandas=True)


def test_pandas_window_needs_its_columns():
    with pytest.raises(DescriptorError, match="needs one int64 column named 'frame_end'"):
        aggregate(Operation.PANDAS_WINDOW_AGGREGATE, 'mean_udaf',
                  batch(partition=pa.array([0], pa.int32()), frame_start=pa.array([0], pa.int64()),
                        v=pa.array([1.0])), args=[col(2)], pandas=True)


# --- partial and final phases


def phase_descriptor(phase, target='weighted_avg', args=None, **fields):
    return descriptor(Operation.AGGREGATE, [function('fns.' + target)],
                      [call(0, *(args if args is not None else [col(1), col(2)]))],
                      aggregate_phase=phase, **fields)


def test_partial_then_final_equals_complete():
    rows = [(0, 1, 1), (1, 2, 2), (0, 3, 3), (2, 4, 1), (1, 6, 2), (0, 5, 0)]

    def part(rs):
        return batch(group=groups(*[r[0] for r in rs]), v=pa.array([r[1] for r in rs], pa.int64()),
                     w=pa.array([r[2] for r in rs], pa.int64()))
    _, complete = run(phase_descriptor(Operation.COMPLETE), part(rows))
    _, left = run(phase_descriptor(Operation.PARTIAL), part(rows[:3]))
    _, right = run(phase_descriptor(Operation.PARTIAL), part(rows[3:]))
    assert left.schema.names == ['group', 'accumulator']
    assert left.schema.field('accumulator').type == pa.struct([('f0', pa.int64()),
                                                               ('f1', pa.int64())])
    assert left.to_pydict() == {'group': [0, 1], 'accumulator': [{'f0': 10, 'f1': 4},
                                                                 {'f0': 4, 'f1': 2}]}
    _, final = run(phase_descriptor(Operation.FINAL), left, right)
    assert final.to_pydict() == complete.to_pydict()
    assert final.to_pydict() == {'group': [0, 1, 2], 'value': [2.5, 4.0, 4.0]}


def test_final_with_global_group_and_no_input():
    _, out = run(phase_descriptor(Operation.FINAL, global_aggregate=True))
    assert out.to_pydict() == {'group': [0], 'value': [None]}


def test_phase_errors():
    with pytest.raises(DescriptorError, match="aggregate function 'collect' has no accumulator "
                                              'type, which the PARTIAL phase needs'):
        create_operation(phase_descriptor(Operation.PARTIAL, 'collect', [col(1)]))
    with pytest.raises(DescriptorError, match=r"aggregate function 'boom' has no merge\(\)"):
        f = function('fns.boom')
        f.accumulator_type = 'ARRAY<BIGINT>'
        create_operation(descriptor(Operation.AGGREGATE, [f], [call(0, col(1))],
                                    aggregate_phase=Operation.FINAL))
    with pytest.raises(DescriptorError, match='a PANDAS_AGGREGATE operation has no aggregate '
                                              'phase PARTIAL'):
        create_operation(descriptor(Operation.PANDAS_AGGREGATE,
                                    [function('fns.mean_udaf', pandas=True)], [call(0, col(1))],
                                    aggregate_phase=Operation.PARTIAL))
    with pytest.raises(ResultTypeError) as e:
        run(phase_descriptor(Operation.PARTIAL, 'bad_accumulator', [col(1)]),
            batch(group=groups(0), v=pa.array([1], pa.int64())))
    assert "'bad_accumulator' returned ['not', 'numbers']" in str(e.value)
    assert 'declared accumulator type ARRAY<BIGINT>' in str(e.value)
    acc = pa.array([['a']], pa.list_(pa.string()))
    with pytest.raises(PythonFunctionError, match=r"'merge_fails' in merge\(\) raised "
                                                  'LookupError: cannot merge'):
        run(phase_descriptor(Operation.FINAL, 'merge_fails', [col(1)]),
            batch(group=groups(0), accumulator=acc))
    with pytest.raises(DescriptorError, match="column 'accumulator' must be list<item: string>"):
        run(phase_descriptor(Operation.FINAL, 'merge_fails', [col(1)]),
            batch(group=groups(0), accumulator=pa.array([1], pa.int64())))


def test_accumulator_type_from_descriptor():
    f = function('fns.collect')
    f.accumulator_type = 'ARRAY<STRING>'
    _, out = run(descriptor(Operation.AGGREGATE, [f], [call(0, col(1))],
                            aggregate_phase=Operation.PARTIAL),
                 batch(group=groups(0, 0), v=pa.array(['a', 'b'])))
    assert out.to_pydict() == {'group': [0], 'accumulator': [['a', 'b']]}
