"""``pyspark.ml.stat``: correlation matrices, column summaries of vectors and Pearson's chi-squared test.

Contract:
* ``Correlation.corr(df, column, method="pearson")`` is a one-row DataFrame whose one column,
  ``pearson(features)`` (or ``spearman(...)``), holds the correlation matrix. Pearson is one
  distributed pass of centred co-moments over the vectors (``Instances.aggregate``, merged with
  Chan's formulas); a column of zero variance correlates NaN with every other and 1.0 with itself.
  Spearman is Pearson on ranks: each feature is ranked on the executors by a window over the
  exploded values (ties get their average rank) and the ranks are gathered back into vectors.
* ``Summarizer.metrics("mean", ...).summary(col, weightCol)`` and ``Summarizer.mean(col)`` are
  aggregate Columns (use them in ``select`` or ``agg``, grouped or not): partial states per partition
  (weighted centred moments, L1, squared L2, non-zero counts, extremes, per feature) merged after the
  exchange as any SQL aggregate. Rows of weight 0 are skipped, as Spark does.
* ``ChiSquareTest.test(df, featuresCol, labelCol, flatten=False)`` tests each feature against the
  label for independence: the (feature, value, label) counts are aggregated on the executors and
  the contingency tables, at most 10000 categories each, are what the driver sees. p-values are
  Spark's ``1 - CDF`` of the chi-squared distribution, from the regularized incomplete gamma function.
"""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.ml.base import append_columns, require_column
from sparklite.ml.functions import matrix_to_vectors, vector_sizes, vector_to_array, vectors_to_matrix
from sparklite.ml.instances import Instances
from sparklite.ml.linalg import DenseMatrix, DenseVector, MatrixUDT, VectorUDT
from sparklite.sql import functions as F
from sparklite.sql import types as T
from sparklite.sql.builtins.aggregates import Aggregate
from sparklite.sql.builtins.registry import FunctionSpec, register
from sparklite.sql.column import Column
from sparklite.sql.errors import IllegalArgumentException
from sparklite.sql.plan.expressions import Literal, UnresolvedFunction
from sparklite.sql.window import Window

__all__ = ["Correlation", "Summarizer", "SummaryBuilder", "ChiSquareTest", "chi_squared_p_value"]


class _Caller:
    """The name errors give for a statistics function (they are not stages and have no uid)."""

    def __init__(self, uid: str):
        self.uid = uid


# ---- correlation

class Correlation:
    """The correlation matrix of a vector column (Pearson's or Spearman's)."""

    @staticmethod
    def corr(dataset, column: str, method: str = "pearson"):
        if method not in ("pearson", "spearman"):
            raise IllegalArgumentException("Unrecognized method name. Supported correlations: pearson, spearman")
        caller = _Caller("Correlation")
        require_column(caller, dataset, column, VectorUDT)
        source = _ranked(dataset, column) if method == "spearman" else dataset
        matrix = _pearson(source, column, caller)
        name = f"{method}({column})"
        d = matrix.shape[0]
        schema = T.StructType([T.StructField(name, MatrixUDT(), False)])
        return dataset.sparkSession.createDataFrame([(DenseMatrix(d, d, matrix.ravel(order="F")),)], schema)


def _co_moments(chunk):
    n = float(len(chunk))
    mean = chunk.X.mean(axis=0) if n else np.zeros(chunk.X.shape[1])
    centred = chunk.X - mean
    return n, mean, centred.T @ centred


def _merge_co_moments(a, b):
    na, mean_a, ca = a
    nb, mean_b, cb = b
    if not na or not nb:
        return a if na else b
    n = na + nb
    delta = mean_b - mean_a
    return n, mean_a + delta * (nb / n), ca + cb + np.outer(delta, delta) * (na * nb / n)


def _pearson(dataset, column: str, caller) -> np.ndarray:
    with Instances(dataset, caller, column) as data:
        n, _, co_moments = data.aggregate(_co_moments, _merge_co_moments, "Correlation co-moments")
    if n <= 1:
        raise IllegalArgumentException(f"requirement failed: RowMatrix.computeCovariance called on matrix with only "
                                       f"{int(n)} rows.  Cannot compute the covariance of a RowMatrix with <= 1 row.")
    spread = np.sqrt(np.diag(co_moments))
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = co_moments / np.outer(spread, spread)
    matrix[(spread == 0)[:, None] | (spread == 0)[None, :]] = np.nan
    np.fill_diagonal(matrix, 1.0)
    return np.clip(matrix, -1.0, 1.0)


def _ranked(dataset, column: str):
    """``column``'s vectors with every value replaced by its rank within its feature (ties averaged)."""
    values = dataset.select(F.monotonically_increasing_id().alias("row"), vector_to_array(column).alias("values"))
    exploded = values.select("row", F.posexplode("values").alias("feature", "value"))
    by_value = Window.partitionBy("feature").orderBy("value")
    ties = Window.partitionBy("feature", "value")
    ranks = exploded.select("row", "feature", (F.rank().over(by_value) + (F.count(F.lit(1)).over(ties) - 1) / 2.0)
                            .alias("rank"))
    gathered = ranks.groupBy("row").agg(F.collect_list("feature").alias("rank_features"),
                                        F.collect_list("rank").alias("rank_values"))
    field = T.StructField(column, VectorUDT(), False)
    return append_columns(gathered, [field], _scatter_ranks).select(column)


def _scatter_ranks(batch) -> list:
    """Each row's vector of ranks from its (feature, rank) lists, which come in any order."""
    features = batch.column(batch.schema.get_field_index("rank_features"))
    ranks = batch.column(batch.schema.get_field_index("rank_values"))
    lengths = pc.list_value_length(features).to_numpy(zero_copy_only=False)
    matrix = np.zeros((batch.num_rows, int(lengths.max()) if batch.num_rows else 0))
    rows = np.repeat(np.arange(batch.num_rows), lengths)
    matrix[rows, features.flatten().to_numpy(zero_copy_only=False)] = ranks.flatten().to_numpy(zero_copy_only=False)
    return [matrix_to_vectors(matrix)]


# ---- summarizer

_METRICS = ("mean", "sum", "variance", "std", "count", "numNonZeros", "max", "min", "normL2", "normL1")


class Summarizer:
    """Aggregate columns of vector statistics: ``Summarizer.metrics(...).summary(col)`` is a struct of
    the chosen metrics, ``Summarizer.mean(col)`` (and each other metric) one of them."""

    @staticmethod
    def metrics(*metrics: str) -> "SummaryBuilder":
        if not metrics:
            raise IllegalArgumentException("requirement failed: Should include at least one metric")
        for metric in metrics:
            if metric not in _METRICS:
                raise IllegalArgumentException(f"Metric {metric} cannot be found. Valid metrics are "
                                               f"List({', '.join(sorted(_METRICS))})")
        return SummaryBuilder(list(metrics))

    @staticmethod
    def mean(col, weightCol=None) -> Column:
        return _summary_column(["mean"], col, weightCol, single=True)

    @staticmethod
    def sum(col, weightCol=None) -> Column:
        return _summary_column(["sum"], col, weightCol, single=True)

    @staticmethod
    def variance(col, weightCol=None) -> Column:
        return _summary_column(["variance"], col, weightCol, single=True)

    @staticmethod
    def std(col, weightCol=None) -> Column:
        return _summary_column(["std"], col, weightCol, single=True)

    @staticmethod
    def count(col, weightCol=None) -> Column:
        return _summary_column(["count"], col, weightCol, single=True)

    @staticmethod
    def numNonZeros(col, weightCol=None) -> Column:
        return _summary_column(["numNonZeros"], col, weightCol, single=True)

    @staticmethod
    def max(col, weightCol=None) -> Column:
        return _summary_column(["max"], col, weightCol, single=True)

    @staticmethod
    def min(col, weightCol=None) -> Column:
        return _summary_column(["min"], col, weightCol, single=True)

    @staticmethod
    def normL1(col, weightCol=None) -> Column:
        return _summary_column(["normL1"], col, weightCol, single=True)

    @staticmethod
    def normL2(col, weightCol=None) -> Column:
        return _summary_column(["normL2"], col, weightCol, single=True)


class SummaryBuilder:
    """The metrics chosen by ``Summarizer.metrics``; ``summary(col, weightCol)`` is their column."""

    def __init__(self, metrics: list):
        self._metrics = metrics

    def summary(self, featuresCol, weightCol=None) -> Column:
        return _summary_column(self._metrics, featuresCol, weightCol, single=False)


def _as_column(col) -> Column:
    return col if isinstance(col, Column) else F.col(col)


def _summary_column(metrics: list, col, weightCol, single: bool) -> Column:
    weight = F.lit(1.0) if weightCol is None else _as_column(weightCol)
    tag = Literal(("single:" if single else "struct:") + ",".join(metrics), T.StringType())
    return Column(UnresolvedFunction(_FUNCTION, [_as_column(col)._expr, weight._expr, tag]))


def _metric_type(metric: str) -> T.DataType:
    return T.LongType() if metric == "count" else VectorUDT()


def _resolve_summary(args):
    from sparklite.sql.plan import coercion as C
    features, weight, tag = args
    if not isinstance(features.data_type, VectorUDT):
        raise IllegalArgumentException(f"requirement failed: Summarizer needs a column of vectors, but "
                                       f"{features.sql()} is of type {features.data_type.simpleString()}.")
    kind, _, names = tag.value.partition(":")
    metrics = names.split(",")
    if kind == "single":
        result = _metric_type(metrics[0])
    else:
        result = T.StructType([T.StructField(m, _metric_type(m), False) for m in metrics])
    weight = C.cast_to(weight, T.DoubleType())
    return [features, weight, tag], result, False, {"metrics": tuple(metrics), "single": kind == "single"}


def _render_summary(arg_sqls, call) -> str:
    if call.options.get("single"):
        return f"{call.options['metrics'][0]}({arg_sqls[0]})"
    return f"aggregate_metrics({arg_sqls[0]}, {arg_sqls[1]})"


class _Moments:
    """One group's summary: rows, weight and squared-weight sums, and per feature the weighted mean
    (over every row, zeros included), centred second moment, L1, squared L2, non-zeros, max, min."""

    __slots__ = ("count", "weight", "weight_squares", "mean", "m2", "l1", "l2", "nnz", "max", "min")

    @classmethod
    def of(cls, X: np.ndarray, w: np.ndarray) -> "_Moments":
        s = cls.__new__(cls)
        s.count, s.weight, s.weight_squares = float(len(w)), float(w.sum()), float((w * w).sum())
        s.mean = (w @ X) / s.weight if s.weight else np.zeros(X.shape[1])
        centred = X - s.mean
        s.m2, s.l1, s.l2 = w @ (centred * centred), w @ np.abs(X), w @ (X * X)
        s.nnz = (X != 0).sum(axis=0).astype(np.float64)
        s.max = X.max(axis=0) if len(X) else np.full(X.shape[1], -np.inf)
        s.min = X.min(axis=0) if len(X) else np.full(X.shape[1], np.inf)
        return s

    def pack(self) -> list:
        head = [self.count, self.weight, self.weight_squares, float(len(self.mean))]
        return head + np.concatenate([self.mean, self.m2, self.l1, self.l2, self.nnz, self.max, self.min]).tolist()

    @classmethod
    def unpack(cls, values) -> "_Moments":
        s = cls.__new__(cls)
        s.count, s.weight, s.weight_squares, d = values[:4]
        parts = np.asarray(values[4:], dtype=np.float64).reshape(7, int(d))
        s.mean, s.m2, s.l1, s.l2, s.nnz, s.max, s.min = parts
        return s

    def merged(self, other: "_Moments") -> "_Moments":
        if not other.count:
            return self
        if not self.count:
            return other
        if len(self.mean) != len(other.mean):
            raise IllegalArgumentException(f"requirement failed: Dimensions mismatch when merging with another "
                                           f"summarizer. Expecting {len(self.mean)} but got {len(other.mean)}.")
        s = _Moments.__new__(_Moments)
        s.count, s.weight = self.count + other.count, self.weight + other.weight
        s.weight_squares = self.weight_squares + other.weight_squares
        delta = other.mean - self.mean
        s.mean = self.mean + delta * (other.weight / s.weight)
        s.m2 = self.m2 + other.m2 + delta * delta * (self.weight * other.weight / s.weight)
        s.l1, s.l2, s.nnz = self.l1 + other.l1, self.l2 + other.l2, self.nnz + other.nnz
        s.max, s.min = np.maximum(self.max, other.max), np.minimum(self.min, other.min)
        return s

    def metric(self, name: str):
        if name == "count":
            return int(self.count)
        denominator = self.weight - self.weight_squares / self.weight
        variance = np.maximum(self.m2 / denominator, 0.0) if denominator > 0 else np.zeros_like(self.m2)
        value = {"mean": lambda: self.mean, "sum": lambda: self.mean * self.weight, "variance": lambda: variance,
                 "std": lambda: np.sqrt(variance), "numNonZeros": lambda: self.nnz, "max": lambda: self.max,
                 "min": lambda: self.min, "normL2": lambda: np.sqrt(self.l2), "normL1": lambda: self.l1}[name]()
        return VectorUDT().serialize(DenseVector(value))


_EMPTY = _Moments.of(np.zeros((0, 0)), np.zeros(0))


class _SummaryAggregate(Aggregate):
    """The summarizer as a two-phase SQL aggregate; a state is one group's packed ``_Moments``."""

    def update(self, args, groups, call):
        features, weights = args[0], args[1]
        n = len(groups.ids)
        if isinstance(features, pa.ChunkedArray):
            features = features.combine_chunks()
        w = np.full(n, weights.as_py()) if isinstance(weights, pa.Scalar) else \
            weights.to_numpy(zero_copy_only=False).astype(np.float64)
        bad = np.flatnonzero(~(w >= 0))
        if len(bad):
            raise IllegalArgumentException(f"requirement failed: sample weight, {w[bad[0]]} has to be >= 0.0")
        sizes = vector_sizes(features)
        wrong = np.flatnonzero(sizes != sizes[0]) if n else []
        if len(wrong):
            raise IllegalArgumentException(f"requirement failed: Dimensions mismatch when adding new sample. "
                                           f"Expecting {sizes[0]} but got {sizes[wrong[0]]}.")
        X = vectors_to_matrix(features) if n else np.zeros((0, 0))
        kept = w > 0
        order = np.argsort(groups.ids[kept], kind="stable")
        ids, X, w = groups.ids[kept][order], X[kept][order], w[kept][order]
        bounds = np.searchsorted(ids, np.arange(groups.count + 1))
        states = [_Moments.of(X[a:b], w[a:b]).pack() for a, b in zip(bounds[:-1], bounds[1:])]
        return [pa.array(states, pa.list_(pa.float64()))]

    def merge(self, states, groups, call):
        merged = [_EMPTY] * groups.count
        for group, packed in zip(groups.ids.tolist(), states[0].to_pylist()):
            merged[group] = merged[group].merged(_Moments.unpack(packed))
        return [pa.array([s.pack() for s in merged], pa.list_(pa.float64()))]

    def finish(self, states, call):
        metrics, single = call.options["metrics"], call.options["single"]
        values = []
        for packed in states[0].to_pylist():
            summary = _Moments.unpack(packed)
            if not summary.count:
                raise IllegalArgumentException("requirement failed: Nothing has been added to this summarizer.")
            row = [summary.metric(m) for m in metrics]
            values.append(_struct_value(row[0]) if single else
                          {m: _struct_value(v) for m, v in zip(metrics, row)})
        return pa.array(values, T.to_arrow_type(call.data_type))


def _struct_value(value):
    if isinstance(value, tuple):
        return dict(zip(("type", "size", "indices", "values"), value))
    return value


_FUNCTION = "__ml_summarizer"          # "__": an engine function, not listed in the catalog
register(FunctionSpec(_FUNCTION, _resolve_summary, aggregate=True, render=_render_summary,
                      options={"impl": _SummaryAggregate()}))


# ---- chi-squared test

_MAX_CATEGORIES = 10000


class ChiSquareTest:
    """Pearson's independence test of every feature against the label (both categorical)."""

    @staticmethod
    def test(dataset, featuresCol: str, labelCol: str, flatten: bool = False):
        caller = _Caller("ChiSquareTest")
        require_column(caller, dataset, featuresCol, VectorUDT, what="features column")
        require_column(caller, dataset, labelCol, T.NumericType, what="label column")
        long = dataset.select(F.col(labelCol).cast("double").alias("label"),
                              F.posexplode(vector_to_array(featuresCol)).alias("feature", "value"))
        _check_categories(long)
        counts = long.groupBy("feature", "value", "label").count().toArrow()
        results = _chi_squared(counts)
        spark = dataset.sparkSession
        if flatten:
            schema = T.StructType([T.StructField("featureIndex", T.IntegerType(), False),
                                   T.StructField("pValue", T.DoubleType(), False),
                                   T.StructField("degreesOfFreedom", T.IntegerType(), False),
                                   T.StructField("statistic", T.DoubleType(), False)])
            return spark.createDataFrame([(j, p, dof, s) for j, (p, dof, s) in enumerate(results)], schema)
        schema = T.StructType([T.StructField("pValues", VectorUDT(), False),
                               T.StructField("degreesOfFreedom", T.ArrayType(T.IntegerType(), False), False),
                               T.StructField("statistics", VectorUDT(), False)])
        p_values, dofs, statistics = zip(*results) if results else ((), (), ())
        return spark.createDataFrame([(DenseVector(list(p_values)), list(dofs), DenseVector(list(statistics)))],
                                     schema)


def _check_categories(long) -> None:
    """Spark's limit on the distinct values of the label and of each feature, checked before any
    contingency table reaches the driver."""
    sizes = long.groupBy("feature").agg(F.countDistinct("value").alias("values"),
                                        F.countDistinct("label").alias("labels")).toArrow()
    labels = sizes.column("labels").to_numpy()
    if len(labels) and labels.max() > _MAX_CATEGORIES:
        raise IllegalArgumentException(f"Chi-square test expect factors (categorical values) but found more than "
                                       f"{_MAX_CATEGORIES} distinct label values.")
    values = sizes.column("values").to_numpy()
    over = np.flatnonzero(values > _MAX_CATEGORIES)
    if len(over):
        feature = int(sizes.column("feature").to_numpy()[over].min())
        raise IllegalArgumentException(f"Chi-square test expect factors (categorical values) but found more than "
                                       f"{_MAX_CATEGORIES} distinct values in column {feature}.")


def _chi_squared(counts: pa.Table) -> list:
    """(p-value, degrees of freedom, statistic) of each feature, from its (value, label, count) rows."""
    feature = counts.column("feature").to_numpy()
    value, label = counts.column("value").to_numpy(), counts.column("label").to_numpy()
    number = counts.column("count").to_numpy().astype(np.float64)
    results = []
    for j in range(int(feature.max()) + 1 if len(feature) else 0):
        rows = feature == j
        values, value_index = np.unique(value[rows], return_inverse=True)
        labels, label_index = np.unique(label[rows], return_inverse=True)
        table = np.zeros((len(values), len(labels)))
        np.add.at(table, (value_index, label_index), number[rows])
        results.append(_independence(table))
    return results


def _independence(observed: np.ndarray) -> tuple:
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    if dof == 0:
        return 1.0, 0, 0.0
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return chi_squared_p_value(statistic, dof), int(dof), statistic


def chi_squared_p_value(statistic: float, dof: int) -> float:
    """``1 - CDF(statistic)`` of the chi-squared distribution with ``dof`` degrees of freedom."""
    return 1.0 - _regularized_gamma_p(dof / 2.0, statistic / 2.0)


def _regularized_gamma_p(a: float, x: float, eps: float = 1e-15, max_iterations: int = 100_000) -> float:
    """P(a, x), the regularized lower incomplete gamma function: its series below ``a + 1``, one minus
    the continued fraction of Q(a, x) above (where each converges fast)."""
    if x <= 0:
        return 0.0
    if x >= a + 1:
        return 1.0 - _regularized_gamma_q_fraction(a, x, eps, max_iterations)
    term = total = 1.0 / a
    n = 0
    while abs(term) > eps * abs(total) and n < max_iterations:
        n += 1
        term *= x / (a + n)
        total += term
    return min(1.0, math.exp(-x + a * math.log(x) - math.lgamma(a)) * total)


def _regularized_gamma_q_fraction(a: float, x: float, eps: float, max_iterations: int) -> float:
    """Q(a, x) by its continued fraction, evaluated with the modified Lentz method."""
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, max_iterations):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h
