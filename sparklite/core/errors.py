"""Errors sparklite raises to users, and the text of the advice they carry.

Contract: every error names what went wrong and what to do. ``SparkJobError`` is how a failed job
reaches the caller of an action: its message names the user's exception and the task, its
``__cause__`` is the user's original exception, whose own ``__cause__`` is a ``RemoteTraceback``
holding the traceback text with the user's frames first.
"""
from __future__ import annotations

import pickle

RDD_IN_CLOSURE_MESSAGE = (
    "It appears that you are attempting to broadcast an RDD or reference an RDD from an action or "
    "transformation. RDD transformations and actions can only be invoked by the driver, not inside "
    "of other transformations; for example, rdd1.map(lambda x: rdd2.values.count() * x) is invalid "
    "because the values transformation and count action cannot be performed inside of the "
    "rdd1.map transformation.")

CONTEXT_IN_CLOSURE_MESSAGE = (
    "It appears that you are attempting to reference SparkContext from a broadcast variable, "
    "action, or transformation. SparkContext can only be used on the driver, not in code that it "
    "runs on workers. Create what the function needs inside it, or pass data with sc.broadcast().")


class SparkJobError(Exception):
    """A job failed: a task exhausted its retries, a stage was aborted, or the job was cancelled."""


class JobCancelledError(SparkJobError):
    pass


class ResultTooLargeError(SparkJobError):
    pass


class TaskNotSerializableError(pickle.PicklingError):
    pass


class TaskKilled(BaseException):
    """Raised inside a task's thread to stop it (its job was cancelled, or a faster copy finished).
    A BaseException, like KeyboardInterrupt, so a user's ``except Exception`` does not swallow it."""


class PythonWorkerError(SparkJobError):
    """A Python worker process died while it ran a task (a crash, ``os._exit``, a signal)."""


class FetchFailedError(Exception):
    """A reducer could not read a map output; the scheduler reruns the missing map tasks."""

    def __init__(self, shuffle_id: int, map_id: int, executor_id, message: str = ""):
        super().__init__(shuffle_id, map_id, executor_id, message)
        self.shuffle_id, self.map_id, self.executor_id = shuffle_id, map_id, executor_id

    def __str__(self) -> str:
        return (f"FetchFailed(shuffle {self.shuffle_id}, map {self.map_id}, "
                f"executor {self.executor_id}) {self.args[3]}")


class RemoteTraceback(Exception):
    """Carries a task's traceback text so it prints under the user's exception."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text
