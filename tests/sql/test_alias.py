"""PySpark programs run unchanged: ``sparklite run app.py --as-pyspark`` and
``install_pyspark_alias()`` answer ``pyspark`` imports with sparklite's modules."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_pyspark_program_runs_on_sparklite(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent("""
        import sys
        import pyspark
        from pyspark.sql import SparkSession, Window, functions as F
        from pyspark.sql.types import *
        from pyspark.errors import AnalysisException
        spark = SparkSession.builder.master("local[1]").appName("alias").getOrCreate()
        df = spark.createDataFrame([(1, "a"), (2, "b")], StructType([StructField("x", IntegerType()),
                                                                     StructField("s", StringType())]))
        rows = df.withColumn("y", F.col("x") * 10).orderBy(F.desc("x")).collect()
        try:
            df.select("nope")
        except AnalysisException as error:
            print("caught", error.getCondition())
        print(pyspark.__name__, sys.argv[1:], [tuple(r) for r in rows])
        spark.stop()
        sys.exit(3)
    """))
    done = subprocess.run([sys.executable, "-m", "sparklite", "run", str(app), "first", "--as-pyspark"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "caught UNRESOLVED_COLUMN.WITH_SUGGESTION" in done.stdout
    assert "sparklite ['first'] [(2, 'b', 20), (1, 'a', 10)]" in done.stdout


def test_installing_twice_is_harmless_and_unknown_modules_are_named():
    code = textwrap.dedent("""
        import sparklite
        sparklite.install_pyspark_alias()
        sparklite.install_pyspark_alias()
        import pyspark.sql.functions as F
        assert F.__name__ == "sparklite.sql.functions"
        try:
            import pyspark.not_a_module
        except ModuleNotFoundError as error:
            print("missing", error.name)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "missing pyspark.not_a_module" in done.stdout
