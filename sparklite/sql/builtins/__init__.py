"""Spark SQL's built-in functions, one module per family; importing this package registers them
all in ``registry.FUNCTIONS``."""
from sparklite.sql.builtins import (aggregates, arithmetic, constructors, datetime, extract,  # noqa: F401
                                    generators, mathfuncs, predicates, taskinfo, windows)
