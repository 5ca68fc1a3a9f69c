"""The progress bar: ``[Stage 3:=====>      (12 + 2) / 200]`` while stages run, on the terminal's
stderr or, in a Jupyter kernel, in the output of the cell that runs the job.

Contract: ``ConsoleProgressBar(tracker, stream)`` looks at the tracker five times a second and shows
the stages that have run for at least half a second (quick jobs leave no trace). Where it draws is
decided once, when it starts:

* On a terminal (``stream``, by default stderr): at most three stages side by side on one line of
  ``COLUMNS`` or 80 characters, completed tasks as ``=``, ``>`` where the work stands, then
  ``(completed + running) / tasks``. A line is written only when it changed (or after a minute, to
  keep an idle terminal connection alive), and it is erased when no stage is left to show.
* In an IPython kernel (a notebook), with no ``stream`` given: nothing on stderr. Each stage gets
  its own output in the running cell (IPython's ``display`` with a display id, as HTML with a
  plain-text twin, no widgets), updated in place while it runs and left showing how the stage
  ended, so a saved notebook records which stages the cell ran and their task counts. When the
  cell ends (IPython's ``post_run_cell`` event) the bar draws once more, so the final state is in
  the cell's output before the kernel replies.

``finish_all()`` (the context calls it when a job it waited for ends, as Spark's ``runJob`` does)
erases the terminal line at once, before the caller prints anything. ``stop()`` erases the terminal line (or finalises the cells' bars) and ends the thread. The
context starts a bar when ``spark.ui.showConsoleProgress`` is true; when it is unset, in a kernel
or when stderr is a terminal; ``false`` turns both off: never in logs or CI output. IPython is
optional: this module imports it only inside a running kernel, which has loaded it already.
"""
from __future__ import annotations

import html
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
    if kernel_shell() is not None:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def kernel_shell():
    """The IPython shell of the Jupyter kernel this process is, or None; looks only at modules a
    kernel has already imported (a terminal IPython has no ``kernel``)."""
    if "ipykernel" not in sys.modules or "IPython" not in sys.modules:
        return None
    shell = sys.modules["IPython"].get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


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


def render_html(stage, ended: bool = False) -> str:
    """One stage's bar as HTML for a notebook cell: completed and running tasks as shares of the bar,
    the counts, and the stage's name; ``ended`` says how it ended instead of what runs."""
    total = max(stage.numTasks, 1)
    completed = 100 * stage.numCompletedTasks / total
    running = 0 if ended else 100 * stage.numActiveTasks / total
    if ended:
        state = "finished" if stage.numCompletedTasks >= stage.numTasks else "stopped"
        counts = f"{stage.numCompletedTasks} / {stage.numTasks} tasks, {state}"
    else:
        counts = f"({stage.numCompletedTasks} + {stage.numActiveTasks}) / {stage.numTasks} tasks"
    if stage.numFailedTasks:
        counts += f", {stage.numFailedTasks} failed"
    return ('<div class="sparklite-progress" style="font-family: monospace; margin: 2px 0">'
            f'Stage {stage.stageId} '
            '<span style="display: inline-flex; width: 20em; height: 0.9em; vertical-align: middle; '
            'border: 1px solid #999; background: #f3f3f3">'
            f'<span style="width: {completed:.1f}%; background: #5cb85c"></span>'
            f'<span style="width: {running:.1f}%; background: #a6d8f0"></span></span> '
            f'{counts} <span style="color: #777">{html.escape(stage.name or "")}</span></div>')


class ConsoleProgressBar:
    """Watches ``tracker`` from a thread and draws its stages on a terminal or in notebook cells."""

    def __init__(self, tracker, stream=None):
        self.tracker = tracker
        self._shell = kernel_shell() if stream is None else None
        self.view = CellOutputView(tracker) if self._shell is not None else TerminalView(stream or sys.stderr)
        self._first_seen: dict[int, float] = {}
        self._lock = threading.Lock()       # the thread and the end of a cell both draw
        self._stopped = threading.Event()
        if self._shell is not None:
            self._shell.events.register("post_run_cell", self._cell_ended)
        self._thread = threading.Thread(target=self._run, name="sparklite-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(_REFRESH):
            try:
                self._refresh(time.monotonic())
            except Exception:   # a stream closed under us: the bar is cosmetic, the job goes on
                return

    def _cell_ended(self, result=None) -> None:
        try:
            self._refresh(time.monotonic())
        except Exception:       # never fail the user's cell over the bar
            pass

    def _refresh(self, now: float) -> None:
        with self._lock:
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
            self.view.draw(shown, now)

    def finish_all(self) -> None:
        """A job the caller waited for ended: its bar goes now, before the caller prints its result
        (the thread would redraw stages still running at its next look)."""
        try:
            with self._lock:
                self._first_seen.clear()
                self.view.draw([], time.monotonic())
        except Exception:   # the bar is cosmetic
            pass

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        if self._shell is not None:
            try:
                self._shell.events.unregister("post_run_cell", self._cell_ended)
            except ValueError:      # already gone with the shell
                pass
        try:
            with self._lock:
                self.view.draw([], time.monotonic())
        except Exception:   # the stream may be gone at interpreter exit
            pass


class TerminalView:
    """One line on ``stream``, redrawn over itself with carriage returns."""

    def __init__(self, stream):
        self.stream = stream
        self.width = _terminal_width()
        self._last, self._last_write = "", 0.0

    def draw(self, stages: list, now: float) -> None:
        if not stages:
            self._clear()
            return
        line = render(stages[:_MAX_STAGES], self.width)
        if line != self._last or now - self._last_write > _KEEPALIVE:
            self.stream.write("\r" + line + "\r")
            self.stream.flush()
            self._last, self._last_write = line, now

    def _clear(self) -> None:
        if self._last:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self._last = ""


class CellOutputView:
    """One display per stage in the running cell's output, updated in place; a stage that is no
    longer shown gets its final state from ``tracker`` and is left as it ended."""

    def __init__(self, tracker):
        self.tracker = tracker
        self._handles: dict[int, object] = {}      # stage id -> IPython DisplayHandle
        self._drawn: dict[int, str] = {}            # stage id -> the text last sent

    def draw(self, stages: list, now: float) -> None:
        from IPython.display import display
        showing = {s.stageId for s in stages}
        for stage_id in [s for s in self._handles if s not in showing]:
            info = self.tracker.getStageInfo(stage_id)
            if info is not None:
                self._handles[stage_id].update(self._bundle(info, ended=True), raw=True)
            del self._handles[stage_id], self._drawn[stage_id]
        for info in stages:
            bundle = self._bundle(info)
            if info.stageId not in self._handles:
                self._handles[info.stageId] = display(bundle, raw=True, display_id=True)
            elif self._drawn[info.stageId] != bundle["text/plain"]:
                self._handles[info.stageId].update(bundle, raw=True)
            self._drawn[info.stageId] = bundle["text/plain"]

    @staticmethod
    def _bundle(info, ended: bool = False) -> dict:
        return {"text/plain": render([info], 80), "text/html": render_html(info, ended)}


def _terminal_width() -> int:
    try:
        return max(int(os.environ.get("COLUMNS", "80")), 20)
    except ValueError:
        return 80
