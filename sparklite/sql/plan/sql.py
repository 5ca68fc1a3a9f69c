"""SQL text to sparklite's logical plans: sqlglot parses (Spark dialect), this module walks its tree.

Contract:
* ``parse_statement(text, args)`` returns a ``LogicalPlan`` for a query, or a ``Command`` for a
  statement run for its effect (SET, CREATE TEMP VIEW, CACHE TABLE, SHOW, DESCRIBE, EXPLAIN, ...).
  ``parse_expression(text)`` returns one unresolved expression (``F.expr``, ``selectExpr``,
  ``filter("...")``).
* Plans are built from sqlglot's syntax tree, never from SQL it generates (it rewrites some
  constructs); only type names are read back through our DDL parser.
* Literals (numbers with their suffixes, DATE '...', X'..', INTERVAL ...) are typed by ``literals``
  from the text this module finds; the dialect marks what sqlglot would otherwise rewrite (it reads
  ``1L`` as a cast, ``+x`` as ``x`` and ``INTERVAL 1 DAY 2 HOURS`` as a sum).
* Bad SQL raises ``ParseException`` (``PARSE_SYNTAX_ERROR``) with Spark's line and position.
* Statements other than queries (DDL, INSERT, SET, EXPLAIN, ...) are read by ``sql_statements``.
* sqlglot's Spark dialect, with Spark's readings where sqlglot's differ, is ``sql_dialect``'s.
* Only these three modules import sqlglot, and they do so when SQL is first parsed.
"""
from __future__ import annotations

import re

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException, ParseException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.pivot import Pivot
from sparklite.sql.plan.sql_dialect import dialect
from sparklite.sql.plan.sql_statements import StatementBuilder, _sqlglot
from sparklite.sql.plan.tablefunctions import LateralTableFunction, table_function_call
from sparklite.sql.plan.literals import (binary_literal, number, span_interval, string_interval, typed_literal,
                                         unit_interval)
from sparklite.sql.plan.expressions import (Alias, Cast, Expression, Literal, MultiAlias, SortOrder,
                                            UnresolvedAttribute, UnresolvedExtract, UnresolvedFunction,
                                            UnresolvedLambda, UnresolvedOrdinal, UnresolvedStar, SubqueryExpression,
                                            WindowExpression, WindowFrame)


def _parse(text: str):
    sqlglot, exp = _sqlglot()
    try:
        return sqlglot.parse(text, dialect=dialect())
    except sqlglot.errors.ParseError as failure:
        raise _parse_error(text, failure) from None
    except sqlglot.errors.TokenError as failure:
        _check_binary_literal(text, failure)
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR",
                             messageParameters={"error": "end of input", "hint": ""}) from failure


def _check_binary_literal(text: str, failure) -> None:
    """sqlglot refuses X'0G' while tokenizing (naming where it starts); Spark calls it an invalid
    typed literal."""
    cause = str(failure.__cause__ or "")
    where = re.search(r"Numeric string contains invalid characters from \d+:(\d+)", cause)
    found = re.match(r"[xX]'([^']*)'", text[int(where.group(1)):]) if where else None
    if found:
        binary_literal(found.group(1))


def _parse_error(text: str, failure) -> ParseException:
    info = failure.errors[0] if failure.errors else {}
    line, col = info.get("line", 1), info.get("col", 0)
    token = info.get("highlight") or ""
    start = max(col - len(token), 0)
    near = f"'{token}'" if token else "end of input"
    error = ParseException(errorClass="PARSE_SYNTAX_ERROR", messageParameters={"error": near, "hint": ""})
    error.line, error.position = line, start
    return error


def parse_statement(text: str, args=None, time_zone: str = "UTC"):
    statements = [s for s in _parse(text) if s is not None]
    if len(statements) != 1:
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR",
                             messageParameters={"error": "';'" if len(statements) > 1 else "end of input",
                                                "hint": ""})
    return _Builder(args, text, time_zone).statement(statements[0])


def parse_expression(text: str, time_zone: str = "UTC") -> Expression:
    sqlglot, exp = _sqlglot()
    try:
        node = sqlglot.parse_one(f"SELECT {text}", dialect=dialect())
    except sqlglot.errors.ParseError as failure:
        raise _parse_error(text, failure) from None
    except sqlglot.errors.TokenError as failure:
        _check_binary_literal(f"SELECT {text}", failure)
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR",
                             messageParameters={"error": "end of input", "hint": ""}) from failure
    items = node.expressions if isinstance(node, exp.Select) else []
    if len(items) != 1 or node.args.get("from_") or node.args.get("where"):
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR", messageParameters={"error": f"'{text}'", "hint": ""})
    return _Builder(None, f"SELECT {text}", time_zone).expression(items[0])


def parse_data_type(node) -> T.DataType:
    return T._parse_datatype_string(node.sql(dialect="spark"))


_BINARY = {"Add": "add", "Sub": "subtract", "Mul": "multiply", "Div": "divide", "Mod": "remainder",
           "IntDiv": "div", "EQ": "equal", "GT": "greaterthan", "GTE": "greaterthanorequal", "LT": "lessthan",
           "LTE": "lessthanorequal", "NullSafeEQ": "equalnullsafe", "And": "and", "Or": "or",
           "BitwiseAnd": "bitwise_and", "BitwiseOr": "bitwise_or", "BitwiseXor": "bitwise_xor",
           "DPipe": "concat", "Pow": "power", "Like": "like", "ILike": "ilike", "RegexpLike": "rlike",
           "BitwiseLeftShift": "<<", "BitwiseRightShift": ">>", "BitwiseRightShiftUnsigned": ">>>"}
# sqlglot function nodes whose Spark name differs from the node's key
_FUNCTION_NAMES = {"StrPosition": "instr", "Substring": "substring", "If": "if", "Coalesce": "coalesce",
                   "ApproxDistinct": "approx_count_distinct", "ArrayAgg": "collect_list", "ArraySize": "size",
                   "Stddev": "stddev", "StddevSamp": "stddev_samp", "StddevPop": "stddev_pop", "Variance": "variance",
                   "VariancePop": "var_pop", "Avg": "avg", "Length": "length", "Lower": "lower", "Upper": "upper"}


class _Builder(StatementBuilder):
    def __init__(self, args, text: str = "", time_zone: str = "UTC"):
        self.args = args
        self.named_windows: dict = {}
        self.text, self.time_zone = text, time_zone
        self.ctes: dict[str, L.LogicalPlan] = {}

    @staticmethod
    def written_number(node):
        """(text, type suffix or None) of a number as written (``1``, ``2.5D``), else None."""
        _, exp = _sqlglot()
        if isinstance(node, exp.Literal) and not node.is_string:
            return str(node.this), None
        if isinstance(node, (exp.Cast, exp.TryCast)) and "number" in node.meta:
            return node.meta["number"]
        return None

    # -- statements -------------------------------------------------------------------------
    def nested_statement(self, text: str):
        return parse_statement(text, self.args)

    # -- queries ----------------------------------------------------------------------------
    def query(self, node) -> L.LogicalPlan:
        _, exp = _sqlglot()
        with_ = node.args.get("with_") or node.args.get("with")
        saved = dict(self.ctes)
        if with_ is not None:
            for cte in with_.expressions:
                body = self.query(cte.this)
                columns = cte.args["alias"].columns if cte.args.get("alias") is not None else None
                if columns:
                    body = L.ColumnAliases([c.name for c in columns], body)
                self.ctes[cte.alias_or_name.lower()] = L.SubqueryAlias(cte.alias_or_name, body)
        try:
            if isinstance(node, exp.Subquery):
                return self.query(node.this)
            if isinstance(node, exp.Select):
                return self.select(node)
            if isinstance(node, (exp.Union, exp.Intersect, exp.Except)):
                left, right = self.query(node.this), self.query(node.expression)
                distinct = node.args.get("distinct")
                if isinstance(node, exp.Union):
                    plan = L.Union([left, right])
                    plan = L.Distinct(plan) if distinct else plan
                else:
                    kind = "intersect" if isinstance(node, exp.Intersect) else "except"
                    plan = L.SetOperation(kind if distinct else f"{kind}_all", left, right)
                return self._order_limit(node, plan)
            if isinstance(node, exp.Values):
                return self.values(node)
            raise _unsupported(type(node).__name__)
        finally:
            self.ctes = saved

    def select(self, node) -> L.LogicalPlan:
        _, exp = _sqlglot()
        from_ = node.args.get("from_") or node.args.get("from")
        plan = self.relation(from_.this) if from_ is not None else L.OneRowRelation()
        for join in node.args.get("joins") or []:
            plan = self.join(plan, join)
        for lateral in node.args.get("laterals") or []:
            alias = lateral.args.get("alias")
            names = [c.name for c in alias.columns] if alias is not None and alias.columns else []
            plan = L.LateralView(self.expression(lateral.this), names, alias.name if alias is not None else None,
                                 bool(lateral.args.get("outer")), plan)
        hint = node.args.get("hint")
        if hint is not None:
            plan = self.apply_hint(plan, hint)
        where = node.args.get("where")
        if where is not None:
            plan = L.Filter(self.expression(where.this), plan)
        for named in node.args.get("windows") or []:
            self.named_windows[named.name.lower()] = named
        items = [self.expression(e) for e in node.expressions]
        group, having = node.args.get("group"), node.args.get("having")
        if group is not None or having is not None or _has_aggregate(node):
            return self.aggregate(node, items, plan)
        plan = L.Project(items, plan)
        if node.args.get("distinct"):
            plan = L.Distinct(plan)
        return self._order_limit(node, plan)

    def aggregate(self, node, items: list, child) -> L.LogicalPlan:
        """GROUP BY (by expression, select-list ordinal or alias) with HAVING and an ORDER BY that
        may use aggregates the select list does not show: those ride along as hidden columns."""
        _, exp = _sqlglot()
        group = node.args.get("group")
        aliases = {i.name.lower(): i.children[0] for i in items if isinstance(i, Alias)}
        grouping, sets, plain = [], None, []

        def position(e) -> int:
            keys = [g.sql() for g in grouping]
            if e.sql() not in keys:
                grouping.append(e)
                return len(grouping) - 1
            return keys.index(e.sql())

        def key(g):
            if isinstance(g, exp.Literal) and not g.is_string:
                position = int(g.this)
                if not 1 <= position <= len(items):
                    raise AnalysisException(errorClass="GROUP_BY_POS_OUT_OF_RANGE",
                                            messageParameters={"index": str(position), "size": str(len(items))})
                return _strip(items[position - 1])
            e = self.expression(g)
            if isinstance(e, UnresolvedAttribute) and len(e.parts) == 1 and e.parts[0].lower() in aliases:
                e = aliases[e.parts[0].lower()]
            return e
        for g in (group.expressions if group is not None else []):
            if isinstance(g, (exp.Rollup, exp.Cube)):
                columns = [position(key(c)) for c in g.expressions]
                n = len(columns)
                if isinstance(g, exp.Rollup):
                    new = [columns[:k] for k in range(n, -1, -1)]
                else:
                    new = [[columns[i] for i in range(n) if m >> (n - 1 - i) & 1] for m in range((1 << n) - 1, -1, -1)]
            elif isinstance(g, exp.GroupingSets):
                new = []
                for item in g.expressions:
                    members = item.expressions if isinstance(item, exp.Tuple) else \
                        [item.this] if isinstance(item, exp.Paren) else [item]
                    new.append([position(key(m)) for m in members])
            else:
                plain.append(position(key(g)))
                continue
            sets = new if sets is None else [a + b for a in sets for b in new]
        if sets is not None:                     # plain keys beside ROLLUP/CUBE are in every set
            sets = [sorted(set(s) | set(plain)) for s in sets]
        hidden = []
        having = node.args.get("having")
        condition = None
        if having is not None:
            condition = _replace_aliases(self.expression(having.this), aliases)
            hidden.append(Alias(condition, "__having"))
        order = node.args.get("order")
        orders = []
        if order is not None:
            for i, o in enumerate(order.expressions):
                ordering = self.ordering(o)
                key = ordering.child
                if _mentions_aggregate(o.this):
                    hidden.append(Alias(_replace_aliases(key, aliases), f"__order{i}"))
                    key = UnresolvedAttribute((f"__order{i}",))
                orders.append(SortOrder(key, ordering.ascending, ordering.nulls_first))
        plan = L.Aggregate(grouping, items + hidden, child, sets)
        if condition is not None:
            plan = L.Filter(UnresolvedAttribute(("__having",)), plan)
        if orders:
            plan = L.Sort(orders, True, plan)
        if hidden:
            plan = L.Project([UnresolvedOrdinal(i) for i in range(len(items))], plan)
        if node.args.get("distinct"):
            plan = L.Distinct(plan)
        limit, offset = node.args.get("limit"), node.args.get("offset")
        if limit is not None or offset is not None:
            n = None if limit is None else int(self.constant(limit.expression))
            skip = 0 if offset is None else int(self.constant(offset.expression))
            plan = L.Limit(n, plan, skip)
        return plan

    def _order_limit(self, node, plan):
        order = node.args.get("order")
        if order is not None:
            plan = L.Sort([self.ordering(o) for o in order.expressions], True, plan)
        limit, offset = node.args.get("limit"), node.args.get("offset")
        if limit is not None or offset is not None:
            n = None if limit is None else int(self.constant(limit.expression))
            skip = 0 if offset is None else int(self.constant(offset.expression))
            plan = L.Limit(n, plan, skip)
        return plan

    def join(self, left, node) -> L.LogicalPlan:
        _, exp = _sqlglot()
        if isinstance(node.this, exp.Lateral) and isinstance(node.this.this, exp.Func):
            # LATERAL f(...): the function's arguments read the columns before it
            if node.args.get("side"):
                raise _unsupported(f"{node.args['side']} JOIN LATERAL of a table function")
            plan = LateralTableFunction(left, table_function_call(self, node.this.this, node.this.args.get("alias")))
            on = node.args.get("on")
            return plan if on is None or on == exp.true() else L.Filter(self.expression(on), plan)
        right = self.relation(node.this)
        side = str(node.args.get("side") or "").upper()
        kind = str(node.args.get("kind") or "").upper()
        natural = str(node.args.get("method") or "").upper() == "NATURAL"
        if kind in ("SEMI", "ANTI"):
            join_type = f"left_{kind.lower()}"
        elif kind == "CROSS":
            join_type = "cross"
        elif side:
            join_type = {"LEFT": "left_outer", "RIGHT": "right_outer", "FULL": "full_outer"}[side]
        else:
            join_type = "inner"
        if natural:                 # USING the columns both sides have, found once they are resolved
            return L.Join(left, right, join_type, None, using="natural")
        using = node.args.get("using")
        if using:
            return L.Join(left, right, join_type, None, using=[u.name for u in using])
        on = node.args.get("on")
        condition = self.expression(on) if on is not None else None
        if condition is None and join_type == "inner":
            join_type = "cross"
        return L.Join(left, right, join_type, condition)

    def apply_hint(self, plan, hint) -> L.LogicalPlan:
        """``/*+ BROADCAST(t) */``: relations named ``t`` (by alias) get a broadcast hint."""
        _, exp = _sqlglot()
        names = set()
        for h in hint.expressions:
            name = str(h.this).upper() if isinstance(h, exp.Anonymous) else h.name.upper()
            if name in ("BROADCAST", "BROADCASTJOIN", "MAPJOIN"):
                names |= {a.name.lower() for a in h.expressions}

        def mark(node):
            if isinstance(node, L.SubqueryAlias) and node.name.lower() in names:
                return L.ResolvedHint("broadcast", node)
            if isinstance(node, L.UnresolvedRelation) and node.parts[-1].lower() in names:
                return L.ResolvedHint("broadcast", node)
            return node
        return plan.transform_up(mark) if names else plan

    def ordering(self, node) -> SortOrder:
        _, exp = _sqlglot()
        desc = bool(node.args.get("desc"))
        nulls_first = node.args.get("nulls_first")
        key = node.this
        if isinstance(key, exp.Literal) and not key.is_string and str(key.this).isdigit():
            expr = UnresolvedOrdinal(int(key.this) - 1)      # ORDER BY 2: the select list's second column
        else:
            expr = self.expression(key)
        return SortOrder(expr, not desc, None if nulls_first is None else bool(nulls_first))

    def constant(self, node):
        value = self.expression(node)
        if not isinstance(value, Literal):
            raise _unsupported("a LIMIT that is not a constant")
        return value.value

    def relation(self, node) -> L.LogicalPlan:
        _, exp = _sqlglot()
        alias = node.args.get("alias")
        if _is_table_function(node):
            return table_function_call(self, node.this, alias)
        if isinstance(node, exp.Table):
            parts = self.table_name(node)
            if len(parts) == 1 and parts[0].lower() in self.ctes:
                plan = self.ctes[parts[0].lower()]
            else:
                plan = L.UnresolvedRelation(parts)
        elif isinstance(node, exp.Subquery):
            plan = self.query(node.this)
        elif isinstance(node, exp.Values):
            return self.values(node)
        else:
            raise _unsupported(type(node).__name__)
        if alias is not None and alias.name:
            if alias.columns:
                plan = L.ColumnAliases([c.name for c in alias.columns], plan)
            plan = L.SubqueryAlias(alias.name, plan)
        for pivot in node.args.get("pivots") or []:
            plan = self.pivot(pivot, plan)
        return plan

    def pivot(self, node, plan: L.LogicalPlan) -> L.LogicalPlan:
        """``PIVOT (aggregates FOR column IN (value [AS name], ...))``, grouped by the other columns."""
        _, exp = _sqlglot()
        if node.args.get("unpivot"):
            raise _unsupported("UNPIVOT")
        (field,) = node.args["fields"]
        values = []
        for value in field.expressions:
            named = value.alias if isinstance(value, exp.PivotAlias) else None
            value = value.this if isinstance(value, exp.PivotAlias) else value
            values.append((self.expression(value), named or (value.this if isinstance(value, exp.Literal)
                                                             else value.sql(dialect="spark"))))
        plan = Pivot(None, self.expression(field.this), values, [self.expression(a) for a in node.expressions], plan)
        alias = node.args.get("alias")
        return L.SubqueryAlias(alias.name, plan) if alias is not None and alias.name else plan

    def values(self, node) -> L.LogicalPlan:
        _, exp = _sqlglot()
        rows = [[self.expression(v) for v in (t.expressions if isinstance(t, exp.Tuple) else [t])]
                for t in node.expressions]
        alias = node.args.get("alias")
        width = len(rows[0])
        names = [c.name for c in alias.columns] if alias is not None and alias.columns else \
            [f"col{i + 1}" for i in range(width)]
        plan = L.InlineTable(rows, names)
        if alias is not None and alias.name:
            plan = L.SubqueryAlias(alias.name, plan)
        return plan

    # -- expressions ------------------------------------------------------------------------
    def expression(self, node) -> Expression:
        _, exp = _sqlglot()
        kind = type(node).__name__
        if isinstance(node, exp.Escape) and isinstance(node.this, (exp.Like, exp.ILike)):
            like = node.this
            call = UnresolvedFunction("ilike" if isinstance(like, exp.ILike) else "like",
                                      [self.expression(like.this), self.expression(like.expression),
                                       self.expression(node.expression)])
            return UnresolvedFunction("not", [call]) if like.args.get("negate") else call
        if isinstance(node, exp.Add) and node.meta.get("interval_units"):
            return self.interval_units(node)
        if kind in _BINARY:
            if kind == "BitwiseRightShift" and node.expression.meta.get("unsigned_shift"):
                kind = "BitwiseRightShiftUnsigned"
            call = UnresolvedFunction(_BINARY[kind], [self.expression(node.this), self.expression(node.expression)])
            return UnresolvedFunction("not", [call]) if node.args.get("negate") else call
        if isinstance(node, exp.Trim):
            side = str(node.args.get("position") or "").upper()
            name = {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(side, "trim")
            characters = node.args.get("expression")
            args = [self.expression(characters), self.expression(node.this)] if characters is not None \
                else [self.expression(node.this)]
            return UnresolvedFunction(name, args)
        if isinstance(node, exp.StrPosition):
            args = [self.expression(node.args["substr"]), self.expression(node.this)]
            if node.args.get("position") is not None:
                args.append(self.expression(node.args["position"]))
            return UnresolvedFunction("locate", args)
        if isinstance(node, exp.Aliases):             # generator(...) AS (a, b): one name per output column
            return MultiAlias(self.expression(node.this), tuple(i.name for i in node.expressions))
        if isinstance(node, exp.Filter):              # aggregate(...) FILTER (WHERE condition)
            call = self.expression(node.this)
            if not isinstance(call, UnresolvedFunction):
                raise _unsupported("FILTER on something other than an aggregate function")
            return UnresolvedFunction(call.name, list(call.children) + [self.expression(node.expression.this)],
                                      call.is_distinct, call.star, filtered=True)
        if isinstance(node, exp.Lambda):
            return UnresolvedLambda(tuple(v.name for v in node.expressions), self.expression(node.this))
        if isinstance(node, exp.Transform):
            return UnresolvedFunction("transform", [self.expression(node.this), self.expression(node.expression)])
        if isinstance(node, exp.Identifier):           # a lambda's variable in its body
            return UnresolvedAttribute((node.name,))
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                return UnresolvedStar(tuple(p.name for p in node.parts[:-1]))
            return UnresolvedAttribute(tuple(p.name for p in node.parts))
        if isinstance(node, exp.Star):
            return UnresolvedStar(None)
        if isinstance(node, exp.Dot):
            base = self.expression(node.this)
            return UnresolvedExtract(base, Literal(node.name, T.StringType()))
        if isinstance(node, exp.Alias):
            return Alias(self.expression(node.this), node.alias)
        if isinstance(node, exp.Paren):
            return self.expression(node.this)
        if isinstance(node, exp.Literal):
            return self.literal(node)
        if isinstance(node, exp.Boolean):
            return Literal(bool(node.this), T.BooleanType())
        if isinstance(node, exp.Null):
            return Literal(None, T.NullType())
        if isinstance(node, exp.HexString):
            return binary_literal(node.this)
        if isinstance(node, exp.Neg):
            written = self.written_number(node.this)
            if written is not None:        # the sign is part of the number: -2147483648 is an INT
                return number("-" + written[0], written[1])
            return UnresolvedFunction("unary_negative", [self.expression(node.this)])
        if isinstance(node, exp.Not):
            return UnresolvedFunction("not", [self.expression(node.this)])
        if isinstance(node, exp.NEQ):
            return UnresolvedFunction("not", [UnresolvedFunction("equal", [self.expression(node.this),
                                                                           self.expression(node.expression)])])
        if isinstance(node, exp.BitwiseNot):
            return UnresolvedFunction("~", [self.expression(node.this)])
        if isinstance(node, exp.Is):
            inner = self.expression(node.this)
            if isinstance(node.expression, exp.Null):
                return UnresolvedFunction("isnull", [inner])
            return UnresolvedFunction("equalnullsafe", [inner, self.expression(node.expression)])
        if isinstance(node, exp.In):
            if node.args.get("query") is not None:
                query = node.args["query"]
                values = tuple(self.expression(e) for e in node.this.expressions) \
                    if isinstance(node.this, exp.Tuple) else (self.expression(node.this),)
                return SubqueryExpression("in", self.query(query.this if isinstance(query, exp.Subquery) else query),
                                          values)
            if not node.expressions:
                raise ParseException(errorClass="INVALID_SQL_SYNTAX.EMPTY_IN_PREDICATE", messageParameters={})
            return UnresolvedFunction("in", [self.expression(node.this)] + [self.expression(e) for e in node.expressions])
        if isinstance(node, exp.Between):
            value = self.expression(node.this)
            return UnresolvedFunction("and", [UnresolvedFunction("greaterthanorequal", [value, self.expression(node.args["low"])]),
                                              UnresolvedFunction("lessthanorequal", [value, self.expression(node.args["high"])])])
        if isinstance(node, exp.Case):
            args = []
            base = node.this
            for branch in node.args.get("ifs") or []:
                condition = self.expression(branch.this)
                if base is not None:
                    condition = UnresolvedFunction("equal", [self.expression(base), condition])
                args += [condition, self.expression(branch.args["true"])]
            if node.args.get("default") is not None:
                args.append(self.expression(node.args["default"]))
            return UnresolvedFunction("casewhen", args)
        if isinstance(node, (exp.Cast, exp.TryCast)):
            written = self.written_number(node)
            return number(*written) if written is not None else self.cast(node)
        if isinstance(node, exp.Bracket):
            base = self.expression(node.this)
            for key in node.expressions:
                base = UnresolvedExtract(base, self.expression(key))
            return base
        if isinstance(node, exp.Window):
            return self.window(node)
        if isinstance(node, exp.WithinGroup):
            return self.within_group(node)
        if isinstance(node, exp.Any):                 # any(x): the aggregate, a keyword to sqlglot
            return UnresolvedFunction("any", [self.expression(node.this)])
        if isinstance(node, exp.Extract):
            field = node.this.name if hasattr(node.this, "name") else str(node.this)
            return UnresolvedFunction("extract", [Literal(field, T.StringType()), self.expression(node.expression)])
        if isinstance(node, exp.Exists):
            return SubqueryExpression("exists", self.query(node.this))
        if isinstance(node, exp.Subquery):
            return SubqueryExpression("scalar", self.query(node.this))
        if isinstance(node, exp.Interval):
            return self.interval(node)
        if isinstance(node, exp.Placeholder) or isinstance(node, exp.Parameter):
            return self.parameter(node)
        if isinstance(node, exp.Anonymous):
            return self.call(node)
        if isinstance(node, exp.Func):
            return self.function(node)
        raise _unsupported(f"{kind} expressions")

    def window(self, node) -> Expression:
        """``f(...) OVER (PARTITION BY ... ORDER BY ... frame)`` or ``OVER w`` (a WINDOW clause)."""
        _, exp = _sqlglot()
        inner = node.this
        ignore_nulls = isinstance(inner, exp.IgnoreNulls)
        if ignore_nulls or isinstance(inner, exp.RespectNulls):
            inner = inner.this
        function = self.expression(inner)
        if ignore_nulls and isinstance(function, UnresolvedFunction):
            function = UnresolvedFunction(function.name, list(function.children) + [Literal(True, T.BooleanType())],
                                          function.is_distinct)
        spec = node
        name = node.args.get("alias")
        if name is not None and not node.args.get("partition_by") and not node.args.get("order"):
            spec = self.named_windows.get(name.name.lower())
            if spec is None:
                raise AnalysisException(errorClass="MISSING_WINDOW_SPECIFICATION",
                                        messageParameters={"windowName": name.name, "docroot":
                                                           "https://spark.apache.org/docs/latest"})
        partition = tuple(self.expression(p) for p in spec.args.get("partition_by") or [])
        order_node = spec.args.get("order")
        order = tuple(self.ordering(o) for o in order_node.expressions) if order_node is not None else ()
        frame = None
        frame_spec = spec.args.get("spec")
        if frame_spec is not None:
            frame = WindowFrame(str(frame_spec.args.get("kind")).lower(),
                                self.frame_bound(frame_spec.args.get("start"), frame_spec.args.get("start_side")),
                                self.frame_bound(frame_spec.args.get("end"), frame_spec.args.get("end_side")))
        return WindowExpression(function, partition, order, frame)

    def within_group(self, node) -> Expression:
        """``f(args) WITHIN GROUP (ORDER BY keys)``: the ordered-set aggregates (see
        ``builtins.ordered_sets``)."""
        call = self.expression(node.this)
        orders = [self.ordering(o) for o in node.expression.expressions]
        name = call.name.lower() if isinstance(call, UnresolvedFunction) else str(call)
        single = len(orders) == 1
        if name in ("percentile_cont", "percentile_disc") and single and len(call.children) == 1:
            return UnresolvedFunction(f"__{name}", [orders[0].child, call.children[0],
                                                    Literal(not orders[0].ascending, T.BooleanType())])
        if name == "mode" and single and not call.children:
            return UnresolvedFunction("mode", [orders[0].child, Literal(True, T.BooleanType())]) \
                if orders[0].ascending else UnresolvedFunction("__mode_ordered", [orders[0].child])
        if name in ("listagg", "string_agg") and 1 <= len(call.children) <= 2:
            args = list(call.children) + [Literal(None, T.NullType())] * (2 - len(call.children))
            for o in orders:
                nulls_first = o.ascending if o.nulls_first is None else o.nulls_first
                args += [o.child, Literal((0 if o.ascending else 1) | (2 if nulls_first else 0), T.IntegerType())]
            return UnresolvedFunction("__listagg_ordered", args, call.is_distinct)
        if name in ("percentile_cont", "percentile_disc", "mode", "listagg", "string_agg"):
            raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                    messageParameters={"functionName": f"`{name}`", "expectedNum": "1",
                                                       "actualNum": str(len(call.children)),
                                                       "docroot": "https://spark.apache.org/docs/latest"})
        raise AnalysisException(errorClass="INVALID_SQL_SYNTAX.FUNCTION_WITH_UNSUPPORTED_SYNTAX",
                                messageParameters={"prettyName": f"`{name}`", "syntax": "WITHIN GROUP (ORDER BY ...)"})

    def interval(self, node) -> Literal:
        """``INTERVAL '90' DAY``, ``INTERVAL 3 MONTHS``, ``INTERVAL '1 02:03' DAY TO MINUTE``,
        ``INTERVAL '1 day 2 hours'``: a day-time or year-month interval literal."""
        _, exp = _sqlglot()
        unit = node.args.get("unit")
        if isinstance(unit, exp.IntervalSpan):
            return span_interval(self.interval_value(node), unit.this.name, unit.expression.name)
        if unit is None:
            return string_interval(self.interval_value(node))
        return self.interval_units(node)

    def interval_units(self, node) -> Literal:
        """``INTERVAL 1 DAY 2 HOURS`` (to sqlglot a sum of one-unit intervals): one literal."""
        _, exp = _sqlglot()
        parts = list(node.flatten()) if isinstance(node, exp.Add) else [node]
        if not all(isinstance(p, exp.Interval) and isinstance(p.args.get("unit"), exp.Var) for p in parts):
            raise ParseException(errorClass="PARSE_SYNTAX_ERROR", messageParameters={"error": "'INTERVAL'",
                                                                                     "hint": ""})
        pairs = [(self.interval_value(p), p.args["unit"].name) for p in parts]
        return unit_interval(pairs, "INTERVAL " + " ".join(f"{v} {u}" for v, u in pairs))

    @staticmethod
    def interval_value(node) -> str:
        """An interval's value as written, with a minus before it applied (``-'-5'`` is ``5``)."""
        _, exp = _sqlglot()
        negated = isinstance(node.this, exp.Neg)
        value = node.this.this if negated else node.this
        if not isinstance(value, exp.Literal):
            raise ParseException(errorClass="PARSE_SYNTAX_ERROR", messageParameters={"error": "'INTERVAL'",
                                                                                     "hint": ""})
        text = str(value.this).strip()
        if not negated:
            return text
        return text[1:] if text.startswith("-") else "-" + text.lstrip("+")

    def frame_bound(self, value, side) -> int:
        side = str(side or "").upper()
        text = value if isinstance(value, str) else (value.this if hasattr(value, "this") else value)
        if str(text).upper() == "CURRENT ROW":
            return 0
        if str(text).upper() == "UNBOUNDED":
            return WindowFrame.UNBOUNDED_PRECEDING if side == "PRECEDING" else WindowFrame.UNBOUNDED_FOLLOWING
        amount = int(self.constant(value) if not isinstance(value, str) else value)
        return -amount if side == "PRECEDING" else amount

    def call(self, node) -> Expression:
        """``name(args)``: ``DISTINCT`` inside marks a distinct aggregate, ``*`` counts rows."""
        _, exp = _sqlglot()
        args, distinct = [], False
        for a in node.expressions:
            if isinstance(a, exp.Distinct):
                distinct = True
                args += [self.expression(e) for e in a.expressions]
            elif isinstance(a, exp.Star) and str(node.this).lower() == "count":
                args.append(Literal(1, T.IntegerType()))
            else:
                args.append(self.expression(a))
        return UnresolvedFunction(str(node.this), args, is_distinct=distinct)

    def function(self, node) -> Expression:
        _, exp = _sqlglot()
        kind = type(node).__name__
        name = _FUNCTION_NAMES.get(kind) or node.sql_name().lower()
        distinct = False
        args = []
        for key in node.arg_types:
            value = node.args.get(key)
            if value is None or isinstance(value, bool):
                continue
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, exp.Distinct):
                    distinct = True
                    args += [self.expression(e) for e in v.expressions]
                elif isinstance(v, exp.Star):
                    args.append(Literal(1, T.IntegerType()))
                elif isinstance(v, exp.Expression):
                    args.append(self.expression(v))
        if kind == "StrPosition" and len(args) == 2:
            args = [args[0], args[1]]
        return UnresolvedFunction(name, args, is_distinct=distinct)

    def cast(self, node) -> Expression:
        _, exp = _sqlglot()
        to = parse_data_type(node.args["to"])
        inner = node.this
        if type(node) is exp.Cast and isinstance(inner, exp.Literal) and inner.is_string:
            return typed_literal(inner.this, to, self.time_zone)   # DATE '...' (CAST(...) is a TryCast)
        mode = "try" if node.args.get("safe") else "ansi"
        return Cast(self.expression(inner), to, mode)

    def literal(self, node) -> Literal:
        return Literal(node.this, T.StringType()) if node.is_string else number(str(node.this))

    def parameter(self, node) -> Expression:
        from sparklite.sql.column import literal
        name = node.name
        args = self.args
        if isinstance(args, dict) and name in args:
            return literal(args[name])
        if isinstance(args, (list, tuple)):
            self._position = getattr(self, "_position", -1) + 1
            return literal(args[self._position])
        raise ParseException(errorClass="UNBOUND_SQL_PARAMETER", messageParameters={"name": name})


def _strip(e: Expression) -> Expression:
    return e.children[0] if isinstance(e, Alias) else e


def _replace_aliases(e: Expression, aliases: dict) -> Expression:
    """A select-list alias used in HAVING or ORDER BY stands for its expression."""
    def rule(node):
        if isinstance(node, UnresolvedAttribute) and len(node.parts) == 1 and node.parts[0].lower() in aliases:
            return aliases[node.parts[0].lower()]
        return node
    return e.transform_up(rule)


def _mentions_aggregate(node) -> bool:
    return any(_is_aggregate_call(e) for e in _walk_outside_subqueries(node))


def _is_aggregate_call(node) -> bool:
    from sparklite.sql.builtins.registry import FUNCTIONS
    _, exp = _sqlglot()
    if not isinstance(node, exp.Anonymous) or isinstance(node.parent, exp.Window):
        return False
    name = str(node.this).lower()
    if name in ("grouping", "grouping_id"):      # read the grouping set's id: computed with the aggregates
        return True
    spec = FUNCTIONS.get(name)
    return spec is not None and spec.aggregate


def _walk_outside_subqueries(node):
    """sqlglot nodes of an expression, not entering subqueries (their aggregates are their own)."""
    _, exp = _sqlglot()
    yield node
    for child in node.iter_expressions():
        if not isinstance(child, (exp.Subquery, exp.Select, exp.Exists)):
            yield from _walk_outside_subqueries(child)


def _has_aggregate(node) -> bool:
    return any(_is_aggregate_call(e) for item in node.expressions for e in _walk_outside_subqueries(item))


def _is_table_function(node) -> bool:
    """Whether a FROM item is a function call (``f(1, 2)``, ``range(3)``) rather than a table."""
    _, exp = _sqlglot()
    return isinstance(node, exp.Table) and isinstance(node.this, exp.Func)


def _unsupported(what: str) -> NotImplementedError:
    return NotImplementedError(f"sparklite does not run {what} in SQL yet")
