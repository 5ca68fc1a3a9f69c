"""SparkConf: the application's string key/value settings, and typed readers for them.

Contract: keys and values are strings, as in Spark. ``SparkConf`` mirrors PySpark's class; the
helpers at the bottom read a value as a byte size, a duration or a boolean and fail with an error
that names the key and the offending value. ``SparkConf()`` (``loadDefaults``) starts from what the
process was given outside the program, keys keeping their case: ``SPARKLITE_CONF_<key>``
environment variables (the key as written, ``SPARKLITE_CONF_spark.driver.maxResultSize``, or in
shell-friendly form, ``SPARKLITE_CONF_SPARK_DRIVER_MAXRESULTSIZE``, matched to the key sparklite or
Spark knows), then ``SparkContext.setSystemProperty`` (Spark's JVM system properties). A ``spark.*``
key sparklite does not know is kept as given; a malformed one is named and ignored.
"""
from __future__ import annotations

import logging
import os
import re
from typing import Iterable

log = logging.getLogger("sparklite.conf")

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


# Keys sparklite reads, and other common Spark keys, so that a key given in the environment's
# upper-case form finds its case again.
KNOWN_KEYS = sorted(set(DEFAULTS) | {
    "spark.app.id", "spark.app.name", "spark.master", "spark.home", "spark.submit.deployMode",
    "spark.cleaner.referenceTracking", "spark.default.parallelism", "spark.driver.memory", "spark.driver.cores",
    "spark.dynamicAllocation.cachedExecutorIdleTimeout", "spark.dynamicAllocation.enabled",
    "spark.dynamicAllocation.executorIdleTimeout", "spark.dynamicAllocation.initialExecutors",
    "spark.dynamicAllocation.maxExecutors", "spark.dynamicAllocation.minExecutors",
    "spark.dynamicAllocation.schedulerBacklogTimeout", "spark.dynamicAllocation.sustainedSchedulerBacklogTimeout",
    "spark.executor.cores", "spark.executor.instances", "spark.executor.taskInstances", "spark.locality.wait",
    "spark.speculation", "spark.speculation.interval", "spark.speculation.minTaskRuntime",
    "spark.speculation.multiplier", "spark.speculation.quantile", "spark.task.cpus", "spark.task.reaper.killTimeout",
    "spark.files.ignoreCorruptFiles", "spark.files.ignoreMissingFiles", "spark.python.profile",
    "spark.python.profile.dump", "spark.barrier.sync.timeout", "spark.eventLog.enabled", "spark.eventLog.dir",
    "spark.ui.enabled", "spark.ui.showConsoleProgress", "spark.serializer", "spark.rdd.compress",
    "spark.shuffle.compress", "spark.sql.shuffle.partitions", "spark.sql.ansi.enabled", "spark.sql.session.timeZone",
})
_KEYS_BY_ENV_NAME = {key.upper().replace(".", "_"): key for key in KNOWN_KEYS}
_ENV_PREFIX = "SPARKLITE_CONF_"
_KEY = re.compile(r"^spark(\.[A-Za-z0-9_\-]+)+$")
_system_properties: dict[str, str] = {}


def check_key(key: str) -> str:
    """A ``spark.*`` key as it is, or a ValueError naming what is wrong with it."""
    if not _KEY.match(key):
        raise ValueError(f"Malformed configuration key {key!r}: a key is 'spark.' followed by dot-separated "
                         f"names of letters, digits, '_' and '-' (e.g. 'spark.driver.maxResultSize')")
    return key


def set_system_property(key: str, value) -> None:
    if key.startswith("spark"):
        check_key(key)
    _system_properties[key] = str(value)


def get_system_property(key: str):
    return _system_properties.get(key)


def _outside_settings() -> dict:
    """Settings given outside the program: the environment, then system properties."""
    settings = {}
    for name, value in os.environ.items():
        if not name.startswith(_ENV_PREFIX):
            continue
        raw = name[len(_ENV_PREFIX):]
        key = raw if "." in raw else _KEYS_BY_ENV_NAME.get(raw.upper(), raw.lower().replace("_", "."))
        try:
            settings[check_key(key)] = value
        except ValueError as e:
            log.warning("Ignoring environment variable %s: %s", name, e)
    settings.update((k, v) for k, v in _system_properties.items() if k.startswith("spark."))
    return settings


class SparkConf:
    """Configuration for a sparklite application, with PySpark's ``SparkConf`` methods."""

    def __init__(self, loadDefaults: bool = True, _jvm=None, _jconf=None):
        self._conf: dict[str, str] = {}
        if loadDefaults:   # Spark reads ``spark.*`` JVM system properties: see the module's docstring
            self._conf.update(_outside_settings())

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


def kill_timeout(conf) -> float:
    """``spark.task.reaper.killTimeout``: how long a killed task may take to stop before its executor
    is killed (default 10 s here; -1, as in Spark, never kills the executor)."""
    value = str(conf.get("spark.task.reaper.killTimeout", "10s")).strip()
    return float("inf") if value.startswith("-") else conf.get_seconds("spark.task.reaper.killTimeout", "10s")
