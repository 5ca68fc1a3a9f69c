"""PySpark's SQL exceptions (the classes of ``pyspark.errors``) and the texts of the conditions they carry.

Contract:
* Every class here is a ``PySparkException`` (``sparklite.errors``) with PySpark's name and place in
  the hierarchy: ``ParseException`` and ``TempTableAlreadyExistsException`` are ``AnalysisException``s,
  ``NumberFormatException`` is an ``IllegalArgumentException``; the ``PySpark*Error`` classes are
  also the builtin exception their name says (``PySparkKeyError`` is a ``KeyError``).
* An error is built from a condition and its message parameters; its text comes from
  ``ERROR_CONDITIONS`` (``sparklite.sql.error_conditions``: PySpark's and Spark's texts) unless a
  ``message`` is given. ``error(cls, condition, **parameters)`` is the short way to build one.
  The ``PySpark*Error`` classes here are the core's (``sparklite.errors``) that know these texts.
* The errors Spark raises in the JVM (``AnalysisException`` and the others of ``SparkError``'s family)
  print as Spark prints them, ``[CONDITION] text SQLSTATE: xxxxx``; a ``ParseException`` adds the
  position and the SQL text with a caret under the offending place (Spark's ``== SQL ==`` block).
"""
from __future__ import annotations

import re

from sparklite import errors as core_errors
from sparklite.errors import PySparkException
from sparklite.sql.error_conditions import ERROR_CONDITIONS

__all__ = [
    "AnalysisException", "ArithmeticException", "ArrayIndexOutOfBoundsException", "DateTimeException",
    "IllegalArgumentException", "NumberFormatException", "ParseException", "PySparkAttributeError",
    "PySparkException", "PySparkIndexError", "PySparkKeyError", "PySparkNotImplementedError",
    "PySparkRuntimeError", "PySparkTypeError", "PySparkValueError", "PythonException", "QueryExecutionException",
    "SparkError", "SparkNoSuchElementException", "SparkRuntimeException", "SparkUpgradeException",
    "StreamingQueryException", "TempTableAlreadyExistsException", "UnknownException",
    "UnsupportedOperationException", "error",
]


def render(template: str, parameters: dict) -> str:
    """A condition's text with its ``<name>`` placeholders replaced by the parameters (in one pass,
    so a parameter's value that looks like a placeholder stays as it is)."""
    return re.sub(r"<(\w+)>", lambda m: str(parameters.get(m.group(1), m.group(0))), template)


def error(cls: type, condition: str, /, **parameters) -> PySparkException:
    """``cls`` (a ``PySparkException`` class) for ``condition``; parameters are kept as strings, as
    PySpark keeps them."""
    return cls(errorClass=condition, messageParameters={name: str(value) for name, value in parameters.items()})


class _Worded:
    """PySpark's Python-side errors: their text comes from ``ERROR_CONDITIONS`` unless given."""

    def __init__(self, message: str | None = None, errorClass: str | None = None,
                 messageParameters: dict | None = None):
        if message is None and errorClass in ERROR_CONDITIONS:
            message = ERROR_CONDITIONS[errorClass][0]
        super().__init__(message, errorClass, messageParameters)

    def getSqlState(self) -> str | None:
        """The SQLSTATE of the error's condition, if it has one."""
        return ERROR_CONDITIONS.get(self.getCondition(), (None, None))[1]


class PySparkValueError(_Worded, core_errors.PySparkValueError):
    pass


class PySparkTypeError(_Worded, core_errors.PySparkTypeError):
    pass


class PySparkRuntimeError(_Worded, core_errors.PySparkRuntimeError):
    pass


class PySparkKeyError(_Worded, PySparkException, KeyError):
    def __str__(self) -> str:
        return Exception.__str__(self)     # not KeyError's, which quotes the message


class PySparkIndexError(_Worded, PySparkException, IndexError):
    pass


class PySparkAttributeError(_Worded, PySparkException, AttributeError):
    pass


class PySparkNotImplementedError(_Worded, PySparkException, NotImplementedError):
    pass


class PySparkAssertionError(_Worded, PySparkException, AssertionError):
    pass


class SparkError(PySparkException):
    """An error Spark raises in the JVM: printed as ``[CONDITION] text SQLSTATE: xxxxx``; when its
    ``message`` is given it is the whole text (Spark's errors without a condition)."""

    def __init__(self, message: str | None = None, errorClass: str | None = None,
                 messageParameters: dict | None = None, contexts: list | None = None):
        parameters = {name: str(value) for name, value in (messageParameters or {}).items()}
        template, self._sqlstate = ERROR_CONDITIONS.get(errorClass, (message or "", None))
        self._text = render(message if message is not None else template, parameters)
        self._contexts = list(contexts or [])
        self._message_parameters = parameters
        super().__init__(self._text, errorClass)

    def getMessageParameters(self) -> dict:
        """The condition's parameters, as strings."""
        return dict(self._message_parameters)

    def getSqlState(self) -> str | None:
        """The SQLSTATE of the error's condition."""
        return self._sqlstate

    def getMessage(self) -> str:
        """``[CONDITION] text SQLSTATE: xxxxx``, without the position of a parse error."""
        if self.getCondition() is None or self.getCondition().startswith("_LEGACY_ERROR_TEMP_"):
            return self._text       # Spark prints its conditions of old messages as the message alone
        state = f" SQLSTATE: {self._sqlstate}" if self._sqlstate else ""
        return f"[{self.getCondition()}] {self._text}{state}"

    def getQueryContext(self) -> list:
        """Where in the query the error happened (empty: sparklite records no query context yet)."""
        return list(self._contexts)

    def __str__(self) -> str:
        return self.getMessage()

    def __reduce__(self):
        return (_rebuild, (type(self), self.__dict__.copy(), self.args))


def _rebuild(cls, state, args):
    instance = cls.__new__(cls)
    Exception.__init__(instance, *args)
    instance.__dict__.update(state)
    return instance


class AnalysisException(SparkError):
    pass


class TempTableAlreadyExistsException(AnalysisException):
    pass


class ParseException(AnalysisException):
    """A SQL text Spark cannot parse. ``origin`` is the (line, position) of the offending place (line
    from 1, position from 0) and ``command`` the text, both optional."""

    def __init__(self, message: str | None = None, errorClass: str | None = None,
                 messageParameters: dict | None = None, contexts: list | None = None,
                 origin: tuple | None = None, command: str | None = None):
        super().__init__(message, errorClass, messageParameters, contexts)
        self.origin, self.command = origin, command

    def __str__(self) -> str:
        text = "\n" + self.getMessage()
        if self.origin is None:
            return text + ("" if self.command is None else "\n== SQL ==\n" + self.command)
        line, position = self.origin
        text += f" (line {line}, pos {position})\n"
        if self.command is not None:
            lines = self.command.split("\n")
            text += "\n== SQL ==\n" + "".join(part + "\n" for part in lines[:line])
            text += "-" * position + "^^^\n" + "".join(part + "\n" for part in lines[line:])
        return text


class IllegalArgumentException(SparkError):
    pass


class NumberFormatException(IllegalArgumentException):
    pass


class ArithmeticException(SparkError):
    pass


class UnsupportedOperationException(SparkError):
    pass


class ArrayIndexOutOfBoundsException(SparkError):
    pass


class DateTimeException(SparkError):
    pass


class QueryExecutionException(SparkError):
    pass


class PythonException(SparkError):
    """A user's Python function failed in a worker: printed as PySpark prints it, the message then
    the function's traceback."""

    def __str__(self) -> str:
        parameters = self._message_parameters
        if "msg" in parameters and "traceback" in parameters:
            return f"{parameters['msg']}:\n{parameters['traceback'].strip()}"
        return super().__str__()


class SparkRuntimeException(SparkError):
    pass


class SparkUpgradeException(SparkError):
    pass


class SparkNoSuchElementException(SparkError):
    pass


class StreamingQueryException(SparkError):
    pass


class UnknownException(SparkError):
    pass
