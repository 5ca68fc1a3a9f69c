"""Regenerate ``spark_sql.json``: what ``spark-sql`` (PySpark 4.3's ``bin/spark-sql``) prints on stdout
for each script of ``SCRIPTS``, the oracle of ``tests/tools/test_sql_cli.py``. Needs PySpark and Java::

    python tests/tools/golden/generate_spark_sql.py
"""
import json
import os
import pathlib
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SCRIPTS = {
    "types": "SELECT 1 AS a, 'x' AS s, NULL AS n, array(1, 2) AS arr, map('k', 1.5) AS m, "
             "named_struct('a', 1, 'b', 'y') AS st, 1.0E10 AS d, CAST(2.50 AS DECIMAL(5,2)) AS dec, "
             "DATE'2024-01-02' AS dt, TIMESTAMP'2024-01-02 03:04:05.100' AS ts, true AS b;\n"
             "SELECT 'second';\n",
    "nested": "SELECT array('a', NULL), map(1, array(2)), CAST(1.5 AS FLOAT), 1e-7D, CAST(100 AS BIGINT) / 3, "
              "array(named_struct('k', 'v', 'n', CAST(NULL AS INT)));\n",
    "views": "CREATE TEMPORARY VIEW v AS SELECT * FROM VALUES (1, 'a'), (2, NULL), (3, 'it''s; here') AS t(i, s);\n"
             "-- a comment; with a semicolon\n"
             "SELECT * FROM v ORDER BY i;\n"
             "SELECT count(*), max(s) FROM v WHERE i > 5;\n"
             "SELECT i, s FROM v WHERE i > 5;\n",
}


def main() -> None:
    import pyspark
    spark_sql = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-sql")
    out = {}
    with tempfile.TemporaryDirectory() as work:
        for name, script in SCRIPTS.items():
            path = os.path.join(work, f"{name}.sql")
            with open(path, "w") as f:
                f.write(script)
            done = subprocess.run([spark_sql, "-f", path], cwd=work, capture_output=True, text=True, timeout=300,
                                  env=dict(os.environ, TZ="UTC"))
            assert done.returncode == 0, done.stderr[-2000:]
            out[name] = {"script": script, "stdout": done.stdout}
    (HERE / "spark_sql.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {len(out)} scripts to {HERE / 'spark_sql.json'}")


if __name__ == "__main__":
    main()
