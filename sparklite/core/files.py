"""Files in and out: text, whole files, binary files and pickle files, through ``pyarrow.fs``.

Contract:
* ``resolve(path)`` turns a local path or a URI (``file://``, ``s3://``, ...) into a pyarrow
  filesystem and a path on it; ``list_input_files`` expands comma-separated paths, directories
  (skipping ``_`` and ``.`` files, as Hadoop does) and glob patterns, and names the path that matched
  nothing.
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
"""
from __future__ import annotations

import fnmatch
import io
import itertools
import logging
import os
import re
import pickle
import posixpath
from typing import NamedTuple

import pyarrow.fs as pafs

from sparklite.core.taskcontext import TaskContext

log = logging.getLogger("sparklite.files")
LOCAL_BLOCK_SIZE = 32 << 20
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPLIT_SLOP = 1.1
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
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


def _guarded(fs, path: str, policy: ReadPolicy, read, nothing):
    """``read()``, or ``nothing`` for a file the policy skips; other failures name the file."""
    shown = display_path(fs, path)
    try:
        return read()
    except FileNotFoundError:
        if policy.ignore_missing:
            log.warning("Skipped missing file: %s", shown)
            return nothing
        raise FileNotFoundError(f"File {shown} does not exist: it was removed after the job listed its input. "
                                f"Set spark.files.ignoreMissingFiles=true to skip files removed meanwhile.") from None
    except (OSError, EOFError, ValueError, pickle.UnpicklingError) as e:
        if policy.ignore_corrupt:
            log.warning("Skipped the corrupted file %s: %s", shown, e)
            return nothing
        raise OSError(f"Could not read {shown}: {e}. The file is corrupt or not in the format its name says; set "
                      f"spark.files.ignoreCorruptFiles=true to skip corrupt files.") from e


def resolve(path: str):
    if "://" in path:
        return pafs.FileSystem.from_uri(path)
    if path.startswith("file:"):
        path = path[len("file:"):]
    return pafs.LocalFileSystem(), os.path.abspath(path)


def display_path(fs, path: str) -> str:
    return "file:" + path if isinstance(fs, pafs.LocalFileSystem) else path


def _visible(path: str) -> bool:
    return not posixpath.basename(path).startswith(("_", "."))


def list_input_files(paths: str):
    """(filesystem, [(path, size)]) for every input file named by ``paths``."""
    found, fs = [], None
    for raw in [p for p in paths.split(",") if p]:
        found.extend(_expand(raw))
        fs = resolve(raw)[0]
    return fs, list(dict.fromkeys(found))


def _expand(raw: str) -> list:
    """The files one input path names, sorted (directories and globs expand)."""
    found = []
    fs, path = resolve(raw)
    if any(c in path for c in "*?["):
        parent = posixpath.dirname(path.rstrip("/"))
        while any(c in parent for c in "*?["):
            parent = posixpath.dirname(parent)
        infos = fs.get_file_info(pafs.FileSelector(parent, recursive=True, allow_not_found=True))
        depth = path.rstrip("/").count("/")   # a glob's * never crosses a directory boundary
        matches = [i for i in infos if i.path.count("/") == depth and fnmatch.fnmatch(i.path, path)]
        for info in matches:
            if info.type == pafs.FileType.Directory:
                found.extend(_files_in(fs, info.path))
            elif _visible(info.path):
                found.append((info.path, info.size))
        if not matches:
            raise FileNotFoundError(f"Input Pattern {raw} matches 0 files")
        return sorted(found)
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"Input path does not exist: {raw}")
    if info.type == pafs.FileType.Directory:
        found.extend(_files_in(fs, path))
    else:
        found.append((path, info.size))
    return sorted(found)


def _files_in(fs, directory: str) -> list:
    infos = fs.get_file_info(pafs.FileSelector(directory, recursive=False))
    return [(i.path, i.size) for i in infos if i.type == pafs.FileType.File and _visible(i.path)]


def _compression(path: str):
    return _COMPRESSION.get(os.path.splitext(path)[1])


def text_splits(paths: str, min_partitions: int) -> list:
    """Hadoop FileInputFormat splits: (uri-or-path, start, length, compression)."""
    fs, files = list_input_files(paths)
    total = sum(size for _, size in files)
    goal = total // max(min_partitions, 1)
    splits = []
    for path, size in files:
        if _compression(path) or size == 0:
            splits.append((fs, path, 0, size, _compression(path)))
            continue
        split_size = max(1, min(goal, LOCAL_BLOCK_SIZE))
        remaining = size
        while remaining / split_size > _SPLIT_SLOP:
            splits.append((fs, path, size - remaining, split_size, None))
            remaining -= split_size
        if remaining:
            splits.append((fs, path, size - remaining, remaining, None))
    return splits


def read_text_split(split, use_unicode: bool = True, policy: ReadPolicy = ReadPolicy()):
    """An iterator over the lines that start inside ``split``, without their line breaks."""
    fs, path, start, length, compression = split
    if compression:
        data = _guarded(fs, path, policy, lambda: _read_compressed(fs, path, compression, policy), b"")
    else:
        data = _guarded(fs, path, policy, lambda: _read_line_range(fs, path, start, length), b"")
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


def _read_compressed(fs, path: str, compression: str, policy: ReadPolicy) -> bytes:
    """A compressed file's bytes; past damage, with ``ignore_corrupt``, the whole lines before it."""
    data = bytearray()
    try:
        with fs.open_input_stream(path, compression=compression) as f:
            while chunk := f.read(1 << 16):
                data += chunk
    except FileNotFoundError:
        raise
    except OSError as e:
        if not policy.ignore_corrupt:
            raise
        log.warning("Skipped the rest of the content in the corrupted file %s: %s", display_path(fs, path), e)
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


def _read_line_range(fs, path: str, start: int, length: int) -> bytes:
    """Bytes of the lines whose first byte lies in (start, start+length], or [0, length] at 0: the
    bounds move past the next line break first, then one read takes them."""
    with fs.open_input_file(path) as f:
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


def whole_file_splits(paths: str, min_partitions: int) -> list:
    """Files grouped into about ``min_partitions`` groups of similar total size."""
    fs, files = list_input_files(paths)
    if not files:
        return []
    total = sum(size for _, size in files)
    max_split = max(1, -(-total // max(min_partitions, 1)))
    groups, current, current_size = [], [], 0
    for path, size in files:
        if current and current_size + size > max_split:
            groups.append((fs, current))
            current, current_size = [], 0
        current.append(path)
        current_size += size
    groups.append((fs, current))
    return groups


def read_whole_files(group, as_text: bool, policy: ReadPolicy = ReadPolicy()):
    fs, paths = group
    out = []
    for path in paths:
        def read(path=path):
            with fs.open_input_stream(path, compression=_compression(path) if as_text else None) as f:
                return f.read()
        data = _guarded(fs, path, policy, read, None)
        if data is not None:
            out.append((display_path(fs, path), data.decode("utf-8", "replace") if as_text else data))
    return out


def read_pickle_file(split, policy: ReadPolicy = ReadPolicy()):
    fs, path = split

    def read():
        out = []
        with fs.open_input_stream(path) as f:
            stream = io.BytesIO(f.read())
        size = len(stream.getbuffer())
        while stream.tell() < size:
            out.extend(pickle.load(stream))
        return out

    return _guarded(fs, path, policy, read, [])


def pickle_splits(path: str) -> list:
    fs, files = list_input_files(path)
    return [(fs, p) for p, _ in files if posixpath.basename(p).startswith("part-")]


# -- output -------------------------------------------------------------------------------------

def save_partitions(rdd, path: str, write_part, codec: str | None = None) -> None:
    fs, root = resolve(path)
    if fs.get_file_info(root).type != pafs.FileType.NotFound:
        raise FileExistsError(f"Output directory {path} already exists")
    if codec and codec not in _CODECS:
        raise ValueError(f"Unknown compression codec {codec!r}; use one of {sorted(_CODECS)}")
    compression, suffix = _CODECS[codec] if codec else (None, "")
    fs.create_dir(root, recursive=True)

    def write(iterator):
        name = posixpath.join(root, "part-%05d%s" % (TaskContext.get().partitionId(), suffix))
        target_fs = resolve(path)[0]
        with target_fs.open_output_stream(name, compression=compression) as out:
            write_part(iterator, out)
        return None

    rdd.ctx._run_job(rdd, write)
    with fs.open_output_stream(posixpath.join(root, "_SUCCESS")):
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
    batch = []
    for x in iterator:
        batch.append(x)
        if len(batch) >= max(batch_size, 1):
            out.write(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
            batch = []
    if batch:
        out.write(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
