"""The physical planner: an optimized logical plan becomes a tree of physical operators.

Contract: ``plan_physical(logical, conf) -> SparkPlan``, one strategy per logical operator; a Filter
under a Project (or either alone) becomes one fused ``ProjectFilterExec``.
"""
from __future__ import annotations

import pyarrow as pa

from sparklite.sql.cache import InMemoryRelation
from sparklite.sql.execution.aggregate import HashAggregateExec, aggregate_parts
from sparklite.sql.execution.stateful import plan_streaming
from sparklite.sql.conf import byte_size
from sparklite.sql.execution.join import HashJoinExec, extract_keys, output_of
from sparklite.sql.execution.python_exec import CoGroupMapExec, MapInBatchesExec
from sparklite.sql.execution.python_udtf import BatchEvalPythonUDTFExec
from sparklite.sql.execution.window import WindowExec
from sparklite.sql.execution import physical as P
from sparklite.sql.execution.evaluate import evaluate_array
from sparklite.sql.execution.exchange import ShuffleExchangeExec
from sparklite.sql.execution.sort import RangeExchangeExec, SortExec
from sparklite.sql.plan import logical as L
from sparklite.sql.plan import streaming as S
from sparklite.sql.plan.python_plans import CoGroupMap, MapInBatches
from sparklite.sql.plan.expressions import AttributeReference, Call
from sparklite.sql.plan.optimizer import optimize
from sparklite.sql.plan.predicates import conjuncts
from sparklite.sql.plan.stats import size_in_bytes
from sparklite.sql.plan.tablefunctions import PythonUDTF


def plan_physical(plan: L.LogicalPlan, conf=None) -> P.SparkPlan:
    if isinstance(plan, L.Project):
        child = plan.child
        if isinstance(child, L.Filter):
            return P.ProjectFilterExec(plan.project_list, child.condition, _filtered_input(child, conf))
        return P.ProjectFilterExec(plan.project_list, None, plan_physical(child, conf))
    if isinstance(plan, L.Filter):
        return P.ProjectFilterExec(None, plan.condition, _filtered_input(plan, conf))
    if isinstance(plan, L.LocalRelation):
        return P.LocalTableScanExec(plan.output, plan.table, plan.num_slices)
    if isinstance(plan, L.DataSourceRelation):
        return P.DataSourceScanExec(plan.output, plan.source, plan.columns)
    if isinstance(plan, L.RDDRelation):
        return P.ExistingRDDExec(plan.output, plan.rdd)
    if isinstance(plan, L.Range):
        return P.RangeExec(plan.output, plan.start, plan.end, plan.step, plan.num_slices)
    if isinstance(plan, InMemoryRelation):
        return P.InMemoryTableScanExec(plan.entry, plan_physical(optimize(plan.entry.plan), conf))
    if isinstance(plan, L.OneRowRelation):
        return P.OneRowExec()
    if isinstance(plan, (L.SubqueryAlias, L.CollectMetrics)):      # metrics: recorded after the action
        return plan_physical(plan.child, conf)
    if isinstance(plan, L.Limit):
        return P.LimitExec(plan.limit, plan.offset, plan_physical(plan.child, conf))
    if isinstance(plan, L.Sort):
        return SortExec(plan.order, plan.global_sort, plan_physical(plan.child, conf))
    if isinstance(plan, L.Repartition):
        if plan.kind == "coalesce":
            return P.CoalesceExec(plan.num_partitions, plan_physical(plan.child, conf))
        if plan.kind == "range":
            return RangeExchangeExec([k.to_order() for k in plan.keys], plan.num_partitions,
                                     plan_physical(plan.child, conf))
        return ShuffleExchangeExec(plan.kind, plan.keys, plan.num_partitions, plan_physical(plan.child, conf))
    if isinstance(plan, L.Union):
        return P.UnionExec([plan_physical(c, conf) for c in plan.children], plan.output)
    if isinstance(plan, L.Aggregate):
        return plan_aggregate(plan, conf)
    if isinstance(plan, L.Join):
        return plan_join(plan, conf)
    if isinstance(plan, L.Sample):
        return P.SampleExec(plan.lower, plan.upper, plan.with_replacement, plan.seed, plan_physical(plan.child, conf))
    if isinstance(plan, L.Expand):
        return P.ExpandExec(plan.projections, plan.attributes, plan_physical(plan.child, conf))
    if isinstance(plan, MapInBatches):
        return MapInBatchesExec(plan.func, plan.kind, plan.attributes, plan.grouping,
                                  plan_physical(plan.child, conf))
    if isinstance(plan, CoGroupMap):
        return CoGroupMapExec(plan.func, plan.kind, plan.attributes, plan.left_grouping, plan.right_grouping,
                              plan_physical(plan.children[0], conf), plan_physical(plan.children[1], conf))
    if isinstance(plan, L.Generate) and isinstance(plan.generator, PythonUDTF):
        return BatchEvalPythonUDTFExec(plan.generator, plan.generator_output, plan_physical(plan.child, conf),
                                       plan.child_output)
    if isinstance(plan, L.Generate):
        return P.GenerateExec(plan.generator, plan.generator_output, plan_physical(plan.child, conf),
                              plan.child_output)
    if isinstance(plan, (S.Stateful, S.EventTimeWatermark, S.Deduplicate, S.StreamingRelation, S.CountRows)):
        return plan_streaming(plan, conf, plan_physical)
    if isinstance(plan, L.Window):
        return WindowExec(plan.window_expressions, plan.partition, plan.order, plan_physical(plan.child, conf))
    raise NotImplementedError(f"no physical plan yet for {type(plan).__name__}")


_SCAN_OPERATORS = {"equal": "=", "lessthan": "<", "lessthanorequal": "<=", "greaterthan": ">",
                   "greaterthanorequal": ">="}
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _filtered_input(plan: L.Filter, conf) -> P.SparkPlan:
    """The input of a filter; a file scan gets the filter's ``column op constant`` conjuncts, so that
    it skips the Parquet row groups whose statistics rule them out (the filter still runs above)."""
    child = plan.child
    if isinstance(child, L.DataSourceRelation) and hasattr(child.source, "with_filters"):
        pushed = scan_filters(plan.condition, child)
        if pushed:
            return P.DataSourceScanExec(child.output, child.source.with_filters(pushed), child.columns)
    return plan_physical(child, conf)


def scan_filters(condition, relation: L.DataSourceRelation) -> list:
    """(file column, operator, value) for each conjunct comparing a column of the scan with a constant."""
    names = dict(zip((a.expr_id for a in relation.output), relation.columns or [a.name for a in relation.output]))
    found = []
    for part in conjuncts(condition):
        if not (isinstance(part, Call) and part.spec.name in _SCAN_OPERATORS):
            continue
        column, other = part.children
        operator = _SCAN_OPERATORS[part.spec.name]
        if not isinstance(column, AttributeReference):
            column, other, operator = other, column, _FLIPPED[operator]
        if not isinstance(column, AttributeReference) or column.expr_id not in names or other.references():
            continue
        value = _constant(other)
        if value is not None and value == value:          # NaN compares with nothing
            found.append((names[column.expr_id], operator, value))
    return found


def _constant(expr):
    """The Python value of an expression without columns, or None when it cannot be had here."""
    try:
        return evaluate_array(expr, _ONE_ROW)[0].as_py()
    except Exception:  # a constant that fails to compute here (its error comes when the query runs)
        return None


_ONE_ROW = pa.RecordBatch.from_arrays([pa.array([0])], names=["_"])


def plan_join(plan: L.Join, conf) -> P.SparkPlan:
    """Spark's JoinSelection: a broadcast hash join when a side may be built (by the join type) and
    is hinted or smaller than ``spark.sql.autoBroadcastJoinThreshold``, a shuffled hash join
    otherwise; without equality keys a broadcast nested-loop join."""
    left, right = plan_physical(plan.left, conf), plan_physical(plan.right, conf)
    keys, residual = extract_keys(plan.condition, plan.left.output, plan.right.output)
    output = output_of(plan.left.output, plan.right.output, plan.join_type)
    threshold = byte_size(conf.get("spark.sql.autoBroadcastJoinThreshold")) if conf is not None else 10 << 20

    def small(side: str) -> bool:
        if plan.hint.get(side) == "broadcast":
            return True
        size = size_in_bytes(plan.left if side == "left" else plan.right)
        return threshold >= 0 and size is not None and size <= threshold

    can_right = plan.join_type in ("inner", "cross", "left_outer", "left_semi", "left_anti", "left_existence",
                                  "left_single")
    can_left = plan.join_type in ("inner", "cross", "right_outer")
    if plan.join_type == "left_anti_null_aware":      # NOT IN needs the whole subquery in every task
        return HashJoinExec(left, right, plan.join_type, keys, residual, "broadcast_right", output)
    if not keys:
        return HashJoinExec(left, right, plan.join_type, [], residual, "nested_loop", output)
    if can_right and small("right") and not (can_left and small("left") and plan.hint.get("left") and
                                             not plan.hint.get("right")):
        strategy = "broadcast_right"
        if can_left and small("left") and (size_in_bytes(plan.left) or 0) < (size_in_bytes(plan.right) or 0):
            strategy = "broadcast_left" if not plan.hint.get("right") else strategy
    elif can_left and small("left"):
        strategy = "broadcast_left"
    else:
        strategy = "shuffle"
    return HashJoinExec(left, right, plan.join_type, keys, residual, strategy, output)


def plan_aggregate(plan: L.Aggregate, conf=None) -> P.SparkPlan:
    """Partial aggregate, exchange by the keys (one partition without keys), final aggregate, and
    a projection computing the select list from keys and aggregate results."""
    parts = aggregate_parts(plan)
    partial = HashAggregateExec("partial", plan.grouping, parts.calls, plan_physical(plan.child, conf),
                                parts.keys + parts.states)
    exchange = ShuffleExchangeExec("hash", parts.keys, None, partial) if parts.keys else \
        ShuffleExchangeExec("single", [], 1, partial)
    final = HashAggregateExec("final", parts.keys, parts.calls, exchange, parts.keys + parts.results, parts.widths)
    return P.ProjectFilterExec(parts.project, None, final)
