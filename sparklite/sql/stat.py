"""``df.na`` and ``df.stat``: filling, dropping and replacing NULLs; correlation, covariance,
quantiles, cross tabulations; and ``describe``/``summary`` (``pyspark.sql.DataFrameNaFunctions``,
``DataFrameStatFunctions``).

Contract: every method builds an ordinary DataFrame plan (projections with ``coalesce``/``CASE``,
filters, aggregates), so it runs on the engine like any query; the results keep PySpark's column
order, names and types (a fill value is cast to each column's type; ``describe`` gives strings).
"""
from __future__ import annotations

import math
import sys

from sparklite.sql import types as T
from sparklite.sql.column import Column, literal, name_to_expression
from sparklite.sql.errors import IllegalArgumentException, PySparkTypeError, PySparkValueError
from sparklite.sql.plan.expressions import Cast, Literal, UnresolvedAttribute, UnresolvedFunction


def _col(name: str) -> Column:
    return Column(name_to_expression(f"`{name}`" if "." in name else name))


def _call(name: str, *args) -> Column:
    return Column(UnresolvedFunction(name, [a._expr if isinstance(a, Column) else literal(a) for a in args]))


def _fits(value, data_type) -> bool:
    """Whether PySpark's fill/replace applies ``value`` to a column of ``data_type``."""
    if isinstance(value, bool):
        return isinstance(data_type, T.BooleanType)
    if isinstance(value, (int, float)):
        return isinstance(data_type, T.NumericType)
    if isinstance(value, str):
        return isinstance(data_type, T.StringType)
    return False


def _subset(df, subset) -> list:
    if subset is None:
        return [f.name for f in df.schema.fields]
    if isinstance(subset, str):
        return [subset]
    if not isinstance(subset, (list, tuple)):
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                               messageParameters={"expected_type": "list, str, tuple or None", "arg_name": "subset",
                                                  "arg_type": type(subset).__name__})
    return list(subset)


def _resolved_names(df, names) -> set:
    """The columns ``names`` resolve to (by expression id); an unknown name fails as in Spark."""
    analyzer = df._session.analyzer()
    return {analyzer.resolve_attribute(UnresolvedAttribute((name,)), df._plan).expr_id for name in names}


def fill(df, value, subset=None):
    """Replace NULL (and NaN in float/double columns) by ``value`` in the columns it fits, as
    ``coalesce(nanvl(c, NULL), CAST(value AS type))``: a float/double fill makes the column non-NULL
    while a Python int, which PySpark sends as a double, leaves an integral column nullable (the
    narrowing cast may fail); a dict's values keep their own type, and a string column takes
    any of them as text."""
    if isinstance(value, dict):
        targets = {expr_id: v for name, v in value.items() for expr_id in _resolved_names(df, [name])}
    elif isinstance(value, (bool, int, float, str)):
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        targets = dict.fromkeys(_resolved_names(df, _subset(df, subset)), value)
    else:
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                               messageParameters={"expected_type": "bool, dict, float, int or str",
                                                  "arg_name": "value", "arg_type": type(value).__name__})
    columns = []
    for attribute in df._plan.output:
        fill_value = targets.get(attribute.expr_id)
        # a dict's value is cast to its column's type whatever it is (to a string always works)
        applies = _fits(fill_value, attribute.data_type) or \
            isinstance(value, dict) and isinstance(attribute.data_type, T.StringType)
        if fill_value is None or not applies:
            columns.append(Column(attribute))
            continue
        current = Column(attribute)
        if isinstance(attribute.data_type, (T.FloatType, T.DoubleType)):
            # NaN counts as missing, as in Spark
            current = _call("nanvl", current, Column(Literal(None, attribute.data_type)))
        filled = Column(Cast(literal(fill_value), attribute.data_type, "ansi", implicit=True))
        columns.append(_call("coalesce", current, filled).alias(attribute.name))
    return df.select(*columns)


def drop(df, how: str = "any", thresh: int | None = None, subset=None):
    if how not in ("any", "all"):
        raise PySparkValueError(errorClass="VALUE_NOT_ALLOWED",
                                messageParameters={"arg_name": "how", "allowed_values": "['any', 'all']"})
    names = _subset(df, subset)
    if thresh is None:
        thresh = len(names) if how == "any" else 1
    count = None
    floats = {f.name for f in df.schema.fields if isinstance(f.dataType, (T.FloatType, T.DoubleType))}
    for name in names:
        valid = _call("isnotnull", _col(name))
        if name in floats:
            valid = valid & ~_call("isnan", _col(name))               # NaN counts as missing, as in Spark
        present = _call("if", valid, 1, 0)
        count = present if count is None else count + present
    if count is None:
        return df
    return df.filter(count >= thresh)


def replace(df, to_replace, value=None, subset=None):
    if isinstance(to_replace, dict):
        pairs = list(to_replace.items())
    elif isinstance(to_replace, (list, tuple)):
        values = value if isinstance(value, (list, tuple)) else [value] * len(to_replace)
        if len(values) != len(to_replace):
            raise PySparkValueError(errorClass="LENGTH_SHOULD_BE_THE_SAME",
                                    messageParameters={"arg1": "to_replace", "arg2": "value",
                                                       "arg1_length": str(len(to_replace)),
                                                       "arg2_length": str(len(values))})
        pairs = list(zip(to_replace, values))
    else:
        pairs = [(to_replace, value)]
    names = set(_subset(df, subset))
    columns = []
    for f in df.schema.fields:
        applicable = [(a, b) for a, b in pairs if f.name in names and _fits(a, f.dataType)
                      and (b is None or _fits(b, f.dataType))]
        if not applicable:
            columns.append(_col(f.name))
            continue
        args = []
        for a, b in applicable:
            args += [_col(f.name) == a, Column(Cast(literal(b), f.dataType, "ansi", implicit=True))]
        args.append(_col(f.name))
        columns.append(Column(UnresolvedFunction("casewhen", [x._expr for x in args])).alias(f.name))
    return df.select(*columns)


class DataFrameNaFunctions:
    def __init__(self, df):
        self.df = df

    def fill(self, value, subset=None):
        return fill(self.df, value, subset)

    def drop(self, how: str = "any", thresh: int | None = None, subset=None):
        return drop(self.df, how, thresh, subset)

    def replace(self, to_replace, value=None, subset=None):
        return replace(self.df, to_replace, value, subset)


def _numeric_or_string(df, cols) -> list:
    names = list(cols) if cols else [f.name for f in df.schema.fields
                                     if isinstance(f.dataType, (T.NumericType, T.StringType))]
    return names


def summary(df, statistics: list, cols=None):
    """One row per statistic, one string column per input column (``summary`` first): the
    statistics are computed at once, as Spark computes them, into a small local DataFrame."""
    names = _numeric_or_string(df, cols)
    fields = {f.name: f.dataType for f in df.schema.fields}
    items, slots = [], []
    for statistic in statistics:
        for name in names:
            numeric = isinstance(fields[name], T.NumericType)
            c = _col(name)
            if statistic == "count":
                value = _call("count", c)
            elif statistic == "mean":
                value = _call("avg", c) if numeric else None
            elif statistic == "stddev":
                value = _call("stddev", c) if numeric else None
            elif statistic in ("min", "max"):
                value = _call(statistic, c)
            elif statistic.endswith("%"):
                value = _call("percentile_approx", c, float(statistic[:-1]) / 100) if numeric else None
            elif statistic == "count_distinct":
                value = Column(UnresolvedFunction("count", [c._expr], is_distinct=True))
            else:
                raise PySparkValueError(errorClass="NOT_IMPLEMENTED",
                                        messageParameters={"feature": f"summary statistic {statistic}"})
            if value is None:
                slots.append(None)
                continue
            slots.append(len(items))
            items.append(Column(Cast(value._expr, T.StringType(), "ansi", implicit=True)).alias(f"s{len(items)}"))
    values = df.agg(*items).collect()[0] if items else ()
    rows, position = [], 0
    for statistic in statistics:
        row = [statistic]
        for _ in names:
            slot = slots[position]
            position += 1
            row.append(None if slot is None else values[slot])
        rows.append(tuple(row))
    schema = T.StructType([T.StructField("summary", T.StringType())] +
                          [T.StructField(n, T.StringType()) for n in names])
    return df.sparkSession.createDataFrame(rows, schema)


class DataFrameStatFunctions:
    def __init__(self, df):
        self.df = df

    def sampleBy(self, col, fractions: dict, seed: int | None = None):
        """A stratified sample: a row is kept when a uniform draw (Spark's ``rand(seed)``) falls below
        its stratum's fraction in ``fractions`` (0 for a stratum not named)."""
        import random
        if not isinstance(col, (str, Column)):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "Column or str", "arg_name": "col",
                                                      "arg_type": type(col).__name__})
        if not isinstance(fractions, dict):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "dict", "arg_name": "fractions",
                                                      "arg_type": type(fractions).__name__})
        for key in fractions:
            if not isinstance(key, (float, int, str)):
                raise PySparkTypeError(errorClass="DISALLOWED_TYPE_FOR_CONTAINER",
                                       messageParameters={"arg_name": "fractions", "arg_type": "dict",
                                                          "allowed_types": "float, int, str",
                                                          "item_type": type(key).__name__})
        fractions = {k: float(v) for k, v in fractions.items()}
        if not all(0.0 <= v <= 1.0 for v in fractions.values()):
            shown = ", ".join(f"{k} -> {v}" for k, v in fractions.items())
            raise IllegalArgumentException(f"requirement failed: Fractions must be in [0, 1], but got Map({shown}).")
        stratum = name_to_expression(col) if isinstance(col, str) else col._expr
        seed = random.randint(0, sys.maxsize) if seed is None else int(seed)
        cases = []
        for key, value in fractions.items():
            cases += [UnresolvedFunction("equal", [stratum, literal(key)]), literal(value)]
        fraction = UnresolvedFunction("casewhen", cases + [literal(0.0)])
        draw = UnresolvedFunction("rand", [literal(seed)])
        return self.df.filter(Column(UnresolvedFunction("lessthan", [draw, fraction])))

    def corr(self, col1: str, col2: str, method: str | None = None) -> float:
        if method not in (None, "pearson"):
            raise PySparkValueError(errorClass="VALUE_NOT_ALLOWED",
                                    messageParameters={"arg_name": "method", "allowed_values": "['pearson']"})
        return self.df.agg(_call("corr", _col(col1), _col(col2))).collect()[0][0]

    def cov(self, col1: str, col2: str) -> float:
        return self.df.agg(_call("covar_samp", _col(col1), _col(col2))).collect()[0][0]

    def approxQuantile(self, col, probabilities, relativeError: float):
        single = isinstance(col, str)
        names = [col] if single else list(col)
        out = []
        # Spark's QuantileSummaries over the executors (``percentile_approx``, accuracy 1 / relativeError);
        # nulls and NaN are left out, and relativeError 0 keeps every value (exact)
        accuracy = 2 ** 31 - 1 if relativeError <= 0 else max(1, int(math.ceil(1.0 / relativeError)))
        wanted = Column(Literal([float(p) for p in probabilities], T.ArrayType(T.DoubleType(), False)))
        for name in names:
            value = Column(Cast(_col(name)._expr, T.DoubleType()))
            kept = self.df.select(value.alias("v")).dropna()
            summary = Column(UnresolvedFunction("percentile_approx", [UnresolvedAttribute(("v",)), wanted._expr,
                                                                      Literal(accuracy, T.IntegerType())]))
            found = kept.select(summary.alias("q")).collect()[0].q
            out.append(list(found) if found is not None else [])
        return out[0] if single else out

    def crosstab(self, col1: str, col2: str):
        pairs = self.df.groupBy(_col(col1), _col(col2)).count().collect()
        seconds = sorted({str(p[1]) if p[1] is not None else "null" for p in pairs})
        table = {}
        for a, b, n in pairs:
            key = str(a) if a is not None else "null"
            table.setdefault(key, {})[str(b) if b is not None else "null"] = n
        rows = [(k,) + tuple(table[k].get(s, 0) for s in seconds) for k in table]
        schema = T.StructType([T.StructField(f"{col1}_{col2}", T.StringType())] +
                              [T.StructField(s, T.LongType(), False) for s in seconds])
        return self.df.sparkSession.createDataFrame(rows, schema)

    def freqItems(self, cols, support: float | None = None):
        support = 0.01 if support is None else support
        total = self.df.count()
        items = []
        for name in cols:
            counts = self.df.groupBy(_col(name)).count().collect()
            items.append([r[0] for r in counts if r[1] >= support * total])
        schema = T.StructType([T.StructField(f"{c}_freqItems", T.ArrayType(f.dataType))
                               for c, f in zip(cols, (self.df.schema[c] for c in cols))])
        return self.df.sparkSession.createDataFrame([tuple(items)], schema)
