"""``pyspark.sql.functions``' math, bitwise and random functions, with PySpark 4.3's names and
signatures: each builds an unresolved call of a function of ``sparklite.sql.builtins.mathfuncs``.

Arguments typed ``ColumnOrName`` in PySpark take a Column or a column name here too; the numbers
PySpark turns into literals (a ``scale``, ``numBits``, the bases of ``conv``, the number argument
of ``pow``, ``atan2`` and ``hypot``) are literals here. ``log(x)`` is ``ln``, as in PySpark, and
``rand()`` without a seed picks one, which then shows in the column name (``rand(5403...)``).
"""
from __future__ import annotations

import random as _random
import warnings

from sparklite.sql.column import Column, literal
from sparklite.sql.column import column_expression as _column
from sparklite.sql.plan.expressions import UnresolvedFunction

__all__ = [
    "abs", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "bin", "bit_count", "bit_get", "bitwiseNOT",
    "bitwise_not", "bround", "cbrt", "ceil", "ceiling", "conv", "cos", "cosh", "cot", "csc", "degrees", "e", "exp",
    "expm1", "factorial", "floor", "getbit", "hex", "hypot", "ln", "log", "log1p", "log2", "log10", "pi", "pow",
    "power", "radians", "rand", "randn", "random", "rint", "round", "sec", "shiftLeft", "shiftRight",
    "shiftRightUnsigned", "shiftleft", "shiftright", "shiftrightunsigned", "sign", "signum", "sin", "sinh", "sqrt",
    "tan", "tanh", "toDegrees", "toRadians", "unhex", "width_bucket"
]




def _number_or_column(value):
    """A number as a literal; a Column or a name as a column (PySpark's binary math arguments)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return literal(value)
    return _column(value)


def _call(name: str, *args) -> Column:
    return Column(UnresolvedFunction(name, list(args)))


def _unary(name: str, doc: str):
    def function(col) -> Column:
        return _call(name, _column(col))
    function.__name__ = name
    function.__doc__ = doc
    return function


abs = _unary("abs", "The absolute value (an integer's smallest value overflows, as in Spark).")
sqrt = _unary("sqrt", "The square root, a double (NaN for a negative number).")
cbrt = _unary("cbrt", "The cube root, a double.")
exp = _unary("exp", "e raised to the value, a double.")
expm1 = _unary("expm1", "exp(x) - 1, exact near zero.")
ln = _unary("ln", "The natural logarithm; NULL for a value <= 0.")
log10 = _unary("log10", "The base-10 logarithm; NULL for a value <= 0.")
log2 = _unary("log2", "The base-2 logarithm; NULL for a value <= 0.")
log1p = _unary("log1p", "ln(1 + x); NULL for a value <= -1.")
signum = _unary("signum", "-1.0, 0.0 or 1.0 as the value is negative, zero or positive.")
sign = _unary("sign", "-1.0, 0.0 or 1.0 as the value is negative, zero or positive.")
sin = _unary("sin", "The sine of an angle in radians.")
cos = _unary("cos", "The cosine of an angle in radians.")
tan = _unary("tan", "The tangent of an angle in radians.")
asin = _unary("asin", "The inverse sine, in radians (NaN outside [-1, 1]).")
acos = _unary("acos", "The inverse cosine, in radians (NaN outside [-1, 1]).")
atan = _unary("atan", "The inverse tangent, in radians.")
sinh = _unary("sinh", "The hyperbolic sine.")
cosh = _unary("cosh", "The hyperbolic cosine.")
tanh = _unary("tanh", "The hyperbolic tangent.")
asinh = _unary("asinh", "The inverse hyperbolic sine.")
acosh = _unary("acosh", "The inverse hyperbolic cosine (NaN below 1).")
atanh = _unary("atanh", "The inverse hyperbolic tangent (NaN outside [-1, 1]).")
cot = _unary("cot", "The cotangent, 1 / tan.")
sec = _unary("sec", "The secant, 1 / cos.")
csc = _unary("csc", "The cosecant, 1 / sin.")
degrees = _unary("degrees", "Radians converted to degrees.")
radians = _unary("radians", "Degrees converted to radians.")
rint = _unary("rint", "The nearest whole number as a double, ties to even.")
factorial = _unary("factorial", "n! for n in [0, 20], else NULL.")
hex = _unary("hex", "An integer's two's-complement hex digits, or the hex of a string's or binary's bytes.")
unhex = _unary("unhex", "The bytes that hex digits spell (NULL when a character is not one).")
bin = _unary("bin", "The binary digits of a bigint (two's complement when negative).")
bit_count = _unary("bit_count", "The number of one bits (of a bigint's 64 bits for any integer).")


def bitwise_not(col) -> Column:
    """Each bit flipped, as ``~col``."""
    return _call("~", _column(col))


def _deprecated(new: str, version: str) -> None:
    warnings.warn(f"Deprecated in {version}, use {new} instead.", FutureWarning)


def bitwiseNOT(col) -> Column:
    """Deprecated since PySpark 3.2: ``bitwise_not``."""
    _deprecated("bitwise_not", "3.2")
    return bitwise_not(col)


def toDegrees(col) -> Column:
    """Deprecated since PySpark 2.1: ``degrees``."""
    _deprecated("degrees", "2.1")
    return degrees(col)


def toRadians(col) -> Column:
    """Deprecated since PySpark 2.1: ``radians``."""
    _deprecated("radians", "2.1")
    return radians(col)


def _with_scale(name: str, doc: str):
    def function(col, scale=None) -> Column:
        if scale is None:
            return _call(name, _column(col))
        return _call(name, _column(col), literal(scale) if isinstance(scale, int) else _column(scale))
    function.__name__ = name
    function.__doc__ = doc
    return function


round = _with_scale("round", "Rounded to ``scale`` decimal places (0 by default), halves away from zero.")
bround = _with_scale("bround", "Rounded to ``scale`` decimal places (0 by default), halves to even.")
ceil = _with_scale("ceil", "The smallest whole number (or number of ``scale`` decimals) not below the value.")
ceiling = _with_scale("ceiling", "The smallest whole number (or number of ``scale`` decimals) not below the value.")
floor = _with_scale("floor", "The largest whole number (or number of ``scale`` decimals) not above the value.")


def _binary_math(python_name: str, name: str, doc: str):
    def function(col1, col2) -> Column:
        return _call(name, _number_or_column(col1), _number_or_column(col2))
    function.__name__ = python_name
    function.__doc__ = doc
    return function


pow = _binary_math("pow", "power", "``col1`` raised to the power ``col2``, a double.")
power = pow
atan2 = _binary_math("atan2", "atan2", "The angle of the point (``col2``, ``col1``) from the x axis, in radians.")
hypot = _binary_math("hypot", "hypot", "sqrt(col1² + col2²) without intermediate overflow.")


def log(arg1, arg2=None) -> Column:
    """``log(col)``: the natural logarithm; ``log(base, col)``: the logarithm in ``base``."""
    if arg2 is None:
        return _call("ln", _column(arg1))
    base = literal(float(arg1)) if isinstance(arg1, (int, float)) else _column(arg1)
    return _call("log", base, _column(arg2))


def pi() -> Column:
    """The constant pi."""
    return _call("pi")


def e() -> Column:
    """Euler's number."""
    return _call("e")


def conv(col, fromBase: int, toBase: int) -> Column:
    """A number's digits in ``fromBase`` written in ``toBase`` (a negative base writes signed)."""
    return _call("conv", _column(col), literal(fromBase), literal(toBase))


def _shift(name: str, doc: str):
    def function(col, numBits: int) -> Column:
        return _call(name, _column(col), literal(numBits))
    function.__name__ = name
    function.__doc__ = doc
    return function


shiftleft = _shift("shiftleft", "The bits shifted left by ``numBits``.")
shiftright = _shift("shiftright", "The bits shifted right by ``numBits``, keeping the sign.")
shiftrightunsigned = _shift("shiftrightunsigned", "The bits shifted right by ``numBits``, shifting in zeros.")


def shiftLeft(col, numBits: int) -> Column:
    """Deprecated since PySpark 3.2: ``shiftleft``."""
    _deprecated("shiftleft", "3.2")
    return shiftleft(col, numBits)


def shiftRight(col, numBits: int) -> Column:
    """Deprecated since PySpark 3.2: ``shiftright``."""
    _deprecated("shiftright", "3.2")
    return shiftright(col, numBits)


def shiftRightUnsigned(col, numBits: int) -> Column:
    """Deprecated since PySpark 3.2: ``shiftrightunsigned``."""
    _deprecated("shiftrightunsigned", "3.2")
    return shiftrightunsigned(col, numBits)


def bit_get(col, pos) -> Column:
    """The bit at position ``pos`` (0 is the lowest), as a tinyint 0 or 1."""
    return _call("bit_get", _column(col), _column(pos))


def getbit(col, pos) -> Column:
    """The bit at position ``pos`` (0 is the lowest), as a tinyint 0 or 1."""
    return _call("getbit", _column(col), _column(pos))


def width_bucket(v, min, max, numBucket) -> Column:
    """The bucket of ``v`` among ``numBucket`` equal-width buckets from ``min`` to ``max`` (0 below,
    ``numBucket + 1`` above)."""
    count = literal(numBucket) if isinstance(numBucket, int) else _column(numBucket)
    return _call("width_bucket", _column(v), _column(min), _column(max), count)


def _seeded(name: str, doc: str):
    def function(seed: int | None = None) -> Column:
        if seed is None:
            seed = _random.getrandbits(64) - (1 << 63)     # shown in the column name, as in PySpark
        return _call(name, literal(seed))
    function.__name__ = name
    function.__doc__ = doc
    return function


rand = _seeded("rand", "Independent uniform values in [0, 1), from Spark's generator for the seed and partition.")
randn = _seeded("randn", "Independent standard normal values, from Spark's generator for the seed and partition.")
random = _seeded("random", "Independent uniform values in [0, 1) (``rand``).")
