"""What a DataFrame looks like in a REPL or a notebook: PySpark 4.3's eager evaluation.

Contract:
* ``eager_eval(conf)`` reads ``spark.sql.repl.eagerEval.enabled`` / ``maxNumRows`` / ``truncate``
  from a session's conf. When enabled, ``repr(df)`` is the ``show()`` text of ``maxNumRows`` rows
  and ``df._repr_html_()`` the HTML table below; when not, ``repr`` is ``DataFrame[a: int, ...]``
  and ``_repr_html_`` is None, so Jupyter falls back to the ``repr``. As in PySpark, once a
  DataFrame's ``_repr_html_`` has been called its ``repr`` stays ``DataFrame[...]``: a notebook
  asks for both, and the query should run once.
* ``html_string(table, num_rows, truncate, time_zone)`` is Spark's ``Dataset.htmlString``: a
  ``<table border='1'>`` of the column names and the first ``num_rows`` rows of ``table``, each
  cell formatted, escaped and truncated as ``show()`` does it and then escaped as HTML 4
  (commons-text's ``escapeHtml4``: ``& < > "`` and HTML 4's named entities such as ``&eacute;``;
  an apostrophe stays), then ``only showing top N rows`` when ``table`` holds more rows.
"""
from __future__ import annotations

from html.entities import codepoint2name
from typing import NamedTuple

import pyarrow as pa

from sparklite.sql.display import _escape, _truncate, format_column

# HTML 4.01's named entities: exactly the characters escapeHtml4 replaces
_HTML4_ESCAPES = {code: f"&{name};" for code, name in codepoint2name.items()}


class EagerEval(NamedTuple):
    enabled: bool
    max_num_rows: int
    truncate: int


def eager_eval(conf) -> EagerEval:
    """The session's ``spark.sql.repl.eagerEval.*`` settings."""
    return EagerEval(conf.get_bool("spark.sql.repl.eagerEval.enabled"),
                     int(conf.get("spark.sql.repl.eagerEval.maxNumRows")),
                     int(conf.get("spark.sql.repl.eagerEval.truncate")))


def escape_html4(text: str) -> str:
    """``text`` as commons-text's ``StringEscapeUtils.escapeHtml4`` writes it."""
    return text.translate(_HTML4_ESCAPES)


def html_string(table: pa.Table, num_rows: int, truncate: int, time_zone: str = "UTC") -> str:
    """Spark's ``Dataset.htmlString(num_rows, truncate)`` over ``table``, which holds the first rows
    of the data (``num_rows + 1`` of them are enough to tell whether there are more)."""
    num_rows = max(num_rows, 0)
    shown = table.slice(0, min(num_rows, table.num_rows))
    columns = [format_column(column, time_zone) for column in shown.columns]
    rows = zip(*columns) if columns else [()] * shown.num_rows
    parts = ["<table border='1'>\n", _html_row("th", [_escape(name) for name in table.column_names])]
    for row in rows:
        parts.append(_html_row("td", [_truncate(_escape(cell), truncate) for cell in row]))
    parts.append("</table>\n")
    if table.num_rows > num_rows:
        parts.append(f"only showing top {num_rows} {'row' if num_rows == 1 else 'rows'}\n")
    return "".join(parts)


def _html_row(tag: str, cells: list[str]) -> str:
    return f"<tr><{tag}>" + f"</{tag}><{tag}>".join(escape_html4(cell) for cell in cells) + f"</{tag}></tr>\n"
