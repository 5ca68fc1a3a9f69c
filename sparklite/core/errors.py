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

# PySpark's error conditions that sparklite raises, with PySpark's message texts.
ERROR_CONDITIONS = {
    "CONTEXT_ONLY_VALID_ON_DRIVER": (
        "It appears that you are attempting to reference SparkContext from a broadcast variable, action, or "
        "transformation. SparkContext can only be used on the driver, not in code that runs on workers. "
        "For more information, see SPARK-5063."),
    "INCORRECT_CONF_FOR_PROFILE": (
        "`spark.python.profile` or `spark.python.profile.memory` configuration\n must be set to `true` to "
        "enable Python profile."),
    "NOT_IN_BARRIER_STAGE": "It is not in a barrier stage.",
}


class PySparkException(Exception):
    """An error with one of PySpark's error conditions; ``str()`` is ``[CONDITION] message``."""

    def __init__(self, message: str | None = None, errorClass: str | None = None,
                 messageParameters: dict | None = None):
        self._error_class = errorClass
        self._parameters = dict(messageParameters or {})
        text = message if message is not None else ERROR_CONDITIONS.get(errorClass, "")
        for name, value in self._parameters.items():
            text = text.replace(f"<{name}>", str(value))
        super().__init__(f"[{errorClass}] {text}" if errorClass else text)

    def getCondition(self) -> str | None:
        return self._error_class

    def getErrorClass(self) -> str | None:
        return self._error_class

    def getMessageParameters(self) -> dict:
        return dict(self._parameters)

    def __reduce__(self):
        return (_rebuild_pyspark_error, (type(self), str(self), self._error_class, self._parameters))


def _rebuild_pyspark_error(cls, text, error_class, parameters):
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error._error_class, error._parameters = error_class, parameters
    return error


class PySparkRuntimeError(PySparkException, RuntimeError):
    pass


class PySparkValueError(PySparkException, ValueError):
    pass


class PySparkTypeError(PySparkException, TypeError):
    pass


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


_TRACEBACK_HEAD = "Traceback (most recent call last):\n"


def remote_traceback(text: str, frames: list) -> RemoteTraceback:
    """The traceback a task sent (``text``, as the executor formatted it, any chained exceptions
    first), its last part re-drawn here from ``frames`` ((file, line number, function, source line)
    from the user's code down): a source line the executor could not read (a notebook cell, code the
    driver compiled, a file only the driver has) comes from this process's ``linecache``. The
    exception's own line is left out: it prints just below, as the exception itself."""
    import linecache
    if not frames:
        return RemoteTraceback(text)
    lines = [_TRACEBACK_HEAD]
    for filename, lineno, name, line in frames:
        lines.append(f'  File "{filename}", line {lineno}, in {name}\n')
        line = line or linecache.getline(filename, lineno).strip()
        if line:
            lines.append(f"    {line}\n")
    chained = text[:text.rfind(_TRACEBACK_HEAD)] if _TRACEBACK_HEAD in text else ""
    return RemoteTraceback(chained + "".join(lines).rstrip("\n"))
