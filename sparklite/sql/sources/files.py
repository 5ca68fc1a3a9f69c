"""The files behind a file source: which files a read names, their Hive-style partition values, how
they are cut into tasks, and the ``FileSource`` every format builds on.

Contract:
* ``list_files(paths, options, settings, user_schema)`` expands the user's paths as Spark's file index
  does: a glob (``*``, ``?``, ``[ab]``, ``[^a]``, ``{x,y}``) matches files and directories, a directory
  is listed recursively, and names starting with ``_`` (unless they hold ``=``) or ``.`` are skipped, even
  a file named directly. A path that matches nothing raises ``PATH_NOT_FOUND``. Leaf directories below
  the base paths (the ``basePath`` option, or each directory named, or the parent of each file named)
  made of ``key=value`` segments become partition columns, typed as Spark infers them (int, bigint,
  decimal, double, timestamp, date, else string; ``__HIVE_DEFAULT_PARTITION__`` is NULL) unless the
  user's schema names their types. Without partition columns only the files directly inside the
  named directories are read. ``recursiveFileLookup`` reads every file below and discovers nothing;
  ``pathGlobFilter`` keeps the file names matching a glob. One directory named without a glob that
  holds ``_spark_metadata`` (a streaming file sink's output) is read as the files that log lists
  (``committed_files``, Spark's ``MetadataLogFileIndex``): files of batches the sink never committed
  are not read.
* ``plan_splits`` cuts files into byte ranges and packs them into tasks as Spark's ``FilePartition``
  does: split size ``min(maxPartitionBytes, max(openCostInBytes, total / parallelism))`` where each file
  costs its size plus ``openCostInBytes``, pieces largest first, a task closed when the next piece would
  overflow it.
* ``read_line_range`` returns the bytes of the lines that start inside a byte range (Hadoop's rule, so
  each line is read by exactly one task); ``read_whole`` a file's bytes, decompressed by its extension.
* ``FileSource`` is the data source a read becomes (see ``sparklite.sql.plan.logical.DataSourceRelation``):
  ``schema`` (data columns then partition columns), ``splits()``, ``read(split, columns)``,
  ``arrow_only`` and ``description``. It is pickled into tasks, so it holds names and sizes only,
  resolves filesystems inside ``read`` and leaves its file list behind (a task reads the pieces it is
  given; the driver plans them); a format supplies ``read_piece``.
"""
from __future__ import annotations

import copy
import datetime
import decimal
import json
import logging
import posixpath
import re
from typing import NamedTuple
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from sparklite import SparkJobError
from sparklite.core.api import resolve_path
from sparklite.errors import PySparkException
from sparklite.sql import types as T
from sparklite.sql.conf import byte_size
from sparklite.sql.display import java_float_string
from sparklite.sql.errors import AnalysisException, SparkRuntimeException
from sparklite.sql.execution.cast import parse_date, parse_timestamp

log = logging.getLogger("sparklite.sql.sources")
DEFAULT_PARTITION_NAME = "__HIVE_DEFAULT_PARTITION__"
_GLOB_CHARS = "*?[{"
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}
class Settings(NamedTuple):
    """What a source needs of the session, taken when the read is defined (picklable)."""
    fs_conf: dict               # the spark.hadoop.fs.s3a.* keys
    time_zone: str
    case_sensitive: bool
    max_partition_bytes: int
    open_cost: int
    parallelism: int
    corrupt_column: str
    partition_inference: bool
    ignore_missing: bool
    ignore_corrupt: bool

    @classmethod
    def of(cls, session, options: dict) -> "Settings":
        """The settings of ``session``, with a read's options (``ignoreMissingFiles``...) over them."""
        conf = session.conf
        values = conf.getAll()

        def flag(option: str, key: str) -> bool:
            return str(options.get(option.lower(), conf.get(key, "false"))).lower() == "true"
        return cls(
            fs_conf={k: v for k, v in values.items() if k.startswith("spark.hadoop.fs.")},
            time_zone=conf.get("spark.sql.session.timeZone"),
            case_sensitive=conf.get_bool("spark.sql.caseSensitive"),
            max_partition_bytes=byte_size(options.get("maxpartitionbytes",
                                                      conf.get("spark.sql.files.maxPartitionBytes"))),
            open_cost=byte_size(conf.get("spark.sql.files.openCostInBytes", "4MB")),
            parallelism=int(conf.get("spark.sql.files.minPartitionNum",
                                     session.sparkContext.defaultParallelism)),
            corrupt_column=conf.get("spark.sql.columnNameOfCorruptRecord", "_corrupt_record"),
            partition_inference=str(conf.get("spark.sql.sources.partitionColumnTypeInference.enabled",
                                             "true")).lower() == "true",
            ignore_missing=flag("ignoreMissingFiles", "spark.sql.files.ignoreMissingFiles"),
            ignore_corrupt=flag("ignoreCorruptFiles", "spark.sql.files.ignoreCorruptFiles"))

    def resolve(self, uri: str):
        """(filesystem, path on it) for a file's name."""
        return resolve_path(uri, self.fs_conf)


class FileStatus(NamedTuple):
    """One input file: the name the user sees (and ``resolve`` takes), its size, its partition values."""
    uri: str
    size: int
    partition: tuple = ()


class FilePiece(NamedTuple):
    """A byte range of one file: what one task reads of it."""
    uri: str
    start: int
    length: int
    partition: tuple


# -- naming and globs ---------------------------------------------------------------------------

def qualified(raw: str, fs, path: str) -> str:
    """A path as Spark names it: ``file:/abs/path`` locally, else with the scheme the user wrote."""
    if isinstance(fs, pafs.LocalFileSystem):
        return "file:" + path
    scheme, sep, _ = raw.partition("://")
    return f"{scheme}://{path}" if sep else path


def is_hidden(name: str) -> bool:
    """Spark's rule for files and directories it skips when listing (``_SUCCESS``, ``.crc`` files)."""
    return (name.startswith("_") and "=" not in name) or name.startswith(".") or name.endswith("._COPYING_")


def glob_regex(pattern: str) -> str:
    """A Hadoop glob as a regex: ``*`` and ``?`` stay within one path segment, ``{a,b}`` alternates,
    ``[^a]`` negates, a backslash escapes."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                out.append("[" + ("^" + body[1:] if body[:1] in "^!" else body).replace("\\", "\\\\") + "]")
                i = end
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _glob(fs, pattern: str) -> list:
    """The FileInfos matching a glob pattern on ``fs`` (one listing below its fixed prefix)."""
    first = min(pattern.find(c) for c in _GLOB_CHARS if c in pattern)
    parent = posixpath.dirname(pattern[:first]) or "/"
    regex = re.compile(glob_regex(pattern) + r"\Z")
    depth = pattern.rstrip("/").count("/")
    selector = pafs.FileSelector(parent, recursive=depth > parent.rstrip("/").count("/") + 1, allow_not_found=True)
    return sorted((i for i in fs.get_file_info(selector) if i.path.count("/") == depth and regex.match(i.path)),
                  key=lambda i: i.path)


def as_nullable(data_type):
    """The type with every field, element and map value nullable (file sources read everything so)."""
    if isinstance(data_type, T.StructType):
        return T.StructType([T.StructField(f.name, as_nullable(f.dataType), True, f.metadata)
                             for f in data_type.fields])
    if isinstance(data_type, T.ArrayType):
        return T.ArrayType(as_nullable(data_type.elementType), True)
    if isinstance(data_type, T.MapType):
        return T.MapType(data_type.keyType, as_nullable(data_type.valueType), True)
    return data_type


def unsupported_type(field, format_name: str) -> AnalysisException:
    """Spark's error for a column a format cannot hold."""
    return AnalysisException(errorClass="UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE", messageParameters={
        "columnName": f"`{field.name}`", "columnType": f'"{T.sql_type_name(field.dataType)}"', "format": format_name})


def _not_found(path: str) -> AnalysisException:
    return AnalysisException(errorClass="PATH_NOT_FOUND", messageParameters={"path": path})


# -- listing and partition discovery --------------------------------------------------------------

class _Root(NamedTuple):
    fs: object
    path: str          # on the filesystem
    uri: str           # as the user sees it
    is_dir: bool
    size: int


def _roots(paths: list, settings: Settings) -> list:
    roots = []
    for raw in paths:
        fs, path = settings.resolve(raw)
        if any(c in path for c in _GLOB_CHARS):
            matches = _glob(fs, path)
            if not matches:
                raise _not_found(qualified(raw, fs, path))
        else:
            matches = [fs.get_file_info(path)]
            if matches[0].type == pafs.FileType.NotFound:
                raise _not_found(qualified(raw, fs, path))
        roots += [_Root(fs, i.path, qualified(raw, fs, i.path), i.type == pafs.FileType.Directory, i.size or 0)
                  for i in matches]
    return roots


def _leaf_files(root: _Root, sink_log: bool = False) -> list:
    """(uri, size) of every visible file below a root directory; with ``sink_log``, of the files its
    streaming file sink committed when it holds the sink's log."""
    committed = committed_files(root.fs, root.path) if sink_log else None
    if committed is not None:
        base = root.path.rstrip("/") + "/"
        paths = [(uri_path(entry["path"]), entry["size"]) for entry in committed]
        return sorted((root.uri.rstrip("/") + "/" + path[len(base):] if path.startswith(base)
                       else qualified(root.uri, root.fs, path), size) for path, size in paths)
    infos = root.fs.get_file_info(pafs.FileSelector(root.path, recursive=True))
    prefix = len(root.path.rstrip("/")) + 1
    found = []
    for info in infos:
        if info.type != pafs.FileType.File:
            continue
        relative = info.path[prefix:]
        if any(is_hidden(part) for part in relative.split("/")):
            continue
        found.append((root.uri.rstrip("/") + "/" + relative, info.size))
    return sorted(found)


SINK_LOG = "_spark_metadata"
_SINK_LOG_ENTRY = re.compile(r"(\d+)(\.compact)?\Z")


def sink_log_batches(fs, directory: str) -> dict:
    """Batch id -> entry name in the log ``<directory>/_spark_metadata`` of a streaming file sink:
    ``N``, or ``N.compact`` for a batch whose entry repeats every earlier one."""
    infos = fs.get_file_info(pafs.FileSelector(f"{directory}/{SINK_LOG}", allow_not_found=True))
    return {int(m.group(1)): i.base_name for i in infos if (m := _SINK_LOG_ENTRY.match(i.base_name))}


def committed_files(fs, directory: str) -> list | None:
    """The files a streaming file sink committed below ``directory``, as its log lists them (dicts
    with ``path``, a URI, ``size`` and ``modificationTime``), read from its last compact entry on;
    None when the directory holds no sink log."""
    if fs.get_file_info(f"{directory}/{SINK_LOG}").type != pafs.FileType.Directory:
        return None
    batches = sink_log_batches(fs, directory)
    first = max((b for b, name in batches.items() if name.endswith(".compact")), default=0)
    entries = []
    for batch_id in sorted(b for b in batches if b >= first):
        with fs.open_input_stream(f"{directory}/{SINK_LOG}/{batches[batch_id]}") as stream:
            entries += [json.loads(line) for line in stream.read().decode().split("\n")[1:] if line]
    return [entry for entry in entries if entry.get("action") == "add"]


def uri_path(uri: str) -> str:
    """The path on its filesystem of a file a log names by URI (``file:///a%20b`` -> ``/a b``)."""
    _, sep, rest = uri.partition("://")
    return unquote(rest if sep else uri.removeprefix("file:"))


def list_files(paths: list, options: dict, settings: Settings, user_schema=None) -> tuple[list, T.StructType]:
    """The files a read names (``FileStatus`` with typed partition values) and the partition schema."""
    roots = _roots(paths, settings)
    name_filter = options.get("pathglobfilter")
    name_regex = re.compile(glob_regex(name_filter) + r"\Z") if name_filter else None
    recursive = str(options.get("recursivefilelookup", "false")).lower() == "true"
    sink_log = len(paths) == 1 and not any(c in str(paths[0]) for c in _GLOB_CHARS)

    def keep(uri: str) -> bool:
        name = uri.rsplit("/", 1)[-1]
        return not is_hidden(name) and (name_regex is None or bool(name_regex.match(name)))

    everything = {uri: size for root in roots
                  for uri, size in (_leaf_files(root, sink_log) if root.is_dir else [(root.uri, root.size)])
                  if keep(uri)}
    if recursive:
        return [FileStatus(uri, size) for uri, size in everything.items()], T.StructType([])

    if "basepath" in options:
        fs, base = settings.resolve(options["basepath"])
        bases = {qualified(options["basepath"], fs, base.rstrip("/"))}
    else:
        bases = {root.uri.rstrip("/") if root.is_dir else root.uri.rsplit("/", 1)[0] for root in roots}
    directories = sorted({uri.rsplit("/", 1)[0] for uri in everything})
    parsed = {d: _parse_partition_directory(d, bases) for d in directories}
    with_values = {d: values for d, (values, _) in parsed.items() if values is not None}
    if not with_values:
        direct = {root.uri.rstrip("/") for root in roots if root.is_dir}
        files = [FileStatus(uri, size) for uri, size in everything.items()
                 if uri.rsplit("/", 1)[0] in direct or uri in {r.uri for r in roots if not r.is_dir}]
        return files, T.StructType([])
    discovered = sorted({base for _, base in parsed.values()}, key=str.lower)
    if len({base.lower() for base in discovered}) != 1:
        raise SparkRuntimeException(errorClass="CONFLICTING_DIRECTORY_STRUCTURES", messageParameters={
            "discoveredBasePaths": "".join(f"\n\t{base}" for base in discovered) + "\n"})
    names = sorted({tuple(n for n, _ in values) for values in with_values.values()})
    if len({tuple(n.lower() for n in columns) for columns in names}) != 1:
        raise SparkRuntimeException(errorClass="CONFLICTING_PARTITION_COLUMN_NAMES", messageParameters={
            "distinctPartColLists": "".join(f"\n\tPartition column name list #{i}: {', '.join(n)}"
                                            for i, n in enumerate(names)) + "\n",
            "suspiciousPaths": "".join(f"\n\t{d}" for d in sorted(with_values))})
    columns = [n for n, _ in next(iter(with_values.values()))]
    schema = _partition_schema(columns, list(with_values.values()), settings, user_schema)
    files = []
    for uri, size in everything.items():
        values = with_values.get(uri.rsplit("/", 1)[0])
        if values is not None:
            files.append(FileStatus(uri, size, tuple(
                partition_value(raw, field.dataType, settings.time_zone)
                for (_, raw), field in zip(values, schema.fields))))
    return files, schema


def _parse_partition_directory(directory: str, bases: set):
    """([(column, raw value)] or None, the base path the walk stopped at), walking up from a leaf
    directory as Spark's ``parsePartition`` does."""
    columns, current = [], directory.rstrip("/")
    while True:
        if current in bases:
            break
        name = current.rsplit("/", 1)[-1]
        if name.lower() == "_temporary":
            return None, directory
        key, eq, value = name.partition("=")
        if eq and key:
            columns.append((unescape_path_name(key), value))
        parent = current.rsplit("/", 1)[0] if "/" in current.split("://", 1)[-1] else ""
        if (not eq and columns) or not parent or parent == current:
            break
        current = parent
    if not columns:
        return None, directory
    return list(reversed(columns)), current


def unescape_path_name(text: str) -> str:
    """A partition directory's name or value with its ``%XX`` escapes decoded."""
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def escape_path_name(text: str) -> str:
    """Spark's escaping of partition names and values in directory names."""
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in text)


_ESCAPED = set(chr(i) for i in range(1, 32)) | set("\"#%'*/:=?\\\x7f{[]^")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_JAVA_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)\Z")
BIG_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")      # java.math.BigDecimal's syntax
INTEGER_BITS = {T.ByteType: 7, T.ShortType: 15, T.IntegerType: 31, T.LongType: 63}
_PARTITION_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?\Z")
_PARTITION_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def infer_partition_type(raw: str, time_zone: str):
    """Spark's type for one partition directory value."""
    if raw == DEFAULT_PARTITION_NAME:
        return T.NullType()
    if _INTEGER.match(raw):
        value = int(raw)
        if -2 ** 31 <= value < 2 ** 31:
            return T.IntegerType()
        if -2 ** 63 <= value < 2 ** 63:
            return T.LongType()
        digits = len(raw.lstrip("+-").lstrip("0") or "0")
        if digits <= 38:
            return T.DecimalType(digits, 0)
    if _JAVA_DOUBLE.match(raw.strip()):
        return T.DoubleType()
    text = unescape_path_name(raw)
    if _PARTITION_TIMESTAMP.match(text) and parse_timestamp(text, time_zone) is not None:
        return T.TimestampType()
    if _PARTITION_DATE.match(raw) and parse_date(raw) is not None:
        return T.DateType()
    return T.StringType()


def wider_partition_type(a, b):
    """Spark's ``findWiderTypeWithoutStringPromotion`` on partition types (None: no common type)."""
    if a == b or isinstance(b, T.NullType):
        return a
    if isinstance(a, T.NullType):
        return b
    order = [T.IntegerType, T.LongType, T.DoubleType]
    if type(a) in order and type(b) in order:
        return max(a, b, key=lambda t: order.index(type(t)))
    if {type(a), type(b)} == {T.DateType, T.TimestampType}:
        return T.TimestampType()
    as_decimal = {T.IntegerType: T.DecimalType(10, 0), T.LongType: T.DecimalType(20, 0)}
    if isinstance(a, T.DecimalType) or isinstance(b, T.DecimalType):
        if isinstance(a, T.DoubleType) or isinstance(b, T.DoubleType):
            return T.DoubleType()
        a, b = as_decimal.get(type(a), a), as_decimal.get(type(b), b)
        if isinstance(a, T.DecimalType) and isinstance(b, T.DecimalType):
            scale = max(a.scale, b.scale)
            return T.DecimalType(min(max(a.precision - a.scale, b.precision - b.scale) + scale, 38), scale)
    return None


def _partition_schema(columns: list, values: list, settings: Settings, user_schema) -> T.StructType:
    fields = []
    for i, name in enumerate(columns):
        given = _field_named(user_schema, name, settings.case_sensitive) if user_schema is not None else None
        if given is not None:
            fields.append(T.StructField(given.name, given.dataType, True))
            continue
        if not settings.partition_inference:
            fields.append(T.StructField(name, T.StringType(), True))
            continue
        wide = T.NullType()
        for row in values:
            wide = wider_partition_type(wide, infer_partition_type(row[i][1], settings.time_zone)) or T.StringType()
        fields.append(T.StructField(name, T.StringType() if isinstance(wide, T.NullType) else wide, True))
    return T.StructType(fields)


def _field_named(schema, name: str, case_sensitive: bool):
    for field in schema.fields:
        if field.name == name or (not case_sensitive and field.name.lower() == name.lower()):
            return field
    return None


def partition_value(raw: str, data_type, time_zone: str):
    """A partition directory's value as the Python value of its column's type (None when it does not fit)."""
    if raw == DEFAULT_PARTITION_NAME:
        return None
    text = unescape_path_name(raw)
    try:
        if isinstance(data_type, T.StringType):
            return text
        if isinstance(data_type, T.IntegralType):
            return int(text) if _INTEGER.match(text) else None
        if isinstance(data_type, (T.DoubleType, T.FloatType)):
            return float(text.rstrip("fFdD")) if _JAVA_DOUBLE.match(text.strip()) else None
        if isinstance(data_type, T.DecimalType):
            return decimal.Decimal(text) if BIG_DECIMAL.match(text) else None
        if isinstance(data_type, T.DateType):
            return parse_date(text)
        if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
            micros = parse_timestamp(text, time_zone, isinstance(data_type, T.TimestampNTZType))
            return None if micros is None else datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros)
        if isinstance(data_type, T.BooleanType):
            return {"true": True, "false": False}.get(text.lower())
    except (ValueError, decimal.InvalidOperation):
        return None
    return text


def constant_column(value, data_type, n: int) -> pa.Array:
    """``n`` copies of one partition value as an Arrow array of the column's type."""
    arrow_type = T.to_arrow_type(data_type)
    if value is None:
        return pa.nulls(n, arrow_type)
    if isinstance(data_type, (T.TimestampType, T.TimestampNTZType)):
        micros = (value - datetime.datetime(1970, 1, 1)) // datetime.timedelta(microseconds=1)
        return pa.repeat(pa.scalar(micros, pa.int64()), n).cast(arrow_type)
    return pa.repeat(pa.scalar(value, arrow_type), n)


# -- splits -------------------------------------------------------------------------------------

_COMPARE = {"=": lambda a, b: a == b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _may_hold(value, operator: str, bound) -> bool:
    """Whether ``value <operator> bound`` may be true (a NULL partition value never compares true)."""
    if value is None:
        return False
    try:
        return bool(_COMPARE[operator](value, bound))
    except (TypeError, KeyError):      # not comparable here: no conclusion
        return True


def plan_splits(files: list, settings: Settings, splittable) -> list:
    """Lists of ``FilePiece``, one per task, packed as Spark's ``FilePartition.getFilePartitions``."""
    open_cost = settings.open_cost
    total = sum(f.size + open_cost for f in files)
    max_split = min(settings.max_partition_bytes, max(open_cost, total // max(settings.parallelism, 1)))
    pieces = []
    for f in files:
        if splittable(f.uri):
            pieces += [FilePiece(f.uri, start, min(max_split, f.size - start), f.partition)
                       for start in range(0, f.size, max_split)]
        elif f.size > 0:
            pieces.append(FilePiece(f.uri, 0, f.size, f.partition))
    pieces.sort(key=lambda p: -p.length)
    tasks, current, size = [], [], 0
    for piece in pieces:
        if current and size + piece.length > max_split:
            tasks.append(current)
            current, size = [], 0
        current.append(piece)
        size += piece.length + open_cost
    if current:
        tasks.append(current)
    return tasks


def compression_of(uri: str):
    """The codec a file's extension names (``.gz``, ``.bz2``, ``.zst``), or None."""
    return _COMPRESSION.get(posixpath.splitext(uri)[1].lower())


def read_whole(fs, path: str) -> bytes:
    """A file's bytes, decompressed when its extension names a codec."""
    with fs.open_input_stream(path, compression=compression_of(path)) as f:
        return f.read()


def read_line_range(fs, path: str, start: int, length: int, separator: bytes = b"\n") -> bytes:
    """The bytes of the lines that start in (start, start + length] (from 0 for the first range)."""
    with fs.open_input_file(path) as f:
        size = f.size()
        first = 0 if start == 0 else _after_separator(f, start, size, separator)
        stop = _after_separator(f, start + length, size, separator)
        if first >= stop:
            return b""
        f.seek(first)
        return f.read(stop - first)


def _after_separator(f, offset: int, size: int, separator: bytes) -> int:
    """The offset just past the first separator that starts at or after ``offset`` (``size`` without one)."""
    if offset >= size:
        return size
    f.seek(offset)
    data_start, carry, keep = offset, b"", len(separator) - 1
    while True:
        chunk = f.read(1 << 16)
        if not chunk:
            return size
        data = carry + chunk
        found = data.find(separator)
        if found != -1:
            return data_start + found + len(separator)
        carry = data[len(data) - keep:] if keep else b""
        data_start += len(data) - len(carry)


def run_tasks(session, tasks: list, work) -> list:
    """``work(task, index)`` for every task: inline for one, else as a job (schema inference runs
    so, as Spark's does); an error raised in a task is raised as itself."""
    if len(tasks) <= 1:
        return [work(task, i) for i, task in enumerate(tasks)]
    rdd = session.sparkContext.parallelize(list(enumerate(tasks)), len(tasks))
    try:
        return rdd.map(lambda item: work(item[1], item[0])).collect()
    except SparkJobError as failure:
        if isinstance(failure.__cause__, PySparkException):
            raise failure.__cause__ from None
        raise


# -- parse modes (CSV, JSON) -------------------------------------------------------------------

def internal_row_text(arrays: list, types: list, row: int) -> str:
    """A row as Spark prints an InternalRow in errors: ``[2,y,null]`` (dates as days, timestamps as
    microseconds)."""
    parts = []
    for array, data_type in zip(arrays, types):
        value = array[row]
        if not value.is_valid:
            parts.append("null")
        elif isinstance(data_type, (T.DateType, T.TimestampType, T.TimestampNTZType)):
            parts.append(str(value.cast(pa.int32() if isinstance(data_type, T.DateType) else pa.int64()).as_py()))
        elif isinstance(data_type, (T.FloatType, T.DoubleType)):
            parts.append(java_float_string(value.as_py(), single=isinstance(data_type, T.FloatType)))
        elif isinstance(data_type, T.BooleanType):
            parts.append("true" if value.as_py() else "false")
        elif isinstance(data_type, T.DecimalType):
            parts.append(format(value.as_py(), "f"))
        else:
            parts.append(str(value.as_py()))
    return "[" + ",".join(parts) + "]"


def malformed_error(bad_record: str) -> SparkRuntimeException:
    """``FAILFAST``'s error for a malformed record."""
    return SparkRuntimeException(errorClass="MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
                                 messageParameters={"badRecord": bad_record, "failFastMode": "FAILFAST"})


def only_corrupt_column_error() -> AnalysisException:
    """Spark's refusal to read only the corrupt-record column of CSV or JSON files."""
    return AnalysisException(errorClass="UNSUPPORTED_FEATURE.QUERY_ONLY_CORRUPT_RECORD_COLUMN", messageParameters={})


def finish_rows(fields: list, arrays: list, failed: pa.Array | None, raw, mode: str, corrupt: str | None,
                names: list) -> dict:
    """A parse mode applied to a piece's converted columns (``fields``, non-empty): the batch's
    arrays by name, with the corrupt-record column when ``names`` asks for it. ``failed`` marks the
    malformed records, ``raw`` holds every record's text."""
    by_name = {f.name: a for f, a in zip(fields, arrays)}
    if failed is not None and failed.true_count:
        if mode == "FAILFAST":
            row = pc.index(failed, True).as_py()
            raise malformed_error(internal_row_text(arrays, [f.dataType for f in fields], row))
        if mode == "DROPMALFORMED":
            keep = pc.invert(failed)
            by_name = {name: a.filter(keep) for name, a in by_name.items()}
            failed = None
    if corrupt is not None and corrupt in names:
        if failed is None or not failed.true_count:
            by_name[corrupt] = pa.nulls(len(next(iter(by_name.values()))), pa.string())
        else:
            by_name[corrupt] = pc.if_else(failed, pa.array(raw, pa.string()), pa.scalar(None, pa.string()))
    return by_name


# -- the source ---------------------------------------------------------------------------------

def select_columns(columns: dict, names: list, num_rows: int) -> pa.RecordBatch:
    """A batch of the named arrays in order (a batch without columns keeps its row count)."""
    if not names:
        return pa.RecordBatch.from_struct_array(pa.repeat(pa.scalar({}, pa.struct([])), num_rows))
    return pa.RecordBatch.from_arrays([columns[n] for n in names], names=names)


class FileSource:
    """A read of files in one format; see the module's contract. A format subclass sets ``name`` and
    ``type_name`` (as Spark's messages name the format), defines ``infer_schema`` (None without files)
    and ``read_piece``, and may override ``splittable``."""

    name = "file"
    type_name = "File"
    arrow_only = True
    filters = None          # (column, operator, value) conjuncts of the query, to skip data they rule out

    @classmethod
    def create(cls, session, paths: list, user_schema, options: dict, settings: Settings) -> "FileSource":
        """The source of a read: its files listed, its schema given or inferred."""
        if paths:
            files, partition_schema = list_files(paths, options, settings, user_schema)
        else:
            files, partition_schema = [], T.StructType([])
        schema = user_schema if user_schema is not None else cls.infer_schema(session, files, options, settings)
        if schema is None:
            raise AnalysisException(errorClass="UNABLE_TO_INFER_SCHEMA", messageParameters={"format": cls.type_name})
        data_schema = T.StructType([f for f in schema.fields
                                    if _field_named(partition_schema, f.name, settings.case_sensitive) is None])
        return cls(files, as_nullable(data_schema), partition_schema, options, settings, list(paths))

    @classmethod
    def infer_schema(cls, session, files: list, options: dict, settings: Settings):
        """The data columns the files hold, or None when there are no files to tell."""
        raise NotImplementedError

    def __init__(self, files: list, data_schema: T.StructType, partition_schema: T.StructType, options: dict,
                 settings: Settings, roots: list):
        self.files, self.options, self.settings = files, options, settings
        self.data_schema, self.partition_schema = data_schema, partition_schema
        self.schema = T.StructType(list(data_schema.fields) + list(partition_schema.fields))
        self.roots = list(roots)
        self.description = f"{self.name} [{', '.join(roots)}]"

    def __getstate__(self):
        # tasks get their pieces in their split: the list of every file stays on the driver
        return {**self.__dict__, "files": []}

    @property
    def size_in_bytes(self) -> int:
        """What Spark's planner takes for the read's size: its files' sizes (on the driver)."""
        return sum(f.size for f in self.files)

    def splittable(self, uri: str) -> bool:
        """Whether a file may be cut into byte ranges read by different tasks."""
        return False

    def with_filters(self, filters: list) -> "FileSource":
        """A copy that skips the files whose partition values rule ``filters`` out (and, for Parquet,
        the row groups whose statistics do)."""
        other = copy.copy(self)
        other.files, other.filters = self.files, list(filters)     # copying pickles, which leaves files out
        return other

    def splits(self) -> list:
        """The read's tasks: lists of ``FilePiece``."""
        return plan_splits(self._pruned_files(), self.settings, self.splittable)

    def _pruned_files(self) -> list:
        """Partition pruning: the files of the partitions ``filters`` may match."""
        if not self.filters or not self.partition_schema.fields:
            return self.files
        fold = (lambda n: n) if self.settings.case_sensitive else str.lower
        names = [fold(f.name) for f in self.partition_schema.fields]
        checks = [(names.index(fold(c)), op, v) for c, op, v in self.filters if fold(c) in names]
        if not checks:
            return self.files
        return [f for f in self.files if all(_may_hold(f.partition[i], op, v) for i, op, v in checks)]

    def read(self, split, columns):
        """The record batches of one split with exactly ``columns``, in order."""
        partition_names = [f.name for f in self.partition_schema.fields]
        wanted = [f for f in self.data_schema.fields if f.name in columns]
        for piece in split:
            for batch in self._guarded(piece, wanted):
                arrays = {f.name: batch.column(i) for i, f in enumerate(wanted)}
                for name, field, value in zip(partition_names, self.partition_schema.fields, piece.partition):
                    if name in columns:
                        arrays[name] = constant_column(value, field.dataType, batch.num_rows)
                yield select_columns(arrays, list(columns), batch.num_rows)

    def _guarded(self, piece: FilePiece, wanted: list):
        """``read_piece``'s batches; a missing or unreadable file fails the task naming it, or is
        skipped with a warning (from where the damage starts) when ``ignoreMissingFiles`` /
        ``ignoreCorruptFiles`` say so."""
        try:
            fs, path = self.settings.resolve(piece.uri)
            yield from self.read_piece(fs, path, piece, wanted)
        except FileNotFoundError:
            if not self.settings.ignore_missing:
                raise SparkRuntimeException(errorClass="FAILED_READ_FILE.FILE_NOT_EXIST",
                                            messageParameters={"path": piece.uri}) from None
            log.warning("Skipped missing file: %s", piece.uri)
        except (OSError, pa.ArrowInvalid) as e:
            if not self.settings.ignore_corrupt:
                raise SparkRuntimeException(errorClass="FAILED_READ_FILE.NO_HINT",
                                            messageParameters={"path": piece.uri}) from e
            log.warning("Skipped the rest of the content in the corrupted file: %s (%s)", piece.uri, e)

    def read_piece(self, fs, path: str, piece: FilePiece, fields: list):
        """Record batches of the data ``fields`` (in order, with their Arrow types) of one piece."""
        raise NotImplementedError
