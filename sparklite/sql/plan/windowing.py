"""Window expressions in a select list: Spark's default frames and the ``Window`` nodes that compute
them.

Contract: ``with_default_frame`` gives a window expression without a frame Spark's frame (ranking and
offset functions must be ordered: ``WINDOW_FUNCTION_FRAME_NOT_ORDERED``); ``extract_windows`` turns a
select list into one ``Window`` node per partitioning and ordering below a projection that reads
their results, each distinct window expression computed once; ``walk_outside_windows`` walks an
expression without entering its window expressions.
"""
from __future__ import annotations

from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias, AttributeReference, Call, WindowExpression, WindowFrame


def walk_outside_windows(e):
    """The nodes of an expression, not descending into window expressions."""
    yield e
    if not isinstance(e, WindowExpression):
        for c in e.children:
            yield from walk_outside_windows(c)


def with_default_frame(w: WindowExpression) -> WindowExpression:
    """Spark's frames: ranking and offset functions need ORDER BY and take ROWS UNBOUNDED PRECEDING
    to CURRENT ROW; aggregates take RANGE UNBOUNDED PRECEDING to CURRENT ROW when ordered, the whole
    partition otherwise."""
    function = w.function
    ranking = isinstance(function, Call) and function.spec.options.get("ranking")
    if ranking and not w.order:
        raise AnalysisException(errorClass="WINDOW_FUNCTION_FRAME_NOT_ORDERED",
                                messageParameters={"wf_name": function.spec.name, "wf_expr": w.sql()})
    if w.frame is not None:
        return w
    if ranking:
        frame = WindowFrame("rows", WindowFrame.UNBOUNDED_PRECEDING, 0)
    elif w.order:
        frame = WindowFrame("range", WindowFrame.UNBOUNDED_PRECEDING, 0)
    else:
        frame = WindowFrame("rows", WindowFrame.UNBOUNDED_PRECEDING, WindowFrame.UNBOUNDED_FOLLOWING)
    return WindowExpression(function, w.partition, w.order, frame)


def extract_windows(items: list, child) -> L.LogicalPlan:
    """A select list with window expressions: one Window node per partitioning and ordering, below
    a projection that reads their results."""
    by_spec: dict = {}
    replaced: dict = {}

    def replace(node):
        if isinstance(node, WindowExpression):
            key = node.sql()
            if key not in replaced:
                alias = Alias(node, key)
                replaced[key] = alias
                by_spec.setdefault(node.spec_key(), []).append(alias)
            return replaced[key].to_attribute()
        return node
    new_items = []
    for item in items:
        if isinstance(item, Alias) and isinstance(item.child, WindowExpression):
            key = item.child.sql()
            alias = Alias(item.child, item.name, item.expr_id)
            replaced.setdefault(key, alias)
            if replaced[key] is alias:
                by_spec.setdefault(item.child.spec_key(), []).append(alias)
                new_items.append(alias.to_attribute())
            else:
                new_items.append(Alias(replaced[key].to_attribute(), item.name, item.expr_id))
            continue
        new_items.append(item.transform_down(replace) if not isinstance(item, AttributeReference) else item)
    plan = child
    for aliases in by_spec.values():
        first = aliases[0].child
        plan = L.Window(aliases, list(first.partition), list(first.order), plan)
    return L.Project(new_items, plan)
