"""The file source and the file sink of Structured Streaming (Spark's ``FileStreamSource`` and
``FileStreamSink``): a directory read as a stream of new files, a directory written batch by batch.

Contract of ``FileStreamSource`` (``readStream.format(f).load(path)``, f in text/csv/json/parquet/orc):
* A trigger lists the path (a directory, recursively and without hidden files, or a glob; a file
  sink's output directory as its ``_spark_metadata`` log lists it) and takes the files it has not
  taken yet, by modification time, oldest first (newest with ``latestFirst``), then by path; at most
  ``maxFilesPerTrigger`` of them. A file is known by its URI, or by its name with ``fileNameOnly``.
  ``maxFileAge`` (default 7d) ignores files older than the newest taken minus that age (unless
  ``latestFirst`` and ``maxFilesPerTrigger`` are both set); only the first listing takes every file.
* The files taken are one entry ``n`` of the source's own log, ``sources/<index>/<n>`` in the
  checkpoint: ``v1`` then a ``{"path","timestamp","batchId"}`` line per file, as Spark writes it. The
  offset is ``{"logOffset": n}``; the latest offset is the log's last entry, so files taken just
  before a crash are read by the next batch, with the files new by then. A restart knows every file
  taken from the log (none is read twice, none skipped) and a batch run again reads the entries
  between its offsets: the same files.
* ``get_batch`` reads the batch's files with the batch reader (``spark.read``) and the source's
  options, so a malformed row follows ``mode``; a file taken but gone fails the batch naming it.
  Filters above a CSV or JSON source count as its scan's (``pushes_filters``), as Spark counts them.
  ``availableNow`` takes the files listed when the query starts, ``maxFilesPerTrigger`` per batch.
* The schema is the user's, with the partition columns the directory holds (as the batch reader
  reads it); without one, text's ``value`` column, or the batch reader's inference when
  ``spark.sql.streaming.schemaInference`` is on, else Spark's error. The options are checked when
  the query starts (``attach``), as Spark checks them when it creates the source.
* ``cleanSource``: when a batch is committed its files are deleted (``delete``) or moved to
  ``sourceArchiveDir`` followed by their own path (``archive``); a file that cannot be moved is
  left, with a warning.

Contract of ``FileStreamSink`` (``writeStream.format(f).start(path)``, append mode only):
* Batch ``N`` is written by the batch writer (``partitionBy`` laid out as in a batch write) into a
  staging folder, its files moved into the path, then ``_spark_metadata/N`` lists them (``v1``, then
  one JSON line per file with Spark's fields). Every ``spark.sql.streaming.fileSink.log.compactInterval``
  batches (10) the entry is ``N.compact``, repeating every file of the earlier entries, as Spark
  lays the log out (Spark reads the output too). A batch whose id the log holds is skipped: a replay
  writes nothing twice. A reader of the path reads only the listed files (``committed_files`` in
  ``sparklite.sql.sources.files``); a failed batch's files are never listed.
"""
from __future__ import annotations

import json
import logging
import posixpath
import re
import uuid
from typing import NamedTuple
from urllib.parse import quote

import pyarrow.fs as pafs

from sparklite.sql.errors import AnalysisException, IllegalArgumentException, NumberFormatException
from sparklite.sql.sources.files import (SINK_LOG, Settings, committed_files, glob_regex, is_hidden, qualified,
                                        sink_log_batches, uri_path)
from sparklite.streaming.checkpoint import VERSION, MetadataLog, join, write_atomically
from sparklite.streaming.sinks import Sink
from sparklite.streaming.sources import Source

log = logging.getLogger("sparklite.streaming")
GLOB_CHARS = "*?[{"
SCHEMA_REQUIRED = ("Schema must be specified when creating a streaming source DataFrame. If some files already exist "
                   "in the directory, then depending on the file format you may be able to create a static DataFrame "
                   "on that directory with 'spark.read.load(directory)' and infer schema from it.")
STREAM_OPTIONS = ("maxfilespertrigger", "latestfirst", "maxfileage", "filenameonly", "cleansource", "sourcearchivedir",
                  "path")
_URI_SAFE = "/:@!$&'()*+,;=~"        # what Hadoop's Path.toUri leaves unescaped in a path
_TIME_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_BLOCK_SIZE = 32 << 20                # what Hadoop reports for local and S3 files


def file_uri(fs, raw: str, path: str) -> str:
    """A file's name in a log, as Hadoop's ``Path.toUri`` writes it (``file:///a%20b``, ``s3a://b/k``)."""
    quoted = quote(path, safe=_URI_SAFE)
    return "file://" + quoted if isinstance(fs, pafs.LocalFileSystem) else qualified(raw, fs, quoted)


def resolve(session, path: str) -> tuple:
    """(filesystem, path on it, without a trailing slash), configured as the session's batch reads are."""
    fs, resolved = Settings.of(session, {}).resolve(path)
    return fs, resolved.rstrip("/") or "/"


def time_ms(text: str) -> int:
    """A time string (``50s``, ``100ms``, ``7d``; a bare number is milliseconds) in milliseconds, as
    Spark's ``timeStringAsMs`` reads it."""
    match = re.fullmatch(r"(-?\d+)([a-z]+)?", str(text).strip().lower())
    if match is None or (match.group(2) or "ms") not in _TIME_UNITS_MS:
        problem = f"Failed to parse time string: {text}" if match is None else f'Invalid suffix: "{match.group(2)}"'
        raise NumberFormatException(
            "Time must be specified as seconds (s), milliseconds (ms), microseconds (us), minutes (m or min), hour "
            f"(h), or day (d). E.g. 50s, 100ms, or 250us.\n{problem}")
    return int(int(match.group(1)) * _TIME_UNITS_MS[match.group(2) or "ms"])


def _flag(options: dict, name: str) -> bool:
    value = str(options.get(name.lower(), "false"))
    if value.lower() not in ("true", "false"):
        raise IllegalArgumentException(f"Invalid value '{value}' for option '{name}', must be 'true' or 'false'")
    return value.lower() == "true"


class FileStreamOptions(NamedTuple):
    """The source's own options, checked as Spark's ``FileStreamOptions`` checks them."""
    max_files: int | None
    latest_first: bool
    max_age_ms: int | None           # None: files are never too old
    file_name_only: bool
    clean: str                       # "off", "archive" or "delete"
    archive_dir: str | None

    @classmethod
    def parse(cls, options: dict) -> "FileStreamOptions":
        max_files = options.get("maxfilespertrigger")
        if max_files is not None:
            if not str(max_files).strip().isdigit() or int(max_files) <= 0:
                raise IllegalArgumentException(
                    f"Invalid value '{max_files}' for option 'maxFilesPerTrigger', must be a positive integer")
            max_files = int(max_files)
        latest_first = _flag(options, "latestFirst")
        max_age = time_ms(options.get("maxfileage", "7d"))
        clean = str(options.get("cleansource", "off")).lower()
        if clean not in ("archive", "delete", "off"):
            raise IllegalArgumentException(f"Invalid mode for clean source option Some({options['cleansource']}). "
                                           "Must be one of ARCHIVE,DELETE,OFF")
        if clean == "archive" and "sourcearchivedir" not in options:
            raise IllegalArgumentException("Archive mode must be used with 'sourceArchiveDir' option.")
        return cls(max_files, latest_first, None if latest_first and max_files else max_age,
                   _flag(options, "fileNameOnly"), clean, options.get("sourcearchivedir"))


class FileStreamSource(Source):
    """``readStream`` over a directory of files; see the module's contract."""

    def __init__(self, spark, format: str, path: str, schema, options: dict):
        self.session, self.format, self.raw_path = spark, format, path
        self.fs, self.path = resolve(spark, path)
        self.glob = any(c in self.path for c in GLOB_CHARS)
        self.user_options = dict(options)
        self.read_options = {k: v for k, v in options.items() if k not in STREAM_OPTIONS}
        if not self.glob:
            self.read_options.setdefault("basepath", path)
        self.schema = self._schema(schema)
        self.description = f"FileStreamSource[{qualified(path, self.fs, self.path)}]"
        # Spark's CSV and JSON scans drop the rows a filter above rejects as they parse them (so its
        # numInputRows counts after the filter); Parquet and ORC scans skip whole row groups only
        self.pushes_filters = format in ("csv", "json")
        self._seen: dict = {}           # a file's key -> its modification time (ms), for the files taken
        self._latest_ms, self._forget_before = 0, 0
        self._current = -1              # the log's last entry
        self._committed = None          # the log offset the last batch ended at, once known
        self._available_now = None
        self._log = None
        self.options = self.archive_path = None       # set when the query starts (attach)

    def _schema(self, user_schema):
        inference = str(self.session.conf.get("spark.sql.streaming.schemaInference")).lower() == "true"
        if user_schema is None and self.format != "text" and not inference:
            raise IllegalArgumentException(SCHEMA_REQUIRED)
        if not self.glob and self.fs.get_file_info(self.path).type == pafs.FileType.NotFound:
            raise AnalysisException(errorClass="PATH_NOT_FOUND", messageParameters={"path": self.raw_path})
        try:
            return self._reader(user_schema).load(self.raw_path).schema
        except AnalysisException as failure:     # a glob that matches nothing yet
            if self.glob and user_schema is not None and failure.getCondition() == "PATH_NOT_FOUND":
                return user_schema
            raise

    def _reader(self, schema):
        reader = self.session.read.format(self.format).options(**self.read_options)
        return reader if schema is None else reader.schema(schema)

    # -- the log of files taken -------------------------------------------------------------------
    def attach(self, checkpoint, index: int) -> None:
        """Checks the options and reads the files taken so far from the log in ``sources/<index>``. A
        source the query reads twice (a self-join) keeps its first index's log."""
        if self._log is not None:
            return
        self.options = FileStreamOptions.parse(self.user_options)
        if self.options.clean == "archive":
            self.archive_path = self._archive_path(self.options.archive_dir)
        self._log = MetadataLog(checkpoint.fs, checkpoint.subdir("sources", index))
        for entry_id in self._log.batch_ids():
            for entry in self._entries(entry_id):
                self._remember(entry["path"], entry["timestamp"])
            self._current = entry_id
        self._forget_old()

    def _entries(self, entry_id: int) -> list:
        lines = self._log.get(entry_id)
        if lines is None:
            raise AnalysisException(f"The file source's log has no entry {entry_id} ({join(self._log.path, entry_id)}): "
                                    "the checkpoint is damaged; start the query with a new checkpointLocation")
        return [json.loads(line) for line in lines if line]

    def _key(self, uri: str) -> str:
        return uri.rsplit("/", 1)[-1] if self.options.file_name_only else uri

    def _remember(self, uri: str, timestamp: int) -> None:
        self._seen[self._key(uri)] = timestamp
        self._latest_ms = max(self._latest_ms, timestamp)

    def _is_new(self, uri: str, timestamp: int) -> bool:
        return timestamp >= self._forget_before and self._key(uri) not in self._seen

    def _forget_old(self) -> None:
        """Spark's ``SeenFilesMap.purge``: files older than the newest minus ``maxFileAge`` are
        forgotten, and such files are no longer new."""
        if self.options.max_age_ms is not None:
            self._forget_before = self._latest_ms - self.options.max_age_ms
            self._seen = {key: ts for key, ts in self._seen.items() if ts >= self._forget_before}

    # -- listing ------------------------------------------------------------------------------------
    def _listing(self) -> list:
        """(uri, modification time in ms) of every file the path holds now, in the order they are taken."""
        if not self.glob and (committed := committed_files(self.fs, self.path)) is not None:
            files = [(entry["path"], entry["modificationTime"]) for entry in committed]
        else:
            files = self._visible_files()
        name_filter = self.user_options.get("pathglobfilter")
        if name_filter:
            pattern = re.compile(glob_regex(name_filter) + r"\Z")
            files = [(uri, ts) for uri, ts in files if pattern.match(uri_path(uri).rsplit("/", 1)[-1])]
        if self.options.latest_first:
            return sorted(files, key=lambda f: (-f[1], f[0]))
        return sorted(files, key=lambda f: (f[1], f[0]))

    def _visible_files(self) -> list:
        base, pattern = self.path, None
        if self.glob:
            first = min(self.path.find(c) for c in GLOB_CHARS if c in self.path)
            base = posixpath.dirname(self.path[:first]) or "/"
            pattern = re.compile(glob_regex(self.path) + r"(/|\Z)")
        infos = self.fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
        skip = len(base.rstrip("/")) + 1
        return [(file_uri(self.fs, self.raw_path, i.path), i.mtime_ns // 1_000_000) for i in infos
                if i.type == pafs.FileType.File and not any(is_hidden(part) for part in i.path[skip:].split("/"))
                and (pattern is None or pattern.match(i.path))]

    # -- the Source contract ------------------------------------------------------------------------
    def prepare_available_now(self, start) -> None:
        """From now on the files are taken from this listing only."""
        self._available_now = self._listing()

    def latest_offset(self, start):
        """Takes the new files (a new log entry, if there are any); the log's last entry."""
        self._committed = _log_offset(start)
        self._take(self._available_now if self._available_now is not None else self._listing())
        return {"logOffset": self._current} if self._current >= 0 else None

    def _take(self, files: list) -> None:
        new = [(uri, ts) for uri, ts in files if self._is_new(uri, ts)][:self.options.max_files]
        if new:
            self._current += 1
            self._log.add(self._current, [json.dumps({"path": uri, "timestamp": ts, "batchId": self._current},
                                                     separators=(",", ":")) for uri, ts in new])
            for uri, ts in new:
                self._remember(uri, ts)
        self._forget_old()

    def get_batch(self, start, end):
        """The rows of the files of the log entries after ``start`` up to ``end``, read as a batch."""
        self._committed = _log_offset(start)
        files = [qualified(self.raw_path, self.fs, uri_path(entry["path"]))
                 for entry_id in range(self._committed + 1, end["logOffset"] + 1) for entry in self._entries(entry_id)]
        batch = self._reader(self.schema).load(files)
        if batch.columns == self.schema.names:
            return batch
        return batch.select(*[batch[f"`{name.replace('`', '``')}`"] for name in self.schema.names])

    def commit(self, end) -> None:
        """Cleans the files of the entries committed since the last commit (``cleanSource``)."""
        last = end["logOffset"]
        first = last if self._committed is None else self._committed + 1
        if self.options.clean != "off":
            for entry_id in range(first, last + 1):
                for entry in self._entries(entry_id):
                    self._clean(uri_path(entry["path"]))
        self._committed = last

    # -- cleanSource --------------------------------------------------------------------------------
    def _archive_path(self, archive_dir: str) -> str:
        fs, path = resolve(self.session, archive_dir)
        if type(fs) is not type(self.fs):
            raise IllegalArgumentException(
                "requirement failed: Base archive path is located on a different file system than the source files. "
                f"source path: {self.raw_path} / base archive path: {archive_dir}")
        source_parts = [p for p in self.path.split("/") if p]
        archive_parts = [p for p in path.split("/") if p]
        depth = min(len(source_parts), len(archive_parts))
        if all(re.fullmatch(glob_regex(s), a) for s, a in zip(source_parts[:depth], archive_parts[:depth])):
            raise IllegalArgumentException(
                "requirement failed: Base archive path cannot be set to the path where archived path can possibly "
                "match with source pattern. Ensure the base archive path doesn't match with source pattern in depth, "
                "where the depth is minimum of depth on both paths.")
        return path

    def _clean(self, path: str) -> None:
        try:
            if self.options.clean == "delete":
                self.fs.delete_file(path)
                return
            target = f"{self.archive_path}/{path.lstrip('/')}"
            self.fs.create_dir(posixpath.dirname(target), recursive=True)
            self.fs.move(path, target)
        except OSError as failure:       # Spark too only warns: the batch is committed already
            log.warning("Could not %s the file %s of a committed batch: %s", self.options.clean, path, failure)


def _log_offset(offset) -> int:
    return -1 if offset is None else offset["logOffset"]


class FileStreamSink(Sink):
    """``writeStream`` into a directory of files; see the module's contract."""

    def __init__(self, spark, format: str, path: str, partition_by, options: dict):
        self.session, self.format, self.raw_path = spark, format, path
        self.fs, self.path = resolve(spark, path)
        self.partition_by = list(partition_by or [])
        self.write_options = {k: v for k, v in options.items() if k not in ("path", "checkpointlocation")}
        self.log_path = join(self.path, SINK_LOG)
        self.fs.create_dir(self.log_path, recursive=True)
        self.description = f"FileSink[{qualified(path, self.fs, self.path)}]"

    def add_batch(self, batch_id, df, mode):
        """Writes the batch and logs its files, unless the log holds it; the rows written."""
        if batch_id <= max(sink_log_batches(self.fs, self.path), default=-1):
            log.info("Skipping already committed batch %s of %s", batch_id, self.description)
            return 0
        rows = self.session.sparkContext.accumulator(0)

        def count(batches):
            for batch in batches:
                rows.add(batch.num_rows)
                yield batch
        staging = join(self.path, "_temporary", f"batch-{batch_id}-{uuid.uuid4()}")
        writer = df.mapInArrow(count, df.schema).write.format(self.format).options(**self.write_options)
        if self.partition_by:
            writer = writer.partitionBy(*self.partition_by)
        try:
            writer.save(qualified(self.raw_path, self.fs, staging))
            entries = self._move_into_place(staging)
        finally:
            self._remove_staging(staging)
        self._log(batch_id, entries)
        return rows.value

    def _move_into_place(self, staging: str) -> list:
        """Moves the staged files into the path; their log entries."""
        infos = self.fs.get_file_info(pafs.FileSelector(staging, recursive=True))
        targets = []
        for info in infos:
            relative = info.path[len(staging) + 1:]
            if info.type != pafs.FileType.File or any(is_hidden(part) for part in relative.split("/")):
                continue
            target = f"{self.path}/{relative}"
            self.fs.create_dir(posixpath.dirname(target), recursive=True)
            self.fs.move(info.path, target)
            targets.append(target)
        return [{"path": file_uri(self.fs, self.raw_path, i.path), "size": i.size, "isDir": False,
                 "modificationTime": i.mtime_ns // 1_000_000, "blockReplication": 1, "blockSize": _BLOCK_SIZE,
                 "action": "add"} for i in self.fs.get_file_info(sorted(targets))]

    def _remove_staging(self, staging: str) -> None:
        """Removes the staging folder, and ``_temporary`` when nothing else is in it."""
        parent = posixpath.dirname(staging)
        if self.fs.get_file_info(staging).type != pafs.FileType.NotFound:     # a failed write removed it
            self.fs.delete_dir(staging)
        try:
            if not self.fs.get_file_info(pafs.FileSelector(parent)):
                self.fs.delete_dir(parent)
        except OSError:           # another batch's writer was quicker
            pass

    def _log(self, batch_id: int, entries: list) -> None:
        interval = int(self.session.conf.get("spark.sql.streaming.fileSink.log.compactInterval", "10"))
        name = str(batch_id)
        if (batch_id + 1) % interval == 0:
            entries = (committed_files(self.fs, self.path) or []) + entries
            name += ".compact"
        lines = [json.dumps(entry, separators=(",", ":")) for entry in entries]
        write_atomically(self.fs, join(self.log_path, name), "\n".join([VERSION] + lines))
