"""Writing a DataFrame as files: one job over its partitions, each task writing part files into a
staging directory, the driver committing them into place (Spark's file commit protocol).

Contract:
* ``write_files(df, path, writer, mode, partition_by, settings)`` checks the save mode first: an
  existing path with ``error``/``errorifexists`` raises ``PATH_ALREADY_EXISTS`` and with ``ignore``
  returns, touching nothing. Each task writes ``part-<5-digit partition>-<job uuid>-c000<ext>``
  (``.c000<ext>`` below partition directories, as Spark names them) into
  ``<path>/_temporary/<job uuid>/<partition>-<attempt>/``, so failed or repeated attempts never clash.
* When every task succeeded the driver commits: ``overwrite`` removes what the path held (only now,
  so a failed job loses nothing), the successful attempts' files move into place, the staging
  directory goes, ``_SUCCESS`` is written. When the job fails, the staging directory is removed
  (and the path itself if the job created it) and the error is raised: the destination is as it was.
* ``partition_by`` (pairs of a column and the name the user gave it, which names its directories)
  columns become ``name=value`` directories (both escaped as Spark escapes them,
  NULL and empty strings as ``__HIVE_DEFAULT_PARTITION__``, values as CAST to STRING shows them in
  the session time zone) and are left out of the files. Partition 0 of an unpartitioned write always
  writes a file, so an empty DataFrame leaves its schema (or CSV header) behind; other empty tasks
  write nothing.
* ``writer`` (a format's) has ``extension``, ``stream_compression`` and ``open(stream)`` returning an
  object with ``write(batch)`` and ``close()``.
"""
from __future__ import annotations

import posixpath
import uuid

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from sparklite.core.api import ColumnarRDD, TaskContext
from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException, IllegalArgumentException
from sparklite.sql.execution.cast import to_string
from sparklite.sql.sources.files import DEFAULT_PARTITION_NAME, escape_path_name, qualified

SAVE_MODES = {"append", "overwrite", "ignore", "error", "errorifexists", "default"}


def write_files(df, path: str, writer, mode: str, partition_by: list, settings, dynamic: bool = False) -> None:
    """Write ``df`` below ``path`` with ``writer`` (see the module's contract). ``dynamic``: an overwrite
    of a partitioned write replaces only the partition directories it writes (Spark's dynamic
    ``partitionOverwriteMode``)."""
    fs, root = settings.resolve(path)
    root = root.rstrip("/") or "/"
    existing = fs.get_file_info(root).type
    if existing != pafs.FileType.NotFound:
        if mode in ("error", "errorifexists", "default"):
            raise AnalysisException(errorClass="PATH_ALREADY_EXISTS",
                                    messageParameters={"outputPath": qualified(path, fs, root)})
        if mode == "ignore":
            return
        if mode == "overwrite" and existing == pafs.FileType.File:
            fs.delete_file(root)       # a file where the directory goes cannot hold the staging area
            existing = pafs.FileType.NotFound
    job = str(uuid.uuid4())
    staging = f"{root}/_temporary/{job}"
    names = list(df.columns)
    partition_indexes = [names.index(column) for column, _ in partition_by]
    directory_names = [given for _, given in partition_by]
    data_indexes = [i for i in range(len(names)) if i not in partition_indexes]
    partition_types = [df.schema.fields[i].dataType for i in partition_indexes]
    time_zone = settings.time_zone

    def write_task(batches):
        context = TaskContext.get()
        task_fs, _ = settings.resolve(path)
        task_dir = f"{staging}/{context.partitionId()}-{context.taskAttemptId()}"
        files = _TaskFiles(task_fs, task_dir, writer, context.partitionId(), job)
        try:
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                if not partition_indexes:
                    files.write("", batch)
                    continue
                directories = _partition_directories(batch, partition_indexes, directory_names, partition_types,
                                                     time_zone)
                data = pa.RecordBatch.from_arrays([batch.column(i) for i in data_indexes],
                                                  names=[names[i] for i in data_indexes])
                for directory in pc.unique(directories).to_pylist():
                    files.write(directory, data.filter(pc.equal(directories, directory)))
            if not partition_indexes and context.partitionId() == 0:
                files.ensure("")
        finally:
            files.close()
        return task_dir, files.relative_paths

    rdd = df._query.to_rdd()
    if rdd.getNumPartitions() == 0:
        schema = df._query.schema
        empty = pa.RecordBatch.from_arrays([pa.array([], f.type) for f in schema], schema=schema)
        rdd = ColumnarRDD.from_batches(df.sparkSession.sparkContext, [empty], 1)
    try:
        results = df._query.run(rdd, write_task)
        replace = mode == "overwrite" and existing != pafs.FileType.NotFound
        _commit(fs, root, staging, results, replace and not (dynamic and partition_by),
                replace and dynamic and bool(partition_by))
    except BaseException:
        _delete_quietly(fs, staging)
        if existing == pafs.FileType.NotFound:
            _delete_quietly(fs, root)
        else:
            _delete_quietly(fs, f"{root}/_temporary", only_if_empty=True)
        raise


class _TaskFiles:
    """The part files one task attempt has open, one per partition directory."""

    def __init__(self, fs, task_dir: str, writer, partition: int, job: str):
        self.fs, self.task_dir, self.writer = fs, task_dir, writer
        self.partition, self.job = partition, job
        self.open_files: dict = {}
        self.relative_paths: list = []

    def ensure(self, directory: str):
        """The open part file of a partition directory (``""``: the task's only one), opened if need be."""
        if directory not in self.open_files:
            if directory:
                name = f"{directory}/part-{self.partition:05d}-{self.job}.c000{self.writer.extension}"
            else:
                name = f"part-{self.partition:05d}-{self.job}-c000{self.writer.extension}"
            full = f"{self.task_dir}/{name}"
            self.fs.create_dir(posixpath.dirname(full), recursive=True)
            stream = self.fs.open_output_stream(full, compression=self.writer.stream_compression)
            self.open_files[directory] = (stream, self.writer.open(stream))
            self.relative_paths.append(name)
        return self.open_files[directory][1]

    def write(self, directory: str, batch: pa.RecordBatch) -> None:
        self.ensure(directory).write(batch)

    def close(self) -> None:
        for stream, out in self.open_files.values():
            out.close()
            stream.close()
        self.open_files.clear()


def _partition_directories(batch, indexes: list, names: list, types: list, time_zone: str) -> pa.Array:
    """Each row's ``a=1/b=x`` directory."""
    parts = []
    for i, name, data_type in zip(indexes, names, types):
        text = to_string(batch.column(i), data_type, time_zone, nested=False)
        text = pc.if_else(pc.or_kleene(pc.is_null(text), pc.equal(text, "")), DEFAULT_PARTITION_NAME, text)
        encoded = text.dictionary_encode()
        escaped = pa.array([v if v == DEFAULT_PARTITION_NAME else escape_path_name(v)
                            for v in encoded.dictionary.to_pylist()], pa.string())
        parts.append(pc.binary_join_element_wise(escape_path_name(name) + "=", pc.take(escaped, encoded.indices),
                                                 ""))
    return pc.binary_join_element_wise(*parts, "/")


def _commit(fs, root: str, staging: str, results: list, replace: bool, replace_partitions: bool = False) -> None:
    if replace_partitions:
        written = {posixpath.dirname(relative) for _, paths in results for relative in paths}
        for directory in sorted(d for d in written if d):
            if fs.get_file_info(f"{root}/{directory}").type == pafs.FileType.Directory:
                fs.delete_dir(f"{root}/{directory}")
    if replace:
        for info in fs.get_file_info(pafs.FileSelector(root)):
            if info.base_name == "_temporary":
                continue
            if info.type == pafs.FileType.Directory:
                fs.delete_dir(info.path)
            else:
                fs.delete_file(info.path)
    for task_dir, relative_paths in results:
        for relative in relative_paths:
            target = f"{root}/{relative}"
            fs.create_dir(posixpath.dirname(target), recursive=True)
            fs.move(f"{task_dir}/{relative}", target)
    _delete_quietly(fs, staging)
    _delete_quietly(fs, f"{root}/_temporary", only_if_empty=True)
    with fs.open_output_stream(f"{root}/_SUCCESS"):
        pass


def _delete_quietly(fs, directory: str, only_if_empty: bool = False) -> None:
    try:
        if only_if_empty and fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True)):
            return
        if fs.get_file_info(directory).type == pafs.FileType.Directory:
            fs.delete_dir(directory)
    except OSError:
        pass


def check_partition_columns(schema: T.StructType, partition_by: list, case_sensitive: bool) -> list:
    """(the DataFrame's column, the name given) for each ``partitionBy`` column; Spark's errors for
    unknown ones and for partitioning by every column."""
    resolved = []
    for name in partition_by:
        match = [f.name for f in schema.fields
                 if f.name == name or (not case_sensitive and f.name.lower() == name.lower())]
        if not match:
            raise AnalysisException(errorClass="_LEGACY_ERROR_TEMP_1155",
                                    messageParameters={"col": name, "schemaCatalog": schema.simpleString()})
        resolved.append((match[0], name))
    if resolved and len({column for column, _ in resolved}) >= len(schema.fields):
        raise AnalysisException(errorClass="ALL_PARTITION_COLUMNS_NOT_ALLOWED", messageParameters={})
    return resolved


_TEXT_CODECS = {"none": (None, ""), "uncompressed": (None, ""), "gzip": ("gzip", ".gz"), "bzip2": ("bz2", ".bz2"),
                "zstd": ("zstd", ".zst")}


def text_codec(options: dict) -> tuple:
    """(pyarrow stream compression, file extension) of a text format's ``compression`` option."""
    name = str(options.get("compression", options.get("codec", "none"))).lower()
    if name not in _TEXT_CODECS:
        raise IllegalArgumentException(
            errorClass="CODEC_NOT_AVAILABLE.WITH_AVAILABLE_CODECS_SUGGESTION",
            messageParameters={"codecName": name, "availableCodecs": ", ".join(_TEXT_CODECS)})
    return _TEXT_CODECS[name]


def joined_lines(lines: pa.Array, separator: str) -> pa.Buffer:
    """The UTF-8 bytes of every string of ``lines`` followed by ``separator`` (nulls as empty lines)."""
    empty, sep = pa.scalar("", pa.large_string()), pa.scalar(separator, pa.large_string())
    text = pc.binary_join_element_wise(pc.fill_null(lines.cast(pa.large_string()), empty), empty, sep)
    whole = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(text)], pa.int64()), text), empty)[0]
    return whole.as_buffer() if whole.is_valid else pa.py_buffer(b"")
