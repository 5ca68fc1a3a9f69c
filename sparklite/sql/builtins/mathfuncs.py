"""Math and conversion functions: ``abs``, ``round``/``bround``, ``ceil``/``floor``, the
double-valued math functions (``sqrt``, ``exp``, the logarithms, trigonometry, ``pow``, ...),
``factorial``, ``width_bucket``, ``rand``/``randn`` and the casting functions ``int(x)``,
``date(x)``, ... with Spark 4.3's ANSI semantics; and the argument checks the family shares with
``bits.py`` (the bitwise operators, shifts and ``conv``/``hex``/``bin``).

Contract:
* Types are Spark's: the double functions take any numeric or string argument as a double and
  give a nullable double; ``abs``, ``round`` and ``bround`` keep their argument's type (a decimal
  result of ``round`` has Spark's precision rule); ``ceil``/``floor`` give a bigint for integers and
  doubles and ``decimal(p - s + 1, 0)`` for decimals, their two-argument forms a decimal.
* Overflow raises ``ARITHMETIC_OVERFLOW`` (``abs`` of the smallest integer, ``ceil`` of a double past
  bigint, ``round`` of an integer to a scale it no longer fits, ``conv`` past 64 bits); a decimal
  rounded past 38 digits raises ``NUMERIC_VALUE_OUT_OF_RANGE``.
* ``round``/``bround`` of a float or double round the value's Java text (``BigDecimal.valueOf``),
  so ``round(2.675D, 2)`` is 2.68 as in Spark.
* ``rand``/``randn`` draw from Spark's ``XORShiftRandom`` seeded with seed + partition index, one
  generator per call expression and task, so a fixed seed and partitioning give PySpark's values.
* Column names are Spark's: most double functions print in capitals (``SQRT(x)``), aliases keep the
  name the user wrote (``sign``, ``pow``, ``ceiling``), operators print as operators (``(a & b)``,
  ``~a``) and the casting functions print their argument alone.
"""
from __future__ import annotations

import decimal
import math
import random
import re
import threading
import weakref

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.core.api import TaskContext, XORShiftRandom
from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.display import format_column
from sparklite.sql.errors import AnalysisException, ArithmeticException, NumberFormatException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.casting import check_cast
from sparklite.sql.plan.expressions import Call, Cast, Literal

_DOCROOT = "https://spark.apache.org/docs/latest"
_ORDINALS = ("first", "second", "third", "fourth")
_ATOMIC = (T.NumericType, T.BooleanType, T.DateType, T.TimestampType, T.TimestampNTZType, T.BinaryType)
INT64_MAX = (1 << 63) - 1
M64 = (1 << 64) - 1


# -- argument checks shared by the family ------------------------------------------------------

def type_text(t) -> str:
    return f'"{t.simpleString().upper()}"'


def call_sql(name: str, args) -> str:
    return f"{name}({', '.join(a.sql() for a in args)})"


def arity(name: str, args, *counts: int, shown: str | None = None) -> None:
    if len(args) not in counts:
        expected = shown or (str(counts[0]) if len(counts) == 1 else f"[{', '.join(map(str, counts))}]")
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                                   "actualNum": str(len(args)), "docroot": _DOCROOT})


def unexpected(sql: str, index: int, required: str, arg) -> AnalysisException:
    return AnalysisException(errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                             messageParameters={"sqlExpr": f'"{sql}"', "paramIndex": _ORDINALS[index],
                                                "requiredType": required, "inputSql": f'"{arg.sql()}"',
                                                "inputType": type_text(arg.data_type)})


def _implicit(e, target):
    """``e`` cast to ``target`` as ANSI's implicit casts of function arguments allow, or None: NULL
    and numbers go anywhere numeric, strings to atomic types, atomic values to strings."""
    t = e.data_type
    if t == target:
        return e
    if isinstance(t, T.NullType) or (C.is_numeric(t) and C.is_numeric(target)) \
            or (C.is_string(t) and isinstance(target, _ATOMIC)) \
            or (C.is_string(target) and (C.is_string(t) or isinstance(t, _ATOMIC))):
        return C.cast_to(e, target)
    return None


def coerced_argument(sql: str, args, index: int, target, required: str | None = None):
    cast = _implicit(args[index], target)
    if cast is None:
        raise unexpected(sql, index, required or type_text(target), args[index])
    return cast


def _to_double(e):
    """A string or NULL argument read as a double (what NUMERIC-typed Spark functions do)."""
    return C.cast_to(e, T.DoubleType()) if C.is_string(e.data_type) or isinstance(e.data_type, T.NullType) else e


def _constant(e):
    """The value of a foldable expression, as Spark evaluates a constant argument at analysis:
    literals, casts of them and calls of registered functions on them."""
    if isinstance(e, Literal):
        return e.value
    if isinstance(e, Cast):
        value = _constant(e.child)
        return _integer_text(value, e.to) if isinstance(value, str) and C.is_integral(e.to) else value
    if isinstance(e, Call) and e.spec.kernel is not None and not e.spec.lazy:
        values = [pa.array([_constant(c)], T.to_arrow_type(c.data_type)) for c in e.children]
        result = e.spec.kernel(values, 1, e)
        return (result if isinstance(result, pa.Scalar) else result[0]).as_py()
    raise TypeError(f"{e.sql()} is not a constant")


def _integer_text(text: str, target):
    """A string cast to an integer under ANSI: digits with an optional fraction, which is dropped."""
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", text.strip()):
        raise NumberFormatException(
            errorClass="CAST_INVALID_INPUT",
            messageParameters={"expression": f"'{text}'", "sourceType": '"STRING"', "targetType": type_text(target),
                               "ansiConfig": '"spark.sql.ansi.enabled"'})
    return int(decimal.Decimal(text.strip()))


def _int_constant(e) -> int | None:
    value = _constant(e)
    return None if value is None else int(value)


def _floats(values: pa.Array) -> np.ndarray:
    """The values as float64, NULLs read as 0 (callers mask them with ``null_array``)."""
    return pc.fill_null(values, 0).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def integer_values(values: pa.Array) -> np.ndarray:
    """The values as int64, NULLs read as 0 (callers mask them with ``null_array``)."""
    return pc.fill_null(values, 0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def null_array(*arrays) -> np.ndarray:
    mask = np.zeros(len(arrays[0]), dtype=bool)
    for a in arrays:
        if a.null_count:
            mask |= a.is_null().to_numpy(zero_copy_only=False)
    return mask


def overflow_error(message: str) -> ArithmeticException:
    return ArithmeticException(errorClass="ARITHMETIC_OVERFLOW",
                               messageParameters={"message": message, "alternative": "",
                                                  "config": '"spark.sql.ansi.enabled"'})


def _named(shown: str):
    """Renders ``SHOWN(args)``, or the alias the user called it by."""
    return lambda args, call: f"{call.options.get('display_name', shown)}({', '.join(args)})"


# -- double-valued math ------------------------------------------------------------------------

def _cbrt(x):
    """numpy's cube root, made exact on perfect cubes as fdlibm's (Java's) is: cbrt(27) is 3.0."""
    root = np.cbrt(x)
    whole = np.rint(root)
    return np.where(whole * whole * whole == x, whole, root)


def _signum(x):
    return np.where(x == 0, x, np.sign(x))      # keeps -0.0, as Java's Math.signum does


# name -> (the function, the smallest argument that still has a logarithm, shown name)
_UNARY_DOUBLE = {
    "sqrt": (np.sqrt, None, "SQRT"), "cbrt": (_cbrt, None, "CBRT"), "exp": (np.exp, None, "EXP"),
    "expm1": (np.expm1, None, "EXPM1"), "ln": (np.log, 0.0, "ln"), "log10": (np.log10, 0.0, "LOG10"),
    # Spark divides by ln 2 rather than calling a base-2 logarithm
    "log2": (lambda x: np.log(x) / math.log(2), 0.0, "LOG2"), "log1p": (np.log1p, -1.0, "LOG1P"),
    "signum": (_signum, None, "SIGNUM"), "sin": (np.sin, None, "SIN"), "cos": (np.cos, None, "COS"),
    "tan": (np.tan, None, "TAN"), "asin": (np.arcsin, None, "ASIN"), "acos": (np.arccos, None, "ACOS"),
    "atan": (np.arctan, None, "ATAN"), "sinh": (np.sinh, None, "SINH"), "cosh": (np.cosh, None, "COSH"),
    "tanh": (np.tanh, None, "TANH"), "asinh": (np.arcsinh, None, "ASINH"), "acosh": (np.arccosh, None, "ACOSH"),
    "atanh": (np.arctanh, None, "ATANH"), "cot": (lambda x: 1 / np.tan(x), None, "COT"),
    "sec": (lambda x: 1 / np.cos(x), None, "SEC"), "csc": (lambda x: 1 / np.sin(x), None, "CSC"),
    # java.lang.Math's constants for the conversions
    "degrees": (lambda x: x * 57.29577951308232, None, "DEGREES"),
    "radians": (lambda x: x * 0.017453292519943295, None, "RADIANS"), "rint": (np.rint, None, "rint"),
}
_ALIASES = {"signum": ("sign",)}


def _unary_double(name: str, function, floor, shown: str) -> FunctionSpec:
    def resolve(args):
        arity(name, args, 1)
        return [coerced_argument(call_sql(shown, args), args, 0, T.DoubleType())], T.DoubleType(), True

    def kernel(values, n, call):
        (x,) = values
        numbers = _floats(x)
        with np.errstate(all="ignore"):
            result = function(numbers)
        mask = null_array(x)
        if floor is not None:
            mask |= numbers <= floor        # no logarithm: NULL, as in Hive
        return pa.array(result, pa.float64(), mask=mask)
    return FunctionSpec(name, resolve, kernel, render=_named(shown), aliases=_ALIASES.get(name, ()))


for _name, (_function, _floor, _shown) in _UNARY_DOUBLE.items():
    register(_unary_double(_name, _function, _floor, _shown))


def _java_pow(x, y):
    """Java's ``Math.pow``: unlike C, a NaN exponent always gives NaN and so does (+-1) ** +-inf."""
    result = np.power(x, y)
    return np.where(np.isnan(y) | ((np.abs(x) == 1) & np.isinf(y)), np.nan, result)


def _logarithm(base, x):
    return np.log(x) / np.log(base)


# name -> (the function, shown name, NULL where (base, value) have no logarithm)
_BINARY_DOUBLE = {
    "atan2": (lambda y, x: np.arctan2(y + 0.0, x + 0.0), "ATAN2", False),   # +0.0: -0.0 counts as 0.0
    "hypot": (np.hypot, "HYPOT", False), "power": (_java_pow, "POWER", False), "log": (_logarithm, "LOG", True),
}


def _binary_double(name: str, function, shown: str, logarithm: bool) -> FunctionSpec:
    def resolve(args):
        if name == "log":
            arity(name, args, 1, 2)
            if len(args) == 1:          # log(x) is the logarithm in base e(), and says so in its name
                args = [Call(_E, [], T.DoubleType(), False), args[0]]
        else:
            arity(name, args, 2)
        sql = call_sql(shown, args)
        coerced = [coerced_argument(sql, args, i, T.DoubleType()) for i in range(2)]
        return coerced, T.DoubleType(), logarithm or any(a.nullable for a in coerced)

    def kernel(values, n, call):
        a, b = (_floats(v) for v in values)
        with np.errstate(all="ignore"):
            result = function(a, b)
        mask = null_array(*values)
        if logarithm:
            mask |= (a <= 0) | (b <= 0)
        return pa.array(result, pa.float64(), mask=mask)
    return FunctionSpec(name, resolve, kernel, render=_named(shown), aliases=("pow",) if name == "power" else ())


for _name, (_function, _shown, _log) in _BINARY_DOUBLE.items():
    register(_binary_double(_name, _function, _shown, _log))


def _math_constant(name: str, value: float) -> FunctionSpec:
    def resolve(args):
        arity(name.lower(), args, 0)
        return [], T.DoubleType(), False
    return register(FunctionSpec(name.lower(), resolve, lambda values, n, call: pa.scalar(value),
                                 render=lambda args, call: f"{name}()"))


_math_constant("PI", math.pi)
_E = _math_constant("E", math.e)


# -- abs, round, bround, ceil, floor -----------------------------------------------------------

def _resolve_abs(args):
    arity("abs", args, 1)
    arg = _to_double(args[0])
    if not isinstance(arg.data_type, (T.NumericType, T.DayTimeIntervalType, T.YearMonthIntervalType)):
        raise unexpected(call_sql("abs", args), 0,
                          '("NUMERIC" or "INTERVAL DAY TO SECOND" or "INTERVAL YEAR TO MONTH")', args[0])
    return [arg], arg.data_type, arg.nullable


def _abs_kernel(values, n, call):
    (x,) = values
    if pa.types.is_duration(x.type):
        return _abs_kernel([x.cast(pa.int64())], n, call).cast(x.type)
    if pa.types.is_integer(x.type):
        try:
            return pc.abs_checked(x)
        except pa.ArrowInvalid:
            raise overflow_error("overflow") from None
    return pc.abs(x)


register(FunctionSpec("abs", _resolve_abs, _abs_kernel))


def _round_type(t, scale: int):
    """The type of rounding ``t`` to ``scale`` digits: a decimal keeps enough integral digits for a
    carry and at most its own scale; other types keep their type."""
    if not isinstance(t, T.DecimalType):
        return t
    integral = t.precision - t.scale + 1
    if scale < 0:
        return T.DecimalType(min(max(integral, 1 - scale), C.MAX_PRECISION), 0)
    kept = min(t.scale, scale)
    return T.DecimalType(min(integral + kept, C.MAX_PRECISION), kept)


# Spark's rounding modes as Arrow's and Python's decimal module name them
_ARROW_MODES = {"HALF_UP": "half_towards_infinity", "HALF_EVEN": "half_to_even", "CEILING": "up", "FLOOR": "down"}
_PYTHON_MODES = {"HALF_UP": decimal.ROUND_HALF_UP, "HALF_EVEN": decimal.ROUND_HALF_EVEN,
                 "CEILING": decimal.ROUND_CEILING, "FLOOR": decimal.ROUND_FLOOR}
_WIDE = 76      # decimal256's digits: room to round a decimal128 to any scale it can hold


def _round_decimal(x: pa.Array, scale: int, mode: str, result: T.DecimalType) -> pa.Array:
    """Round a decimal (or integer) column with Arrow, in a type wide enough for the carry."""
    if pa.types.is_integer(x.type):
        precision, source_scale = 20, 0
    else:
        precision, source_scale = x.type.precision, x.type.scale
    scale = max(scale, source_scale + 1 - _WIDE)
    wide = x.cast(pa.decimal256(min(max(precision + 1, source_scale - scale + 1), _WIDE), source_scale))
    rounded = pc.round(wide, scale, round_mode=_ARROW_MODES[mode])
    try:
        return rounded.cast(T.to_arrow_type(result))
    except pa.ArrowInvalid:
        limit = decimal.Decimal(10) ** (result.precision - result.scale)
        row = next(i for i, v in enumerate(rounded.to_pylist()) if v is not None and abs(v) >= limit)
        raise ArithmeticException(
            errorClass="NUMERIC_VALUE_OUT_OF_RANGE.WITHOUT_SUGGESTION",
            messageParameters={"roundedValue": str(rounded[row].as_py()), "originalValue": str(x[row].as_py()),
                               "precision": str(result.precision), "scale": str(result.scale)}) from None


def _round_floating(x: pa.Array, scale: int, mode: str) -> pa.Array:
    """Spark rounds a float or double through ``BigDecimal.valueOf``: the digits of its Java text.
    Python's decimal module rounds those row by row (Arrow has no decimal text of a double)."""
    double = x.cast(pa.float64())
    texts = format_column(pc.fill_null(double, 0.0))
    quantum = decimal.Decimal(1).scaleb(-scale)
    rounding = _PYTHON_MODES[mode]
    context = decimal.Context(prec=800, rounding=rounding)     # past a double's 17 + 324 + 309 digits
    out = []
    for text, number in zip(texts, double.to_numpy(zero_copy_only=False).tolist()):
        if not math.isfinite(number):
            out.append(number)
            continue
        value = decimal.Decimal(text)
        if value.as_tuple().exponent >= -scale:
            out.append(number)      # already that short: unchanged
        else:
            out.append(float(value.quantize(quantum, context=context)) + 0.0)   # + 0.0: BigDecimal has no -0
    return pa.array(out, x.type, mask=null_array(x))


def _round_values(x: pa.Array, scale: int | None, mode: str, result_type) -> pa.Array:
    arrow_type = T.to_arrow_type(result_type)
    if scale is None:
        return pa.nulls(len(x), arrow_type)
    if pa.types.is_floating(x.type):
        return _round_floating(x, scale, mode)
    if pa.types.is_decimal(x.type):
        return _round_decimal(x, scale, mode, result_type)
    if scale >= 0:
        return x                    # an integer has no digits after the point
    rounded = _round_decimal(x, max(scale, -20), mode, T.DecimalType(38, 0))
    try:
        return rounded.cast(arrow_type)
    except pa.ArrowInvalid:
        raise overflow_error("Overflow") from None


def _round_resolver(name: str, mode: str):
    def resolve(args):
        arity(name, args, 1, 2)
        args = list(args) + [Literal(0, T.IntegerType())] * (2 - len(args))
        sql = call_sql(name, args)
        child = _to_double(args[0])
        if not isinstance(child.data_type, T.NumericType):
            raise unexpected(sql, 0, '"NUMERIC"', args[0])
        scale_arg = coerced_argument(sql, args, 1, T.IntegerType())
        if not scale_arg.foldable:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                                    messageParameters={"sqlExpr": f'"{sql}"', "inputName": "`scale`",
                                                       "inputType": '"INT"', "inputExpr": f'"{args[1].sql()}"'})
        scale = _int_constant(scale_arg)
        result = _round_type(child.data_type, 0 if scale is None else scale)
        return [child, scale_arg], result, True, {"scale": scale}

    def kernel(values, n, call):
        return _round_values(values[0], call.options["scale"], mode, call.data_type)
    return resolve, kernel


for _name, _mode in (("round", "HALF_UP"), ("bround", "HALF_EVEN")):
    register(FunctionSpec(_name, *_round_resolver(_name, _mode)))


# what a number is cast to before it is rounded to a decimal scale (DecimalType.forType)
_DECIMAL_FORMS = {T.ByteType: (3, 0), T.ShortType: (5, 0), T.IntegerType: (10, 0), T.LongType: (20, 0),
                  T.FloatType: (14, 7), T.DoubleType: (30, 15)}


def _ceil_floor(name: str, mode: str) -> FunctionSpec:
    shown = name.upper()

    def resolve(args):
        arity(name, args, 1, 2, shown="2")
        child = args[0]
        t = child.data_type
        if len(args) == 1:
            if C.is_integral(t):
                child = C.cast_to(child, T.LongType())
            elif isinstance(t, (T.FloatType, T.NullType)) or C.is_string(t):
                child = C.cast_to(child, T.DoubleType())
            elif not isinstance(t, (T.DoubleType, T.DecimalType)):
                raise unexpected(call_sql(shown, args), 0, '("DOUBLE" or "DECIMAL" or "BIGINT")', child)
            t = child.data_type
            if isinstance(t, T.DecimalType):
                result = t if t.scale == 0 else C.bounded_decimal(t.precision - t.scale + 1, 0)
            else:
                result = T.LongType()
            return [child], result, True
        scale_arg = args[1]
        if not (isinstance(scale_arg.data_type, T.IntegerType) and scale_arg.foldable):
            raise AnalysisException(errorClass="NON_FOLDABLE_ARGUMENT",
                                    messageParameters={"funcName": f"`{name}`", "paramName": "`scale`",
                                                       "paramType": '"INT"'})
        if isinstance(t, T.DecimalType):
            form = t
        elif C.is_string(t) or isinstance(t, T.NullType):
            form = T.DecimalType(38, 18)
        elif type(t) in _DECIMAL_FORMS:
            form = T.DecimalType(*_DECIMAL_FORMS[type(t)])
        else:
            raise unexpected(call_sql(name, args), 0, '"DECIMAL"', child)
        scale = _int_constant(scale_arg)
        return [C.cast_to(child, form), scale_arg], _round_type(form, 0 if scale is None else scale), True, \
            {"scale": scale}

    def kernel(values, n, call):
        x = values[0]
        if len(values) == 2:
            return _round_values(x, call.options["scale"], mode, call.data_type)
        if pa.types.is_decimal(x.type):
            return x if x.type.scale == 0 else _round_decimal(x, 0, mode, call.data_type)
        if pa.types.is_integer(x.type):
            return x
        numbers = _floats(x)
        whole = np.ceil(numbers) if mode == "CEILING" else np.floor(numbers)
        mask = null_array(x)
        # Java's (long) cast makes NaN 0; ANSI refuses what a bigint cannot hold
        if np.any(~mask & ((whole < -2.0 ** 63) | (whole >= 2.0 ** 63))):
            raise overflow_error("overflow")
        return pa.array(np.where(np.isnan(whole), 0, whole).astype(np.int64), pa.int64(), mask=mask)

    def render(args, call):
        return f"{call.options.get('display_name', shown if len(args) == 1 else name)}({', '.join(args)})"
    return FunctionSpec(name, resolve, kernel, render=render, aliases=("ceiling",) if name == "ceil" else ())


register(_ceil_floor("ceil", "CEILING"))
register(_ceil_floor("floor", "FLOOR"))


# -- factorial, width_bucket -------------------------------------------------------------------

_FACTORIALS = np.array([math.factorial(i) for i in range(21)], dtype=np.int64)


def _resolve_factorial(args):
    arity("factorial", args, 1)
    return [coerced_argument(call_sql("factorial", args), args, 0, T.IntegerType())], T.LongType(), True


def _factorial_kernel(values, n, call):
    (x,) = values
    numbers = integer_values(x)
    defined = (numbers >= 0) & (numbers <= 20)
    return pa.array(_FACTORIALS[np.where(defined, numbers, 0)], pa.int64(), mask=null_array(x) | ~defined)


register(FunctionSpec("factorial", _resolve_factorial, _factorial_kernel))


def _resolve_width_bucket(args):
    arity("width_bucket", args, 4)
    sql = call_sql("width_bucket", args)
    required = '("DOUBLE" or "INTERVAL YEAR TO MONTH" or "INTERVAL DAY TO SECOND")'
    bounds = [coerced_argument(sql, args, i, T.DoubleType(), required) for i in range(3)]
    count = coerced_argument(sql, args, 3, T.LongType())
    return bounds + [count], T.LongType(), True


def _width_bucket_kernel(values, n, call):
    value, low, high = (_floats(v) for v in values[:3])
    buckets = integer_values(values[3])
    undefined = (buckets <= 0) | (buckets == INT64_MAX) | np.isnan(value) | (low == high) \
        | ~np.isfinite(low) | ~np.isfinite(high)
    lower, upper = np.minimum(low, high), np.maximum(low, high)
    counts = buckets.astype(np.float64)
    with np.errstate(all="ignore"):
        ascending = np.where(value < lower, 0, np.where(
            value >= upper, buckets + 1, (counts * (value - lower) / (upper - lower)).astype(np.int64) + 1))
        descending = np.where(value > upper, 0, np.where(
            value <= lower, buckets + 1, (counts * (upper - value) / (upper - lower)).astype(np.int64) + 1))
    result = np.where(low < high, ascending, descending)
    return pa.array(np.where(undefined, 0, result), pa.int64(), mask=null_array(*values) | undefined)


register(FunctionSpec("width_bucket", _resolve_width_bucket, _width_bucket_kernel))


# -- rand, randn -------------------------------------------------------------------------------

class SparkRandom(XORShiftRandom):
    """``XORShiftRandom`` with ``java.util.Random``'s ``nextDouble`` and ``nextGaussian`` (the polar
    method, which makes two values at a time and keeps the second)."""

    def __init__(self, seed: int):
        super().__init__(seed)
        self._spare = None

    def nextDouble(self) -> float:
        return ((self._next(26) << 27) + self._next(27)) * 2.0 ** -53

    def nextGaussian(self) -> float:
        if self._spare is not None:
            value, self._spare = self._spare, None
            return value
        while True:
            v1, v2 = 2 * self.nextDouble() - 1, 2 * self.nextDouble() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        multiplier = math.sqrt(-2 * math.log(s) / s)
        self._spare = v2 * multiplier
        return v1 * multiplier


# the generators of the running tasks: TaskContext -> {call expression: SparkRandom}; an entry goes
# with its task's context, so nothing is kept once a task ends
_GENERATORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_GENERATORS_LOCK = threading.Lock()


def _generator(call) -> SparkRandom:
    """The call's generator in this task: seeded once with seed + partition index, then continued
    batch after batch as Spark continues one generator through a partition."""
    context = TaskContext.get()
    if context is None:             # on the driver: one batch, as partition 0
        return SparkRandom(call.options["seed"])
    with _GENERATORS_LOCK:
        per_task = _GENERATORS.setdefault(context, weakref.WeakKeyDictionary())
        generator = per_task.get(call)
        if generator is None:
            generator = per_task[call] = SparkRandom(call.options["seed"] + context.partitionId())
    return generator


def _rand_resolver(name: str):
    def resolve(args):
        arity(name, args, 0, 1)
        if not args:
            return [], T.DoubleType(), False, {"seed": random.getrandbits(64) - (1 << 63), "seed_sql": ""}
        (arg,) = args
        if not arg.foldable:
            raise AnalysisException(errorClass="SEED_EXPRESSION_IS_UNFOLDABLE",
                                    messageParameters={"seedExpr": f'"{arg.sql()}"',
                                                       "exprWithSeed": f'"{name}({arg.sql()})"'})
        if not isinstance(arg.data_type, (T.IntegerType, T.LongType, T.NullType)):
            raise unexpected(f"{name}({arg.sql()})", 0, '("INT" or "BIGINT")', arg)
        return [], T.DoubleType(), False, {"seed": _int_constant(arg) or 0, "seed_sql": arg.sql()}

    def kernel(values, n, call):
        # one draw after another from a sequential generator: a Python loop by nature
        generator = _generator(call)
        draw = generator.nextDouble if name == "rand" else generator.nextGaussian
        return pa.array([draw() for _ in range(n)], pa.float64())

    return FunctionSpec(name, resolve, kernel, render=lambda args, call: f"{name}({call.options['seed_sql']})",
                        aliases=("random",) if name == "rand" else (), deterministic=False)


register(_rand_resolver("rand"))
register(_rand_resolver("randn"))


# -- int(x), date(x), ...: casts by function name ----------------------------------------------

def _cast_function(name: str, target) -> FunctionSpec:
    def resolve(args):
        arity(name, args, 1)
        cast = Cast(args[0], target, "ansi", implicit=True)
        check_cast(cast)
        return [cast], target, cast.nullable
    return FunctionSpec(name, resolve, lambda values, n, call: values[0], render=lambda args, call: args[0])


for _name, _target in (("tinyint", T.ByteType()), ("smallint", T.ShortType()), ("int", T.IntegerType()),
                       ("bigint", T.LongType()), ("float", T.FloatType()), ("double", T.DoubleType()),
                       ("decimal", T.DecimalType(10, 0)), ("string", T.StringType()), ("boolean", T.BooleanType()),
                       ("binary", T.BinaryType()), ("date", T.DateType()), ("timestamp", T.TimestampType())):
    register(_cast_function(_name, _target))
