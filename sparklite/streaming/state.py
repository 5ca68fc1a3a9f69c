"""The state store: each stateful operator's state per shuffle partition, one Arrow file per version
in the checkpoint (``state/<operator>/<partition>/<version>.arrow``), kept in memory where it ran.

Contract:
* ``StateStore(location, run_id, conf)`` is picklable and travels in the tasks of every batch; the SQL
  operators call ``load(operator, partition, version)`` (the table of that version, None for an
  empty state) and ``commit(operator, partition, version, table)``; a partition may be a path
  (``"3/left"``: a join keeps each side's rows apart).
* A version whose table equals the one before is not written: a version reads as the newest file at
  or before it. Version 0 is the empty state.
* Each process keeps the last table it committed for each (operator, partition) of a run, so a batch
  whose partition runs where the previous one did reads no file; a new run of the query reads the
  files (what the last run committed, not what it left in memory).
* ``purge(before)`` deletes the files no version from ``before`` on reads.
"""
from __future__ import annotations

import threading
import uuid

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.ipc as ipc

from sparklite.core.api import resolve_path
from sparklite.streaming.checkpoint import join

_cache: dict = {}          # (location, operator, partition) -> (run id, version, table)
_lock = threading.Lock()


class StateStore:
    def __init__(self, location: str, run_id: str, conf=None):
        self.location, self.run_id = location, run_id
        self.fs, self.path = resolve_path(location, conf)

    def _dir(self, operator: int, partition: int) -> str:
        return join(self.path, operator, partition)

    def _versions(self, operator: int, partition: int) -> list[int]:
        infos = self.fs.get_file_info(pafs.FileSelector(self._dir(operator, partition), allow_not_found=True))
        return sorted(int(i.base_name[:-len(".arrow")]) for i in infos
                      if i.base_name.endswith(".arrow") and i.base_name[:-len(".arrow")].isdigit())

    def load(self, operator: int, partition: int, version: int) -> pa.Table | None:
        if version == 0:
            return None
        key = (self.location, operator, partition)
        with _lock:
            cached = _cache.get(key)
        if cached is not None and cached[0] == self.run_id and cached[1] == version:
            return cached[2]
        stored = [v for v in self._versions(operator, partition) if v <= version]
        if not stored:
            return None
        with self.fs.open_input_file(join(self._dir(operator, partition), f"{stored[-1]}.arrow")) as source:
            return ipc.open_file(source).read_all()

    def commit(self, operator: int, partition: int, version: int, table: pa.Table) -> None:
        key = (self.location, operator, partition)
        with _lock:
            cached = _cache.get(key)
        unchanged = cached is not None and cached[0] == self.run_id and cached[1] == version - 1 and \
            cached[2].equals(table)
        if not unchanged and (table.num_rows or self._versions(operator, partition)):
            folder = self._dir(operator, partition)
            self.fs.create_dir(folder, recursive=True)
            temporary = join(folder, f".{version}.{uuid.uuid4().hex}.tmp")
            with self.fs.open_output_stream(temporary) as sink:
                with ipc.new_file(sink, table.schema) as writer:
                    writer.write_table(table)
            self.fs.move(temporary, join(folder, f"{version}.arrow"))
        with _lock:
            _cache[key] = (self.run_id, version, table)

    def purge(self, before: int) -> None:
        """Deletes each partition's files older than the newest one at or before ``before``."""
        folders: dict = {}
        for info in self.fs.get_file_info(pafs.FileSelector(self.path, recursive=True, allow_not_found=True)):
            stem = info.base_name[:-len(".arrow")]
            if info.base_name.endswith(".arrow") and stem.isdigit():
                folders.setdefault(info.path.rsplit("/", 1)[0], []).append(int(stem))
        for folder, versions in folders.items():
            keep = max([v for v in versions if v <= before], default=None)
            for v in versions:
                if v < before and v != keep:
                    self.fs.delete_file(join(folder, f"{v}.arrow"))

    def forget(self) -> None:
        """Drops this process's tables of this location (the query stopped)."""
        with _lock:
            for key in [k for k in _cache if k[0] == self.location]:
                del _cache[key]
