"""Spark SQL's built-in functions, one module per family; importing this package registers them
all in ``registry.FUNCTIONS``."""
from sparklite.sql.builtins import (aggregates, approx, arithmetic, bits, collections, constructors,  # noqa: F401
                                    datetime, encodings, epochs, extract, formatting, generators, hashes,
                                    higherorder, jsonfuncs, maps, mathfuncs, modes, ordered_sets, predicates,
                                    regexp, strings, substrings, taskinfo, timewindow, windows)
