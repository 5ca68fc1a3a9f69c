"""Dynamic allocation: grow the executors while tasks wait, release the ones left idle.

Contract (Spark's ``ExecutorAllocationManager`` policy): every ``interval`` the manager reads the
scheduler's load. When tasks have been waiting for ``schedulerBacklogTimeout`` it requests executors,
1, then 2, 4, ... per ``sustainedSchedulerBacklogTimeout`` round, capped by what the waiting and
running tasks can use and by ``maxExecutors``. An executor without tasks for
``executorIdleTimeout`` is removed (never below ``minExecutors``); one holding cached blocks only
after ``cachedExecutorIdleTimeout`` (never, by default). Removal is a graceful decommission, so the
blocks it holds move to the others and nothing is recomputed.
"""
from __future__ import annotations

import logging
import math
import threading
import time

log = logging.getLogger("sparklite.allocation")


class ExecutorAllocationManager:
    def __init__(self, backend, conf):
        self.backend = backend
        self.min = conf.get_int("spark.dynamicAllocation.minExecutors", 0)
        self.max = conf.get_int("spark.dynamicAllocation.maxExecutors", 1 << 30)
        self.backlog_timeout = conf.get_seconds("spark.dynamicAllocation.schedulerBacklogTimeout", "1s")
        self.sustained_timeout = conf.get_seconds("spark.dynamicAllocation.sustainedSchedulerBacklogTimeout",
                                                  self.backlog_timeout)
        self.idle_timeout = conf.get_seconds("spark.dynamicAllocation.executorIdleTimeout", "60s")
        cached = conf.get("spark.dynamicAllocation.cachedExecutorIdleTimeout")
        self.cached_idle_timeout = math.inf if cached is None else conf.get_seconds(
            "spark.dynamicAllocation.cachedExecutorIdleTimeout")
        self.interval = 0.1
        self._stop = threading.Event()
        self._backlog_since = None
        self._next_request = 0.0
        self._to_add = 1
        self._last_busy: dict[str, float] = {}

    def start(self) -> None:
        threading.Thread(target=self._run, name="sparklite-dynamic-allocation", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick(time.monotonic())
            except Exception:  # the manager must never take the application down
                log.exception("dynamic allocation check failed")

    def tick(self, now: float) -> None:
        scheduler = self.backend.scheduler
        pending, running = scheduler.call(scheduler.load)
        executors = [e for e, r in self.backend.roles.items() if r == "core"]
        for executor_id in executors:
            if running.get(executor_id) or executor_id not in self._last_busy:
                self._last_busy[executor_id] = now
        if pending:
            self._grow(now, pending, sum(running.values()), len(executors))
        else:
            self._backlog_since, self._to_add = None, 1
            self._shrink(now, executors, running)

    def _grow(self, now: float, pending: int, running: int, current: int) -> None:
        if self._backlog_since is None:
            self._backlog_since = now
            self._next_request = now + self.backlog_timeout
        if now < self._next_request:
            return
        needed = math.ceil((pending + running) / self.backend.cores)
        count = min(self._to_add, self.max - current, needed - current)
        if count > 0:
            log.info("tasks waiting for %.1f s: adding %d executor(s)", now - self._backlog_since, count)
            self.backend.request_executors(count)
            self._to_add *= 2
        self._next_request = now + self.sustained_timeout

    def _shrink(self, now: float, executors: list, running: dict) -> None:
        holding = {e for _, e, _, _ in self.backend.scheduler.registry.snapshot()}
        removable = len(executors) - self.min
        for executor_id in sorted(executors, key=lambda e: self._last_busy[e]):
            if removable <= 0:
                return
            timeout = self.cached_idle_timeout if executor_id in holding else self.idle_timeout
            if not running.get(executor_id) and now - self._last_busy[executor_id] >= timeout:
                log.info("executor %s idle for %.1f s: removing it", executor_id, now - self._last_busy[executor_id])
                self.backend.decommission(executor_id)
                self._last_busy.pop(executor_id, None)
                removable -= 1
