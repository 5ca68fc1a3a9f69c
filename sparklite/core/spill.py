"""Execution memory and spill files for the work a task holds in memory (sorts, aggregations, join
build sides): Spark's TaskMemoryManager and DiskBlockManager's temp files, in brief.

Contract:
* ``TaskMemory(context)`` asks the task's executor for execution memory from the unified pool it
  shares with cached blocks (``spark.executor.memory`` x ``spark.memory.fraction``; cached blocks
  above the storage region are evicted to make room). ``fits(nbytes)`` says whether the task may
  hold ``nbytes`` in all, asking for more when needed; when it says no, the caller spills and calls
  ``release()``. What is granted is given back by ``release()`` and, at the latest, at task end.
  Outside a task (on the driver) everything fits.
* ``ArrowSpillFile(schema)`` is a run of record batches on the executor's local spill directory
  (one Arrow IPC stream): ``write`` batches, ``close``, then ``read`` them back once.
  Its bytes count in the task's ``spilled_bytes``; the file is removed once read through and, at
  the latest, when the task ends (a consumer may stop early), so nothing is left after ``stop()``.
"""
from __future__ import annotations

import os
import tempfile

import pyarrow as pa


class TaskMemory:
    """Execution memory granted to one task by its executor."""

    def __init__(self, context=None):
        if context is None:
            from sparklite.core.taskcontext import TaskContext
            context = TaskContext.get()
        self.context = context
        self.granted = 0
        if context is not None:
            context.addTaskCompletionListener(lambda _: self.release())

    def fits(self, estimate: int) -> bool:
        """Whether the task may hold ``estimate`` bytes in all (asking the executor for more, at
        least 1 MiB at a time, when it holds less)."""
        if estimate <= self.granted:
            return True
        executor = getattr(self.context, "_executor", None)
        if executor is None:
            return True
        want = max(estimate - self.granted, 1 << 20)
        self.granted += executor.block_store.acquire_execution(want)
        return estimate <= self.granted

    def release(self) -> None:
        executor = getattr(self.context, "_executor", None)
        if executor is not None and self.granted:
            executor.block_store.release_execution(self.granted)
        self.granted = 0


def spill_dir(context) -> str:
    """The local directory a task's spill files go to (its executor's; the temp dir on the driver)."""
    executor = getattr(context, "_executor", None)
    return executor.block_store.spill_dir if executor is not None else tempfile.gettempdir()


class ArrowSpillFile:
    """Record batches of one schema spilled to local disk as an Arrow IPC stream."""

    def __init__(self, schema: pa.Schema, context=None):
        if context is None:
            from sparklite.core.taskcontext import TaskContext
            context = TaskContext.get()
        self.context, self.schema, self.rows = context, schema, 0
        fd, self.path = tempfile.mkstemp(prefix="spill-", suffix=".arrow", dir=spill_dir(context))
        self._sink = pa.OSFile(self.path, "wb")
        os.close(fd)
        self._writer = pa.ipc.new_stream(self._sink, schema)
        if context is not None:
            context.addTaskCompletionListener(lambda _: self.delete())

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self._writer.write_batch(batch)
            self.rows += batch.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = None
            if self.context is not None:
                self.context.taskMetrics().spilled_bytes += os.path.getsize(self.path)

    def read(self):
        """The batches written, in order; the file is removed once they are read through."""
        self.close()
        try:
            with pa.OSFile(self.path, "rb") as source:
                yield from pa.ipc.open_stream(source)
        finally:
            self.delete()

    def delete(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
