"""Regenerate ``repr_html.json`` and ``plot.json``, the oracles of ``tests/tools/test_notebook.py``:
what PySpark 4.3 shows for a DataFrame in a notebook (``repr``, ``_repr_html_`` and the tab completions
of ``df["``, with eager evaluation on and off) and the figures ``df.plot`` draws (plotly's data and
layout, without its theme). Needs PySpark, Java, plotly and pandas::

    python tests/tools/golden/generate_notebook.py

The cases are source text run the same way on both engines: ``outputs(spark)`` runs them on the
session it is given, and the test compares sparklite's outputs with the files.
"""
from __future__ import annotations

import base64
import contextlib
import datetime
import json
import math
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent

# Each DataFrame is shown with eager evaluation on (with ``conf``) and off.
REPR_CASES = {
    "ints": {"df": "spark.sql('SELECT * FROM VALUES (1, CAST(2 AS BIGINT), -3), (40000, 5, NULL) AS t(a, b, c)')"},
    "html_escaping": {"df": """spark.sql('''SELECT * FROM VALUES ('<b>&"\\\\'x', 'é α € ∑ 😀 ©', 'a\\\\tb\\\\nc')
                                          AS t(`<s>`, `a&b`, ctl)''')"""},
    "nulls": {"df": "spark.sql('SELECT CAST(NULL AS STRING) AS s, CAST(NULL AS INT) AS i, "
                    "CAST(NULL AS ARRAY<INT>) AS a, array(1, NULL) AS b, named_struct(\\'x\\', NULL, \\'y\\', 2) AS st')"},
    "nested": {"df": "spark.sql(\"SELECT array(1, 2) AS arr, map('k', array(1), 'v<', array()) AS m, "
                     "named_struct('x', 1, 'y', 'z&') AS st, array(named_struct('p', 1.5D)) AS arr_st, "
                     "map(1, named_struct('q', map('a', 'b'))) AS deep\")"},
    "numbers_and_times": {"df": "spark.sql(\"SELECT 1.0D AS d, 1e20D AS big, CAST(0.1 AS FLOAT) AS f, "
                                "CAST('NaN' AS DOUBLE) AS nan, CAST(2.50 AS DECIMAL(5,2)) AS dec, "
                                "DATE'2024-01-02' AS dt, TIMESTAMP'2024-01-02 03:04:05.1' AS ts, true AS b\")"},
    "more_rows_than_shown": {"df": "spark.range(30)"},
    "one_row_shown": {"df": "spark.range(5)", "conf": {"spark.sql.repl.eagerEval.maxNumRows": "1"}},
    "no_row_shown": {"df": "spark.range(5)", "conf": {"spark.sql.repl.eagerEval.maxNumRows": "0"}},
    "exactly_max_rows": {"df": "spark.range(3)", "conf": {"spark.sql.repl.eagerEval.maxNumRows": "3"}},
    "empty": {"df": "spark.range(0)"},
    "long_string": {"df": "spark.sql(\"SELECT repeat('a', 30) AS s, repeat('x<y', 10) AS t, 'short' AS u\")"},
    "truncate_5": {"df": "spark.sql(\"SELECT repeat('a', 30) AS s, 'abcdef' AS t, 'abc' AS u\")",
                   "conf": {"spark.sql.repl.eagerEval.truncate": "5"}},
    "truncate_2": {"df": "spark.sql(\"SELECT 'abcdef' AS t\")", "conf": {"spark.sql.repl.eagerEval.truncate": "2"}},
    "no_truncation": {"df": "spark.sql(\"SELECT repeat('a', 30) AS s, 'b' AS t\")",
                      "conf": {"spark.sql.repl.eagerEval.truncate": "0"}},
}

PLOT_FRAMES = {
    "categories": "spark.createDataFrame([('A', 10, 1.5), ('B', 30, 2.5), ('C', 20, 3.5)], "
                  "['category', 'int_val', 'float_val'])",
    "sales": "spark.createDataFrame([(3, 5, 20, datetime(2018, 1, 31)), (2, 5, 42, datetime(2018, 2, 28)), "
             "(3, 6, 28, datetime(2018, 3, 31)), (9, 12, 62, datetime(2018, 4, 30))], "
             "['sales', 'signups', 'visits', 'date'])",
    "flowers": "spark.createDataFrame([(5.1, 3.5, 0), (4.9, 3.0, 0), (7.0, 3.2, 1), (6.4, 3.2, 1), (5.9, 3.0, 2)], "
               "['length', 'width', 'species'])",
    "scores": "spark.createDataFrame([('A', 50, 55), ('B', 55, 60), ('C', 60, 65), ('D', 65, 70), ('E', 70, 75), "
              "('F', 10, 15), ('G', 85, 90), ('H', 5, 150)], ['student', 'math_score', 'english_score'])",
    "constant": "spark.createDataFrame([(1.0,), (1.0,), (None,)], 'v double')",
}

# frame, the call, and session settings for it
PLOT_CASES = {
    "line": ("categories", "df.plot.line(x='category', y='int_val')"),
    "line_two_columns": ("categories", "df.plot.line(x='category', y=['int_val', 'float_val'])"),
    "default_kind_is_line": ("categories", "df.plot(x='category', y='float_val')"),
    "kind_bar": ("categories", "df.plot(kind='bar', x='category', y='int_val')"),
    "bar_two_columns": ("categories", "df.plot.bar(x='category', y=['int_val', 'float_val'])"),
    "bar_plotly_keywords": ("categories", "df.plot.bar(x='category', y='int_val', title='Totals', color='category')"),
    "bar_first_rows": ("categories", "df.plot.bar(x='category', y='int_val')",
                       {"spark.sql.pyspark.plotting.max_rows": "2"}),
    "barh": ("categories", "df.plot.barh(x='int_val', y='category')"),
    "area": ("sales", "df.plot.area(x='date', y=['sales', 'signups', 'visits'])"),
    "scatter": ("flowers", "df.plot.scatter(x='length', y='width')"),
    "pie": ("sales", "df.plot.pie(x='date', y='sales')"),
    "pie_subplots": ("categories", "df.plot.pie(x='category', y=None, subplots=True)"),
    "box": ("scores", "df.plot.box()"),
    "box_one_column": ("scores", "df.plot.box(column='english_score', whis=1.0)"),
    "box_without_points": ("flowers", "df.plot(kind='box', column=['length', 'width'], boxpoints=False)"),
    "hist": ("flowers", "df.plot.hist(bins=4)"),
    "hist_one_column": ("scores", "df.plot.hist(column='math_score', bins=3, title='Math')"),
    "hist_constant": ("constant", "df.plot.hist(bins=2)"),
    "kde": ("flowers", "df.plot.kde(bw_method=0.3, ind=7)"),
    "kde_points": ("scores", "df.plot.kde(bw_method=5, column='math_score', ind=[0.0, 50.0, 100.0])"),
    "density": ("flowers", "df.plot(kind='density', bw_method=0.5, column='width', ind=4)"),
    "unknown_kind": ("categories", "df.plot(kind='heatmap', x='category', y='int_val')"),
    "unknown_backend": ("categories", "df.plot.line(x='category', y='int_val', backend='matplotlib')"),
    "pie_without_y": ("categories", "df.plot.pie(x='category', y=None)"),
    "hist_of_strings": ("categories", "df.plot.hist(column='category')"),
    "box_notched": ("flowers", "df.plot.box(notched=True)"),
}


@contextlib.contextmanager
def settings(spark, conf: dict):
    for key, value in conf.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key in conf:
            spark.conf.unset(key)


def repr_outputs(spark, case: dict) -> dict:
    """What a notebook shows for the case's DataFrame, with eager evaluation on and off."""
    with settings(spark, {"spark.sql.repl.eagerEval.enabled": "true", **case.get("conf", {})}):
        df = eval(case["df"], {"spark": spark})
        shown = {"repr": repr(df), "html": df._repr_html_(), "repr_after_html": repr(df)}
    df = eval(case["df"], {"spark": spark})
    shown.update(repr_off=repr(df), html_off=df._repr_html_(), completions=df._ipython_key_completions_())
    return shown


def plot_output(spark, frame: str, call: str, conf: dict | None = None) -> dict:
    """The figure's data and layout, or the error's class and condition."""
    with settings(spark, conf or {}):
        df = eval(PLOT_FRAMES[frame], {"spark": spark, "datetime": datetime.datetime})
        try:
            figure = eval(call, {"df": df})
        except Exception as error:      # the error cases: their type and condition are the answer
            condition = error.getCondition() if hasattr(error, "getCondition") else None
            return {"error": type(error).__name__, "condition": condition}
    return figure_json(figure)


def figure_json(figure) -> dict:
    """A figure's traces and layout as plain JSON values (plotly's theme left out)."""
    shown = figure.to_dict()
    shown["layout"].pop("template", None)
    return plain(shown)


def plain(value):
    """numpy, pandas and datetime values as JSON ones: arrays (plotly's packed ones too) as lists, instants as
    ISO text, NaN as "NaN"."""
    import numpy as np
    import pandas as pd
    if isinstance(value, dict) and "bdata" in value:      # plotly's packed array: unpack it
        packed = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            packed = packed.reshape([int(size) for size in value["shape"].split(",")])
        return plain(packed)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (pd.Series, pd.Index)):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return [pd.Timestamp(item).isoformat() for item in value]
        return [plain(item) for item in value.tolist()]
    if isinstance(value, (pd.Timestamp, datetime.date)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def outputs(spark) -> tuple[dict, dict]:
    """Every case run on ``spark``: (repr cases, plot cases)."""
    reprs = {name: dict(case, **repr_outputs(spark, case)) for name, case in REPR_CASES.items()}
    plots = {}
    for name, (frame, call, *conf) in PLOT_CASES.items():
        plots[name] = {"frame": frame, "call": call, "conf": conf[0] if conf else {},
                       "figure": plot_output(spark, frame, call, *conf)}
    return reprs, plots


def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import pyspark
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("OFF")
    reprs, plots = outputs(spark)
    meta = {"pyspark": pyspark.__version__, "TZ": "UTC"}
    (HERE / "repr_html.json").write_text(json.dumps({"__meta__": meta, **reprs}, indent=1, ensure_ascii=False) + "\n")
    (HERE / "plot.json").write_text(json.dumps({"__meta__": meta, **plots}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(reprs)} DataFrames to repr_html.json and {len(plots)} plots to plot.json")


if __name__ == "__main__":
    main()
