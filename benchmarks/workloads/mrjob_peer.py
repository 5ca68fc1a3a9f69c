"""The mrjob peer: word count, grep and the uservisits aggregation run by mrjob's local runner, an
independent Python MapReduce (jobs in ``benchmarks.workloads.mrjob_jobs``).

Each function returns its answer in the same shape as the sparklite program of the workload
(word count: ``word -> int``; grep: the sorted matching lines, without newline; aggregation:
``SUBSTR(sourceIP, 1, 7) -> int`` cents), or None when mrjob is not installed, so the runner can
skip the peer with a note. Jobs run with ``-r local --num-cores CORES``: the local runner splits
the input into ``2 * CORES`` map tasks and the sorted map output into about ``2 * CORES`` reduce
tasks, and runs them ``CORES`` at a time in a process pool, each task in its own Python
subprocess. (The local runner ignores ``mapreduce.job.maps``/``mapreduce.job.reduces``.) No
mrjob.conf is read; the temp and output directories are made under ``work``.
"""
from __future__ import annotations

import importlib
import importlib.util
import os

CORES = 2
_JOBS = "benchmarks.workloads.mrjob_jobs"


def _job_class(module: str, name: str):
    if importlib.util.find_spec("mrjob") is None:
        return None
    return getattr(importlib.import_module(f"{_JOBS}.{module}"), name)


def _run(job_class, path: str, work: str, name: str, extra: tuple = ()) -> list:
    """Run ``job_class`` on ``path`` with the local runner; return its parsed (key, value) records."""
    args = ["-r", "local", "--no-conf", "--num-cores", str(CORES),
            "--local-tmp-dir", os.path.join(work, f"{name}-tmp"),
            "--output-dir", os.path.join(work, f"{name}-out"), *extra, path]
    job = job_class(args=args)
    with job.make_runner() as runner:
        runner.run()
        return list(job.parse_output(runner.cat_output()))


def wordcount_mrjob(path: str, work: str) -> dict | None:
    job = _job_class("mr_wordcount", "MRWordCount")
    if job is None:
        return None
    return {word: int(count) for word, count in _run(job, path, work, "wordcount")}


def grep_mrjob(path: str, pattern: str, work: str) -> list | None:
    job = _job_class("mr_grep", "MRGrep")
    if job is None:
        return None
    records = _run(job, path, work, "grep", ("--pattern", pattern))
    return sorted(line.removesuffix("\n") for _, line in records)


def aggregation_mrjob(path: str, work: str) -> dict | None:
    job = _job_class("mr_aggregation", "MRAggregation")
    if job is None:
        return None
    return {prefix: int(cents) for prefix, cents in _run(job, path, work, "aggregation")}
