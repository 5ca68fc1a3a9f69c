"""Spark SQL's data types: the classes of ``pyspark.sql.types`` and their text forms.

Contract:
* The classes, their hierarchy (``AtomicType``, ``NumericType``, ``IntegralType``, ...), ``repr``,
  ``simpleString``, ``typeName``, ``json``/``jsonValue``, equality and hashing are PySpark 4.3's;
  types without parameters are singletons (``IntegerType() is IntegerType()``).
* ``StructType.treeString`` is the text ``DataFrame.printSchema()`` prints; ``StructType.toDDL`` and
  ``sql_type_name`` are Spark's DDL forms (``a INT NOT NULL,b ARRAY<STRING>``).
* ``_parse_datatype_string`` reads DDL as PySpark does (the text is parsed by ``sparklite.sql.ddl``),
  ``_parse_datatype_json_string`` reads the JSON form.
Users import all this from ``sparklite.sql.types``, which adds ``Row``, inference and the Arrow types.
"""
from __future__ import annotations

import calendar
import datetime
import json
import os
import re
import time
from typing import Any

from sparklite.sql.ddl import parse_ddl
from sparklite.sql.errors import (
    PySparkIndexError,
    PySparkKeyError,
    PySparkNotImplementedError,
    PySparkRuntimeError,
    PySparkTypeError,
    PySparkValueError,
    error,
)
from sparklite.sql.row import Row, _create_row

__all__ = [
    "DataType", "NullType", "CharType", "StringType", "VarcharType", "BinaryType", "BooleanType", "DateType",
    "TimeType", "TimestampType", "TimestampNTZType", "DecimalType", "DoubleType", "FloatType", "ByteType",
    "IntegerType", "LongType", "DayTimeIntervalType", "YearMonthIntervalType", "CalendarIntervalType",
    "ShortType", "ArrayType", "MapType", "StructField", "StructType", "AtomicType", "NumericType",
    "IntegralType", "FractionalType", "DatetimeType", "AnsiIntervalType", "AnyTimeType", "DataTypeSingleton",
    "UserDefinedType",
]

_JVM_INT_MAX = 2 ** 31 - 1


class DataType:
    """Base class for data types."""

    def __repr__(self) -> str:
        return self.__class__.__name__ + "()"

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __reduce_ex__(self, protocol):
        if isinstance(type(self), DataTypeSingleton):
            return type(self), ()       # unpickled, a type without parameters is still its one instance
        return super().__reduce_ex__(protocol)

    @classmethod
    def typeName(cls) -> str:
        """The type's name in JSON and in ``printSchema`` (``integer``, ``struct``)."""
        return cls.__name__[:-4].lower()

    def simpleString(self) -> str:
        """The type's short DDL form (``int``, ``array<string>``)."""
        return self.typeName()

    def jsonValue(self) -> str | dict:
        """The type as a JSON-ready value."""
        return self.typeName()

    def json(self) -> str:
        """The type's JSON text, keys sorted, no spaces (Spark's form)."""
        return json.dumps(self.jsonValue(), separators=(",", ":"), sort_keys=True)

    def needConversion(self) -> bool:
        """Whether a Python value of this type differs from its internal SQL value."""
        return False

    def toInternal(self, obj: Any) -> Any:
        """The internal SQL value of a Python object."""
        return obj

    def fromInternal(self, obj: Any) -> Any:
        """The Python object of an internal SQL value."""
        return obj

    def _as_nullable(self) -> "DataType":
        return self

    @classmethod
    def fromDDL(cls, ddl: str) -> "DataType":
        """The type a DDL string describes; a top-level struct may leave out ``struct<>``."""
        return _parse_datatype_string(ddl)


class DataTypeSingleton(type):
    """Metaclass of the types without parameters: calling the class gives its one instance."""

    _instances: dict = {}

    def __call__(cls):
        if cls not in cls._instances:
            cls._instances[cls] = super().__call__()
        return cls._instances[cls]


class NullType(DataType, metaclass=DataTypeSingleton):
    """The type of None, and of the values of a type that cannot be inferred."""

    @classmethod
    def typeName(cls) -> str:
        return "void"


class AtomicType(DataType):
    """Every type that is not null, an array, a map or a struct."""


class NumericType(AtomicType):
    """Numeric data types."""


class IntegralType(NumericType, metaclass=DataTypeSingleton):
    """Integral data types."""


class FractionalType(NumericType):
    """Fractional data types."""


class StringType(AtomicType):
    """Strings, with a collation (``UTF8_BINARY`` by default)."""

    def __init__(self, collation: str = "UTF8_BINARY"):
        self.collation = collation

    def isUTF8BinaryCollation(self) -> bool:
        """Whether strings compare by their bytes (the default collation)."""
        return self.collation == "UTF8_BINARY"

    def simpleString(self) -> str:
        return "string" if self.isUTF8BinaryCollation() else f"string collate {self.collation}"

    def jsonValue(self) -> str:
        return self.simpleString()

    def __repr__(self) -> str:
        return "StringType()" if self.isUTF8BinaryCollation() else f"StringType('{self.collation}')"


class CharType(AtomicType):
    """Strings of a fixed length (``CHAR(n)``)."""

    def __init__(self, length: int):
        self.length = length

    def simpleString(self) -> str:
        return f"char({self.length})"

    jsonValue = simpleString

    def __repr__(self) -> str:
        return f"CharType({self.length})"


class VarcharType(AtomicType):
    """Strings up to a length (``VARCHAR(n)``)."""

    def __init__(self, length: int):
        self.length = length

    def simpleString(self) -> str:
        return f"varchar({self.length})"

    jsonValue = simpleString

    def __repr__(self) -> str:
        return f"VarcharType({self.length})"


class BinaryType(AtomicType, metaclass=DataTypeSingleton):
    """Byte strings."""


class BooleanType(AtomicType, metaclass=DataTypeSingleton):
    """Booleans."""


class DatetimeType(AtomicType):
    """Dates, times and timestamps."""


class DateType(DatetimeType, metaclass=DataTypeSingleton):
    """Dates (``datetime.date``); internally days since 1970-01-01."""

    EPOCH_ORDINAL = datetime.datetime(1970, 1, 1).toordinal()

    def needConversion(self) -> bool:
        return True

    def toInternal(self, d: datetime.date) -> int | None:
        if d is not None:
            return d.toordinal() - self.EPOCH_ORDINAL

    def fromInternal(self, v: int) -> datetime.date | None:
        if v is not None:
            return datetime.date.fromordinal(v + self.EPOCH_ORDINAL)


class AnyTimeType(DatetimeType):
    """A TIME type of any precision."""


class TimeType(AnyTimeType):
    """Times of day (``datetime.time``) with a precision of 0 to 6 fractional digits;
    internally nanoseconds since midnight."""

    def __init__(self, precision: int = 6):
        self.precision = precision

    def needConversion(self) -> bool:
        return True

    def toInternal(self, t: datetime.time) -> int | None:
        if t is not None:
            return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000_000 + t.microsecond * 1_000

    def fromInternal(self, nano: int) -> datetime.time | None:
        if nano is not None:
            seconds, nanos = divmod(nano, 1_000_000_000)
            minutes, second = divmod(seconds, 60)
            hour, minute = divmod(minutes, 60)
            return datetime.time(hour, minute, second, nanos // 1_000)

    def simpleString(self) -> str:
        return f"time({self.precision})"

    jsonValue = simpleString

    def __repr__(self) -> str:
        return f"TimeType({self.precision})"


class TimestampType(DatetimeType, metaclass=DataTypeSingleton):
    """Instants (``datetime.datetime``); naive datetimes are in the Python process's time zone;
    internally microseconds since the epoch."""

    def needConversion(self) -> bool:
        return True

    def toInternal(self, dt: datetime.datetime) -> int | None:
        if dt is not None:
            seconds = calendar.timegm(dt.utctimetuple()) if dt.tzinfo else time.mktime(dt.timetuple())
            return int(seconds) * 1_000_000 + dt.microsecond

    def fromInternal(self, ts: int) -> datetime.datetime | None:
        if ts is not None:
            return datetime.datetime.fromtimestamp(ts // 1_000_000).replace(microsecond=ts % 1_000_000)


class TimestampNTZType(DatetimeType, metaclass=DataTypeSingleton):
    """Timestamps without a time zone (naive ``datetime.datetime``, wall-clock values)."""

    def needConversion(self) -> bool:
        return True

    @classmethod
    def typeName(cls) -> str:
        return "timestamp_ntz"

    def toInternal(self, dt: datetime.datetime) -> int | None:
        if dt is not None:
            return calendar.timegm(dt.timetuple()) * 1_000_000 + dt.microsecond

    def fromInternal(self, ts: int) -> datetime.datetime | None:
        if ts is not None:
            return _EPOCH + datetime.timedelta(microseconds=ts)


_EPOCH = datetime.datetime(1970, 1, 1)


class DecimalType(FractionalType):
    """Decimals (``decimal.Decimal``) of a fixed precision (digits, up to 38) and scale (digits after
    the point); (10, 0) by default, (38, 18) when inferred from a ``Decimal``."""

    hasPrecisionInfo = True     # PySpark's public flag: a DecimalType always knows its precision

    def __init__(self, precision: int = 10, scale: int = 0):
        self.precision = precision
        self.scale = scale

    def simpleString(self) -> str:
        return f"decimal({self.precision},{self.scale})"

    jsonValue = simpleString

    def __repr__(self) -> str:
        return f"DecimalType({self.precision},{self.scale})"


class DoubleType(FractionalType, metaclass=DataTypeSingleton):
    """Double-precision floats."""


class FloatType(FractionalType, metaclass=DataTypeSingleton):
    """Single-precision floats."""


class ByteType(IntegralType):
    """Signed 8-bit integers."""

    def simpleString(self) -> str:
        return "tinyint"


class IntegerType(IntegralType):
    """Signed 32-bit integers."""

    def simpleString(self) -> str:
        return "int"


class LongType(IntegralType):
    """Signed 64-bit integers."""

    def simpleString(self) -> str:
        return "bigint"


class ShortType(IntegralType):
    """Signed 16-bit integers."""

    def simpleString(self) -> str:
        return "smallint"


class AnsiIntervalType(AtomicType):
    """The intervals of the ANSI SQL standard."""

    FIELDS: tuple = ()

    def __init__(self, startField: int | None = None, endField: int | None = None):
        if startField is None and endField is None:
            startField, endField = 0, len(self.FIELDS) - 1
        elif endField is None:
            endField = startField
        if startField not in range(len(self.FIELDS)) or endField not in range(len(self.FIELDS)):
            raise error(PySparkRuntimeError, "INVALID_INTERVAL_CASTING", start_field=startField, end_field=endField)
        self.startField = startField
        self.endField = endField

    def simpleString(self) -> str:
        start, end = self.FIELDS[self.startField], self.FIELDS[self.endField]
        return f"interval {start}" if start == end else f"interval {start} to {end}"

    jsonValue = simpleString

    def needConversion(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.startField}, {self.endField})"


class DayTimeIntervalType(AnsiIntervalType):
    """Day-time intervals (``datetime.timedelta``); internally microseconds."""

    DAY, HOUR, MINUTE, SECOND = range(4)
    FIELDS = ("day", "hour", "minute", "second")

    def toInternal(self, dt: datetime.timedelta) -> int | None:
        if dt is not None:
            return (dt.days * 86400 + dt.seconds) * 1_000_000 + dt.microseconds

    def fromInternal(self, micros: int) -> datetime.timedelta | None:
        if micros is not None:
            return datetime.timedelta(microseconds=micros)


class YearMonthIntervalType(AnsiIntervalType):
    """Year-month intervals; internally months. PySpark cannot make them Python objects: collecting
    one fails unless the environment sets ``PYSPARK_YM_INTERVAL_LEGACY=1`` (then it is the months)."""

    YEAR, MONTH = range(2)
    FIELDS = ("year", "month")

    def needConversion(self) -> bool:
        return os.environ.get("PYSPARK_YM_INTERVAL_LEGACY") != "1"

    def toInternal(self, obj: Any) -> Any:
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="YearMonthIntervalType.toInternal")

    def fromInternal(self, obj: Any) -> Any:
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="YearMonthIntervalType.fromInternal")


class CalendarIntervalType(DataType, metaclass=DataTypeSingleton):
    """Calendar intervals (months, days and microseconds), which have no Python form."""

    @classmethod
    def typeName(cls) -> str:
        return "interval"

    def needConversion(self) -> bool:
        return True

    def toInternal(self, obj: Any) -> Any:
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="CalendarIntervalType.toInternal")

    def fromInternal(self, obj: Any) -> Any:
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="CalendarIntervalType.fromInternal")


class ArrayType(DataType):
    """Arrays of ``elementType``; ``containsNull`` says whether an element may be None."""

    def __init__(self, elementType: DataType, containsNull: bool = True):
        assert isinstance(elementType, DataType), f"elementType {elementType} should be an instance of {DataType}"
        self.elementType = elementType
        self.containsNull = containsNull

    def simpleString(self) -> str:
        return f"array<{self.elementType.simpleString()}>"

    def _as_nullable(self) -> "ArrayType":
        return ArrayType(self.elementType._as_nullable(), True)

    def toNullable(self) -> "ArrayType":
        """The same type with every nullability flag inside it set."""
        return self._as_nullable()

    def __repr__(self) -> str:
        return f"ArrayType({self.elementType}, {self.containsNull})"

    def jsonValue(self) -> dict:
        return {"type": self.typeName(), "elementType": self.elementType.jsonValue(),
                "containsNull": self.containsNull}

    @classmethod
    def fromJson(cls, json: dict, fieldPath: str = "", collationsMap: dict | None = None) -> "ArrayType":
        """The array type of a JSON value."""
        path = "element" if fieldPath == "" else fieldPath + ".element"
        return ArrayType(_parse_datatype_json_value(json["elementType"], path, collationsMap), json["containsNull"])

    def needConversion(self) -> bool:
        return self.elementType.needConversion()

    def toInternal(self, obj: list) -> list:
        if not self.needConversion():
            return obj
        return obj and [self.elementType.toInternal(v) for v in obj]

    def fromInternal(self, obj: list) -> list:
        if not self.needConversion():
            return obj
        return obj and [self.elementType.fromInternal(v) for v in obj]


class MapType(DataType):
    """Maps from ``keyType`` (never None) to ``valueType``; ``valueContainsNull`` says whether a
    value may be None."""

    def __init__(self, keyType: DataType, valueType: DataType, valueContainsNull: bool = True):
        assert isinstance(keyType, DataType), f"keyType {keyType} should be an instance of {DataType}"
        assert isinstance(valueType, DataType), f"valueType {valueType} should be an instance of {DataType}"
        self.keyType = keyType
        self.valueType = valueType
        self.valueContainsNull = valueContainsNull

    def simpleString(self) -> str:
        return f"map<{self.keyType.simpleString()},{self.valueType.simpleString()}>"

    def _as_nullable(self) -> "MapType":
        return MapType(self.keyType._as_nullable(), self.valueType._as_nullable(), True)

    def toNullable(self) -> "MapType":
        """The same type with every nullability flag inside it set."""
        return self._as_nullable()

    def __repr__(self) -> str:
        return f"MapType({self.keyType}, {self.valueType}, {self.valueContainsNull})"

    def jsonValue(self) -> dict:
        return {"type": self.typeName(), "keyType": self.keyType.jsonValue(),
                "valueType": self.valueType.jsonValue(), "valueContainsNull": self.valueContainsNull}

    @classmethod
    def fromJson(cls, json: dict, fieldPath: str = "", collationsMap: dict | None = None) -> "MapType":
        """The map type of a JSON value."""
        prefix = "" if fieldPath == "" else fieldPath + "."
        return MapType(_parse_datatype_json_value(json["keyType"], prefix + "key", collationsMap),
                       _parse_datatype_json_value(json["valueType"], prefix + "value", collationsMap),
                       json["valueContainsNull"])

    def needConversion(self) -> bool:
        return self.keyType.needConversion() or self.valueType.needConversion()

    def toInternal(self, obj: dict) -> dict:
        if not self.needConversion():
            return obj
        return obj and {self.keyType.toInternal(k): self.valueType.toInternal(v) for k, v in obj.items()}

    def fromInternal(self, obj: dict) -> dict:
        if not self.needConversion():
            return obj
        return obj and {self.keyType.fromInternal(k): self.valueType.fromInternal(v) for k, v in obj.items()}


class UserDefinedType(DataType):
    """A user-defined type (``VectorUDT``): Python objects stored as values of ``sqlType()``.

    A subclass gives ``sqlType``, ``module``, ``serialize`` (object to a SQL datum: a tuple for a
    struct) and ``deserialize``; a column of it holds ``sqlType``'s Arrow values, and ``collect()``
    gives the objects back. Its JSON names the Python class (``pyClass``), which ``fromJson`` imports.
    """

    @classmethod
    def typeName(cls) -> str:
        return cls.__name__.lower()

    @classmethod
    def sqlType(cls) -> DataType:
        """The SQL type that stores the values."""
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="sqlType()")

    @classmethod
    def module(cls) -> str:
        """The Python module that defines the type."""
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="module()")

    @classmethod
    def scalaUDT(cls) -> str:
        """The name of Spark's JVM class of the same type ('' when it has none)."""
        return ""

    def needConversion(self) -> bool:
        return True

    def toInternal(self, obj: Any) -> Any:
        return None if obj is None else self.sqlType().toInternal(self.serialize(obj))

    def fromInternal(self, obj: Any) -> Any:
        value = self.sqlType().fromInternal(obj)
        return None if value is None else self.deserialize(value)

    def serialize(self, obj: Any) -> Any:
        """The SQL datum of a Python object."""
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="toInternal()")

    def deserialize(self, datum: Any) -> Any:
        """The Python object of a SQL datum."""
        raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED", feature="fromInternal()")

    def simpleString(self) -> str:
        return "udt"

    def jsonValue(self) -> dict:
        value = {"type": "udt", "pyClass": f"{self.module()}.{type(self).__name__}",
                 "sqlType": self.sqlType().jsonValue()}
        if self.scalaUDT():
            value["class"] = self.scalaUDT()
        return value

    @classmethod
    def fromJson(cls, json_value: dict) -> "UserDefinedType":
        module, _, name = str(json_value["pyClass"]).rpartition(".")
        found = getattr(__import__(module, fromlist=[name]), name, None)
        if not (isinstance(found, type) and issubclass(found, UserDefinedType)):
            raise error(PySparkTypeError, "FIELD_TYPE_MISMATCH", obj=str(found), data_type="UserDefinedType")
        return found()

    def __eq__(self, other: Any) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


_COLLATIONS_METADATA_KEY = "__COLLATIONS"


class StructField(DataType):
    """A field of a ``StructType``: its name, type, whether it may be None, and metadata (a dict;
    DDL puts a column's ``COMMENT`` under ``"comment"``)."""

    def __init__(self, name: str, dataType: DataType, nullable: bool = True, metadata: dict | None = None):
        assert isinstance(dataType, DataType), f"dataType {dataType} should be an instance of {DataType}"
        assert isinstance(name, str), f"field name {name} should be a string"
        self.name = name
        self.dataType = dataType
        self.nullable = nullable
        self.metadata = metadata or {}

    def simpleString(self) -> str:
        return f"{self.name}:{self.dataType.simpleString()}"

    def __repr__(self) -> str:
        return f"StructField('{self.name}', {self.dataType}, {self.nullable})"

    def jsonValue(self) -> dict:
        collations = {}
        _collect_collations(self.dataType, self.name, collations)
        metadata = {**self.metadata, _COLLATIONS_METADATA_KEY: collations} if collations else self.metadata
        data_type = _without_collations(self.dataType) if collations else self.dataType
        return {"name": self.name, "type": data_type.jsonValue(), "nullable": self.nullable, "metadata": metadata}

    @classmethod
    def fromJson(cls, json: dict) -> "StructField":
        """The field of a JSON value (a collation kept in its metadata goes back into its strings)."""
        metadata = json.get("metadata")
        collations = {}
        if metadata and _COLLATIONS_METADATA_KEY in metadata:
            collations = {path: value.split(".", 1)[1] for path, value in metadata[_COLLATIONS_METADATA_KEY].items()}
            metadata = {key: value for key, value in metadata.items() if key != _COLLATIONS_METADATA_KEY}
        return StructField(json["name"], _parse_datatype_json_value(json["type"], json["name"], collations),
                           json.get("nullable", True), metadata)

    def needConversion(self) -> bool:
        return self.dataType.needConversion()

    def toInternal(self, obj: Any) -> Any:
        return self.dataType.toInternal(obj)

    def fromInternal(self, obj: Any) -> Any:
        return self.dataType.fromInternal(obj)

    def typeName(self) -> str:  # type: ignore[override]
        """A field has no type name: this raises, as PySpark does."""
        raise error(PySparkTypeError, "INVALID_TYPENAME_CALL")

    def _tree_lines(self, prefix: str, lines: list, depth: int) -> None:
        if depth > 0:
            lines.append(f"{prefix}-- {_escape_meta_characters(self.name)}: {_tree_type_name(self.dataType)} "
                         f"(nullable = {str(self.nullable).lower()})")
            _nested_tree_lines(self.dataType, f"{prefix}    |", lines, depth - 1)


def _collect_collations(data_type: DataType, path: str, found: dict) -> None:
    if isinstance(data_type, StringType) and not data_type.isUTF8BinaryCollation():
        provider = "spark" if data_type.collation.startswith("UTF8") else "icu"
        found[path] = f"{provider}.{data_type.collation}"
    elif isinstance(data_type, ArrayType):
        _collect_collations(data_type.elementType, path + ".element", found)
    elif isinstance(data_type, MapType):
        _collect_collations(data_type.keyType, path + ".key", found)
        _collect_collations(data_type.valueType, path + ".value", found)


def _without_collations(data_type: DataType) -> DataType:
    if isinstance(data_type, StringType):
        return StringType()
    if isinstance(data_type, ArrayType):
        return ArrayType(_without_collations(data_type.elementType), data_type.containsNull)
    if isinstance(data_type, MapType):
        return MapType(_without_collations(data_type.keyType), _without_collations(data_type.valueType),
                       data_type.valueContainsNull)
    return data_type


class StructType(DataType):
    """Structs (the type of a ``Row``): a list of ``StructField``s, reachable by name or position."""

    def __init__(self, fields: list | None = None):
        if not fields:
            self.fields = []
            self.names = []
        else:
            assert all(isinstance(f, StructField) for f in fields), "fields should be a list of StructField"
            self.fields = fields
            self.names = [f.name for f in fields]

    def add(self, field: str | StructField, data_type: str | DataType | None = None, nullable: bool = True,
            metadata: dict | None = None) -> "StructType":
        """Appends a field (a ``StructField``, or a name and a type with optional nullability and
        metadata; a type given as text is read in its JSON form, ``"integer"``) and returns self."""
        if isinstance(field, StructField):
            self.fields.append(field)
            self.names.append(field.name)
            return self
        if isinstance(field, str) and data_type is None:
            raise error(PySparkValueError, "ARGUMENT_REQUIRED", arg_name="data_type",
                        condition="passing name of struct_field to create")
        if isinstance(data_type, str):
            data_type = _parse_datatype_json_value(data_type)
        self.fields.append(StructField(field, data_type, nullable, metadata))
        self.names.append(field)
        return self

    def __iter__(self):
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __getitem__(self, key: str | int | slice):
        if isinstance(key, str):
            for field in self.fields:
                if field.name == key:
                    return field
            raise error(PySparkKeyError, "KEY_NOT_EXISTS", key=key)
        if isinstance(key, int):
            try:
                return self.fields[key]
            except IndexError:
                raise error(PySparkIndexError, "INDEX_OUT_OF_RANGE", arg_name="StructType", index=key) from None
        if isinstance(key, slice):
            return StructType(self.fields[key])
        raise error(PySparkTypeError, "NOT_EXPECTED_TYPE", expected_type="int, slice or str", arg_name="key",
                    arg_type=type(key).__name__)

    def simpleString(self) -> str:
        return "struct<%s>" % ",".join(f.simpleString() for f in self.fields)

    def _as_nullable(self) -> "StructType":
        return StructType([StructField(f.name, f.dataType._as_nullable(), True, f.metadata) for f in self.fields])

    def toNullable(self) -> "StructType":
        """The same type with every nullability flag inside it set."""
        return self._as_nullable()

    def __repr__(self) -> str:
        return "StructType([%s])" % ", ".join(str(f) for f in self.fields)

    def jsonValue(self) -> dict:
        return {"type": self.typeName(), "fields": [f.jsonValue() for f in self.fields]}

    @classmethod
    def fromJson(cls, json: dict) -> "StructType":
        """The struct type of a JSON value (``{"type": "struct", "fields": [...]}``)."""
        return StructType([StructField.fromJson(f) for f in json["fields"]])

    def fieldNames(self) -> list:
        """The names of the fields, in order."""
        return list(self.names)

    def needConversion(self) -> bool:
        return True

    def toInternal(self, obj: Any) -> tuple | None:
        if obj is None:
            return None
        if isinstance(obj, dict):
            values = [obj.get(n) for n in self.names]
        elif isinstance(obj, (tuple, list)):
            values = list(obj)
        elif hasattr(obj, "__dict__"):
            values = [obj.__dict__.get(n) for n in self.names]
        else:
            raise error(PySparkValueError, "UNEXPECTED_TUPLE_WITH_STRUCT", tuple=obj)
        return tuple(f.toInternal(v) if f.needConversion() else v for f, v in zip(self.fields, values))

    def fromInternal(self, obj: tuple) -> Row | None:
        if obj is None:
            return None
        if isinstance(obj, Row):
            return obj
        return _create_row(self.names, [f.fromInternal(v) if f.needConversion() else v
                                        for f, v in zip(self.fields, obj)])

    def treeString(self, maxDepth: int | None = None) -> str:
        """The schema as ``printSchema()`` prints it, down to ``maxDepth`` levels (all when it is
        None or not positive)."""
        depth = maxDepth if maxDepth and maxDepth > 0 else _JVM_INT_MAX
        lines = ["root"]
        for field in self.fields:
            field._tree_lines(" |", lines, depth)
        return "\n".join(lines) + "\n"

    def toDDL(self) -> str:
        """The schema as Spark's DDL (``a INT NOT NULL,b STRING COMMENT 'c'``)."""
        return ",".join(_field_ddl(f, " ") for f in self.fields)


def _nested_tree_lines(data_type: DataType, prefix: str, lines: list, depth: int) -> None:
    if isinstance(data_type, StructType):
        for field in data_type.fields:
            field._tree_lines(prefix, lines, depth)
    elif isinstance(data_type, ArrayType) and depth > 0:
        lines.append(f"{prefix}-- element: {_tree_type_name(data_type.elementType)} "
                     f"(containsNull = {str(data_type.containsNull).lower()})")
        _nested_tree_lines(data_type.elementType, f"{prefix}    |", lines, depth - 1)
    elif isinstance(data_type, MapType) and depth > 0:
        lines.append(f"{prefix}-- key: {_tree_type_name(data_type.keyType)}")
        _nested_tree_lines(data_type.keyType, f"{prefix}    |", lines, depth - 1)
        lines.append(f"{prefix}-- value: {_tree_type_name(data_type.valueType)} "
                     f"(valueContainsNull = {str(data_type.valueContainsNull).lower()})")
        _nested_tree_lines(data_type.valueType, f"{prefix}    |", lines, depth - 1)


def _tree_type_name(data_type: DataType) -> str:
    """The type's name in ``printSchema`` (the JVM's: ``integer``, ``decimal(10,2)``)."""
    if isinstance(data_type, (DecimalType, CharType, VarcharType, AnsiIntervalType, TimeType, UserDefinedType)):
        return data_type.simpleString()
    return data_type.typeName()


def _escape_meta_characters(name: str) -> str:
    for char, escaped in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\f", "\\f"), ("\b", "\\b"),
                          ("\v", "\\v"), ("\a", "\\a")):
        name = name.replace(char, escaped)
    return name


_SQL_NAMES = {BooleanType: "BOOLEAN", ByteType: "TINYINT", ShortType: "SMALLINT", IntegerType: "INT",
              LongType: "BIGINT", FloatType: "FLOAT", DoubleType: "DOUBLE", DateType: "DATE",
              TimestampType: "TIMESTAMP", TimestampNTZType: "TIMESTAMP_NTZ", BinaryType: "BINARY",
              NullType: "VOID", CalendarIntervalType: "INTERVAL"}


def sql_type_name(data_type: DataType) -> str:
    """The type as Spark writes it in SQL and in messages (``INT``, ``ARRAY<STRING>``,
    ``STRUCT<a: INT NOT NULL>``, ``DECIMAL(10,2)``)."""
    if isinstance(data_type, ArrayType):
        return f"ARRAY<{sql_type_name(data_type.elementType)}>"
    if isinstance(data_type, MapType):
        return f"MAP<{sql_type_name(data_type.keyType)}, {sql_type_name(data_type.valueType)}>"
    if isinstance(data_type, StructType):
        return "STRUCT<%s>" % ", ".join(_field_ddl(f, ": ") for f in data_type.fields)
    if isinstance(data_type, StringType):
        return "STRING" if data_type.isUTF8BinaryCollation() else f"STRING COLLATE {data_type.collation}"
    if type(data_type) in _SQL_NAMES:
        return _SQL_NAMES[type(data_type)]
    return data_type.simpleString().upper()


def _field_ddl(field: StructField, separator: str) -> str:
    text = f"{_quote_if_needed(field.name)}{separator}{sql_type_name(field.dataType)}"
    if not field.nullable:
        text += " NOT NULL"
    comment = field.metadata.get("comment")
    if comment is not None:
        text += " COMMENT '%s'" % str(comment).replace("'", "\\'")
    return text


def _quote_if_needed(name: str) -> str:
    if re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", name):
        return name
    return "`%s`" % name.replace("`", "``")


# ---- reading the JSON and DDL forms

_JSON_NAMES = {"string": StringType, "binary": BinaryType, "boolean": BooleanType, "decimal": DecimalType,
               "float": FloatType, "double": DoubleType, "byte": ByteType, "short": ShortType,
               "integer": IntegerType, "long": LongType, "date": DateType, "timestamp": TimestampType,
               "timestamp_ntz": TimestampNTZType, "void": NullType, "interval": CalendarIntervalType}
_JSON_PATTERNS = [
    (re.compile(r"decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)"), lambda m: DecimalType(int(m[1]), int(m[2]))),
    (re.compile(r"time\(\s*(\d+)\s*\)"), lambda m: TimeType(int(m[1]))),
    (re.compile(r"interval (day|hour|minute|second)( to (day|hour|minute|second))?"),
     lambda m: DayTimeIntervalType(*_interval_fields(DayTimeIntervalType, m))),
    (re.compile(r"interval (year|month)( to (year|month))?"),
     lambda m: YearMonthIntervalType(*_interval_fields(YearMonthIntervalType, m))),
    (re.compile(r"string\s+collate\s+(\w+)"), lambda m: StringType(m[1])),
    (re.compile(r"char\(\s*(\d+)\s*\)"), lambda m: CharType(int(m[1]))),
    (re.compile(r"varchar\(\s*(\d+)\s*\)"), lambda m: VarcharType(int(m[1]))),
]


def _interval_fields(cls, match) -> tuple:
    start = cls.FIELDS.index(match[1])
    return (start,) if match[3] is None else (start, cls.FIELDS.index(match[3]))


def _parse_datatype_json_string(json_string: str) -> DataType:
    """The data type of its JSON text (``DataType.json()``)."""
    return _parse_datatype_json_value(json.loads(json_string))


def _parse_datatype_json_value(json_value: str | dict, fieldPath: str = "",
                               collationsMap: dict | None = None) -> DataType:
    if not isinstance(json_value, dict):
        if json_value in _JSON_NAMES:
            if collationsMap and fieldPath in collationsMap:
                return StringType(collationsMap[fieldPath])
            return _JSON_NAMES[json_value]()
        for pattern, build in _JSON_PATTERNS:
            match = pattern.match(json_value)
            if match:
                return build(match)
        raise error(PySparkValueError, "CANNOT_PARSE_DATATYPE", msg=json_value)
    kind = json_value["type"]
    if kind == "array":
        return ArrayType.fromJson(json_value, fieldPath, collationsMap)
    if kind == "map":
        return MapType.fromJson(json_value, fieldPath, collationsMap)
    if kind == "struct":
        return StructType.fromJson(json_value)
    if kind == "udt":
        return UserDefinedType.fromJson(json_value)
    raise error(PySparkValueError, "UNSUPPORTED_DATA_TYPE", data_type=kind)


_ATOMIC_BUILDERS = {"boolean": BooleanType, "byte": ByteType, "short": ShortType, "integer": IntegerType,
                    "long": LongType, "float": FloatType, "double": DoubleType, "date": DateType,
                    "timestamp": TimestampType, "timestamp_ntz": TimestampNTZType, "string": StringType,
                    "binary": BinaryType, "void": NullType, "char": CharType, "varchar": VarcharType,
                    "decimal": DecimalType, "time": TimeType, "interval": CalendarIntervalType}


def _parse_datatype_string(s: str) -> DataType:
    """The data type of a DDL string, as PySpark's (which asks the JVM): ``"a INT, b STRING"``,
    ``"a: int"``, ``"struct<a:int>"``, ``"int"``, ``"decimal(10,2)"``; errors as Spark's parser
    raises them (``ParseException``)."""
    return _from_tree(parse_ddl(s))


def _from_tree(tree) -> DataType:
    kind = tree[0]
    if kind == "atomic":
        return _ATOMIC_BUILDERS[tree[1]](*tree[2])
    if kind == "array":
        return ArrayType(_from_tree(tree[1]), True)
    if kind == "map":
        return MapType(_from_tree(tree[1]), _from_tree(tree[2]), True)
    if kind == "interval":
        cls = YearMonthIntervalType if tree[1] == "year" else DayTimeIntervalType
        return cls(tree[2], tree[3])
    return StructType([StructField(name, _from_tree(sub), nullable, {} if comment is None else {"comment": comment})
                       for name, sub, nullable, comment in tree[1]])
