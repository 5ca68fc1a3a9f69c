"""``df.plot``: PySpark 4's plotting API on sparklite DataFrames, drawn with plotly.

Contract: ``PySparkPlotAccessor(df)`` is called as ``df.plot(kind="line", x=..., y=...)`` or through
one method per kind (``line``, ``bar``, ``barh``, ``area``, ``scatter``, ``pie``, ``box``, ``hist``,
``kde``), with PySpark's arguments; the rest of the keywords go to plotly. It returns a
``plotly.graph_objs.Figure``, the same figure PySpark 4.3 draws for the same data. The data reaches
the driver as PySpark brings it:

* bar, barh and pie: the first ``spark.sql.pyspark.plotting.max_rows`` rows (default 1000);
* line, area and scatter: all rows in their order when there are at most that many, else a random
  sample of that many, still in their order;
* box, hist and kde: never the rows, only aggregates computed by DataFrame queries: quartiles
  (``percentile_approx`` at ``precision``), whiskers and up to 1001 outliers per column (box);
  bin counts over ``bins`` equal bins from the columns' common minimum to maximum (hist); the
  Gaussian kernel density at each evaluation point (kde).

plotly and pandas are optional (``pip install 'sparklite[plot]'``): without them the first call
raises an ``ImportError`` saying so. ``backend`` accepts only ``"plotly"``.
"""
from __future__ import annotations

import inspect
import math
import random

from sparklite.sql.column import Column, name_to_expression, to_expression
from sparklite.sql.errors import PySparkTypeError, PySparkValueError
from sparklite.sql.plan.expressions import UnresolvedFunction
from sparklite.sql.types import NumericType

MAX_ROWS_KEY, DEFAULT_MAX_ROWS = "spark.sql.pyspark.plotting.max_rows", "1000"
_FIRST_ROWS_KINDS = ("bar", "barh", "pie")
_SAMPLED_KINDS = ("area", "line", "scatter")
_AGGREGATED_KINDS = ("box", "density", "hist", "kde")
_MAX_FLIERS = 1001


class PySparkPlotAccessor:
    """``df.plot``: call it with a ``kind``, or use the method named after the kind."""

    def __init__(self, data):
        self.data = data

    def __call__(self, kind: str = "line", backend: str | None = None, **kwargs):
        if (backend or "plotly") != "plotly":
            raise PySparkValueError(errorClass="UNSUPPORTED_PLOT_BACKEND",
                                    messageParameters={"backend": backend, "supported_backends": "plotly"})
        _require_plotting()
        if kind == "pie":
            return plot_pie(self.data, **kwargs)
        if kind == "box":
            return plot_box(self.data, **kwargs)
        if kind in ("kde", "density"):
            return plot_kde(self.data, **kwargs)
        if kind == "hist":
            return plot_histogram(self.data, **kwargs)
        import plotly
        if kind in _FIRST_ROWS_KINDS:
            return plotly.plot(first_rows(self.data), kind, **kwargs)
        if kind in _SAMPLED_KINDS:
            return plotly.plot(sampled_rows(self.data), kind, **kwargs)
        raise PySparkValueError(errorClass="UNSUPPORTED_PLOT_KIND", messageParameters={
            "plot_type": kind,
            "supported_plot_types": ", ".join(sorted(_FIRST_ROWS_KINDS + _SAMPLED_KINDS + _AGGREGATED_KINDS))})

    def line(self, x: str, y, **kwargs):
        """Lines of the ``y`` column(s) over ``x``."""
        return self(kind="line", x=x, y=y, **kwargs)

    def bar(self, x: str, y, **kwargs):
        """Vertical bars of the ``y`` column(s) for each ``x``."""
        return self(kind="bar", x=x, y=y, **kwargs)

    def barh(self, x, y, **kwargs):
        """Horizontal bars; as in plotly, ``x`` holds the values and ``y`` the categories."""
        return self(kind="barh", x=x, y=y, **kwargs)

    def scatter(self, x: str, y, **kwargs):
        """One point per row at (``x``, ``y``)."""
        return self(kind="scatter", x=x, y=y, **kwargs)

    def area(self, x: str, y, **kwargs):
        """Stacked areas of the ``y`` column(s) over ``x``."""
        return self(kind="area", x=x, y=y, **kwargs)

    def pie(self, x: str, y: str | None, **kwargs):
        """A pie of column ``y`` labelled by ``x``; ``subplots=True`` draws one pie per numeric column."""
        return self(kind="pie", x=x, y=y, **kwargs)

    def box(self, column=None, **kwargs):
        """A box per numeric column (or the named ones): quartiles, whiskers at ``whis`` (1.5) times
        the interquartile range, outliers; ``precision`` (0.01) sets the quartiles' accuracy."""
        return self(kind="box", column=column, **kwargs)

    def kde(self, bw_method, column=None, ind=None, **kwargs):
        """Gaussian kernel density of the numeric columns with bandwidth ``bw_method``, at ``ind``:
        a list of points, or a count of points (1000 when None) spread over the data's range
        widened by half of it on each side."""
        return self(kind="kde", column=column, bw_method=bw_method, ind=ind, **kwargs)

    def hist(self, column=None, bins: int = 10, **kwargs):
        """One stacked histogram of the numeric columns (or the named ones) over ``bins`` bins."""
        return self(kind="hist", column=column, bins=bins, **kwargs)


def _fn(name: str, *args) -> Column:
    """The SQL function ``name`` of ``args``: Columns as they are, Python values as literals (this
    module sits below ``sparklite.sql.functions``, which imports the session)."""
    return Column(UnresolvedFunction(name, [to_expression(arg) for arg in args]))


def _col(name: str) -> Column:
    return Column(name_to_expression(name))


def _when(condition: Column, value) -> Column:
    return _fn("casewhen", condition, value)


def _require_plotting() -> None:
    try:
        import pandas  # noqa: F401
        import plotly  # noqa: F401
    except ImportError as missing:
        raise ImportError(f"DataFrame.plot draws with plotly and pandas, and {missing.name} is not installed: "
                          f"pip install 'sparklite[plot]'") from missing


def _max_rows(df) -> int:
    return int(df.sparkSession.conf.get(MAX_ROWS_KEY, DEFAULT_MAX_ROWS))


def first_rows(df):
    """The first ``max_rows`` rows as a pandas DataFrame."""
    limit = _max_rows(df)
    return df.limit(limit + 1).toPandas().iloc[:limit]


def sampled_rows(df):
    """At most ``max_rows`` rows picked at random, kept in their order, as a pandas DataFrame."""
    limit = _max_rows(df)
    rand, order = "__sparklite_plot_rand__", "__sparklite_plot_order__"
    seed = random.getrandbits(64) - (1 << 63)
    sample = (df.select("*", _fn("rand", seed).alias(rand), _fn("monotonically_increasing_id").alias(order))
              .sort(rand).limit(limit + 1)
              .coalesce(1).sortWithinPartitions(order)
              .drop(rand, order))
    return sample.toPandas().iloc[:limit]


def numeric_columns(column, df) -> list[str]:
    """The columns a box, hist or kde draws: the named ones, which must be numeric, or every
    numeric column when ``column`` is None."""
    fields = {f.name: f for f in df.schema.fields}
    if column is None:
        names = [name for name, f in fields.items() if isinstance(f.dataType, NumericType)]
        if not names:
            raise ValueError(f"this plot draws numeric columns, and the DataFrame has none "
                             f"({', '.join(f'{n}: {t}' for n, t in df.dtypes)})")
        return names
    names = [column] if isinstance(column, str) else list(column)
    for name in names:
        field = fields.get(name)
        if field is None or not isinstance(field.dataType, NumericType):
            raise PySparkTypeError(errorClass="PLOT_INVALID_TYPE_COLUMN", messageParameters={
                "col_name": name, "valid_types": "NumericType",
                "col_type": type(field.dataType).__name__ if field is not None else "None"})
    return names


def linspace(start: float, stop: float, num: int) -> list[float]:
    """``num`` evenly spaced points from ``start`` to ``stop``, computed as PySpark computes them."""
    if num == 1:
        return [float(start)]
    step = (float(stop) - float(start)) / (num - 1)
    return [start + step * i for i in range(num)]


def _range_of(df) -> tuple:
    """The smallest and largest value over all of ``df``'s columns."""
    lows, highs = [_fn("min", df[c]) for c in df.columns], [_fn("max", df[c]) for c in df.columns]
    if len(df.columns) > 1:
        return tuple(df.select(_fn("least", *lows), _fn("greatest", *highs)).first())
    return tuple(df.select(lows[0], highs[0]).first())


# ---- pie --------------------------------------------------------------------------------------

def plot_pie(df, **kwargs):
    from plotly import express
    pdf = first_rows(df)
    x, y = kwargs.pop("x", None), kwargs.pop("y", None)
    subplots = kwargs.pop("subplots", False)
    if y is None and not subplots:
        raise PySparkValueError(errorClass="UNSUPPORTED_PIE_PLOT_PARAM", messageParameters={})
    values = numeric_columns(y, df)
    if not subplots:
        return express.pie(pdf, values=values[0], names=x, **kwargs)
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=1, cols=len(values), specs=[[{"type": "domain"}] * len(values)])
    for i, name in enumerate(values):
        fig.add_trace(express.pie(pdf, values=name, names=x, **kwargs).data[0], row=1, col=i + 1)
    return fig


# ---- box --------------------------------------------------------------------------------------

def plot_box(df, **kwargs):
    import plotly.graph_objs as go
    whis = kwargs.pop("whis", 1.5)      # matplotlib's name; plotly draws its whiskers where told
    precision = kwargs.pop("precision", 0.01)
    names = numeric_columns(kwargs.pop("column", None), df)
    boxpoints = kwargs.pop("boxpoints", "suspectedoutliers")
    notched = kwargs.pop("notched", False)
    if boxpoints not in ("suspectedoutliers", False):
        raise PySparkValueError(errorClass="UNSUPPORTED_PLOT_BACKEND_PARAM", messageParameters={
            "backend": "plotly", "param": "boxpoints", "value": str(boxpoints),
            "supported_values": "suspectedoutliers, False"})
    if notched:
        raise PySparkValueError(errorClass="UNSUPPORTED_PLOT_BACKEND_PARAM", messageParameters={
            "backend": "plotly", "param": "notched", "value": str(notched), "supported_values": "False"})
    fig = go.Figure()
    for i, (name, stats) in enumerate(zip(names, box_statistics(df, names, whis, precision))):
        fig.add_trace(go.Box(x=[i], name=name, q1=[stats["q1"]], median=[stats["med"]], q3=[stats["q3"]],
                             mean=[stats["mean"]], lowerfence=[stats["lower_whisker"]],
                             upperfence=[stats["upper_whisker"]], y=[stats["fliers"]] if stats["fliers"] else None,
                             boxpoints=boxpoints, notched=notched, **kwargs))
    fig["layout"]["yaxis"]["title"] = "value"
    return fig


def box_statistics(df, names: list[str], whis: float, precision: float) -> list[dict]:
    """Per column: mean, median and quartiles (approximate, to ``precision``), the whiskers (the
    extreme values within ``whis`` interquartile ranges of the box) and the outliers beyond them,
    farthest from the median first (at most 1001; None when there are none)."""
    columns = [df[name] for name in names]
    quartile_columns = []
    for column in columns:
        quartiles = _fn("percentile_approx", column, [0.25, 0.5, 0.75], int(1.0 / precision))
        quartile_columns += [_fn("mean", column)] + [_fn("get", quartiles, i) for i in range(3)]
    row = df.select(*quartile_columns).first()
    stats, whisker_columns = [], []
    for i, column in enumerate(columns):
        mean, q1, med, q3 = row[4 * i:4 * i + 4]
        spread = None if q1 is None or q3 is None else q3 - q1
        low = None if spread is None else q1 - whis * spread
        high = None if spread is None else q3 + whis * spread
        stats.append({"mean": mean, "med": med, "q1": q1, "q3": q3, "low": low, "high": high})
        inside = column.between(low, high)
        whisker_columns += [_fn("max", _when(inside, column)), _fn("min", _when(inside, column))]
    whiskers = df.select(*whisker_columns).first()
    for i, (column, entry) in enumerate(zip(columns, stats)):
        entry["upper_whisker"], entry["lower_whisker"] = whiskers[2 * i], whiskers[2 * i + 1]
        outliers = (df.where(~column.between(entry.pop("low"), entry.pop("high")))
                    .select(_fn("abs", column - entry["med"]).alias("distance"), column.alias("value"))
                    .orderBy(_col("distance").desc(), _col("value").desc())
                    .limit(_MAX_FLIERS).collect())
        entry["fliers"] = [r["value"] for r in outliers] or None
    return stats


# ---- hist -------------------------------------------------------------------------------------

def plot_histogram(df, **kwargs):
    import plotly.graph_objs as go
    names = numeric_columns(kwargs.pop("column", None), df)
    numbers = df.select(*names)
    edges = histogram_edges(numbers, kwargs.get("bins", 10))
    if len(edges) <= 2:
        raise ValueError("a histogram needs at least 2 bins")
    counts = histogram_counts(numbers, edges)
    rounded = [float("%.9f" % edge) for edge in edges]
    labels = [f"[{low}, {high})" for low, high in zip(rounded, rounded[1:])]
    labels[-1] = labels[-1][:-1] + "]"      # the last bin holds its upper edge
    middles = [(low + high) / 2 for low, high in zip(edges, edges[1:])]
    bars = [go.Bar(x=middles, y=series, name=series.name, text=labels,
                   hovertemplate=f"variable={series.name}<br>value=%{{text}}<br>count=%{{y}}")
            for series in counts]
    layout_keys = inspect.signature(go.Layout).parameters
    fig = go.Figure(data=bars, layout=go.Layout(**{k: v for k, v in kwargs.items() if k in layout_keys}))
    fig["layout"]["barmode"] = "stack"
    fig["layout"]["xaxis"]["title"] = "value"
    fig["layout"]["yaxis"]["title"] = "count"
    return fig


def histogram_edges(df, bins: int) -> list[float]:
    """``bins + 1`` edges from the smallest to the largest value of all of ``df``'s columns (a
    constant widens to one unit around it)."""
    low, high = _range_of(df)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return linspace(low, high, bins + 1)


def histogram_counts(df, edges: list[float]) -> list:
    """One pandas Series of bin counts per column of ``df`` (named after it). A value falls in the bin
    whose lower edge it reaches (Spark ML's ``Bucketizer``), the top edge in the last bin; nulls and
    NaNs are not counted. One job: the values of all columns exploded, bucketed and counted."""
    import pandas as pd
    value = _col("__value")
    bucket = Column(to_expression(0))
    for edge in edges[1:-1]:
        bucket = bucket + _when(value >= edge, 1).otherwise(0)
    counted = (df.select(_fn("posexplode", [df[c].cast("double") for c in df.columns])
                         .alias("__column", "__value"))
               .where(value.isNotNull() & ~_fn("isnan", value))
               .groupBy("__column", bucket.alias("__bucket")).count()
               .collect())
    table = [[0] * (len(edges) - 1) for _ in df.columns]
    for row in counted:
        table[row["__column"]][row["__bucket"]] = row["count"]
    return [pd.Series(counts, name=name) for name, counts in zip(df.columns, table)]


# ---- kde --------------------------------------------------------------------------------------

def plot_kde(df, **kwargs):
    import pandas as pd
    from plotly import express
    kwargs.setdefault("color", "names")
    bandwidth = kwargs.pop("bw_method", None)
    if not isinstance(bandwidth, (int, float)) or isinstance(bandwidth, bool):
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={
            "expected_type": "int or float", "arg_name": "bw_method", "arg_type": type(bandwidth).__name__})
    names = numeric_columns(kwargs.pop("column", None), df)
    points = kde_points(df.select(*names), kwargs.pop("ind", None))
    densities = df.select(*[kde_column(df[name], bandwidth, points) for name in names]).first()
    pdf = pd.concat([pd.DataFrame({"Density": density, "names": name, "index": points})
                     for name, density in zip(names, densities)])
    fig = express.line(pdf, x="index", y="Density", **kwargs)
    fig["layout"]["xaxis"]["title"] = None
    return fig


def kde_points(df, ind) -> list[float]:
    """Where the density is evaluated: ``ind`` itself when it is a sequence, else ``ind`` (1000 when
    None) points over the data's range widened by half of it on each side."""
    if ind is not None and not isinstance(ind, int):
        return [float(point) for point in ind]
    low, high = _range_of(df)
    spread = high - low
    return linspace(low - 0.5 * spread, high + 0.5 * spread, 1000 if ind is None else ind)


def kde_column(column, bandwidth, points: list[float]):
    """The mean Gaussian kernel of width ``bandwidth`` at each point, one aggregate per point
    (MLlib's ``KernelDensity``)."""
    bandwidth = float(bandwidth)
    log_norm = math.log(bandwidth) + 0.5 * math.log(2 * math.pi)
    value = column.cast("double")
    densities = []
    for point in points:
        scaled = (value - float(point)) / bandwidth
        densities.append(_fn("avg", _fn("exp", scaled * -0.5 * scaled - log_norm)))
    return _fn("array", *densities)
