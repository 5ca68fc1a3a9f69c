"""Streaming sources: what a stream reads in each micro-batch, as ranges between offsets.

Contract (Spark's ``Source``): a source has a ``schema`` (a ``StructType``) and a ``description``;
``latest_offset(start)`` is the offset of everything available after ``start`` (the offset the last
batch ended at, None at first) that the next batch may take, or None when there is nothing yet;
``get_batch(start, end)`` is a DataFrame of the rows after ``start`` up to ``end``, the same rows every
time it is asked (a replayed batch reads what the first attempt read); ``commit(end)`` says rows up
to ``end`` are done with; ``prepare_available_now(start)`` fixes what ``availableNow`` reads to what is
available now (``start``: where the query is); ``attach(checkpoint, index)`` gives a source that keeps a log its folder in the
checkpoint; ``watch(wake)`` gives a source that knows when rows arrive a function to call then;
``stop()`` releases what it holds. Offsets are JSON values, compared with ``==``.
Here: ``MemoryStream`` (for tests: rows added by the program), ``rate`` and ``rate-micro-batch``.
"""
from __future__ import annotations

import json
import threading
import time

from sparklite.sql import functions as F
from sparklite.sql import types as T
from sparklite.sql import streams
from sparklite.sql.errors import IllegalArgumentException
from sparklite.streaming.checkpoint import join, read_text, write_atomically


class Source:
    schema: T.StructType
    description: str

    def latest_offset(self, start):
        raise NotImplementedError

    def get_batch(self, start, end):
        raise NotImplementedError

    def commit(self, end) -> None:
        pass

    def prepare_available_now(self, start) -> None:
        pass

    def attach(self, checkpoint, index: int) -> None:
        pass

    def watch(self, wake) -> None:
        """A source that knows when rows arrive calls ``wake()`` then (the query starts its next batch
        at once instead of at its next poll)."""

    def stop(self) -> None:
        pass


class MemoryStream(Source):
    """Rows a program adds as it goes (Spark's test source ``MemoryStream``): ``addData(rows)`` makes
    them one new offset; ``toDF()`` is the streaming DataFrame reading them."""

    def __init__(self, spark, schema, numPartitions: int | None = None):
        self.session = spark
        self.schema = schema if isinstance(schema, T.StructType) else T.DataType.fromDDL(schema)
        if not isinstance(self.schema, T.StructType):
            self.schema = T.StructType([T.StructField("value", self.schema)])
        self.num_partitions = numPartitions
        self._batches: dict[int, list] = {}
        self._latest, self._cap = -1, None
        self._wakes: list = []
        self._lock = threading.Lock()
        self.description = f"MemoryStream[{','.join(f.name for f in self.schema.fields)}]"

    def toDF(self):
        return streams.streaming_dataframe(self.session, self, self.schema)

    def addData(self, *rows) -> int:
        """Adds ``rows`` (one list of them, or the rows as arguments; a one-column stream's rows may be
        plain values) as one offset; returns it."""
        if len(rows) == 1 and isinstance(rows[0], list):
            rows = rows[0]
        single = len(self.schema.fields) == 1
        rows = [(r,) if single and not isinstance(r, (list, tuple, dict)) else r for r in rows]
        with self._lock:
            self._latest += 1
            self._batches[self._latest] = list(rows)
            latest, wakes = self._latest, list(self._wakes)
        for wake in wakes:
            wake()
        return latest

    def watch(self, wake) -> None:
        with self._lock:
            self._wakes.append(wake)

    def stop(self) -> None:
        with self._lock:
            self._wakes.clear()

    def latest_offset(self, start):
        with self._lock:
            latest = self._latest if self._cap is None else min(self._latest, self._cap)
        return latest if latest >= 0 else None

    def prepare_available_now(self, start) -> None:
        with self._lock:
            self._cap = self._latest

    def get_batch(self, start, end):
        first = -1 if start is None else start
        with self._lock:
            rows = [r for offset in range(first + 1, end + 1) for r in self._batches.get(offset, [])]
        if not rows:
            return no_rows(self.session, self.schema)
        if self.num_partitions:
            return self.session.createDataFrame(rows, self.schema).repartition(self.num_partitions)
        return self.session.createDataFrame(rows, self.schema)

    def commit(self, end) -> None:
        with self._lock:
            for offset in [o for o in self._batches if o <= end]:
                del self._batches[offset]


def no_rows(session, schema: T.StructType):
    """A batch without rows: no partition at all, so its job runs no task for it (Spark's empty scan)."""
    return session.createDataFrame(session.sparkContext.emptyRDD(), schema)


def _int_option(options: dict, name: str, default: int, minimum: int = 0) -> int:
    value = options.get(name.lower(), default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise IllegalArgumentException(f"Invalid value '{value}' for option '{name}', must be a positive integer") \
            from None
    if number < minimum:
        raise IllegalArgumentException(f"Invalid value '{value}'. The option '{name}' must be "
                                       + ("positive" if minimum > 0 else "non-negative"))
    return number


RATE_SCHEMA = T.StructType([T.StructField("timestamp", T.TimestampType()), T.StructField("value", T.LongType())])


def _rate_rows(session, first: int, last: int, partitions: int, timestamp_ms):
    """Values ``first`` to ``last - 1`` spread over ``partitions`` as Spark's rate sources spread them
    (value ``v`` in partition ``v % partitions``), with their timestamps (a Column of ``id``)."""
    rows = session.range(first, last, 1, partitions) if last > first else session.range(0, 0, 1, 1)
    return rows.select(timestamp_ms(F.col("id")).alias("timestamp"), F.col("id").alias("value"))


class RateSource(Source):
    """``format("rate")``: ``rowsPerSecond`` rows each second since the query first started (ramping
    up over ``rampUpTime``), each stamped with its time within its second."""

    def __init__(self, session, options: dict):
        self.session, self.schema = session, RATE_SCHEMA
        self.rows_per_second = _int_option(options, "rowsPerSecond", 1, 1)
        ramp = options.get("rampuptime", "0s")
        self.ramp_up_seconds = int(str(ramp).rstrip("s")) if str(ramp).rstrip("s").isdigit() else \
            _int_option(options, "rampUpTime", 0)
        self.num_partitions = _int_option(options, "numPartitions", session.sparkContext.defaultParallelism, 1)
        self.start_ms = int(time.time() * 1000)
        self._now_cap = None
        self.description = (f"RateStreamV2[rowsPerSecond={self.rows_per_second}, rampUpTimeSeconds="
                            f"{self.ramp_up_seconds}, numPartitions={self.num_partitions}")

    def attach(self, checkpoint, index: int) -> None:
        """The start time is kept in the checkpoint, so a restarted query goes on from it."""
        fs, folder = checkpoint.fs, checkpoint.subdir("sources", index)
        fs.create_dir(folder, recursive=True)
        text = read_text(fs, join(folder, "0"))
        if text is None:
            write_atomically(fs, join(folder, "0"), json.dumps({"startTimeMs": self.start_ms}))
        else:
            self.start_ms = json.loads(text)["startTimeMs"]

    def value_at(self, seconds: int) -> int:
        ramp, rate = self.ramp_up_seconds, self.rows_per_second
        if seconds <= ramp:
            step = rate // (ramp + 1)
            return seconds * (seconds + 1) // 2 * step
        return self.value_at(ramp) + (seconds - ramp) * rate

    def latest_offset(self, start):
        seconds = (int(time.time() * 1000) - self.start_ms) // 1000
        if self._now_cap is not None:
            seconds = min(seconds, self._now_cap)
        return max(seconds, start or 0)

    def prepare_available_now(self, start) -> None:
        self._now_cap = (int(time.time() * 1000) - self.start_ms) // 1000

    def get_batch(self, start, end):
        start = start or 0
        first, last = self.value_at(start), self.value_at(end)
        base, span, count = self.start_ms + start * 1000, (end - start) * 1000, max(last - first, 1)
        # value v is stamped base + round((v - first) * span / count) milliseconds, in integers
        return _rate_rows(self.session, first, last, self.num_partitions, lambda v: F.timestamp_millis(
            F.lit(base) + F.expr(f"((id - {first}) * {2 * span} + {count}) div {2 * count}")))


class RatePerMicroBatchSource(Source):
    """``format("rate-micro-batch")``: ``rowsPerBatch`` rows a batch; batch ``k``'s rows are stamped
    ``startTimestamp + k * advanceMillisPerBatch``. Deterministic: the source for tests."""

    def __init__(self, session, options: dict):
        self.session, self.schema = session, RATE_SCHEMA
        if "rowsperbatch" not in options:
            raise IllegalArgumentException("Invalid value 'None'. The option 'rowsPerBatch' must be positive")
        self.rows_per_batch = _int_option(options, "rowsPerBatch", 0, 1)
        self.num_partitions = _int_option(options, "numPartitions", session.sparkContext.defaultParallelism, 1)
        self.start_timestamp = _int_option(options, "startTimestamp", 0)
        self.advance_ms = _int_option(options, "advanceMillisPerBatch", 1000)
        self._cap = None
        self.description = (f"RatePerMicroBatchStream[rowsPerBatch={self.rows_per_batch}, numPartitions="
                            f"{self.num_partitions}, startTimestamp={self.start_timestamp}, advanceMillisPerBatch="
                            f"{self.advance_ms}]")

    def _next(self, start) -> dict:
        start = start or {"offset": 0, "timestamp": self.start_timestamp}
        return {"offset": start["offset"] + self.rows_per_batch, "timestamp": start["timestamp"] + self.advance_ms}

    def latest_offset(self, start):
        if self._cap is not None and (start or {"offset": 0})["offset"] >= self._cap["offset"]:
            return start
        return self._next(start)

    def prepare_available_now(self, start) -> None:
        """An endless source: ``availableNow`` reads one batch."""
        self._cap = self._next(start)

    def get_batch(self, start, end):
        start = start or {"offset": 0, "timestamp": self.start_timestamp}
        stamp = start["timestamp"]
        return _rate_rows(self.session, start["offset"], end["offset"], self.num_partitions,
                          lambda v: F.timestamp_millis(F.lit(stamp)))
