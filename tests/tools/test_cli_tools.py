"""The command-line tools as a user runs them, in a new process each: ``sparklite`` alone lists its
subcommands; ``sparklite submit`` runs an application configured from its command line and exits
with its status; ``sparklite sql -e/-f`` prints what ``spark-sql`` prints (the oracle:
``golden/spark_sql.json``, made by ``golden/generate_spark_sql.py`` from PySpark 4.3's spark-sql)."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = json.loads((pathlib.Path(__file__).parent / "golden" / "spark_sql.json").read_text())


def sparklite(*args, cwd, timeout=180):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TZ="UTC")
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([sys.executable, "-m", "sparklite", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def write(path: pathlib.Path, text: str) -> str:
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_the_command_alone_lists_every_subcommand(tmp_path):
    done = sparklite(cwd=tmp_path)
    assert done.returncode == 0
    for command in ("quickstart", "submit", "sql", "run", "bench", "version"):
        assert f"    {command}" in done.stdout, command


APP = """
    import sys
    from sparklite.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    sc = spark.sparkContext
    print("master", sc.master)
    print("name", sc.appName)
    print("partitions", spark.conf.get("spark.sql.shuffle.partitions"))
    print("memory", sc.getConf().get("spark.executor.memory"))
    print("args", sys.argv[1:])
    print("rows", spark.range(10).selectExpr("sum(id)").collect()[0][0])
"""


def test_submit_configures_the_application_from_its_command_line(tmp_path):
    app = write(tmp_path / "app.py", APP)
    props = write(tmp_path / "props.conf", """
        # defaults for the job
        spark.executor.memory   512m
        spark.sql.shuffle.partitions=7
    """)
    done = sparklite("submit", "--master", "local[2]", "--name", "nightly", "--properties-file", props,
                     "--conf", "spark.sql.shuffle.partitions=3", app, "in.csv", "--flag", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == ["master local[2]", "name nightly", "partitions 3", "memory 512m",
                     "args ['in.csv', '--flag']", "rows 45"]


def test_submit_ships_py_files_to_every_executor(tmp_path):
    helpers = tmp_path / "libs"
    helpers.mkdir()
    write(helpers / "shout.py", """
        def shout(word):
            return word.upper() + "!"
    """)
    app = write(tmp_path / "app.py", """
        from sparklite import SparkContext
        sc = SparkContext.getOrCreate()
        def apply(word):
            import shout
            return shout.shout(word)
        print(sc.parallelize(["a", "b"], 2).map(apply).collect())
    """)
    done = sparklite("submit", "--master", "local-cluster[2,1,512]", "--py-files", str(helpers / "shout.py"),
                     app, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['A!', 'B!']"


def test_a_failing_application_fails_the_command_with_its_traceback(tmp_path):
    app = write(tmp_path / "bad.py", """
        from sparklite import SparkContext
        sc = SparkContext.getOrCreate()
        def check(x):
            if x == 3:
                raise ValueError("row 3 is bad")
            return x
        sc.parallelize(range(5), 2).map(check).collect()
    """)
    done = sparklite("submit", "--master", "local[2]", app, cwd=tmp_path)
    assert done.returncode == 1
    assert "row 3 is bad" in done.stderr and "bad.py" in done.stderr
    exits = write(tmp_path / "exits.py", "import sys\nprint('partial')\nsys.exit(3)\n")
    done = sparklite("submit", "--master", "local[1]", exits, cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (3, "partial")


def test_submit_refuses_bad_input_before_starting_anything(tmp_path):
    app = write(tmp_path / "app.py", APP)
    done = sparklite("submit", "--conf", "foo", app, cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and "--conf 'foo'" in done.stderr and "KEY=VALUE" in done.stderr
    done = sparklite("submit", "--conf", "sprak.executor.memory=1g", app, cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and "sprak.executor.memory" in done.stderr
    done = sparklite("submit", "--master", "local[1]", str(tmp_path / "missing.py"), cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and "application file not found" in done.stderr
    done = sparklite("submit", "--master", "local[1]", "--conf", "spark.made.up=1", app, cwd=tmp_path)
    assert done.returncode == 0 and "spark.made.up" in done.stderr      # unknown: a warning, then it runs


@pytest.mark.slow
@pytest.mark.ray
def test_submit_without_a_master_runs_on_a_transient_local_ray_cluster(tmp_path):
    app = write(tmp_path / "app.py", APP)
    done = sparklite("submit", app, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "master ray" and "rows 45" in done.stdout


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_sql_file_prints_what_spark_sql_prints(tmp_path, name):
    script = write(tmp_path / f"{name}.sql", GOLDEN[name]["script"])
    done = sparklite("sql", "--master", "local[2]", "-f", script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == GOLDEN[name]["stdout"]
    statements = [line for line in GOLDEN[name]["script"].splitlines()
                  if line.rstrip().endswith(";") and not line.lstrip().startswith("--")]
    assert done.stderr.count("Time taken: ") == len(statements)


def test_sql_e_stops_at_the_first_failing_statement(tmp_path):
    done = sparklite("sql", "--master", "local[1]", "-e", "SELECT 41 + 1; SELECT * FROM nosuch; SELECT 2",
                     cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == "42\n"
    assert "[TABLE_OR_VIEW_NOT_FOUND]" in done.stderr and "`nosuch`" in done.stderr
    assert "Time taken: " in done.stderr and "Fetched 1 row(s)" in done.stderr
    done = sparklite("sql", "--database", "sales", "-e", "SELECT 1", cwd=tmp_path)
    assert done.returncode == 1 and "SCHEMA_NOT_FOUND" in done.stderr
