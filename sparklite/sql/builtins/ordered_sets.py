"""Ordered-set aggregates, SQL's ``f(args) WITHIN GROUP (ORDER BY key ...)``, and ``listagg``.

Contract (with ``aggregates``' two phases; the SQL planner makes the calls):
* ``percentile_cont(p) WITHIN GROUP (ORDER BY x [DESC])`` is ``__percentile_cont(x, p, descending)``:
  the value at ``p`` of the way through the sorted non-NULL values, interpolated; descending takes
  ``1 - p``. ``percentile_disc`` is the first value whose cumulative share reaches ``p`` (no
  interpolation). Both are doubles, NULL for a group without values; ``p`` must be a constant in
  [0, 1] (``DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE``).
* ``mode() WITHIN GROUP (ORDER BY x)`` is ``mode(x, true)`` (ties go to the smallest value);
  ``ORDER BY x DESC`` is ``__mode_ordered(x)``, ties to the largest. Spark names each after the
  other's direction, and so does this.
* ``listagg(value[, delimiter])`` (``string_agg``) concatenates the non-NULL values of a group in
  input order with the constant delimiter (none when NULL); ``WITHIN GROUP (ORDER BY k ...)`` is
  ``__listagg_ordered(value, delimiter, k1, flags1, ...)`` (flags: 1 descending, 2 NULLs first),
  the values then in that order. A group without values gives NULL.
"""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.aggregates import (Aggregate, Collect, Groups, Percentile, _as_array, _numeric_arg,
                                               constant_fraction)
from sparklite.sql.builtins.listkit import arity, unexpected
from sparklite.sql.builtins.modes import Mode
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import coercion as C
from sparklite.sql.plan.expressions import Literal

DESCENDING, NULLS_FIRST = 1, 2


# -- percentile_cont / percentile_disc ----------------------------------------------------------

class OrderedPercentile(Percentile):
    def finish(self, states, call):
        if not call.options["discrete"]:
            return super().finish(states, call)
        p, descending = call.options["fraction"], call.options["descending"]
        out = []
        for values in states[0].to_pylist():
            if not values:
                out.append(None)
                continue
            values = sorted(values, reverse=descending)
            out.append(values[max(math.ceil(p * len(values)) - 1, 0)])
        return pa.array(out, pa.float64())


def _resolve_percentile(name: str, discrete: bool):
    def resolve(args):
        key, fraction, descending = args
        value = _numeric_arg(name, key)
        shown = f'"{_percentile_sql(name, [key.sql(), fraction.sql()], bool(descending.value))}"'
        p = constant_fraction(fraction, shown, f'"{fraction.sql()}"')
        if not 0.0 <= p <= 1.0:
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
                                    messageParameters={"sqlExpr": shown, "exprName": "percentage",
                                                       "valueRange": "[0.0, 1.0]", "currentValue": fraction.sql()})
        if descending.value and not discrete:
            p = 1.0 - p                 # interpolating down from the top is interpolating up to 1 - p
        return [C.cast_to(value, T.DoubleType()), fraction], T.DoubleType(), True, \
            {"fraction": p, "discrete": discrete, "descending": bool(descending.value), "shown_name": name}
    return resolve


def _percentile_sql(name: str, args: list, descending: bool) -> str:
    return f"{name}({args[1]}) WITHIN GROUP (ORDER BY {args[0]}{' DESC' if descending else ''})"


def _render_percentile(args, call):
    return _percentile_sql(call.options["shown_name"], args, call.options["descending"])


for _name, _discrete in (("percentile_cont", False), ("percentile_disc", True)):
    register(FunctionSpec(f"__{_name}", _resolve_percentile(_name, _discrete), aggregate=True,
                          render=_render_percentile, options={"impl": OrderedPercentile()}))


# -- mode() WITHIN GROUP (ORDER BY x DESC) --------------------------------------------------------

def _resolve_largest_mode(args):
    return [args[0]], args[0].data_type, True, {"deterministic": True, "largest": True}


register(FunctionSpec("__mode_ordered", _resolve_largest_mode, aggregate=True,
                      render=lambda args, call: f"mode() WITHIN GROUP (ORDER BY {args[0]})",
                      options={"impl": Mode()}))


# -- listagg / string_agg -------------------------------------------------------------------------

class ListAgg(Aggregate):
    """State: per group, the list of its non-NULL values and, beside it, one list per order key; with
    DISTINCT a value is kept where it first comes in the order."""

    handles_distinct = True

    def __init__(self):
        self.lists = Collect(False)

    def update(self, args, groups, call):
        n = len(groups.ids)
        value = _as_array(args[0], n)
        valid = pc.is_valid(value)
        kept = Groups(groups.ids[valid.to_numpy(zero_copy_only=False)], groups.count)
        columns = [value] + [_as_array(k, n) for k in args[2::2]]
        return [self.lists._lists(c.filter(valid), kept) for c in columns]

    def merge(self, states, groups, call):
        lengths = pc.list_value_length(states[0]).fill_null(0).to_numpy(zero_copy_only=False)
        owners = Groups(np.repeat(groups.ids, lengths), groups.count)
        return [self.lists._lists(pc.list_flatten(lists), owners) for lists in states]

    def finish(self, states, call):
        lists = states[0]
        lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(lists)
        owner = np.repeat(np.arange(len(lists)), lengths)
        columns, sort_keys = {"g": pa.array(owner), "v": flat}, [("g", "ascending")]
        for i, flags in enumerate(call.options["orders"]):
            key = pc.list_flatten(states[i + 1])
            columns[f"n{i}"] = pc.is_null(key)
            sort_keys.append((f"n{i}", "descending" if flags & NULLS_FIRST else "ascending"))
            columns[f"k{i}"] = key
            sort_keys.append((f"k{i}", "descending" if flags & DESCENDING else "ascending"))
        order = pc.sort_indices(pa.table(columns), sort_keys=sort_keys) if call.options["orders"] else \
            pa.array(np.arange(len(flat)))
        values = columns["v"].take(order).to_pylist()
        delimiter = call.options["delimiter"]
        out, start = [], 0
        for length in lengths.tolist():
            part = values[start:start + length]
            start += length
            if call.options.get("distinct"):
                part = list(dict.fromkeys(part))
            out.append(delimiter.join(part) if part else None)
        return pa.array(out, pa.string())


def _resolve_listagg(ordered: bool):
    def resolve(args):
        name = "listagg"
        if not ordered:
            arity(name, args, 1, 2)
        value = args[0]
        delimiter = args[1] if len(args) > 1 else Literal(None, T.NullType())
        sql = f'"{name}({", ".join(a.sql() for a in args[:2])})"'
        if not isinstance(value.data_type, (T.StringType, T.NullType)):
            unexpected(sql, 0, value, '("STRING" or "BINARY")')
        if not isinstance(delimiter, Literal):
            raise AnalysisException(errorClass="DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                                    messageParameters={"sqlExpr": sql, "inputName": "`delimiter`",
                                                       "inputType": '"STRING"', "inputExpr": f'"{delimiter.sql()}"'})
        keys = args[2::2]
        orders = tuple(int(flags.value) for flags in args[3::2])
        new_args = [value, delimiter] + [a for pair in zip(keys, args[3::2]) for a in pair]
        return new_args, T.StringType(), True, {"delimiter": "" if delimiter.value is None else str(delimiter.value),
                                                "orders": orders}
    return resolve


def _render_listagg(args, call):
    name = "listagg" if call.spec.name.startswith("__") else call.options.get("display_name", "listagg")
    distinct = "DISTINCT " if call.options.get("distinct") else ""
    text = f"{name}({distinct}{args[0]}, {args[1]})"
    if call.options["orders"]:
        keys = ", ".join(f"{key} {'DESC' if flags & DESCENDING else 'ASC'} NULLS "
                         f"{'FIRST' if flags & NULLS_FIRST else 'LAST'}"
                         for key, flags in zip(args[2::2], call.options["orders"]))
        text += f" WITHIN GROUP (ORDER BY {keys})"
    return text


register(FunctionSpec("listagg", _resolve_listagg(False), aggregate=True, aliases=("string_agg",),
                      render=_render_listagg, options={"impl": ListAgg()}))
register(FunctionSpec("__listagg_ordered", _resolve_listagg(True), aggregate=True, render=_render_listagg,
                      options={"impl": ListAgg()}))
