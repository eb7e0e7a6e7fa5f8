import copy
import pickle

import pyarrow as pa
import pytest

from taipan import DataTypes, Row
from taipan.types import from_arrow, parse_type, to_data_type


@pytest.mark.parametrize('text, sql, arrow', [
    ('BIGINT', 'BIGINT', pa.int64()),
    ('bigint', 'BIGINT', pa.int64()),
    ('TINYINT', 'TINYINT', pa.int8()),
    ('SmallInt', 'SMALLINT', pa.int16()),
    ('INTEGER', 'INT', pa.int32()),
    ('INT(11)', 'INT', pa.int32()),
    ('FLOAT', 'FLOAT', pa.float32()),
    ('DOUBLE', 'DOUBLE', pa.float64()),
    ('DOUBLE PRECISION', 'DOUBLE', pa.float64()),
    ('DECIMAL(10, 2)', 'DECIMAL(10,2)', pa.decimal128(10, 2)),
    ('DECIMAL', 'DECIMAL(10,0)', pa.decimal128(10, 0)),
    ('numeric(38,38)', 'DECIMAL(38,38)', pa.decimal128(38, 38)),
    ('BOOLEAN', 'BOOLEAN', pa.bool_()),
    ('BOOL', 'BOOLEAN', pa.bool_()),
    ('STRING', 'STRING', pa.string()),
    ('TEXT', 'STRING', pa.string()),
    ('VARCHAR(20)', 'VARCHAR(20)', pa.string()),
    ('CHAR(3)', 'VARCHAR(3)', pa.string()),
    ('BYTES', 'BYTES', pa.binary()),
    ('BLOB', 'BYTES', pa.binary()),
    ('VARBINARY(8)', 'VARBINARY(8)', pa.binary()),
    ('DATE', 'DATE', pa.date32()),
    ('TIMESTAMP(3)', 'TIMESTAMP(3)', pa.timestamp('us')),
    ('TIMESTAMP', 'TIMESTAMP(6)', pa.timestamp('us')),
    ('DATETIME(0)', 'TIMESTAMP(0)', pa.timestamp('us')),
    ('TIMESTAMP(3) WITHOUT TIME ZONE', 'TIMESTAMP(3)', pa.timestamp('us')),
    ('ARRAY<INT>', 'ARRAY<INT>', pa.list_(pa.int32())),
    ('MAP<STRING, INT>', 'MAP<STRING, INT>', pa.map_(pa.string(), pa.int32())),
    ('ROW<a INT, b STRING>', 'ROW<a INT, b STRING>',
     pa.struct([('a', pa.int32()), ('b', pa.string())])),
    ('ROW(a INT, b STRING)', 'ROW<a INT, b STRING>',
     pa.struct([('a', pa.int32()), ('b', pa.string())])),
    ('ROW<INT, STRING>', 'ROW<f0 INT, f1 STRING>',
     pa.struct([('f0', pa.int32()), ('f1', pa.string())])),
    ('row<`my field` int, `int` string, `a``b` date>', 'ROW<`my field` INT, `int` STRING, `a``b` DATE>',
     pa.struct([('my field', pa.int32()), ('int', pa.string()), ('a`b', pa.date32())])),
    ('ARRAY<ARRAY<DECIMAL(5,1)>>', 'ARRAY<ARRAY<DECIMAL(5,1)>>',
     pa.list_(pa.list_(pa.decimal128(5, 1)))),
    ('MAP<STRING, ROW<x DATE, y ARRAY<BYTES>>>', 'MAP<STRING, ROW<x DATE, y ARRAY<BYTES>>>',
     pa.map_(pa.string(), pa.struct([('x', pa.date32()), ('y', pa.list_(pa.binary()))]))),
    ('BIGINT NOT NULL', 'BIGINT', pa.int64()),
])
def test_parse_spell_and_arrow(text, sql, arrow):
    t = parse_type(text)
    assert t.sql() == sql
    assert t.to_arrow() == arrow
    assert parse_type(t.sql()) == t
    assert from_arrow(arrow).to_arrow() == arrow


@pytest.mark.parametrize('text, message', [
    ('BIGNT', "unknown type 'BIGNT' at position 1"),
    ('ARRAY<INT', "expected '>' at position 10"),
    ('ARRAY INT', "expected '<' at position 7"),
    ('MAP<INT>', "expected ',' at position 8"),
    ('DECIMAL(40,2)', 'precision must be 1..38'),
    ('DECIMAL(5,6)', 'scale 0..precision'),
    ('DECIMAL(1,2,3)', 'DECIMAL takes at most 2 arguments'),
    ('TIMESTAMP(9)', 'precision must be 0..6'),
    ('VARCHAR(0)', 'length must be a positive integer'),
    ('VARCHAR(x)', 'expected a number'),
    ('ROW<a INT, a INT>', "ROW field name 'a' appears twice"),
    ('INT INT', "unexpected 'INT' at position 5"),
    ('INT;', "unexpected ';' at position 4"),
    ('', 'empty'),
    ('   ', 'empty'),
    ('STRING(3)', 'STRING takes at most 0 arguments'),
])
def test_parse_errors_name_the_string(text, message):
    with pytest.raises(ValueError) as e:
        parse_type(text)
    assert repr(text) in str(e.value)
    assert message in str(e.value)


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError):
        parse_type(3)


def test_data_types_factory():
    assert DataTypes.BIGINT().sql() == 'BIGINT'
    assert DataTypes.DECIMAL(10, 2).sql() == 'DECIMAL(10,2)'
    assert DataTypes.VARCHAR(5).sql() == 'VARCHAR(5)'
    assert DataTypes.TIMESTAMP(3).sql() == 'TIMESTAMP(3)'
    assert DataTypes.TIMESTAMP().sql() == 'TIMESTAMP(6)'
    assert DataTypes.ARRAY(DataTypes.INT()).sql() == 'ARRAY<INT>'
    assert DataTypes.ARRAY('INT') == DataTypes.ARRAY(DataTypes.INT())
    assert DataTypes.MAP(DataTypes.STRING(), 'BIGINT').sql() == 'MAP<STRING, BIGINT>'
    row = DataTypes.ROW([DataTypes.FIELD('a', DataTypes.INT()),
                         DataTypes.FIELD('b', 'ARRAY<STRING>')])
    assert row.sql() == 'ROW<a INT, b ARRAY<STRING>>'
    assert row.to_arrow() == pa.struct([('a', pa.int32()), ('b', pa.list_(pa.string()))])
    assert row == parse_type('ROW<a INT, b ARRAY<STRING>>')
    assert hash(row) == hash(parse_type('row<a int, b array<string>>'))
    assert DataTypes.BIGINT(nullable=False).nullable is False
    assert DataTypes.BIGINT() != DataTypes.INT()


def test_data_types_errors():
    with pytest.raises(ValueError, match='precision must be 1..38'):
        DataTypes.DECIMAL(0, 0)
    with pytest.raises(ValueError, match=r"ARRAY element type: bad type 'INTT'"):
        DataTypes.ARRAY('INTT')
    with pytest.raises(TypeError, match='ARRAY element type must be a DataType'):
        DataTypes.ARRAY(int)
    with pytest.raises(TypeError, match='FIELD'):
        DataTypes.ROW(['a'])
    with pytest.raises(ValueError, match="'a' appears twice"):
        DataTypes.ROW([DataTypes.FIELD('a', 'INT'), DataTypes.FIELD('a', 'INT')])
    with pytest.raises(TypeError, match='must be a DataType'):
        to_data_type(None, 'result_type')


def test_from_arrow_relatives_and_unsupported():
    assert from_arrow(pa.large_string()).sql() == 'STRING'
    assert from_arrow(pa.timestamp('ms')).sql() == 'TIMESTAMP(3)'
    assert from_arrow(pa.timestamp('s')).sql() == 'TIMESTAMP(0)'
    assert from_arrow(pa.large_list(pa.int8())).sql() == 'ARRAY<TINYINT>'
    with pytest.raises(ValueError, match='uint8'):
        from_arrow(pa.uint8())
    with pytest.raises(ValueError, match='time32'):
        from_arrow(pa.time32('s'))


def test_row_access():
    r = Row(1, 'a')
    assert r[0] == 1 and r[1] == 'a' and r[-1] == 'a'
    assert list(r) == [1, 'a'] and len(r) == 2
    assert repr(r) == "Row(1, 'a')"
    with pytest.raises(KeyError):
        r['a']
    with pytest.raises(AttributeError):
        r.a
    n = Row(name='Ann', age=3)
    assert n.name == 'Ann' and n['age'] == 3 and n[1] == 3
    assert repr(n) == "Row(name='Ann', age=3)"
    assert n.as_dict() == {'name': 'Ann', 'age': 3}
    assert 'name' in n and 'x' not in n
    with pytest.raises(AttributeError):
        n.missing
    with pytest.raises(ValueError):
        Row(1, a=2)


def test_row_assignment_for_accumulators():
    acc = Row(0, 0)
    acc[0] += 5
    acc[1] += 1
    assert acc == Row(5, 1)
    named = Row(total=0, count=0)
    named.total += 3
    named['count'] += 2
    assert named == Row(total=3, count=2)
    with pytest.raises(AttributeError):
        named.other = 1
    with pytest.raises(KeyError):
        named['other'] = 1


def test_row_equality_and_copies():
    assert Row(1, 2) == Row(1, 2)
    assert Row(1, 2) != Row(2, 1)
    assert Row(a=1) == Row(1)  # unnamed compares by values
    assert Row(a=1) != Row(b=1)
    assert Row(1) != (1,)
    assert hash(Row(1, 2)) == hash(Row(a=1, b=2))
    r = Row(a=[1], b=Row(c=2))
    assert pickle.loads(pickle.dumps(r)) == r
    d = copy.deepcopy(r)
    d.a.append(2)
    assert r.a == [1]
    assert r.as_dict(recursive=True) == {'a': [1], 'b': {'c': 2}}


def test_row_as_schema():
    Person = Row('name', 'age')
    p = Person('Ann', 3)
    assert p.name == 'Ann' and p.age == 3
    with pytest.raises(ValueError):
        Person(1, 2, 3)
    r = Row(1, 2)
    r.set_field_names(['x', 'y'])
    assert r.y == 2
    with pytest.raises(ValueError):
        r.set_field_names(['x'])
