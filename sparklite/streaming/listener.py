"""``StreamingQueryListener`` and its events, as PySpark names them.

Contract: a listener subclasses ``StreamingQueryListener`` and overrides what it needs; events carry
``id``, ``runId`` (and ``name``, ``timestamp`` when started; ``exception`` and
``errorClassOnException`` when terminated, None for a query stopped without error); a progress event
carries the ``StreamingQueryProgress``.
"""
from __future__ import annotations

from dataclasses import dataclass


class StreamingQueryListener:
    def onQueryStarted(self, event) -> None:
        pass

    def onQueryProgress(self, event) -> None:
        pass

    def onQueryIdle(self, event) -> None:
        pass

    def onQueryTerminated(self, event) -> None:
        pass


@dataclass(frozen=True)
class QueryStartedEvent:
    id: str
    runId: str
    name: str | None
    timestamp: str


@dataclass(frozen=True)
class QueryProgressEvent:
    progress: dict


@dataclass(frozen=True)
class QueryIdleEvent:
    id: str
    runId: str
    timestamp: str


@dataclass(frozen=True)
class QueryTerminatedEvent:
    id: str
    runId: str
    exception: str | None
    errorClassOnException: str | None
