"""Iterative workloads: logistic regression by gradient descent (the RDD paper's form: one pass over
all points per iteration, gradients summed), as a sparklite program over cached data and as one
MapReduce job per iteration that re-reads and re-parses its input."""
from __future__ import annotations

import os
import time

import numpy as np

from benchmarks.mapreduce import MapReduceJob, read_output, run_job

STEP = 1.0


def parse_block(lines) -> np.ndarray:
    """One partition's lines as a (points x (1 + dims)) array: label first, then the point."""
    text = "\n".join(lines)
    return np.array(text.split(), dtype=np.float64).reshape(-1, 11) if text else np.empty((0, 11))


def gradient(block: np.ndarray, w: np.ndarray) -> np.ndarray:
    y, x = block[:, 0], block[:, 1:]
    return ((1.0 / (1.0 + np.exp(-y * (x @ w))) - 1.0) * y) @ x


def logistic_regression_sparklite(sc, path: str, iterations: int):
    """Returns (weights, seconds per iteration); the first iteration also reads, parses and caches."""
    blocks = sc.textFile(path).mapPartitions(lambda lines: [parse_block(list(lines))]).cache()
    w, times = np.zeros(10), []
    for _ in range(iterations):
        start = time.perf_counter()
        g = blocks.map(lambda b, w=w: gradient(b, w)).reduce(lambda a, b: a + b)
        w = w - STEP * g / 1e6
        times.append(time.perf_counter() - start)
    blocks.unpersist()
    return np.round(w, 9), times


def logistic_regression_mapreduce(sc, path: str, iterations: int, work: str):
    w, times = np.zeros(10), []
    for i in range(iterations):
        start = time.perf_counter()

        def split_mapper(lines, w=w):
            yield "g", gradient(parse_block(list(lines)), w).tolist()

        def total(key, values):
            yield key, np.sum(np.array(list(values)), axis=0).tolist()

        def reducer(key, values):
            yield " ".join(repr(float(v)) for v in np.sum(np.array(list(values)), axis=0))

        out = run_job(sc, MapReduceJob(None, reducer, combiner=total, num_reducers=1, split_mapper=split_mapper),
                      path, os.path.join(work, f"lr-{i}"))
        g = np.array(read_output(out)[0].split(), dtype=np.float64)
        w = w - STEP * g / 1e6
        times.append(time.perf_counter() - start)
    return np.round(w, 9), times
