"""Spark SQL's built-in functions, one module per family; importing this package registers them
all in ``registry.FUNCTIONS``."""
from sparklite.sql.builtins import (aggregates, arithmetic, collections, constructors, datetime,  # noqa: F401
                                    encodings, extract, formatting, generators, hashes, higherorder, jsonfuncs,
                                    mathfuncs, modes, predicates, regexp, strings, substrings, taskinfo, timewindow,
                                    windows)
