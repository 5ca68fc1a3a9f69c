"""The aggregate ``mode(x[, deterministic])``: the most frequent non-NULL value of each group.

Contract (with ``aggregates``' two phases): a partial state is two lists per group, the distinct
values seen and how often each was seen; ``merge`` adds the counts of equal values, ``finish``
picks the value with the highest count. Values are equal as grouping keys are (-0.0 is 0.0, NaN is
NaN). Between values of the same count, ``deterministic`` picks the smallest in Spark's order (NaN
above every number), as ``mode() WITHIN GROUP (ORDER BY x)`` does (the largest with ``largest``, as
``ORDER BY x DESC``); otherwise the one seen first
(Spark's choice then follows its hash map's order and is not reproducible). A group without
values gives NULL.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.aggregates import Aggregate, Groups, _as_array, _normalized, group_ids
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan.expressions import Literal


def _tally(values: pa.Array, counts: np.ndarray, groups: Groups) -> list:
    """(values list, counts list) per group: the distinct values of each group with their summed
    counts, in order of first appearance."""
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    values, counts, ids = values.filter(pa.array(valid)), counts[valid], groups.ids[valid]
    values = _normalized(values)
    pairs, count, first = group_ids([pa.array(ids, pa.int64()), values], len(ids))
    totals = np.bincount(pairs, weights=counts, minlength=count).astype(np.int64)
    owner = ids[first]
    order = np.argsort(owner, kind="stable")
    lengths = np.bincount(owner, minlength=groups.count)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]), pa.int32())
    distinct = values.take(pa.array(first[order]))
    return [pa.ListArray.from_arrays(offsets, distinct), pa.ListArray.from_arrays(offsets, pa.array(totals[order]))]


class Mode(Aggregate):
    def update(self, args, groups, call):
        values = _as_array(args[0], len(groups.ids))
        return _tally(values, np.ones(len(values), dtype=np.int64), groups)

    def merge(self, states, groups, call):
        values, counts = states
        lengths = pc.list_value_length(values).fill_null(0).to_numpy(zero_copy_only=False)
        flat_counts = pc.list_flatten(counts).to_numpy(zero_copy_only=False)
        return _tally(pc.list_flatten(values), flat_counts, Groups(np.repeat(groups.ids, lengths), groups.count))

    def finish(self, states, call):
        values, counts = states
        lengths = pc.list_value_length(values).fill_null(0).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(values)
        columns = {"g": pa.array(np.repeat(np.arange(len(values)), lengths)), "c": pc.list_flatten(counts)}
        keys = [("g", "ascending"), ("c", "descending")]
        if call.options.get("deterministic"):
            columns["v"] = flat
            keys.append(("v", "descending" if call.options.get("largest") else "ascending"))
        order = pc.sort_indices(pa.table(columns), sort_keys=keys).to_numpy()
        owners = columns["g"].to_numpy()[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = owners[1:] != owners[:-1]
        index = np.full(len(values), -1, dtype=np.int64)
        index[owners[first]] = order[first]
        return flat.take(pa.array(np.where(index < 0, 0, index), mask=index < 0)) if len(flat) else \
            pa.nulls(len(values), flat.type)


def _resolve_mode(args):
    if not 1 <= len(args) <= 2:
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": "`mode`", "expectedNum": "[1, 2]",
                                                   "actualNum": str(len(args)),
                                                   "docroot": "https://spark.apache.org/docs/latest"})
    deterministic = False
    if len(args) == 2:
        flag = args[1]
        if not isinstance(flag.data_type, T.BooleanType):
            raise AnalysisException(
                errorClass="UNEXPECTED_INPUT_TYPE",
                messageParameters={"paramIndex": "second", "functionName": "`mode`", "requiredType": '"BOOLEAN"',
                                   "inputSql": f'"{flag.sql()}"',
                                   "inputType": f'"{flag.data_type.simpleString().upper()}"'})
        if not isinstance(flag, Literal):
            raise AnalysisException(errorClass="NON_FOLDABLE_ARGUMENT",
                                    messageParameters={"funcName": "`mode`", "paramName": "`deterministic`",
                                                       "paramType": '"BOOLEAN"'})
        deterministic = bool(flag.value)
    return [args[0]], args[0].data_type, True, {"deterministic": deterministic}


def _render(args, call):
    if call.options.get("deterministic"):
        # Spark names it after the ordering it runs, with the direction the other way round
        return f"mode() WITHIN GROUP (ORDER BY {args[0]} DESC)"
    return f"mode({args[0]})"


register(FunctionSpec("mode", _resolve_mode, aggregate=True, render=_render, options={"impl": Mode()}))
