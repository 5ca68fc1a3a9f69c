"""The console progress bar: ``[Stage 3:=====>      (12 + 2) / 200]`` on stderr while stages run.

Contract: ``ConsoleProgressBar(tracker, stream)`` redraws five times a second, on one line, the stages
that have run for at least half a second (at most three, side by side in ``COLUMNS`` or 80
characters): completed tasks as ``=``, ``>`` where the work stands, then ``(completed + running) /
tasks``. A line is written only when it changed (or after a minute, to keep an idle terminal
connection alive), and it is erased when no stage is left to show. ``stop()`` erases it and ends
the thread. The context starts one when ``spark.ui.showConsoleProgress`` is true, or when it is
unset and stderr is a terminal: never in logs or CI output.
"""
from __future__ import annotations

import os
import sys
import threading
import time

_REFRESH, _FIRST_DELAY, _KEEPALIVE, _MAX_STAGES = 0.2, 0.5, 60.0, 3


def wanted(conf) -> bool:
    """Whether a context with ``conf`` shows the bar."""
    setting = conf.get("spark.ui.showConsoleProgress")
    if setting is not None:
        return str(setting).strip().lower() == "true"
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def render(stages: list, width: int) -> str:
    """The bar for ``stages`` (``SparkStageInfo``), sharing ``width`` columns between them."""
    share = width // max(len(stages), 1)
    parts = []
    for s in stages:
        header = f"[Stage {s.stageId}:"
        tailer = f"({s.numCompletedTasks} + {s.numActiveTasks}) / {s.numTasks}]"
        room = share - len(header) - len(tailer)
        bar = ""
        if room > 0:
            done = room * s.numCompletedTasks // max(s.numTasks, 1)
            bar = "".join("=" if i < done else ">" if i == done else " " for i in range(room))
        parts.append(header + bar + tailer)
    return "".join(parts)


class ConsoleProgressBar:
    def __init__(self, tracker, stream=None):
        self.tracker, self.stream = tracker, stream or sys.stderr
        self.width = _terminal_width()
        self._first_seen: dict[int, float] = {}
        self._last, self._last_write = "", 0.0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sparklite-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(_REFRESH):
            try:
                self._refresh(time.monotonic())
            except Exception:   # a stream closed under us: the bar is cosmetic, the job goes on
                return

    def _refresh(self, now: float) -> None:
        active = self.tracker.getActiveStageIds()
        for stage_id in list(self._first_seen):
            if stage_id not in active:
                del self._first_seen[stage_id]
        shown = []
        for stage_id in sorted(active):
            first = self._first_seen.setdefault(stage_id, now)
            info = self.tracker.getStageInfo(stage_id)
            if info is not None and now - first >= _FIRST_DELAY:
                shown.append(info)
        if not shown:
            self._clear()
            return
        line = render(shown[:_MAX_STAGES], self.width)
        if line != self._last or now - self._last_write > _KEEPALIVE:
            self.stream.write("\r" + line + "\r")
            self.stream.flush()
            self._last, self._last_write = line, now

    def _clear(self) -> None:
        if self._last:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self._last = ""

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        try:
            self._clear()
        except Exception:   # the stream may be gone at interpreter exit
            pass


def _terminal_width() -> int:
    try:
        return max(int(os.environ.get("COLUMNS", "80")), 20)
    except ValueError:
        return 80
