"""SQL-shaped workloads on HiBench's uservisits and rankings tables, as sparklite programs, as
MapReduce jobs and, when installed, in DuckDB, Polars and PySpark's DataFrame API:

* aggregation: ``SELECT SUBSTR(sourceIP, 1, 7), SUM(adRevenue) FROM uservisits GROUP BY 1``;
* join: ``SELECT sourceIP, SUM(adRevenue), AVG(pageRank) FROM rankings JOIN uservisits ON pageURL =
  destURL WHERE visitDate in one year GROUP BY sourceIP`` (the Pavlo et al. join task HiBench runs).

Revenue is kept in integer cents so every engine's sums are exact; averages are rounded to 4 places.
A peer's function returns None when its engine is not installed."""
from __future__ import annotations

import ast
import functools
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


def rankings_at(path: str, urls: int, seed: int = 19) -> str:
    """CSV lines: pageURL, pageRank, avgDuration; one per URL ``url0`` .. (the URLs uservisits draws)."""
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(seed)
    ranks = rng.integers(1, 1000, size=urls).tolist()
    durations = rng.integers(1, 100, size=urls).tolist()
    with open(path + ".tmp", "w") as f:
        f.write("".join(f"url{i},{r},{d}\n" for i, (r, d) in enumerate(zip(ranks, durations))))
    os.replace(path + ".tmp", path)
    return path


FIRST_DAY, LAST_DAY = 1000, 1365     # the year of visits the join keeps (visitDate is a day number)
_COLUMNS = {"ip": "VARCHAR", "url": "VARCHAR", "day": "INTEGER", "cents": "BIGINT", "agent": "VARCHAR",
            "country": "VARCHAR", "duration": "INTEGER"}
_RANKING_COLUMNS = {"url": "VARCHAR", "rank": "BIGINT", "seconds": "INTEGER"}


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


def _visit_in_year(line: str):
    ip, url, day, cents, _ = line.split(",", 4)
    if FIRST_DAY <= int(day) < LAST_DAY:
        yield url, (ip, int(cents))


def _url_and_rank(line: str):
    url, rank, _ = line.split(",")
    return url, int(rank)


def _add3(a, b):
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _join_answer(rows) -> dict:
    """{sourceIP: (revenue in cents, average pageRank rounded)} from (ip, cents, rank sum, visits)."""
    return {ip: (int(cents), round(ranks / n, 4)) for ip, cents, ranks, n in rows}


def join_sparklite(sc, rankings: str, visits: str) -> dict:
    ranks = sc.textFile(rankings).map(_url_and_rank)
    joined = sc.textFile(visits).flatMap(_visit_in_year).join(ranks)
    per_ip = joined.map(lambda kv: (kv[1][0][0], (kv[1][0][1], kv[1][1], 1))).reduceByKey(_add3)
    return _join_answer((ip, *sums) for ip, sums in per_ip.collect())


def join_mapreduce(sc, rankings: str, visits: str, work: str) -> dict:
    """A reduce-side join job (both tables tagged by URL), then a job that groups by sourceIP."""
    def tag(line):
        fields = line.split(",")
        if len(fields) == 3:
            yield fields[0], (0, int(fields[1]))
        elif FIRST_DAY <= int(fields[2]) < LAST_DAY:
            yield fields[1], (1, fields[0], int(fields[3]))

    def join(url, values):
        rank, visits_of_url = None, []
        for value in values:
            if value[0] == 0:
                rank = value[1]
            else:
                visits_of_url.append(value)
        if rank is not None:
            for _, ip, cents in visits_of_url:
                yield f"{ip},{cents},{rank}"

    def by_ip(line):
        ip, cents, rank = line.split(",")
        yield ip, (int(cents), int(rank), 1)

    def total(ip, values):
        yield ip, functools.reduce(_add3, values)

    joined = run_job(sc, MapReduceJob(tag, join, num_reducers=2), f"{rankings},{visits}",
                     os.path.join(work, "join-out"))
    out = run_job(sc, MapReduceJob(by_ip, total, combiner=total, num_reducers=2), joined,
                  os.path.join(work, "join-by-ip"))
    return _join_answer((ip, *ast.literal_eval(sums)) for ip, sums in read_output(out, lambda l: l.split("\t")))


# -- peers --------------------------------------------------------------------------------------

def _duckdb():
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect()
    con.execute("SET threads = 2")
    return con


def _duckdb_csv(columns: dict) -> str:
    return "read_csv(?, header = false, columns = {" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "})"


def aggregation_duckdb(path: str) -> dict | None:
    con = _duckdb()
    if con is None:
        return None
    rows = con.execute(f"SELECT substr(ip, 1, 7), sum(cents) FROM {_duckdb_csv(_COLUMNS)} GROUP BY 1",
                       [path]).fetchall()
    return {k: int(v) for k, v in rows}


def join_duckdb(rankings: str, visits: str) -> dict | None:
    con = _duckdb()
    if con is None:
        return None
    rows = con.execute(
        f"SELECT v.ip, sum(v.cents), sum(r.rank), count(*) FROM {_duckdb_csv(_COLUMNS)} v "
        f"JOIN {_duckdb_csv(_RANKING_COLUMNS)} r ON r.url = v.url "
        f"WHERE v.day >= {FIRST_DAY} AND v.day < {LAST_DAY} GROUP BY v.ip", [visits, rankings]).fetchall()
    return _join_answer(rows)


def _polars_csv(path: str, columns: dict):
    import polars as pl
    types = {"VARCHAR": pl.Utf8, "BIGINT": pl.Int64, "INTEGER": pl.Int32}
    return pl.scan_csv(path, has_header=False, new_columns=list(columns),
                       schema_overrides={c: types[t] for c, t in columns.items()})


def aggregation_polars(path: str) -> dict | None:
    try:
        import polars as pl
    except ImportError:
        return None
    frame = _polars_csv(path, _COLUMNS).group_by(pl.col("ip").str.slice(0, 7)).agg(pl.col("cents").sum())
    return {k: int(v) for k, v in frame.collect().iter_rows()}


def join_polars(rankings: str, visits: str) -> dict | None:
    try:
        import polars as pl
    except ImportError:
        return None
    year = _polars_csv(visits, _COLUMNS).filter((pl.col("day") >= FIRST_DAY) & (pl.col("day") < LAST_DAY))
    frame = year.join(_polars_csv(rankings, _RANKING_COLUMNS), on="url").group_by("ip").agg(
        pl.col("cents").sum(), pl.col("rank").sum(), pl.len())
    return _join_answer(frame.collect().iter_rows())


def _spark_csv(spark, path: str, columns: dict):
    types = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "INTEGER": "INT"}
    return spark.read.csv(path, schema=", ".join(f"{c} {types[t]}" for c, t in columns.items()))


def aggregation_pyspark_df(spark, path: str) -> dict:
    from pyspark.sql import functions as F
    rows = _spark_csv(spark, path, _COLUMNS).groupBy(F.substring("ip", 1, 7)).agg(F.sum("cents")).collect()
    return {k: int(v) for k, v in rows}


def join_pyspark_df(spark, rankings: str, visits: str) -> dict:
    from pyspark.sql import functions as F
    year = _spark_csv(spark, visits, _COLUMNS).where((F.col("day") >= FIRST_DAY) & (F.col("day") < LAST_DAY))
    rows = year.join(_spark_csv(spark, rankings, _RANKING_COLUMNS), "url").groupBy("ip").agg(
        F.sum("cents"), F.sum("rank"), F.count("*")).collect()
    return _join_answer(rows)
