"""``spark.conf``: a session's SQL configuration (``pyspark.sql.conf.RuntimeConfig``).

Contract: starts from the SparkContext's settings and Spark's SQL defaults below; ``set`` takes any
key (values become strings, booleans ``true``/``false``); ``get`` of a key neither set nor
defaulted raises ``SQL_CONF_NOT_FOUND`` unless a default is given. Spark's static keys (the
warehouse directory) cannot be changed once the session runs. Byte sizes read as Spark writes
them (``10485760b``); ``byte_size`` reads them back.
"""
from __future__ import annotations

import re
import time

from sparklite.sql.errors import AnalysisException, PySparkTypeError

_MISSING = object()


def _local_time_zone() -> str:
    """The process's time zone as an IANA name where it can be found (Spark's default session zone)."""
    import os
    name = os.environ.get("TZ")
    if name:
        return name.lstrip(":")
    try:
        import pathlib
        link = pathlib.Path("/etc/localtime").resolve()
        if "zoneinfo" in link.parts:
            return "/".join(link.parts[link.parts.index("zoneinfo") + 1:])
    except OSError:
        pass
    return time.tzname[0] or "UTC"


SQL_DEFAULTS = {
    "spark.sql.shuffle.partitions": "200",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.caseSensitive": "false",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.adaptive.advisoryPartitionSizeInBytes": "67108864b",
    "spark.sql.autoBroadcastJoinThreshold": "10485760b",
    "spark.sql.repl.eagerEval.enabled": "false",
    "spark.sql.repl.eagerEval.maxNumRows": "20",
    "spark.sql.repl.eagerEval.truncate": "20",
    "spark.sql.warehouse.dir": "spark-warehouse",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "10000",
    "spark.sql.execution.pythonUDTF.arrow.enabled": "true",
    "spark.sql.files.maxPartitionBytes": "134217728b",
    "spark.sql.sources.default": "parquet",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.crossJoin.enabled": "true",
    "spark.sql.maxPlanStringLength": "2147483632b",
    "spark.sql.streaming.numRecentProgressUpdates": "100",
    "spark.sql.streaming.minBatchesToRetain": "100",
    "spark.sql.streaming.schemaInference": "false",
}
_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30,
               "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40}


def byte_size(text) -> int:
    """Spark's byte-size values as its defaults read (``10485760b``) and as users write them
    (``134217728``, ``128m``, ``4MB``, ``-1`` for off)."""
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(text))
    if not m or m.group(2).lower() not in _SIZE_UNITS:
        raise ValueError(f"Invalid byte size: {text!r}")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2).lower()])


STATIC_KEYS = {"spark.sql.warehouse.dir", "spark.sql.extensions", "spark.sql.catalogImplementation"}


class RuntimeConfig:
    def __init__(self, initial: dict | None = None):
        self._values: dict[str, str] = {}
        for key, value in (initial or {}).items():
            self._values[key] = str(value)
        self._values.setdefault("spark.sql.session.timeZone", _local_time_zone())

    def set(self, key: str, value) -> None:
        if not isinstance(key, str):
            raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                                   messageParameters={"expected_type": "str", "arg_name": "key", "arg_type": type(key).__name__})
        if key in STATIC_KEYS and key in self._values and self._values[key] != str(value):
            raise AnalysisException(errorClass="CANNOT_MODIFY_STATIC_CONFIG",
                                    messageParameters={"key": f'"{key}"'})
        if isinstance(value, bool):
            value = "true" if value else "false"
        self._values[key] = str(value)

    def get(self, key: str, default=_MISSING):
        if key in self._values:
            return self._values[key]
        if default is not _MISSING:
            return default
        if key in SQL_DEFAULTS:
            return SQL_DEFAULTS[key]
        raise AnalysisException(errorClass="SQL_CONF_NOT_FOUND",
                                messageParameters={"sqlConf": f'"{key}"'})

    def get_bool(self, key: str) -> bool:
        return str(self.get(key, SQL_DEFAULTS.get(key, "false"))).strip().lower() == "true"

    def unset(self, key: str) -> None:
        self._values.pop(key, None)

    def getAll(self) -> dict:
        return dict(self._values)

    def isModifiable(self, key: str) -> bool:
        return key.startswith("spark.sql.") and key not in STATIC_KEYS

    def contains(self, key: str) -> bool:
        return key in self._values or key in SQL_DEFAULTS
