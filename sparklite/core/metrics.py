"""Task metrics: what one task attempt measured, typed, from the executor to every listener.

Contract: a running task adds to its ``TaskContext.taskMetrics()`` (the shuffle, the block store and
the executor do; a library's own operators may too); the executor fills in its run time, result size
and peak memory when the task ends, and the scheduler its duration. The finished ``TaskMetrics``
travels back with the task's outcome and is the ``metrics`` of the ``TaskEnd`` event. Times are
seconds, sizes bytes.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class TaskMetrics:
    duration: float = 0.0               # launch to end, as the scheduler saw it
    executor_run_time: float = 0.0      # time spent running the task on the executor
    result_bytes: int = 0               # the serialized result sent to the driver
    peak_rss_bytes: int = 0             # the peak resident memory of the process that ran it
    shuffle_write_bytes: int = 0
    shuffle_write_records: int = 0
    shuffle_read_bytes: int = 0
    shuffle_read_records: int = 0
    spilled_bytes: int = 0              # written to spill files by sorts and aggregations
    cache_hits: int = 0                 # cached partitions read from this executor's block store
    remote_cache_hits: int = 0          # cached partitions read from another executor's

    def add(self, name: str, amount) -> None:
        """Add ``amount`` to the metric ``name`` (an unknown name is an error, not a new metric)."""
        setattr(self, name, getattr(self, name) + amount)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]
