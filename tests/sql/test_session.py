"""``SparkSession.builder`` gives a new builder each time, as PySpark 3.4+ does: what one session's
builder was told never reaches a session built later."""
from __future__ import annotations


def test_options_given_to_one_builder_do_not_reach_the_next_session():
    from sparklite.sql import SparkSession
    assert SparkSession.builder is not SparkSession.builder
    first = (SparkSession.builder.master("local[1]").config("spark.executor.memory", "16m")
             .config("spark.sql.autoBroadcastJoinThreshold", "-1").getOrCreate())
    try:
        assert first.sparkContext.getConf().get("spark.executor.memory") == "16m"
        assert first.conf.get("spark.sql.autoBroadcastJoinThreshold") == "-1"
    finally:
        first.stop()
    second = SparkSession.builder.master("local[1]").getOrCreate()
    try:
        assert second.sparkContext.getConf().get("spark.executor.memory") is None
        assert second.conf.get("spark.sql.autoBroadcastJoinThreshold") != "-1"
    finally:
        second.stop()
