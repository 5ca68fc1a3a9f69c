"""The kernels behind ``window(ts, ...)`` and ``session_window(ts, gap)``: the struct
``<start, end>`` of a row's candidate time window, or of its own session. The analyzer's
TimeWindowing rewrite (``sparklite.sql.plan.timewindow``) builds the calls; users never name these
functions.

Contract: ``__time_window(ts)`` with ``options`` ``duration``, ``slide``, ``start`` (microseconds)
and ``index`` gives, for a timestamp ``ts`` (TIMESTAMP or TIMESTAMP_NTZ, the struct's fields have
its type), the window whose start is the ``index``-th slide before the latest window start at or
before ``ts``: starts are ``start + k * slide`` for whole ``k`` (also before 1970), and each
window is ``duration`` long. A NULL ``ts`` gives a NULL struct.

``__session_window(ts[, gap])`` gives ``<ts, ts + gap>``; the gap is ``options["gap"]``
(microseconds) or, when it is a second argument, each row's interval string (``'5 minutes'``). A
NULL ``ts``, a gap that is not positive and a gap string that does not parse give a NULL struct.
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.builtins.registry import FunctionSpec, lookup, register
from sparklite.sql.errors import AnalysisException, IllegalArgumentException
from sparklite.sql.plan.expressions import Call, Expression

_MICROS = {"microsecond": 1, "millisecond": 1000, "second": 1_000_000, "minute": 60_000_000,
           "hour": 3_600_000_000, "day": 86_400_000_000, "week": 7 * 86_400_000_000}
_CALENDAR = ("month", "year")
_PAIR = re.compile(r"([+-]?)(\d+)(?:\.(\d*))?\s*([a-z]+)")


def parse_duration(text: str) -> int:
    """A duration string (``'1 hour 30 minutes'``, optionally after ``interval``; only seconds may
    have a fraction) in microseconds. Months and years have no fixed length: they raise."""
    body = text.strip().lower()
    if body.startswith("interval"):
        body = body[len("interval"):].strip()
    micros, months, position = 0, 0, 0
    while body and position < len(body):
        match = _PAIR.match(body, position)
        unit = match.group(4).rstrip("s") if match else None
        if unit not in _MICROS and unit not in _CALENDAR or (match.group(3) is not None and unit != "second"):
            raise AnalysisException(errorClass="CANNOT_PARSE_INTERVAL",
                                    messageParameters={"intervalString": f"'{text}'"})
        sign = -1 if match.group(1) == "-" else 1
        if unit in _CALENDAR:
            months += sign * int(match.group(2))
        else:
            fraction = (match.group(3) or "")[:6].ljust(6, "0")
            micros += sign * (int(match.group(2)) * _MICROS[unit] + int(fraction))
        position = match.end()
        while position < len(body) and body[position].isspace():
            position += 1
    if not body:
        raise AnalysisException(errorClass="CANNOT_PARSE_INTERVAL", messageParameters={"intervalString": f"'{text}'"})
    if months:
        raise IllegalArgumentException(errorClass="_LEGACY_ERROR_TEMP_3231", messageParameters={"interval": text})
    return micros


def window_type(time_type: T.DataType) -> T.StructType:
    """``struct<start, end>`` of the time column's timestamp type."""
    return T.StructType([T.StructField("start", time_type, True), T.StructField("end", time_type, True)])


def _array(value, num_rows: int) -> pa.Array:
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, num_rows) if value.is_valid else pa.nulls(num_rows, value.type)
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


def _struct(starts: np.ndarray, ends: np.ndarray, arrow_type, missing: np.ndarray) -> pa.StructArray:
    start = pa.array(starts, pa.int64()).cast(arrow_type)
    end = pa.array(ends, pa.int64()).cast(arrow_type)
    return pa.StructArray.from_arrays([start, end], names=["start", "end"],
                                      mask=pa.array(missing) if missing.any() else None)


def _micros(ts: pa.Array) -> np.ndarray:
    return pc.cast(ts, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)


def _window_kernel(values, num_rows, call):
    ts = _array(values[0], num_rows)
    o = call.options
    micros = _micros(ts)
    # numpy's % takes the divisor's sign, so rows before the first start still fall in whole slides
    starts = micros - (micros - o["start"]) % o["slide"] - o["index"] * o["slide"]
    return _struct(starts, starts + o["duration"], ts.type, pc.is_null(ts).to_numpy(zero_copy_only=False))


def _session_kernel(values, num_rows, call):
    ts = _array(values[0], num_rows)
    if "gap" in call.options:
        gaps = np.full(num_rows, call.options["gap"], dtype=np.int64)
        missing = np.zeros(num_rows, dtype=bool)
    else:
        texts = _array(values[1], num_rows)
        encoded = pc.dictionary_encode(texts)
        parsed = []
        for text in encoded.dictionary.to_pylist():
            try:
                parsed.append(parse_duration(text))
            except (AnalysisException, IllegalArgumentException):
                parsed.append(0)            # a gap that does not parse makes no session
        codes = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
        gaps = np.array(parsed, dtype=np.int64)[codes] if parsed else np.zeros(num_rows, dtype=np.int64)
        missing = pc.is_null(texts).to_numpy(zero_copy_only=False)
    missing = missing | pc.is_null(ts).to_numpy(zero_copy_only=False) | (gaps <= 0)
    micros = _micros(ts)
    return _struct(micros, micros + gaps, ts.type, missing)


def _render(args, call):
    o = call.options
    return f"window({args[0]}, {o['duration']}, {o['slide']}, {o['start']})"


register(FunctionSpec("__time_window", lambda args: (list(args), window_type(args[0].data_type), True),
                      _window_kernel, render=_render))
register(FunctionSpec("__session_window", lambda args: (list(args), window_type(args[0].data_type), True),
                      _session_kernel, render=lambda args, call: f"session_window({', '.join(args)})"))


def window_call(time: Expression, duration: int, slide: int, start: int, index: int, nullable: bool) -> Call:
    """The resolved call giving ``time``'s ``index``-th candidate window."""
    return Call(lookup("__time_window"), [time], window_type(time.data_type), nullable,
                {"duration": duration, "slide": slide, "start": start, "index": index})


def session_call(time: Expression, gap) -> Call:
    """The resolved call giving ``time``'s own session window: ``gap`` is microseconds or a string
    expression."""
    if isinstance(gap, int):
        return Call(lookup("__session_window"), [time], window_type(time.data_type), True, {"gap": gap})
    return Call(lookup("__session_window"), [time, gap], window_type(time.data_type), True)
