"""``Observation``: named metrics (aggregates) computed over the rows of a DataFrame as an action
runs, read afterwards with ``observation.get`` (PySpark's ``pyspark.sql.Observation``).

Contract: ``df.observe(observation, *exprs)`` puts a ``CollectMetrics`` node in the plan; the rows
pass through it unchanged. When a query holding the node completes an action, the metrics are
aggregated over the node's input (as a second job over the same plan) and recorded; only the
first action's values are kept. ``get`` waits for them, as PySpark's does, and raises when the
observation was never attached to a DataFrame; an observation serves one DataFrame only.
"""
from __future__ import annotations

import threading
import uuid

from sparklite.sql.errors import PySparkAssertionError, PySparkTypeError, PySparkValueError
from sparklite.sql.plan import logical as L


class Observation:
    def __init__(self, name: str | None = None):
        if name is not None:
            if not isinstance(name, str):
                raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                       messageParameters={"arg_name": "name", "expected_type": "str",
                                                          "arg_type": type(name).__name__})
            if name == "":
                raise PySparkValueError(errorClass="VALUE_NOT_NON_EMPTY_STR",
                                        messageParameters={"arg_name": "name", "arg_value": name})
        self._name = name
        self._attached = False
        self._values: dict | None = None
        self._recorded = threading.Event()

    def _on(self, df, *exprs):
        if self._attached:
            raise PySparkAssertionError(errorClass="REUSE_OBSERVATION", messageParameters={})
        self._attached = True
        name = self._name if self._name is not None else str(uuid.uuid4())
        return df._with(L.CollectMetrics(name, [c._expr for c in exprs], df._plan, self))

    @property
    def get(self) -> dict:
        """The metrics of the observed DataFrame's first action, by name (waits for it)."""
        if not self._attached:
            raise PySparkAssertionError(errorClass="NO_OBSERVE_BEFORE_GET", messageParameters={})
        self._recorded.wait()
        return dict(self._values)

    def _record(self, values: dict) -> None:
        if not self._recorded.is_set():
            self._values = values
            self._recorded.set()
