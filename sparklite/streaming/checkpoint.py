"""A streaming query's checkpoint, laid out as Spark lays it out, through ``pyarrow.fs``.

Contract:
* ``metadata`` holds ``{"id": ...}``: the query's id, the same on every restart.
* ``offsets/<batchId>`` is written before batch ``batchId`` runs: ``v1``, then
  ``{"batchWatermarkMs", "batchTimestampMs", "conf"}``, then one JSON offset per source (``null`` for
  a source with no data yet). ``commits/<batchId>`` is written after its sink took the batch: ``v1``,
  then ``{"nextBatchWatermarkMs"}``. A batch whose offsets exist and whose commit does not is run
  again on restart with the same offsets and the same id.
* ``MetadataLog`` writes each entry to a temporary file and renames it into place, so an entry is
  whole or absent (a crash between the two leaves only a temporary file, which is ignored); entries
  older than the last ``retain`` batches are deleted.
* ``state/`` belongs to the state store (``sparklite.streaming.state``), ``sources/<i>/`` to sources
  that keep a log of their own (the file source's seen files).
"""
from __future__ import annotations

import json
import uuid

import pyarrow.fs as pafs

from sparklite.core.api import resolve_path
from sparklite.sql.errors import AnalysisException

VERSION = "v1"


def join(base: str, *parts) -> str:
    return "/".join([base.rstrip("/")] + [str(p) for p in parts])


def write_atomically(fs, path: str, text: str) -> None:
    temporary = join(path.rsplit("/", 1)[0], f".{path.rsplit('/', 1)[1]}.{uuid.uuid4().hex}.tmp")
    with fs.open_output_stream(temporary) as out:
        out.write(text.encode())
    fs.move(temporary, path)


def read_text(fs, path: str) -> str | None:
    try:
        with fs.open_input_stream(path) as stream:
            return stream.read().decode()
    except FileNotFoundError:
        return None


class MetadataLog:
    """Numbered entries in one folder of the checkpoint (``offsets``, ``commits``, a source's log)."""

    def __init__(self, fs, path: str):
        self.fs, self.path = fs, path
        fs.create_dir(path, recursive=True)

    def add(self, batch_id: int, lines: list[str]) -> None:
        write_atomically(self.fs, join(self.path, batch_id), "\n".join([VERSION] + lines))

    def get(self, batch_id: int) -> list[str] | None:
        text = read_text(self.fs, join(self.path, batch_id))
        if text is None:
            return None
        version, *lines = text.split("\n")
        if version != VERSION:
            raise ValueError(f"{join(self.path, batch_id)} is in log format {version!r}; sparklite reads {VERSION!r}")
        return lines

    def batch_ids(self) -> list[int]:
        infos = self.fs.get_file_info(pafs.FileSelector(self.path, allow_not_found=True))
        return sorted(int(i.base_name) for i in infos if i.base_name.isdigit())

    def latest(self) -> int | None:
        ids = self.batch_ids()
        return ids[-1] if ids else None

    def purge(self, before: int) -> None:
        for batch_id in self.batch_ids():
            if batch_id < before:
                self.fs.delete_file(join(self.path, batch_id))


class Checkpoint:
    def __init__(self, location: str, conf=None):
        self.location = location
        self.fs, self.path = resolve_path(location, conf)
        self.fs.create_dir(self.path, recursive=True)
        self.offsets = MetadataLog(self.fs, join(self.path, "offsets"))
        self.commits = MetadataLog(self.fs, join(self.path, "commits"))

    def query_id(self) -> str:
        """The id kept in ``metadata``, written once with a new id."""
        path = join(self.path, "metadata")
        text = read_text(self.fs, path)
        if text is None:
            if self.offsets.batch_ids() or self.commits.batch_ids():
                raise AnalysisException(errorClass="STREAMING_CHECKPOINT_MISSING_METADATA_FILE",
                                        messageParameters={"checkpointLocation": self.location})
            query_id = str(uuid.uuid4())
            write_atomically(self.fs, path, json.dumps({"id": query_id}))
            return query_id
        return json.loads(text)["id"]

    def write_offsets(self, batch_id: int, watermark_ms: int, timestamp_ms: int, conf: dict, offsets: list) -> None:
        head = json.dumps({"batchWatermarkMs": watermark_ms, "batchTimestampMs": timestamp_ms, "conf": conf},
                          separators=(",", ":"))
        self.offsets.add(batch_id, [head] + [json.dumps(o, separators=(",", ":")) for o in offsets])

    def read_offsets(self, batch_id: int) -> tuple[dict, list]:
        head, *offsets = self.offsets.get(batch_id)
        return json.loads(head), [json.loads(o) for o in offsets]

    def write_commit(self, batch_id: int, next_watermark_ms: int) -> None:
        self.commits.add(batch_id, [json.dumps({"nextBatchWatermarkMs": next_watermark_ms})])

    def read_commit(self, batch_id: int) -> dict | None:
        lines = self.commits.get(batch_id)
        return json.loads(lines[0]) if lines else None

    def subdir(self, *parts) -> str:
        return join(self.path, *parts)

    def purge(self, before: int) -> None:
        self.offsets.purge(before)
        self.commits.purge(before)
