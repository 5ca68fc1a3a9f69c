"""PySpark's error classes (``pyspark.errors``): errors with a condition name and PySpark's message."""
from sparklite.core.errors import (PySparkException, PySparkRuntimeError, PySparkTypeError,  # noqa: F401
                                   PySparkValueError)

__all__ = ["PySparkException", "PySparkRuntimeError", "PySparkTypeError", "PySparkValueError"]
