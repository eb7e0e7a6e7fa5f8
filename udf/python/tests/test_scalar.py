import datetime
import decimal

import pyarrow as pa
import pytest

import fns
from conftest import Operation, batch, call, col, const, descriptor, function, nested, run, scalar
from taipan import udf_pb2
from taipan.errors import DescriptorError, PythonFunctionError, ResultTypeError
from taipan.operations import create_operation


def one(target, *args, results=None, arg_types=None, pandas=False):
    """A SCALAR descriptor of one call of fns.<target> over the given arguments."""
    f = function('fns.' + target, args=arg_types, results=results, pandas=pandas)
    return [f], [call(0, *args)]


def test_add_one_with_nulls_across_batches():
    b1 = batch(a=pa.array([1, 2, None], pa.int64()))
    b2 = batch(a=pa.array([10], pa.int64()))
    outs = scalar(one('times_two', col(0)), b1, b2)
    assert outs[0].schema.names == ['f0']
    assert outs[0].column(0).to_pylist() == [2, 4, None]
    assert outs[1].column(0).to_pylist() == [20]
    assert outs[0].schema.field('f0').type == pa.int64()
    assert outs[0].schema.field('f0').metadata == {b'taipan.sql_type': b'BIGINT'}


def test_null_is_passed_as_none():
    out = scalar(one('is_null', col(0)), batch(a=pa.array([1, None], pa.int64())))
    assert out.column(0).to_pylist() == [False, True]


def test_empty_batch():
    out = scalar(one('add_one', col(0)), batch(a=pa.array([], pa.int64())))
    assert out.num_rows == 0 and out.schema.field('f0').type == pa.int64()


VALUES = [
    (pa.array([1, None], pa.int8()), ["int:1", None]),
    (pa.array([300], pa.int16()), ['int:300']),
    (pa.array([2 ** 31 - 1], pa.int32()), ['int:2147483647']),
    (pa.array([2 ** 63 - 1], pa.int64()), ['int:9223372036854775807']),
    (pa.array([1.5], pa.float32()), ['float:1.5']),
    (pa.array([2.25], pa.float64()), ['float:2.25']),
    (pa.array([decimal.Decimal('12.30')], pa.decimal128(10, 2)), ["Decimal:Decimal('12.30')"]),
    (pa.array([True, False]), ['bool:True', 'bool:False']),
    (pa.array(['héllo']), ["str:'héllo'"]),
    (pa.array([b'\x00\x01']), ["bytes:b'\\x00\\x01'"]),
    (pa.array([datetime.date(2024, 2, 29)]), ['date:datetime.date(2024, 2, 29)']),
    (pa.array([datetime.datetime(2024, 1, 2, 3, 4, 5, 6)], pa.timestamp('us')),
     ['datetime:datetime.datetime(2024, 1, 2, 3, 4, 5, 6)']),
    (pa.array([[1, None, 3], None], pa.list_(pa.int64())), ['list:[1, None, 3]', None]),
    (pa.array([[('a', 1), ('b', None)]], pa.map_(pa.string(), pa.int32())),
     ["dict:{'a': 1, 'b': None}"]),
    (pa.array([{'x': 1, 'y': 'z'}], pa.struct([('x', pa.int32()), ('y', pa.string())])),
     ["Row:Row(x=1, y='z')"]),
    (pa.array([[{'k': [('m', [1])]}]],
              pa.list_(pa.struct([('k', pa.map_(pa.string(), pa.list_(pa.int64())))]))),
     ["list:[Row(k={'m': [1]})]"]),
]


@pytest.mark.parametrize('arr, expected', VALUES, ids=[str(v[0].type) for v in VALUES])
def test_python_values_per_sql_type(arr, expected):
    out = scalar(one('describe', col(0)), batch(a=arr))
    got = out.column(0).to_pylist()
    # describe() turns None into 'NoneType:None'.
    assert got == [e if e is not None else 'NoneType:None' for e in expected]


RESULTS = [
    ('price', pa.array([1234, None], pa.int64()), pa.decimal128(10, 2),
     [decimal.Decimal('12.34'), None]),
    ('next_day', pa.array([datetime.date(2024, 2, 28)]), pa.date32(), [datetime.date(2024, 2, 29)]),
    ('plus_second', pa.array([datetime.datetime(2024, 1, 1, 23, 59, 59, 5)], pa.timestamp('us')),
     pa.timestamp('us'), [datetime.datetime(2024, 1, 2, 0, 0, 0, 5)]),
    ('range_of', pa.array([3, 0, None], pa.int64()), pa.list_(pa.int64()), [[0, 1, 2], [], None]),
    ('counts', pa.array(['a b a']), pa.map_(pa.string(), pa.int64()), [[('a', 2), ('b', 1)]]),
    ('named', pa.array(['abc']), pa.struct([('name', pa.string()), ('size', pa.int32())]),
     [{'name': 'abc', 'size': 3}]),
    ('nested_row', pa.array([2], pa.int64()),
     pa.struct([('a', pa.int64()), ('b', pa.list_(pa.string()))]), [{'a': 2, 'b': ['2', '2']}]),
    ('row_as_dict', pa.array([5], pa.int64()), pa.struct([('a', pa.int64()), ('b', pa.string())]),
     [{'a': 5, 'b': '5'}]),
    ('to_bytes', pa.array(['hi']), pa.binary(), [b'hi']),
    ('half', pa.array([3], pa.int64()), pa.float64(), [1.5]),
    ('is_even', pa.array([3, 4], pa.int64()), pa.bool_(), [False, True]),
    ('repeat_x', pa.array([3], pa.int64()), pa.string(), ['xxx']),
]


@pytest.mark.parametrize('target, arr, arrow_type, expected', RESULTS,
                         ids=[r[0] for r in RESULTS])
def test_results_per_sql_type(target, arr, arrow_type, expected):
    out = scalar(one(target, col(0)), batch(a=arr))
    assert out.schema.field('f0').type == arrow_type
    assert out.column(0).to_pylist() == expected


@pytest.mark.parametrize('target, arr, declared, shown, reason', [
    ('returns_text', pa.array([1], pa.int64()), 'BIGINT', "'not a number'", 'is not an integer'),
    ('returns_float', pa.array([1], pa.int64()), 'BIGINT', '1.5', 'is not an integer'),
    ('times_hundred', pa.array([1, 2], pa.int64()), 'TINYINT', '200',
     'out of the range of TINYINT'),
    ('repeat_x', pa.array([2, 4], pa.int64()), 'VARCHAR(3)', "'xxxx'", 'more than VARCHAR(3)'),
    ('bad_decimal', pa.array([1], pa.int64()), 'DECIMAL(5,2)', "Decimal('1.234')",
     'more than 2 fractional digits'),
    ('price', pa.array([10 ** 12], pa.int64()), 'DECIMAL(10,2)', "Decimal('10000000000.00')",
     'out of the range of DECIMAL(10,2)'),
    ('date_from_datetime', pa.array([1], pa.int64()), 'DATE', 'datetime.datetime(2024, 1, 1, 12, 0)',
     'is not a datetime.date'),
    ('bad_array', pa.array([1], pa.int64()), 'ARRAY<BIGINT>', "[1, 'two']", 'element 1'),
    ('bytes_as_string', pa.array(['a']), 'STRING', "b'a'", 'is not a str'),
    ('huge_float', pa.array([1], pa.int64()), 'FLOAT', '1e+300', 'out of the range of FLOAT'),
])
def test_result_that_does_not_fit(target, arr, declared, shown, reason):
    with pytest.raises(ResultTypeError) as e:
        scalar(one(target, col(0)), batch(a=arr))
    msg = str(e.value)
    assert "Python function '%s'" % target in msg
    assert 'declared result type %s' % declared in msg
    assert shown in msg
    assert reason in msg
    assert e.value.function == target and e.value.declared_type == declared


def test_result_declared_by_descriptor_wins():
    # The engine's resolved result type is what the output holds.
    out = scalar(one('add_one', col(0), results=['INT']), batch(a=pa.array([1], pa.int64())))
    assert out.schema.field('f0').type == pa.int32()


def test_several_calls_and_chained_calls():
    functions = [function('fns.add_one'), function('fns.add'), function('fns.times_two')]
    calls = [
        call(0, col(1)),                                   # add_one(b)
        call(1, col(0), nested(0, nested(2, col(1)))),     # add(a, add_one(times_two(b)))
        call(2, nested(1, col(0), col(0))),                # times_two(add(a, a))
    ]
    out = scalar((functions, calls), batch(a=pa.array([1, 2], pa.int64()),
                                           b=pa.array([10, 20], pa.int64())))
    assert out.to_pydict() == {'f0': [11, 21], 'f1': [22, 43], 'f2': [4, 8]}


def test_identical_deterministic_calls_run_once_per_batch():
    fns.counted_add_one.calls = 0
    functions = [function('fns.counted_add_one'), function('fns.add')]
    inner = nested(0, col(0))
    calls = [call(0, col(0)), call(1, inner, inner)]
    out = scalar((functions, calls), batch(a=pa.array([1, 2, 3], pa.int64())))
    assert out.column(0).to_pylist() == [2, 3, 4]
    assert out.column(1).to_pylist() == [4, 6, 8]
    assert fns.counted_add_one.calls == 3


def test_nondeterministic_calls_are_not_shared():
    fns.counter.calls = 0
    functions = [function('fns.counter')]
    out = scalar((functions, [call(0, col(0)), call(0, col(0))]),
                 batch(a=pa.array([1, 2], pa.int64())))
    assert out.column(0).to_pylist() == ['1', '2']
    assert out.column(1).to_pylist() == ['3', '4']


def test_constants():
    functions = [function('fns.join_all')]
    args = [
        col(0),
        const('BIGINT', int_value=-5),
        const('DOUBLE', double_value=2.5),
        const('DECIMAL(5,2)', string_value='1.50'),
        const('STRING', string_value='s'),
        const('BYTES', bytes_value=b'b'),
        const('BOOLEAN', bool_value=True),
        const('DATE', int_value=19782),
        const('TIMESTAMP(6)', int_value=1_700_000_000_123_456),
        const('BIGINT'),
        const('NULL'),
    ]
    out = scalar(([function('fns.join_all')], [call(0, *args)]),
                 batch(a=pa.array([1, 2], pa.int64())))
    assert out.column(0).to_pylist() == [
        '%d--5-2.5-1.50-s-b\'b\'-True-2024-02-29-2023-11-14 22:13:20.123456-None-None' % i
        for i in (1, 2)]


def test_constants_only_and_no_arguments():
    out = scalar(([function('fns.add_one')], [call(0, const('BIGINT', int_value=41))]),
                 batch(a=pa.array([0, 0, 0], pa.int64())))
    assert out.column(0).to_pylist() == [42, 42, 42]
    out = scalar(([function('fns.no_args')], [call(0)]), batch(a=pa.array([0, 0], pa.int64())))
    assert out.column(0).to_pylist() == [7, 7]


@pytest.mark.parametrize('target', ['add_one_lambda', 'triple', 'times_ten', 'prefix'])
def test_function_forms_run(target):
    out = scalar(one(target, col(0)), batch(a=pa.array([2], pa.int64())))
    expected = {'add_one_lambda': 3, 'triple': 6, 'times_ten': 20, 'prefix': '?2/fallback'}
    assert out.column(0).to_pylist() == [expected[target]]


def test_user_exception():
    with pytest.raises(PythonFunctionError) as e:
        scalar(one('ratio', col(0), col(1)), batch(a=pa.array([4, 1], pa.int64()),
                                                   b=pa.array([2, 0], pa.int64())))
    err = e.value
    assert str(err) == "Python function 'ratio' raised ZeroDivisionError: integer division " \
                       'or modulo by zero'
    assert err.function == 'ratio' and err.exception_type == 'ZeroDivisionError'
    assert 'Traceback (most recent call last)' in err.traceback
    assert 'fns.py' in err.traceback and 'return a // b' in err.traceback
    assert 'operations.py' not in err.traceback


def test_user_exception_in_nested_call_names_the_inner_function():
    functions = [function('fns.add_one'), function('fns.ratio')]
    with pytest.raises(PythonFunctionError, match="Python function 'ratio' raised"):
        scalar((functions, [call(0, nested(1, col(0), col(1)))]),
               batch(a=pa.array([1], pa.int64()), b=pa.array([0], pa.int64())))


def test_system_exit_does_not_escape():
    with pytest.raises(PythonFunctionError, match="'exits' raised SystemExit: 3"):
        scalar(one('exits', col(0)), batch(a=pa.array([1], pa.int64())))


def test_sql_name_from_descriptor_is_used_in_errors():
    f = function('fns.ratio', name='safe_div')
    with pytest.raises(PythonFunctionError, match="Python function 'safe_div' raised"):
        scalar(([f], [call(0, col(0), col(1))]),
               batch(a=pa.array([1], pa.int64()), b=pa.array([0], pa.int64())))


# --- Pandas


def test_pandas_scalar():
    out = scalar(one('pandas_add', col(0), col(1), pandas=True),
                 batch(a=pa.array([1, 2, None], pa.int64()), b=pa.array([0.5, 1.5, 1.0])))
    assert out.column(0).to_pylist() == [1.5, 3.5, None]


@pytest.mark.parametrize('arr, dtype', [
    (pa.array([1], pa.int8()), 'int8'),
    (pa.array([1], pa.int16()), 'int16'),
    (pa.array([1], pa.int32()), 'int32'),
    (pa.array([1], pa.int64()), 'int64'),
    (pa.array([1, None], pa.int64()), 'Int64'),
    (pa.array([1, None], pa.int8()), 'Int8'),
    (pa.array([1.0], pa.float32()), 'float32'),
    (pa.array([1.0, None], pa.float64()), 'float64'),
    (pa.array([True]), 'bool'),
    (pa.array([datetime.datetime(2024, 1, 1)], pa.timestamp('us')), 'datetime64[us]'),
    (pa.array([datetime.date(2024, 1, 1)]), 'object'),
    (pa.array([decimal.Decimal('1.5')], pa.decimal128(4, 1)), 'object'),
    (pa.array([{'name': 'a', 'size': 1}], pa.struct([('name', pa.string()),
                                                     ('size', pa.int32())])),
     "{'name': <StringDtype(na_value=nan)>, 'size': dtype('int32')}"),
])
def test_pandas_dtypes_per_sql_type(arr, dtype):
    out = scalar(one('dtypes', col(0), pandas=True), batch(a=arr))
    assert out.column(0).to_pylist() == [dtype] * len(arr)


def test_pandas_constant_is_a_series_of_batch_length():
    out = scalar(one('dtypes', col(0), const('INT', int_value=3), pandas=True),
                 batch(a=pa.array([1, 2, 3], pa.int64())))
    assert out.column(0).to_pylist() == ['int64,int32'] * 3
    out = scalar(one('pandas_add', col(0), const('DOUBLE', double_value=0.5), pandas=True),
                 batch(a=pa.array([1, 2], pa.int64())))
    assert out.column(0).to_pylist() == [1.5, 2.5]


def test_pandas_row_argument_is_a_dataframe():
    arr = pa.array([{'name': 'a', 'size': 1}, {'name': 'b', 'size': 22}],
                   pa.struct([('name', pa.string()), ('size', pa.int32())]))
    out = scalar(one('frame_fields', col(0), pandas=True), batch(a=arr))
    assert out.column(0).to_pylist() == ['a=1', 'b=22']


def test_pandas_strings_and_lists():
    out = scalar(one('pandas_len', col(0), pandas=True), batch(a=pa.array(['ab', None, ''])))
    assert out.column(0).to_pylist() == [2, None, 0]
    out = scalar(one('pandas_lists', col(0), pandas=True), batch(a=pa.array([2, 0], pa.int64())))
    assert out.column(0).to_pylist() == [[0, 1], []]


def test_pandas_mixed_with_general_and_chained():
    functions = [function('fns.add_one'), function('fns.pandas_plus_one', pandas=True)]
    calls = [call(1, nested(0, col(0))), call(0, nested(1, col(0)))]
    out = scalar((functions, calls), batch(a=pa.array([1, 2, 3], pa.int64())))
    assert out.to_pydict() == {'f0': [3, 4, 5], 'f1': [3, 4, 5]}
    # add_one(None) raises inside the user's code: the error names add_one.
    with pytest.raises(PythonFunctionError, match="'add_one' raised TypeError"):
        scalar((functions, [call(0, nested(1, col(0)))]),
               batch(a=pa.array([1, None], pa.int64())))


@pytest.mark.parametrize('target, arr, reason', [
    ('pandas_scalar', pa.array([1, 2], pa.int64()), 'not a single value'),
    ('pandas_short', pa.array([1, 2], pa.int64()), 'it has 1 values for 2 input rows'),
    ('pandas_fraction', pa.array([1, 2], pa.int64()), 'truncated'),
    ('pandas_long_text', pa.array(['a']), 'more than VARCHAR(2)'),
])
def test_pandas_results_that_do_not_fit(target, arr, reason):
    with pytest.raises(ResultTypeError) as e:
        scalar(one(target, col(0), pandas=True), batch(a=arr))
    assert "Python function '%s'" % target in str(e.value)
    assert reason in str(e.value)


def test_pandas_exception():
    with pytest.raises(PythonFunctionError) as e:
        scalar(one('pandas_raises', col(0), pandas=True), batch(a=pa.array([1], pa.int64())))
    assert str(e.value) == "Python function 'pandas_raises' raised ValueError: bad series"
    assert "raise ValueError('bad series')" in e.value.traceback


# --- the descriptor against the batch


def test_argument_types_are_checked_against_columns():
    with pytest.raises(DescriptorError, match=r"argument 1 of 'add_one': column 0 \('a'\) is "
                                              'int32, the function takes BIGINT'):
        scalar(one('add_one', col(0), arg_types=['BIGINT']), batch(a=pa.array([1], pa.int32())))
    with pytest.raises(DescriptorError, match='column 3 does not exist; the batch has 1 columns'):
        scalar(one('add_one', col(3)), batch(a=pa.array([1], pa.int64())))


@pytest.mark.parametrize('functions, calls, message', [
    ([function('fns.add_one')], [call(0)], "function 'add_one' takes 1 argument, the call passes 0"),
    ([function('fns.add')], [call(0, col(0))], "'add' takes 2 arguments, the call passes 1"),
    ([function('fns.add_one')], [call(1, col(0))], 'function 1 does not exist'),
    ([function('fns.split')], [call(0, col(0))], "'split' is a table function; only scalar"),
    ([function('fns.add_one', args=['BIGINT', 'INT'])], [call(0, col(0))],
     'gives 2 argument types for 1 arguments'),
    ([function('fns.add_one', args=['BIGNT'])], [call(0, col(0))], "bad type 'BIGNT'"),
    ([function('fns.add_one')], [call(0, const('BIGINT', string_value='1'))],
     'a BIGINT constant cannot be given as string_value'),
    ([function('fns.add_one')], [call(0, const('TINYINT', int_value=1000))],
     'constant 1000 does not fit TINYINT'),
    ([function('fns.add_one')], [call(0, const('DECIMAL(3,1)', string_value='x'))],
     "'x' is not a decimal number"),
    ([function('fns.add_one')], [call(0, const('ARRAY<INT>', int_value=1))],
     'ARRAY<INT> constants are not supported'),
    ([function('fns.add_one', args=['BIGINT'])], [call(0, const('INT', int_value=1))],
     'a INT constant for a BIGINT argument'),
    ([function('fns.add_one', pandas=True)], [call(0, col(0))],
     'the descriptor says func_type PANDAS but fns.add_one is a general function'),
    ([function('fns.add_one')], [], 'SCALAR operation without calls'),
    ([function('fns.add_one')], [call(0, col(-1))], 'column -1 does not exist'),
    ([function('fns.add_one')], [call(0, udf_pb2.Argument())], 'no column, constant or call'),
])
def test_malformed_descriptors(functions, calls, message):
    with pytest.raises(DescriptorError, match=pytest_escape(message)):
        create_operation(descriptor(Operation.SCALAR, functions, calls))


def pytest_escape(s):
    import re
    return re.escape(s)


def test_descriptor_bytes_that_are_not_a_descriptor():
    with pytest.raises(DescriptorError, match='not a taipan.udf.Operation'):
        create_operation(b'\xff\xff\xff')
    with pytest.raises(DescriptorError, match='unknown operation kind 0'):
        create_operation(b'')
    with pytest.raises(TypeError, match='descriptor must be'):
        create_operation('SCALAR')


def test_life_cycle_rules():
    op = create_operation(descriptor(Operation.SCALAR, *one('add_one', col(0))))
    b = batch(a=pa.array([1], pa.int64()))
    with pytest.raises(Exception, match=r'used before open\(\)'):
        op.process(b)
    with op:
        assert op.process(b).column(0).to_pylist() == [2]
        assert op.finish() is None
        with pytest.raises(TypeError, match='takes a pyarrow.RecordBatch'):
            op.process(pa.table({'a': [1]}))
    with pytest.raises(Exception, match=r'used after close\(\)'):
        op.process(b)
    op.close()  # idempotent
    assert op.output_schema.names == ['f0']


def test_message_descriptor_accepted():
    outs, _ = run(descriptor(Operation.SCALAR, *one('add_one', col(0))),
                  batch(a=pa.array([1], pa.int64())), serialize=False)
    assert outs[0].column(0).to_pylist() == [2]


def test_aware_datetime_becomes_utc_and_nan_stays_nan_in_general_functions():
    out = scalar(one('aware', col(0)), batch(a=pa.array([1], pa.int64())))
    assert out.column(0).to_pylist() == [datetime.datetime(2024, 1, 1, 10)]
    out = scalar(one('not_a_number', col(0)), batch(a=pa.array([1], pa.int64())))
    value = out.column(0).to_pylist()[0]
    assert value != value


def test_pandas_results_with_missing_values():
    out = scalar(one('pandas_plus_one', col(0), pandas=True),
                 batch(a=pa.array([1, None], pa.int64())))
    assert out.column(0).to_pylist() == [2, None]
    out = scalar(one('pandas_nan', col(0), pandas=True), batch(a=pa.array([1.0, 2.0])))
    assert out.column(0).to_pylist() == [None, None]
    out = scalar(one('pandas_dates', col(0), pandas=True),
                 batch(a=pa.array([datetime.date(2024, 2, 28), None])))
    assert out.column(0).to_pylist() == [datetime.date(2024, 2, 29), None]


def test_calls_reading_one_column_do_not_see_each_others_mutations():
    arr = pa.array([[5]], pa.list_(pa.int64()))
    functions = [function('fns.append_one')]
    out = scalar((functions, [call(0, col(0)), call(0, col(0))]), batch(a=arr))
    assert out.to_pydict() == {'f0': [[5, 1]], 'f1': [[5, 1]]}
    functions = [function('fns.pandas_mutates', pandas=True), function('fns.add_one')]
    out = scalar((functions, [call(0, col(0)), call(0, col(0)), call(1, col(0))]),
                 batch(a=pa.array([1], pa.int64())))
    assert out.to_pydict() == {'f0': [101], 'f1': [101], 'f2': [2]}


# --- results at the edges of the numeric types, one batch or many

_EDGE_TYPES = {'TINYINT': (pa.int8(), -2 ** 7, 2 ** 7 - 1),
               'SMALLINT': (pa.int16(), -2 ** 15, 2 ** 15 - 1),
               'INT': (pa.int32(), -2 ** 31, 2 ** 31 - 1),
               'BIGINT': (pa.int64(), -2 ** 63, 2 ** 63 - 1)}


def _edge_expected(v, declared):
    """The value declared holds for fns.EDGES value v, or the reason it is
    refused."""
    if v is None:
        return None
    if declared == 'DOUBLE':
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return 'is not a number'
        if isinstance(v, int) and abs(v) > 2 ** 53:
            return 'declared result type DOUBLE'  # Arrow refuses what a double rounds
        return float(v)
    if isinstance(v, bool) or not isinstance(v, int):
        return 'is not an integer'
    _, lo, hi = _EDGE_TYPES[declared]
    return int(v) if lo <= v <= hi else 'out of the range of %s' % declared


@pytest.mark.parametrize('declared', ['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'DOUBLE'])
def test_numeric_results_at_the_edges(declared):
    arrow_type = _EDGE_TYPES[declared][0] if declared != 'DOUBLE' else pa.float64()
    fits = []
    for i, v in enumerate(fns.EDGES):
        expected = _edge_expected(v, declared)
        b = batch(a=pa.array([i], pa.int64()))
        if isinstance(expected, str):
            with pytest.raises(ResultTypeError, match=expected):
                scalar(one('edge', col(0), results=[declared]), b)
            continue
        fits.append(i)
        out = scalar(one('edge', col(0), results=[declared]), b)
        assert out.column(0).type == arrow_type
        got = out.column(0).to_pylist()[0]
        if expected != expected:
            assert got != got  # NaN stays NaN
        else:
            assert got == expected and type(got) is type(expected)
            assert out.column(0).null_count == (expected is None)
    # All the values that fit, in one batch, and in batches of one.
    whole = scalar(one('edge', col(0), results=[declared]), batch(a=pa.array(fits, pa.int64())))
    singles = scalar(one('edge', col(0), results=[declared]),
                     *[batch(a=pa.array([i], pa.int64())) for i in fits])
    if not isinstance(singles, list):
        singles = [singles]
    for got in (whole.column(0).to_pylist(), [s.column(0)[0].as_py() for s in singles]):
        want = [_edge_expected(fns.EDGES[i], declared) for i in fits]
        assert [repr(g) for g in got] == [repr(w) for w in want]


def test_column_types_are_checked_again_when_the_schema_changes():
    op = create_operation(descriptor(Operation.SCALAR, *one('times_two', col(0),
                                                            arg_types=['BIGINT'])))
    op.open()
    good = batch(a=pa.array([1], pa.int64()))
    assert op.process(good).column(0).to_pylist() == [2]
    assert op.process(good).column(0).to_pylist() == [2]
    with pytest.raises(DescriptorError, match=r"column 0 \('a'\) is int32"):
        op.process(batch(a=pa.array([1], pa.int32())))
    with pytest.raises(DescriptorError, match=r"column 0 \('b'\) is string"):
        op.process(batch(b=pa.array(['x'])))
    assert op.process(good).column(0).to_pylist() == [2]
    with pytest.raises(DescriptorError, match=r"column 0 \('a'\) is double"):
        op.process(batch(a=pa.array([1.0])))
    wider = batch(a=pa.array([5, None], pa.int64()), b=pa.array(['x', 'y']))
    assert op.process(wider).column(0).to_pylist() == [10, None]
    op.close()
