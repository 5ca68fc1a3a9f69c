"""The toolkit of the collection functions (``collections.py``, ``maps.py``, ``higherorder.py``):
their argument checks and coercions as Spark words them, list and map columns taken apart and put
back together, and Spark's equality and order of elements as one code per element.

Contract: ``Lists.of(column)`` takes a list (or map) column apart once into the validity of its
rows, the length of each row and the flat elements of the valid rows (``parent``: the row of each
element); a kernel computes numpy index arrays over the elements, and ``build_list`` (or
``maps.build_map``) puts a column back together from the elements' rows. ``element_codes`` gives
one dense code per element in Spark's terms: NaN equals NaN and sorts above every number, -0.0
equals 0.0, strings and binaries compare by their bytes, structs and arrays field by field (their
codes are the only ones built in Python, per element); NULL is -1.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import coercion as C

DOCROOT = "https://spark.apache.org/docs/latest"
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
NUMERIC_ORDER = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType)


# -- argument checks -------------------------------------------------------------------------------

def call_sql(name: str, args) -> str:
    return f'"{name}({", ".join(a.sql() for a in args)})"'


def type_text(t) -> str:
    return f'"{T.sql_type_name(t)}"'


def arity(name: str, args, *counts: int) -> None:
    if len(args) not in counts:
        expected = str(counts[0]) if len(counts) == 1 else f"[{', '.join(map(str, counts))}]"
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": f"`{name}`", "expectedNum": expected,
                                                   "actualNum": str(len(args)), "docroot": DOCROOT})


def unexpected(sql: str, index: int, arg, required: str):
    raise AnalysisException(errorClass="DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                            messageParameters={"sqlExpr": sql, "paramIndex": ORDINALS[index],
                                               "requiredType": required, "inputSql": f'"{arg.sql()}"',
                                               "inputType": type_text(arg.data_type)})


def array_arg(sql: str, args, index: int):
    """Argument ``index`` as an array; NULL is cast to ``array<void>``, as Spark's implicit cast does."""
    arg = args[index]
    if isinstance(arg.data_type, T.NullType):
        return C.cast_to(arg, T.ArrayType(T.NullType()))
    if not isinstance(arg.data_type, T.ArrayType):
        unexpected(sql, index, arg, '"ARRAY"')
    return arg


def map_arg(sql: str, args, index: int):
    """Argument ``index`` as a map; a NULL stays NULL-typed (a map of NULL keys has no Arrow type)."""
    arg = args[index]
    if not isinstance(arg.data_type, (T.MapType, T.NullType)):
        unexpected(sql, index, arg, '"MAP"')
    return arg


def cast_arg(sql: str, args, index: int, accepted: tuple, to, required: str):
    arg = args[index]
    if not isinstance(arg.data_type, accepted + (T.NullType,)):
        unexpected(sql, index, arg, required)
    return C.cast_to(arg, to)


def no_null_type(name: str, sql: str, *args) -> None:
    if any(isinstance(a.data_type, T.NullType) for a in args):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.NULL_TYPE",
                                messageParameters={"sqlExpr": sql, "functionName": f"`{name}`"})


def orderable(t) -> bool:
    if isinstance(t, T.MapType):
        return False
    if isinstance(t, T.ArrayType):
        return orderable(t.elementType)
    if isinstance(t, T.StructType):
        return all(orderable(f.dataType) for f in t.fields)
    return True


def check_orderable(name: str, sql: str, t) -> None:
    if not orderable(t):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.INVALID_ORDERING_TYPE",
                                messageParameters={"sqlExpr": sql, "functionName": f"`{name}`",
                                                   "dataType": type_text(t)})


def check_map_key(sql: str, t) -> None:
    if not orderable(t):
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.INVALID_MAP_KEY_TYPE",
                                messageParameters={"sqlExpr": sql, "keyType": type_text(t)})


def tightest(a, b):
    """Spark's findTightestCommonType: widening that loses nothing (no integer to decimal unless the
    decimal holds it, no string promotion)."""
    if a == b or isinstance(b, T.NullType):
        return a
    if isinstance(a, T.NullType):
        return b
    if isinstance(a, NUMERIC_ORDER) and isinstance(b, NUMERIC_ORDER):
        rank = {kind: i for i, kind in enumerate(NUMERIC_ORDER)}
        return max(a, b, key=lambda t: rank[type(t)])
    if isinstance(a, T.DecimalType) or isinstance(b, T.DecimalType):
        wide = C.wider_type(a, b)
        return wide if wide in (a, b) else None
    if isinstance(a, T.ArrayType) and isinstance(b, T.ArrayType):
        element = tightest(a.elementType, b.elementType)
        return None if element is None else T.ArrayType(element, a.containsNull or b.containsNull)
    if isinstance(a, T.MapType) and isinstance(b, T.MapType):
        key, value = tightest(a.keyType, b.keyType), tightest(a.valueType, b.valueType)
        return None if key is None or value is None else \
            T.MapType(key, value, a.valueContainsNull or b.valueContainsNull)
    if isinstance(a, T.StructType) and isinstance(b, T.StructType):
        if len(a.fields) != len(b.fields) or any(x.name.lower() != y.name.lower() for x, y in zip(a.fields, b.fields)):
            return None
        types = [tightest(x.dataType, y.dataType) for x, y in zip(a.fields, b.fields)]
        return None if None in types else T.StructType(
            [T.StructField(x.name, t, x.nullable or y.nullable) for x, y, t in zip(a.fields, b.fields, types)])
    if isinstance(a, (T.ArrayType, T.MapType, T.StructType)) or isinstance(b, (T.ArrayType, T.MapType, T.StructType)):
        return None
    return C.wider_type(a, b)           # strings with strings, dates with timestamps


def wider_promoting_strings(a, b):
    """ANSI ``findWiderTypeForTwo``: as ``wider_type``, and a string meeting an atomic type takes a
    type of its kind (BIGINT for integers, DOUBLE for other numbers)."""
    wide = C.wider_type(a, b)
    if wide is not None or not (C.is_string(a) or C.is_string(b)):
        return wide
    other = b if C.is_string(a) else a
    if C.is_integral(other):
        return T.LongType()
    if isinstance(other, T.NumericType):
        return T.DoubleType()
    return other if isinstance(other, (T.BooleanType, T.DateType, T.TimestampType, T.TimestampNTZType)) else None


def coerce_array_and_value(name: str, sql: str, array, value, common=tightest):
    """An array and a value cast to one element type (the array keeps its containsNull)."""
    t = array.data_type
    element = common(t.elementType, value.data_type) if isinstance(t, T.ArrayType) else None
    if element is None:
        raise AnalysisException(errorClass="DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES",
                                messageParameters={"sqlExpr": sql, "functionName": f"`{name}`", "dataType": '"ARRAY"',
                                                   "leftType": type_text(t), "rightType": type_text(value.data_type)})
    return C.cast_to(array, T.ArrayType(element, t.containsNull)), C.cast_to(value, element)


# -- list columns taken apart and put together -----------------------------------------------------

@dataclass
class Lists:
    """A list or map column taken apart: which rows are valid, each row's length (0 when NULL) and
    the elements of the valid rows in row order (a map's elements are its key/value entries)."""
    valid: np.ndarray
    lengths: np.ndarray
    flat: pa.Array

    @classmethod
    def of(cls, column: pa.Array) -> Lists:
        offsets = column.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        lengths = np.diff(offsets)
        flat = column.values.slice(offsets[0], offsets[-1] - offsets[0])
        if not valid.all() and lengths[~valid].any():      # a NULL row may still span elements
            flat = flat.filter(pa.array(np.repeat(valid, lengths)))
        return cls(valid, np.where(valid, lengths, 0), flat)

    @functools.cached_property
    def starts(self) -> np.ndarray:
        """Where each row's elements begin in ``flat``."""
        return np.cumsum(self.lengths) - self.lengths

    @functools.cached_property
    def parent(self) -> np.ndarray:
        """The row of each element."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    @functools.cached_property
    def position(self) -> np.ndarray:
        """Each element's 0-based index in its row."""
        return positions_within(self.lengths)


def positions_within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[i] - 1 for every i, concatenated."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def as_type(values: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    return values if values.type == arrow_type else values.cast(arrow_type)


def keep_valid_rows(parent: np.ndarray, columns: list, valid: np.ndarray):
    """Drop the elements of the rows that come out NULL."""
    if valid.all():
        return parent, columns
    keep = valid[parent]
    if keep.all():
        return parent, columns
    mask = pa.array(keep)
    return parent[keep], [c.filter(mask) for c in columns]


def list_offsets(parent: np.ndarray, n: int) -> pa.Array:
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(parent, minlength=n), out=offsets[1:])
    return pa.array(offsets.astype(np.int32))


def null_mask(valid: np.ndarray):
    """The null mask of a column whose valid rows are ``valid`` (None when none is NULL)."""
    return None if valid.all() else ~valid


def arrow_mask(valid: np.ndarray):
    return None if valid.all() else pa.array(~valid)


def build_list(parent: np.ndarray, flat: pa.Array, valid: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A list column of ``len(valid)`` rows from its elements (``parent``: the row of each, ascending)."""
    parent, (flat,) = keep_valid_rows(parent, [flat], valid)
    return pa.ListArray.from_arrays(list_offsets(parent, len(valid)), as_type(flat, arrow_type.value_type),
                                    type=arrow_type, mask=arrow_mask(valid))


def merge_rows(parents: list, *streams: list) -> tuple:
    """Several columns' elements merged row by row, each row's elements of the first column first:
    the merged elements' rows, and each stream (one array per column) merged."""
    parent = np.concatenate(parents)
    order = np.argsort(parent, kind="stable")
    return parent[order], [pa.concat_arrays(arrays).take(order) for arrays in streams]


def take_elements(values: pa.Array, index: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """``values`` at ``index``, NULL where ``missing``."""
    if missing is None:
        return values.take(index)
    if not len(values):
        return pa.nulls(len(index), values.type)
    return values.take(pa.array(np.where(missing, 0, index), mask=missing))


# -- Spark's equality and order as one code per element ----------------------------------------

def element_codes(values: pa.Array) -> np.ndarray:
    """Dense ranks of the values in Spark's order (equal values share one, NULL is -1): a key for
    sorting and for equality alike."""
    t, n = values.type, len(values)
    if n == 0 or pa.types.is_null(t):
        return np.full(n, -1, np.int64)
    if pa.types.is_floating(t):
        # np.unique sorts NaN last and folds every NaN into one; -0.0 == 0.0 folds them too
        codes = np.unique(values.fill_null(0.0).to_numpy(zero_copy_only=False), return_inverse=True)[1]
    elif pa.types.is_nested(t):
        codes = python_codes(values)
    else:
        codes = pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy(zero_copy_only=False) - 1
    codes = codes.astype(np.int64).reshape(-1)
    codes[values.is_null().to_numpy(zero_copy_only=False)] = -1
    return codes


def python_codes(values: pa.Array) -> np.ndarray:
    # Arrow cannot rank structs or lists: their Spark order key is built in Python, per element
    keys = [order_key(v, values.type) for v in values.to_pylist()]
    rank = {k: i for i, k in enumerate(sorted(set(keys)))}
    return np.array([rank[k] for k in keys], np.int64)


def order_key(value, t):
    """A Python value's key in Spark's order: NULL first, NaN above numbers, -0.0 as 0.0, arrays and
    structs element by element."""
    if value is None:
        return (0,)
    if pa.types.is_floating(t):
        return (1, 1, 0.0) if math.isnan(value) else (1, 0, value + 0.0)
    if pa.types.is_struct(t):
        return (1, tuple(order_key(v, f.type) for v, f in zip(value.values(), t)))
    if pa.types.is_map(t):
        return (1, tuple((order_key(k, t.key_type), order_key(v, t.item_type)) for k, v in value))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return (1, tuple(order_key(v, t.value_type) for v in value))
    return (1, value)


def joint_codes(*arrays: pa.Array) -> list:
    """The codes of several arrays of one element type, comparable across them."""
    t = arrays[0].type
    codes = element_codes(pa.concat_arrays([as_type(a, t) for a in arrays]))
    return np.split(codes, np.cumsum([len(a) for a in arrays])[:-1])


def pair_keys(parent: np.ndarray, codes: np.ndarray, scale: int) -> np.ndarray:
    return parent * scale + codes + 1


def first_of_each(parent: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The elements that are the first of their value in their row, in order."""
    if not len(parent):
        return np.zeros(0, np.int64)
    return np.sort(np.unique(pair_keys(parent, codes, codes.max() + 2), return_index=True)[1])


def member_of(a: Lists, codes_a: np.ndarray, b: Lists, codes_b: np.ndarray) -> np.ndarray:
    """Whether each element of ``a`` equals an element in the same row of ``b`` (NULL equals NULL)."""
    scale = max(codes_a.max(initial=-1), codes_b.max(initial=-1)) + 2
    return np.isin(pair_keys(a.parent, codes_a, scale), pair_keys(b.parent, codes_b, scale))


def any_per_row(parent: np.ndarray, flags: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(parent[flags], minlength=n) > 0


def sorted_order(lists: Lists, descending: bool, nulls_first: bool) -> np.ndarray:
    """The permutation of ``lists.flat`` that sorts every row, stably."""
    codes = element_codes(lists.flat)
    key = -codes if descending else codes.copy()
    nulls = codes < 0
    key[nulls] = (key.min(initial=0) - 1) if nulls_first else (key.max(initial=0) + 1)
    return np.lexsort((np.arange(len(key)), key, lists.parent))


def has_float(t: pa.DataType) -> bool:
    if pa.types.is_floating(t):
        return True
    if pa.types.is_list(t):
        return has_float(t.value_type)
    return pa.types.is_struct(t) and any(has_float(f.type) for f in t)


def normalized_elements(values: pa.Array) -> pa.Array:
    """-0.0 as 0.0, nested ones too: the set functions give it so."""
    t = values.type
    if not has_float(t):
        return values
    if pa.types.is_floating(t):
        return pc.add(values, pa.scalar(0.0, t))          # -0.0 + 0.0 is 0.0
    if pa.types.is_list(t):
        lists = Lists.of(values)
        return build_list(lists.parent, normalized_elements(lists.flat), lists.valid, t)
    return pa.StructArray.from_arrays([normalized_elements(f) for f in values.flatten()], fields=list(t),
                                      mask=values.is_null() if values.null_count else None)


def target_type(call) -> pa.DataType:
    return T.to_arrow_type(call.data_type)


def may_be_null(nullable: bool, t) -> bool:
    """A result's nullability flag; Arrow has no non-nullable NULL-typed field, so a NULL-typed
    element or key says nullable where Spark says not."""
    return nullable or isinstance(t, T.NullType)
