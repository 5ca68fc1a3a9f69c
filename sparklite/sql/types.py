"""``pyspark.sql.types``: Spark SQL's data types, ``Row``, schema inference, and the Arrow types.

Contract:
* Everything ``pyspark.sql.types`` offers is importable from here: the type classes and their text
  forms (``sparklite.sql.datatypes``), ``Row`` (``sparklite.sql.row``), the DDL and JSON readers
  (``_parse_datatype_string``, ``_parse_datatype_json_string``) and the inference of ``createDataFrame``
  (``_infer_type``, ``_infer_schema``, ``_merge_type``, ``infer_schema``: ``sparklite.sql.inference``).
* ``to_arrow_type``/``from_arrow_type`` (and ``*_schema``) are the one mapping between Spark types and
  the Arrow types that hold their values in sparklite: ByteType int8, ShortType int16, IntegerType
  int32, LongType int64, FloatType float32, DoubleType float64, DecimalType(p, s) decimal128(p, s),
  StringType (and CHAR/VARCHAR) string, BinaryType binary, BooleanType bool, DateType date32,
  TimestampType ``timestamp("us", "UTC")`` (an instant), TimestampNTZType ``timestamp("us")``,
  NullType null, DayTimeIntervalType ``duration("us")``, YearMonthIntervalType int32 (months),
  CalendarIntervalType month_day_nano_interval, TimeType ``time64("us")``, ArrayType
  ``list<element>``, MapType ``map<key, value>``, StructType ``struct``, with Spark's nullability; a
  UserDefinedType is its ``sqlType()``'s Arrow type (the column's Spark type keeps the UDT).
  ``from_arrow_type`` also reads what other Arrow writers produce: large and view strings and
  binaries, timestamps of any unit (with a zone: TimestampType, without: TimestampNTZType), date64,
  unsigned integers widened (uint8 ShortType, uint16 IntegerType, uint32 LongType, uint64
  DecimalType(20, 0)), dictionaries (their values' type), large and fixed-size lists.
"""
from __future__ import annotations

import pyarrow as pa

from sparklite.sql.datatypes import (  # noqa: F401 - the module's public face
    AnsiIntervalType, AnyTimeType, ArrayType, AtomicType, BinaryType, BooleanType, ByteType, CalendarIntervalType,
    CharType, DataType, DataTypeSingleton, DatetimeType, DateType, DayTimeIntervalType, DecimalType, DoubleType,
    FloatType, FractionalType, IntegerType, IntegralType, LongType, MapType, NullType, NumericType, ShortType,
    StringType, StructField, StructType, TimestampNTZType, TimestampType, TimeType, UserDefinedType, VarcharType,
    YearMonthIntervalType, _parse_datatype_json_string, _parse_datatype_json_value, _parse_datatype_string,
    sql_type_name)
from sparklite.sql.errors import PySparkTypeError, error
from sparklite.sql.inference import _has_nulltype, _infer_schema, _infer_type, _merge_type, infer_schema  # noqa: F401
from sparklite.sql.row import Row, _create_row  # noqa: F401

__all__ = [
    "DataType", "NullType", "CharType", "StringType", "VarcharType", "BinaryType", "BooleanType", "DateType",
    "TimeType", "TimestampType", "TimestampNTZType", "DecimalType", "DoubleType", "FloatType", "ByteType",
    "IntegerType", "LongType", "DayTimeIntervalType", "YearMonthIntervalType", "CalendarIntervalType", "Row",
    "ShortType", "ArrayType", "MapType", "StructField", "StructType", "AtomicType", "NumericType",
    "IntegralType", "FractionalType", "DatetimeType", "AnsiIntervalType", "AnyTimeType", "DataTypeSingleton",
    "UserDefinedType", "infer_schema", "sql_type_name", "to_arrow_type", "to_arrow_schema", "from_arrow_type", "from_arrow_schema",
]

_ARROW_ATOMIC = {
    ByteType: pa.int8(), ShortType: pa.int16(), IntegerType: pa.int32(), LongType: pa.int64(),
    FloatType: pa.float32(), DoubleType: pa.float64(), StringType: pa.string(), CharType: pa.string(),
    VarcharType: pa.string(), BinaryType: pa.binary(), BooleanType: pa.bool_(), DateType: pa.date32(),
    TimestampType: pa.timestamp("us", tz="UTC"), TimestampNTZType: pa.timestamp("us"), NullType: pa.null(),
    DayTimeIntervalType: pa.duration("us"), YearMonthIntervalType: pa.int32(),
    CalendarIntervalType: pa.month_day_nano_interval(), TimeType: pa.time64("us"),
}


def to_arrow_type(data_type: DataType) -> pa.DataType:
    """The Arrow type that holds values of ``data_type`` in sparklite."""
    if isinstance(data_type, DecimalType):
        return pa.decimal128(data_type.precision, data_type.scale)
    if isinstance(data_type, ArrayType):
        return pa.list_(_arrow_field("element", data_type.elementType, data_type.containsNull))
    if isinstance(data_type, MapType):
        # Arrow's map keys are never null: NULL-typed keys (map() has none) are kept as int8
        key = pa.int8() if isinstance(data_type.keyType, NullType) else to_arrow_type(data_type.keyType)
        return pa.map_(key, _arrow_field("value", data_type.valueType, data_type.valueContainsNull))
    if isinstance(data_type, StructType):
        return pa.struct([_arrow_field(f.name, f.dataType, f.nullable) for f in data_type.fields])
    if isinstance(data_type, UserDefinedType):
        return to_arrow_type(data_type.sqlType())
    arrow_type = _ARROW_ATOMIC.get(type(data_type))
    if arrow_type is None:
        raise error(PySparkTypeError, "UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION", data_type=data_type)
    return arrow_type


def _arrow_field(name: str, data_type: DataType, nullable: bool) -> pa.Field:
    """An Arrow field; one of NULL type is nullable whatever Spark says (Arrow has no other kind)."""
    return pa.field(name, to_arrow_type(data_type), nullable or isinstance(data_type, NullType))


def to_arrow_schema(schema: StructType) -> pa.Schema:
    """The Arrow schema of a struct type: a field per column with its nullability."""
    return pa.schema([_arrow_field(f.name, f.dataType, f.nullable) for f in schema.fields])


def from_arrow_type(arrow_type: pa.DataType) -> DataType:
    """The Spark type of an Arrow type (``to_arrow_type``'s inverse, and more: see the module's contract)."""
    t = pa.types
    if t.is_dictionary(arrow_type):
        return from_arrow_type(arrow_type.value_type)
    if t.is_decimal(arrow_type):
        return DecimalType(arrow_type.precision, arrow_type.scale)
    if t.is_timestamp(arrow_type):
        return TimestampNTZType() if arrow_type.tz is None else TimestampType()
    if t.is_duration(arrow_type):
        return DayTimeIntervalType()
    if t.is_time(arrow_type):
        return TimeType()
    if t.is_list(arrow_type) or t.is_large_list(arrow_type) or t.is_fixed_size_list(arrow_type):
        element = arrow_type.value_field
        return ArrayType(from_arrow_type(element.type), element.nullable)
    if t.is_map(arrow_type):
        return MapType(from_arrow_type(arrow_type.key_type), from_arrow_type(arrow_type.item_type),
                       arrow_type.item_field.nullable)
    if t.is_struct(arrow_type):
        return StructType([StructField(f.name, from_arrow_type(f.type), f.nullable) for f in arrow_type])
    for test, make in _FROM_ARROW:
        if test(arrow_type):
            return make()
    raise error(PySparkTypeError, "UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION", data_type=arrow_type)


_FROM_ARROW = [
    (pa.types.is_boolean, BooleanType), (pa.types.is_int8, ByteType), (pa.types.is_int16, ShortType),
    (pa.types.is_int32, IntegerType), (pa.types.is_int64, LongType), (pa.types.is_uint8, ShortType),
    (pa.types.is_uint16, IntegerType), (pa.types.is_uint32, LongType),
    (pa.types.is_uint64, lambda: DecimalType(20, 0)), (pa.types.is_float16, FloatType),
    (pa.types.is_float32, FloatType), (pa.types.is_float64, DoubleType), (pa.types.is_string, StringType),
    (pa.types.is_large_string, StringType), (pa.types.is_string_view, StringType), (pa.types.is_binary, BinaryType),
    (pa.types.is_large_binary, BinaryType), (pa.types.is_binary_view, BinaryType),
    (pa.types.is_fixed_size_binary, BinaryType), (pa.types.is_date, DateType), (pa.types.is_null, NullType),
    (lambda at: at == pa.month_day_nano_interval(), CalendarIntervalType),
]


def from_arrow_schema(schema: pa.Schema) -> StructType:
    """The struct type of an Arrow schema."""
    return StructType([StructField(f.name, from_arrow_type(f.type), f.nullable) for f in schema])
