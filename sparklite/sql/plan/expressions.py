"""The expression tree both front ends build (DataFrame ``Column``s and SQL text), as Catalyst's.

Contract:
* An ``Expression`` is immutable; ``children`` are its sub-expressions and ``with_children``
  rebuilds it with new ones, so rules transform trees with ``transform_up``.
* Before analysis a tree may hold ``UnresolvedAttribute``, ``UnresolvedStar``,
  ``UnresolvedFunction`` and ``UnresolvedExtract``; the analyzer replaces them with
  ``AttributeReference``s (bound to a plan's output by ``expr_id``) and ``Call``s of registered
  functions whose arguments it has coerced with casts. A resolved expression knows its Spark
  ``data_type`` and ``nullable``.
* ``sql()`` is the text Spark shows for an expression and names an unaliased output column with
  (``(a + 1)``, ``upper(name)``, ``CAST(x AS INT)``).
* Evaluation is not here: ``sparklite.sql.execution.evaluate`` runs a bound tree on record batches.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from sparklite.sql import types as T

_ids = itertools.count(1)


def new_expr_id() -> int:
    """A fresh id for an output attribute (Catalyst's ``ExprId``)."""
    return next(_ids)


class Expression:
    """A node of an expression tree."""

    children: tuple = ()
    resolved_flag = True            # false for the Unresolved* kinds

    @property
    def resolved(self) -> bool:
        return self.resolved_flag and all(c.resolved for c in self.children)

    @property
    def data_type(self) -> T.DataType:
        raise TypeError(f"{type(self).__name__} has no type before analysis")

    @property
    def nullable(self) -> bool:
        return any(c.nullable for c in self.children)

    @property
    def foldable(self) -> bool:
        """Whether the value is the same for every row and can be computed once (constant folding)."""
        return False

    @property
    def deterministic(self) -> bool:
        return all(c.deterministic for c in self.children)

    def with_children(self, children: tuple) -> "Expression":
        if tuple(children) == tuple(self.children):
            return self
        raise NotImplementedError(type(self).__name__)

    def transform_up(self, rule) -> "Expression":
        """Apply ``rule`` (which returns a replacement or the node itself) bottom-up."""
        node = self.with_children(tuple(c.transform_up(rule) for c in self.children))
        return rule(node)

    def transform_down(self, rule) -> "Expression":
        node = rule(self)
        return node.with_children(tuple(c.transform_down(rule) for c in node.children))

    def walk(self):
        """This node and every node below it, parents first."""
        yield self
        for c in self.children:
            yield from c.walk()

    def references(self) -> set[int]:
        """The expr ids of the attributes this expression reads."""
        return {e.expr_id for e in self.walk() if isinstance(e, AttributeReference)}

    def sql(self) -> str:
        raise NotImplementedError(type(self).__name__)

    def semantic_key(self):
        """What makes two expressions compute the same thing (aliases and names aside)."""
        return (type(self).__name__,) + tuple(c.semantic_key() for c in self.children)

    def __repr__(self) -> str:
        try:
            return self.sql()
        except (NotImplementedError, TypeError):
            return f"{type(self).__name__}({', '.join(map(repr, self.children))})"


class LeafExpression(Expression):
    children = ()

    def with_children(self, children):
        return self


# -- unresolved forms -----------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class UnresolvedAttribute(LeafExpression):
    """A column named by the user: ``name`` or ``qualifier.name`` (``parts``), optionally of one
    DataFrame's plan (``plan_id``: ``df["x"]`` where the name alone could be ambiguous)."""
    parts: tuple
    plan_id: int | None = None
    resolved_flag = False

    @property
    def name(self) -> str:
        return ".".join(self.parts)

    def sql(self) -> str:
        return ".".join(p if _plain(p) else f"`{p.replace('`', '``')}`" for p in self.parts)

    def semantic_key(self):
        return ("attr", tuple(p.lower() for p in self.parts))


@dataclass(frozen=True, eq=False, repr=False)
class UnresolvedStar(LeafExpression):
    """``*`` or ``t.*`` in a select list; with ``regex``, the columns whose names match it
    (``colRegex``)."""
    target: tuple | None = None
    plan_id: int | None = None
    regex: str | None = None
    resolved_flag = False

    def sql(self) -> str:
        if self.regex is not None:
            return (".".join(self.target) + "." if self.target else "") + f"`{self.regex}`"
        return ".".join(self.target) + ".*" if self.target else "*"


@dataclass(frozen=True, eq=False, repr=False)
class UnresolvedOrdinal(LeafExpression):
    """The child plan's output column at ``index`` (0-based), however it is named."""
    index: int
    resolved_flag = False

    def sql(self) -> str:
        return f"#{self.index}"


class UnresolvedFunction(Expression):
    """A function call by name, resolved through the function registry."""
    resolved_flag = False

    def __init__(self, name: str, args, is_distinct: bool = False, star: bool = False, filtered: bool = False):
        self.name, self.children, self.is_distinct, self.star = name, tuple(args), is_distinct, star
        self.filtered = filtered          # an aggregate's FILTER (WHERE ...): the condition is the last child

    def with_children(self, children):
        return UnresolvedFunction(self.name, children, self.is_distinct, self.star, self.filtered)

    def sql(self) -> str:
        args = self.children[:-1] if self.filtered else self.children
        inner = "*" if self.star else ", ".join(c.sql() for c in args)
        text = f"{self.name}({'DISTINCT ' if self.is_distinct else ''}{inner})"
        return text + (f" FILTER (WHERE {self.children[-1].sql()})" if self.filtered else "")


class UnresolvedLambda(Expression):
    """``(x, y) -> body`` (SQL) or a Python lambda (``F.transform(col, lambda x: ...)``) before the
    higher-order function that takes it gives its variables their types."""
    resolved_flag = False

    def __init__(self, names: tuple, body):
        self.names, self.children = tuple(names), (body,)

    def with_children(self, children):
        return UnresolvedLambda(self.names, children[0])

    def sql(self) -> str:
        return f"lambdafunction({self.children[0].sql()}, {', '.join(self.names)})"


class UnresolvedExtract(Expression):
    """``col[key]`` / ``col.field``: an array element, a map value or a struct field, decided once
    the child's type is known."""
    resolved_flag = False

    def __init__(self, child, key):
        self.children = (child, key)

    def with_children(self, children):
        return UnresolvedExtract(*children)

    def sql(self) -> str:
        return f"{self.children[0].sql()}[{self.children[1].sql()}]"


# -- resolved leaves ------------------------------------------------------------------------------

class Literal(LeafExpression):
    """A constant of a Spark type; ``value`` is the Python value (None for NULL); ``display`` is how
    the SQL text wrote it when Spark names it so (``INTERVAL '90' DAY``)."""

    def __init__(self, value, data_type: T.DataType, display: str | None = None):
        self.value, self._type, self.display = value, data_type, display

    @property
    def data_type(self):
        return self._type

    @property
    def nullable(self):
        return self.value is None

    @property
    def foldable(self):
        return True

    def sql(self) -> str:
        return self.display if self.display is not None else literal_sql(self.value, self._type)

    def semantic_key(self):
        return ("lit", repr(self.value), self._type.simpleString())


class AttributeReference(LeafExpression):
    """An output column of a plan, identified by ``expr_id`` (names may repeat; ids do not)."""

    def __init__(self, name: str, data_type: T.DataType, nullable: bool = True, expr_id: int | None = None,
                 qualifier: tuple = (), metadata: dict | None = None):
        self.name, self._type, self._nullable = name, data_type, nullable
        self.expr_id = new_expr_id() if expr_id is None else expr_id
        self.qualifier, self.metadata = tuple(qualifier), metadata or {}

    @property
    def data_type(self):
        return self._type

    @property
    def nullable(self):
        return self._nullable

    def with_qualifier(self, qualifier: tuple) -> "AttributeReference":
        return AttributeReference(self.name, self._type, self._nullable, self.expr_id, qualifier, self.metadata)

    def with_nullability(self, nullable: bool) -> "AttributeReference":
        return AttributeReference(self.name, self._type, nullable, self.expr_id, self.qualifier, self.metadata)

    def with_name(self, name: str) -> "AttributeReference":
        return AttributeReference(name, self._type, self._nullable, self.expr_id, self.qualifier, self.metadata)

    def new_instance(self) -> "AttributeReference":
        return AttributeReference(self.name, self._type, self._nullable, None, self.qualifier, self.metadata)

    def sql(self) -> str:
        return self.name if _plain(self.name) else f"`{self.name.replace('`', '``')}`"

    def semantic_key(self):
        return ("ref", self.expr_id)

    def explain_string(self) -> str:
        return f"{self.name}#{self.expr_id}"


class BoundReference(LeafExpression):
    """The column at ``ordinal`` of the batch an operator evaluates on (after planning)."""

    def __init__(self, ordinal: int, data_type: T.DataType, nullable: bool):
        self.ordinal, self._type, self._nullable = ordinal, data_type, nullable

    @property
    def data_type(self):
        return self._type

    @property
    def nullable(self):
        return self._nullable

    def sql(self) -> str:
        return f"input[{self.ordinal}]"


# -- resolved inner nodes -------------------------------------------------------------------------

class Alias(Expression):
    """``child AS name``: names an output column and gives it an id."""

    def __init__(self, child: Expression, name: str, expr_id: int | None = None, metadata: dict | None = None):
        self.children = (child,)
        self.name, self.metadata = name, metadata
        self.expr_id = new_expr_id() if expr_id is None else expr_id

    @property
    def child(self):
        return self.children[0]

    @property
    def data_type(self):
        return self.child.data_type

    @property
    def nullable(self):
        return self.child.nullable

    @property
    def foldable(self):
        return self.child.foldable

    def with_children(self, children):
        return Alias(children[0], self.name, self.expr_id, self.metadata)

    def to_attribute(self) -> AttributeReference:
        return AttributeReference(self.name, self.data_type, self.nullable, self.expr_id, (), self.metadata)

    def sql(self) -> str:
        return f"{self.child.sql()} AS {_quote(self.name)}"

    def semantic_key(self):
        return self.child.semantic_key()


class Cast(Expression):
    """``CAST(child AS to)``; ``mode`` is "ansi" (errors on bad input), "try" (NULL instead) or
    "legacy" (Spark's non-ANSI cast). An ``implicit`` cast is one coercion inserted: it does not
    show in the expression's text, so it does not change a column's name. A DataFrame's
    ``col.cast(t)`` (``keeps_name``) shows inside other expressions but, as a select-list item, keeps
    its child's name."""

    def __init__(self, child: Expression, to: T.DataType, mode: str = "ansi", time_zone: str | None = None,
                 implicit: bool = False, literal_text: str | None = None, keeps_name: bool = False):
        self.children, self.to, self.mode, self.time_zone = (child,), to, mode, time_zone
        self.implicit, self.literal_text, self.keeps_name = implicit, literal_text, keeps_name

    @property
    def child(self):
        return self.children[0]

    @property
    def data_type(self):
        return self.to

    @property
    def nullable(self):
        return self.mode == "try" or self.child.nullable or force_nullable(self.child.data_type, self.to)

    @property
    def foldable(self):
        return self.child.foldable

    def with_children(self, children):
        return Cast(children[0], self.to, self.mode, self.time_zone, self.implicit, self.literal_text, self.keeps_name)

    def sql(self) -> str:
        if self.implicit:
            return self.child.sql()
        if self.literal_text is not None:     # a typed literal: DATE '2024-01-31'
            word = self.to.simpleString().upper().replace("TIMESTAMP_LTZ", "TIMESTAMP")
            return f"{word} '{self.literal_text}'"
        word = "TRY_CAST" if self.mode == "try" else "CAST"
        return f"{word}({self.child.sql()} AS {self.to.simpleString().upper()})"

    def semantic_key(self):
        return ("cast", self.mode, self.to.simpleString(), self.child.semantic_key())


def force_nullable(src: T.DataType, dst: T.DataType) -> bool:
    """Whether a cast may make NULL of a non-NULL value (Spark's ``Cast.forceNullable``)."""
    if isinstance(src, T.NullType) or src == dst:
        return False
    if isinstance(src, T.StringType):
        return not isinstance(dst, T.BinaryType)
    if isinstance(dst, T.StringType):
        return False
    if isinstance(src, (T.FloatType, T.DoubleType)) and isinstance(dst, T.TimestampType):
        return True
    if isinstance(src, T.TimestampType) and isinstance(dst, T.DateType):
        return False
    if isinstance(dst, T.DateType):
        return True
    if isinstance(src, T.DateType) and isinstance(dst, T.TimestampType):
        return False
    if isinstance(src, T.DateType):
        return True
    if isinstance(dst, T.DecimalType):
        # ANSI: decimal to decimal fails loudly instead; other numbers may not fit
        return not isinstance(src, T.DecimalType) and not _decimal_holds(src, dst)
    if isinstance(src, (T.FloatType, T.DoubleType, T.DecimalType)) and isinstance(dst, T.IntegralType):
        return True
    return False


def _decimal_holds(src: T.DataType, dst: T.DecimalType) -> bool:
    digits = {T.ByteType: 3, T.ShortType: 5, T.IntegerType: 10, T.LongType: 20}
    for kind, n in digits.items():
        if isinstance(src, kind):
            return dst.precision - dst.scale >= n
    if isinstance(src, T.DecimalType):
        return dst.precision - dst.scale >= src.precision - src.scale and dst.scale >= src.scale
    if isinstance(src, T.BooleanType):
        return dst.precision - dst.scale >= 1
    return False


class NamedLambdaVariable(LeafExpression):
    """A variable of a lambda function: an array's element, an index, an accumulator."""

    def __init__(self, name: str, data_type: T.DataType, nullable: bool, expr_id: int | None = None):
        self.name, self._type, self._nullable = name, data_type, nullable
        self.expr_id = new_expr_id() if expr_id is None else expr_id

    @property
    def data_type(self):
        return self._type

    @property
    def nullable(self):
        return self._nullable

    def sql(self) -> str:
        return "namedlambdavariable()"           # as Spark prints a resolved lambda's variables

    def semantic_key(self):
        return ("lambda variable", self.expr_id)


class LambdaFunction(Expression):
    """A resolved lambda: ``body`` over ``arguments`` (``NamedLambdaVariable``); the higher-order
    function that holds it evaluates the body on the elements it feeds."""

    def __init__(self, body, arguments: list):
        self.children, self.arguments = (body,), list(arguments)

    @property
    def body(self):
        return self.children[0]

    @property
    def data_type(self):
        return self.body.data_type

    @property
    def nullable(self):
        return self.body.nullable

    def with_children(self, children):
        if tuple(children) == self.children:
            return self
        return LambdaFunction(children[0], self.arguments)

    def sql(self) -> str:
        return f"lambdafunction({self.body.sql()}, {', '.join(a.sql() for a in self.arguments)})"

    def semantic_key(self):
        return ("lambda", tuple(a.expr_id for a in self.arguments), self.body.semantic_key())


class Call(Expression):
    """A resolved call of a registered function (``spec``) on coerced arguments. Operators are
    calls too (``+`` is the function ``add``); ``spec.sql`` draws each the way Spark does."""

    def __init__(self, spec, args, data_type: T.DataType, nullable: bool, options: dict | None = None):
        self.spec, self.children, self._type, self._nullable = spec, tuple(args), data_type, nullable
        self.options = options or {}

    @property
    def data_type(self):
        return self._type

    @property
    def nullable(self):
        return self._nullable

    @property
    def foldable(self):
        return self.spec.deterministic and all(c.foldable for c in self.children) and not self.spec.aggregate

    @property
    def deterministic(self):
        return self.spec.deterministic and super().deterministic

    def with_children(self, children):
        if tuple(children) == self.children:
            return self
        return Call(self.spec, children, self._type, self._nullable, self.options)

    def sql(self) -> str:
        return self.spec.display([c.sql() for c in self.children], self)

    def semantic_key(self):
        return ("call", self.spec.name, tuple(sorted(self.options.items(), key=str))) + \
            tuple(c.semantic_key() for c in self.children)


@dataclass(frozen=True)
class SortOrder:
    """One key of an ORDER BY: ascending or not, nulls first or last (Spark's default: nulls first
    when ascending, last when descending)."""
    child: Expression
    ascending: bool = True
    nulls_first: bool | None = None

    @property
    def nulls_first_effective(self) -> bool:
        return self.ascending if self.nulls_first is None else self.nulls_first

    def sql(self) -> str:
        return (f"{self.child.sql()} {'ASC' if self.ascending else 'DESC'} "
                f"NULLS {'FIRST' if self.nulls_first_effective else 'LAST'}")


class SortOrderExpression(Expression):
    """A ``Column`` holding a sort order (``col.desc()``) until ``orderBy`` takes it apart."""

    def __init__(self, child: Expression, ascending: bool, nulls_first: bool | None = None):
        self.children, self.ascending, self.nulls_first = (child,), ascending, nulls_first

    @property
    def data_type(self):
        return self.children[0].data_type

    def with_children(self, children):
        return SortOrderExpression(children[0], self.ascending, self.nulls_first)

    def to_order(self) -> SortOrder:
        return SortOrder(self.children[0], self.ascending, self.nulls_first)

    def sql(self) -> str:
        return self.to_order().sql()


def strip_alias(e: Expression) -> Expression:
    while isinstance(e, Alias):
        e = e.child
    return e


class PythonCall(Expression):
    """What the calls of a user's Python function share (``PythonUDF``, ``PythonUDTF``): the type the
    user declared (``return_type``), NULL allowed, deterministic when the user says so
    (``_deterministic``) and its arguments are."""

    @property
    def data_type(self):
        return self.return_type

    @property
    def nullable(self):
        return True

    @property
    def deterministic(self):
        return self._deterministic and super().deterministic


def output_name(e: Expression) -> str:
    """The column name Spark gives a select-list expression."""
    if isinstance(e, (Alias, AttributeReference)):
        return e.name
    if isinstance(e, UnresolvedAttribute):
        return e.parts[-1]
    if isinstance(e, Cast) and e.keeps_name:
        return output_name(e.child)
    return e.sql()


def to_attribute(e: Expression) -> AttributeReference:
    """The output attribute a resolved select-list expression produces."""
    if isinstance(e, AttributeReference):
        return e
    if isinstance(e, Alias):
        return e.to_attribute()
    raise TypeError(f"{e.sql()} must be named before it becomes an output column")


def _plain(name: str) -> bool:
    return name.replace("_", "a").isalnum() and not name[:1].isdigit() if name else False


def _quote(name: str) -> str:
    return name if _plain(name) else f"`{name.replace('`', '``')}`"


def literal_sql(value, data_type: T.DataType) -> str:
    """How a literal reads inside a column name (Spark's pretty form: numbers and strings as their
    text, other kinds as SQL literals)."""
    import datetime
    if value is None:
        return "NULL"
    if isinstance(data_type, T.BooleanType):
        return "true" if value else "false"
    if isinstance(data_type, T.StringType):
        return value
    if isinstance(data_type, (T.DoubleType, T.FloatType)):
        from sparklite.sql.display import java_float_string
        return java_float_string(value, single=isinstance(data_type, T.FloatType))
    if isinstance(data_type, T.NumericType):
        return str(value)
    if isinstance(data_type, T.DateType):
        return f"DATE '{value.isoformat()}'"
    if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
        word = "TIMESTAMP" if isinstance(data_type, T.TimestampType) else "TIMESTAMP_NTZ"
        text = value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime.datetime) else str(value)
        if isinstance(value, datetime.datetime) and value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        return f"{word} '{text}'"
    if isinstance(data_type, T.BinaryType):
        return "X'" + bytes(value).hex().upper() + "'"
    return str(value)


@dataclass(frozen=True)
class WindowFrame:
    """ROWS or RANGE BETWEEN ``start`` AND ``end``: offsets from the current row (negative before
    it), with ``UNBOUNDED`` for the ends of the partition; None until the analyzer fills Spark's
    default in."""
    kind: str
    start: object
    end: object

    UNBOUNDED_PRECEDING = -(1 << 63)
    UNBOUNDED_FOLLOWING = (1 << 63) - 1

    def sql(self) -> str:
        def bound(value, is_start):
            if value == self.UNBOUNDED_PRECEDING:
                return "UNBOUNDED PRECEDING"
            if value == self.UNBOUNDED_FOLLOWING:
                return "UNBOUNDED FOLLOWING"
            if value == 0:
                return "CURRENT ROW"
            return f"{-value} PRECEDING" if value < 0 else f"{value} FOLLOWING"
        return f"{self.kind.upper()} BETWEEN {bound(self.start, True)} AND {bound(self.end, False)}"


class WindowExpression(Expression):
    """``function OVER (PARTITION BY ... ORDER BY ... frame)``."""

    def __init__(self, function: Expression, partition: tuple, order: tuple, frame: WindowFrame | None):
        self.children = (function,) + tuple(partition) + tuple(o.child for o in order)
        self.partition_count, self.order, self.frame = len(partition), tuple(order), frame

    @property
    def function(self):
        return self.children[0]

    @property
    def partition(self):
        return self.children[1:1 + self.partition_count]

    @property
    def data_type(self):
        return self.function.data_type

    @property
    def nullable(self):
        return self.function.nullable

    def with_children(self, children):
        children = tuple(children)
        partition = children[1:1 + self.partition_count]
        keys = children[1 + self.partition_count:]
        order = tuple(SortOrder(k, o.ascending, o.nulls_first) for k, o in zip(keys, self.order))
        return WindowExpression(children[0], partition, order, self.frame)

    def spec_key(self):
        return (tuple(p.semantic_key() for p in self.partition),
                tuple((o.child.semantic_key(), o.ascending, o.nulls_first_effective) for o in self.order))

    def sql(self) -> str:
        parts = []
        if self.partition:
            parts.append("PARTITION BY " + ", ".join(p.sql() for p in self.partition))
        if self.order:
            parts.append("ORDER BY " + ", ".join(o.sql() for o in self.order))
        if self.frame is not None:
            parts.append(self.frame.sql())
        return f"{self.function.sql()} OVER ({' '.join(parts)})"


class OuterReference(LeafExpression):
    """A column of the query around a subquery, used inside it (a correlated subquery)."""

    def __init__(self, attribute: AttributeReference):
        self.attribute = attribute

    @property
    def data_type(self):
        return self.attribute.data_type

    @property
    def nullable(self):
        return self.attribute.nullable

    def sql(self) -> str:
        return f"outer({self.attribute.sql()})"

    def semantic_key(self):
        return ("outer", self.attribute.expr_id)


class SubqueryExpression(Expression):
    """An expression holding a query: ``kind`` is "scalar" (its single value), "exists", or "in"
    (``values`` IN its single column; ``values`` are children then)."""

    def __init__(self, kind: str, plan, values: tuple = ()):
        self.kind, self.plan, self.children = kind, plan, tuple(values)

    @property
    def resolved_flag(self):
        return self.plan.resolved

    @property
    def data_type(self):
        if self.kind == "scalar":
            return self.plan.output[0].data_type
        from sparklite.sql import types as _types
        return _types.BooleanType()

    @property
    def nullable(self):
        return self.kind != "exists"

    def with_children(self, children):
        if tuple(children) == self.children:
            return self
        return SubqueryExpression(self.kind, self.plan, tuple(children))

    def with_plan(self, plan) -> "SubqueryExpression":
        return SubqueryExpression(self.kind, plan, self.children)

    def outer_references(self) -> list:
        found = []
        for node in self.plan.walk():
            for e in node.expressions:
                for x in (e.child.walk() if isinstance(e, SortOrder) else e.walk()):
                    if isinstance(x, OuterReference):
                        found.append(x)
        return found

    def semantic_key(self):
        return ("subquery", self.kind, id(self.plan)) + tuple(c.semantic_key() for c in self.children)

    def sql(self) -> str:
        if self.kind == "scalar":
            return "scalarsubquery()"
        if self.kind == "exists":
            return "exists()"
        return f"({', '.join(c.sql() for c in self.children)} IN (listquery()))"


class MultiAlias(Expression):
    """``explode(m).alias("k", "v")``: names for each column a generator makes."""

    def __init__(self, child: Expression, names: tuple):
        self.children, self.names = (child,), tuple(names)

    @property
    def data_type(self):
        return self.children[0].data_type

    def with_children(self, children):
        return MultiAlias(children[0], self.names)

    def sql(self) -> str:
        return f"{self.children[0].sql()} AS ({', '.join(self.names)})"
