"""Taipan's SQL types as seen from Python, and the Row value.

``DataTypes`` builds types the way PyFlink's does (``DataTypes.BIGINT()``,
``DataTypes.ARRAY(DataTypes.INT())``, ``DataTypes.ROW([DataTypes.FIELD('a',
DataTypes.INT())])``); :func:`parse_type` reads type strings (``'BIGINT'``,
``'ARRAY<INT>'``, ``'ROW<a INT, b STRING>'``, ``'DECIMAL(10, 2)'``), case
insensitive. Every type has an Arrow type (:meth:`DataType.to_arrow`; the
inverse is :func:`from_arrow`) and a SQL spelling (:meth:`DataType.sql`)
that the engine parses back: ``BIGINT``, ``DECIMAL(10,2)``, ``ARRAY<INT>``,
``MAP<STRING, INT>``, ``ROW<a INT, b STRING>``, ``TIMESTAMP(6)``.

Arrow mapping: TINYINT..BIGINT int8..int64, FLOAT float32, DOUBLE float64,
DECIMAL(p,s) decimal128(p,s), BOOLEAN bool, STRING/VARCHAR(n) string,
BYTES/VARBINARY(n) binary, DATE date32, TIMESTAMP(p) timestamp('us') for
every p (as the engine stores it), ARRAY list, MAP map, ROW struct.

This module imports pyarrow and nothing else of Taipan.
"""

import re

import pyarrow as pa

__all__ = [
    'DataType', 'DataTypes', 'Row', 'RowField', 'parse_type', 'to_data_type',
    'from_arrow',
    'TinyIntType', 'SmallIntType', 'IntType', 'BigIntType', 'FloatType',
    'DoubleType', 'DecimalType', 'BooleanType', 'VarCharType', 'VarBinaryType',
    'DateType', 'TimestampType', 'ArrayType', 'MapType', 'RowType', 'NullType',
]


class DataType:
    """A SQL type. Types compare equal when their SQL spellings are equal.

    ``nullable`` is accepted for PyFlink compatibility; every value may be
    NULL in Taipan, so it is recorded but not enforced.
    """

    def __init__(self, nullable=True):
        self.nullable = nullable

    def sql(self):
        """The SQL spelling the engine parses back."""
        raise NotImplementedError

    def to_arrow(self):
        """The Arrow type that holds values of this type."""
        raise NotImplementedError

    def __eq__(self, other):
        return isinstance(other, DataType) and self.sql() == other.sql()

    def __hash__(self):
        return hash(self.sql())

    def __str__(self):
        return self.sql()

    def __repr__(self):
        return 'DataType(%s)' % self.sql()


class _AtomicType(DataType):
    _sql = None
    _arrow = None

    def sql(self):
        return self._sql

    def to_arrow(self):
        return self._arrow()


class NullType(_AtomicType):
    """The type of a bare NULL."""
    _sql = 'NULL'
    _arrow = staticmethod(pa.null)


class TinyIntType(_AtomicType):
    _sql = 'TINYINT'
    _arrow = staticmethod(pa.int8)


class SmallIntType(_AtomicType):
    _sql = 'SMALLINT'
    _arrow = staticmethod(pa.int16)


class IntType(_AtomicType):
    _sql = 'INT'
    _arrow = staticmethod(pa.int32)


class BigIntType(_AtomicType):
    _sql = 'BIGINT'
    _arrow = staticmethod(pa.int64)


class FloatType(_AtomicType):
    _sql = 'FLOAT'
    _arrow = staticmethod(pa.float32)


class DoubleType(_AtomicType):
    _sql = 'DOUBLE'
    _arrow = staticmethod(pa.float64)


class BooleanType(_AtomicType):
    _sql = 'BOOLEAN'
    _arrow = staticmethod(pa.bool_)


class DateType(_AtomicType):
    _sql = 'DATE'
    _arrow = staticmethod(pa.date32)


class DecimalType(DataType):
    """DECIMAL(precision, scale): precision 1..38, scale 0..precision."""

    def __init__(self, precision=10, scale=0, nullable=True):
        super().__init__(nullable)
        if not isinstance(precision, int) or not isinstance(scale, int) or \
                not 1 <= precision <= 38 or not 0 <= scale <= precision:
            raise ValueError('DECIMAL(%r, %r): precision must be 1..38 and scale 0..precision'
                             % (precision, scale))
        self.precision = precision
        self.scale = scale

    def sql(self):
        return 'DECIMAL(%d,%d)' % (self.precision, self.scale)

    def to_arrow(self):
        return pa.decimal128(self.precision, self.scale)


class VarCharType(DataType):
    """STRING (length None) or VARCHAR(length)."""

    def __init__(self, length=None, nullable=True):
        super().__init__(nullable)
        if length is not None and (not isinstance(length, int) or length < 1):
            raise ValueError('VARCHAR(%r): length must be a positive integer' % (length,))
        self.length = length

    def sql(self):
        return 'STRING' if self.length is None else 'VARCHAR(%d)' % self.length

    def to_arrow(self):
        return pa.string()


class VarBinaryType(DataType):
    """BYTES (length None) or VARBINARY(length)."""

    def __init__(self, length=None, nullable=True):
        super().__init__(nullable)
        if length is not None and (not isinstance(length, int) or length < 1):
            raise ValueError('VARBINARY(%r): length must be a positive integer' % (length,))
        self.length = length

    def sql(self):
        return 'BYTES' if self.length is None else 'VARBINARY(%d)' % self.length

    def to_arrow(self):
        return pa.binary()


class TimestampType(DataType):
    """TIMESTAMP(precision), precision 0..6 fractional digits of a second,
    without time zone. Stored as microseconds whatever the precision."""

    def __init__(self, precision=6, nullable=True):
        super().__init__(nullable)
        if not isinstance(precision, int) or not 0 <= precision <= 6:
            raise ValueError('TIMESTAMP(%r): precision must be 0..6' % (precision,))
        self.precision = precision

    def sql(self):
        return 'TIMESTAMP(%d)' % self.precision

    def to_arrow(self):
        return pa.timestamp('us')


class ArrayType(DataType):
    def __init__(self, element_type, nullable=True):
        super().__init__(nullable)
        self.element_type = to_data_type(element_type, 'ARRAY element type')

    def sql(self):
        return 'ARRAY<%s>' % self.element_type.sql()

    def to_arrow(self):
        return pa.list_(self.element_type.to_arrow())


class MapType(DataType):
    def __init__(self, key_type, value_type, nullable=True):
        super().__init__(nullable)
        self.key_type = to_data_type(key_type, 'MAP key type')
        self.value_type = to_data_type(value_type, 'MAP value type')

    def sql(self):
        return 'MAP<%s, %s>' % (self.key_type.sql(), self.value_type.sql())

    def to_arrow(self):
        return pa.map_(self.key_type.to_arrow(), self.value_type.to_arrow())


class RowField:
    """One named field of a ROW type."""

    def __init__(self, name, data_type, description=None):
        if not isinstance(name, str) or not name:
            raise ValueError('ROW field name must be a non-empty string, got %r' % (name,))
        self.name = name
        self.data_type = to_data_type(data_type, 'type of ROW field %r' % name)
        self.description = description

    def __eq__(self, other):
        return isinstance(other, RowField) and self.name == other.name and \
            self.data_type == other.data_type

    def __hash__(self):
        return hash((self.name, self.data_type))

    def __repr__(self):
        return 'RowField(%r, %s)' % (self.name, self.data_type.sql())


_PLAIN_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def _quote_name(name):
    if _PLAIN_NAME.match(name) and name.upper() not in _KEYWORDS:
        return name
    return '`%s`' % name.replace('`', '``')


class RowType(DataType):
    def __init__(self, fields, nullable=True):
        super().__init__(nullable)
        fields = list(fields)
        for f in fields:
            if not isinstance(f, RowField):
                raise TypeError('ROW takes DataTypes.FIELD(name, type) fields, got %r' % (f,))
        names = [f.name for f in fields]
        for n in names:
            if names.count(n) > 1:
                raise ValueError('ROW field name %r appears twice' % n)
        self.fields = fields

    def names(self):
        return [f.name for f in self.fields]

    def sql(self):
        return 'ROW<%s>' % ', '.join('%s %s' % (_quote_name(f.name), f.data_type.sql())
                                     for f in self.fields)

    def to_arrow(self):
        return pa.struct([pa.field(f.name, f.data_type.to_arrow()) for f in self.fields])


class DataTypes:
    """Factory of SQL types, spelled as PyFlink's ``DataTypes``."""

    @staticmethod
    def NULL():
        return NullType()

    @staticmethod
    def TINYINT(nullable=True):
        return TinyIntType(nullable)

    @staticmethod
    def SMALLINT(nullable=True):
        return SmallIntType(nullable)

    @staticmethod
    def INT(nullable=True):
        return IntType(nullable)

    @staticmethod
    def BIGINT(nullable=True):
        return BigIntType(nullable)

    @staticmethod
    def FLOAT(nullable=True):
        return FloatType(nullable)

    @staticmethod
    def DOUBLE(nullable=True):
        return DoubleType(nullable)

    @staticmethod
    def DECIMAL(precision, scale, nullable=True):
        return DecimalType(precision, scale, nullable)

    @staticmethod
    def BOOLEAN(nullable=True):
        return BooleanType(nullable)

    @staticmethod
    def STRING(nullable=True):
        return VarCharType(None, nullable)

    @staticmethod
    def VARCHAR(length, nullable=True):
        return VarCharType(length, nullable)

    @staticmethod
    def CHAR(length, nullable=True):
        # Taipan, like the engine, keeps CHAR(n) values as VARCHAR(n).
        return VarCharType(length, nullable)

    @staticmethod
    def BYTES(nullable=True):
        return VarBinaryType(None, nullable)

    @staticmethod
    def VARBINARY(length, nullable=True):
        return VarBinaryType(length, nullable)

    @staticmethod
    def BINARY(length, nullable=True):
        return VarBinaryType(length, nullable)

    @staticmethod
    def DATE(nullable=True):
        return DateType(nullable)

    @staticmethod
    def TIMESTAMP(precision=6, nullable=True):
        return TimestampType(precision, nullable)

    @staticmethod
    def ARRAY(element_type, nullable=True):
        return ArrayType(element_type, nullable)

    @staticmethod
    def MAP(key_type, value_type, nullable=True):
        return MapType(key_type, value_type, nullable)

    @staticmethod
    def ROW(row_fields=(), nullable=True):
        return RowType(row_fields, nullable)

    @staticmethod
    def FIELD(name, data_type, description=None):
        return RowField(name, data_type, description)


def to_data_type(value, what='type'):
    """A DataType from a DataType or a type string; TypeError/ValueError
    naming ``what`` and the bad value otherwise."""
    if isinstance(value, DataType):
        return value
    if isinstance(value, str):
        try:
            return parse_type(value)
        except ValueError as e:
            raise ValueError('%s: %s' % (what, e)) from None
    raise TypeError('%s must be a DataType or a type string such as \'BIGINT\', got %r'
                    % (what, value))


# ---------------------------------------------------------------------------
# Type strings

_KEYWORDS = {
    'TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'MEDIUMINT', 'BIGINT', 'FLOAT', 'REAL',
    'DOUBLE', 'DECIMAL', 'NUMERIC', 'DEC', 'BOOLEAN', 'BOOL', 'STRING', 'VARCHAR',
    'CHAR', 'TEXT', 'BYTES', 'VARBINARY', 'BINARY', 'BLOB', 'DATE', 'TIMESTAMP',
    'DATETIME', 'ARRAY', 'MAP', 'ROW', 'NULL', 'NOT',
}

_TOKEN = re.compile(r'\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>\d+)'
                    r'|(?P<quoted>`(?:[^`]|``)*`|"(?:[^"]|"")*")|(?P<punct>[<>(),])|(?P<bad>\S))')


class _TypeParser:
    def __init__(self, text):
        self.text = text
        self.tokens = []  # (kind, value, position)
        pos = 0
        while True:
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                break
            kind = m.lastgroup
            value = m.group(kind)
            if kind == 'bad':
                self.fail('unexpected %r' % value, m.start(kind))
            if kind == 'quoted':
                q = value[0]
                value = value[1:-1].replace(q + q, q)
            self.tokens.append((kind, value, m.start(kind)))
            pos = m.end()
        if text[pos:].strip():
            self.fail('unexpected %r' % text[pos:].strip()[0], pos)
        self.i = 0

    def fail(self, msg, pos=None):
        if pos is None:
            pos = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        raise ValueError('bad type %r: %s at position %d' % (self.text, msg, pos + 1))

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None, len(self.text))

    def peek_word(self):
        kind, value, _ = self.peek()
        return value.upper() if kind == 'name' else None

    def take(self):
        tok = self.peek()
        if tok[0] is None:
            self.fail('unexpected end')
        self.i += 1
        return tok

    def expect(self, punct):
        kind, value, _ = self.peek()
        if kind != 'punct' or value != punct:
            self.fail('expected %r' % punct)
        self.i += 1

    def accept(self, punct):
        kind, value, _ = self.peek()
        if kind == 'punct' and value == punct:
            self.i += 1
            return True
        return False

    def number(self):
        kind, value, _ = self.peek()
        if kind != 'number':
            self.fail('expected a number')
        self.i += 1
        return int(value)

    def numbers(self):
        """Optional '(n[, m])'."""
        if not self.accept('('):
            return []
        out = [self.number()]
        while self.accept(','):
            out.append(self.number())
        self.expect(')')
        return out

    def parse(self):
        t = self.type()
        if self.peek()[0] is not None:
            self.fail('unexpected %r' % self.peek()[1])
        return t

    def type(self):
        kind, value, pos = self.take()
        if kind != 'name':
            self.i -= 1
            self.fail('expected a type name')
        name = value.upper()
        t = self.named_type(name, pos)
        # PyFlink spells nullability in type strings; Taipan accepts it.
        if self.peek_word() == 'NOT':
            self.i += 1
            if self.peek_word() != 'NULL':
                self.fail('expected NULL after NOT')
            self.i += 1
            t.nullable = False
        elif self.peek_word() == 'NULL' and name != 'NULL':
            self.i += 1
        return t

    def named_type(self, name, pos):
        def args(most):
            nums = self.numbers()
            if len(nums) > most:
                self.fail('%s takes at most %d argument%s' % (name, most, '' if most == 1 else 's'),
                          pos)
            return nums

        def build(ctor, *a):
            try:
                return ctor(*a)
            except ValueError as e:
                self.fail(str(e), pos)

        simple = {
            'TINYINT': TinyIntType, 'SMALLINT': SmallIntType, 'INT': IntType,
            'INTEGER': IntType, 'MEDIUMINT': IntType, 'BIGINT': BigIntType,
            'FLOAT': FloatType, 'REAL': FloatType, 'BOOLEAN': BooleanType,
            'BOOL': BooleanType, 'DATE': DateType, 'NULL': NullType,
        }
        if name in simple:
            if name in ('TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'MEDIUMINT', 'BIGINT'):
                args(1)  # MySQL display width, meaningless here
            return simple[name]()
        if name == 'DOUBLE':
            if self.peek_word() == 'PRECISION':
                self.i += 1
            return DoubleType()
        if name in ('DECIMAL', 'NUMERIC', 'DEC'):
            nums = args(2)
            return build(DecimalType, *(nums + [10, 0][len(nums):]))
        if name in ('STRING', 'TEXT'):
            args(0)
            return VarCharType()
        if name in ('VARCHAR', 'CHAR'):
            nums = args(1)
            return build(VarCharType, nums[0] if nums else None)
        if name in ('BYTES', 'BLOB'):
            args(0)
            return VarBinaryType()
        if name in ('VARBINARY', 'BINARY'):
            nums = args(1)
            return build(VarBinaryType, nums[0] if nums else None)
        if name in ('TIMESTAMP', 'DATETIME'):
            nums = args(1)
            if self.peek_word() == 'WITHOUT':
                for w in ('WITHOUT', 'TIME', 'ZONE'):
                    if self.peek_word() != w:
                        self.fail('expected WITHOUT TIME ZONE')
                    self.i += 1
            return build(TimestampType, nums[0] if nums else 6)
        if name == 'ARRAY':
            self.expect('<')
            element = self.type()
            self.expect('>')
            return ArrayType(element)
        if name == 'MAP':
            self.expect('<')
            key = self.type()
            self.expect(',')
            value = self.type()
            self.expect('>')
            return MapType(key, value)
        if name == 'ROW':
            close = '>' if self.accept('<') else None
            if close is None:
                self.expect('(')
                close = ')'
            fields = []
            if not self.accept(close):
                while True:
                    fields.append(self.field(len(fields)))
                    if self.accept(close):
                        break
                    self.expect(',')
            names = [f.name for f in fields]
            for n in names:
                if names.count(n) > 1:
                    self.fail('ROW field name %r appears twice' % n, pos)
            return RowType(fields)
        self.fail('unknown type %r' % name, pos)

    def field(self, index):
        """'name TYPE' or a bare 'TYPE' (named f<index>)."""
        kind, value, _ = self.peek()
        if kind == 'quoted':
            self.i += 1
            return RowField(value, self.type())
        if kind == 'name':
            nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else (None, None, 0)
            # A name followed by another name is 'field TYPE'; otherwise the
            # name is itself the type of an unnamed field.
            if nxt[0] == 'name' and nxt[1].upper() not in ('NOT', 'NULL', 'PRECISION', 'WITHOUT'):
                self.i += 1
                return RowField(value, self.type())
        return RowField('f%d' % index, self.type())


def parse_type(text):
    """Parses a type string, case-insensitive; ValueError naming the string
    and the position of the fault."""
    if not isinstance(text, str):
        raise TypeError('a type string must be a str, got %r' % (text,))
    if not text.strip():
        raise ValueError('bad type %r: empty' % text)
    return _TypeParser(text).parse()


def from_arrow(arrow_type):
    """The SQL type of an Arrow type (the inverse of ``to_arrow``, plus near
    relatives: large strings and lists, other timestamp units)."""
    t = arrow_type
    if pa.types.is_null(t):
        return NullType()
    if pa.types.is_boolean(t):
        return BooleanType()
    simple = {pa.int8(): TinyIntType, pa.int16(): SmallIntType, pa.int32(): IntType,
              pa.int64(): BigIntType, pa.float32(): FloatType, pa.float64(): DoubleType,
              pa.date32(): DateType}
    if t in simple:
        return simple[t]()
    if pa.types.is_decimal128(t):
        return DecimalType(t.precision, t.scale)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return VarCharType()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return VarBinaryType()
    if pa.types.is_timestamp(t) and t.tz is None:
        return TimestampType({'s': 0, 'ms': 3}.get(t.unit, 6))
    if pa.types.is_map(t):
        return MapType(from_arrow(t.key_type), from_arrow(t.item_type))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return ArrayType(from_arrow(t.value_type))
    if pa.types.is_struct(t):
        return RowType([RowField(t.field(i).name, from_arrow(t.field(i).type))
                        for i in range(t.num_fields)])
    raise ValueError('Arrow type %s has no Taipan SQL type' % t)


# ---------------------------------------------------------------------------
# Row

class Row:
    """A row of values, PyFlink style: ``Row(1, 'a')`` or ``Row(a=1, b='a')``.

    Values are read by index, attribute or key (``r[0]``, ``r.a``,
    ``r['a']``) and may be assigned the same ways, so a Row serves as an
    aggregate's accumulator. ``Row('a', 'b')`` followed by a call,
    ``Person = Row('name', 'age'); Person('Ann', 3)``, names the values.

    Two Rows are equal when their values are equal and, where both have
    field names, their names are too.
    """

    __slots__ = ('_values', '_fields')

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError('Row takes positional values or named values, not both')
        if kwargs:
            object.__setattr__(self, '_fields', list(kwargs))
            object.__setattr__(self, '_values', list(kwargs.values()))
        else:
            object.__setattr__(self, '_fields', None)
            object.__setattr__(self, '_values', list(args))

    @classmethod
    def _make(cls, values, fields=None):
        r = cls.__new__(cls)
        object.__setattr__(r, '_values', list(values))
        object.__setattr__(r, '_fields', list(fields) if fields is not None else None)
        return r

    def __call__(self, *values):
        """A new Row with this Row's values as field names."""
        if len(values) > len(self._values):
            raise ValueError('Row has %d fields, %d values given' % (len(self._values), len(values)))
        return Row._make(values, self._values[:len(values)])

    def set_field_names(self, field_names):
        field_names = list(field_names)
        if len(field_names) != len(self._values):
            raise ValueError('Row has %d values, %d field names given'
                             % (len(self._values), len(field_names)))
        object.__setattr__(self, '_fields', field_names)

    def get_fields_by_names(self, names):
        return [self[n] for n in names]

    def as_dict(self, recursive=False):
        if self._fields is None:
            raise TypeError('Row has no field names')

        def conv(v):
            if isinstance(v, Row):
                return v.as_dict(True) if v._fields is not None else [conv(x) for x in v]
            if isinstance(v, list):
                return [conv(x) for x in v]
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            return v
        if recursive:
            return {k: conv(v) for k, v in zip(self._fields, self._values)}
        return dict(zip(self._fields, self._values))

    def _index(self, key, error):
        if self._fields is not None:
            try:
                return self._fields.index(key)
            except ValueError:
                pass
        raise error(key)

    def __getitem__(self, item):
        if isinstance(item, (int, slice)):
            return self._values[item]
        return self._values[self._index(item, KeyError)]

    def __setitem__(self, key, value):
        if isinstance(key, (int, slice)):
            self._values[key] = value
        else:
            self._values[self._index(key, KeyError)] = value

    def __getattr__(self, name):
        # Private names never reach the fields: copy and pickle probe them
        # before the slots are set.
        if name.startswith('_'):
            raise AttributeError(name)
        return self._values[self._index(name, AttributeError)]

    def __setattr__(self, name, value):
        self._values[self._index(name, AttributeError)] = value

    def __contains__(self, item):
        if self._fields is not None:
            return item in self._fields
        return item in self._values

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __eq__(self, other):
        if not isinstance(other, Row):
            return NotImplemented
        if self._fields is not None and other._fields is not None and \
                self._fields != other._fields:
            return False
        return self._values == other._values

    def __hash__(self):
        return hash(tuple(self._values))

    def __reduce__(self):
        return Row._make, (self._values, self._fields)

    def __repr__(self):
        if self._fields is not None:
            return 'Row(%s)' % ', '.join('%s=%r' % kv for kv in zip(self._fields, self._values))
        return 'Row(%s)' % ', '.join(repr(v) for v in self._values)
