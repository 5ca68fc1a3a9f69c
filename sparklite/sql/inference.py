"""The Spark type of Python values, as ``createDataFrame`` infers a schema from local data.

Contract (PySpark 4.3's rules): ``int`` is LongType, ``float`` DoubleType, ``str`` StringType,
``bool`` BooleanType, ``bytes``/``bytearray`` BinaryType, ``date`` DateType, ``datetime``
TimestampType (TimestampNTZType for a naive one when ``prefer_timestamp_ntz``), ``time`` TimeType,
``timedelta`` DayTimeIntervalType, ``Decimal`` DecimalType(38, 18), None NullType; a list is an
array of its elements' merged type, a dict a map of its keys' and values' merged types (or a struct
with ``infer_dict_as_struct``), ``array.array`` an array of its typecode's type; a Row, namedtuple,
tuple or object a struct (tuples name their fields ``_1, _2, ...``, dicts and objects sort theirs).
``_merge_type`` joins two types: NullType gives way, a string absorbs any atomic type, TIMESTAMP_NTZ
widens to TIMESTAMP, structs merge field by field, anything else must be the same type or it is
``CANNOT_MERGE_TYPE``. ``infer_schema`` merges the schemas of all rows, as ``createDataFrame`` does.
"""
from __future__ import annotations

import array
import datetime
import decimal
from functools import reduce

from sparklite.sql.datatypes import (
    ArrayType,
    AtomicType,
    BinaryType,
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DayTimeIntervalType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    NullType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
    TimeType,
)
from sparklite.sql.errors import PySparkTypeError, PySparkValueError, error

_TYPE_OF = {
    type(None): NullType, bool: BooleanType, int: LongType, float: DoubleType, str: StringType,
    bytearray: BinaryType, bytes: BinaryType, datetime.date: DateType, datetime.datetime: TimestampType,
    datetime.time: TimeType, datetime.timedelta: DayTimeIntervalType,
}
# array.array typecodes (C sizes on the platforms Python and the JVM share; unsigned ones one size up)
_ARRAY_TYPECODES = {"b": ByteType, "h": ShortType, "i": IntegerType, "l": LongType, "B": ShortType,
                    "H": IntegerType, "I": LongType, "f": FloatType, "d": DoubleType, "u": StringType}


def _infer_type(obj, infer_dict_as_struct: bool = False, infer_array_from_first_element: bool = False,
                infer_map_from_first_pair: bool = False, prefer_timestamp_ntz: bool = False) -> DataType:
    """The data type of one Python value."""
    options = (infer_dict_as_struct, infer_array_from_first_element, infer_map_from_first_pair, prefer_timestamp_ntz)
    if hasattr(obj, "__UDT__"):
        return obj.__UDT__
    if type(obj) is decimal.Decimal:
        return DecimalType(38, 18)
    data_type = _TYPE_OF.get(type(obj))
    if data_type is TimestampType and prefer_timestamp_ntz and obj.tzinfo is None:
        return TimestampNTZType()
    if data_type is not None:
        return data_type()
    if isinstance(obj, dict):
        return _infer_dict(obj, options)
    if isinstance(obj, list):
        if not obj:
            return ArrayType(NullType(), True)
        if infer_array_from_first_element:
            return ArrayType(_infer_type(obj[0], *options), True)
        return ArrayType(reduce(_merge_type, (_infer_type(v, *options) for v in obj)), True)
    if isinstance(obj, array.array):
        if obj.typecode not in _ARRAY_TYPECODES:
            raise error(PySparkTypeError, "UNSUPPORTED_DATA_TYPE", data_type=f"array({obj.typecode})")
        return ArrayType(_ARRAY_TYPECODES[obj.typecode](), False)
    try:
        return _infer_schema(obj, None, *options)
    except TypeError:
        raise error(PySparkTypeError, "UNSUPPORTED_DATA_TYPE", data_type=type(obj).__name__) from None


def _infer_dict(obj: dict, options: tuple) -> DataType:
    infer_dict_as_struct, _, infer_map_from_first_pair, _ = options
    if infer_dict_as_struct:
        struct = StructType()
        for key, value in obj.items():
            if key is not None and value is not None:
                struct.add(key, _infer_type(value, *options), True)
        return struct
    if infer_map_from_first_pair:
        for key, value in obj.items():
            if key is not None and value is not None:
                return MapType(_infer_type(key, *options), _infer_type(value, *options), True)
        return MapType(NullType(), NullType(), True)
    key_type, value_type = NullType(), NullType()
    for key, value in obj.items():
        if key is not None:
            key_type = _merge_type(key_type, _infer_type(key, *options))
        if value is not None:
            value_type = _merge_type(value_type, _infer_type(value, *options))
    return MapType(key_type, value_type, True)


def _infer_schema(row, names: list | None = None, infer_dict_as_struct: bool = False,
                  infer_array_from_first_element: bool = False, infer_map_from_first_pair: bool = False,
                  prefer_timestamp_ntz: bool = False) -> StructType:
    """The struct type of one row: a dict, Row, namedtuple, tuple, list or object."""
    options = (infer_dict_as_struct, infer_array_from_first_element, infer_map_from_first_pair, prefer_timestamp_ntz)
    if isinstance(row, dict):
        items = sorted(row.items())
    elif isinstance(row, (tuple, list)):
        if hasattr(row, "__fields__"):
            items = zip(row.__fields__, tuple(row))
        elif hasattr(row, "_fields"):
            items = zip(row._fields, tuple(row))
        else:
            if names is None:
                names = [f"_{i}" for i in range(1, len(row) + 1)]
            elif len(names) < len(row):
                names.extend(f"_{i}" for i in range(len(names) + 1, len(row) + 1))
            items = zip(names, row)
    elif hasattr(row, "__dict__"):
        items = sorted(row.__dict__.items())
    else:
        raise error(PySparkTypeError, "CANNOT_INFER_SCHEMA_FOR_TYPE", data_type=type(row).__name__)
    fields = []
    for name, value in items:
        try:
            fields.append(StructField(name, _infer_type(value, *options), True))
        except TypeError:
            raise error(PySparkTypeError, "CANNOT_INFER_TYPE_FOR_FIELD", field_name=name) from None
    return StructType(fields)


def _has_nulltype(data_type: DataType) -> bool:
    """Whether NullType is anywhere in the type."""
    if isinstance(data_type, StructType):
        return any(_has_nulltype(f.dataType) for f in data_type.fields)
    if isinstance(data_type, ArrayType):
        return _has_nulltype(data_type.elementType)
    if isinstance(data_type, MapType):
        return _has_nulltype(data_type.keyType) or _has_nulltype(data_type.valueType)
    return isinstance(data_type, NullType)


def _merge_type(a: DataType, b: DataType) -> DataType:
    """The type that holds values of both types (see the module's contract)."""
    if isinstance(a, NullType):
        return b
    if isinstance(b, NullType):
        return a
    if isinstance(a, TimestampType) and isinstance(b, TimestampNTZType):
        return a
    if isinstance(a, TimestampNTZType) and isinstance(b, TimestampType):
        return b
    if isinstance(a, AtomicType) and isinstance(b, StringType):
        return b
    if isinstance(a, StringType) and isinstance(b, AtomicType):
        return a
    if type(a) is not type(b):
        raise error(PySparkTypeError, "CANNOT_MERGE_TYPE", data_type1=type(a).__name__, data_type2=type(b).__name__)
    if isinstance(a, StructType):
        others = {f.name: f.dataType for f in b.fields}
        fields = [StructField(f.name, _merge_type(f.dataType, others.get(f.name, NullType()))) for f in a.fields]
        known = {f.name for f in fields}
        fields += [StructField(n, t) for n, t in others.items() if n not in known]
        return StructType(fields)
    if isinstance(a, ArrayType):
        return ArrayType(_merge_type(a.elementType, b.elementType), True)
    if isinstance(a, MapType):
        return MapType(_merge_type(a.keyType, b.keyType), _merge_type(a.valueType, b.valueType), True)
    return a


def infer_schema(rows, names: list | None = None, **options) -> StructType:
    """The schema ``createDataFrame(rows, names)`` infers: every row's schema merged, the fields then
    renamed by position to ``names``; errors as PySpark's (an empty ``rows``, a type left unknown).
    ``options`` are ``_infer_schema``'s (``prefer_timestamp_ntz`` and the like)."""
    rows = list(rows)
    if not rows:
        raise error(PySparkValueError, "CANNOT_INFER_EMPTY_SCHEMA")
    given = list(names) if names is not None else None
    schema = reduce(_merge_type, (_infer_schema(row, given, **options) for row in rows))
    if _has_nulltype(schema):
        raise error(PySparkValueError, "CANNOT_DETERMINE_TYPE")
    if names is not None:
        for index, name in enumerate(names):
            schema.fields[index].name = name
            schema.names[index] = name
    return schema
