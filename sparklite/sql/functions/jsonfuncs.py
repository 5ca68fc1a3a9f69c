"""``pyspark.sql.functions``' JSON functions, with PySpark 4.3's names and signatures.

Contract: each function returns a ``Column`` holding an unresolved call of the SQL function of the
same name (``sparklite.sql.builtins.jsonfuncs``). ``col`` / ``json`` arguments that PySpark types
``ColumnOrName`` take a column name; paths, field names and schema strings are literals, a
``DataType`` schema travels as its JSON form, and an options dict becomes a literal map.
"""
from __future__ import annotations

from sparklite.sql import types as T
from sparklite.sql.column import Column, literal
from sparklite.sql.column import column_expression as _column
from sparklite.sql.errors import PySparkTypeError, PySparkValueError
from sparklite.sql.plan.expressions import UnresolvedFunction

__all__ = ["from_json", "get_json_object", "json_array_length", "json_object_keys", "json_tuple",
           "schema_of_json", "to_json"]


def _call(name: str, *args) -> Column:
    return Column(UnresolvedFunction(name, list(args)))


def _options(options: dict | None) -> list:
    """The options as the trailing map argument (none when there are none)."""
    if not options:
        return []
    entries = []
    for key, value in options.items():
        entries += [literal(str(key)), literal(str(value).lower() if isinstance(value, bool) else str(value))]
    return [UnresolvedFunction("map", entries)]


def _literal_or_column(value, arg_name: str):
    if isinstance(value, Column):
        return value._expr
    if isinstance(value, str):
        return literal(value)
    raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                           messageParameters={"expected_type": "Column or str", "arg_name": arg_name,
                                              "arg_type": type(value).__name__})


def get_json_object(col, path: str) -> Column:
    """The JSON text at ``path`` (Spark's JSONPath: ``$.a.b``, ``$.a[0]``, ``$.a[*]``) in each JSON string."""
    return _call("get_json_object", _column(col), literal(path))


def json_tuple(col, *fields: str) -> Column:
    """A generator: the top-level ``fields`` of each JSON object as columns ``c0``, ``c1``, ..."""
    if not fields:
        raise PySparkValueError(errorClass="CANNOT_BE_EMPTY", messageParameters={"item": "field"})
    return _call("json_tuple", _column(col), *(literal(f) for f in fields))


def from_json(col, schema, options: dict | None = None) -> Column:
    """Each JSON string read as ``schema`` (a DDL string, a ``DataType`` or a literal Column)."""
    if isinstance(schema, T.DataType):
        schema_expr = literal(schema.json())
    else:
        schema_expr = _literal_or_column(schema, "schema")
    return _call("from_json", _column(col), schema_expr, *_options(options))


def to_json(col, options: dict | None = None) -> Column:
    """Each struct, array or map as a JSON string."""
    return _call("to_json", _column(col), *_options(options))


def schema_of_json(json, options: dict | None = None) -> Column:
    """The DDL of the type Spark infers for a JSON string literal."""
    return _call("schema_of_json", _literal_or_column(json, "json"), *_options(options))


def json_array_length(col) -> Column:
    """The number of elements of each JSON array (NULL for anything else)."""
    return _call("json_array_length", _column(col))


def json_object_keys(col) -> Column:
    """The top-level keys of each JSON object (NULL for anything else)."""
    return _call("json_object_keys", _column(col))
