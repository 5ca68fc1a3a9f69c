"""Comparisons, boolean logic, null tests and the conditional expressions (CASE WHEN, IF,
COALESCE, NULLIF, NVL, IN, GREATEST, LEAST, NANVL).

Spark's semantics kept here: NaN equals NaN and sorts above every other value; AND and OR are
three-valued and evaluate their right side only where the left does not decide (so
``b <> 0 AND a / b > 1`` never divides by zero); CASE, IF and COALESCE evaluate a branch only on
the rows that take it.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, binary_operator, register
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import coercion as C


def _type_text(t) -> str:
    return f'"{t.simpleString().upper()}"'


def _coerce_all(args, sql: str, function: str, string_promotion: bool = True):
    """Cast every argument to their common type (DATA_DIFF_TYPES when there is none); without
    ``string_promotion`` a string and a number have none (GREATEST, LEAST)."""
    common = args[0].data_type
    for a in args[1:]:
        wide = C.wider_type(common, a.data_type)
        if wide is None and string_promotion:
            wide = C.comparison_type(common, a.data_type)
        if wide is None:
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                messageParameters={"sqlExpr": sql, "functionName": f"`{function}`",
                                   "dataType": "[" + ", ".join(_type_text(x.data_type) for x in args) + "]"})
        common = wide
    return [C.cast_to(a, common) for a in args], common


def _comparison_resolver(symbol: str):
    def resolve(args):
        left, right = args
        t = C.comparison_type(left.data_type, right.data_type)
        if t is None:
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                messageParameters={"sqlExpr": f"({left.sql()} {symbol} {right.sql()})",
                                   "left": _type_text(left.data_type), "right": _type_text(right.data_type)})
        if isinstance(t, T.DecimalType):     # an integer beside a decimal: Spark's literal rule first
            left, right = (C.cast_to(e, C.operand_decimal(e)) if C.is_integral(e.data_type) else e
                           for e in (left, right))
        coerced = [C.cast_to(left, t), C.cast_to(right, t)]
        # a cast that may fail (a string read as a number) makes the comparison nullable
        return coerced, T.BooleanType(), symbol != "<=>" and any(e.nullable for e in coerced)
    return resolve


def _is_float(v) -> bool:
    return pa.types.is_floating(v.type)


def _isnan(v):
    return pc.is_nan(v) if _is_float(v) else None


def _compare(op: str):
    kernels = {"=": pc.equal, "<": pc.less, "<=": pc.less_equal, ">": pc.greater, ">=": pc.greater_equal}

    def kernel(values, n, call):
        a, b = values
        if pa.types.is_null(a.type):
            return pa.scalar(None, pa.bool_())
        result = kernels[op](a, b)
        if _is_float(a):
            na, nb = pc.is_nan(a), pc.is_nan(b)
            # NaN = NaN, and NaN is greater than every other value
            if op == "=":
                result = pc.or_kleene(result, pc.and_(na, nb))
            elif op in ("<", "<="):
                result = pc.if_else(na, pc.and_(nb, pa.scalar(op == "<=")) if op == "<=" else pa.scalar(False),
                                    pc.or_kleene(result, nb))
                result = pc.if_else(pc.or_(pc.is_null(a), pc.is_null(b)), pa.scalar(None, pa.bool_()), result)
            else:
                result = pc.if_else(nb, pc.and_(na, pa.scalar(op == ">=")) if op == ">=" else pa.scalar(False),
                                    pc.or_kleene(result, na))
                result = pc.if_else(pc.or_(pc.is_null(a), pc.is_null(b)), pa.scalar(None, pa.bool_()), result)
        return result
    return kernel


for _name, _symbol in [("equal", "="), ("lessthan", "<"), ("lessthanorequal", "<="), ("greaterthan", ">"),
                       ("greaterthanorequal", ">=")]:
    register(FunctionSpec(_name, _comparison_resolver(_symbol), _compare(_symbol), render=binary_operator(_symbol)))


def _null_safe_equal(values, n, call):
    a, b = values
    if pa.types.is_null(a.type):
        return pa.scalar(True)
    eq = _compare("=")(values, n, call)
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    return pc.fill_null(pc.or_kleene(eq, both_null), False)


register(FunctionSpec("equalnullsafe", _comparison_resolver("<=>"), _null_safe_equal, render=binary_operator("<=>")))


def _boolean_args(args, sql: str):
    out = []
    for a in args:
        t = a.data_type
        if isinstance(t, T.NullType):
            out.append(C.cast_to(a, T.BooleanType()))
        elif C.is_string(t):
            out.append(C.cast_to(a, T.BooleanType()))
        elif not isinstance(t, T.BooleanType):
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE",
                messageParameters={"sqlExpr": sql, "inputType": '"BOOLEAN"', "actualDataType": _type_text(t)})
        else:
            out.append(a)
    return out


def _logic_resolver(symbol):
    def resolve(args):
        args = _boolean_args(args, f"({args[0].sql()} {symbol} {args[1].sql()})")
        return args, T.BooleanType(), any(a.nullable for a in args)
    return resolve


def _as_array(v, n):
    return pa.repeat(v, n) if isinstance(v, pa.Scalar) else v


def _lazy_logic(is_and: bool):
    def kernel(call, batch, evaluate):
        left = _as_array(evaluate(call.children[0], batch), batch.num_rows)
        decided = pc.fill_null(pc.equal(left, pa.scalar(not is_and)), False)   # AND: false decides; OR: true
        if pc.all(decided).as_py() and batch.num_rows:
            return left
        undecided = pc.invert(decided)
        rest = batch.filter(undecided)
        right = _as_array(evaluate(call.children[1], rest), rest.num_rows)
        full = _scatter(right, undecided, batch.num_rows, pa.bool_())
        return (pc.and_kleene if is_and else pc.or_kleene)(left, full)
    return kernel


def _scatter(values: pa.Array, mask: pa.Array, n: int, t: pa.DataType) -> pa.Array:
    """An array of ``n`` with ``values`` at the rows where ``mask`` is true, nulls elsewhere."""
    positions = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    if len(positions) == n:
        return values
    index = np.full(n, -1, dtype=np.int64)
    index[positions] = np.arange(len(positions))
    take = pa.array(index, mask=index < 0)
    return values.take(take) if len(values) else pa.nulls(n, t)


register(FunctionSpec("and", _logic_resolver("AND"), _lazy_logic(True), render=binary_operator("AND"), lazy=True))
register(FunctionSpec("or", _logic_resolver("OR"), _lazy_logic(False), render=binary_operator("OR"), lazy=True))


def _resolve_not(args):
    (child,) = _boolean_args(args, f"(NOT {args[0].sql()})")
    return [child], T.BooleanType(), child.nullable


register(FunctionSpec("not", _resolve_not, lambda values, n, call: pc.invert(values[0]),
                      render=lambda a, c: f"(NOT {a[0]})", aliases=("!",)))


def _null_test(negate: bool):
    def kernel(values, n, call):
        v = values[0]
        if isinstance(v, pa.Scalar):
            return pa.scalar(v.is_valid if negate else not v.is_valid)
        return pc.is_valid(v) if negate else pc.is_null(v)
    return kernel


register(FunctionSpec("isnull", lambda args: (list(args), T.BooleanType(), False), _null_test(False),
                      render=lambda a, c: f"({a[0]} IS NULL)"))
register(FunctionSpec("isnotnull", lambda args: (list(args), T.BooleanType(), False), _null_test(True),
                      render=lambda a, c: f"({a[0]} IS NOT NULL)"))


def _resolve_isnan(args):
    (child,) = args
    t = child.data_type
    if not isinstance(t, (T.DoubleType, T.FloatType)):
        child = C.cast_to(child, T.DoubleType())
    return [child], T.BooleanType(), False


register(FunctionSpec("isnan", _resolve_isnan,
                      lambda values, n, call: pc.fill_null(pc.is_nan(values[0]), False)))


def _resolve_in(args):
    sql = f"({args[0].sql()} IN ({', '.join(a.sql() for a in args[1:])}))"
    coerced, _ = _coerce_all(args, sql, "in")
    return coerced, T.BooleanType(), any(a.nullable for a in args)


def _in_kernel(values, n, call):
    value, *options = values
    value = _as_array(value, n)
    result = pa.repeat(pa.scalar(False), n)
    for option in options:
        result = pc.or_kleene(result, _compare("=")([value, option], n, call))
    return result


register(FunctionSpec("in", _resolve_in, _in_kernel,
                      render=lambda a, c: f"({a[0]} IN ({', '.join(a[1:])}))"))


def _resolve_coalesce(args):
    if not args:
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": "`coalesce`", "expectedNum": "> 0",
                                                   "actualNum": "0", "docroot": "https://spark.apache.org/docs/latest"})
    coerced, t = _coerce_all(args, f"coalesce({', '.join(a.sql() for a in args)})", "coalesce")
    return coerced, t, all(a.nullable for a in coerced)


def _lazy_coalesce(call, batch, evaluate):
    n = batch.num_rows
    t = T.to_arrow_type(call.data_type)
    result = pa.nulls(n, t)
    missing = pa.repeat(pa.scalar(True), n)
    for child in call.children:
        if not pc.any(missing).as_py():
            break
        rows = batch.filter(missing)
        value = _as_array(evaluate(child, rows), rows.num_rows).cast(t)
        result = pc.if_else(missing, _scatter(value, missing, n, t), result)
        missing = pc.is_null(result)
    return result


register(FunctionSpec("coalesce", _resolve_coalesce, _lazy_coalesce, lazy=True))


def _resolve_case(args):
    """``args``: condition, value, condition, value, ..., [else value] (an odd count has an else)."""
    conditions = args[0:len(args) - len(args) % 2:2]
    values = list(args[1::2])
    has_else = len(args) % 2 == 1
    if has_else:
        values.append(args[-1])
    for c in conditions:
        if not isinstance(c.data_type, T.BooleanType):          # a NULL condition too, as Spark refuses it
            raise AnalysisException(
                errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                messageParameters={"sqlExpr": _case_sql([a.sql() for a in args]), "paramIndex": "first",
                                   "requiredType": '"BOOLEAN"', "inputSql": f'"{c.sql()}"',
                                   "inputType": _type_text(c.data_type)})
    coerced_values, t = _coerce_all(values, _case_sql([a.sql() for a in args]), "casewhen")
    out = []
    for i, c in enumerate(conditions):
        out += [C.cast_to(c, T.BooleanType()), coerced_values[i]]
    if has_else:
        out.append(coerced_values[-1])
    nullable = not has_else or any(v.nullable for v in coerced_values)
    return out, t, nullable


def _case_sql(parts: list[str]) -> str:
    text = "CASE"
    pairs = len(parts) // 2
    for i in range(pairs):
        text += f" WHEN {parts[2 * i]} THEN {parts[2 * i + 1]}"
    if len(parts) % 2:
        text += f" ELSE {parts[-1]}"
    return text + " END"


def _lazy_case(call, batch, evaluate):
    n = batch.num_rows
    t = T.to_arrow_type(call.data_type)
    args = call.children
    result = pa.nulls(n, t)
    open_rows = pa.repeat(pa.scalar(True), n)
    for i in range(0, len(args) - len(args) % 2, 2):
        if not pc.any(open_rows).as_py():
            return result
        rows = batch.filter(open_rows)
        condition = pc.fill_null(_as_array(evaluate(args[i], rows), rows.num_rows), False)
        taken_here = _scatter(condition, open_rows, n, pa.bool_()).fill_null(False)
        if pc.any(taken_here).as_py():
            chosen = batch.filter(taken_here)
            value = _as_array(evaluate(args[i + 1], chosen), chosen.num_rows).cast(t)
            result = pc.if_else(taken_here, _scatter(value, taken_here, n, t), result)
        open_rows = pc.and_(open_rows, pc.invert(taken_here))
    if len(args) % 2 and pc.any(open_rows).as_py():
        rows = batch.filter(open_rows)
        value = _as_array(evaluate(args[-1], rows), rows.num_rows).cast(t)
        result = pc.if_else(open_rows, _scatter(value, open_rows, n, t), result)
    return result


register(FunctionSpec("casewhen", _resolve_case, _lazy_case, lazy=True, render=lambda a, c: _case_sql(a)))


def _resolve_if(args):
    if len(args) != 3:
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": "`if`", "expectedNum": "3",
                                                   "actualNum": str(len(args)),
                                                   "docroot": "https://spark.apache.org/docs/latest"})
    out, t, nullable = _resolve_case(list(args))
    return out, t, nullable


register(FunctionSpec("if", _resolve_if, _lazy_case, lazy=True,
                      render=lambda a, c: f"(IF({a[0]}, {a[1]}, {a[2]}))", aliases=("iff",)))


def _resolve_nvl(args):
    coerced, t = _coerce_all(list(args), f"nvl({', '.join(a.sql() for a in args)})", "nvl")
    return coerced, t, all(a.nullable for a in coerced)


register(FunctionSpec("nvl", _resolve_nvl, _lazy_coalesce, lazy=True, aliases=("ifnull",)))


def _resolve_nullif(args):
    left, right = args
    t = C.comparison_type(left.data_type, right.data_type)
    if t is None:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                                messageParameters={"sqlExpr": f"nullif({left.sql()}, {right.sql()})",
                                                   "left": _type_text(left.data_type),
                                                   "right": _type_text(right.data_type)})
    return [left, C.cast_to(right, t), C.cast_to(left, t)], left.data_type, True


def _nullif_kernel(values, n, call):
    original, right, left = values
    equal = pc.fill_null(_compare("=")([left, right], n, call), False)
    original = _as_array(original, n)
    return pc.if_else(equal, pa.scalar(None, original.type), original)


register(FunctionSpec("nullif", _resolve_nullif, _nullif_kernel, render=lambda a, c: f"nullif({a[0]}, {a[1]})"))


def _resolve_nvl2(args):
    first, *rest = args
    coerced, t = _coerce_all(rest, f"nvl2({', '.join(a.sql() for a in args)})", "nvl2")
    return [first] + coerced, t, any(a.nullable for a in coerced)


def _nvl2_kernel(values, n, call):
    test, a, b = values
    return pc.if_else(pc.is_valid(_as_array(test, n)), a, b)


register(FunctionSpec("nvl2", _resolve_nvl2, _nvl2_kernel))


def _extreme(name: str, greatest: bool):
    def resolve(args):
        if len(args) < 2:
            raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                    messageParameters={"functionName": f"`{name}`", "expectedNum": "> 1",
                                                       "actualNum": str(len(args)),
                                                       "docroot": "https://spark.apache.org/docs/latest"})
        coerced, t = _coerce_all(args, f"{name}({', '.join(a.sql() for a in args)})", name,
                                 string_promotion=False)
        return coerced, t, all(a.nullable for a in coerced)

    def kernel(values, n, call):
        arrays = [_as_array(v, n) for v in values]
        result = arrays[0]
        for other in arrays[1:]:
            better = _compare(">" if greatest else "<")([other, result], n, call)
            result = pc.if_else(pc.or_(pc.is_null(result), pc.fill_null(better, False)), other, result)
        return result
    register(FunctionSpec(name, resolve, kernel))


_extreme("greatest", True)
_extreme("least", False)


def _resolve_nanvl(args):
    coerced = []
    for a in args:
        t = a.data_type
        coerced.append(a if isinstance(t, T.DoubleType) else C.cast_to(a, T.DoubleType()))
    if all(isinstance(a.data_type, T.FloatType) for a in args):
        coerced = list(args)
    return coerced, coerced[0].data_type, any(a.nullable for a in coerced)


def _nanvl_kernel(values, n, call):
    a, b = (_as_array(v, n) for v in values)
    return pc.if_else(pc.fill_null(pc.is_nan(a), False), b, a)


register(FunctionSpec("nanvl", _resolve_nanvl, _nanvl_kernel))
