"""SparkConf: the application's string key/value settings, and typed readers for them.

Contract: keys and values are strings, as in Spark. ``SparkConf`` mirrors PySpark's class; the
helpers at the bottom read a value as a byte size, a duration or a boolean and fail with an error
that names the key and the offending value.
"""
from __future__ import annotations

import os
import re
from typing import Iterable

# Defaults the engine reads; anything else is read with an explicit default at the call site.
DEFAULTS = {
    "spark.executor.memory": "1g",
    "spark.memory.fraction": "0.6",
    "spark.memory.storageFraction": "0.5",
    "spark.driver.maxResultSize": "1g",
    "spark.task.maxFailures": "4",
    "spark.stage.maxConsecutiveAttempts": "4",
    "spark.local.dir": "",
}


class SparkConf:
    """Configuration for a sparklite application, with PySpark's ``SparkConf`` methods."""

    def __init__(self, loadDefaults: bool = True, _jvm=None, _jconf=None):
        self._conf: dict[str, str] = {}
        if loadDefaults:
            # Spark reads ``spark.*`` JVM system properties; sparklite reads SPARKLITE_CONF_* variables.
            for name, value in os.environ.items():
                if name.startswith("SPARKLITE_CONF_"):
                    self._conf[name[len("SPARKLITE_CONF_"):].lower().replace("_", ".")] = value

    def set(self, key: str, value) -> "SparkConf":
        self._conf[str(key)] = str(value)
        return self

    def setIfMissing(self, key: str, value) -> "SparkConf":
        if key not in self._conf:
            self.set(key, value)
        return self

    def setMaster(self, value: str) -> "SparkConf":
        return self.set("spark.master", value)

    def setAppName(self, value: str) -> "SparkConf":
        return self.set("spark.app.name", value)

    def setSparkHome(self, value: str) -> "SparkConf":
        return self.set("spark.home", value)

    def setExecutorEnv(self, key=None, value=None, pairs=None) -> "SparkConf":
        if (key is not None and pairs is not None) or (key is None and pairs is None):
            raise ValueError("Either pass one key-value pair or a list of pairs")
        for k, v in [(key, value)] if key is not None else pairs:
            self.set("spark.executorEnv." + k, v)
        return self

    def setAll(self, pairs: Iterable) -> "SparkConf":
        for k, v in pairs:
            self.set(k, v)
        return self

    def get(self, key: str, defaultValue=None):
        return self._conf.get(key, defaultValue)

    def getAll(self) -> list:
        return list(self._conf.items())

    def contains(self, key: str) -> bool:
        return key in self._conf

    def toDebugString(self) -> str:
        return "\n".join(f"{k}={v}" for k, v in self._conf.items())

    def copy(self) -> "SparkConf":
        other = SparkConf(loadDefaults=False)
        other._conf = dict(self._conf)
        return other

    def __repr__(self) -> str:
        return f"SparkConf({self._conf!r})"

    # Typed readers (sparklite's own; the engine uses them so bad values fail with the key named).
    def _raw(self, key: str, default):
        value = self._conf.get(key)
        if value is None:
            value = DEFAULTS.get(key, default)
        return value

    def get_bytes(self, key: str, default=None) -> int:
        return parse_bytes(self._raw(key, default), key)

    def get_int(self, key: str, default=None) -> int:
        value = self._raw(key, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be an integer, got {value!r}") from None

    def get_float(self, key: str, default=None) -> float:
        value = self._raw(key, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a number, got {value!r}") from None

    def get_bool(self, key: str, default=False) -> bool:
        value = self._raw(key, default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValueError(f"{key} must be true or false, got {value!r}")

    def get_seconds(self, key: str, default=None) -> float:
        return parse_seconds(self._raw(key, default), key)


_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
               "g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "p": 1 << 50, "pb": 1 << 50}
_TIME_UNITS = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "min": 60.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_bytes(value, key: str = "size") -> int:
    """Parse a Spark size string (``512m``, ``2g``, ``1024``) into bytes; plain numbers are bytes."""
    if isinstance(value, int):
        return value
    match = _NUMBER_UNIT.match(str(value))
    unit = match and _SIZE_UNITS.get(match.group(2).lower())
    if not match or unit is None:
        raise ValueError(f"{key}: cannot parse {value!r} as a size; use a number with an optional "
                         f"unit b, k, m, g, t (e.g. '512m', '2g')")
    return int(float(match.group(1)) * unit)


def parse_seconds(value, key: str = "duration") -> float:
    """Parse a Spark duration (``60s``, ``100ms``, ``2min``, plain seconds) into seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    match = _NUMBER_UNIT.match(str(value))
    unit = match and _TIME_UNITS.get(match.group(2).lower())
    if not match or unit is None:
        raise ValueError(f"{key}: cannot parse {value!r} as a duration; use e.g. '100ms', '60s', '2min'")
    return float(match.group(1)) * unit
