"""``DataFrame``: PySpark's distributed table, an analyzed logical plan and the session that runs it.

Contract:
* Every transformation returns a new DataFrame whose plan adds one node over this one's and is
  analyzed at once (names and types are checked when the method is called, as in PySpark).
* Actions plan the query (``QueryExecution``) and run it as jobs of record batches on the core;
  rows reach Python only in ``collect``/``take``/``toLocalIterator`` (as ``Row``s with PySpark's
  Python types), and ``toArrow``/``toPandas`` take the batches as they are.
* ``df["x"]`` / ``df.x`` name a column of this DataFrame even after joins that repeat its name.
"""
from __future__ import annotations

import pyarrow as pa

from sparklite.sql import types as T
from sparklite.sql.column import Column, name_to_expression
from sparklite.sql.conversion import table_to_rows
from sparklite.sql.dataframe_plans import PlanMethods
from sparklite.sql.dataframe_streaming import StreamingMethods
from sparklite.sql.display import show_table
from sparklite.sql.errors import (AnalysisException, IllegalArgumentException, PySparkAttributeError,
                                  PySparkIndexError, PySparkTypeError, PySparkValueError)
from sparklite.sql.execution.physical import zero_column_batch
from sparklite.sql.execution.query import QueryExecution
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import (Alias, AttributeReference, SortOrder, SortOrderExpression,
                                            UnresolvedAttribute, UnresolvedFunction)
from sparklite.sql.repl import eager_eval, html_string


def literal_int(value: int):
    from sparklite.sql.column import literal
    return literal(int(value))


def literal_str(value: str):
    from sparklite.sql.column import literal
    return literal(str(value))


def _columns_arg(cols) -> list:
    """PySpark's ``*cols`` convention: one list stands for its elements."""
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        return list(cols[0])
    return list(cols)


class DataFrame(PlanMethods, StreamingMethods):
    def __init__(self, plan: L.LogicalPlan, session):
        self._plan = plan
        self._session = session
        self._execution = None

    # -- plumbing ---------------------------------------------------------------------------
    def _with(self, plan: L.LogicalPlan) -> "DataFrame":
        return self._session._dataframe(plan)

    def _column_expression(self, col):
        """A column argument: a name (tied to this DataFrame) or a Column."""
        if isinstance(col, Column):
            return col._expr
        if isinstance(col, str):
            return name_to_expression(col)
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                               messageParameters={"expected_type": "Column or str", "arg_name": "col", "arg_type": type(col).__name__})

    @property
    def _query(self) -> QueryExecution:
        if self._execution is None:
            self._execution = QueryExecution(self._session, self._plan)
        return self._execution

    def _collect_table(self) -> pa.Table:
        if not self._plan.output:       # a batch without columns loses its length when pickled: count
            return pa.Table.from_batches([zero_column_batch(self.count())])
        return self._query.collect_table()

    @property
    def sparkSession(self):
        return self._session

    @property
    def rdd(self):
        """The rows as an RDD of ``Row``s."""
        schema = self.schema
        arrow = self._query.schema

        def rows(batches):
            for batch in batches:
                yield from table_to_rows(pa.Table.from_batches([batch], arrow), schema)
        return self._query.to_rdd().mapPartitions(rows)

    # -- metadata ---------------------------------------------------------------------------
    @property
    def schema(self) -> T.StructType:
        return self._plan.schema

    @property
    def columns(self) -> list[str]:
        return [a.name for a in self._plan.output]

    @property
    def dtypes(self) -> list[tuple]:
        return [(f.name, f.dataType.simpleString()) for f in self.schema.fields]

    def printSchema(self, level: int | None = None) -> None:
        print(self.schema.treeString(level) if level is not None else self.schema.treeString())

    def isLocal(self) -> bool:
        return isinstance(self._plan, L.LocalRelation)

    def __repr__(self) -> str:
        """``DataFrame[a: int, ...]``, or with ``spark.sql.repl.eagerEval.enabled`` the ``show()`` text
        of the first rows, unless a notebook already asked for ``_repr_html_`` (``sql/repl.py`` says why)."""
        if not getattr(self, "_support_repr_html", False):
            eager = eager_eval(self._session.conf)
            if eager.enabled:
                return self._show_string(eager.max_num_rows, eager.truncate)
        fields = ", ".join(f"{f.name}: {f.dataType.simpleString()}" for f in self.schema.fields)
        return f"DataFrame[{fields}]"

    def _repr_html_(self) -> str | None:
        """The first rows as an HTML table when ``spark.sql.repl.eagerEval.enabled``, else None
        (Jupyter then shows the ``repr``)."""
        self._support_repr_html = True
        eager = eager_eval(self._session.conf)
        if not eager.enabled:
            return None
        table = self.limit(max(eager.max_num_rows, 0) + 1)._shown_table()
        zone = self._session.conf.get("spark.sql.session.timeZone")
        return html_string(table, eager.max_num_rows, eager.truncate, zone)

    def _shown_table(self) -> pa.Table:
        """The rows to show; a user-defined type's column as its objects' text (``[1.0,2.0]`` for a
        vector), as Spark shows them."""
        table = self._collect_table()
        for index, field in enumerate(self.schema.fields):
            if isinstance(field.dataType, T.UserDefinedType):
                objects = table_to_rows(table.select([index]), T.StructType([field]))
                text = pa.array([None if row[0] is None else str(row[0]) for row in objects], pa.string())
                table = table.set_column(index, field.name, text)
        return table

    def _ipython_key_completions_(self) -> list[str]:
        """The column names, which IPython offers after ``df["``."""
        return self.columns

    @property
    def plot(self):
        """PySpark's plotting API, drawn with plotly: ``df.plot(kind, x=, y=)``, ``df.plot.bar(...)``."""
        from sparklite.sql.plot import PySparkPlotAccessor
        return PySparkPlotAccessor(self)

    def __getitem__(self, item):
        if isinstance(item, str):
            expr = name_to_expression(item, self._plan.plan_id)
            if isinstance(expr, UnresolvedAttribute):
                resolved = self._session.analyzer().resolve_attribute(expr, self._plan)
                if isinstance(resolved, AttributeReference):
                    return Column(UnresolvedAttribute(expr.parts, self._plan.plan_id))
            return Column(expr)
        if isinstance(item, Column):
            return self.filter(item)
        if isinstance(item, (list, tuple)):
            return self.select(*item)
        if isinstance(item, int):
            output = self._plan.output
            if not -len(output) <= item < len(output):
                raise IndexError("list index out of range")
            return Column(UnresolvedAttribute((output[item].name,), self._plan.plan_id))
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                               messageParameters={"expected_type": "Column, float, integer, list or string", "arg_name": "item", "arg_type": type(item).__name__})

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self.columns:
            raise PySparkAttributeError(errorClass="ATTRIBUTE_NOT_SUPPORTED", messageParameters={"attr_name": name})
        return self[name]

    def __dir__(self):
        return sorted(set(super().__dir__()) | {c for c in self.columns if c.isidentifier()})

    # -- projection -------------------------------------------------------------------------
    def select(self, *cols) -> "DataFrame":
        items = []
        for c in _columns_arg(cols):
            if isinstance(c, str):
                items.append(name_to_expression(c))
            elif isinstance(c, Column):
                items.append(c._expr)
            else:
                raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                       messageParameters={"expected_type": "Column or str", "arg_name": "cols", "arg_type": type(c).__name__})
        return self._with(L.Project(items, self._plan))

    def selectExpr(self, *expr) -> "DataFrame":
        from sparklite.sql.plan.sql import parse_expression
        tz = self._session.conf.get("spark.sql.session.timeZone")
        return self.select(*[Column(parse_expression(e, tz)) for e in _columns_arg(expr)])

    def withColumn(self, colName: str, col: Column) -> "DataFrame":
        if not isinstance(col, Column):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column", "arg_name": "col",
                                                      "arg_type": type(col).__name__})
        return self.withColumns({colName: col})

    def withColumns(self, *colsMap) -> "DataFrame":
        if len(colsMap) != 1 or not isinstance(colsMap[0], dict):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "dict", "arg_name": "colsMap",
                                                      "arg_type": type(colsMap[0]).__name__})
        mapping = colsMap[0]
        same = self._name_matcher()
        items, replaced = [], set()
        for a in self._plan.output:
            match = next((k for k in mapping if same(k, a.name)), None)
            if match is None:
                items.append(a)
            else:
                items.append(Alias(mapping[match]._expr, match))
                replaced.add(match)
        items += [Alias(c._expr, name) for name, c in mapping.items() if name not in replaced]
        return self._with(L.Project(items, self._plan))

    def withColumnRenamed(self, existing: str, new: str) -> "DataFrame":
        return self.withColumnsRenamed({existing: new})

    def withColumnsRenamed(self, colsMap: dict) -> "DataFrame":
        if not isinstance(colsMap, dict):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "dict", "arg_name": "colsMap", "arg_type": type(colsMap).__name__})
        same = self._name_matcher()
        items = []
        for a in self._plan.output:
            new = next((v for k, v in colsMap.items() if same(k, a.name)), None)
            items.append(a if new is None else Alias(a, new))
        return self._with(L.Project(items, self._plan))

    def withMetadata(self, columnName: str, metadata: dict) -> "DataFrame":
        same = self._name_matcher()
        if not any(same(columnName, a.name) for a in self._plan.output):
            raise self._session.analyzer().unresolved(UnresolvedAttribute((columnName,)), self._plan)
        items = [Alias(a, a.name, metadata=metadata) if same(columnName, a.name) else a for a in self._plan.output]
        return self._with(L.Project(items, self._plan))

    def drop(self, *cols) -> "DataFrame":
        drop_ids, drop_names = set(), []
        for c in cols:
            if isinstance(c, str):
                drop_names.append(c)
            elif isinstance(c, Column):
                expr = self._session.analyzer().resolve_expression(c._expr, self._plan)
                if isinstance(expr, AttributeReference):
                    drop_ids.add(expr.expr_id)
            else:
                raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                       messageParameters={"expected_type": "Column or str", "arg_name": "col", "arg_type": type(c).__name__})
        same = self._name_matcher()
        keep = [a for a in self._plan.output
                if a.expr_id not in drop_ids and not any(same(n, a.name) for n in drop_names)]
        return self._with(L.Project(keep, self._plan))

    def toDF(self, *cols) -> "DataFrame":
        names = list(cols)
        for name in names:
            if not isinstance(name, str):
                raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                       messageParameters={"arg_name": "cols", "expected_type": "list[str]",
                                                          "arg_type": type(name).__name__})
        output = self._plan.output
        if len(names) != len(output):
            raise AnalysisException(errorClass="ASSIGNMENT_ARITY_MISMATCH",
                                    messageParameters={"numTarget": str(len(names)), "numExpr": str(len(output))})
        return self._with(L.Project([Alias(a, n) for a, n in zip(output, names)], self._plan))

    def alias(self, alias: str) -> "DataFrame":
        return self._with(L.SubqueryAlias(alias, self._plan))

    def transform(self, func, *args, **kwargs) -> "DataFrame":
        result = func(self, *args, **kwargs)
        if not isinstance(result, DataFrame):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"arg_name": "func", "expected_type": "DataFrame",
                                                      "arg_type": type(result).__name__})
        return result

    # -- rows -------------------------------------------------------------------------------
    def filter(self, condition) -> "DataFrame":
        if isinstance(condition, str):
            from sparklite.sql.plan.sql import parse_expression
            expr = parse_expression(condition, self._session.conf.get("spark.sql.session.timeZone"))
        elif isinstance(condition, Column):
            expr = condition._expr
        else:
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column or str", "arg_name": "condition", "arg_type": type(condition).__name__})
        return self._with(L.Filter(expr, self._plan))

    where = filter

    def sample(self, withReplacement=None, fraction=None, seed=None) -> "DataFrame":
        """A random sample: each row kept with probability ``fraction`` (with replacement: repeated
        a Poisson number of times), drawn as Spark draws for a given ``seed``."""
        import random
        if isinstance(withReplacement, (int, float)) and not isinstance(withReplacement, bool):
            withReplacement, fraction, seed = None, withReplacement, fraction
        if fraction is None:
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "float", "arg_name": "fraction",
                                                      "arg_type": "NoneType"})
        if fraction < 0 or (not withReplacement and fraction > 1):
            raise IllegalArgumentException(
                f"requirement failed: Sampling fraction ({float(fraction)}) must be on interval [0, 1] without "
                f"replacement" if not withReplacement else
                f"requirement failed: Sampling fraction ({float(fraction)}) must be nonnegative with replacement")
        seed = random.getrandbits(63) if seed is None else int(seed)
        return self._with(L.Sample(0.0, float(fraction), bool(withReplacement), seed, self._plan))

    def randomSplit(self, weights: list, seed: int | None = None) -> list:
        """DataFrames holding disjoint random parts of the rows, in proportion to ``weights``; each
        partition is sorted first so the split repeats for a seed, as in Spark."""
        import random
        for w in weights:
            if w < 0.0:
                raise PySparkValueError(errorClass="VALUE_NOT_POSITIVE",
                                        messageParameters={"arg_name": "weights", "arg_value": str(w)})
        seed = random.getrandbits(63) if seed is None else int(seed)
        total = sum(weights)
        bounds = [0.0]
        for w in weights:
            bounds.append(bounds[-1] + w / total)
        orderable = [a for a in self._plan.output if not isinstance(a.data_type, (T.MapType,))]
        sorted_plan = L.Sort([SortOrder(a) for a in orderable], False, self._plan) if orderable else self._plan
        return [self._with(L.Sample(lo, hi, False, seed, sorted_plan)) for lo, hi in zip(bounds, bounds[1:])]

    def sampleBy(self, col, fractions: dict, seed: int | None = None) -> "DataFrame":
        """A stratified sample without replacement; see ``DataFrameStatFunctions.sampleBy``."""
        return self.stat.sampleBy(col, fractions, seed)

    def limit(self, num: int) -> "DataFrame":
        if int(num) < 0:
            raise AnalysisException(errorClass="INVALID_LIMIT_LIKE_EXPRESSION.IS_NEGATIVE",
                                    messageParameters={"name": "limit", "expr": f'"{int(num)}"',
                                                       "v": str(int(num))})
        return self._with(L.Limit(int(num), self._plan))

    def offset(self, num: int) -> "DataFrame":
        return self._with(L.Limit(None, self._plan, int(num)))

    def orderBy(self, *cols, ascending=None) -> "DataFrame":
        return self._with(L.Sort(self._sort_orders(cols, ascending), True, self._plan))

    sort = orderBy

    def sortWithinPartitions(self, *cols, ascending=None) -> "DataFrame":
        return self._with(L.Sort(self._sort_orders(cols, ascending), False, self._plan))

    def _sort_orders(self, cols, ascending) -> list:
        cols = _columns_arg(cols)
        if not cols:
            raise PySparkValueError(errorClass="CANNOT_BE_EMPTY", messageParameters={"item": "column"})
        orders = []
        for c in cols:
            if isinstance(c, int) and not isinstance(c, bool):
                if c == 0 or abs(c) > len(self._plan.output):
                    raise PySparkIndexError(errorClass="INDEX_NOT_POSITIVE" if c == 0 else "INDEX_OUT_OF_RANGE",
                                            messageParameters={"arg_name": "ordinal", "index": str(c)})
                a = self._plan.output[abs(c) - 1]
                orders.append(SortOrder(a, c > 0))
                continue
            expr = self._column_expression(c)
            orders.append(expr.to_order() if isinstance(expr, SortOrderExpression) else SortOrder(expr))
        if ascending is not None:
            flags = ascending if isinstance(ascending, list) else [ascending] * len(orders)
            if len(flags) != len(orders):
                raise PySparkValueError(errorClass="LENGTH_SHOULD_BE_THE_SAME",
                                        messageParameters={"arg1": "ascending", "arg2": "cols",
                                                           "arg1_length": str(len(flags)),
                                                           "arg2_length": str(len(orders))})
            orders = [SortOrder(o.child, bool(f)) for o, f in zip(orders, flags)]
        return orders

    # -- aggregation ------------------------------------------------------------------------
    def groupBy(self, *cols):
        from sparklite.sql.group import GroupedData
        grouping = []
        for c in _columns_arg(cols):
            if isinstance(c, int) and not isinstance(c, bool):
                grouping.append(self._plan.output[c - 1])
            else:
                grouping.append(self._column_expression(c))
        return GroupedData(self, grouping)

    groupby = groupBy

    def rollup(self, *cols):
        """Aggregates for each prefix of the columns (and the grand total)."""
        grouped = self.groupBy(*cols)
        n = len(grouped._grouping)
        return type(grouped)(self, grouped._grouping, [list(range(k)) for k in range(n, -1, -1)])

    def cube(self, *cols):
        """Aggregates for every combination of the columns."""
        grouped = self.groupBy(*cols)
        n = len(grouped._grouping)
        sets = [[i for i in range(n) if mask >> (n - 1 - i) & 1] for mask in range((1 << n) - 1, -1, -1)]
        return type(grouped)(self, grouped._grouping, sets)

    def groupingSets(self, groupingSets, *cols):
        """Aggregates for each listed set of columns (``[["a", "b"], ["a"], []]``)."""
        grouped = self.groupBy(*cols)
        keys = [e.sql() for e in grouped._grouping]
        sets = []
        for group in groupingSets:
            members = [self._column_expression(c).sql() for c in group]
            sets.append([keys.index(m) for m in members])
        return type(grouped)(self, grouped._grouping, sets)

    def agg(self, *exprs) -> "DataFrame":
        return self.groupBy().agg(*exprs)

    def distinct(self) -> "DataFrame":
        if self.isStreaming:
            return self.dropDuplicates()
        output = list(self._plan.output)
        return self._with(L.Aggregate(output, output, self._plan))

    def dropDuplicates(self, subset=None) -> "DataFrame":
        if subset is None and not self.isStreaming:
            return self.distinct()
        keys = self._deduplication_keys(subset)
        if self.isStreaming:
            return self._streaming_deduplicate(keys)
        key_ids = {k.expr_id for k in keys}
        items = [a if a.expr_id in key_ids else
                 Alias(UnresolvedFunction("first", [a]), a.name, a.expr_id) for a in self._plan.output]
        return self._with(L.Aggregate(keys, items, self._plan))

    drop_duplicates = dropDuplicates

    def _deduplication_keys(self, subset) -> list:
        """The columns ``subset`` names (all of them when None)."""
        if subset is None:
            return list(self._plan.output)
        if not isinstance(subset, (list, tuple)):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "list or tuple", "arg_name": "subset", "arg_type": type(subset).__name__})
        same, output = self._name_matcher(), self._plan.output
        keys = [next((a for a in output if same(a.name, name)), None) for name in subset]
        if None in keys:
            name, fields = subset[keys.index(None)], ", ".join(a.name for a in output)
            raise AnalysisException(f'Cannot resolve column name "{name}" among ({fields}).', messageParameters={
                "colName": name, "fieldNames": fields}, errorClass="UNRESOLVED_COLUMN_AMONG_FIELD_NAMES")
        return keys

    # -- joins ------------------------------------------------------------------------------
    def join(self, other: "DataFrame", on=None, how: str | None = None) -> "DataFrame":
        """Join with ``other`` on column names (a USING join: each key once, first), a Column
        condition (or a list of them, ANDed), or nothing (a cross join); ``how`` is any of Spark's
        join type names."""
        if not isinstance(other, DataFrame):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "DataFrame", "arg_name": "other",
                                                      "arg_type": type(other).__name__})
        join_type = L.JOIN_TYPES.get((how or "inner").lower().replace(" ", ""))
        if join_type is None:
            raise AnalysisException(
                errorClass="UNSUPPORTED_JOIN_TYPE",
                messageParameters={"typ": how, "supported": "'inner', 'outer', 'full', 'fullouter', 'full_outer', "
                                   "'leftouter', 'left', 'left_outer', 'rightouter', 'right', 'right_outer', "
                                   "'leftsemi', 'left_semi', 'semi', 'leftanti', 'left_anti', 'anti', 'cross'"})
        if isinstance(on, str):
            on = [on]
        if on is None:
            return self._with(L.Join(self._plan, other._plan, "cross" if join_type == "inner" else join_type, None))
        if isinstance(on, (list, tuple)) and on and all(isinstance(c, str) for c in on):
            return self._with(L.Join(self._plan, other._plan, join_type, None, using=list(on)))
        conditions = on if isinstance(on, (list, tuple)) else [on]
        condition = conditions[0]
        for c in conditions[1:]:
            condition = condition & c
        if not isinstance(condition, Column):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column, str or list", "arg_name": "on",
                                                      "arg_type": type(condition).__name__})
        return self._with(L.Join(self._plan, other._plan, join_type, condition._expr))

    def crossJoin(self, other: "DataFrame") -> "DataFrame":
        return self._with(L.Join(self._plan, other._plan, "cross", None))

    def hint(self, name: str, *parameters) -> "DataFrame":
        """``broadcast`` (``broadcastjoin``, ``mapjoin``) marks this side of a join to be broadcast;
        other hints are accepted and ignored, as Spark ignores hints it cannot apply."""
        if name.lower() in ("broadcast", "broadcastjoin", "mapjoin"):
            return self._with(L.ResolvedHint("broadcast", self._plan))
        return self

    def union(self, other: "DataFrame") -> "DataFrame":
        return self._with(L.Union([self._plan, other._plan]))

    unionAll = union

    def intersect(self, other: "DataFrame") -> "DataFrame":
        """Distinct rows present in both (NULLs equal to NULLs), as Spark rewrites INTERSECT."""
        return self._with(L.SetOperation("intersect", self._plan, other._plan))

    def subtract(self, other: "DataFrame") -> "DataFrame":
        """Distinct rows of this DataFrame not in ``other`` (EXCEPT DISTINCT)."""
        return self._with(L.SetOperation("except", self._plan, other._plan))

    def exceptAll(self, other: "DataFrame") -> "DataFrame":
        """Rows of this DataFrame not in ``other``, duplicates kept as many times as they outnumber
        ``other``'s (Spark's rewrite: a union marked +1/-1, summed per row, replicated)."""
        return self._multiset(other, intersect=False)

    def intersectAll(self, other: "DataFrame") -> "DataFrame":
        """Rows in both, each as many times as the smaller count."""
        return self._multiset(other, intersect=True)

    def _multiset(self, other: "DataFrame", intersect: bool) -> "DataFrame":
        def col(name):
            return Column(name_to_expression(name))

        def call(name, *args):
            return Column(UnresolvedFunction(name, [a._expr for a in args]))
        names = [f"c{i}" for i in range(len(self.columns))]
        one, zero = Column(literal_int(1)), Column(literal_int(0))
        left = self.toDF(*names).withColumn("__l", one).withColumn("__r", zero)
        right = other.toDF(*names).withColumn("__l", zero).withColumn("__r", one)
        counts = left.union(right).groupBy(*names).agg(call("sum", col("__l")).alias("__l"),
                                                       call("sum", col("__r")).alias("__r"))
        count = call("least", col("__l"), col("__r")) if intersect else col("__l") - col("__r")
        kept = counts.withColumn("__n", count).filter(col("__n") > 0)
        replicated = kept.select(*names, call("__replicate_rows", col("__n")))
        return replicated.toDF(*self.columns)

    def unionByName(self, other: "DataFrame", allowMissingColumns: bool = False) -> "DataFrame":
        return self._with(L.Union([self._plan, other._plan], by_name=True, allow_missing=allowMissingColumns))

    # -- partitions -------------------------------------------------------------------------
    def repartition(self, numPartitions, *cols) -> "DataFrame":
        if isinstance(numPartitions, (str, Column)):
            cols, numPartitions = (numPartitions,) + cols, None
        if numPartitions is not None and (not isinstance(numPartitions, int) or numPartitions < 1):
            raise PySparkValueError(errorClass="VALUE_NOT_POSITIVE",
                                    messageParameters={"arg_name": "numPartitions", "arg_value": str(numPartitions)})
        keys = [self._column_expression(c) for c in _columns_arg(cols)]
        kind = "hash" if keys else "roundrobin"
        return self._with(L.Repartition(numPartitions, keys, kind, self._plan))

    def repartitionByRange(self, numPartitions, *cols) -> "DataFrame":
        """Range partitioning, as Spark's: bounds from a sample of the sort keys (every row when the
        input is small), each row in the partition of the first bound it does not exceed; the
        partitions read in turn are in the keys' order. With fewer distinct keys than partitions,
        there are fewer partitions."""
        if isinstance(numPartitions, (str, Column)):
            cols, numPartitions = (numPartitions,) + cols, None
        elif not isinstance(numPartitions, int) or isinstance(numPartitions, bool):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column, int or str",
                                                      "arg_name": "numPartitions",
                                                      "arg_type": type(numPartitions).__name__})
        elif numPartitions < 1:
            raise PySparkValueError(errorClass="VALUE_NOT_POSITIVE",
                                    messageParameters={"arg_name": "numPartitions", "arg_value": str(numPartitions)})
        if not cols:
            raise PySparkValueError(errorClass="CANNOT_BE_EMPTY",
                                    messageParameters={"item": "partition-by expression"})
        keys = []
        for c in _columns_arg(cols):
            expr = self._column_expression(c)
            keys.append(expr if isinstance(expr, SortOrderExpression) else SortOrderExpression(expr, True))
        return self._with(L.Repartition(numPartitions, keys, "range", self._plan))

    def coalesce(self, numPartitions: int) -> "DataFrame":
        return self._with(L.Repartition(numPartitions, [], "coalesce", self._plan))

    # -- NULLs and statistics ---------------------------------------------------------------
    @property
    def na(self):
        from sparklite.sql.stat import DataFrameNaFunctions
        return DataFrameNaFunctions(self)

    @property
    def stat(self):
        from sparklite.sql.stat import DataFrameStatFunctions
        return DataFrameStatFunctions(self)

    def fillna(self, value, subset=None) -> "DataFrame":
        return self.na.fill(value, subset)

    def dropna(self, how: str = "any", thresh: int | None = None, subset=None) -> "DataFrame":
        return self.na.drop(how, thresh, subset)

    def replace(self, to_replace, value=None, subset=None) -> "DataFrame":
        return self.na.replace(to_replace, value, subset)

    def describe(self, *cols) -> "DataFrame":
        """count, mean, stddev, min and max of numeric and string columns, as strings."""
        from sparklite.sql.stat import summary
        return summary(self, ["count", "mean", "stddev", "min", "max"], _columns_arg(cols))

    def summary(self, *statistics) -> "DataFrame":
        """The given statistics (default: count, mean, stddev, min, 25%, 50%, 75%, max)."""
        from sparklite.sql.stat import summary
        chosen = list(statistics) or ["count", "mean", "stddev", "min", "25%", "50%", "75%", "max"]
        return summary(self, chosen)

    def corr(self, col1: str, col2: str, method: str | None = None):
        return self.stat.corr(col1, col2, method)

    def cov(self, col1: str, col2: str):
        return self.stat.cov(col1, col2)

    def approxQuantile(self, col, probabilities, relativeError: float):
        return self.stat.approxQuantile(col, probabilities, relativeError)

    def crosstab(self, col1: str, col2: str) -> "DataFrame":
        return self.stat.crosstab(col1, col2)

    def freqItems(self, cols, support: float | None = None) -> "DataFrame":
        return self.stat.freqItems(cols, support)

    # -- actions ----------------------------------------------------------------------------
    def toArrow(self) -> pa.Table:
        return self._collect_table()

    def collect(self) -> list:
        table = self._collect_table()
        # timestamps come back as the process's local wall-clock times, as PySpark returns them
        return table_to_rows(table, self.schema)

    def toLocalIterator(self, prefetchPartitions: bool = False):
        query = self._query
        rdd = query.to_rdd()
        schema, arrow = self.schema, query.schema
        for index in range(rdd.getNumPartitions()):
            (batches,) = query.run(rdd, list, [index])
            if batches:
                yield from table_to_rows(pa.Table.from_batches(batches, arrow), schema)

    def count(self) -> int:
        rdd = self._query.to_rdd()
        return sum(self._query.run(rdd, _count_rows))

    def take(self, num: int) -> list:
        return self.limit(num).collect()

    def head(self, n: int | None = None):
        if n is None:
            rows = self.take(1)
            return rows[0] if rows else None
        return self.take(n)

    def first(self):
        return self.head()

    def tail(self, num: int) -> list:
        rows = self.collect()
        return rows[-num:] if num else []

    def isEmpty(self) -> bool:
        return len(self.take(1)) == 0

    def toPandas(self):
        import pandas  # noqa: F401  (an optional dependency: a clear ImportError when missing)
        table = self._collect_table()
        return table.to_pandas(date_as_object=True)

    def toJSON(self, use_unicode: bool = True):
        import json
        return self.rdd.map(lambda row: json.dumps(row.asDict(recursive=True), default=str, separators=(",", ":")))

    def foreach(self, f) -> None:
        self.rdd.foreach(f)

    def foreachPartition(self, f) -> None:
        self.rdd.foreachPartition(f)

    def show(self, n: int = 20, truncate=True, vertical: bool = False) -> None:
        print(self._show_string(n, truncate, vertical))

    def _show_string(self, n: int = 20, truncate=True, vertical: bool = False) -> str:
        if not isinstance(n, int) or isinstance(n, bool):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={"expected_type": "int", "arg_name": "n",
                                                                             "arg_type": type(n).__name__})
        if not isinstance(vertical, bool):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={"expected_type": "bool", "arg_name": "vertical",
                                                                              "arg_type": type(vertical).__name__})
        table = self.limit(max(n, 0) + 1)._shown_table() if n > 0 else \
            self.limit(1)._shown_table().slice(0, 0)
        tz = self._session.conf.get("spark.sql.session.timeZone")
        return show_table(table, n=max(n, 0), truncate=truncate, vertical=vertical, time_zone=tz)

    def explain(self, extended=None, mode: str | None = None) -> None:
        """Print the plans: ``simple`` (physical), ``extended`` (parsed, analyzed, optimized,
        physical), ``formatted``, ``cost`` or ``codegen``."""
        if isinstance(extended, str):
            mode, extended = extended, None
        if extended is not None and mode is not None:
            raise PySparkValueError(errorClass="CANNOT_SET_TOGETHER",
                                    messageParameters={"arg_list": "extended and mode"})
        print(self._explain_string(mode or ("extended" if extended else "simple")))

    def _explain_string(self, mode: str) -> str:
        mode = mode.lower()
        if mode not in ("simple", "extended", "formatted", "cost", "codegen"):
            raise IllegalArgumentException(f"Unknown explain mode: {mode}. Accepted explain modes are 'simple', "
                                           f"'extended', 'codegen', 'cost', 'formatted'.")
        query = self._query
        physical = "== Physical Plan ==\n" + query.physical.tree_string()
        if mode in ("simple", "codegen", "formatted"):
            return physical + "\n"
        parts = ["== Parsed Logical Plan ==\n" + self._plan.tree_string(),
                 "== Analyzed Logical Plan ==\n" + ", ".join(
                     f"{a.name}: {a.data_type.simpleString()}" for a in self._plan.output) + "\n"
                 + self._plan.tree_string(),
                 "== Optimized Logical Plan ==\n" + query.optimized.tree_string(),
                 physical]
        if mode == "cost":
            parts = [parts[2], physical]
        return "\n\n".join(parts) + "\n"

    # -- reshaping ---------------------------------------------------------------------------
    def unpivot(self, ids, values, variableColumnName: str, valueColumnName: str) -> "DataFrame":
        """Wide to long: one row per (id columns, value column), naming the column and its value
        (the values widen to one type)."""
        ids = [ids] if isinstance(ids, (str, Column)) else list(ids)
        id_columns = [self._column_expression(c) for c in ids]
        id_names = {e.sql() for e in id_columns}
        if values is None:
            values = [a.name for a in self._plan.output if a.name not in id_names]
        values = [values] if isinstance(values, (str, Column)) else list(values)
        if not values:
            raise AnalysisException(errorClass="UNPIVOT_REQUIRES_VALUE_COLUMNS", messageParameters={"ids": ", ".join(
                f"`{n}`" for n in id_names)})
        pairs = []
        for v in values:
            column = v if isinstance(v, Column) else Column(name_to_expression(v))
            name = v if isinstance(v, str) else column._expr.sql()
            pairs += [Column(literal_str(name)), column]
        stacked = Column(UnresolvedFunction("stack", [literal_int(len(values))] + [p._expr for p in pairs]))
        return self.select(*[Column(e) for e in id_columns], stacked.alias(variableColumnName, valueColumnName))

    melt = unpivot

    def checkpoint(self, eager: bool = True) -> "DataFrame":
        """The rows saved in the context's checkpoint directory; the new DataFrame reads them (its
        lineage is cut)."""
        return self._materialized(eager, local=False)

    def localCheckpoint(self, eager: bool = True, storageLevel=None) -> "DataFrame":
        """The rows kept in executor storage; the new DataFrame reads them (its lineage is cut)."""
        return self._materialized(eager, local=True)

    def _materialized(self, eager: bool, local: bool) -> "DataFrame":
        from sparklite.core.api import ColumnarRDD
        rdd = self._query.to_rdd()
        if local:
            rdd.localCheckpoint()
        else:
            rdd.checkpoint()
        if eager:
            rdd.count()
        attributes = [a.new_instance() for a in self._plan.output]
        return self._with(L.RDDRelation(attributes, ColumnarRDD(rdd, rdd.schema)))

    # -- caching ----------------------------------------------------------------------------
    def cache(self) -> "DataFrame":
        return self.persist()

    def persist(self, storageLevel=None) -> "DataFrame":
        self._session._cache_manager.cache(self, storageLevel)
        return self

    def unpersist(self, blocking: bool = False) -> "DataFrame":
        self._session._cache_manager.uncache(self, blocking)
        return self

    @property
    def is_cached(self) -> bool:
        return self._session._cache_manager.lookup(self._plan) is not None

    @property
    def storageLevel(self):
        from sparklite import StorageLevel
        entry = self._session._cache_manager.lookup(self._plan)
        return entry.level if entry is not None else StorageLevel(False, False, False, False, 1)

    # -- writing ----------------------------------------------------------------------------
    @property
    def write(self):
        """A ``DataFrameWriter`` for saving this DataFrame (files, tables)."""
        from sparklite.sql.readwriter import DataFrameWriter
        return DataFrameWriter(self)

    def writeTo(self, table: str):
        """A ``DataFrameWriterV2`` for writing this DataFrame as the table ``table``."""
        from sparklite.sql.readwriter import DataFrameWriterV2
        return DataFrameWriterV2(self, table)

    # -- views ------------------------------------------------------------------------------
    def createTempView(self, name: str) -> None:
        self._session._session_catalog.create_temp_view(name, self._plan, replace=False)

    def createOrReplaceTempView(self, name: str) -> None:
        self._session._session_catalog.create_temp_view(name, self._plan, replace=True)

    registerTempTable = createOrReplaceTempView

    def createGlobalTempView(self, name: str) -> None:
        self._session._session_catalog.create_temp_view(name, self._plan, replace=False, global_view=True)

    def createOrReplaceGlobalTempView(self, name: str) -> None:
        self._session._session_catalog.create_temp_view(name, self._plan, replace=True, global_view=True)

    # -- helpers ----------------------------------------------------------------------------
    def _name_matcher(self):
        if self._session.conf.get_bool("spark.sql.caseSensitive"):
            return lambda a, b: a == b
        return lambda a, b: a.lower() == b.lower()


def arrow_batches(df: DataFrame):
    """The developer API of the libraries above SQL (ml, graph, streaming): ``df``'s rows as a
    ``ColumnarRDD`` whose partitions are iterators of ``pyarrow.RecordBatch`` in ``df``'s columns
    (a cached DataFrame's batches as they are kept)."""
    return df._query.to_rdd()


def _count_rows(batches) -> int:
    return sum(b.num_rows for b in batches)


_count_rows._arrow_only = True      # no per-row Python: the task may run on an executor thread
