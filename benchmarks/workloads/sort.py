"""TeraSort-style sort: 100-byte records (a 10-character key and a payload), sorted by key into
ordered part files, on sparklite (``sortByKey``) and as a MapReduce job whose partitioner is cut from
a key sample (TeraSort's way of making the reducers' outputs one total order)."""
from __future__ import annotations

import bisect
import hashlib
import os
import random

import numpy as np

from benchmarks.mapreduce import MapReduceJob, run_job

KEY = 10


def records_text_at(path: str, n: int, seed: int = 9) -> str:
    """``n`` lines of 99 printable characters plus a newline: 10 of key, 89 of payload."""
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
    with open(path + ".tmp", "wb") as f:
        for start in range(0, n, 100_000):
            rows = min(100_000, n - start)
            chars = alphabet[rng.integers(0, len(alphabet), size=(rows, 99))]
            block = np.column_stack([chars, np.full(rows, ord("\n"), np.uint8)])
            f.write(block.tobytes())
    os.replace(path + ".tmp", path)
    return path


def digest(lines) -> str:
    h = hashlib.sha1()
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def read_parts(directory: str):
    for name in sorted(os.listdir(directory)):
        if name.startswith("part-"):
            with open(os.path.join(directory, name)) as f:
                for line in f:
                    yield line.rstrip("\n")


def sort_sparklite(sc, path: str, work: str, partitions: int = 4) -> str:
    """Sort into part files under ``work``; returns their directory (``output_digest`` checks it)."""
    out = os.path.join(work, "sorted-sparklite")
    (sc.textFile(path).map(lambda line: (line[:KEY], line[KEY:]))
       .sortByKey(numPartitions=partitions).map(lambda kv: kv[0] + kv[1]).saveAsTextFile(out))
    return out


def sort_mapreduce(sc, path: str, work: str, partitions: int = 4) -> str:
    with open(path) as f:   # TeraSort samples the input to cut key ranges, one per reducer
        sample = sorted(line[:KEY] for line in random.Random(1).sample(f.readlines()[:200_000], 1000))
    bounds = [sample[len(sample) * (i + 1) // partitions] for i in range(partitions - 1)]
    job = MapReduceJob(lambda line: [(line[:KEY], line[KEY:])],
                       lambda key, payloads: (key + p for p in payloads),
                       num_reducers=partitions, partitioner=lambda key, n: bisect.bisect_left(bounds, key))
    return run_job(sc, job, path, os.path.join(work, "sorted-mapreduce"))


def output_digest(directory: str) -> str:
    """The digest of the part files' lines in order: equal digests, equal total orders."""
    return digest(read_parts(directory))
