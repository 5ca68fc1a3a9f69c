"""``Row``: PySpark's row of a DataFrame, a tuple whose items also have names.

Contract: ``Row(a=1, b='x')`` is the tuple ``(1, 'x')`` with the field names ``['a', 'b']`` in the
order given (kept in the instance's ``__fields__``); ``Row('a', 'b')`` is a tuple of names that acts
as a factory: calling it with values makes a row with those names. A row compares, hashes and sorts
as its tuple of values; fields are read by attribute, by name (``row['a']``) or by position, and a
row pickles with its names. Rows built by ``_create_row`` may repeat a name (the columns of a join);
a name then reads the first of them and ``asDict`` keeps the last.
"""
from __future__ import annotations

from sparklite.sql.errors import (
    PySparkAttributeError,
    PySparkKeyError,
    PySparkRuntimeError,
    PySparkTypeError,
    PySparkValueError,
    error,
)


def _create_row(fields, values) -> "Row":
    """A row of ``values`` named by ``fields`` (a list of names, or a ``Row`` of names)."""
    row = tuple.__new__(Row, values)
    row.__dict__["__fields__"] = fields
    return row


class Row(tuple):
    """A row of a DataFrame: a tuple whose items are also reachable by name."""

    def __new__(cls, *args, **kwargs):
        if args and kwargs:
            raise error(PySparkValueError, "CANNOT_SET_TOGETHER", arg_list="args and kwargs")
        if kwargs:
            row = tuple.__new__(cls, kwargs.values())
            row.__dict__["__fields__"] = list(kwargs)
            return row
        return tuple.__new__(cls, args)

    def asDict(self, recursive: bool = False) -> dict:
        """The row as a dict of name -> value; ``recursive`` turns nested rows (also inside lists and
        dicts) into dicts too."""
        if "__fields__" not in self.__dict__:
            raise error(PySparkTypeError, "CANNOT_CONVERT_TYPE", from_type="Row", to_type="dict")
        if not recursive:
            return dict(zip(self.__fields__, self))
        return dict(zip(self.__fields__, (_as_plain(value) for value in self)))

    def __contains__(self, item) -> bool:
        if "__fields__" in self.__dict__:
            return item in self.__fields__
        return tuple.__contains__(self, item)

    def __call__(self, *values) -> "Row":
        """A row with this row's items as names and ``values`` as values."""
        if len(values) > len(self):
            raise error(PySparkValueError, "TOO_MANY_VALUES", expected=len(self), item="fields", actual=len(values))
        return _create_row(self, values)

    def __getitem__(self, item):
        if isinstance(item, (int, slice)):
            return tuple.__getitem__(self, item)
        try:
            index = self.__fields__.index(item)
        except ValueError:
            raise PySparkValueError(item) from None
        try:
            return tuple.__getitem__(self, index)
        except IndexError:
            raise error(PySparkKeyError, "KEY_NOT_EXISTS", key=item) from None

    def __getattr__(self, item: str):
        if item.startswith("__"):
            raise error(PySparkAttributeError, "ATTRIBUTE_NOT_SUPPORTED", attr_name=item)
        try:
            return tuple.__getitem__(self, self.__fields__.index(item))
        except (ValueError, IndexError):
            raise error(PySparkAttributeError, "ATTRIBUTE_NOT_SUPPORTED", attr_name=item) from None

    def __setattr__(self, key, value) -> None:
        if key != "__fields__":
            raise error(PySparkRuntimeError, "READ_ONLY", object="Row")
        self.__dict__[key] = value

    def __reduce__(self):
        if "__fields__" in self.__dict__:
            return (_create_row, (self.__fields__, tuple(self)))
        return tuple.__reduce__(self)

    def __repr__(self) -> str:
        if "__fields__" in self.__dict__:
            return "Row(%s)" % ", ".join(f"{name}={value!r}" for name, value in zip(self.__fields__, self))
        return "<Row(%s)>" % ", ".join(repr(name) for name in self)


def _as_plain(value):
    if isinstance(value, Row):
        return value.asDict(True)
    if isinstance(value, list):
        return [_as_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_plain(item) for key, item in value.items()}
    return value
