"""The streaming job the crash test kills: JSON files -> a windowed count and sum with a watermark ->
a Parquet file sink (query ``files``) and an idempotent ``foreachBatch`` sink writing one JSON file
per batch id (query ``batches``), both from ``availableNow`` runs over one file per batch.

    python crash_job.py <input dir> <output dir>

Output dir: ``table/`` (the file sink), ``batches/<id>.json`` (the foreachBatch sink: a replayed batch
overwrites its own file), ``checkpoints/{files,batches}``. The process exits when both queries have
taken every input file.
"""
import json
import os
import sys

from sparklite.sql import SparkSession, functions as F


def windowed(spark, source: str):
    events = spark.readStream.schema("k STRING, v INT, ts TIMESTAMP").option("maxFilesPerTrigger", 1).json(source)
    return (events.withWatermark("ts", "10 seconds").groupBy(F.window("ts", "10 seconds"), "k")
            .agg(F.count("*").alias("n"), F.sum("v").alias("total")))


def write_batch(folder: str):
    def write(df, batch_id):
        rows = sorted(json.dumps({"start": str(r.window.start), "k": r.k, "n": r.n, "total": r.total})
                      for r in df.collect())
        staged = os.path.join(folder, f".{batch_id}.json.tmp")
        with open(staged, "w") as f:
            f.write("\n".join(rows))
        os.replace(staged, os.path.join(folder, f"{batch_id}.json"))
    return write


def main(source: str, out: str) -> None:
    spark = (SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC").getOrCreate())
    os.makedirs(os.path.join(out, "batches"), exist_ok=True)
    files = (windowed(spark, source).writeStream.format("parquet").outputMode("append")
             .option("checkpointLocation", os.path.join(out, "checkpoints", "files"))
             .trigger(availableNow=True).start(os.path.join(out, "table")))
    batches = (windowed(spark, source).writeStream.outputMode("append")
               .option("checkpointLocation", os.path.join(out, "checkpoints", "batches"))
               .trigger(availableNow=True).foreachBatch(write_batch(os.path.join(out, "batches"))).start())
    files.awaitTermination()
    batches.awaitTermination()
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
