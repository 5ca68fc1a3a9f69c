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


K = 10


def _closest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    distances = (points ** 2).sum(1)[:, None] - 2 * points @ centers.T + (centers ** 2).sum(1)[None, :]
    return distances.argmin(1)


def _partial_sums(block: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Per center: the sum of its points and their count, as a (K x (dims + 1)) array."""
    points = block[:, 1:]
    owner = _closest(points, centers)
    out = np.zeros((len(centers), points.shape[1] + 1))
    np.add.at(out, owner, np.column_stack([points, np.ones(len(points))]))
    return out


def _initial_centers(path: str) -> np.ndarray:
    with open(path) as f:
        return np.array([next(f).split()[1:] for _ in range(K)], dtype=np.float64)


def _move(centers: np.ndarray, sums: np.ndarray) -> np.ndarray:
    counts = sums[:, -1:]
    return np.where(counts > 0, sums[:, :-1] / np.maximum(counts, 1), centers)


def kmeans_sparklite(sc, path: str, iterations: int):
    blocks = sc.textFile(path).mapPartitions(lambda lines: [parse_block(list(lines))]).cache()
    centers, times = _initial_centers(path), []
    for _ in range(iterations):
        start = time.perf_counter()
        sums = blocks.map(lambda b, c=centers: _partial_sums(b, c)).reduce(lambda a, b: a + b)
        centers = _move(centers, sums)
        times.append(time.perf_counter() - start)
    blocks.unpersist()
    return np.round(centers, 6), times


def kmeans_mapreduce(sc, path: str, iterations: int, work: str):
    centers, times = _initial_centers(path), []
    for i in range(iterations):
        start = time.perf_counter()

        def split_mapper(lines, c=centers):
            sums = _partial_sums(parse_block(list(lines)), c)
            for k in range(len(c)):
                yield k, sums[k].tolist()

        def total(key, values):
            yield key, np.sum(np.array(list(values)), axis=0).tolist()

        def reducer(key, values):
            yield key, " ".join(repr(float(v)) for v in np.sum(np.array(list(values)), axis=0))

        out = run_job(sc, MapReduceJob(None, reducer, combiner=total, num_reducers=2, split_mapper=split_mapper),
                      path, os.path.join(work, f"kmeans-{i}"))
        sums = np.zeros((K, 11))
        for line in read_output(out):
            key, values = line.split("\t")
            sums[int(key)] = np.array(values.split(), dtype=np.float64)
        centers = _move(centers, sums)
        times.append(time.perf_counter() - start)
    return np.round(centers, 6), times
