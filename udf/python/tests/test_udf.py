import functools

import pytest

from taipan import DataTypes, Row
from taipan.udf import (AggregateFunction, FunctionContext, ScalarFunction, TableFunction,
                        UserDefinedFunctionWrapper, udaf, udf, udtf)


def test_udf_forms():
    @udf(result_type=DataTypes.BIGINT())
    def with_args(i):
        return i + 1

    @udf
    def plain(i) -> int:
        return i + 1

    wrapped = udf(lambda i: i + 1, result_type='BIGINT')
    positional = udf(lambda i: i + 1, [DataTypes.BIGINT()], DataTypes.BIGINT())
    partial = udf(functools.partial(lambda k, i: i + k, 1), result_type='BIGINT')

    class AddOne:
        def __call__(self, i):
            return i + 1
    obj = udf(AddOne(), result_type='BIGINT')

    class AddOneFn(ScalarFunction):
        def eval(self, i):
            return i + 1
    inst = udf(AddOneFn(), result_type='BIGINT')

    @udf(result_type='BIGINT')
    class AddOneClass(ScalarFunction):
        def eval(self, i):
            return i + 1

    for f in (with_args, plain, wrapped, positional, partial, obj, inst, AddOneClass):
        assert isinstance(f, UserDefinedFunctionWrapper)
        assert f.kind == 'scalar' and f.func_type == 'general'
        assert f.result_type == DataTypes.BIGINT()
        assert f.deterministic is True
        assert f(41) == 42
    assert with_args.name == 'with_args' and wrapped.name == '<lambda>'
    assert obj.name == 'AddOne' and inst.name == 'AddOneFn'
    assert positional.input_types == [DataTypes.BIGINT()]
    assert with_args.input_types is None
    assert with_args.signature() == 'with_args(...) -> BIGINT'
    assert positional.signature() == '<lambda>(BIGINT) -> BIGINT'
    assert partial.arity() == (1, 1)


def test_udf_result_type_sources():
    class Typed(ScalarFunction):
        def eval(self, s):
            return s

        def get_result_type(self):
            return 'ARRAY<STRING>'
    assert udf(Typed()).result_type.sql() == 'ARRAY<STRING>'
    assert udf(Typed(), result_type='STRING').result_type.sql() == 'STRING'

    @udf
    def annotated(s) -> 'DECIMAL(10, 2)':
        return s
    assert annotated.result_type.sql() == 'DECIMAL(10,2)'

    @udf
    def annotated_type(s) -> DataTypes.ARRAY(DataTypes.INT()):
        return s
    assert annotated_type.result_type.sql() == 'ARRAY<INT>'

    @udf
    def python_types(s) -> str:
        return s
    assert python_types.result_type.sql() == 'STRING'


def test_udf_definition_errors_name_the_function():
    with pytest.raises(TypeError, match=r"scalar function 'f': no result type"):
        @udf
        def f(i):
            return i
    with pytest.raises(ValueError, match=r"scalar function 'g': result_type: bad type 'BIGNT'"):
        @udf(result_type='BIGNT')
        def g(i):
            return i
    with pytest.raises(ValueError, match=r"input_types\[1\]: bad type 'NOPE'"):
        udf(lambda a, b: a, input_types=['INT', 'NOPE'], result_type='INT')
    with pytest.raises(ValueError, match="func_type must be 'general' or 'pandas', got 'arrow'"):
        udf(lambda a: a, result_type='INT', func_type='arrow')
    with pytest.raises(TypeError, match='expected a function, got \'BIGINT\''):
        udf('BIGINT')
    with pytest.raises(TypeError, match='expected a function or a callable object, got 42'):
        udf(42, result_type='INT')
    with pytest.raises(TypeError, match='got the class int'):
        udf(int, result_type='INT')

    class Agg(AggregateFunction):
        def create_accumulator(self):
            return []

        def accumulate(self, acc, v):
            pass

        def get_value(self, acc):
            return 0
    with pytest.raises(TypeError, match=r'Agg is a AggregateFunction; wrap it with udaf\(\)'):
        udf(Agg(), result_type='INT')

    class Det(ScalarFunction):
        def eval(self, i):
            return i

        def is_deterministic(self):
            return False
    assert udf(Det(), result_type='INT').deterministic is False
    with pytest.raises(ValueError, match='contradicts its is_deterministic'):
        udf(Det(), result_type='INT', deterministic=True)


def test_udf_deterministic_and_name():
    f = udf(lambda i: i, result_type='INT', deterministic=False, name='ident')
    assert f.deterministic is False and f.name == 'ident'
    with pytest.raises(TypeError, match='name must be a non-empty string'):
        udf(lambda i: i, result_type='INT', name='')


def test_pandas_udf():
    @udf(result_type='DOUBLE', func_type='pandas')
    def add(a, b):
        return a + b
    assert add.func_type == 'pandas' and add.kind == 'scalar'
    assert add.arity() == (2, 2)


def test_udtf_forms_and_errors():
    @udtf(result_types=['STRING', 'INT'])
    def split(s):
        for w in s.split(' '):
            yield w, len(w)
    assert split.kind == 'table'
    assert [t.sql() for t in split.result_types] == ['STRING', 'INT']
    assert list(split('a bc')) == [('a', 1), ('bc', 2)]
    assert split.signature() == 'split(...) -> (STRING, INT)'

    one = udtf(lambda n: range(n), result_types='BIGINT')
    assert [t.sql() for t in one.result_types] == ['BIGINT']

    class Gen(TableFunction):
        def eval(self, n):
            yield n

        def get_result_type(self):
            return ['INT', 'STRING']
    assert [t.sql() for t in udtf(Gen()).result_types] == ['INT', 'STRING']

    with pytest.raises(ValueError, match="table function 'p': func_type='pandas' is not "
                                         'supported for table functions'):
        @udtf(result_types='INT', func_type='pandas')
        def p(s):
            return s
    with pytest.raises(TypeError, match="table function 'q': no result types"):
        @udtf
        def q(s):
            yield s
    with pytest.raises(ValueError, match='result_types is empty'):
        udtf(lambda s: s, result_types=[])
    with pytest.raises(ValueError, match=r"result_types\[1\]: bad type 'STRNG'"):
        udtf(lambda s: s, result_types=['INT', 'STRNG'])


class WeightedAvg(AggregateFunction):
    def create_accumulator(self):
        return Row(0, 0)

    def accumulate(self, acc, v, w):
        acc[0] += v * w
        acc[1] += w

    def retract(self, acc, v, w):
        acc[0] -= v * w
        acc[1] -= w

    def get_value(self, acc):
        return None if acc[1] == 0 else acc[0] / acc[1]


def test_udaf_forms_and_errors():
    wa = udaf(WeightedAvg(), result_type='DOUBLE', accumulator_type='ROW<f0 BIGINT, f1 BIGINT>')
    assert wa.kind == 'aggregate' and wa.func_type == 'general'
    assert wa.accumulator_type.sql() == 'ROW<f0 BIGINT, f1 BIGINT>'
    assert wa.has_retract and not wa.has_merge
    assert wa.arity() == (2, 2)
    assert wa.name == 'WeightedAvg'

    class Typed(WeightedAvg):
        def get_result_type(self):
            return DataTypes.DOUBLE()

        def get_accumulator_type(self):
            return 'ROW<s BIGINT, n BIGINT>'
    t = udaf(Typed())
    assert t.result_type.sql() == 'DOUBLE' and t.accumulator_type.sql() == 'ROW<s BIGINT, n BIGINT>'
    assert udaf(WeightedAvg(), result_type='DOUBLE').accumulator_type is None

    @udaf(result_type='DOUBLE', func_type='pandas')
    def mean_udaf(v):
        return v.mean()
    assert mean_udaf.func_type == 'pandas' and not mean_udaf.has_retract
    assert mean_udaf.arity() == (1, 1)

    with pytest.raises(TypeError, match="aggregate function 'f': a general aggregate function "
                                        'must be an AggregateFunction instance'):
        @udaf(result_type='DOUBLE')
        def f(v):
            return v
    with pytest.raises(TypeError, match='not an AggregateFunction'):
        udaf(WeightedAvg(), result_type='DOUBLE', func_type='pandas')
    with pytest.raises(TypeError, match="aggregate function 'WeightedAvg': no result type"):
        udaf(WeightedAvg())
    with pytest.raises(ValueError, match="accumulator_type: bad type 'ROW<'"):
        udaf(WeightedAvg(), result_type='DOUBLE', accumulator_type='ROW<')
    with pytest.raises(TypeError, match=r'is a ScalarFunction; wrap it with udf\(\)'):
        class S(ScalarFunction):
            def eval(self, x):
                return x
        udaf(S(), result_type='INT')


def test_function_context():
    ctx = FunctionContext({'a': '1'})
    assert ctx.get_job_parameter('a', 'x') == '1'
    assert ctx.get_job_parameter('b', 'x') == 'x'
    assert ctx.get_job_parameter('b') is None
    assert ctx.get_metric_group() is None
