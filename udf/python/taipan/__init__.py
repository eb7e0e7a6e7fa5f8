"""Taipan's Python package: write functions that Taipan's SQL queries call.

    from taipan import DataTypes, Row
    from taipan.udf import udf, udtf, udaf, ScalarFunction, TableFunction, \\
        AggregateFunction, FunctionContext

The API is modelled on PyFlink's, so that PyFlink function modules port by
changing their imports. ``taipan.operations`` is the runtime that evaluates
functions over Arrow batches for the engine.
"""

from taipan.types import DataTypes, Row

__all__ = ['DataTypes', 'Row']
