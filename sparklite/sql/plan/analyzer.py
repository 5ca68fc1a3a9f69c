"""The analyzer: turns a parsed or DataFrame-built plan into a resolved one, as Catalyst's.

Contract:
* ``Analyzer(catalog_lookup, case_sensitive).execute(plan)`` resolves bottom-up and skips subtrees
  already resolved, so a DataFrame method analyzes only the node it adds (PySpark resolves eagerly:
  ``df.select("nope")`` raises at once).
* Relations are looked up through ``catalog_lookup(parts) -> LogicalPlan`` (temp views, tables).
* Column names resolve against the child's output, case-insensitively unless
  ``spark.sql.caseSensitive``: ``name``, ``qualifier.name``, ``struct.field``; a name tied to a
  DataFrame (``df["x"]``) resolves against that DataFrame's plan. An unknown name raises
  ``UNRESOLVED_COLUMN.WITH_SUGGESTION`` listing the closest columns; a name matching two columns
  raises ``AMBIGUOUS_REFERENCE``.
* Functions resolve through the registry, whose type rules insert Spark's implicit casts; select
  lists name their unnamed expressions (``Alias``) as Spark names them.
"""
from __future__ import annotations

import re

from sparklite.sql import builtins  # noqa: F401  (registers every function)
from sparklite.sql import types as T
from sparklite.sql.builtins import extract
from sparklite.sql.builtins.registry import lookup
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.python_plans import CoGroupMap
from sparklite.sql.plan.casting import check_cast
from sparklite.sql.plan.hidden import expose, hidden_columns, hidden_references
from sparklite.sql.plan.lateral import LateralScope, project_with_lateral_aliases
from sparklite.sql.plan.setops import resolve_set_operation, resolve_union
from sparklite.sql.plan.pivot import Pivot, resolve_pivot
from sparklite.sql.plan.subquery import in_subquery
from sparklite.sql.plan.tablefunctions import LateralTableFunction, TableFunctionCall, resolve_table_function
from sparklite.sql.plan.timewindow import rewrite_time_windows
from sparklite.sql.plan.windowing import extract_windows, walk_outside_windows, with_default_frame
from sparklite.sql.plan.expressions import (Alias, AttributeReference, Call, Cast, Expression, SortOrder,
                                            SortOrderExpression, UnresolvedAttribute, UnresolvedExtract,
                                            UnresolvedFunction, UnresolvedOrdinal, UnresolvedStar, WindowExpression,
                                            OuterReference, SubqueryExpression, MultiAlias, output_name,
                                            LambdaFunction, NamedLambdaVariable, UnresolvedLambda, to_attribute)


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def quote_name(parts) -> str:
    return ".".join(f"`{p}`" for p in parts)


def _grouping_keys_out(plan: L.LogicalPlan) -> list:
    """The output columns of an aggregate (under at most one projection) that are its grouping keys."""
    aggregate = plan.child if isinstance(plan, L.Project) else plan
    if not isinstance(aggregate, L.Aggregate):
        return []
    grouped = {g.expr_id for g in aggregate.grouping if isinstance(g, AttributeReference)}
    return [a for a in plan.output if a.expr_id in grouped]


class Analyzer:
    def __init__(self, catalog_lookup, case_sensitive: bool = False, time_zone: str = "UTC",
                 session_functions: dict | None = None, table_functions: dict | None = None):
        self.catalog_lookup = catalog_lookup
        self.session_functions = session_functions or {}
        self.table_functions = table_functions or {}         # spark.udtf.register(name, f)
        self.case_sensitive = case_sensitive
        self.time_zone = time_zone
        self.outer: list = []           # the plans around the subquery being resolved, innermost last

    def execute(self, plan: L.LogicalPlan) -> L.LogicalPlan:
        resolved = plan if plan.resolved else self._resolve_plan(plan)
        if resolved is not plan:
            check_analysis(resolved)
        return resolved

    # -- plans ------------------------------------------------------------------------------
    def _resolve_plan(self, plan):
        if plan.resolved:
            return plan
        if isinstance(plan, L.UnresolvedRelation):
            return self.catalog_lookup(plan.parts)
        if isinstance(plan, L.InlineTable):
            return self._inline_table(plan)
        if isinstance(plan, TableFunctionCall):
            return resolve_table_function(self, plan, None)
        children = tuple(self._resolve_plan(c) for c in plan.children)
        if children != tuple(plan.children):
            plan = plan.with_new(children=children)
        plan = rewrite_time_windows(plan, self)
        if isinstance(plan, L.Project):
            return self._resolve_project(plan)
        if isinstance(plan, L.Filter):
            condition = self.resolve_expression(plan.condition, plan.child)
            aggregates = [n for n in condition.walk() if is_aggregate_call(n)]
            if aggregates and not isinstance(plan.child, L.Aggregate):
                raise AnalysisException(errorClass="INVALID_WHERE_CONDITION",
                                        messageParameters={"condition": f'"{condition.sql()}"',
                                                           "expressionList": ", ".join(a.sql() for a in aggregates)})
            if not isinstance(condition.data_type, (T.BooleanType, T.NullType)):
                raise AnalysisException(
                    errorClass="DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN",
                    messageParameters={"sqlExpr": f'"{condition.sql()}"', "filter": f'"{condition.sql()}"',
                                       "type": f'"{condition.data_type.simpleString().upper()}"'})
            reads_hidden = hidden_references([condition], plan.child)
            if reads_hidden:                # WHERE e.k over a USING join: its hidden key column, then dropped
                return L.Project(list(plan.child.output), L.Filter(condition, expose(plan.child, reads_hidden)))
            return plan.with_new(expressions=[condition])
        if isinstance(plan, L.LateralView):
            return self._resolve_lateral_view(plan)
        if isinstance(plan, LateralTableFunction):
            return resolve_table_function(self, plan.call, plan.child)
        if isinstance(plan, Pivot):
            return resolve_pivot(self, plan)
        if isinstance(plan, L.ColumnAliases):
            output = plan.child.output
            if len(plan.names) != len(output):
                raise AnalysisException(errorClass="ASSIGNMENT_ARITY_MISMATCH",
                                        messageParameters={"numTarget": str(len(plan.names)),
                                                           "numExpr": str(len(output))})
            return L.Project([Alias(a, name) for a, name in zip(output, plan.names)], plan.child)
        if isinstance(plan, L.Distinct):
            output = list(plan.child.output)
            return L.Aggregate(output, output, plan.child)
        if isinstance(plan, L.Sort):
            return self._resolve_sort(plan)
        if isinstance(plan, L.Aggregate):
            return self._resolve_aggregate(plan)
        if isinstance(plan, L.Join):
            return self._resolve_join(plan)
        if isinstance(plan, L.SetOperation):
            return resolve_set_operation(self, plan)
        if isinstance(plan, L.Union):
            return resolve_union(self, plan)
        if isinstance(plan, CoGroupMap):
            left, right = plan.children
            return plan.with_new(expressions=[self.resolve_expression(e, left) for e in plan.left_grouping] +
                                 [self.resolve_expression(e, right) for e in plan.right_grouping])
        return plan.with_new(expressions=[self.resolve_expression(e, plan.children[0]) for e in plan.expressions]) \
            if plan.expressions else plan

    def _resolve_aggregate(self, plan: L.Aggregate) -> L.Aggregate:
        if plan.grouping_sets is not None:
            return self._resolve_grouping_sets(plan)
        child = plan.child
        grouping = [self.resolve_expression(g, child) for g in plan.grouping]
        items = []
        for e in plan.aggregates:
            if isinstance(e, UnresolvedStar):
                items += self.expand_star(e, child)
            else:
                items.append(named(self.resolve_expression(e, child), e))
        check_aggregate(grouping, items)
        check_pandas_aggregates(items)
        return L.Aggregate(grouping, items, child)

    def _resolve_grouping_sets(self, plan: L.Aggregate) -> L.LogicalPlan:
        """ROLLUP / CUBE / GROUPING SETS as Spark plans them: an Expand making each row once per
        set (keys outside the set NULL, the set's id beside them), then one aggregate over
        (keys, id); ``grouping(c)`` and ``grouping_id()`` read the id's bits."""
        from sparklite.sql.builtins.registry import lookup
        from sparklite.sql.plan.expressions import Literal
        child = plan.child
        grouping = [self.resolve_expression(g, child) for g in plan.grouping]
        n = len(grouping)
        keys = [AttributeReference(output_name(g), g.data_type, True) for g in grouping]
        gid = AttributeReference("spark_grouping_id", T.LongType(), False)
        projections = []
        for members in plan.grouping_sets:
            mask = sum(1 << (n - 1 - i) for i in range(n) if i not in members)
            projections.append(list(child.output) + [g if i in members else Literal(None, g.data_type)
                                                     for i, g in enumerate(grouping)] + [Literal(mask, T.LongType())])
        expand = L.Expand(projections, list(child.output) + keys + [gid], child)
        by_key = {g.semantic_key(): k for g, k in zip(grouping, keys)}

        def grouping_call(node):
            if isinstance(node, UnresolvedFunction) and node.name.lower() == "grouping_id":
                return Call(lookup("__grouping_id"), [gid], T.LongType(), False)
            if isinstance(node, UnresolvedFunction) and node.name.lower() == "grouping":
                target = self.resolve_expression(node.children[0], child)
                position = next((i for i, g in enumerate(grouping) if g.semantic_key() == target.semantic_key()), None)
                if position is None:
                    raise AnalysisException(errorClass="GROUPING_COLUMN_MISMATCH",
                                            messageParameters={"grouping": f'"{target.sql()}"',
                                                               "groupingColumns": ", ".join(g.sql() for g in grouping)})
                bit = Call(lookup("__grouping_bit"), [gid, Literal(n - 1 - position, T.IntegerType())],
                           T.ByteType(), False, {"display": f"grouping({target.sql()})"})
                return bit
            return node

        def to_keys(node):
            """Grouping expressions outside aggregate functions read the (possibly NULL) keys."""
            if is_aggregate_call(node):
                return node
            key = by_key.get(node.semantic_key()) if not isinstance(node, Alias) else None
            if key is not None:
                return key
            return node.with_children(tuple(to_keys(c) for c in node.children))
        items = []
        for e in plan.aggregates:
            rewritten = e.transform_up(grouping_call) if not isinstance(e, UnresolvedStar) else e
            items.append(to_keys(named(self.resolve_expression(rewritten, child), e)))
        return L.Aggregate(keys + [gid], items, expand)

    def _resolve_join(self, plan: L.Join) -> L.LogicalPlan:
        left, right = plan.left, plan.right
        if {a.expr_id for a in left.output} & {a.expr_id for a in right.output}:
            right = _new_instance(right)                                         # a self-join: new ids
        if plan.using == "natural":
            common = [a.name for a in left.output if any(self._same(a.name, b.name) for b in right.output)]
            if not common:
                return L.Join(left, right, "cross" if plan.join_type == "inner" else plan.join_type, None, None,
                              plan.hint)
            plan = L.Join(plan.left, plan.right, plan.join_type, None, common, plan.hint)
        if plan.using is not None:
            return self._using_join(plan, left, right)
        condition = plan.condition
        if condition is not None:
            condition = self.resolve_expression(condition, _JoinScope(left, right))
            if not isinstance(condition.data_type, (T.BooleanType, T.NullType)):
                raise AnalysisException(
                    errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                    messageParameters={"sqlExpr": f'"{condition.sql()}"', "paramIndex": "first",
                                       "requiredType": '"BOOLEAN"', "inputSql": f'"{condition.sql()}"',
                                       "inputType": f'"{condition.data_type.simpleString().upper()}"'})
        return L.Join(left, right, plan.join_type, condition, None, plan.hint)

    def _using_join(self, plan: L.Join, left, right) -> L.LogicalPlan:
        """JOIN ... USING (k): an equi-join whose key columns appear once, first."""
        from sparklite.sql.builtins.registry import lookup
        from sparklite.sql.plan.coercion import comparison_type, cast_to
        pairs = []
        for name in plan.using:
            lk = self._using_side(name, left, "left")
            rk = self._using_side(name, right, "right")
            pairs.append((lk, rk))
        condition = None
        for lk, rk in pairs:
            t = comparison_type(lk.data_type, rk.data_type)
            equal = Call(lookup("equal"), [cast_to(lk, t), cast_to(rk, t)], T.BooleanType(),
                         lk.nullable or rk.nullable)
            condition = equal if condition is None else Call(lookup("and"), [condition, equal], T.BooleanType(),
                                                             condition.nullable or equal.nullable)
        join = L.Join(left, right, plan.join_type, condition, None, plan.hint)
        if plan.join_type in ("left_semi", "left_anti"):
            keys = [lk for lk, _ in pairs]
            used = {k.expr_id for k in keys}
            return L.Project(keys + [a for a in left.output if a.expr_id not in used], join)
        keys = []
        for lk, rk in pairs:
            if plan.join_type == "right_outer":
                keys.append(rk)
            elif plan.join_type == "full_outer":        # both sides' keys may be NULL after the join
                keys.append(Alias(Call(lookup("coalesce"), [lk.with_nullability(True), rk.with_nullability(True)],
                                       lk.data_type, True), lk.name))
            else:
                keys.append(lk)
        used = {a.expr_id for pair in pairs for a in pair}
        rest_left = [a for a in join.output[:len(left.output)] if a.expr_id not in used]
        rest_right = [a for a in join.output[len(left.output):] if a.expr_id not in used]
        shown = {to_attribute(k).expr_id for k in keys}
        hidden = [a for a in join.output if a.expr_id in used and a.expr_id not in shown]
        return L.UsingJoinProject(keys + rest_left + rest_right, join, hidden)

    def _using_side(self, name: str, side, which: str):
        found = [a for a in side.output if self._same(a.name, name)]
        if not found:
            raise AnalysisException(
                errorClass="UNRESOLVED_USING_COLUMN_FOR_JOIN",
                messageParameters={"colName": f"`{name}`", "side": which,
                                   "suggestion": ", ".join(f"`{a.name}`" for a in side.output)})
        return found[0]

    def _inline_table(self, plan: L.InlineTable) -> L.LocalRelation:
        """VALUES rows: constants widened to one type per column, as a local relation."""
        import pyarrow as pa
        from sparklite.sql.execution.evaluate import evaluate_array
        from sparklite.sql.plan.coercion import cast_to, wider_type
        empty = L.OneRowRelation()
        widths = {len(r) for r in plan.rows}
        if len(widths) != 1:
            raise AnalysisException(errorClass="INVALID_INLINE_TABLE.NUM_COLUMNS_MISMATCH",
                                    messageParameters={"expectedNumCols": str(len(plan.names)),
                                                       "actualNumCols": str(min(widths)), "rowIndex": "0"})
        rows = [[self.resolve_expression(e, empty) for e in row] for row in plan.rows]
        columns = []
        one_row = pa.RecordBatch.from_struct_array(pa.array([{}], pa.struct([])))
        for i, name in enumerate(plan.names):
            types = [r[i].data_type for r in rows]
            wide = types[0]
            for t in types[1:]:
                wide = wider_type(wide, t)
                if wide is None:
                    raise AnalysisException(errorClass="INVALID_INLINE_TABLE.INCOMPATIBLE_TYPES_IN_INLINE_TABLE",
                                            messageParameters={"colName": f"`{name}`"})
            values = [evaluate_array(cast_to(r[i], wide), one_row) for r in rows]
            columns.append((name, wide, pa.concat_arrays(values), any(v.null_count for v in values)))
        attributes = [AttributeReference(n, t, nullable) for n, t, _, nullable in columns]
        table = pa.table({f"c{i}": c[2] for i, c in enumerate(columns)}) if columns else pa.table({})
        return L.LocalRelation(attributes, table.rename_columns([n for n, *_ in columns]))

    def _resolve_sort(self, plan: L.Sort) -> L.LogicalPlan:
        """ORDER BY may name columns the select list dropped (Spark's ResolveMissingReferences):
        they are carried through the projection for the sort and projected away after it."""
        try:
            return plan.with_new(expressions=[self._resolve_order(o, plan.child) for o in plan.order])
        except AnalysisException as missing:
            child = plan.child
            keys = _grouping_keys_out(child)
            if missing.getCondition() == "AMBIGUOUS_REFERENCE" and keys:
                # a pivot value named like a grouping column: the name means the grouping column
                try:
                    scope = L.Project(keys, child)
                    return plan.with_new(expressions=[self._resolve_order(o, scope) for o in plan.order])
                except AnalysisException:
                    raise missing from None
            if not isinstance(child, L.Project) or not missing.getCondition().startswith("UNRESOLVED_COLUMN"):
                raise
            try:
                orders = [self._resolve_order(o, child.child) for o in plan.order]
            except AnalysisException:
                raise missing from None
            have = {a.expr_id for a in child.output}
            extra = []
            for o in orders:
                for ref in o.child.walk():
                    if isinstance(ref, AttributeReference) and ref.expr_id not in have:
                        have.add(ref.expr_id)
                        extra.append(ref)
            widened = L.Project(child.project_list + extra, child.child)
            return L.Project(list(child.output), L.Sort(orders, plan.global_sort, widened))

    def _resolve_order(self, order, child):
        if isinstance(order, SortOrderExpression):
            order = order.to_order()
        if not isinstance(order, SortOrder):
            order = SortOrder(order)
        return SortOrder(self.resolve_expression(order.child, child), order.ascending, order.nulls_first)

    def _resolve_project(self, plan: L.Project):
        items, lateral = [], None
        for e in plan.project_list:
            if isinstance(e, UnresolvedStar):
                items += self.expand_star(e, plan.child)
                continue
            generator = _generator_of(e)
            if generator is not None:
                items.append(self._resolve_generator(e, plan.child))
                continue
            try:
                resolved = self.resolve_expression(e, plan.child)
            except AnalysisException as missing:
                earlier = [i for i in items if isinstance(i, Alias)]
                if not (earlier and missing.getCondition().startswith("UNRESOLVED_COLUMN")):
                    raise
                try:
                    resolved = self.resolve_expression(e, LateralScope(plan.child, earlier))
                except AnalysisException:
                    raise missing from None
                lateral = missing
            items.append(named(resolved, e))
        reads_hidden = hidden_references(items, plan.child)
        if reads_hidden:
            plan = plan.with_new(children=[expose(plan.child, reads_hidden)])
        if lateral is not None:
            if any(is_aggregate_call(node) or isinstance(node, WindowExpression)
                   for item in items for node in item.walk()):
                raise lateral               # lateral aliases with aggregates or windows: not supported yet
            return project_with_lateral_aliases(items, plan.child)
        if any(is_aggregate_call(node) for item in items for node in walk_outside_windows(item)):
            check_aggregate([], items)          # select(max(x)): an aggregate over the whole input
            return L.Aggregate([], items, plan.child)
        generates = [i for i in items if isinstance(i, L.Generate)]
        if generates:   # several generators in one select: each row's outputs are crossed, as Spark 4 does
            child = plan.child
            for generate in generates:
                child = L.Generate(generate.generator, generate.generator_output, child)
            flat = []
            for i in items:
                flat += i.generator_output if isinstance(i, L.Generate) else [i]
            return L.Project(flat, child)
        if any(isinstance(node, WindowExpression) for item in items for node in item.walk()):
            return extract_windows(items, plan.child)
        return plan.with_new(expressions=items)

    def _resolve_lateral_view(self, plan: L.LateralView) -> L.Generate:
        generator = plan.generator
        if plan.outer and isinstance(generator, UnresolvedFunction) and not generator.name.lower().endswith("_outer"):
            generator = UnresolvedFunction(generator.name + "_outer", list(generator.children))
        item = MultiAlias(generator, tuple(plan.names)) if plan.names else generator
        generate = self._resolve_generator(item, plan.child)
        if plan.alias:
            qualified = [a.with_qualifier((plan.alias,)) for a in generate.generator_output]
            generate = L.Generate(generate.generator, qualified, generate.child)
        return generate

    def _resolve_generator(self, item, child) -> L.Generate:
        """A select-list generator, as the Generate node (with its output columns) it becomes."""
        names = None
        if isinstance(item, Alias):
            names, item = (item.name,), item.child
        elif isinstance(item, MultiAlias):
            names, item = item.names, item.children[0]
        call = self.resolve_expression(item, child)
        outputs = call.spec.options["generator"][0](call)
        if names is not None and len(names) != len(outputs):
            raise AnalysisException(
                errorClass="UDTF_ALIAS_NUMBER_MISMATCH",
                messageParameters={"aliasesSize": str(len(names)), "aliasesNames": ", ".join(names)})
        attributes = [AttributeReference(names[i] if names else name, t, nullable)
                      for i, (name, t, nullable) in enumerate(outputs)]
        return L.Generate(call, attributes, child)

    def expand_star(self, star: UnresolvedStar, child) -> list:
        if star.regex is not None:          # colRegex: names matching the pattern, of the qualifier's table
            flags = 0 if self.case_sensitive else re.IGNORECASE
            return [a for a in child.output if re.fullmatch(star.regex, a.name, flags) and
                    (not star.target or (a.qualifier and self._same(a.qualifier[-1], star.target[-1])))]
        if not star.target:
            return list(child.output)
        matched = [a for a in child.output if a.qualifier and self._same(a.qualifier[-1], star.target[-1])]
        if matched:
            return matched
        # ``s.*`` of a struct column
        struct = self.resolve_expression(UnresolvedAttribute(tuple(star.target)), child)
        if isinstance(struct.data_type, T.StructType):
            return [Alias(extract.struct_field(struct, i), f.name) for i, f in enumerate(struct.data_type.fields)]
        raise AnalysisException(errorClass="CANNOT_RESOLVE_STAR_EXPAND",
                                messageParameters={"targetString": quote_name(star.target),
                                                   "columns": ", ".join(f"`{a.name}`" for a in child.output)})

    # -- expressions ------------------------------------------------------------------------
    def resolve_expression(self, e: Expression, child: L.LogicalPlan) -> Expression:
        if e.resolved:
            return e
        if any(isinstance(node, UnresolvedLambda) for node in e.walk()):
            e = e.transform_down(lambda node: self.resolve_higher_order(node, child)
                                 if _takes_lambda(node) else node)

        def rule(node):
            if isinstance(node, UnresolvedAttribute):
                return self.resolve_attribute(node, child)
            if isinstance(node, UnresolvedOrdinal):
                if not 0 <= node.index < len(child.output):
                    raise AnalysisException(errorClass="ORDER_BY_POS_OUT_OF_RANGE",
                                            messageParameters={"index": str(node.index + 1),
                                                               "size": str(len(child.output))})
                return child.output[node.index]
            if isinstance(node, UnresolvedFunction):
                return self.resolve_function(node)
            if isinstance(node, UnresolvedExtract):
                return extract.resolve_extract(node.children[0], node.children[1])
            if isinstance(node, Cast) and node.children[0].resolved:
                check_cast(node)
            if isinstance(node, WindowExpression):
                return with_default_frame(node)
            if isinstance(node, SubqueryExpression) and not node.plan.resolved:
                return self.resolve_subquery(node, child)
            if isinstance(node, UnresolvedStar):
                raise AnalysisException(errorClass="INVALID_USAGE_OF_STAR_OR_REGEX",
                                        messageParameters={"elem": "'*'", "prettyName": "expression"})
            return node

        return e.transform_up(rule)

    def resolve_subquery(self, node: SubqueryExpression, child) -> Expression:
        """A subquery resolves with the enclosing query's columns in scope (as outer references)."""
        self.outer.append(child)
        try:
            plan = self.execute(node.plan)
        finally:
            self.outer.pop()
        if node.kind == "scalar" and len(plan.output) != 1:
            raise AnalysisException(
                errorClass="INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN",
                messageParameters={"number": str(len(plan.output))})
        resolved = node.with_plan(plan)
        if node.kind == "in":
            return in_subquery(resolved)
        return resolved

    def resolve_higher_order(self, node: UnresolvedFunction, child) -> Expression:
        """A call taking lambdas (``transform(a, x -> x + 1)``): its other arguments first, then each
        lambda, whose variables get the types the function gives them; names in a lambda's body are
        its variables before they are columns."""
        spec = lookup(node.name)
        typing = spec.options.get("lambda_variables")
        if typing is None:
            raise AnalysisException(errorClass="INVALID_LAMBDA_FUNCTION_CALL.NON_HIGHER_ORDER_FUNCTION",
                                    messageParameters={"class": spec.name})
        args = [c if isinstance(c, UnresolvedLambda) else self.resolve_expression(c, child) for c in node.children]
        for i, arg in enumerate(args):
            if not isinstance(arg, UnresolvedLambda):
                continue
            kinds = typing(args, i)
            if len(arg.names) not in kinds:
                raise AnalysisException(
                    errorClass="INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH",
                    messageParameters={"expectedNumArgs": str(max(kinds)), "actualNumArgs": str(len(arg.names))})
            variables = [NamedLambdaVariable(name, t, nullable)
                         for name, (t, nullable) in zip(arg.names, kinds[len(arg.names)])]
            body = self.resolve_expression(_with_variables(arg.children[0], variables, self.case_sensitive), child)
            args[i] = LambdaFunction(body, variables)
        return self.resolve_function(UnresolvedFunction(node.name, args, node.is_distinct))

    def resolve_function(self, node: UnresolvedFunction) -> Expression:
        registered = self.session_functions.get(node.name.lower())
        if registered is not None:                  # spark.udf.register(name, f): the user's function
            return registered(*[_as_column(c) for c in node.children])._expr
        spec = lookup(node.name)
        children, condition = list(node.children), None
        if node.filtered:
            children, condition = children[:-1], children[-1]
            if not spec.aggregate:
                raise AnalysisException(errorClass="INVALID_SQL_SYNTAX.FUNCTION_WITH_UNSUPPORTED_SYNTAX",
                                        messageParameters={"prettyName": f"`{node.name}`", "syntax": "FILTER CLAUSE"})
            # the aggregate sees only the rows where the condition holds: others give it NULLs, which
            # aggregates skip (count(*) counts a constant, which becomes NULL there)
            original = tuple(c.sql() for c in children)
            case = lookup("casewhen")
            children = [Call(case, [condition, c], c.data_type, True) for c in children]
        resolved = spec.resolve(children)
        args, data_type, nullable = resolved[:3]
        options = {"display_name": node.name.lower()} if node.name.lower() != spec.name else {}
        if condition is not None:
            options.update(display_args=original, filter_sql=condition.sql())
        if len(resolved) > 3:
            options.update(resolved[3])
        if node.is_distinct:
            options["distinct"] = True
        return Call(spec, args, data_type, nullable, options)

    def _same(self, a: str, b: str) -> bool:
        return a == b if self.case_sensitive else a.lower() == b.lower()

    def resolve_attribute(self, node: UnresolvedAttribute, child: L.LogicalPlan) -> Expression:
        candidates = child.output
        if node.plan_id is not None:
            owner = next((p for p in child.walk() if p.plan_id == node.plan_id), None)
            if owner is not None:
                candidates = owner.output
        parts = node.parts
        # ``qualifier.name`` first (a table alias wins over a struct column of its name), then ``name``
        # and struct fields
        hidden = hidden_columns(child) if len(parts) > 1 else []
        for consumed in (2, 1):
            if consumed > len(parts):
                continue
            if consumed == 1:
                found = [a for a in candidates if self._same(a.name, parts[0])]
            else:
                found = [a for a in candidates if a.qualifier and self._same(a.qualifier[-1], parts[0])
                         and self._same(a.name, parts[1])] or \
                    [a for a in hidden if a.qualifier and self._same(a.qualifier[-1], parts[0])
                     and self._same(a.name, parts[1])]
            if len(found) > 1:
                found = _dedupe(found)
            if len(found) > 1:
                raise AnalysisException(
                    errorClass="AMBIGUOUS_REFERENCE",
                    messageParameters={"name": quote_name(parts),
                                       "referenceNames": "[" + ", ".join(
                                           quote_name(a.qualifier + (a.name,)) for a in found) + "]"})
            if found:
                result: Expression = found[0]
                if node.plan_id is not None and candidates is not child.output:
                    visible = {a.expr_id for a in child.output}
                    if found[0].expr_id not in visible:
                        result = _through_aliases(found[0], child, visible)
                        if result is None:
                            raise self.unresolved(node, child)
                for field in parts[consumed:]:
                    result = extract.field_by_name(result, field, self.case_sensitive)
                return result
        for outer in reversed(self.outer):
            try:
                found = Analyzer(self.catalog_lookup, self.case_sensitive, self.time_zone,
                                 self.session_functions, self.table_functions).resolve_attribute(
                    UnresolvedAttribute(node.parts), outer)
            except AnalysisException:
                continue
            return OuterReference(found) if isinstance(found, AttributeReference) else found
        raise self.unresolved(node, child)

    def unresolved(self, node: UnresolvedAttribute, child) -> AnalysisException:
        names = [quote_name(a.qualifier[-1:] + (a.name,)) if a.qualifier else quote_name((a.name,))
                 for a in child.output]
        target = node.name.lower()
        ranked = sorted(names, key=lambda n: levenshtein(n.replace("`", "").lower(), target))[:5]
        if not names:
            return AnalysisException(errorClass="UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
                                     messageParameters={"objectName": quote_name(node.parts)})
        return AnalysisException(errorClass="UNRESOLVED_COLUMN.WITH_SUGGESTION",
                                 messageParameters={"objectName": quote_name(node.parts),
                                                    "proposal": ", ".join(ranked)})


def _takes_lambda(node) -> bool:
    return isinstance(node, UnresolvedFunction) and any(isinstance(c, UnresolvedLambda) for c in node.children)


def _with_variables(body, variables: list, case_sensitive: bool):
    """The lambda's body with its variables in place of the names they bind (a nested lambda that binds
    the same name keeps its own)."""
    def same(a, b):
        return a == b if case_sensitive else a.lower() == b.lower()

    def replace(node):
        if isinstance(node, UnresolvedAttribute):
            variable = next((v for v in variables if same(v.name, node.parts[0])), None)
            if variable is not None:
                result = variable
                for field in node.parts[1:]:
                    result = extract.field_by_name(result, field, case_sensitive)
                return result
            return node
        if isinstance(node, UnresolvedLambda):
            kept = [v for v in variables if not any(same(v.name, n) for n in node.names)]
            return UnresolvedLambda(node.names, _with_variables(node.children[0], kept, case_sensitive))
        return node.with_children(tuple(replace(c) for c in node.children))
    return replace(body)


def _as_column(e):
    from sparklite.sql.column import Column
    return Column(e)


def _generator_of(e):
    inner = e.child if isinstance(e, Alias) else e.children[0] if isinstance(e, MultiAlias) else e
    if isinstance(inner, UnresolvedFunction):
        from sparklite.sql.builtins.registry import FUNCTIONS
        spec = FUNCTIONS.get(inner.name.lower())
        if spec is not None and "generator" in spec.options:
            return inner
    return None


def _new_instance(plan):
    """The plan with new ids for its output (kept under its alias, so ``y.k`` still resolves), each
    column keeping its metadata (a stream's watermark among it)."""
    if isinstance(plan, L.SubqueryAlias):
        return L.SubqueryAlias(plan.name, _new_instance(plan.child))
    return L.Project([Alias(a, a.name, metadata=a.metadata or None) for a in plan.output], plan)


def check_analysis(plan) -> None:
    """Checks of a resolved plan's new nodes that resolution may have skipped (an expression resolved
    as built, such as a cast of a literal): every cast must be one Spark allows."""
    for node in plan.walk():
        for e in node.expressions:
            for x in (e.child.walk() if isinstance(e, SortOrder) else e.walk()):
                if isinstance(x, Cast):
                    check_cast(x)


def _through_aliases(attribute, plan, visible: set):
    """The column a plan shows for ``attribute`` after re-aliasing it (the right side of a
    self-join gets new ids; ``df["x"]`` still names it)."""
    for node in plan.walk():
        if isinstance(node, L.Project):
            for item in node.project_list:
                if isinstance(item, Alias) and isinstance(item.child, AttributeReference) and \
                        item.child.expr_id == attribute.expr_id and item.expr_id in visible:
                    return item.to_attribute()
    return None


class _JoinScope(L.LeafPlan):
    """What a join condition sees: both sides' columns (and each side's plans, for ``df["x"]``)."""

    def __init__(self, left, right):
        super().__init__()
        self.children = (left, right)
        self.plan_id = -1

    @property
    def output(self):
        return list(self.children[0].output) + list(self.children[1].output)


def is_aggregate_call(e) -> bool:
    return isinstance(e, Call) and e.spec.aggregate


def check_pandas_aggregates(items: list) -> None:
    """Spark runs grouped-aggregate pandas UDFs in an operator of their own: mixed with other
    aggregates in one aggregation they are refused."""
    calls = [node for e in items for node in e.walk() if is_aggregate_call(node)]
    pandas = [c for c in calls if "udf" in c.options]
    if pandas and len(pandas) < len(calls):
        names = ", ".join(dict.fromkeys(f"`{c.spec.name}`" for c in pandas))
        raise AnalysisException(errorClass="INVALID_PANDAS_UDF_PLACEMENT", messageParameters={"functionList": names})


def check_aggregate(grouping: list, items: list) -> None:
    """Every column an aggregate's select list reads outside an aggregate function must be grouped
    (Spark's MISSING_AGGREGATION); aggregates may not nest."""
    grouped_keys = {g.semantic_key() for g in grouping}

    def visit(e, inside: bool):
        if is_aggregate_call(e):
            if inside:
                raise AnalysisException(
                    errorClass="NESTED_AGGREGATE_FUNCTION",
                    messageParameters={})
            for c in e.children:
                visit(c, True)
            return
        if not inside and e.semantic_key() in grouped_keys:
            return
        if isinstance(e, AttributeReference) and not inside:
            if not grouping:             # a global aggregate: Spark asks for a GROUP BY
                raise AnalysisException(errorClass="MISSING_GROUP_BY", messageParameters={})
            raise AnalysisException(
                errorClass="MISSING_AGGREGATION",
                messageParameters={"expression": f'"{e.sql()}"',
                                   "expressionAnyValue": f'"any_value({e.sql()})"'})
        for c in e.children:
            visit(c, inside)
    for item in items:
        visit(item.child if isinstance(item, Alias) else item, False)


def _dedupe(attrs):
    seen, out = set(), []
    for a in attrs:
        if a.expr_id not in seen:
            seen.add(a.expr_id)
            out.append(a)
    return out


def named(resolved: Expression, original: Expression) -> Expression:
    """A select-list item as an output column: attributes and aliases stay, anything else is
    aliased with the name Spark gives it (from the expression as the user wrote it)."""
    if isinstance(resolved, (AttributeReference, Alias)):
        return resolved
    name = output_name(original) if isinstance(original, UnresolvedAttribute) else output_name(resolved)
    return Alias(resolved, name)
