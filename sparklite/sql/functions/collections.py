"""``pyspark.sql.functions``' array and map functions that take no lambda, with PySpark 4.3's names
and signatures.

Contract: each function returns a ``Column`` holding an unresolved call of the SQL function of the
same name (``sparklite.sql.builtins.collections``), with its arguments in Spark's SQL order. Where
PySpark's parameter is ``ColumnOrName`` a string names a column; where PySpark wraps a Python value
in ``lit`` (``array_contains``'s ``value``, ``array_join``'s ``delimiter``, the ints of ``slice``
and ``array_repeat``) a string is a literal and a list an array literal, as in PySpark.
"""
from __future__ import annotations

from sparklite.sql.column import Column, literal, to_expression
from sparklite.sql.column import column_expression as _column
from sparklite.sql.functions.higherorder import array_sort_by
from sparklite.sql.plan.expressions import UnresolvedFunction

__all__ = [
    "array_append", "array_compact", "array_contains", "array_distinct", "array_except", "array_insert",
    "array_intersect", "array_join", "array_max", "array_min", "array_position", "array_prepend", "array_remove",
    "array_repeat", "array_size", "array_sort", "array_union", "arrays_overlap", "arrays_zip", "cardinality",
    "flatten", "map_concat", "map_contains_key", "map_entries", "map_from_arrays", "map_from_entries", "map_keys",
    "map_values", "sequence", "size", "slice", "sort_array", "str_to_map",
]



def _int_or_column(value, name: str):
    """PySpark's ``Union[ColumnOrName, int]``: an int is a literal, a string names a column."""
    return literal(value) if isinstance(value, int) else _column(value, name)


def _call(name: str, *args) -> Column:
    return Column(UnresolvedFunction(name, list(args)))


def _columns(name: str, *cols) -> Column:
    return _call(name, *(_column(c) for c in cols))


# -- size ------------------------------------------------------------------------------------------

def size(col) -> Column:
    """The number of elements of an array or entries of a map (NULL for NULL)."""
    return _columns("size", col)


def cardinality(col) -> Column:
    """The number of elements of an array or entries of a map (NULL for NULL)."""
    return _columns("cardinality", col)


def array_size(col) -> Column:
    """The number of elements of an array (NULL for NULL)."""
    return _columns("array_size", col)


# -- searching -------------------------------------------------------------------------------------

def array_contains(col, value) -> Column:
    """Whether the array holds ``value``; NULL when it does not but holds a NULL."""
    return _call("array_contains", _column(col), to_expression(value))


def array_position(col, value) -> Column:
    """The 1-based position of the first element equal to ``value``, 0 when there is none."""
    return _call("array_position", _column(col), to_expression(value))


def array_remove(col, element) -> Column:
    """The array without the elements equal to ``element``."""
    return _call("array_remove", _column(col), to_expression(element))


# -- set functions ---------------------------------------------------------------------------------

def array_distinct(col) -> Column:
    """The array without repeated elements (the first of each kept)."""
    return _columns("array_distinct", col)


def array_union(col1, col2) -> Column:
    """The distinct elements of either array, the first's first."""
    return _columns("array_union", col1, col2)


def array_intersect(col1, col2) -> Column:
    """The distinct elements of the first array that the second holds too."""
    return _columns("array_intersect", col1, col2)


def array_except(col1, col2) -> Column:
    """The distinct elements of the first array that the second does not hold."""
    return _columns("array_except", col1, col2)


def arrays_overlap(a1, a2) -> Column:
    """Whether the arrays share a non-NULL element; NULL when they do not but one holds a NULL
    (and neither is empty)."""
    return _columns("arrays_overlap", a1, a2)


# -- joining and sorting ---------------------------------------------------------------------------

def array_join(col, delimiter: str, null_replacement: str | None = None) -> Column:
    """The elements as strings joined by ``delimiter``; NULLs are left out, or replaced by
    ``null_replacement``."""
    args = [_column(col), literal(delimiter)]
    if null_replacement is not None:
        args.append(literal(null_replacement))
    return _call("array_join", *args)


def array_sort(col, comparator=None) -> Column:
    """The array sorted ascending, NULLs last; with ``comparator(left, right)`` (an int: negative, zero or
    positive), in the order it gives."""
    if comparator is not None:
        return array_sort_by(col, comparator)
    return _columns("array_sort", col)


def sort_array(col, asc: bool = True) -> Column:
    """The array sorted ascending (NULLs first) or descending (NULLs last)."""
    return _call("sort_array", _column(col), literal(asc))


def array_min(col) -> Column:
    """The smallest non-NULL element."""
    return _columns("array_min", col)


def array_max(col) -> Column:
    """The largest non-NULL element (NaN above every number)."""
    return _columns("array_max", col)


# -- building arrays -------------------------------------------------------------------------------

def array_repeat(col, count) -> Column:
    """An array of ``count`` copies of the value."""
    return _call("array_repeat", _column(col), _int_or_column(count, "count"))


def array_append(col, value) -> Column:
    """The array with ``value`` added at its end."""
    return _call("array_append", _column(col), to_expression(value))


def array_prepend(col, value) -> Column:
    """The array with ``value`` added at its start."""
    return _call("array_prepend", _column(col), to_expression(value))


def array_insert(arr, pos, value) -> Column:
    """The array with ``value`` put at the 1-based ``pos`` (negative: from the end), padded with
    NULLs past either end."""
    return _call("array_insert", _column(arr, "arr"), _int_or_column(pos, "pos"), to_expression(value))


def array_compact(col) -> Column:
    """The array without its NULLs."""
    return _columns("array_compact", col)


def slice(x, start, length) -> Column:
    """``length`` elements from the 1-based ``start`` (negative: from the end)."""
    return _call("slice", _column(x, "x"), _int_or_column(start, "start"), _int_or_column(length, "length"))


def flatten(col) -> Column:
    """An array of arrays as one array (NULL when one of them is NULL)."""
    return _columns("flatten", col)


def arrays_zip(*cols) -> Column:
    """An array of structs whose n-th holds the n-th element of each array."""
    return _columns("arrays_zip", *cols)


def sequence(start, stop, step=None) -> Column:
    """The integers, dates or timestamps from ``start`` to ``stop`` by ``step``."""
    return _columns("sequence", start, stop) if step is None else _columns("sequence", start, stop, step)


# -- maps ------------------------------------------------------------------------------------------

def map_keys(col) -> Column:
    """The map's keys, as an array."""
    return _columns("map_keys", col)


def map_values(col) -> Column:
    """The map's values, as an array."""
    return _columns("map_values", col)


def map_entries(col) -> Column:
    """The map's entries, as an array of ``struct<key, value>``."""
    return _columns("map_entries", col)


def map_from_arrays(col1, col2) -> Column:
    """A map from an array of keys and an array of values."""
    return _columns("map_from_arrays", col1, col2)


def map_from_entries(col) -> Column:
    """A map from an array of key/value structs."""
    return _columns("map_from_entries", col)


def map_concat(*cols) -> Column:
    """The maps' entries in one map (a key may appear once)."""
    if len(cols) == 1 and isinstance(cols[0], (list, set)):
        cols = tuple(cols[0])
    return _columns("map_concat", *cols)


def map_contains_key(col, value) -> Column:
    """Whether the map has the key ``value``."""
    return _call("map_contains_key", _column(col), to_expression(value))


def str_to_map(text, pairDelim=None, keyValueDelim=None) -> Column:
    """A map from a string split into pairs by ``pairDelim`` (``,``) and each pair into a key and a
    value by ``keyValueDelim`` (``:``), both regular expressions."""
    pair = literal(",") if pairDelim is None else _column(pairDelim, "pairDelim")
    key_value = literal(":") if keyValueDelim is None else _column(keyValueDelim, "keyValueDelim")
    return _call("str_to_map", _column(text, "text"), pair, key_value)
