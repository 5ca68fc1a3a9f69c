"""Python rows to Arrow tables and back: what ``createDataFrame`` takes in and ``collect`` gives out.

Contract:
* ``rows_to_table(data, schema, verify, time_zone)`` builds a ``pa.Table`` of ``to_arrow_schema(schema)``
  from local rows as PySpark's ``createDataFrame`` reads them: a tuple, list, ``Row`` or namedtuple
  by position, a dict or an object's ``__dict__`` by field name (a missing name is None), the same
  inside nested structs; lists, tuples and ``array.array``s for arrays; dicts for maps. Values are
  converted as PySpark converts them: anything into a string column is ``str()``-ed (``True`` is
  ``'true'``), a ``datetime`` into a date column is its date, a ``Decimal`` is rounded half up to
  the column's scale (``NUMERIC_VALUE_OUT_OF_RANGE`` when it does not fit), a decimal NaN is None.
  With ``verify`` a value of the wrong type, a None in a non-nullable place, an integer out of its
  type's range or a row of the wrong length raises PySpark's error (``FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME``
  naming ``field x``, ``FIELD_NOT_NULLABLE_WITH_NAME``, ``VALUE_OUT_OF_BOUNDS``,
  ``FIELD_STRUCT_LENGTH_MISMATCH``), the first one in row order, as PySpark checks row by row.
* ``table_to_rows(table, schema, time_zone)`` gives what ``collect()`` gives: ``Row``s named by the
  schema (names may repeat), nested structs as ``Row``s, arrays as lists, maps as dicts, decimals
  as ``Decimal``, dates as ``date``, binaries as ``bytes``, intervals as ``timedelta``, TIMESTAMP_NTZ
  as naive ``datetime``. Like PySpark it refuses year-month and calendar intervals (``NOT_IMPLEMENTED``;
  ``PYSPARK_YM_INTERVAL_LEGACY=1`` gives the months).
* TimestampType values are instants. A naive ``datetime`` going in is a wall-clock time in
  ``time_zone``, and instants come out as naive wall-clock times there; ``time_zone=None`` means the
  Python process's local time zone, which is what PySpark uses (not the session time zone).
  ``time_zone`` is an IANA name or a fixed offset (``+02:00``, ``UTC+2``).
* Both work a column at a time: 100,000 rows of five flat columns take about a tenth of a second
  each way; nested values are checked and converted value by value (several times slower).
"""
from __future__ import annotations

import array
import datetime
import decimal
import gc
import os
import re
import time
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql.errors import (ArithmeticException, PySparkNotImplementedError, PySparkTypeError,
                                  PySparkValueError, error)
from sparklite.sql.row import Row
from sparklite.sql.types import (ArrayType, BinaryType, BooleanType, ByteType, CalendarIntervalType, CharType,
                                 DataType, DateType, DayTimeIntervalType, DecimalType, DoubleType, FloatType,
                                 IntegerType, LongType, MapType, NullType, ShortType, StringType, StructType,
                                 TimestampNTZType, TimestampType, TimeType, UserDefinedType, VarcharType,
                                 YearMonthIntervalType, to_arrow_schema, to_arrow_type)

_NONE = type(None)
_UTC = datetime.timezone.utc
_STRINGS = (StringType, CharType, VarcharType)

# the Python types PySpark accepts for each data type (exact types: a bool is not an int here)
_ACCEPTABLE = {
    BooleanType: (bool,), ByteType: (int,), ShortType: (int,), IntegerType: (int,), LongType: (int,),
    FloatType: (float,), DoubleType: (float,), DecimalType: (decimal.Decimal,), BinaryType: (bytearray, bytes),
    DateType: (datetime.date, datetime.datetime), TimeType: (datetime.time,), TimestampType: (datetime.datetime,),
    TimestampNTZType: (datetime.datetime,), DayTimeIntervalType: (datetime.timedelta,),
    ArrayType: (list, tuple, array.array), MapType: (dict,),
}
_BOUNDS = {ByteType: 7, ShortType: 15, IntegerType: 31, LongType: 63}


# ---- rows to Arrow

def rows_to_table(data, schema: StructType, verify: bool = True, time_zone: str | None = None) -> pa.Table:
    """A table of ``schema`` holding ``data``'s rows (see the module's contract)."""
    rows = data if isinstance(data, list) else list(data)
    zone = _zone(time_zone)
    with _collector_paused():
        try:
            columns = _columns(rows, schema)
            if verify:
                for column, field in zip(columns, schema.fields):
                    _check_column(column, field.dataType, field.nullable, f"field {field.name}")
            arrays = [_to_arrow(column, field.dataType, zone) for column, field in zip(columns, schema.fields)]
        except (_Mismatch, ValueError, TypeError, OverflowError, pa.ArrowException):
            # the fast column-wise path stumbled: PySpark's row-by-row check names the first bad
            # value (even when ``verify`` is off: a better message than Arrow's)
            verify_rows(rows, schema)
            raise
    if not schema.fields:
        return pa.table({"_": pa.nulls(len(rows))}).drop_columns(["_"])
    return pa.Table.from_arrays(arrays, schema=to_arrow_schema(schema))


class _Mismatch(Exception):
    """A value the column-wise path cannot take: ``verify_rows`` then says which and why."""


def _columns(rows: list, schema: StructType) -> list:
    """The rows' values, a list per field, rows read by position or by name."""
    names, width = schema.names, len(schema.fields)
    if all(isinstance(row, (tuple, list)) and len(row) == width for row in rows):
        return [list(column) for column in zip(*rows)] if rows else [[] for _ in range(width)]
    columns = [[] for _ in range(width)]
    for row in rows:
        values = _struct_values(row, names)
        if len(values) != width:
            raise _Mismatch(row)
        for column, value in zip(columns, values):
            column.append(value)
    return columns


def _struct_values(value, names: list) -> list:
    """A struct's values in field order: a dict's and an object's by name, a sequence's by position."""
    if isinstance(value, dict):
        return [value.get(name) for name in names]
    if isinstance(value, (tuple, list)):
        return list(value)
    if hasattr(value, "__dict__"):
        return [value.__dict__.get(name) for name in names]
    raise _Mismatch(value)


def _check_column(column: list, data_type: DataType, nullable: bool, name: str) -> None:
    """Raises when PySpark's check fails somewhere in the column (the row-by-row check then finds
    the first failure in row order): by the set of its types for a flat column, value by value for
    a nested one."""
    if isinstance(data_type, (ArrayType, MapType, StructType, UserDefinedType)):
        check = make_verifier(data_type, nullable, name)
        for value in column:
            check(value)
        return
    kinds = set(map(type, column))
    if not nullable and (_NONE in kinds or (isinstance(data_type, DecimalType) and
                                            any(v is not None and v.is_nan() for v in column))):
        raise _Mismatch(None)
    if not isinstance(data_type, _STRINGS) and not kinds - {_NONE} <= set(_ACCEPTABLE.get(type(data_type), ())):
        raise _Mismatch(kinds)


def verify_rows(rows: list, schema: StructType) -> None:
    """PySpark's check of every row against the schema, row by row; raises the first failure."""
    check = make_verifier(schema)
    for row in rows:
        check(row)


def make_verifier(data_type: DataType, nullable: bool = True, name: str | None = None):
    """PySpark's ``_make_type_verifier``: a function that raises PySpark's error when a value does
    not fit ``data_type`` (``name`` is how the error names the place: ``field x``)."""
    def new_name(field_name: str) -> str:
        return f"field {field_name}" if name is None else f"field {field_name} in {name}"

    def unacceptable(obj):
        if name is not None:
            return error(PySparkTypeError, "FIELD_DATA_TYPE_UNACCEPTABLE_WITH_NAME", field_name=name,
                         data_type=data_type, obj=repr(obj), obj_type=type(obj))
        return error(PySparkTypeError, "FIELD_DATA_TYPE_UNACCEPTABLE", data_type=data_type, obj=repr(obj),
                     obj_type=type(obj))

    acceptable = _ACCEPTABLE.get(type(data_type), ())
    if isinstance(data_type, _STRINGS):
        def check_value(obj):
            pass
    elif isinstance(data_type, UserDefinedType):
        check_datum = make_verifier(data_type.sqlType(), nullable, name)

        def check_value(obj):
            if getattr(obj, "__UDT__", None) != data_type:
                if name is not None:
                    raise error(PySparkValueError, "FIELD_TYPE_MISMATCH_WITH_NAME", field_name=name, obj=obj,
                                data_type=data_type)
                raise error(PySparkValueError, "FIELD_TYPE_MISMATCH", obj=obj, data_type=data_type)
            check_datum(data_type.serialize(obj))
    elif type(data_type) in _BOUNDS:
        bits = _BOUNDS[type(data_type)]

        def check_value(obj):
            if type(obj) not in acceptable:
                raise unacceptable(obj)
            if not -2 ** bits <= obj < 2 ** bits:
                raise error(PySparkValueError, "VALUE_OUT_OF_BOUNDS", arg_name="obj", lower_bound=-2 ** bits,
                            upper_bound=2 ** bits - 1, actual=obj)
    elif isinstance(data_type, ArrayType):
        check_element = make_verifier(data_type.elementType, data_type.containsNull, f"element in array {name}")

        def check_value(obj):
            if type(obj) not in acceptable:
                raise unacceptable(obj)
            for element in obj:
                check_element(element)
    elif isinstance(data_type, MapType):
        check_key = make_verifier(data_type.keyType, False, f"key of map {name}")
        check_item = make_verifier(data_type.valueType, data_type.valueContainsNull, f"value of map {name}")

        def check_value(obj):
            if type(obj) not in acceptable:
                raise unacceptable(obj)
            for key, item in obj.items():
                check_key(key)
                check_item(item)
    elif isinstance(data_type, StructType):
        checks = [(f.name, make_verifier(f.dataType, f.nullable, new_name(f.name))) for f in data_type.fields]

        def check_value(obj):
            if isinstance(obj, dict):
                values = [obj.get(field_name) for field_name, _ in checks]
            elif isinstance(obj, (tuple, list)):
                if len(obj) != len(checks):
                    if name is not None:
                        raise error(PySparkValueError, "FIELD_STRUCT_LENGTH_MISMATCH_WITH_NAME", field_name=name,
                                    object_length=len(obj), field_length=len(checks))
                    raise error(PySparkValueError, "FIELD_STRUCT_LENGTH_MISMATCH", object_length=len(obj),
                                field_length=len(checks))
                values = obj
            elif hasattr(obj, "__dict__"):
                values = [obj.__dict__.get(field_name) for field_name, _ in checks]
            else:
                raise unacceptable(obj)
            for value, (_, check) in zip(values, checks):
                check(value)
    else:
        # PySpark fails an assertion for a value of a type it cannot take in (VOID, intervals):
        # this says which value instead
        def check_value(obj):
            if type(obj) not in acceptable:
                raise unacceptable(obj)

    def check(obj):
        if obj is None or (isinstance(obj, decimal.Decimal) and obj.is_nan()):
            if nullable:
                return
            if name is not None:
                raise error(PySparkValueError, "FIELD_NOT_NULLABLE_WITH_NAME", field_name=name)
            raise error(PySparkValueError, "FIELD_NOT_NULLABLE")
        check_value(obj)

    return check


def _to_arrow(column: list, data_type: DataType, zone) -> pa.Array:
    convert = _python_converter(data_type, zone)
    if convert is not None and not _already_fit(column, data_type, zone):
        column = [None if value is None else convert(value) for value in column]
    return pa.array(column, type=to_arrow_type(data_type), from_pandas=False)


def _already_fit(column: list, data_type: DataType, zone) -> bool:
    """Whether a flat column's values go into Arrow as they are (the common case, kept fast)."""
    kinds = set(map(type, column)) - {_NONE}
    if isinstance(data_type, _STRINGS):
        return kinds <= {str}
    if isinstance(data_type, DateType):
        return kinds <= {datetime.date}
    if isinstance(data_type, TimestampType):
        return zone == "UTC"
    if isinstance(data_type, ArrayType) and _python_converter(data_type.elementType, zone) is None:
        return array.array not in kinds
    return False


def _python_converter(data_type: DataType, zone):
    """A function making a non-None value what ``pa.array`` takes for the type, or None when
    values go in as they are."""
    if isinstance(data_type, _STRINGS):
        return _to_str
    if isinstance(data_type, NullType):
        return lambda value: None
    if isinstance(data_type, DateType):
        return lambda value: value.date() if isinstance(value, datetime.datetime) else value
    if isinstance(data_type, TimestampType):
        return _instant_converter(zone)
    if isinstance(data_type, TimestampNTZType):
        return lambda value: value.replace(tzinfo=None) if isinstance(value, datetime.datetime) else value
    if isinstance(data_type, DecimalType):
        return lambda value: _fit_decimal(value, data_type)
    if isinstance(data_type, ArrayType):
        element = _python_converter(data_type.elementType, zone)
        if element is None:
            return lambda value: list(value) if isinstance(value, array.array) else value
        return lambda value: [None if item is None else element(item) for item in value]
    if isinstance(data_type, MapType):
        key = _python_converter(data_type.keyType, zone)
        item = _python_converter(data_type.valueType, zone)
        if key is None and item is None:
            return None
        key, item = key or _same, item or _same
        return lambda value: {key(k): None if v is None else item(v) for k, v in value.items()}
    if isinstance(data_type, UserDefinedType):
        datum = _python_converter(data_type.sqlType(), zone) or _same
        return lambda value: datum(data_type.serialize(value))
    if isinstance(data_type, StructType):
        names = data_type.names
        fields = [_python_converter(f.dataType, zone) for f in data_type.fields]
        if not any(fields):
            return lambda value: tuple(_struct_values(value, names))
        fields = [convert or _same for convert in fields]
        return lambda value: tuple(None if v is None else convert(v)
                                   for convert, v in zip(fields, _struct_values(value, names)))
    return None


def _same(value):
    return value


def _to_str(value) -> str:
    if isinstance(value, str):
        return value
    return str(value).lower() if isinstance(value, bool) else str(value)


def _instant_converter(zone):
    if zone == "UTC":
        return None
    if zone is None:
        # astimezone reads a naive datetime as the process's local time, as PySpark's time.mktime does
        return lambda value: value.astimezone(_UTC)
    return lambda value: value if value.tzinfo is not None else value.replace(tzinfo=zone)


_WIDE = decimal.Context(prec=100)


def _fit_decimal(value, data_type: DecimalType):
    """The decimal rounded half up to the type's scale; NaN is None; too many digits is Spark's error."""
    if value.is_nan():
        return None
    quantum = decimal.Decimal(1).scaleb(-data_type.scale)
    try:
        rounded = value.quantize(quantum, rounding=decimal.ROUND_HALF_UP, context=_WIDE)
    except decimal.InvalidOperation:
        rounded = value
    if not rounded.is_finite() or (rounded and rounded.adjusted() + 1 > data_type.precision - data_type.scale):
        raise ArithmeticException(errorClass="NUMERIC_VALUE_OUT_OF_RANGE.WITHOUT_SUGGESTION", messageParameters={
            "roundedValue": rounded, "originalValue": value, "precision": data_type.precision,
            "scale": data_type.scale})
    return rounded


# ---- Arrow to rows

def table_to_rows(table: pa.Table, schema: StructType, time_zone: str | None = None) -> list:
    """The rows ``collect()`` returns for ``table`` (see the module's contract)."""
    zone = _zone(time_zone)
    names = schema.names
    with _collector_paused():
        columns = [_to_python(table.column(i), field.dataType, zone) for i, field in enumerate(schema.fields)]
        if not columns:
            return [_row(names, ()) for _ in range(table.num_rows)]
        return [_row(names, values) for values in zip(*columns)]


@contextmanager
def _collector_paused():
    """Turning rows into columns and back allocates a container or two per row, none of them cyclic
    garbage, and each batch of a few hundred makes CPython's collector walk all the young ones
    again: two thirds of the time for 100,000 rows. So it waits until the conversion is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _row(names: list, values) -> Row:
    row = tuple.__new__(Row, values)
    row.__dict__["__fields__"] = names
    return row


def _to_python(values, data_type: DataType, zone) -> list:
    """The Python values of an Arrow array or chunked array of ``data_type``."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if isinstance(values, pa.DictionaryArray):
        values = values.dictionary_decode()
    if not _needs_conversion(data_type):
        return values.to_pylist()
    if type(data_type) in _NUMPY_TEMPORAL:
        # numpy makes dates, datetimes and timedeltas some twenty times faster than to_pylist
        return values.cast(_NUMPY_TEMPORAL[type(data_type)]).to_numpy(zero_copy_only=False).tolist()
    if isinstance(data_type, TimestampType):
        return _instants(values, zone)
    if isinstance(data_type, UserDefinedType):
        deserialize = data_type.deserialize
        return [None if datum is None else deserialize(datum)
                for datum in _to_python(values, data_type.sqlType(), zone)]
    if isinstance(data_type, (YearMonthIntervalType, CalendarIntervalType)):
        if isinstance(data_type, YearMonthIntervalType) and os.environ.get("PYSPARK_YM_INTERVAL_LEGACY") == "1":
            return values.to_pylist()
        if len(values):
            raise error(PySparkNotImplementedError, "NOT_IMPLEMENTED",
                        feature=f"{type(data_type).__name__}.fromInternal")
        return []
    valid = values.is_valid().to_pylist()
    if isinstance(data_type, StructType):
        children = [_to_python(values.field(i), f.dataType, zone) for i, f in enumerate(data_type.fields)]
        names = data_type.names
        return [_row(names, fields) if ok else None for ok, fields in zip(valid, zip(*children))] if children \
            else [_row(names, ()) if ok else None for ok in valid]
    offsets = values.offsets.to_pylist()
    if isinstance(data_type, ArrayType):
        elements = _to_python(values.values, data_type.elementType, zone)
        return [elements[offsets[i]:offsets[i + 1]] if ok else None for i, ok in enumerate(valid)]
    keys = _to_python(values.keys, data_type.keyType, zone)
    items = _to_python(values.items, data_type.valueType, zone)
    return [dict(zip(keys[offsets[i]:offsets[i + 1]], items[offsets[i]:offsets[i + 1]])) if ok else None
            for i, ok in enumerate(valid)]


_NUMPY_TEMPORAL = {DateType: pa.date32(), TimestampNTZType: pa.timestamp("us"), DayTimeIntervalType: pa.duration("us")}


def _needs_conversion(data_type: DataType) -> bool:
    """Whether ``to_pylist`` alone does not give PySpark's Python values (or not fast)."""
    if isinstance(data_type, (StructType, MapType, TimestampType, YearMonthIntervalType, CalendarIntervalType,
                              UserDefinedType)):
        return True
    if type(data_type) in _NUMPY_TEMPORAL:
        return True
    return isinstance(data_type, ArrayType) and _needs_conversion(data_type.elementType)


def _instants(values: pa.Array, zone) -> list:
    values = values.cast(pa.timestamp("us", tz=values.type.tz or "UTC"))
    if zone == "UTC":
        return values.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False).tolist()
    if zone is not None:
        local = pc.local_timestamp(values.cast(pa.timestamp("us", tz=_arrow_zone(zone))))
        return local.to_numpy(zero_copy_only=False).tolist()
    micros = values.cast(pa.int64()).to_pylist()
    return [None if us is None else datetime.datetime.fromtimestamp(us // 1_000_000).replace(
        microsecond=us % 1_000_000) for us in micros]


# ---- time zones

_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_UTC_NAMES = {"UTC", "ETC/UTC", "GMT", "ETC/GMT", "UCT", "ETC/UCT", "Z", "ZULU", "UNIVERSAL", "ETC/UNIVERSAL",
              "GMT0", "ETC/GMT0", "+00:00", "-00:00"}


def _zone(time_zone: str | None):
    """``"UTC"`` for any name of UTC, None for the process's local zone (``"UTC"`` when it is UTC),
    else a ``tzinfo``."""
    if time_zone is None:
        return "UTC" if time.timezone == 0 and time.altzone == 0 and not time.daylight else None
    if time_zone.upper() in _UTC_NAMES:
        return "UTC"
    offset = _OFFSET.fullmatch(time_zone)
    if offset:
        sign = -1 if offset[1] == "-" else 1
        delta = datetime.timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
        return "UTC" if not delta else datetime.timezone(sign * delta)
    return ZoneInfo(time_zone)


def _arrow_zone(zone) -> str:
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None)
    sign = "-" if offset < datetime.timedelta(0) else "+"
    minutes = abs(offset) // datetime.timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
