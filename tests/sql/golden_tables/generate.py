"""Run the table scenario on PySpark 4.3 (TZ=UTC) and write ``golden.json``:
``python tests/sql/golden_tables/generate.py``. PySpark is the oracle here, never a dependency."""
import json
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import scenario  # noqa: E402


def main() -> None:
    from pyspark.sql import SparkSession
    with tempfile.TemporaryDirectory() as warehouse:
        spark = (SparkSession.builder.master("local[2]").config("spark.sql.warehouse.dir", warehouse)
                 .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false").getOrCreate())
        spark.sparkContext.setLogLevel("OFF")
        result = scenario.run(spark)
        spark.stop()
    path = pathlib.Path(__file__).parent / "golden.json"
    path.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {len(result)} steps to {path}")


if __name__ == "__main__":
    main()
