"""Logical plans: what a DataFrame or a SQL query computes, as a tree of relational operators.

Contract:
* A ``LogicalPlan`` node has ``children`` (plans), ``expressions`` (its own expression trees) and,
  once resolved, ``output``: the ``AttributeReference``s of its columns, in order. ``with_new``
  rebuilds a node with new children and expressions, so analyzer and optimizer rules rewrite trees
  with ``transform_up`` / ``transform_expressions``.
* ``plan_id`` ties a plan to the DataFrame that made it (``df["col"]`` resolves against it).
* ``tree_string()`` draws the plan as Spark's ``explain`` does (``+- `` and ``:- `` branches).
"""
from __future__ import annotations

import itertools

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.plan.expressions import Alias, AttributeReference, Expression, SortOrder, to_attribute

_plan_ids = itertools.count(1)


class LogicalPlan:
    children: tuple = ()

    def __init__(self):
        self.plan_id = next(_plan_ids)

    # -- structure --------------------------------------------------------------------------
    @property
    def expressions(self) -> tuple:
        return ()

    def with_new(self, children=None, expressions=None) -> "LogicalPlan":
        """This node with other children and/or expressions (same kind, same options)."""
        raise NotImplementedError(type(self).__name__)

    def _same_id(self, node: "LogicalPlan") -> "LogicalPlan":
        """``node`` (this node rebuilt by ``with_new``) under this node's ``plan_id``, which a DataFrame's
        column references resolve against."""
        node.plan_id = self.plan_id
        return node

    def transform_up(self, rule) -> "LogicalPlan":
        children = tuple(c.transform_up(rule) for c in self.children)
        node = self if children == tuple(self.children) else self.with_new(children=children)
        return rule(node)

    def transform_down(self, rule) -> "LogicalPlan":
        node = rule(self)
        children = tuple(c.transform_down(rule) for c in node.children)
        return node if children == tuple(node.children) else node.with_new(children=children)

    def transform_expressions(self, rule) -> "LogicalPlan":
        """Rewrite this node's own expressions bottom-up with ``rule``."""
        new = tuple(_transform(e, rule) for e in self.expressions)
        if all(a is b for a, b in zip(new, self.expressions)):
            return self
        return self.with_new(expressions=new)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    # -- resolution -------------------------------------------------------------------------
    @property
    def resolved(self) -> bool:
        return all(c.resolved for c in self.children) and all(_resolved(e) for e in self.expressions)

    @property
    def output(self) -> list[AttributeReference]:
        raise NotImplementedError(type(self).__name__)

    @property
    def schema(self) -> T.StructType:
        return T.StructType([T.StructField(a.name, a.data_type, a.nullable, a.metadata or None)
                             for a in self.output])

    # -- display ----------------------------------------------------------------------------
    def node_string(self) -> str:
        return type(self).__name__

    def tree_string(self) -> str:
        lines: list[str] = []
        self._tree_lines(lines, [])
        return "\n".join(lines)

    def _tree_lines(self, lines: list, last_flags: list) -> None:
        prefix = ""
        if last_flags:
            prefix = "".join("   " if last else ":  " for last in last_flags[:-1])
            prefix += "+- " if last_flags[-1] else ":- "
        lines.append(prefix + self.node_string())
        for i, child in enumerate(self.children):
            child._tree_lines(lines, last_flags + [i == len(self.children) - 1])

    def __repr__(self) -> str:
        return self.tree_string()


def _transform(e, rule):
    if isinstance(e, SortOrder):
        child = e.child.transform_up(rule)
        return e if child is e.child else SortOrder(child, e.ascending, e.nulls_first)
    if isinstance(e, (list, tuple)):
        return type(e)(_transform(x, rule) for x in e)
    return e.transform_up(rule)


def _named(e) -> bool:
    return isinstance(e, (Alias, AttributeReference))


def _resolved(e) -> bool:
    if isinstance(e, SortOrder):
        return e.child.resolved
    if isinstance(e, (list, tuple)):
        return all(_resolved(x) for x in e)
    return e.resolved


def attr_list(attrs) -> str:
    return "[" + ", ".join(a.explain_string() if isinstance(a, AttributeReference) else a.sql()
                           for a in attrs) + "]"


class LeafPlan(LogicalPlan):
    def with_new(self, children=None, expressions=None):
        return self


class UnaryPlan(LogicalPlan):
    @property
    def child(self) -> LogicalPlan:
        return self.children[0]


# -- leaves -------------------------------------------------------------------------------------

class LocalRelation(LeafPlan):
    """Rows held on the driver as an Arrow table (``createDataFrame`` of local data, ``VALUES``);
    ``num_slices`` partitions, cut as ``parallelize`` cuts."""

    def __init__(self, attributes: list[AttributeReference], table: pa.Table, num_slices: int | None = None):
        super().__init__()
        self.attributes, self.table, self.num_slices = list(attributes), table, num_slices

    @property
    def output(self):
        return self.attributes

    def node_string(self):
        return f"LocalRelation {attr_list(self.attributes)}"


class RDDRelation(LeafPlan):
    """A DataFrame over an RDD of record batches the caller made (``createDataFrame(rdd)``)."""

    def __init__(self, attributes: list[AttributeReference], rdd):
        super().__init__()
        self.attributes, self.rdd = list(attributes), rdd

    @property
    def output(self):
        return self.attributes

    def node_string(self):
        return f"LogicalRDD {attr_list(self.attributes)}, false"


class Range(LeafPlan):
    """``spark.range(start, end, step, numPartitions)``: one bigint column ``id``."""

    def __init__(self, start: int, end: int, step: int, num_slices: int | None, attribute=None):
        super().__init__()
        self.start, self.end, self.step, self.num_slices = start, end, step, num_slices
        self.attribute = attribute or AttributeReference("id", T.LongType(), False)

    @property
    def output(self):
        return [self.attribute]

    @property
    def num_rows(self) -> int:
        return len(range(self.start, self.end, self.step))

    def node_string(self):
        return f"Range ({self.start}, {self.end}, step={self.step}, splits={self.num_slices})"


class OneRowRelation(LeafPlan):
    """The single empty row a ``SELECT`` without ``FROM`` reads."""

    @property
    def output(self):
        return []

    def node_string(self):
        return "OneRowRelation"


class UnresolvedRelation(LeafPlan):
    """A table or view named in SQL or ``spark.table``, looked up by the analyzer."""

    def __init__(self, parts: tuple):
        super().__init__()
        self.parts = tuple(parts)

    @property
    def resolved(self):
        return False

    def node_string(self):
        return "'UnresolvedRelation [" + ", ".join(self.parts) + "], [], false"


# -- unary operators -----------------------------------------------------------------------------

class Project(UnaryPlan):
    def __init__(self, project_list: list[Expression], child: LogicalPlan):
        super().__init__()
        self.project_list, self.children = list(project_list), (child,)

    @property
    def expressions(self):
        return tuple(self.project_list)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Project(list(expressions) if expressions is not None else self.project_list,
                                     (children or self.children)[0]))

    @property
    def resolved(self):
        return super().resolved and all(_named(e) for e in self.project_list)

    @property
    def output(self):
        return [to_attribute(e) for e in self.project_list]

    def node_string(self):
        return "Project " + attr_list(self.project_list)


class UsingJoinProject(Project):
    """The projection over a ``JOIN ... USING`` (its keys once, first); ``hidden`` are the key columns
    of both sides it does not show, which a qualified name (``e.dept``) still reaches (Spark's hidden
    output of a USING join)."""

    def __init__(self, project_list: list[Expression], child: LogicalPlan, hidden: list):
        super().__init__(project_list, child)
        self.hidden = list(hidden)

    def with_new(self, children=None, expressions=None):
        return self._same_id(UsingJoinProject(list(expressions) if expressions is not None else self.project_list,
                                              (children or self.children)[0], self.hidden))


class Filter(UnaryPlan):
    def __init__(self, condition: Expression, child: LogicalPlan):
        super().__init__()
        self.condition, self.children = condition, (child,)

    @property
    def expressions(self):
        return (self.condition,)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Filter(expressions[0] if expressions is not None else self.condition, (children or self.children)[0]))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        return f"Filter {self.condition.sql()}"


class Limit(UnaryPlan):
    """The first ``limit`` rows after skipping ``offset`` (``limit`` None: all of them)."""

    def __init__(self, limit: int | None, child: LogicalPlan, offset: int = 0):
        super().__init__()
        self.limit, self.offset, self.children = limit, offset, (child,)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Limit(self.limit, (children or self.children)[0], self.offset))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        parts = []
        if self.limit is not None:
            parts.append(f"GlobalLimit {self.limit}")
        if self.offset:
            parts.append(f"Offset {self.offset}")
        return ", ".join(parts) or "Limit"


class Sort(UnaryPlan):
    """ORDER BY (``global_sort``) or ``sortWithinPartitions``."""

    def __init__(self, order: list[SortOrder], global_sort: bool, child: LogicalPlan):
        super().__init__()
        self.order, self.global_sort, self.children = list(order), global_sort, (child,)

    @property
    def expressions(self):
        return tuple(self.order)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Sort(list(expressions) if expressions is not None else self.order, self.global_sort,
                                  (children or self.children)[0]))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        return f"Sort [{', '.join(o.sql() for o in self.order)}], {str(self.global_sort).lower()}"


class SubqueryAlias(UnaryPlan):
    """``df.alias("t")`` / ``FROM x AS t`` / a view's name: qualifies the child's columns."""

    def __init__(self, name: str, child: LogicalPlan):
        super().__init__()
        self.name, self.children = name, (child,)

    def with_new(self, children=None, expressions=None):
        return self._same_id(SubqueryAlias(self.name, (children or self.children)[0]))

    @property
    def output(self):
        return [a.with_qualifier((self.name,)) for a in self.child.output]

    def node_string(self):
        return f"SubqueryAlias {self.name}"


class ColumnAliases(UnaryPlan):
    """``AS t(a, b)`` / ``WITH t(a, b) AS ...``: the child's columns renamed by position (Spark's
    UnresolvedSubqueryColumnAliases); the analyzer makes it a projection once the child is resolved."""

    def __init__(self, names: list, child: LogicalPlan):
        super().__init__()
        self.names, self.children = list(names), (child,)

    @property
    def resolved(self):
        return False

    def with_new(self, children=None, expressions=None):
        return self._same_id(ColumnAliases(self.names, (children or self.children)[0]))

    def node_string(self):
        return f"ColumnAliases [{', '.join(self.names)}]"


class Repartition(UnaryPlan):
    """``repartition(n)`` (round robin), ``repartition(n, cols)`` (hash), ``repartitionByRange`` and
    ``coalesce(n)`` (no shuffle)."""

    def __init__(self, num_partitions: int | None, keys: list, kind: str, child: LogicalPlan):
        super().__init__()
        self.num_partitions, self.keys, self.kind, self.children = num_partitions, list(keys), kind, (child,)

    @property
    def expressions(self):
        return tuple(self.keys)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Repartition(self.num_partitions, list(expressions) if expressions is not None else self.keys,
                                         self.kind, (children or self.children)[0]))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        if self.kind == "coalesce":
            return f"Repartition {self.num_partitions}, false"
        if self.kind == "roundrobin":
            return f"Repartition {self.num_partitions}, true"
        return f"RepartitionByExpression [{', '.join(k.sql() for k in self.keys)}], {self.num_partitions}"


class Union(LogicalPlan):
    """UNION ALL by position; the output takes the first child's names and the wider types (the
    analyzer casts the children to them)."""

    def __init__(self, children: list[LogicalPlan], by_name: bool = False, allow_missing: bool = False):
        super().__init__()
        self.children, self.by_name, self.allow_missing = tuple(children), by_name, allow_missing

    def with_new(self, children=None, expressions=None):
        return self._same_id(Union(list(children or self.children), self.by_name, self.allow_missing))

    @property
    def resolved(self):
        if self.by_name or not all(c.resolved for c in self.children):
            return False
        first = [a.data_type for a in self.children[0].output]
        return all([a.data_type for a in c.output] == first for c in self.children[1:])

    @property
    def output(self):
        first = self.children[0].output
        nullable = [any(c.output[i].nullable for c in self.children) for i in range(len(first))]
        return [a.with_nullability(n) for a, n in zip(first, nullable)]

    def node_string(self):
        return f"Union {str(self.by_name).lower()}, {str(self.allow_missing).lower()}"


class InlineTable(LeafPlan):
    """``VALUES (..), (..)`` before analysis: rows of constant expressions and column names."""

    def __init__(self, rows: list[list], names: list[str]):
        super().__init__()
        self.rows, self.names = rows, list(names)

    @property
    def resolved(self):
        return False

    def node_string(self):
        return f"'UnresolvedInlineTable [{', '.join(self.names)}], {len(self.rows)} rows"


class Aggregate(UnaryPlan):
    """GROUP BY ``grouping`` computing the named ``aggregates`` (which may also use the grouping
    expressions); no grouping: one row over the whole input. ``grouping_sets`` (lists of positions in
    ``grouping``) asks for ROLLUP/CUBE/GROUPING SETS: the analyzer expands it."""

    def __init__(self, grouping: list[Expression], aggregates: list[Expression], child: LogicalPlan,
                 grouping_sets: list | None = None):
        super().__init__()
        self.grouping, self.aggregates, self.children = list(grouping), list(aggregates), (child,)
        self.grouping_sets = grouping_sets

    @property
    def expressions(self):
        return tuple(self.grouping) + tuple(self.aggregates)

    def with_new(self, children=None, expressions=None):
        grouping, aggregates = self.grouping, self.aggregates
        if expressions is not None:
            grouping, aggregates = list(expressions[:len(grouping)]), list(expressions[len(grouping):])
        return self._same_id(Aggregate(grouping, aggregates, (children or self.children)[0], self.grouping_sets))

    @property
    def resolved(self):
        return super().resolved and all(_named(e) for e in self.aggregates) and self.grouping_sets is None

    @property
    def output(self):
        return [to_attribute(e) for e in self.aggregates]

    def node_string(self):
        return f"Aggregate [{', '.join(g.sql() for g in self.grouping)}], {attr_list(self.aggregates)}"


class Distinct(UnaryPlan):
    """``SELECT DISTINCT`` / ``UNION``: the analyzer turns it into an aggregate over every column."""

    def __init__(self, child: LogicalPlan):
        super().__init__()
        self.children = (child,)

    @property
    def resolved(self):
        return False

    def with_new(self, children=None, expressions=None):
        return Distinct((children or self.children)[0])

    def node_string(self):
        return "Distinct"


class DataSourceRelation(LeafPlan):
    """Rows read from a data source (files through ``pyarrow.fs``): ``source`` has ``schema`` (a
    StructType), ``splits()`` (one picklable piece of work per partition), ``read(split, columns)``
    returning record batches of the named columns (all of them when None), ``arrow_only`` and
    ``description``."""

    def __init__(self, attributes: list[AttributeReference], source, columns: list[str] | None = None):
        super().__init__()
        self.attributes, self.source, self.columns = list(attributes), source, columns

    @property
    def output(self):
        return self.attributes

    def node_string(self):
        return f"Relation {self.source.description} {attr_list(self.attributes)}"


JOIN_TYPES = {"inner": "inner", "cross": "cross", "outer": "full_outer", "full": "full_outer",
              "fullouter": "full_outer", "full_outer": "full_outer", "left": "left_outer", "leftouter": "left_outer",
              "left_outer": "left_outer", "right": "right_outer", "rightouter": "right_outer",
              "right_outer": "right_outer", "semi": "left_semi", "leftsemi": "left_semi", "left_semi": "left_semi",
              "anti": "left_anti", "leftanti": "left_anti", "left_anti": "left_anti"}


JOIN_NAMES = {"inner": "Inner", "cross": "Cross", "left_outer": "LeftOuter", "right_outer": "RightOuter",
              "full_outer": "FullOuter", "left_semi": "LeftSemi", "left_anti": "LeftAnti",
              "left_anti_null_aware": "LeftAnti", "left_existence": "ExistenceJoin", "left_single": "LeftSingle"}


class Join(LogicalPlan):
    """``left JOIN right ON condition``; ``using`` names the columns of a USING join, output once, first
    (``"natural"``: the columns both sides have, found by the analyzer). ``hint`` is "broadcast" for a
    side marked with a hint. Subqueries become two more types: ``left_existence`` (the left rows and,
    as the right side's last attribute, whether each matched) and ``left_single`` (a left outer join
    allowing at most one match per left row)."""

    def __init__(self, left: LogicalPlan, right: LogicalPlan, join_type: str, condition: Expression | None,
                 using: list | None = None, hint: dict | None = None):
        super().__init__()
        self.children, self.join_type, self.condition = (left, right), join_type, condition
        self.using, self.hint = using, hint or {}

    @property
    def left(self):
        return self.children[0]

    @property
    def right(self):
        return self.children[1]

    @property
    def expressions(self):
        return (self.condition,) if self.condition is not None else ()

    @property
    def resolved(self):
        return self.using is None and super().resolved

    def with_new(self, children=None, expressions=None):
        left, right = children or self.children
        condition = expressions[0] if expressions else self.condition
        return self._same_id(Join(left, right, self.join_type, condition, self.using, self.hint))

    @property
    def output(self):
        left, right = self.left.output, self.right.output
        if self.join_type in ("left_semi", "left_anti", "left_anti_null_aware"):
            return list(left)
        if self.join_type == "left_existence":        # the right side's last column says "matched"
            return list(left) + [right[-1].with_nullability(False)]
        if self.join_type in ("right_outer", "full_outer"):
            left = [a.with_nullability(True) for a in left]
        if self.join_type in ("left_outer", "full_outer", "left_single"):
            right = [a.with_nullability(True) for a in right]
        return list(left) + list(right)

    def node_string(self):
        text = f"Join {JOIN_NAMES[self.join_type]}"
        return text + (f", {self.condition.sql()}" if self.condition is not None else "")


class ResolvedHint(UnaryPlan):
    """A hint on a plan (``broadcast``): read by the join above it, gone after optimization."""

    def __init__(self, hint: str, child: LogicalPlan):
        super().__init__()
        self.hint, self.children = hint, (child,)

    def with_new(self, children=None, expressions=None):
        return self._same_id(ResolvedHint(self.hint, (children or self.children)[0]))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        return f"ResolvedHint (strategy={self.hint})"


class SetOperation(LogicalPlan):
    """INTERSECT / EXCEPT (distinct): the analyzer rewrites it into a semi / anti join of the
    distinct left rows on every column, NULLs equal (Spark's ReplaceIntersectWithSemiJoin)."""

    def __init__(self, kind: str, left: LogicalPlan, right: LogicalPlan):
        super().__init__()
        self.kind, self.children = kind, (left, right)

    @property
    def resolved(self):
        return False

    def with_new(self, children=None, expressions=None):
        return SetOperation(self.kind, *(children or self.children))

    def node_string(self):
        return self.kind.capitalize()


class Window(UnaryPlan):
    """Window expressions sharing one partitioning and ordering, computed over ``child``; the
    output is the child's columns then one column per expression."""

    def __init__(self, window_expressions: list, partition: list, order: list, child: LogicalPlan):
        super().__init__()
        self.window_expressions, self.partition, self.order = list(window_expressions), list(partition), list(order)
        self.children = (child,)

    @property
    def expressions(self):
        return tuple(self.window_expressions)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Window(list(expressions) if expressions is not None else self.window_expressions, self.partition,
                                    self.order, (children or self.children)[0]))

    @property
    def output(self):
        return list(self.child.output) + [to_attribute(e) for e in self.window_expressions]

    def node_string(self):
        return (f"Window {attr_list(self.window_expressions)}, [{', '.join(p.sql() for p in self.partition)}], "
                f"[{', '.join(o.sql() for o in self.order)}]")


class Generate(UnaryPlan):
    """A generator (``explode``...) applied to each row of ``child``: the output is the child's
    columns then the generator's (``generator_output``). ``kept``: the ids of the child's columns
    that go on (None: all), as column pruning leaves them; the rest are read by the generator only."""

    def __init__(self, generator: Expression, generator_output: list, child: LogicalPlan, kept: set | None = None):
        super().__init__()
        self.generator, self.generator_output, self.children = generator, list(generator_output), (child,)
        self.kept = kept

    @property
    def expressions(self):
        return (self.generator,)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Generate(expressions[0] if expressions is not None else self.generator, self.generator_output,
                                      (children or self.children)[0], self.kept))

    @property
    def child_output(self) -> list:
        """The child's columns that this node passes on."""
        return [a for a in self.child.output if self.kept is None or a.expr_id in self.kept]

    @property
    def output(self):
        return self.child_output + list(self.generator_output)

    def node_string(self):
        return f"Generate {self.generator.sql()}, {attr_list(self.generator_output)}"


class CollectMetrics(UnaryPlan):
    """``df.observe(observation, *metrics)``: the rows pass through unchanged; after a query's first
    action, ``metrics`` (aggregates) over them are handed to ``observation``."""

    def __init__(self, name: str, metrics: list, child: LogicalPlan, observation):
        super().__init__()
        self.name, self.metrics, self.children, self.observation = name, list(metrics), (child,), observation

    @property
    def expressions(self):
        return tuple(self.metrics)

    def with_new(self, children=None, expressions=None):
        return self._same_id(CollectMetrics(self.name, list(expressions) if expressions is not None else self.metrics,
                                            (children or self.children)[0], self.observation))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        return f"CollectMetrics {self.name}, [{', '.join(m.sql() for m in self.metrics)}]"


class Expand(UnaryPlan):
    """Every input row once per projection (ROLLUP/CUBE/GROUPING SETS: one per grouping set, with
    the columns outside the set NULL and the set's id in the last column)."""

    def __init__(self, projections: list[list], attributes: list, child: LogicalPlan):
        super().__init__()
        self.projections, self.attributes, self.children = projections, list(attributes), (child,)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Expand(self.projections, self.attributes, (children or self.children)[0]))

    @property
    def output(self):
        return self.attributes

    def node_string(self):
        return f"Expand {len(self.projections)} projections, {attr_list(self.attributes)}"


class Sample(UnaryPlan):
    """The rows whose draw from Spark's per-partition generator (seeded ``seed`` + partition index)
    falls in [lower, upper): ``sample`` and each part of ``randomSplit``."""

    def __init__(self, lower: float, upper: float, with_replacement: bool, seed: int, child: LogicalPlan):
        super().__init__()
        self.lower, self.upper, self.with_replacement, self.seed = lower, upper, with_replacement, seed
        self.children = (child,)

    def with_new(self, children=None, expressions=None):
        return self._same_id(Sample(self.lower, self.upper, self.with_replacement, self.seed, (children or self.children)[0]))

    @property
    def output(self):
        return self.child.output

    def node_string(self):
        return f"Sample {self.lower}, {self.upper}, {str(self.with_replacement).lower()}, {self.seed}"


class LateralView(UnaryPlan):
    """``LATERAL VIEW [OUTER] generator(...) alias AS names`` before analysis (it becomes a Generate
    whose columns are qualified by the alias)."""

    def __init__(self, generator: Expression, names: list, alias: str | None, outer: bool, child: LogicalPlan):
        super().__init__()
        self.generator, self.names, self.alias, self.outer = generator, list(names), alias, outer
        self.children = (child,)

    @property
    def resolved(self):
        return False

    def with_new(self, children=None, expressions=None):
        return LateralView(self.generator, self.names, self.alias, self.outer, (children or self.children)[0])

    def node_string(self):
        return f"'LateralView {self.generator.sql()}"
