"""Arithmetic operators: ``+ - * / % div``, unary minus, ``pmod`` and their ``try_`` forms, with
Spark's ANSI semantics: integer overflow raises ``ARITHMETIC_OVERFLOW``, a zero divisor raises
``DIVIDE_BY_ZERO`` (``try_*`` give NULL instead), ``/`` always yields a double or a decimal, and
decimal results take DecimalPrecision's type, rounded HALF_UP.
"""
from __future__ import annotations

import decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins import decimals
from sparklite.sql.builtins.registry import FunctionSpec, binary_operator, register
from sparklite.sql.errors import AnalysisException, ArithmeticException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Cast

_DECIMAL_CONTEXT = decimal.Context(prec=120, rounding=decimal.ROUND_HALF_UP, Emax=999999, Emin=-999999)


def overflow(operation: str, try_name: str | None) -> ArithmeticException:
    alternative = f" Use '{try_name}' to tolerate overflow and return NULL instead." if try_name else ""
    return ArithmeticException(
        errorClass="ARITHMETIC_OVERFLOW",
        messageParameters={"message": f"{operation} overflow", "alternative": alternative,
                           "config": '"spark.sql.ansi.enabled"'})


def divide_by_zero(remainder: bool = False) -> ArithmeticException:
    return ArithmeticException(errorClass="REMAINDER_BY_ZERO" if remainder else "DIVIDE_BY_ZERO",
                               messageParameters={"config": '"spark.sql.ansi.enabled"'})


def small_overflow(a, symbol: str, b, t: pa.DataType, try_name: str) -> ArithmeticException:
    """tinyint and smallint arithmetic overflows name the operands (Spark's exact-math path)."""
    suffix = "Y" if t == pa.int8() else "S"
    return ArithmeticException(
        errorClass="BINARY_ARITHMETIC_OVERFLOW",
        messageParameters={"value1": f"{a}{suffix}", "symbol": symbol, "value2": f"{b}{suffix}",
                           "functionName": f"`{try_name}`"})


def mismatch(call_sql: str, left, right, symbol: str) -> AnalysisException:
    return AnalysisException(
        errorClass="DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
        messageParameters={"sqlExpr": call_sql, "left": f'"{left.simpleString().upper()}"',
                           "right": f'"{right.simpleString().upper()}"'})


def _numeric_operand(e, other=None):
    """ANSI: a string operand of arithmetic is read as a double; a NULL takes the other operand's
    numeric type (a double when there is none)."""
    t = e.data_type
    if C.is_string(t):
        return Cast(e, T.DoubleType(), "ansi", implicit=True)
    if isinstance(t, T.NullType):
        target = other.data_type if other is not None and C.is_numeric(other.data_type) else T.DoubleType()
        return Cast(e, target, "ansi", implicit=True)
    return e


def _arith_resolver(kind: str, symbol: str):
    def resolve(args):
        if kind in ("add", "subtract") and _interval_operand(args):
            return _resolve_datetime_interval(args, kind)
        if kind in ("add", "subtract") and _both_intervals(args):
            return list(args), _interval_union(*(a.data_type for a in args)), args[0].nullable or args[1].nullable
        left, right = _numeric_operand(args[0], args[1]), _numeric_operand(args[1], args[0])
        lt, rt = left.data_type, right.data_type
        if not (C.is_numeric(lt) and C.is_numeric(rt)):
            sql = f"({args[0].sql()} {symbol} {args[1].sql()})"
            if type(lt) is not type(rt):
                raise mismatch(sql, lt, rt, symbol)
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE",
                                    messageParameters={"sqlExpr": sql, "inputType": '"NUMERIC"',
                                                       "actualDataType": f'"{lt.simpleString().upper()}"'})
        decimal_side = isinstance(lt, T.DecimalType) or isinstance(rt, T.DecimalType)
        floating = C.is_fractional_float(lt) or C.is_fractional_float(rt)
        values_nullable = left.nullable or right.nullable or kind in ("divide", "remainder", "div")
        if kind == "divide" and not decimal_side:
            return [C.cast_to(left, T.DoubleType()), C.cast_to(right, T.DoubleType())], T.DoubleType(), True
        if decimal_side and not floating:
            a, b = C.operand_decimal(left), C.operand_decimal(right)
            result = {"add": C.add_result, "subtract": C.add_result, "multiply": C.multiply_result,
                      "divide": C.divide_result, "remainder": C.remainder_result,
                      "div": C.integral_divide_result}[kind](a, b)
            args = [C.cast_to(left, a), C.cast_to(right, b)]
            if kind == "div":
                return args, T.LongType(), True
            # an integer literal cast to its few digits is nullable (Spark's Cast.forceNullable), so is the result
            return args, result, kind in ("divide", "remainder") or any(a.nullable for a in args)
        if kind == "div":
            if floating:
                raise mismatch(f"({args[0].sql()} div {args[1].sql()})", lt, rt, "div")
            return [C.cast_to(left, T.LongType()), C.cast_to(right, T.LongType())], T.LongType(), True
        wide = C.wider_type(lt, rt)
        return [C.cast_to(left, wide), C.cast_to(right, wide)], wide, values_nullable
    return resolve


_INTERVALS = (T.DayTimeIntervalType, T.YearMonthIntervalType)
_DATETIMES = (T.DateType, T.TimestampType, T.TimestampNTZType)


def _interval_operand(args) -> bool:
    left, right = (a.data_type for a in args)
    return (isinstance(left, _DATETIMES) and isinstance(right, _INTERVALS)) or \
        (isinstance(left, _INTERVALS) and isinstance(right, _DATETIMES))


def _both_intervals(args) -> bool:
    """Two intervals of one kind (both day-time or both year-month) add up to an interval."""
    left, right = (a.data_type for a in args)
    return any(isinstance(left, k) and isinstance(right, k) for k in _INTERVALS)


def _interval_union(a, b):
    """The interval type spanning both: DAY plus HOUR is DAY TO HOUR."""
    return type(a)(min(a.startField, b.startField), max(a.endField, b.endField))


def _resolve_datetime_interval(args, kind: str):
    """date/timestamp +- interval: a date stays a date when the interval is whole days or months."""
    when, interval = (args[0], args[1]) if isinstance(args[0].data_type, _DATETIMES) else (args[1], args[0])
    t = when.data_type
    if isinstance(t, T.DateType) and isinstance(interval.data_type, T.DayTimeIntervalType) and \
            interval.data_type.endField > 0:
        when = Cast(when, T.TimestampType(), "ansi", implicit=True)
        t = T.TimestampType()
    return [when, interval], t, when.nullable or interval.nullable, {"interval_sign": -1 if kind == "subtract"
                                                                      else 1}


def _datetime_interval(values, n, call):
    when, interval = values
    sign = call.options.get("interval_sign", 1)
    t = call.children[1].data_type
    if isinstance(t, T.YearMonthIntervalType):
        from sparklite.sql.builtins.datetime import add_months
        if not pa.types.is_date32(when.type):
            raise NotImplementedError("a timestamp plus a year-month interval")
        months = interval.cast(pa.int64()).to_numpy(zero_copy_only=False) * sign
        days = when.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
        moved = add_months(days, months)
        return pa.array(np.asarray(moved).astype(np.int32), pa.int32(),
                        mask=when.is_null().to_numpy(zero_copy_only=False)).cast(pa.date32())
    micros = interval.cast(pa.int64()).to_numpy(zero_copy_only=False).astype(np.int64) * sign
    if pa.types.is_date32(when.type):
        days = when.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64) + micros // 86_400_000_000
        return pa.array(days.astype(np.int32), pa.int32(), mask=when.is_null().to_numpy(zero_copy_only=False)) \
            .cast(pa.date32())
    base = when.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return pa.array(base + micros, pa.int64(), mask=when.is_null().to_numpy(zero_copy_only=False)).cast(when.type)


def _zero_divisors(dividend, divisor):
    """Rows whose divisor is zero and dividend is not NULL (Spark reads the dividend only then)."""
    return pc.and_(pc.fill_null(pc.equal(divisor, pa.scalar(0, divisor.type)), False), pc.is_valid(dividend))


def _decimal_apply(op, values, n: int, result: T.DecimalType, try_mode: bool):
    """Exact decimal arithmetic rounded HALF_UP to the result's scale: on int64 unscaled values when
    they fit and nothing can go wrong, else row by row (which raises Spark's errors)."""
    if op in ("add", "subtract", "multiply", "divide") and all(pa.types.is_decimal128(v.type) for v in values):
        fast = decimals.arithmetic(op, values[0], values[1], (values[0].type.scale, values[1].type.scale),
                                   result.precision, result.scale)
        if fast is not None:
            return fast
    lefts, rights = (_as_pylist(v, n) for v in values)
    quantum = decimal.Decimal(1).scaleb(-result.scale)
    limit = decimal.Decimal(10) ** (result.precision - result.scale)
    out = []
    for a, b in zip(lefts, rights):
        if a is None or b is None:
            out.append(None)
            continue
        if op in ("divide", "remainder", "div") and b == 0:
            if try_mode:
                out.append(None)
                continue
            raise divide_by_zero(op == "remainder")
        with decimal.localcontext(_DECIMAL_CONTEXT):
            value = {"add": lambda: a + b, "subtract": lambda: a - b, "multiply": lambda: a * b,
                     "divide": lambda: a / b, "remainder": lambda: a % b,
                     "div": lambda: (a / b).to_integral_value(decimal.ROUND_DOWN)}[op]()
            value = value.quantize(quantum)
        if abs(value) >= limit:
            if try_mode:
                out.append(None)
                continue
            raise ArithmeticException(
                errorClass="NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
                messageParameters={"value": str(value), "precision": str(result.precision),
                                   "scale": str(result.scale), "config": '"spark.sql.ansi.enabled"'})
        out.append(value)
    return pa.array(out, pa.decimal128(result.precision, result.scale))


def _as_pylist(value, n: int) -> list:
    return value.to_pylist()


_SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*"}


def _integer_kernel(op: str, values, n: int, t: pa.DataType, try_mode: bool):
    checked = {"add": pc.add_checked, "subtract": pc.subtract_checked, "multiply": pc.multiply_checked}
    if op in checked:
        try:
            return checked[op](*values)
        except pa.ArrowInvalid:
            if not try_mode:
                _raise_first_overflow(op, values, t)
            return _row_by_row_integer(op, values, n, t)
    left, right = values
    zero = _zero_divisors(left, right)
    any_zero = pc.any(zero).as_py()
    if any_zero and not try_mode:
        raise divide_by_zero(op in ("remainder", "pmod"))
    valid = pc.and_(pc.is_valid(left), pc.is_valid(right))
    mask = pc.or_(pc.invert(valid), zero) if any_zero else pc.invert(valid)
    mask = pc.or_(mask, pc.fill_null(pc.equal(right, pa.scalar(0, t)), False))
    a = left.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    b = right.fill_null(1).to_numpy(zero_copy_only=False).astype(np.int64)
    b = np.where(b == 0, 1, b)
    if op == "div":
        q = np.abs(a) // np.abs(b) * np.sign(a) * np.sign(b)
        special = (a == np.iinfo(np.int64).min) & (b == -1)
        if special.any():
            if not try_mode:
                raise overflow("long", "try_divide")
            mask = pc.or_(mask, pa.array(special))
        return pa.array(q, pa.int64(), mask=mask.to_numpy(zero_copy_only=False))
    r = np.fmod(a, b)                      # Java's %: the sign of the dividend
    if op == "pmod":
        r = np.where(r < 0, np.fmod(r + b, b), r)
    return pa.array(r, mask=mask.to_numpy(zero_copy_only=False)).cast(t)


def _raise_first_overflow(op, values, t):
    bits = t.bit_width
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    for a, b in zip(*(v.to_pylist() for v in values)):
        if a is None or b is None:
            continue
        r = a + b if op == "add" else a - b if op == "subtract" else a * b
        if not low <= r <= high:
            if bits < 32:
                raise small_overflow(a, _SYMBOLS[op], b, t, f"try_{op}")
            raise overflow({64: "long", 32: "integer"}[bits], f"try_{op}")
    raise overflow("long", f"try_{op}")


def _row_by_row_integer(op, values, n, t):
    bits = t.bit_width
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    out = []
    for a, b in zip(*(_as_pylist(v, n) for v in values)):
        if a is None or b is None:
            out.append(None)
            continue
        r = a + b if op == "add" else a - b if op == "subtract" else a * b
        out.append(r if low <= r <= high else None)
    return pa.array(out, t)


def _float_kernel(op: str, values, n: int, try_mode: bool):
    left, right = values
    if op in ("divide", "remainder", "pmod"):
        zero = _zero_divisors(left, right)
        if pc.any(zero).as_py():
            if not try_mode:
                raise divide_by_zero(op != "divide")
        right = pc.if_else(pc.fill_null(pc.equal(right, 0.0), False), pa.scalar(None, right.type), right)
    if op == "divide":
        return pc.divide(left, right)
    if op in ("remainder", "pmod"):
        a = left.to_numpy(zero_copy_only=False)
        b = right.fill_null(1.0).to_numpy(zero_copy_only=False)
        with np.errstate(all="ignore"):
            r = np.fmod(a, b)
            if op == "pmod":
                r = np.where(r < 0, np.fmod(r + b, b), r)
        mask = pc.or_(pc.is_null(left), pc.is_null(right)).to_numpy(zero_copy_only=False)
        return pa.array(r, left.type, mask=mask)
    return {"add": pc.add, "subtract": pc.subtract, "multiply": pc.multiply}[op](left, right)


def _arith_kernel(op: str, try_mode: bool = False):
    def kernel(values, n, call):
        t = call.data_type
        if "interval_sign" in call.options:
            return _datetime_interval(values, n, call)
        if isinstance(call.children[0].data_type, T.DecimalType):
            return _decimal_apply(op, values, n, t if isinstance(t, T.DecimalType) else T.DecimalType(38, 0),
                                  try_mode).cast(T.to_arrow_type(t)) if op != "div" else \
                _decimal_apply(op, values, n, T.DecimalType(38, 0), try_mode).cast(pa.int64())
        arrow_type = T.to_arrow_type(call.children[0].data_type)
        if pa.types.is_integer(arrow_type):
            return _integer_kernel(op, values, n, arrow_type, try_mode)
        return _float_kernel(op, values, n, try_mode)
    return kernel


for _name, _symbol, _kind in [("add", "+", "add"), ("subtract", "-", "subtract"), ("multiply", "*", "multiply"),
                              ("divide", "/", "divide"), ("remainder", "%", "remainder"), ("div", "div", "div")]:
    register(FunctionSpec(_name, _arith_resolver(_kind, _symbol), _arith_kernel(_kind),
                          render=binary_operator(_symbol), aliases=("mod",) if _kind == "remainder" else ()))
    if _kind in ("add", "subtract", "multiply", "divide", "remainder"):
        _try_resolve = _arith_resolver(_kind, _symbol)
        register(FunctionSpec(f"try_{'mod' if _kind == 'remainder' else _kind}",
                              lambda args, r=_try_resolve: (lambda a, t, _n: (a, t, True))(*r(args)),
                              _arith_kernel(_kind, try_mode=True)))


def _resolve_pmod(args):
    new_args, t, _ = _arith_resolver("remainder", "pmod")(args)
    return new_args, t, True


def _pmod_kernel(values, n, call):
    t = call.data_type
    if isinstance(t, T.DecimalType):
        rem = _decimal_apply("remainder", values, n, t, False)
        divisor = _as_pylist(values[1], n)
        fixed = [None if r is None else ((r + d) % d if r < 0 else r) for r, d in zip(rem.to_pylist(), divisor)]
        return pa.array(fixed, T.to_arrow_type(t))
    arrow_type = T.to_arrow_type(t)
    if pa.types.is_integer(arrow_type):
        return _integer_kernel("pmod", values, n, arrow_type, False)
    return _float_kernel("pmod", values, n, False)


register(FunctionSpec("pmod", _resolve_pmod, _pmod_kernel))


def _resolve_unary(args, word: str):
    """``-x`` and ``+x`` take a number or an interval (a string is read as a double)."""
    (child,) = args
    child = _numeric_operand(child)
    if not isinstance(child.data_type, (T.NumericType,) + _INTERVALS):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                                messageParameters={"sqlExpr": f'"({word} {args[0].sql()})"', "paramIndex": "first",
                                                   "requiredType": '("NUMERIC" or "INTERVAL DAY TO SECOND" or '
                                                                   '"INTERVAL YEAR TO MONTH" or "INTERVAL")',
                                                   "inputSql": f'"{args[0].sql()}"',
                                                   "inputType": f'"{child.data_type.simpleString().upper()}"'})
    return [child], child.data_type, child.nullable


def _negative_kernel(values, n, call):
    (v,) = values
    if pa.types.is_integer(v.type) or pa.types.is_duration(v.type):
        try:
            return pc.negate_checked(v)
        except pa.ArrowInvalid:
            raise ArithmeticException(errorClass="ARITHMETIC_OVERFLOW",
                                      messageParameters={"message": "overflow", "alternative": "",
                                                         "config": '"spark.sql.ansi.enabled"'}) from None
    if pa.types.is_decimal(v.type):
        return pa.array([None if x is None else -x for x in v.to_pylist()], v.type)
    return pc.negate(v)


def _unary_render(word: str, symbol: str):
    """``negative(a)`` as a function (and from a DataFrame), ``(- a)`` as SQL's operator."""
    def render(args, call):
        if call.options.get("display_name") == f"unary_{word}":
            return f"({symbol} {args[0]})"
        return f"{word}({args[0]})"
    return render


register(FunctionSpec("negative", lambda args: _resolve_unary(args, "-"), _negative_kernel,
                      render=_unary_render("negative", "-"), aliases=("unary_negative",)))
register(FunctionSpec("positive", lambda args: _resolve_unary(args, "+"),
                      lambda values, n, call: values[0], render=_unary_render("positive", "+"),
                      aliases=("unary_positive",)))
