"""One query's life after analysis: optimize, plan, run on the core, collect (Spark's
``QueryExecution``).

Contract: ``QueryExecution(session, analyzed)`` gives the ``optimized`` logical plan, the
``physical`` plan and ``to_rdd()`` (a ``ColumnarRDD`` whose batches have the analyzed output's
names and Arrow types). ``collect_table(limit=None)`` runs it as one SQL execution: the jobs carry
``spark.sql.execution.id`` and the listener bus hears ``SQLExecutionStart``/``End`` (described by the
job description when set, else the SQL text the plan came from, else its root). A SQL error
raised inside a task (``DIVIDE_BY_ZERO``, ``CAST_INVALID_INPUT``, ...) reaches the caller as
itself, as PySpark raises it, not wrapped in a job failure.
"""
from __future__ import annotations

import contextlib
import itertools
import time
import weakref

import pyarrow as pa

from sparklite import SparkJobError
from sparklite.core.api import SQLExecutionEnd, SQLExecutionStart, post_event, run_job
from sparklite.errors import PySparkException
from sparklite.sql.conversion import table_to_rows
from sparklite.sql.execution.physical import ExecutionContext, arrow_schema
from sparklite.sql.execution.planner import plan_physical
from sparklite.sql.errors import SparkRuntimeException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Call, Cast, Literal, SubqueryExpression
from sparklite.sql.plan.optimizer import optimize
from sparklite.sql.plan.streaming import check_batch_use

_execution_ids = itertools.count()


class QueryExecution:
    def __init__(self, session, analyzed):
        self.session, self.analyzed = session, analyzed
        self._optimized = self._physical = None

    @property
    def optimized(self):
        if self._optimized is None:
            plan = optimize(self.session._cache_manager.use_cached(self.analyzed))
            now, zone = _now_micros(), self.session.conf.get("spark.sql.session.timeZone")
            self._optimized = plan.transform_up(lambda node: node.transform_expressions(
                lambda e: _in_session(self._scalar_value(e), now, zone)))
        return self._optimized

    def _scalar_value(self, e):
        """An uncorrelated scalar subquery runs first; its one value (NULL for no row) stands in."""
        if not (isinstance(e, SubqueryExpression) and e.kind == "scalar" and not e.outer_references()):
            return e
        table = QueryExecution(self.session, e.plan).collect_table()
        if table.num_rows > 1:
            raise SparkRuntimeException(errorClass="SCALAR_SUBQUERY_TOO_MANY_ROWS", messageParameters={})
        value = table.column(0)[0].as_py() if table.num_rows else None
        return Literal(value, e.data_type)

    @property
    def physical(self):
        if self._physical is None:
            self._physical = plan_physical(self.optimized, self.session.conf)
        return self._physical

    @property
    def schema(self) -> pa.Schema:
        return arrow_schema(self.analyzed.output)

    def context(self, row_counters: dict | None = None) -> ExecutionContext:
        conf = self.session.conf
        return ExecutionContext(self.session.sparkContext, conf.get("spark.sql.session.timeZone"), conf, row_counters)

    def to_rdd(self):
        """The physical plan's RDD; each node counts the rows it outputs, which ``run`` reports."""
        check_batch_use(self.analyzed)
        sc = self.session.sparkContext
        nodes = list(self.physical.walk())
        counters = {id(node): sc.accumulator(0) for node in nodes}
        rdd = self.physical.execute(self.context(counters))
        _row_counts[rdd] = (nodes, counters)
        return rdd

    def collect_table(self, partitions=None) -> pa.Table:
        """Every row (or those of the chosen partitions), as one Arrow table."""
        with _sql_errors():                  # planning may run jobs (a sort's sampling, a broadcast)
            rdd = self.to_rdd()
        batches = self.run(rdd, _merged_batches, partitions)
        schema = self.schema
        flat = [b for part in batches for b in part if b.num_rows]
        if not flat:
            return schema.empty_table()
        table = pa.Table.from_batches([_conform(b, schema) for b in flat], schema)
        return table

    def run(self, rdd, func, partitions=None) -> list:
        sc = self.session.sparkContext
        execution_id = str(next(_execution_ids))
        description = (sc.getLocalProperty("spark.job.description")
                       or self.session._sql_texts.get(self.analyzed.plan_id) or self.analyzed.node_string())
        nodes, counters = _row_counts.get(rdd, ([], {}))
        post_event(sc, SQLExecutionStart(execution_id, description, self.physical.tree_string(), time.time(),
                                         plan_nodes(nodes)))
        error = None
        try:
            with _sql_errors():
                result = run_job(sc, rdd, func, partitions, {"spark.sql.execution.id": execution_id})
            record_metrics(self.session, self.analyzed)
            return result
        except Exception as failure:
            error = str(failure)
            raise
        finally:
            rows = {i: counters[id(node)].value for i, node in enumerate(nodes)}
            post_event(sc, SQLExecutionEnd(execution_id, time.time(), error, rows))


# the RDD of a ``to_rdd`` -> (its plan's nodes, their row counters), while the RDD lives
_row_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def plan_nodes(nodes: list) -> list[dict]:
    """A physical plan (its nodes as ``walk`` gives them) as the SQL tab draws it: per node its index,
    operator name, description and the indexes of its children."""
    index = {id(node): i for i, node in enumerate(nodes)}
    return [{"id": i, "name": type(node).__name__.removesuffix("Exec"), "detail": node.node_string(),
             "children": [index[id(c)] for c in node.children if id(c) in index]}
            for i, node in enumerate(nodes)]


@contextlib.contextmanager
def _sql_errors():
    """A SQL error raised inside a task reaches the caller as itself, not as the job's failure."""
    try:
        yield
    except SparkJobError as failure:
        if isinstance(failure.__cause__, PySparkException):
            raise failure.__cause__ from None
        raise


def _merged_batches(batches) -> list:
    """A partition's batches, merged into one where their schemas agree: each batch of a task's result
    is pickled on its own, which costs a lot for the many small batches of a shuffle's output."""
    batches = [b for b in batches if b.num_rows]
    if len(batches) <= 1:
        return batches
    try:
        return pa.Table.from_batches(batches).combine_chunks().to_batches()
    except pa.ArrowInvalid:
        return batches


_merged_batches._arrow_only = True        # Arrow kernels only: the task may run on an executor thread


def _now_micros() -> int:
    return time.time_ns() // 1000


def _in_session(e, now: int, zone: str):
    """What a query fixes before it runs: the session time zone of casts and zone-aware functions,
    and one instant for current_timestamp() and its kin (Spark's ComputeCurrentTime)."""
    if isinstance(e, Cast) and e.time_zone is None:
        return Cast(e.children[0], e.to, e.mode, zone, e.implicit, e.literal_text, e.keeps_name)
    if isinstance(e, Call):
        options = e.spec.options
        extra = {}
        if options.get("needs_time_zone") and "time_zone" not in e.options:
            extra["time_zone"] = zone
        if options.get("needs_current_time") and e.options.get("now") != now:
            extra["now"] = now
        if extra:
            return Call(e.spec, e.children, e.data_type, e.nullable, dict(e.options, **extra))
    return e


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    if batch.schema == schema:
        return batch
    columns = [c if c.type == f.type else c.cast(f.type) for c, f in zip(batch.columns, schema)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def record_metrics(session, plan: L.LogicalPlan) -> None:
    """After an action: the metrics of every observation (``df.observe``) in ``plan`` not yet
    recorded, aggregated over the observed node's input."""
    for node in plan.walk():
        if isinstance(node, L.CollectMetrics) and node.observation is not None and \
                not node.observation._recorded.is_set():
            aggregate = L.Aggregate([], node.metrics, node.child)
            table = QueryExecution(session, aggregate).collect_table()
            node.observation._record(table_to_rows(table, aggregate.schema)[0].asDict())
