"""Files in and out: text, whole files, binary files and pickle files, through ``pyarrow.fs``.

Contract:
* ``resolve(path, conf)`` turns a local path or a URI into a pyarrow filesystem and a path on it.
  ``s3://``, ``s3a://`` and ``s3n://`` go to ``S3FileSystem``, configured by ``s3_options(conf)``
  from Spark's ``spark.hadoop.fs.s3a.*`` keys, or by the AWS environment when none is set; other
  URIs go to ``pyarrow.fs.FileSystem.from_uri``. The filesystem object is picklable and travels to
  the executors inside the splits and the write closures, so tasks need no configuration of their own.
* ``list_input_files`` expands comma-separated paths, directories (skipping ``_`` and ``.`` files,
  as Hadoop does) and glob patterns, and names the path that matched nothing (and a missing bucket).
  Files are named to the user as ``file:/abs/path`` or with the scheme the user wrote (``s3a://b/k``).
* S3's refusals are re-raised in the user's words: ``PermissionError`` naming the credential keys for
  a denied request, ``FileNotFoundError`` naming the bucket for a missing one.
* ``text_splits`` cuts files into Hadoop-style splits (goal size = total / minPartitions, at most
  the 32 MiB local block size, 10% slop; compressed files are not split); ``read_text_split`` yields
  the lines that *start* inside a split, so every line is read exactly once.
* A file that vanished after the job listed it, or that cannot be read (a corrupt compressed file,
  a truncated pickle), fails its task with an error naming the file, unless
  ``spark.files.ignoreMissingFiles`` / ``spark.files.ignoreCorruptFiles`` (a ``ReadPolicy``, taken
  from the configuration when the RDD is made) say to skip it: then a warning names it and what
  could be read before the damage (whole lines of a compressed text file) is kept, as in Spark.
* ``save_partitions`` writes one part file per partition in tasks and ``_SUCCESS`` on the driver after
  the job; an existing output directory is an error, as in Spark.
* A pickle part file is a run of pickled batches followed by an index of the batches' offsets, so
  ``pickle_splits`` cuts files into byte ranges like ``text_splits`` (at least 2000 bytes, Hadoop's
  SequenceFile sync interval) and a split reads the batches that start inside it. A file without the
  index (a damaged one) is read whole by its first split.
"""
from __future__ import annotations

import bisect
import contextlib
import fnmatch
import io
import itertools
import logging
import os
import re
import pickle
import posixpath
import struct
from typing import NamedTuple

import pyarrow.fs as pafs

from sparklite.core.taskcontext import TaskContext

log = logging.getLogger("sparklite.files")
LOCAL_BLOCK_SIZE = 32 << 20
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPLIT_SLOP = 1.1
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
S3_SCHEMES = ("s3", "s3a", "s3n")
_S3A = "spark.hadoop.fs.s3a."
# Words in pyarrow's S3 error messages that mean the service refused the request's credentials.
_DENIED = ("ACCESS_DENIED", "SIGNATURE_DOES_NOT_MATCH", "INVALID_ACCESS_KEY_ID", "MISSING_AUTHENTICATION_TOKEN",
           "EXPIRED_TOKEN", "INVALID_CLIENT_TOKEN_ID", "HTTP status 403")
_PICKLE_INDEX_MAGIC = b"SLPKIDX1"
_PICKLE_MIN_SPLIT = 2000
_CODECS = {"org.apache.hadoop.io.compress.GzipCodec": ("gzip", ".gz"), "gzip": ("gzip", ".gz"),
           "org.apache.hadoop.io.compress.BZip2Codec": ("bz2", ".bz2"), "bzip2": ("bz2", ".bz2"),
           "org.apache.hadoop.io.compress.ZStandardCodec": ("zstd", ".zst"), "zstd": ("zstd", ".zst")}


class ReadPolicy(NamedTuple):
    """What to do with input files that vanished or are corrupt (Spark's ``spark.files.ignore*``)."""
    ignore_corrupt: bool = False
    ignore_missing: bool = False

    @classmethod
    def from_conf(cls, conf) -> "ReadPolicy":
        return cls(conf.get_bool("spark.files.ignoreCorruptFiles", False),
                   conf.get_bool("spark.files.ignoreMissingFiles", False))


class InputFile(NamedTuple):
    """One input file: its filesystem, its path there, its size and the name the user sees."""
    fs: pafs.FileSystem
    path: str
    size: int
    uri: str


def _guarded(file: InputFile, policy: ReadPolicy, read, nothing):
    """``read()``, or ``nothing`` for a file the policy skips; other failures name the file."""
    try:
        return read()
    except FileNotFoundError:
        if policy.ignore_missing:
            log.warning("Skipped missing file: %s", file.uri)
            return nothing
        raise FileNotFoundError(f"File {file.uri} does not exist: it was removed after the job listed its input. "
                                f"Set spark.files.ignoreMissingFiles=true to skip files removed meanwhile.") from None
    except (OSError, EOFError, ValueError, pickle.UnpicklingError) as e:
        refusal = _explained(e, file.uri) if isinstance(e, OSError) else None
        if refusal is not None:
            raise refusal from None
        if policy.ignore_corrupt:
            log.warning("Skipped the corrupted file %s: %s", file.uri, e)
            return nothing
        raise OSError(f"Could not read {file.uri}: {e}. The file is corrupt or not in the format its name says; set "
                      f"spark.files.ignoreCorruptFiles=true to skip corrupt files.") from e


# -- filesystems ----------------------------------------------------------------------------------

def resolve(path: str, conf=None):
    """(filesystem, path on it) for a local path, a ``file:`` path or a URI; S3 URIs are configured
    by ``s3_options(conf)``."""
    scheme, sep, rest = path.partition("://")
    if sep and scheme.lower() in S3_SCHEMES:
        return pafs.S3FileSystem(**s3_options(conf)), rest.rstrip("/")
    if sep:
        return pafs.FileSystem.from_uri(path)
    if path.startswith("file:"):
        path = path[len("file:"):]
    return pafs.LocalFileSystem(), os.path.abspath(path)


def s3_options(conf) -> dict:
    """``S3FileSystem`` keyword arguments from the SparkConf's ``spark.hadoop.fs.s3a.*`` keys. Keys not
    set are left out, so pyarrow falls back to the AWS environment (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_DEFAULT_REGION``, ``~/.aws``)."""
    def get(key):
        value = conf.get(_S3A + key) if conf is not None else None
        return str(value).strip() if value is not None and str(value).strip() else None

    options = {}
    endpoint = get("endpoint")
    if endpoint:
        scheme, sep, host = endpoint.partition("://")
        if sep:
            options["scheme"] = scheme.lower()
            endpoint = host
        options["endpoint_override"] = endpoint.rstrip("/")
    access_key, secret_key = get("access.key"), get("secret.key")
    if bool(access_key) != bool(secret_key):
        raise ValueError(f"Set both {_S3A}access.key and {_S3A}secret.key, or neither (to use the AWS environment)")
    if access_key:
        options.update(access_key=access_key, secret_key=secret_key, session_token=get("session.token"))
    region = get("region") or get("endpoint.region")
    if region:
        options["region"] = region
    path_style = get("path.style.access")
    if path_style is not None:
        # pyarrow addresses buckets by path whenever an endpoint is given, unless told otherwise.
        options["force_virtual_addressing"] = path_style.lower() != "true"
    return options


def uri_of(raw: str, fs, path: str) -> str:
    """A file's name for the user: ``file:/abs/path`` locally, else with the scheme of the ``raw`` path
    the user wrote (``s3a://bucket/key``)."""
    scheme, sep, _ = raw.partition("://")
    if isinstance(fs, pafs.LocalFileSystem):
        return "file:" + path
    return f"{scheme}://{path}" if sep else path


def _explained(error: OSError, shown: str):
    """The error to raise instead of pyarrow's for an S3 refusal (denied access, missing bucket), or None."""
    text = str(error)
    if any(word in text for word in _DENIED):
        return PermissionError(
            f"Access denied to {shown}: the S3 service refused the request ({text}). Set "
            f"{_S3A}access.key and {_S3A}secret.key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when those "
            f"are not set) to a key that may use this bucket.")
    missing = re.match(r"Bucket '([^']*)' not found", text) or (
        "NO_SUCH_BUCKET" in text and re.search(r"bucket '([^']*)'", text))
    if missing:
        return FileNotFoundError(f"Bucket '{missing.group(1)}' does not exist (path {shown}); create the "
                                 f"bucket first, sparklite does not create buckets.")
    return None


@contextlib.contextmanager
def explained_errors(shown: str):
    """Re-raise S3 refusals inside the block in the user's words (see ``_explained``)."""
    try:
        yield
    except OSError as e:
        refusal = _explained(e, shown)
        if refusal is None:
            raise
        raise refusal from None


def _not_found(fs, path: str, message: str) -> FileNotFoundError:
    """``message``, plus the reason when the path lies in an S3 bucket that does not exist."""
    if isinstance(fs, pafs.S3FileSystem):
        bucket = path.split("/", 1)[0]
        if fs.get_file_info(bucket).type == pafs.FileType.NotFound:
            message += f" (the bucket '{bucket}' does not exist)"
    return FileNotFoundError(message)


# -- input ----------------------------------------------------------------------------------------

def _visible(path: str) -> bool:
    return not posixpath.basename(path).startswith(("_", "."))


def list_input_files(paths: str, conf=None) -> list:
    """An ``InputFile`` for every input file named by ``paths``, each once."""
    found = {}
    for raw in [p for p in paths.split(",") if p]:
        with explained_errors(raw):
            for file in _expand(raw, conf):
                found.setdefault(file.uri, file)
    return list(found.values())


def _expand(raw: str, conf) -> list:
    """The files one input path names, sorted (directories and globs expand)."""
    fs, path = resolve(raw, conf)
    if any(c in path for c in "*?["):
        parent = posixpath.dirname(path.rstrip("/"))
        while any(c in parent for c in "*?["):
            parent = posixpath.dirname(parent)
        infos = fs.get_file_info(pafs.FileSelector(parent, recursive=True, allow_not_found=True))
        depth = path.rstrip("/").count("/")   # a glob's * never crosses a directory boundary
        matches = [i for i in infos if i.path.count("/") == depth and fnmatch.fnmatch(i.path, path)]
        if not matches:
            raise _not_found(fs, path, f"Input Pattern {raw} matches 0 files")
        found = []
        for info in matches:
            if info.type == pafs.FileType.Directory:
                found.extend(_files_in(fs, info.path))
            elif _visible(info.path):
                found.append((info.path, info.size))
    else:
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            raise _not_found(fs, path, f"Input path does not exist: {raw}")
        found = _files_in(fs, path) if info.type == pafs.FileType.Directory else [(path, info.size)]
    return [InputFile(fs, p, size, uri_of(raw, fs, p)) for p, size in sorted(found)]


def _files_in(fs, directory: str) -> list:
    infos = fs.get_file_info(pafs.FileSelector(directory, recursive=False))
    return [(i.path, i.size) for i in infos if i.type == pafs.FileType.File and _visible(i.path)]


def _compression(path: str):
    return _COMPRESSION.get(os.path.splitext(path)[1])


def _byte_ranges(size: int, split_size: int):
    """Hadoop's (start, length) splits of a ``size``-byte file: the last may be 10% longer."""
    remaining = size
    while remaining / split_size > _SPLIT_SLOP:
        yield size - remaining, split_size
        remaining -= split_size
    if remaining:
        yield size - remaining, remaining


def text_splits(paths: str, min_partitions: int, conf=None) -> list:
    """Hadoop FileInputFormat splits: (InputFile, start, length, compression)."""
    found = list_input_files(paths, conf)
    goal = sum(f.size for f in found) // max(min_partitions, 1)
    split_size = max(1, min(goal, LOCAL_BLOCK_SIZE))
    splits = []
    for file in found:
        if _compression(file.path) or file.size == 0:
            splits.append((file, 0, file.size, _compression(file.path)))
        else:
            splits.extend((file, start, length, None) for start, length in _byte_ranges(file.size, split_size))
    return splits


def read_text_split(split, use_unicode: bool = True, policy: ReadPolicy = ReadPolicy()):
    """An iterator over the lines that start inside ``split``, without their line breaks."""
    file, start, length, compression = split
    if compression:
        data = _guarded(file, policy, lambda: _read_compressed(file, compression, policy), b"")
    else:
        data = _guarded(file, policy, lambda: _read_line_range(file, start, length), b"")
    if not use_unicode:
        return iter(data.splitlines())
    text = data.decode("utf-8", "replace")
    del data
    if "\r" in text:
        # Hadoop ends lines at \n, \r and \r\n only (str.splitlines would also split at \f, \x1c, ...).
        lines = _LINE_BREAK.split(text)
        if lines and lines[-1] == "":
            lines.pop()
        return iter(lines)
    return itertools.chain.from_iterable(_line_chunks(text))


def _read_compressed(file: InputFile, compression: str, policy: ReadPolicy) -> bytes:
    """A compressed file's bytes; past damage, with ``ignore_corrupt``, the whole lines before it."""
    data = bytearray()
    try:
        with file.fs.open_input_stream(file.path, compression=compression) as f:
            while chunk := f.read(1 << 16):
                data += chunk
    except FileNotFoundError:
        raise
    except OSError as e:
        if not policy.ignore_corrupt or _explained(e, file.uri) is not None:
            raise
        log.warning("Skipped the rest of the content in the corrupted file %s: %s", file.uri, e)
        del data[data.rfind(b"\n") + 1:]
    return bytes(data)


def _line_chunks(text: str, size: int = 1 << 20):
    """``text.split("\n")`` (minus a final empty line) a megabyte at a time: each chunk's lines are
    made and dropped while the chunk is in the cache, not all at once."""
    begin, end = 0, len(text)
    while begin < end:
        cut = text.find("\n", begin + size)
        if cut < 0:
            last = text[begin:].split("\n")
            if last[-1] == "":
                last.pop()
            yield last
            return
        yield text[begin:cut].split("\n")
        begin = cut + 1


def _read_line_range(file: InputFile, start: int, length: int) -> bytes:
    """Bytes of the lines whose first byte lies in (start, start+length], or [0, length] at 0: the
    bounds move past the next line break first, then one read takes them."""
    with file.fs.open_input_file(file.path) as f:
        size = f.size()
        first = 0 if start == 0 else _after_line_break(f, start, size)
        stop = _after_line_break(f, start + length, size)
        if first >= stop:
            return b""
        f.seek(first)
        return f.read(stop - first)


def _after_line_break(f, offset: int, size: int) -> int:
    """The offset just past the first ``\n`` at or after ``offset`` (``size`` if there is none)."""
    if offset >= size:
        return size
    f.seek(offset)
    position = offset
    while True:
        chunk = f.read(1 << 16)
        if not chunk:
            return size
        cut = chunk.find(b"\n")
        if cut >= 0:
            return position + cut + 1
        position += len(chunk)


def whole_file_splits(paths: str, min_partitions: int, conf=None) -> list:
    """Files grouped into about ``min_partitions`` groups (lists of ``InputFile``) of similar total size."""
    found = list_input_files(paths, conf)
    if not found:
        return []
    max_split = max(1, -(-sum(f.size for f in found) // max(min_partitions, 1)))
    groups, current, current_size = [], [], 0
    for file in found:
        if current and current_size + file.size > max_split:
            groups.append(current)
            current, current_size = [], 0
        current.append(file)
        current_size += file.size
    groups.append(current)
    return groups


def read_whole_files(group, as_text: bool, policy: ReadPolicy = ReadPolicy()):
    out = []
    for file in group:
        def read(file=file):
            with file.fs.open_input_stream(file.path, compression=_compression(file.path) if as_text else None) as f:
                return f.read()
        data = _guarded(file, policy, read, None)
        if data is not None:
            out.append((file.uri, data.decode("utf-8", "replace") if as_text else data))
    return out


def pickle_splits(path: str, min_partitions: int, conf=None) -> list:
    """(InputFile, start, length) splits of the ``part-`` files under ``path``, cut like Hadoop cuts
    SequenceFiles for PySpark's ``pickleFile``: goal size total / ``min_partitions``, at least the
    2000-byte sync interval (so small files stay whole) and at most the block size."""
    found = [f for f in list_input_files(path, conf) if posixpath.basename(f.path).startswith("part-")]
    goal = sum(f.size for f in found) // max(min_partitions, 1)
    split_size = max(_PICKLE_MIN_SPLIT, min(goal, LOCAL_BLOCK_SIZE))
    return [(file, start, length) for file in found for start, length in _byte_ranges(file.size, split_size)]


def read_pickle_split(split, policy: ReadPolicy = ReadPolicy()):
    """The objects of the batches that start inside ``split`` (see ``write_pickle_part``)."""
    file, start, length = split

    def read():
        with file.fs.open_input_file(file.path) as f:
            index = _pickle_index(f)
            if index is None:
                if start:
                    return []
                f.seek(0)
                data = f.read()
            else:
                offsets, end = index
                first, last = bisect.bisect_left(offsets, start), bisect.bisect_left(offsets, start + length)
                if first == last:
                    return []
                stop = offsets[last] if last < len(offsets) else end
                f.seek(offsets[first])
                data = f.read(stop - offsets[first])
        out, stream = [], io.BytesIO(data)
        while stream.tell() < len(data):
            out.extend(pickle.load(stream))
        return out

    return _guarded(file, policy, read, [])


def _pickle_index(f):
    """(batch offsets, end of the batches) from a pickle part file's index, or None without one."""
    size = f.size()
    if size < 16:
        return None
    f.seek(size - 16)
    tail = f.read(16)
    if tail[8:] != _PICKLE_INDEX_MAGIC:
        return None
    count = struct.unpack("<Q", tail[:8])[0]
    end = size - 16 - 8 * count
    if end < 0:
        return None
    f.seek(end)
    return struct.unpack(f"<{count}Q", f.read(8 * count)), end


# -- output -------------------------------------------------------------------------------------

def save_partitions(rdd, path: str, write_part, codec: str | None = None) -> None:
    fs, root = resolve(path, rdd.ctx.getConf())
    if codec and codec not in _CODECS:
        raise ValueError(f"Unknown compression codec {codec!r}; use one of {sorted(_CODECS)}")
    compression, suffix = _CODECS[codec] if codec else (None, "")
    with explained_errors(path):
        if fs.get_file_info(root).type != pafs.FileType.NotFound:
            raise FileExistsError(f"Output directory {path} already exists")
        fs.create_dir(root, recursive=True)

    def write(iterator):
        name = posixpath.join(root, "part-%05d%s" % (TaskContext.get().partitionId(), suffix))
        with explained_errors(uri_of(path, fs, name)), fs.open_output_stream(name, compression=compression) as out:
            write_part(iterator, out)
        return None

    rdd.ctx.run_job(rdd, write)
    with explained_errors(path), fs.open_output_stream(posixpath.join(root, "_SUCCESS")):
        pass


def write_text_part(iterator, out) -> None:
    buffer = []
    for x in iterator:
        buffer.append(x if isinstance(x, bytes) else str(x).encode("utf-8"))
        buffer.append(b"\n")
        if len(buffer) >= 16384:
            out.write(b"".join(buffer))
            buffer.clear()
    out.write(b"".join(buffer))


def write_pickle_part(iterator, out, batch_size: int = 10) -> None:
    """Lists of ``batch_size`` objects, one pickle each, then the index ``read_pickle_split`` splits by:
    each batch's offset, the batch count (8-byte little-endian numbers) and a magic word."""
    items, offsets, position = iter(iterator), [], 0
    for batch in iter(lambda: list(itertools.islice(items, max(batch_size, 1))), []):
        data = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
        offsets.append(position)
        out.write(data)
        position += len(data)
    out.write(struct.pack(f"<{len(offsets)}QQ", *offsets, len(offsets)) + _PICKLE_INDEX_MAGIC)
