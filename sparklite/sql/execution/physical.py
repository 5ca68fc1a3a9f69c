"""Physical operators: each turns its children's RDDs of record batches into its own, on the core's
columnar path (``ColumnarRDD``), with Arrow kernels on whole batches.

Contract:
* A ``SparkPlan`` has ``children``, ``output`` (attributes, in the order of its batches' columns)
  and ``execute(ctx) -> ColumnarRDD``; ``ctx`` is the ``ExecutionContext`` of one query (the
  SparkContext, the session's time zone and configuration).
* Batches carry the output attributes' names (duplicates allowed) and their Arrow types; an
  operator reads its input columns by ordinal, bound once at planning (``bind``).
* Narrow operators (project, filter, local limit) run as ``arrow_only`` batch functions, so in
  ``local[N]`` they stay on executor threads; the only per-row Python is a Python UDF's.
* ``node_string`` and ``tree_string`` draw the physical plan as ``explain()`` prints it.
* With ``ctx.row_counters``, every node's ``execute`` counts the rows its batches carry into the
  node's accumulator (the SQL tab's "number of output rows"): one Arrow-only map per node.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sparklite.core.api import ColumnarRDD
from sparklite.sql import types as T
from sparklite.sql.execution.evaluate import evaluate_array, runs_python
from sparklite.sql.plan.expressions import AttributeReference, BoundReference, Expression


@dataclass
class ExecutionContext:
    sc: object
    time_zone: str
    conf: object
    row_counters: dict | None = None    # id(plan node) -> Accumulator of the rows it outputs (the UI's SQL tab)

    @property
    def shuffle_partitions(self) -> int:
        return int(self.conf.get("spark.sql.shuffle.partitions"))


def bind(expr: Expression, inputs: list[AttributeReference]) -> Expression:
    """Replace attribute references with the ordinal of their column in ``inputs``."""
    ordinals = {a.expr_id: i for i, a in enumerate(inputs)}

    def rule(node):
        if isinstance(node, AttributeReference):
            if node.expr_id not in ordinals:
                raise RuntimeError(f"attribute {node.explain_string()} is not among the input "
                                   f"{[a.explain_string() for a in inputs]}")
            return BoundReference(ordinals[node.expr_id], node.data_type, node.nullable)
        return node
    return expr.transform_up(rule)


def arrow_schema(attributes: list[AttributeReference]) -> pa.Schema:
    return pa.schema([pa.field(a.name, T.to_arrow_type(a.data_type), a.nullable) for a in attributes])


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array([], f.type) for f in schema], schema=schema)


def zero_column_batch(num_rows: int) -> pa.RecordBatch:
    """A batch of ``num_rows`` rows and no columns (``SELECT`` of nothing still counts rows)."""
    return pa.RecordBatch.from_struct_array(pa.array([{}] * num_rows, pa.struct([])))


def attr_list(attrs) -> str:
    return "[" + ", ".join(a.explain_string() if isinstance(a, AttributeReference) else a.sql()
                           for a in attrs) + "]"


def _counting_rows(execute):
    """``execute`` whose output batches add their row counts to the node's counter in ``ctx``, when the
    query keeps them; only the most derived class's ``execute`` counts, so a ``super().execute`` adds
    nothing twice."""
    @functools.wraps(execute)
    def counted(self, ctx):
        rdd = execute(self, ctx)
        counter = ctx.row_counters.get(id(self)) if ctx.row_counters else None
        if counter is None or type(self).execute is not counted:
            return rdd

        def count(batch):
            counter.add(batch.num_rows)
            return batch
        return rdd.map_batches(count, preservesPartitioning=True, arrow_only=True)
    return counted


class SparkPlan:
    children: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "execute" in cls.__dict__:
            cls.execute = _counting_rows(cls.__dict__["execute"])

    def walk(self):
        """This node and every node below it, parents first, children in order (``tree_string``'s order)."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def output(self) -> list[AttributeReference]:
        raise NotImplementedError

    def execute(self, ctx: ExecutionContext) -> ColumnarRDD:
        raise NotImplementedError

    @property
    def schema(self) -> pa.Schema:
        return arrow_schema(self.output)

    def node_string(self) -> str:
        return type(self).__name__

    def tree_string(self) -> str:
        lines: list[str] = []
        self._tree_lines(lines, [])
        return "\n".join(lines)

    def _tree_lines(self, lines, last_flags):
        prefix = ""
        if last_flags:
            prefix = "".join("   " if last else ":  " for last in last_flags[:-1])
            prefix += "+- " if last_flags[-1] else ":- "
        lines.append(prefix + self.node_string())
        for i, child in enumerate(self.children):
            child._tree_lines(lines, last_flags + [i == len(self.children) - 1])


class LocalTableScanExec(SparkPlan):
    def __init__(self, output, table: pa.Table, num_slices: int | None):
        self._output, self.table, self.num_slices = list(output), table, num_slices

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        table = self.table.rename_columns([a.name for a in self._output]).cast(self.schema)
        # Spark's LocalTableScanExec: at most one partition per row, at most defaultParallelism
        slices = self.num_slices or min(max(table.num_rows, 1), ctx.sc.defaultParallelism)
        return ColumnarRDD.from_table(ctx.sc, table, slices)

    def node_string(self):
        return f"LocalTableScan {attr_list(self._output)}"


class ExistingRDDExec(SparkPlan):
    def __init__(self, output, rdd, description: str | None = None):
        self._output, self.rdd, self.description = list(output), rdd, description

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        return self.rdd

    def node_string(self):
        return self.description or f"Scan ExistingRDD {attr_list(self._output)}"


def _range_partition(spec):
    """The batches of one range partition: ``spec`` is (first, count, step)."""
    first, count, step = spec
    chunk = 1 << 20
    for offset in range(0, count, chunk):
        n = min(chunk, count - offset)
        values = first + (offset + np.arange(n, dtype=np.int64)) * step
        yield pa.record_batch([pa.array(values, pa.int64())], names=["id"])


class RangeExec(SparkPlan):
    def __init__(self, output, start: int, end: int, step: int, num_slices: int | None):
        self._output, self.start, self.end, self.step, self.num_slices = list(output), start, end, step, num_slices

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        n = self.num_slices or ctx.sc.defaultParallelism
        total = len(range(self.start, self.end, self.step))
        specs = []
        for i in range(n):
            a, b = (i * total) // n, ((i + 1) * total) // n
            specs.append((self.start + a * self.step, b - a, self.step))
        schema = self.schema
        source = ColumnarRDD(ctx.sc.parallelize(specs, n), schema)
        name = self._output[0].name

        def batches(parts):
            for spec in parts:
                for batch in _range_partition(spec):
                    yield batch.rename_columns([name]).cast(schema)
        return source.map_partitions(batches, schema=schema, arrow_only=True)

    def node_string(self):
        return f"Range ({self.start}, {self.end}, step={self.step}, splits={self.num_slices})"


class ProjectFilterExec(SparkPlan):
    """A filter and/or a projection over one child, fused into one pass per batch (Spark's
    whole-stage codegen fuses the same pair)."""

    def __init__(self, project_list: list | None, condition: Expression | None, child: SparkPlan):
        self.project_list, self.condition, self.children = project_list, condition, (child,)

    @property
    def output(self):
        if self.project_list is None:
            return self.children[0].output
        from sparklite.sql.plan.expressions import to_attribute
        return [to_attribute(e) for e in self.project_list]

    def execute(self, ctx):
        child = self.children[0]
        inputs = child.output
        condition = bind(self.condition, inputs) if self.condition is not None else None
        projections = [bind(e, inputs) for e in self.project_list] if self.project_list is not None else None
        schema = self.schema

        def run(batch: pa.RecordBatch) -> pa.RecordBatch:
            if condition is not None:
                mask = evaluate_array(condition, batch)
                if mask.null_count:
                    mask = mask.fill_null(False)
                batch = batch.filter(mask)
            if projections is None:
                return batch
            columns = [evaluate_array(e, batch) for e in projections]
            columns = [c if c.type == f.type else c.cast(f.type) for c, f in zip(columns, schema)]
            if not columns:
                return zero_column_batch(batch.num_rows)
            return pa.RecordBatch.from_arrays(columns, schema=schema)
        python = runs_python([self.condition] + list(self.project_list or []))
        return child.execute(ctx).map_batches(run, schema=schema, arrow_only=not python)

    def node_string(self):
        parts = []
        if self.project_list is not None:
            parts.append(f"Project {attr_list(self.project_list)}")
        if self.condition is not None:
            parts.append(f"Filter {self.condition.sql()}")
        return " <- ".join(parts)

    def _tree_lines(self, lines, last_flags):
        # drawn as Spark draws the two operators: Project above Filter
        if self.project_list is not None and self.condition is not None:
            project = ProjectFilterExec(self.project_list, None, _Drawn(ProjectFilterExec(None, self.condition,
                                                                                          self.children[0])))
            project._tree_lines(lines, last_flags)
            return
        lines_before = len(lines)
        super()._tree_lines(lines, last_flags)
        lines[lines_before] = lines[lines_before].replace(" <- ", "")


class _Drawn(SparkPlan):
    """Holds an operator only to draw it under another."""

    def __init__(self, plan):
        self.plan = plan
        self.children = plan.children

    def node_string(self):
        return self.plan.node_string()


class LimitExec(SparkPlan):
    """The first ``limit`` rows (after ``offset``), in partition order: each partition keeps its
    first rows, then one partition takes the global first ones."""

    def __init__(self, limit: int | None, offset: int, child: SparkPlan):
        self.limit, self.offset, self.children = limit, offset, (child,)

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        child_rdd = self.children[0].execute(ctx)
        schema = self.schema
        keep = None if self.limit is None else self.limit + self.offset

        def first_rows(batches, count=keep):
            taken = 0
            for batch in batches:
                if count is not None and taken >= count:
                    break
                if count is not None and taken + batch.num_rows > count:
                    batch = batch.slice(0, count - taken)
                taken += batch.num_rows
                yield batch
        local = child_rdd.map_partitions(first_rows, schema=schema, arrow_only=True) if keep is not None \
            else child_rdd
        single = ColumnarRDD(local.coalesce(1), schema)
        offset, limit = self.offset, self.limit

        def window(batches):
            skipped, taken = 0, 0
            for batch in batches:
                if skipped < offset:
                    drop = min(offset - skipped, batch.num_rows)
                    skipped += drop
                    batch = batch.slice(drop)
                if limit is not None:
                    if taken >= limit:
                        break
                    batch = batch.slice(0, limit - taken)
                taken += batch.num_rows
                if batch.num_rows:
                    yield batch
        return single.map_partitions(window, schema=schema, arrow_only=True)

    def node_string(self):
        if self.offset and self.limit is not None:
            return f"GlobalLimit {self.limit}, {self.offset}"
        if self.offset:
            return f"CollectLimit -1, {self.offset}"
        return f"GlobalLimit {self.limit}, 0"


class UnionExec(SparkPlan):
    def __init__(self, children: list[SparkPlan], output):
        self.children, self._output = tuple(children), list(output)

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        schema = self.schema
        rdds = [c.execute(ctx).map_batches(lambda b, s=schema: pa.RecordBatch.from_arrays(
            [col if col.type == f.type else col.cast(f.type) for col, f in zip(b.columns, s)], schema=s),
            schema=schema, arrow_only=True) for c in self.children]
        return ColumnarRDD(ctx.sc.union(rdds), schema)

    def node_string(self):
        return "Union"


class CoalesceExec(SparkPlan):
    def __init__(self, num_partitions: int, child: SparkPlan):
        self.num_partitions, self.children = num_partitions, (child,)

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        rdd = self.children[0].execute(ctx)
        if rdd.getNumPartitions() <= self.num_partitions:
            return rdd
        return ColumnarRDD(rdd.coalesce(self.num_partitions), self.schema)

    def node_string(self):
        return f"Coalesce {self.num_partitions}"


class OneRowExec(SparkPlan):
    """One row of no columns, in one partition (``SELECT 1``)."""

    @property
    def output(self):
        return []

    def execute(self, ctx):
        # made inside the task: a batch without columns loses its row count when pickled
        one = ColumnarRDD(ctx.sc.parallelize([1], 1), pa.schema([]))
        return one.map_partitions(lambda parts: (zero_column_batch(n) for n in parts), schema=pa.schema([]),
                                  arrow_only=True)

    def node_string(self):
        return "Scan OneRowRelation[]"


class InMemoryTableScanExec(SparkPlan):
    """Reads a cached DataFrame's batches; the first query computes and persists them."""

    def __init__(self, entry, cached_plan: SparkPlan):
        self.entry, self.cached_plan = entry, cached_plan

    @property
    def output(self):
        return self.entry.plan.output

    def execute(self, ctx):
        if self.entry.rdd is None:      # named as Spark's storage tab names a cached DataFrame
            name = f"In-memory table {self.entry.table}" if self.entry.table else self.cached_plan.tree_string()
            self.entry.rdd = self.cached_plan.execute(ctx).setName(name).persist(self.entry.level)
        return self.entry.rdd

    def node_string(self):
        return f"InMemoryTableScan {attr_list(self.output)}"


def _read_splits(source, columns, schema):
    def read(splits):
        for split in splits:
            for batch in source.read(split, columns):
                yield batch if batch.schema == schema else pa.RecordBatch.from_arrays(
                    [c if c.type == f.type else c.cast(f.type) for c, f in zip(batch.columns, schema)],
                    schema=schema)
    return read


class DataSourceScanExec(SparkPlan):
    """One task per split of a data source; each reads its split as record batches."""

    def __init__(self, output, source, columns):
        self._output, self.source, self.columns = list(output), source, columns

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        splits = list(self.source.splits())
        schema = self.schema
        names = [a.name for a in self._output] if self.columns is None else self.columns
        if not splits:
            return ColumnarRDD.from_batches(ctx.sc, [empty_batch(schema)], 1)
        source = ColumnarRDD(ctx.sc.parallelize(splits, len(splits)), schema)
        return source.map_partitions(_read_splits(self.source, names, schema), schema=schema,
                                     arrow_only=self.source.arrow_only)

    def node_string(self):
        pushed = getattr(self.source, "filters", None)
        text = f"FileScan {self.source.description} {attr_list(self._output)}"
        return text + (f", PushedFilters: [{', '.join(f'{c} {op} {v}' for c, op, v in pushed)}]" if pushed else "")


class GenerateExec(SparkPlan):
    """Each input row repeated for every row its generator makes, with the generated columns."""

    def __init__(self, generator, generator_output, child: SparkPlan, child_output: list | None = None):
        self.generator, self.generator_output, self.children = generator, list(generator_output), (child,)
        self.child_output = list(child.output if child_output is None else child_output)

    @property
    def output(self):
        return self.child_output + self.generator_output

    def execute(self, ctx):
        child = self.children[0]
        call = bind(self.generator, child.output)
        generate = call.spec.options["generator"][1]
        schema = self.schema
        passed = {a.expr_id for a in self.child_output}
        positions = [i for i, a in enumerate(child.output) if a.expr_id in passed]

        def run(batch):
            values = [evaluate_array(a, batch) for a in call.children]
            parent, columns = generate(values, batch.num_rows, call)
            kept = []
            if positions:
                index = parent() if callable(parent) else pa.array(parent, pa.int64())
                kept = [batch.column(i).take(index) for i in positions]
            out = kept + list(columns)
            return pa.RecordBatch.from_arrays([c if c.type == f.type else c.cast(f.type)
                                               for c, f in zip(out, schema)], schema=schema)
        return child.execute(ctx).map_batches(run, schema=schema, arrow_only=True)

    def node_string(self):
        return f"Generate {self.generator.sql()}, {attr_list(self.children[0].output)}, false, " \
               f"{attr_list(self.generator_output)}"


class ExpandExec(SparkPlan):
    """Each batch once per projection, concatenated (ROLLUP, CUBE, GROUPING SETS)."""

    def __init__(self, projections: list, attributes: list, child: SparkPlan):
        self.projections, self._output, self.children = projections, list(attributes), (child,)

    @property
    def output(self):
        return self._output

    def execute(self, ctx):
        child = self.children[0]
        projections = [[bind(e, child.output) for e in p] for p in self.projections]
        schema = self.schema

        def run(batches):
            for batch in batches:
                for projection in projections:
                    columns = [evaluate_array(e, batch) for e in projection]
                    yield pa.RecordBatch.from_arrays([c if c.type == f.type else c.cast(f.type)
                                                      for c, f in zip(columns, schema)], schema=schema)
        return child.execute(ctx).map_partitions(run, schema=schema, arrow_only=True)

    def node_string(self):
        return f"Expand {len(self.projections)} projections, {attr_list(self._output)}"


class SampleExec(SparkPlan):
    """Spark's BernoulliCellSampler: a row stays when its draw is in [lower, upper); with
    replacement, Spark's Poisson sampler repeats a row as many times as its draw says."""

    def __init__(self, lower: float, upper: float, with_replacement: bool, seed: int, child: SparkPlan):
        self.lower, self.upper, self.with_replacement, self.seed = lower, upper, with_replacement, seed
        self.children = (child,)

    @property
    def output(self):
        return self.children[0].output

    def execute(self, ctx):
        from sparklite.core.api import TaskContext
        from sparklite.sql.builtins.mathfuncs import SparkRandom
        from sparklite.sql.execution.poisson import PoissonSampler, partition_seeds
        lower, upper, seed, replace = self.lower, self.upper, self.seed, self.with_replacement
        schema = self.schema

        def run(batches):
            context = TaskContext.get()
            partition = context.partitionId() if context else 0
            rng = SparkRandom(seed + partition)
            if replace:
                sampler = PoissonSampler(upper - lower, partition_seeds(seed, partition + 1)[partition])
            for batch in batches:
                if replace:
                    counts = np.array([sampler.sample() for _ in range(batch.num_rows)], np.int64)
                    yield batch.take(pa.array(np.repeat(np.arange(batch.num_rows), counts)))
                    continue
                if upper - lower >= 1.0:
                    yield batch
                    continue
                draws = np.array([rng.nextDouble() for _ in range(batch.num_rows)])    # sequential by nature
                yield batch.filter(pa.array((draws >= lower) & (draws < upper)))
        return self.children[0].execute(ctx).map_partitions(run, schema=schema, arrow_only=True)

    def node_string(self):
        return f"Sample {self.lower}, {self.upper}, {str(self.with_replacement).lower()}, {self.seed}"
