"""The event log: every listener-bus event of an application as one JSON object per line, so that a
finished (or crashed) application can be shown again by ``sparklite history``.

Contract:
* ``EventLogWriter(app_id, conf)`` is a listener writing under ``spark.eventLog.dir`` (default
  ``/tmp/spark-events``, made if missing; any filesystem ``pyarrow.fs`` reaches, ``s3://`` too).
  Without rolling, one file ``<app id>[.<codec>]``, named ``.inprogress`` until ``close()``. With
  ``spark.eventLog.rolling.enabled``, a folder ``eventlog_v2_<app id>`` of ``events_<n>_<app id>[.<codec>]``
  files, a new one once the current passes ``spark.eventLog.rolling.maxFileSize``, beside an
  ``appstatus_<app id>[.inprogress]`` marker. ``spark.eventLog.compress`` compresses with
  ``spark.eventLog.compression.codec`` (zstd, lz4 or gzip). Lines are written in one piece: at the
  application's start and end, at a job's end (at most ten times a second), past 1 MiB, and by a
  thread of the writer every half second, so a crashed application's log misses at most its last
  half second.
  Block updates are logged for cached RDD blocks only (the storage page), every block with
  ``spark.eventLog.logBlockUpdates.enabled``.
* A line is ``{"Event": "SparkListener<Class>", <the event's fields>}``; ``decode`` turns it back
  into the core's event object (unknown kinds and a torn last line are skipped).
* ``list_applications(dir)`` finds the logs in a folder; ``replay(log)`` yields a log's events.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.fs as pafs

from sparklite.core import api
from sparklite.core.api import SparkListener, TaskMetrics

log = logging.getLogger("sparklite.eventlog")

_EVENTS = {f"SparkListener{cls.__name__}": cls for cls in (
    api.ApplicationStart, api.ApplicationEnd, api.EnvironmentUpdate, api.JobStart, api.JobEnd,
    api.StageSubmitted, api.StageCompleted, api.TaskStart, api.TaskEnd, api.ExecutorAdded,
    api.ExecutorRemoved, api.ExecutorDecommissioned, api.BlockUpdated, api.SQLExecutionStart,
    api.SQLExecutionEnd)}
_NAMES = {cls: name for name, cls in _EVENTS.items()}
_FLUSH_EVERY = 0.5   # seconds: the most a crashed application's log can miss
_FLUSH_AT = (api.ApplicationStart, api.EnvironmentUpdate, api.ApplicationEnd)
_JSON = json.JSONEncoder(check_circular=False, separators=(",", ":"), default=str)   # events hold no cycles
_CODECS = {"zstd": "zstd", "lz4": "lz4", "gzip": "gzip"}   # Spark's short name -> pyarrow's codec
_IN_PROGRESS = ".inprogress"
_ROLLED_PREFIX = "eventlog_v2_"
DEFAULT_DIR = "/tmp/spark-events"


def encode(event) -> str:
    fields = {"Event": _NAMES[type(event)], **vars(event)}
    if type(event) is api.TaskEnd:
        fields["metrics"] = vars(event.metrics)
    return _JSON.encode(fields)


def decode(line: str):
    """The event a line holds, or None for a kind this version does not know."""
    data = json.loads(line)
    cls = _EVENTS.get(data.pop("Event", None))
    if cls is None:
        return None
    known = {f.name for f in dataclasses.fields(cls)}
    data = {k: v for k, v in data.items() if k in known}
    if cls is api.TaskEnd:
        data["metrics"] = TaskMetrics(**{k: v for k, v in (data.get("metrics") or {}).items()
                                         if k in TaskMetrics.names()})
    if cls is api.BlockUpdated:
        data["block_id"] = tuple(data["block_id"])
    if cls is api.SQLExecutionEnd:
        data["rows"] = {int(k): v for k, v in (data.get("rows") or {}).items()}
    return cls(**data)


def _codec(conf) -> str | None:
    if str(conf.get("spark.eventLog.compress", "false")).lower() != "true":
        return None
    name = str(conf.get("spark.eventLog.compression.codec", "zstd")).lower()
    if name not in _CODECS:
        raise ValueError(f"spark.eventLog.compression.codec: {name!r} is not one of {sorted(_CODECS)}")
    return name


class EventLogWriter(SparkListener):
    def __init__(self, app_id: str, conf):
        self.fs, self.root = api.resolve_path(str(conf.get("spark.eventLog.dir") or DEFAULT_DIR), conf)
        self.app_id = app_id
        self.codec = _codec(conf)
        self.rolling = str(conf.get("spark.eventLog.rolling.enabled", "false")).lower() == "true"
        self.max_file_size = api.parse_bytes(conf.get("spark.eventLog.rolling.maxFileSize", "128m"),
                                             "spark.eventLog.rolling.maxFileSize")
        self.fs.create_dir(self.root, recursive=True)
        suffix = f".{self.codec}" if self.codec else ""
        if self.rolling:
            self.folder = f"{self.root}/{_ROLLED_PREFIX}{app_id}"
            self.fs.create_dir(self.folder, recursive=True)
            self._touch(f"{self.folder}/appstatus_{app_id}{_IN_PROGRESS}")
            self.index = 0
            self.path = None
        else:
            self.path = f"{self.root}/{app_id}{suffix}"
        self._suffix = suffix
        self.all_blocks = str(conf.get("spark.eventLog.logBlockUpdates.enabled", "false")).lower() == "true"
        self._stream = None
        self._written = 0
        self._pending: list[bytes] = []     # lines not yet written: one write per flush, not per event
        self._buffered = 0
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()       # the bus thread adds lines; the flusher thread writes them too
        self._open_next()
        self._closed = threading.Event()
        self._flusher = threading.Thread(target=self._flush_every, args=(_FLUSH_EVERY,),
                                         name="sparklite-event-log", daemon=True)
        self._flusher.start()

    def _flush_every(self, seconds: float) -> None:
        while not self._closed.wait(seconds):
            with self._lock:
                if self._stream is not None and self._pending:
                    self._flush()

    def _touch(self, path: str) -> None:
        with self.fs.open_output_stream(path):
            pass

    def _open_next(self) -> None:
        if self.rolling:
            self.index += 1
            self.path = f"{self.folder}/events_{self.index}_{self.app_id}{self._suffix}"
            target = self.path
        else:
            target = self.path + _IN_PROGRESS
        raw = self.fs.open_output_stream(target)
        self._stream = pa.CompressedOutputStream(raw, _CODECS[self.codec]) if self.codec else raw
        self._written = 0

    def _on_event(self, event) -> None:
        if type(event) is api.BlockUpdated and event.block_id[0] != "rdd" and not self.all_blocks:
            return      # broadcast blocks are the driver's business; cached RDDs' are the storage page
        line = (encode(event) + "\n").encode()
        with self._lock:
            if self._stream is None:
                return
            if self.rolling and self._written + self._buffered + len(line) > self.max_file_size \
                    and self._written + self._buffered:
                self._flush()
                self._stream.close()
                self._open_next()
            self._pending.append(line)
            self._buffered += len(line)
            now = time.monotonic()
            if self._buffered >= 1 << 20 or type(event) in _FLUSH_AT \
                    or (type(event) is api.JobEnd and now - self._last_flush >= 0.1):
                self._flush(now)

    def _flush(self, now: float | None = None) -> None:
        if self._pending:
            self._stream.write(b"".join(self._pending))
            self._stream.flush()
            self._written += self._buffered
            self._pending.clear()
            self._buffered = 0
        self._last_flush = time.monotonic() if now is None else now

    def close(self) -> None:
        """End the log: write what is pending, close the stream and drop the in-progress names."""
        self._closed.set()
        self._flusher.join(timeout=5)
        with self._lock:
            if self._stream is None:
                return
            self._flush()
            self._stream.close()
            self._stream = None
        if self.rolling:
            marker = f"{self.folder}/appstatus_{self.app_id}"
            self.fs.move(marker + _IN_PROGRESS, marker)
        else:
            self.fs.move(self.path + _IN_PROGRESS, self.path)


for _name in _EVENTS:
    setattr(EventLogWriter, "on" + _name[len("SparkListener"):], EventLogWriter._on_event)


# -- reading ---------------------------------------------------------------------------------------

@dataclass
class LoggedApplication:
    app_id: str
    path: str                   # the log file, or the rolled log's folder
    completed: bool
    size: int
    modified: float


def list_applications(directory: str, conf=None) -> list[LoggedApplication]:
    """The event logs in ``directory``, newest first."""
    fs, root = api.resolve_path(directory, conf)
    found = []
    for info in fs.get_file_info(pafs.FileSelector(root, allow_not_found=True)):
        name = info.base_name
        modified = info.mtime.timestamp() if info.mtime is not None else 0.0
        if info.type == pafs.FileType.Directory and name.startswith(_ROLLED_PREFIX):
            app_id = name[len(_ROLLED_PREFIX):]
            inside = fs.get_file_info(pafs.FileSelector(info.path))
            completed = any(i.base_name == f"appstatus_{app_id}" for i in inside)
            found.append(LoggedApplication(app_id, info.path, completed, sum(i.size or 0 for i in inside), modified))
        elif info.type == pafs.FileType.File:
            completed = not name.endswith(_IN_PROGRESS)
            stem = name[:-len(_IN_PROGRESS)] if not completed else name
            for codec in _CODECS:
                if stem.endswith("." + codec):
                    stem = stem[:-len(codec) - 1]
            found.append(LoggedApplication(stem, info.path, completed, info.size or 0, modified))
    return sorted(found, key=lambda a: a.modified, reverse=True)


def _codec_of(path: str) -> str | None:
    name = path[:-len(_IN_PROGRESS)] if path.endswith(_IN_PROGRESS) else path
    return next((c for c in _CODECS if name.endswith("." + c)), None)


def _lines(fs, path: str):
    codec = _codec_of(path)
    with fs.open_input_stream(path, compression=_CODECS[codec] if codec else None) as stream:
        data = stream.read()
    return data.decode("utf-8", "replace").split("\n")


def replay(app: LoggedApplication, conf=None):
    """The events of a logged application, in the order they were posted."""
    fs, path = api.resolve_path(app.path, conf)
    if fs.get_file_info(path).type == pafs.FileType.Directory:
        files = [i for i in fs.get_file_info(pafs.FileSelector(path)) if i.base_name.startswith("events_")]
        paths = [i.path for i in sorted(files, key=lambda i: int(i.base_name.split("_")[1]))]
    else:
        paths = [path]
    for file in paths:
        try:
            lines = _lines(fs, file)
        except OSError as error:     # a crashed application's compressed log may end mid-frame
            log.warning("Could not read all of the event log %s: %s", file, error)
            continue
        for line in lines:
            if not line.strip():
                continue
            try:
                event = decode(line)
            except (ValueError, TypeError, KeyError):
                continue               # the torn last line of a crashed application
            if event is not None:
                yield event
