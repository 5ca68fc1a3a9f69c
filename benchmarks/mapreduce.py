"""A MapReduce engine with Hadoop's semantics: the baseline sparklite is measured against.

A job is a mapper, an optional combiner and a reducer over text input:

* input splits: the Hadoop ``FileInputFormat`` splits sparklite's ``textFile`` uses; every job reads
  and parses its input from the files again (nothing is cached between jobs);
* map task: ``mapper(line)`` yields (key, value) pairs into a sort buffer
  (``mapreduce.task.io.sort.mb``). A full buffer is sorted by (partition, key), combined, and spilled
  to local disk. At the end the spills are merged, combined again, and written as the map output file,
  with an index of each reducer's segment;
* reduce task: fetches its segment of every map output file, merges the sorted runs, groups by key,
  calls ``reducer(key, values)`` and writes ``part-r-NNNNN`` to the job's output directory;
* map and reduce tasks run as tasks of two sparklite jobs on the same executors (``local[N]`` or Ray)
  with the same parallelism, so a comparison isolates the execution model and nothing else.

Keys are partitioned with ``portable_hash``, and records are pickled to disk as Hadoop writes
serialized records.
"""
from __future__ import annotations

import heapq
import itertools
import os
import pickle
import shutil
import struct
import tempfile
import uuid
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable

from sparklite.core.api import portable_hash, read_text_split, text_splits

_LENGTH = struct.Struct("<Q")


@dataclass
class MapReduceJob:
    mapper: Callable                  # line -> iterable of (key, value)
    reducer: Callable                 # (key, values iterator) -> iterable of output records
    combiner: Callable | None = None  # (key, values iterator) -> iterable of (key, value)
    num_reducers: int = 2
    sort_buffer_records: int = 200_000
    # Hadoop's Mapper.run over a whole split (setup, map every record, cleanup): lines -> pairs.
    # Set it instead of ``mapper`` for in-mapper combining, as a tuned Hadoop job would do.
    split_mapper: Callable | None = None
    # (key, num_reducers) -> reducer; Hadoop's HashPartitioner unless given (TeraSort samples ranges)
    partitioner: Callable | None = None

    def partition(self, key) -> int:
        if self.partitioner is not None:
            return self.partitioner(key, self.num_reducers)
        return portable_hash(key) % self.num_reducers


def _combine(pairs, combiner):
    """Group sorted (key, value) pairs by key and run the combiner on each group."""
    if combiner is None:
        yield from pairs
        return
    for key, group in itertools.groupby(pairs, key=itemgetter(0)):
        yield from combiner(key, (v for _, v in group))


def _write_run(path: str, pairs) -> None:
    with open(path, "wb") as f:
        batch = []
        for pair in pairs:
            batch.append(pair)
            if len(batch) >= 4096:
                pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)


def _read_run(path: str, start: int = 0, length: int | None = None):
    with open(path, "rb") as f:
        f.seek(start)
        end = start + length if length is not None else os.path.getsize(path)
        while f.tell() < end:
            yield from pickle.load(f)


def run_map_task(job: MapReduceJob, split, work_dir: str, map_id: int) -> str:
    """One map task: returns the path of its output file (segments indexed by reducer)."""
    spills, buffer = [], []
    r = job.num_reducers

    def spill(records):
        keyed = sorted(((job.partition(kv[0]), kv) for kv in records), key=lambda pk: (pk[0], pk[1][0]))
        path = os.path.join(work_dir, f"map-{map_id}-spill-{len(spills)}")
        by_partition = ((p, (kv for _, kv in group)) for p, group in itertools.groupby(keyed, key=itemgetter(0)))
        _write_run(path, ((p, kv) for p, group in by_partition for kv in _combine(group, job.combiner)))
        spills.append(path)

    lines = read_text_split(split)
    pairs = job.split_mapper(lines) if job.split_mapper is not None else \
        (pair for line in lines for pair in job.mapper(line))
    for pair in pairs:
        buffer.append(pair)
        if len(buffer) >= job.sort_buffer_records:
            spill(buffer)
            buffer = []
    spill(buffer)
    # merge the spills into one output file: for each reducer, its sorted, combined segment
    output = os.path.join(work_dir, f"map-{map_id}.out")
    index = []
    runs = [_read_run(path) for path in spills]
    merged = heapq.merge(*runs, key=lambda pk: (pk[0], pk[1][0]))
    with open(output, "wb") as f:
        for partition, group in itertools.groupby(merged, key=itemgetter(0)):
            while len(index) < partition:
                index.append((f.tell(), 0))
            start = f.tell()
            pairs = _combine((kv for _, kv in group), job.combiner)
            for chunk in iter(lambda: list(itertools.islice(pairs, 4096)), []):
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
            index.append((start, f.tell() - start))
        while len(index) < r:
            index.append((f.tell(), 0))
    with open(output + ".index", "wb") as f:
        pickle.dump(index, f)
    for path in spills:
        os.unlink(path)
    return output


def run_reduce_task(job: MapReduceJob, map_outputs: list[str], reduce_id: int, output_dir: str) -> str:
    runs = []
    for output in map_outputs:
        with open(output + ".index", "rb") as f:
            start, length = pickle.load(f)[reduce_id]
        if length:
            runs.append(_read_run(output, start, length))
    merged = heapq.merge(*runs, key=itemgetter(0))
    path = os.path.join(output_dir, "part-r-%05d" % reduce_id)
    with open(path, "w") as f:
        for key, group in itertools.groupby(merged, key=itemgetter(0)):
            for record in job.reducer(key, (v for _, v in group)):
                f.write(format_record(record) + "\n")
    return path


def format_record(record) -> str:
    """Hadoop's TextOutputFormat: key TAB value for pairs."""
    if isinstance(record, tuple) and len(record) == 2:
        return f"{record[0]}\t{record[1]}"
    return str(record)


def run_job(sc, job: MapReduceJob, input_paths: str, output_dir: str, num_maps: int | None = None) -> str:
    """Run one MapReduce job on sparklite's executors; its output is part files in ``output_dir``."""
    if os.path.exists(output_dir):
        raise FileExistsError(f"Output directory {output_dir} already exists")
    splits = text_splits(input_paths, num_maps or sc.defaultParallelism)
    os.makedirs(output_dir)
    work_dir = tempfile.mkdtemp(prefix=f"mapreduce-{uuid.uuid4().hex[:8]}-")
    try:
        map_outputs = sc.parallelize(list(enumerate(splits)), len(splits)).map(
            lambda s: run_map_task(job, s[1], work_dir, s[0])).collect()
        sc.parallelize(range(job.num_reducers), job.num_reducers).map(
            lambda r: run_reduce_task(job, map_outputs, r, output_dir)).collect()
        open(os.path.join(output_dir, "_SUCCESS"), "w").close()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return output_dir


def read_output(output_dir: str, parse=lambda line: line) -> list:
    out = []
    for name in sorted(os.listdir(output_dir)):
        if name.startswith("part-"):
            with open(os.path.join(output_dir, name)) as f:
                out.extend(parse(line.rstrip("\n")) for line in f)
    return out
