"""SQL-shaped workloads on HiBench's uservisits table: ``SELECT SUBSTR(sourceIP, 1, 7), SUM(adRevenue)
FROM uservisits GROUP BY 1`` as a sparklite program, as a MapReduce job, and (when installed) in
DuckDB. Revenue is kept in integer cents so every engine's sums are exact."""
from __future__ import annotations

import os

import numpy as np

from benchmarks.mapreduce import MapReduceJob, read_output, run_job


def uservisits_at(path: str, rows: int, seed: int = 17) -> str:
    """CSV lines: sourceIP, destURL, visitDate, adRevenue (cents), userAgent, countryCode, duration."""
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(seed)
    with open(path + ".tmp", "w") as f:
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            ips = rng.zipf(1.2, size=(n, 4)) % 256
            urls = rng.zipf(1.3, size=n) % 100_000
            days = rng.integers(0, 3650, size=n)
            cents = rng.integers(1, 100_000, size=n)
            agents = rng.integers(0, 50, size=n)
            countries = rng.integers(0, 200, size=n)
            durations = rng.integers(1, 1000, size=n)
            f.write("".join(
                f"{a}.{b}.{c}.{d},url{u},{day},{cent},agent{g},c{co},{du}\n"
                for (a, b, c, d), u, day, cent, g, co, du in zip(ips.tolist(), urls.tolist(), days.tolist(),
                                                                 cents.tolist(), agents.tolist(),
                                                                 countries.tolist(), durations.tolist())))
    os.replace(path + ".tmp", path)
    return path


def _ip_prefix_and_cents(line: str):
    fields = line.split(",")
    return fields[0][:7], int(fields[3])


def aggregation_sparklite(sc, path: str) -> dict:
    return dict(sc.textFile(path).map(_ip_prefix_and_cents).reduceByKey(lambda a, b: a + b).collect())


def aggregation_mapreduce(sc, path: str, work: str) -> dict:
    def total(key, values):
        yield key, sum(values)

    job = MapReduceJob(lambda line: [_ip_prefix_and_cents(line)], total, combiner=total, num_reducers=2)
    out = run_job(sc, job, path, os.path.join(work, "aggregation-out"))
    return {k: int(v) for k, v in read_output(out, lambda line: line.split("\t"))}


def aggregation_duckdb(path: str) -> dict | None:
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect()
    con.execute("SET threads = 2")
    rows = con.execute(
        "SELECT substr(ip, 1, 7), sum(cents) FROM read_csv(?, header = false, columns = "
        "{'ip': 'VARCHAR', 'url': 'VARCHAR', 'day': 'INTEGER', 'cents': 'BIGINT', 'agent': 'VARCHAR', "
        "'country': 'VARCHAR', 'duration': 'INTEGER'}) GROUP BY 1", [path]).fetchall()
    return {k: int(v) for k, v in rows}
