"""Python UDTFs over each partition's rows, in the executors' Python workers.

Contract: ``BatchEvalPythonUDTFExec`` makes one instance of the user's class per task (``__init__``
checked as PySpark checks it), calls ``eval`` once per input row with the row's argument values (as
a row UDF gets them) and ``terminate`` once at the end of the partition, ``cleanup`` last whatever
happened. Each output row is joined with the input row that made it (``terminate``'s with the
partition's last input row). Output rows are checked and converted as PySpark's worker does: an
Arrow-optimized UDTF (PySpark's default) as its Arrow path converts (a number for a string column
becomes its text; a value Arrow cannot take fails), another as its pickled rows are converted (NULL
instead). Failures raise PySpark's conditions inside a ``PythonException`` (``python_exception``).
"""
from __future__ import annotations

import datetime
import decimal
import inspect
from collections.abc import Iterable

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.conversion import rows_to_table
from sparklite.sql.errors import PySparkRuntimeError, PySparkValueError
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.physical import SparkPlan, attr_list, bind
from sparklite.sql.plan.tablefunctions import SQL_ARROW_TABLE_UDF, PythonUDTF
from sparklite.sql.udf import _python_values, python_exception


class BatchEvalPythonUDTFExec(SparkPlan):
    """A Python UDTF over each input row of a partition, then its ``terminate``: the output is the
    input's passed-on columns (``child_output``) beside the rows each input row made. Shown as
    Spark shows it, ``ArrowEvalPythonUDTF`` for an Arrow-optimized UDTF."""

    def __init__(self, udtf, udtf_output: list, child: SparkPlan, child_output: list | None = None):
        self.udtf, self.udtf_output, self.children = udtf, list(udtf_output), (child,)
        self.child_output = list(child.output if child_output is None else child_output)

    @property
    def output(self):
        return self.child_output + self.udtf_output

    def execute(self, ctx):
        child = self.children[0]
        call = bind(self.udtf, child.output)
        schema, child_schema = self.schema, child.schema
        passed = {a.expr_id for a in self.child_output}
        positions = [i for i, a in enumerate(child.output) if a.expr_id in passed]

        def joined(batch, parents: list, runner, calls: list) -> pa.RecordBatch:
            generated = runner.table(calls)
            index = pa.array(parents, pa.int64())
            kept = [batch.column(i).take(index) for i in positions]
            columns = kept + [generated.column(j).combine_chunks() for j in range(generated.num_columns)]
            if not columns:                        # no columns at all: the batch still counts its rows
                return pa.RecordBatch.from_struct_array(pa.array([{}] * len(parents), pa.struct([])))
            return pa.RecordBatch.from_arrays([c if c.type == f.type else c.cast(f.type)
                                               for c, f in zip(columns, schema)], schema=schema)

        def run(batches):
            runner = _guarded(UDTFRunner, call)
            try:
                last = None
                for batch in batches:
                    if not batch.num_rows:
                        continue
                    columns = [_python_values(evaluate_array(a, batch), a.data_type) for a in call.children]
                    calls, parents = [], []
                    for i, values in enumerate(zip(*columns) if columns else [()] * batch.num_rows):
                        made = _guarded(runner.rows, values)
                        calls.append(made)
                        parents += [i] * len(made[0])
                    yield _guarded(joined, batch, parents, runner, calls)
                    last = batch.slice(batch.num_rows - 1)
                made = _guarded(runner.finish)
                if made[0]:
                    if last is None:                # terminate without input rows: the input's columns are NULL
                        last = pa.RecordBatch.from_arrays([pa.nulls(1, f.type) for f in child_schema],
                                                          schema=child_schema)
                    yield _guarded(joined, last, [0] * len(made[0]), runner, [made])
            finally:
                _guarded(runner.close)
        return child.execute(ctx).map_partitions(run, schema=schema, arrow_only=False)

    def node_string(self):
        name = "ArrowEvalPythonUDTF" if self.udtf.eval_type == SQL_ARROW_TABLE_UDF else "BatchEvalPythonUDTF"
        passed = f"{attr_list(self.child_output)}, " if self.child_output else ""
        return f"{name} {self.udtf.sql()}, {passed}{attr_list(self.udtf_output)}, {self.udtf.eval_type}"


def _guarded(function, *args):
    """``function(*args)``, where the user's code runs: its failure reported as PySpark reports it
    (the arguments' own errors, computed by the engine, stay as they are)."""
    try:
        return function(*args)
    except Exception as error:
        raise python_exception(error) from error


class UDTFRunner:
    """One task's instance of the user's class: ``rows(args)`` the output rows of one input row,
    ``finish()`` those of ``terminate``, ``close()`` calls ``cleanup``; ``table(calls)`` converts the
    rows of several calls to an Arrow table of the return type. Arrow-optimized UDTFs (PySpark's
    default) convert as PySpark's Arrow path does (a number for a string column becomes its text,
    a value Arrow cannot take fails); the others as its pickled rows are converted (NULL instead)."""

    def __init__(self, call: PythonUDTF):
        self.name, self.schema, self.keywords = call.name, call.return_type, call.keywords
        self.arrow = call.eval_type == SQL_ARROW_TABLE_UDF
        cls = call.func
        init_args = inspect.getfullargspec(cls).args
        if call.analyze_result is not None and len(init_args) > 2:
            raise PySparkRuntimeError(errorClass="UDTF_CONSTRUCTOR_INVALID_IMPLEMENTS_ANALYZE_METHOD",
                                      messageParameters={"name": self.name})
        if call.analyze_result is None and len(init_args) > 1:
            raise PySparkRuntimeError(errorClass="UDTF_CONSTRUCTOR_INVALID_NO_ANALYZE_METHOD",
                                      messageParameters={"name": self.name})
        try:
            self.instance = cls(call.analyze_result) if len(init_args) == 2 else cls()
        except Exception as error:
            raise _exec_error("__init__", error) from error
        placeholders = [i for i, k in enumerate(self.keywords) if k is None]
        named = {k: i for i, k in enumerate(self.keywords) if k is not None}
        try:
            inspect.signature(self.instance.eval).bind(*placeholders, **named)
        except TypeError as error:
            raise PySparkRuntimeError(errorClass="UDTF_EVAL_METHOD_ARGUMENTS_DO_NOT_MATCH_SIGNATURE",
                                      messageParameters={"name": self.name, "reason": str(error)}) from None

    def rows(self, values: tuple) -> tuple[list, str]:
        positional = [v for v, k in zip(values, self.keywords) if k is None]
        named = {k: v for v, k in zip(values, self.keywords) if k is not None}
        return self._call(self.instance.eval, positional, named)

    def finish(self) -> tuple[list, str]:
        terminate = getattr(self.instance, "terminate", None)
        return self._call(terminate, [], {}) if terminate is not None else ([], "terminate")

    def close(self) -> None:
        cleanup = getattr(self.instance, "cleanup", None)
        if cleanup is not None:
            cleanup()

    def _call(self, method, args, kwargs) -> tuple[list, str]:
        """The checked rows of one call of ``eval`` or ``terminate``, and the method's name. The call
        alone is wrapped in ``UDTF_EXEC_ERROR``: a generator's failure while it is read is not."""
        func = method.__name__
        try:
            result = method(*args, **kwargs)
        except Exception as error:
            raise _exec_error(func, error) from error
        if result is None:
            return [], func
        if not isinstance(result, Iterable):
            raise PySparkRuntimeError(errorClass="UDTF_RETURN_NOT_ITERABLE",
                                      messageParameters={"type": type(result).__name__, "func": func})
        return [self._arrow_row(r) if self.arrow else self._pickled_row(r, func) for r in result], func

    def _arrow_row(self, row):
        if not isinstance(row, tuple) and len(self.schema.fields) == 1:
            row = (row,)
        if isinstance(row, tuple):
            self._check_nulls(row)
        return row

    def _pickled_row(self, row, func: str) -> tuple:
        width = len(self.schema.fields)
        if row is None:
            return (None,) * width
        if hasattr(row, "__UDT__"):
            raise PySparkRuntimeError(errorClass="UDTF_INVALID_OUTPUT_ROW_TYPE",
                                      messageParameters={"type": type(row).__name__, "func": func})
        if hasattr(row, "__len__") and len(row) != width:
            raise PySparkRuntimeError(errorClass="UDTF_RETURN_SCHEMA_MISMATCH",
                                      messageParameters={"expected": str(width), "actual": str(len(row)),
                                                         "func": func})
        if not isinstance(row, (list, dict, tuple)) and not hasattr(row, "__dict__"):
            raise PySparkRuntimeError(errorClass="UDTF_INVALID_OUTPUT_ROW_TYPE",
                                      messageParameters={"type": type(row).__name__, "func": func})
        if isinstance(row, tuple):
            self._check_nulls(row)
        values = _struct_values(row, self.schema)
        return tuple(_coerce(v, f.dataType) for v, f in zip(values, self.schema.fields))

    def _check_nulls(self, row: tuple) -> None:
        for i, (value, field) in enumerate(zip(row, self.schema.fields)):
            if not _null_allowed(value, field.dataType, field.nullable):
                raise _exec_error("eval' or 'terminate", (
                    f"Column {i} within a returned row had a value of None, either directly or within "
                    "array/struct/map subfields, but the corresponding column type was declared as "
                    "non-nullable; please update the UDTF to return a non-None value at this location or "
                    "otherwise declare the column type as nullable."))

    def table(self, calls: list) -> pa.Table:
        """The rows of ``calls`` (``(rows, method name)`` pairs) as one table of the return type; when
        they do not convert, the error names the call whose rows failed, as PySpark converts each alone."""
        rows = [r for made, _ in calls for r in made]
        if not self.arrow:
            return rows_to_table(rows, self.schema, verify=False)
        try:
            return _arrow_table(rows, self.schema)
        except Exception:
            for made, func in calls:
                self._convert_one(made, func)
            raise

    def _convert_one(self, rows: list, func: str) -> None:
        try:
            _arrow_table(rows, self.schema)
        except PySparkValueError as error:
            if error.getCondition() == "AXIS_LENGTH_MISMATCH":
                parameters = error.getMessageParameters()
                raise PySparkRuntimeError(errorClass="UDTF_RETURN_SCHEMA_MISMATCH",
                                          messageParameters={"expected": parameters["expected_length"],
                                                             "actual": parameters["actual_length"],
                                                             "func": func}) from error
            raise self._conversion_error(rows) from error
        except Exception as error:
            raise self._conversion_error(rows) from error

    def _conversion_error(self, rows: list) -> PySparkRuntimeError:
        return PySparkRuntimeError(errorClass="UDTF_ARROW_DATA_CONVERSION_ERROR",
                                   messageParameters={"data": str(rows), "schema": self.schema.simpleString(),
                                                      "arrow_schema": str(T.to_arrow_type(self.schema))})


def _arrow_table(rows: list, schema: T.StructType) -> pa.Table:
    """PySpark's conversion of local rows to Arrow for an Arrow-optimized UDTF's output."""
    width = len(schema.fields)

    def as_tuple(item) -> tuple:
        if item is None:
            return (None,) * width
        if isinstance(item, dict):
            return tuple(item.get(n) for n in schema.names)
        if not isinstance(item, tuple) and hasattr(item, "__dict__"):
            return tuple(vars(item).get(n) for n in schema.names)
        if len(item) != width:
            raise _axis_mismatch(width, len(item))
        return tuple(item)
    normalized = [as_tuple(r) for r in rows]
    if not width:
        return pa.Table.from_struct_array(pa.array([{}] * len(rows), pa.struct([])))
    arrays = [pa.array([_arrow_value(row[i], f.dataType, f.nullable) for row in normalized],
                       type=T.to_arrow_type(f.dataType)) for i, f in enumerate(schema.fields)]
    return pa.Table.from_arrays(arrays, names=schema.names)


def _axis_mismatch(expected: int, actual: int) -> PySparkValueError:
    return PySparkValueError(errorClass="AXIS_LENGTH_MISMATCH",
                             messageParameters={"expected_length": str(expected), "actual_length": str(actual)})


def _arrow_value(value, data_type, nullable: bool = True):
    """``value`` as Arrow takes it for ``data_type`` (PySpark's ``LocalDataToArrowConversion``): strings
    from any value, structs from tuples, dicts or objects, maps as key-value pairs."""
    if value is None:
        if not nullable:
            raise PySparkValueError(f"input for {data_type} must not be None")
        return None
    if isinstance(data_type, T.StringType):
        return value if isinstance(value, str) else {True: "true", False: "false"}.get(value, None) \
            if isinstance(value, bool) else str(value)
    if isinstance(data_type, T.StructType):
        fields = data_type.fields
        if isinstance(value, tuple):
            if len(value) != len(fields):
                raise _axis_mismatch(len(fields), len(value))
            items = value
        elif isinstance(value, dict):
            items = [value.get(f.name) for f in fields]
        else:
            assert hasattr(value, "__dict__"), f"{type(value)} {value}"
            items = [vars(value).get(f.name) for f in fields]
        return {f.name: _arrow_value(v, f.dataType, f.nullable) for v, f in zip(items, fields)}
    if isinstance(data_type, T.ArrayType):
        assert isinstance(value, list)
        return [_arrow_value(v, data_type.elementType, data_type.containsNull) for v in value]
    if isinstance(data_type, T.MapType):
        assert isinstance(value, dict)
        return [(_arrow_value(k, data_type.keyType, False),
                 _arrow_value(v, data_type.valueType, data_type.valueContainsNull)) for k, v in value.items()]
    if isinstance(data_type, T.BinaryType):
        assert isinstance(value, (bytes, bytearray))
        return bytes(value)
    if isinstance(data_type, T.TimestampType):
        assert isinstance(value, datetime.datetime)
        return value.astimezone(datetime.timezone.utc)
    if isinstance(data_type, T.TimestampNTZType):
        assert isinstance(value, datetime.datetime) and value.tzinfo is None
        return value
    if isinstance(data_type, T.DecimalType):
        assert isinstance(value, decimal.Decimal)
        if value.is_nan():
            return None
        context = decimal.Context(prec=data_type.precision, rounding=decimal.ROUND_HALF_EVEN)
        return value.quantize(decimal.Decimal(f"1E-{data_type.scale}"), context=context)
    return value


def _exec_error(method: str, error) -> PySparkRuntimeError:
    return PySparkRuntimeError(errorClass="UDTF_EXEC_ERROR",
                               messageParameters={"method_name": method, "error": str(error)})


def _struct_values(value, struct: T.StructType) -> list:
    names = struct.names
    if isinstance(value, dict):
        return [value.get(n) for n in names]
    if isinstance(value, (tuple, list)):
        return list(value)[:len(names)] + [None] * (len(names) - len(value))
    if hasattr(value, "__dict__"):
        return [vars(value).get(n) for n in names]
    raise PySparkValueError(errorClass="UNEXPECTED_TUPLE_WITH_STRUCT", messageParameters={"tuple": str(value)})


def _null_allowed(value, data_type, nullable: bool) -> bool:
    """Whether ``value`` has no None where the type says none may be (PySpark's null checker)."""
    if value is None:
        return nullable
    if isinstance(data_type, T.ArrayType) and isinstance(value, list):
        return all(_null_allowed(v, data_type.elementType, data_type.containsNull) for v in value)
    if isinstance(data_type, T.MapType) and isinstance(value, dict):
        return all(k is not None and _null_allowed(v, data_type.valueType, data_type.valueContainsNull)
                   for k, v in value.items())
    if isinstance(data_type, T.StructType) and isinstance(value, tuple):
        return all(_null_allowed(v, f.dataType, f.nullable) for v, f in zip(value, data_type.fields))
    return True


_INT_RANGES = {T.ByteType: 8, T.ShortType: 16, T.IntegerType: 32, T.LongType: 64}


def _coerce(value, data_type):
    """``value`` as ``data_type``'s Python value the way Spark converts a pickled Python value: a value
    of another kind is NULL; a string column takes any value's text (Java's ``toString``)."""
    if value is None:
        return None
    if isinstance(data_type, T.BooleanType):
        return value if isinstance(value, bool) else None
    bits = _INT_RANGES.get(type(data_type))
    if bits is not None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        span = 1 << bits
        return (value + span // 2) % span - span // 2 if bits < 32 else \
            (value if -(span // 2) <= value < span // 2 else None)
    if isinstance(data_type, (T.FloatType, T.DoubleType)):
        return value if isinstance(value, float) else None
    if isinstance(data_type, T.StringType):
        return value if isinstance(value, str) else _java_text(value)
    if isinstance(data_type, T.BinaryType):
        if isinstance(value, str):
            return value.encode("utf-8")
        return bytes(value) if isinstance(value, (bytes, bytearray)) else None
    if isinstance(data_type, T.DecimalType):
        return value if isinstance(value, decimal.Decimal) else None
    if isinstance(data_type, T.DateType):
        value.toordinal()                           # PySpark's own conversion fails on a non-date here
        return value
    if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
        if not isinstance(value, datetime.datetime):
            raise AttributeError(f"'{type(value).__name__}' object has no attribute 'tzinfo'")
        return value
    if isinstance(data_type, T.ArrayType):
        return [_coerce(v, data_type.elementType) for v in value] if isinstance(value, (list, tuple)) else None
    if isinstance(data_type, T.MapType):
        if not isinstance(value, dict):
            return None
        return {_coerce(k, data_type.keyType): _coerce(v, data_type.valueType) for k, v in value.items()}
    if isinstance(data_type, T.StructType):
        values = _struct_values(value, data_type)
        return tuple(_coerce(v, f.dataType) for v, f in zip(values, data_type.fields))
    return value


def _java_text(value) -> str:
    """What Java's ``toString`` prints for the object a Python value is unpickled into."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
        text = repr(value)
        if "e" in text:
            mantissa, exponent = text.split("e")
            mantissa = mantissa if "." in mantissa else mantissa + ".0"
            return f"{mantissa}E{int(exponent)}"
        return text if "." in text else text + ".0"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    return str(value)
