"""A micro-batch's progress report, with the fields and names of Spark's ``StreamingQueryProgress``.

Contract: ``StreamingQueryProgress`` is a dict (``query.lastProgress["numInputRows"]``, as PySpark
has long returned it) whose keys are also attributes (``progress.numInputRows``), with ``json`` and
``prettyJson``. ``batch_progress(execution, batch_id, trigger_time, timings, run)`` builds one from a
batch that ran: input rows per source (counted as the batch read them), the rates, the durations
(milliseconds per phase), the watermark in force (UTC text, when the query has one), each stateful
operator's state metrics and the sink's output rows when the sink knows them. Offsets are given as
their JSON text, as PySpark gives them.
"""
from __future__ import annotations

import datetime
import json


class StreamingQueryProgress(dict):
    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def json(self) -> str:
        return json.dumps(self, separators=(",", ":"))

    @property
    def prettyJson(self) -> str:
        return json.dumps(self, indent=2)

    def __str__(self) -> str:
        return self.prettyJson


def utc_text(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else 0.0


def batch_progress(execution, batch_id: int, trigger_time: float, timings: dict, run: dict) -> StreamingQueryProgress:
    batch = run["batch"]
    per_source = [counter.value for counter in batch.input_rows]
    rows = sum(per_source)
    previous = execution.last_trigger_time
    since_last = trigger_time - previous if previous is not None else 0.0
    processing = timings.get("triggerExecution", 0) / 1000
    progress = StreamingQueryProgress(
        id=execution.id, runId=execution.run_id, name=execution.name, timestamp=utc_text(trigger_time),
        batchId=batch_id, batchDuration=timings.get("triggerExecution", 0), numInputRows=rows,
        inputRowsPerSecond=_rate(rows, since_last), processedRowsPerSecond=_rate(rows, processing),
        durationMs=dict(timings), stateOperators=[_operator(info, kind) for info, kind in
                                                  zip(batch.operators, _kinds(execution))],
        sources=[{"description": source.description, "startOffset": _offset_text(start), "endOffset": _offset_text(end),
                  "latestOffset": _offset_text(end), "numInputRows": count, "inputRowsPerSecond": _rate(count, since_last),
                  "processedRowsPerSecond": _rate(count, processing), "metrics": {}}
                 for source, start, end, count in zip(execution.sources, run["starts"], run["ends"], per_source)],
        sink={"description": execution.sink.description,
              "numOutputRows": run["output_rows"] if run["output_rows"] is not None else -1},
        observedMetrics={})
    if execution.has_watermark:
        progress["eventTime"] = {"watermark": utc_text(execution.batch_watermark_ms / 1000)}
    else:
        progress["eventTime"] = {}
    return progress


def _offset_text(offset) -> str:
    """An offset as PySpark's progress gives it: its JSON text (``'{"logOffset":0}'``, ``'null'``)."""
    return json.dumps(offset, separators=(",", ":"))


def _kinds(execution) -> list:
    return [operator["operatorName"] for operator in execution.operators]


def _operator(info, name: str) -> dict:
    value = {name: accumulator.value for name, accumulator in info.metrics.items()}
    return {"operatorName": name, "numRowsTotal": value["numRowsTotal"],
            "numRowsUpdated": value["numRowsUpdated"], "allUpdatesTimeMs": value["commitTimeMs"],
            "numRowsRemoved": value["numRowsRemoved"], "allRemovalsTimeMs": 0, "commitTimeMs": value["commitTimeMs"],
            "memoryUsedBytes": value["memoryUsedBytes"], "numRowsDroppedByWatermark": value["numRowsDroppedByWatermark"],
            "numShufflePartitions": info.num_partitions, "numStateStoreInstances": info.num_partitions,
            "customMetrics": {}}
