"""The API for writing Python functions, modelled on PyFlink's
``pyflink.table.udf`` so that its function modules port by changing imports.

``udf``, ``udtf`` and ``udaf`` turn a function, a lambda, a callable object,
a ``functools.partial`` or a ``ScalarFunction``/``TableFunction``/
``AggregateFunction`` instance into a Taipan function: a
:class:`UserDefinedFunctionWrapper` that carries what the engine needs
(``kind``, ``func_type``, ``name``, ``input_types``, ``result_types``,
``accumulator_type``, ``deterministic``). They work as plain decorators
(``@udf``), with arguments (``@udf(result_type='BIGINT')``) or called
(``udf(f, result_type=...)``). Types come from the arguments, else from
``get_result_type()``/``get_accumulator_type()`` on the instance, else (for
``udf`` on a plain function) from its return annotation.

This module knows nothing of the engine, of Arrow batches or of transport.
"""

import abc
import datetime
import functools
import inspect
import typing

from taipan.types import DataType, DataTypes, to_data_type

__all__ = ['FunctionContext', 'UserDefinedFunction', 'ScalarFunction', 'TableFunction',
           'AggregateFunction', 'udf', 'udtf', 'udaf', 'UserDefinedFunctionWrapper',
           'UserDefinedScalarFunctionWrapper', 'UserDefinedTableFunctionWrapper',
           'UserDefinedAggregateFunctionWrapper']

SCALAR = 'scalar'
TABLE = 'table'
AGGREGATE = 'aggregate'
GENERAL = 'general'
PANDAS = 'pandas'


class FunctionContext:
    """What a function's ``open()`` receives: the job parameters, which are
    every setting and every free-form ``SET key = value`` of the session."""

    def __init__(self, job_parameters=None):
        self._job_parameters = dict(job_parameters or {})

    def get_job_parameter(self, key, default_value=None):
        """The value of ``key`` (a str), or ``default_value`` when unset."""
        return self._job_parameters.get(key, default_value)

    def get_metric_group(self):
        """PyFlink's metric group; Taipan has none."""
        return None

    def __repr__(self):
        return 'FunctionContext(%r)' % (self._job_parameters,)


class UserDefinedFunction(abc.ABC):
    """Base of class-based functions."""

    def open(self, function_context):
        """Called once before the first call, with a :class:`FunctionContext`."""

    def close(self):
        """Called once after the last call."""

    def is_deterministic(self):
        """False when the same arguments may give different results."""
        return True

    def get_result_type(self):
        """The result type (or list of types for a table function) when the
        wrapper is not given one; ``None`` when not known."""
        return None


class ScalarFunction(UserDefinedFunction):
    """Maps zero or more values to one value: override ``eval``."""

    @abc.abstractmethod
    def eval(self, *args):
        """The function itself."""


class TableFunction(UserDefinedFunction):
    """Maps zero or more values to zero or more rows: override ``eval``,
    which yields rows or returns an iterable of rows, a Row or None."""

    @abc.abstractmethod
    def eval(self, *args):
        """The function itself."""


class AggregateFunction(UserDefinedFunction):
    """Folds rows into an accumulator and reads a value from it.

    Override ``create_accumulator``, ``accumulate(acc, *args)`` (mutating
    ``acc``) and ``get_value(acc)``; ``retract(acc, *args)`` and
    ``merge(acc, accumulators)`` are optional.
    """

    @abc.abstractmethod
    def create_accumulator(self):
        """A new, empty accumulator (a mutable object such as a Row or list)."""

    @abc.abstractmethod
    def accumulate(self, accumulator, *args):
        """Adds one row's arguments to ``accumulator``."""

    @abc.abstractmethod
    def get_value(self, accumulator):
        """The result for ``accumulator``."""

    def retract(self, accumulator, *args):
        """Removes one row's arguments from ``accumulator`` (optional)."""
        raise NotImplementedError('%s does not implement retract()' % type(self).__name__)

    def merge(self, accumulator, accumulators):
        """Merges ``accumulators`` into ``accumulator`` (optional)."""
        raise NotImplementedError('%s does not implement merge()' % type(self).__name__)

    def get_accumulator_type(self):
        """The accumulator type when the wrapper is not given one, or None."""
        return None


class _DelegatingScalarFunction(ScalarFunction):
    def __init__(self, func):
        self.func = func

    def eval(self, *args):
        return self.func(*args)


class _DelegatingTableFunction(TableFunction):
    def __init__(self, func):
        self.func = func

    def eval(self, *args):
        return self.func(*args)


class _DelegatingPandasAggregateFunction(UserDefinedFunction):
    def __init__(self, func):
        self.func = func

    def eval(self, *args):
        return self.func(*args)


def _name_of(func):
    f = func
    while isinstance(f, functools.partial):
        f = f.func
    name = getattr(f, '__name__', None)
    if isinstance(name, str):
        return name
    return type(f).__name__


def _overrides(obj, base, method):
    return getattr(type(obj), method, None) is not getattr(base, method)


_PYTHON_TYPES = {
    bool: DataTypes.BOOLEAN, int: DataTypes.BIGINT, float: DataTypes.DOUBLE,
    str: DataTypes.STRING, bytes: DataTypes.BYTES, datetime.datetime: DataTypes.TIMESTAMP,
    datetime.date: DataTypes.DATE,
}


def _annotated_result_type(func):
    """The result type a function's return annotation gives, or None.

    ``-> int`` means BIGINT, ``-> float`` DOUBLE, ``-> str`` STRING (Python's
    own types); a DataType or a type string means itself.
    """
    target = func
    try:
        hints = typing.get_type_hints(target)
        ann = hints.get('return', inspect.Signature.empty)
    except Exception:
        try:
            ann = inspect.signature(target).return_annotation
        except (TypeError, ValueError):
            return None
    if ann is inspect.Signature.empty or ann is None:
        return None
    if isinstance(ann, (DataType, str)):
        return ann
    if ann in _PYTHON_TYPES:
        return _PYTHON_TYPES[ann]()
    # Other annotations (decimal.Decimal without a precision, typing
    # constructs) say nothing Taipan can use.
    return None


def _arity(func):
    """(fewest, most) positional arguments ``func`` accepts; most is -1 for
    *args or when the signature cannot be read."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return 0, -1
    lo, hi = 0, 0
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            hi = -1
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            if hi >= 0:
                hi += 1
            if p.default is p.empty:
                lo += 1
        elif p.kind == p.KEYWORD_ONLY and p.default is p.empty:
            # A required keyword-only argument can never be given by SQL.
            return lo, hi
    return lo, hi


class UserDefinedFunctionWrapper:
    """A Taipan function: the user's code plus what the engine needs.

    Attributes: ``kind`` ('scalar', 'table' or 'aggregate'), ``func_type``
    ('general' or 'pandas'), ``name``, ``input_types`` (list of DataType, or
    None when the SQL argument types are used), ``result_types`` (list of
    DataType; one for scalar and aggregate functions), ``accumulator_type``
    (DataType or None), ``deterministic``, ``function`` (the
    :class:`UserDefinedFunction` whose open/close the runtime calls).
    """

    kind = None
    _base = UserDefinedFunction
    _describe = 'function'

    def __init__(self, func, input_types, deterministic, name, func_type):
        if func_type not in (GENERAL, PANDAS):
            raise ValueError("%s: func_type must be 'general' or 'pandas', got %r"
                             % (self._label(func, name), func_type))
        if isinstance(func, (DataType, str)):
            raise TypeError('%s: expected a function, got %r; give types as keyword '
                            'arguments, e.g. result_type=%r' % (self._factory, func, func))
        if inspect.isclass(func):
            if issubclass(func, self._base) and self._base is not UserDefinedFunction:
                func = func()
            else:
                raise TypeError('%s: expected a function, a callable object or a %s '
                                'instance, got the class %s'
                                % (self._factory, self._base.__name__, func.__name__))
        for other in (ScalarFunction, TableFunction, AggregateFunction):
            if isinstance(func, other) and not isinstance(func, self._base):
                raise TypeError('%s: %s is a %s; wrap it with %s()'
                                % (self._factory, type(func).__name__, other.__name__,
                                   {ScalarFunction: 'udf', TableFunction: 'udtf',
                                    AggregateFunction: 'udaf'}[other]))
        if not isinstance(func, UserDefinedFunction) and not callable(func):
            raise TypeError('%s: expected a function or a callable object, got %r'
                            % (self._factory, func))
        self.func_type = func_type
        self.name = name if name is not None else _name_of(func)
        if not isinstance(self.name, str) or not self.name:
            raise TypeError('%s: name must be a non-empty string, got %r'
                            % (self._factory, self.name))
        self._user_object = func

        if input_types is None:
            self.input_types = None
        else:
            if isinstance(input_types, (DataType, str)):
                input_types = [input_types]
            try:
                input_types = list(input_types)
            except TypeError:
                raise TypeError('%s: input_types must be a type or a list of types, got %r'
                                % (self._label(), input_types)) from None
            self.input_types = [self._type(t, 'input_types[%d]' % i)
                                for i, t in enumerate(input_types)]

        if deterministic is not None and isinstance(func, UserDefinedFunction) and \
                bool(deterministic) != bool(func.is_deterministic()):
            raise ValueError('%s: deterministic=%r contradicts its is_deterministic()'
                             % (self._label(), deterministic))
        if deterministic is not None:
            self.deterministic = bool(deterministic)
        elif isinstance(func, UserDefinedFunction):
            self.deterministic = bool(func.is_deterministic())
        else:
            self.deterministic = True

    _factory = 'udf'

    def _label(self, func=None, name=None):
        n = name or getattr(self, 'name', None) or (_name_of(func) if func is not None else '?')
        return '%s function %r' % (self.kind, n)

    def _type(self, t, what):
        try:
            return to_data_type(t, what)
        except (TypeError, ValueError) as e:
            raise type(e)('%s: %s' % (self._label(), e)) from None

    def _instance_type(self, getter):
        get = getattr(self.function, getter, None)
        if get is None:
            return None
        return get()

    @property
    def result_type(self):
        return self.result_types[0]

    def arity(self):
        """(fewest, most) arguments a call may pass; most is -1 when unbounded."""
        return _arity(self.evaluator)

    def signature(self):
        """A line for SHOW FUNCTIONS: ``name(BIGINT, STRING) -> DOUBLE``."""
        args = '...' if self.input_types is None else \
            ', '.join(t.sql() for t in self.input_types)
        res = ', '.join(t.sql() for t in self.result_types)
        if self.kind == TABLE:
            res = '(%s)' % res
        return '%s(%s) -> %s' % (self.name, args, res)

    def open(self, function_context):
        self.function.open(function_context)

    def close(self):
        self.function.close()

    def __repr__(self):
        return '<%s %s function %s>' % (self.func_type, self.kind, self.signature())


class UserDefinedScalarFunctionWrapper(UserDefinedFunctionWrapper):
    kind = SCALAR
    _base = ScalarFunction
    _factory = 'udf'

    def __init__(self, func, input_types=None, result_type=None, deterministic=None,
                 name=None, func_type=GENERAL):
        super().__init__(func, input_types, deterministic, name, func_type)
        func = self._user_object  # a class given to the decorator is now an instance
        if isinstance(func, ScalarFunction):
            self.function = func
            self.evaluator = func.eval
        else:
            self.function = _DelegatingScalarFunction(func)
            self.evaluator = func
        if result_type is None:
            result_type = self._instance_type('get_result_type')
        if result_type is None and not isinstance(func, ScalarFunction):
            result_type = _annotated_result_type(func)
        if result_type is None:
            raise TypeError('%s: no result type; give result_type=..., e.g. '
                            "@udf(result_type='BIGINT')" % self._label())
        self.result_types = [self._type(result_type, 'result_type')]
        self.accumulator_type = None

    def __call__(self, *args):
        """Calls the function on Python values (handy in the user's tests)."""
        return self.evaluator(*args)


class UserDefinedTableFunctionWrapper(UserDefinedFunctionWrapper):
    kind = TABLE
    _base = TableFunction
    _factory = 'udtf'

    def __init__(self, func, input_types=None, result_types=None, deterministic=None,
                 name=None, func_type=GENERAL):
        if func_type == PANDAS:
            raise ValueError("table function %r: func_type='pandas' is not supported for "
                             'table functions' % (name or _name_of(func)))
        super().__init__(func, input_types, deterministic, name, func_type)
        func = self._user_object  # a class given to the decorator is now an instance
        if isinstance(func, TableFunction):
            self.function = func
            self.evaluator = func.eval
        else:
            self.function = _DelegatingTableFunction(func)
            self.evaluator = func
        if result_types is None:
            result_types = self._instance_type('get_result_type')
        if result_types is None:
            raise TypeError('%s: no result types; give result_types=..., e.g. '
                            "@udtf(result_types=['STRING', 'INT'])" % self._label())
        if isinstance(result_types, (DataType, str)):
            result_types = [result_types]
        try:
            result_types = list(result_types)
        except TypeError:
            raise TypeError('%s: result_types must be a type or a list of types, got %r'
                            % (self._label(), result_types)) from None
        if not result_types:
            raise ValueError('%s: result_types is empty' % self._label())
        self.result_types = [self._type(t, 'result_types[%d]' % i)
                             for i, t in enumerate(result_types)]
        self.accumulator_type = None

    def __call__(self, *args):
        return self.evaluator(*args)


class UserDefinedAggregateFunctionWrapper(UserDefinedFunctionWrapper):
    kind = AGGREGATE
    _base = AggregateFunction
    _factory = 'udaf'

    def __init__(self, func, input_types=None, result_type=None, accumulator_type=None,
                 deterministic=None, name=None, func_type=GENERAL):
        super().__init__(func, input_types, deterministic, name, func_type)
        func = self._user_object  # a class given to the decorator is now an instance
        if func_type == GENERAL:
            if not isinstance(func, AggregateFunction):
                raise TypeError("%s: a general aggregate function must be an AggregateFunction "
                                "instance; for a function of pandas.Series use "
                                "func_type='pandas'" % self._label())
            self.function = func
            self.evaluator = func.accumulate
        else:
            if isinstance(func, AggregateFunction):
                raise TypeError("%s: func_type='pandas' takes a function of pandas.Series, "
                                'not an AggregateFunction' % self._label())
            if isinstance(func, UserDefinedFunction) and hasattr(func, 'eval'):
                self.function = func
                self.evaluator = func.eval
            else:
                self.function = _DelegatingPandasAggregateFunction(func)
                self.evaluator = func
        if result_type is None:
            result_type = self._instance_type('get_result_type')
        if result_type is None and func_type == PANDAS:
            result_type = _annotated_result_type(func)
        if result_type is None:
            raise TypeError('%s: no result type; give result_type=..., e.g. '
                            "udaf(..., result_type='DOUBLE')" % self._label())
        self.result_types = [self._type(result_type, 'result_type')]
        if accumulator_type is None:
            accumulator_type = self._instance_type('get_accumulator_type')
        self.accumulator_type = None if accumulator_type is None else \
            self._type(accumulator_type, 'accumulator_type')

    def arity(self):
        lo, hi = _arity(self.evaluator)
        if self.func_type == GENERAL:
            # accumulate(acc, *args): the accumulator is not an argument.
            lo = max(lo - 1, 0)
            hi = hi - 1 if hi > 0 else hi
        return lo, hi

    @property
    def has_retract(self):
        return self.func_type == GENERAL and _overrides(self.function, AggregateFunction, 'retract')

    @property
    def has_merge(self):
        return self.func_type == GENERAL and _overrides(self.function, AggregateFunction, 'merge')


def udf(f=None, input_types=None, result_type=None, deterministic=None, name=None,
        func_type=GENERAL):
    """A scalar function. ``func_type='pandas'`` makes it take and return
    ``pandas.Series`` (one call per batch) instead of values (one per row)::

        @udf(result_type='BIGINT')
        def add_one(i):
            return i + 1
    """
    if f is None:
        return functools.partial(udf, input_types=input_types, result_type=result_type,
                                 deterministic=deterministic, name=name, func_type=func_type)
    return UserDefinedScalarFunctionWrapper(f, input_types, result_type, deterministic, name,
                                            func_type)


def udtf(f=None, input_types=None, result_types=None, deterministic=None, name=None,
         func_type=GENERAL):
    """A table function: yields rows (tuples or Row), or scalars for a single
    column, or returns an iterable of them, a single Row, or None::

        @udtf(result_types=['STRING', 'INT'])
        def split(s):
            for w in s.split(' '):
                yield w, len(w)
    """
    if f is None:
        return functools.partial(udtf, input_types=input_types, result_types=result_types,
                                 deterministic=deterministic, name=name, func_type=func_type)
    return UserDefinedTableFunctionWrapper(f, input_types, result_types, deterministic, name,
                                           func_type)


def udaf(f=None, input_types=None, result_type=None, accumulator_type=None, deterministic=None,
         name=None, func_type=GENERAL):
    """An aggregate function: an :class:`AggregateFunction` instance, or with
    ``func_type='pandas'`` a function of ``pandas.Series`` returning one
    value::

        weighted_avg = udaf(WeightedAvg(), result_type='DOUBLE')

        @udaf(result_type='DOUBLE', func_type='pandas')
        def mean_udaf(v):
            return v.mean()
    """
    if f is None:
        return functools.partial(udaf, input_types=input_types, result_type=result_type,
                                 accumulator_type=accumulator_type, deterministic=deterministic,
                                 name=name, func_type=func_type)
    return UserDefinedAggregateFunctionWrapper(f, input_types, result_type, accumulator_type,
                                               deterministic, name, func_type)
