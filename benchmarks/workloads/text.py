"""Text workloads: word count and grep, as sparklite programs and as MapReduce jobs."""
from __future__ import annotations

import os
import re
from operator import add

from benchmarks.mapreduce import MapReduceJob, read_output, run_job


def _words(line: str):
    return ((w, 1) for w in line.split())


def _sum(key, values):
    yield key, sum(values)


def wordcount_sparklite(sc, path: str) -> dict:
    return dict(sc.textFile(path).flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add).collect())


def wordcount_mapreduce(sc, path: str, work: str, reducers: int = 2) -> dict:
    out = run_job(sc, MapReduceJob(_words, _sum, combiner=_sum, num_reducers=reducers), path,
                  os.path.join(work, "wordcount-out"))
    return {w: int(n) for w, n in read_output(out, lambda line: line.split("\t"))}


def grep_sparklite(sc, path: str, pattern: str) -> list:
    matcher = re.compile(pattern)
    return sorted(sc.textFile(path).filter(lambda line: matcher.search(line) is not None).collect())


def grep_mapreduce(sc, path: str, pattern: str, work: str) -> list:
    def mapper(line, _matcher=re.compile(pattern)):
        if _matcher.search(line) is not None:
            yield line, None

    def reducer(line, values):
        for _ in values:
            yield line

    out = run_job(sc, MapReduceJob(mapper, reducer, num_reducers=1), path, os.path.join(work, "grep-out"))
    return sorted(read_output(out))
