"""``pyspark.sql.functions``: build columns from names, literals and Spark's built-in functions.

Each function returns a ``Column`` holding an unresolved call by Spark's name; the analyzer finds
the function in the registry (``sparklite.sql.builtins``), checks and coerces its arguments and
types the result. Arguments that PySpark reads as column names (``F.upper("name")``) are names
here too; ``lit`` makes literals.
"""
from __future__ import annotations

from sparklite.sql.column import Column, literal, name_to_expression, to_expression
from sparklite.sql.functions.aggregates import *  # noqa: F401,F403  (aggregates: mode)
from sparklite.sql.functions.collections import *  # noqa: F401,F403  (arrays and maps)
from sparklite.sql.functions.datetime import *  # noqa: F401,F403  (dates and times)
from sparklite.sql.functions.higherorder import *  # noqa: F401,F403  (functions taking lambdas)
from sparklite.sql.functions.jsonfuncs import *  # noqa: F401,F403  (JSON)
from sparklite.sql.functions.mathfuncs import *  # noqa: F401,F403  (math, bitwise, conversion)
from sparklite.sql.functions.strings import *  # noqa: F401,F403  (strings, regular expressions, hashes)
from sparklite.sql.errors import PySparkTypeError
from sparklite.sql.plan.expressions import UnresolvedFunction


def _to_col(value) -> Column:
    """A column argument: a Column, or a string naming one."""
    if isinstance(value, Column):
        return value
    if isinstance(value, str):
        return Column(name_to_expression(value))
    raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE",
                           messageParameters={"expected_type": "Column or str", "arg_name": "col", "arg_type": type(value).__name__})


def _invoke(name: str, *cols, **options) -> Column:
    return Column(UnresolvedFunction(name, [_to_col(c)._expr for c in cols], **options))


def _invoke_values(name: str, *args) -> Column:
    """A call whose arguments are columns (Columns or names) or Python literals by position."""
    return Column(UnresolvedFunction(name, [to_expression(a) if not isinstance(a, str) else
                                           name_to_expression(a) for a in args]))


# -- columns and literals ---------------------------------------------------------------------

def col(col: str) -> Column:
    """The column named ``col`` (``a.b`` reaches into a struct; backquotes keep dots)."""
    if not isinstance(col, str):
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={"expected_type": "str", "arg_name": "col",
                                                                         "arg_type": type(col).__name__})
    return Column(name_to_expression(col))


column = col


def lit(col) -> Column:
    """A literal column of the value (a Column is returned as it is)."""
    if isinstance(col, Column):
        return col
    if isinstance(col, list):
        return Column(UnresolvedFunction("array", [literal(v) for v in col]))
    return Column(literal(col))


def expr(str: str) -> Column:
    """A column from a SQL expression (``F.expr("a + 1")``)."""
    from sparklite.sql.plan.sql import parse_expression
    from sparklite.sql.session import SparkSession
    session = SparkSession.getActiveSession()
    zone = session.conf.get("spark.sql.session.timeZone") if session is not None else "UTC"
    return Column(parse_expression(str, zone))


def when(condition: Column, value) -> Column:
    """``CASE WHEN condition THEN value``; chain ``.when(...)`` and ``.otherwise(...)``."""
    if not isinstance(condition, Column):
        raise PySparkTypeError(errorClass="NOT_EXPECTED_TYPE", messageParameters={"expected_type": "Column", "arg_name": "condition",
                                                                            "arg_type": type(condition).__name__})
    return Column(UnresolvedFunction("casewhen", [condition._expr, to_expression(value)]))


# -- null handling and conditionals ------------------------------------------------------------

def coalesce(*cols) -> Column:
    return _invoke("coalesce", *cols)


def greatest(*cols) -> Column:
    if len(cols) < 2:
        raise PySparkTypeError(errorClass="WRONG_NUM_COLUMNS",
                               messageParameters={"func_name": "greatest", "num_cols": "2"})
    return _invoke("greatest", *cols)


def least(*cols) -> Column:
    if len(cols) < 2:
        raise PySparkTypeError(errorClass="WRONG_NUM_COLUMNS",
                               messageParameters={"func_name": "least", "num_cols": "2"})
    return _invoke("least", *cols)


def isnull(col) -> Column:
    return _invoke("isnull", col)


def isnotnull(col) -> Column:
    return _invoke("isnotnull", col)


def isnan(col) -> Column:
    return _invoke("isnan", col)


def nanvl(col1, col2) -> Column:
    return _invoke("nanvl", col1, col2)


def ifnull(col1, col2) -> Column:
    return _invoke("ifnull", col1, col2)


def nvl(col1, col2) -> Column:
    return _invoke("nvl", col1, col2)


def nvl2(col1, col2, col3) -> Column:
    return _invoke("nvl2", col1, col2, col3)


def nullif(col1, col2) -> Column:
    return _invoke("nullif", col1, col2)


# -- arithmetic -------------------------------------------------------------------------------

def pmod(dividend, divisor) -> Column:
    return _invoke_values("pmod", dividend, divisor)


def try_add(left, right) -> Column:
    return _invoke("try_add", left, right)


def try_subtract(left, right) -> Column:
    return _invoke("try_subtract", left, right)


def try_multiply(left, right) -> Column:
    return _invoke("try_multiply", left, right)


def try_divide(left, right) -> Column:
    return _invoke("try_divide", left, right)


def try_mod(left, right) -> Column:
    return _invoke("try_mod", left, right)


def negative(col) -> Column:
    return _invoke("negative", col)


def positive(col) -> Column:
    return _invoke("positive", col)


def element_at(col, extraction) -> Column:
    return Column(UnresolvedFunction("element_at", [_to_col(col)._expr, to_expression(extraction)]))


def try_element_at(col, extraction) -> Column:
    return Column(UnresolvedFunction("try_element_at", [_to_col(col)._expr, to_expression(extraction)]))


def get(col, index) -> Column:
    return Column(UnresolvedFunction("get", [_to_col(col)._expr, to_expression(index)]))


# -- aggregates -------------------------------------------------------------------------------

def count(col) -> Column:
    """Rows where ``col`` is not NULL (``count("*")``: all rows, named ``count(1)``)."""
    if isinstance(col, str) and col == "*":
        return Column(UnresolvedFunction("count", [literal(1)]))
    return _invoke("count", col)


def count_distinct(col, *cols) -> Column:
    return Column(UnresolvedFunction("count", [_to_col(c)._expr for c in (col,) + cols], is_distinct=True))


countDistinct = count_distinct


def sum_distinct(col) -> Column:
    return Column(UnresolvedFunction("sum", [_to_col(col)._expr], is_distinct=True))


sumDistinct = sum_distinct


def approx_count_distinct(col, rsd: float | None = None) -> Column:
    """The number of distinct values by Spark's HyperLogLog++ sketch (``rsd``: its relative
    standard deviation, 0.05 unless given)."""
    args = [_to_col(col)._expr] + ([literal(float(rsd))] if rsd is not None else [])
    return Column(UnresolvedFunction("approx_count_distinct", args))


approxCountDistinct = approx_count_distinct


def first(col, ignorenulls: bool = False) -> Column:
    return Column(UnresolvedFunction("first", [_to_col(col)._expr, literal(bool(ignorenulls))]))


def last(col, ignorenulls: bool = False) -> Column:
    return Column(UnresolvedFunction("last", [_to_col(col)._expr, literal(bool(ignorenulls))]))


def _aggregate(name: str):
    def function(col) -> Column:
        return _invoke(name, col)
    function.__name__ = name
    function.__doc__ = f"The aggregate ``{name}`` of a column."
    return function


sum = _aggregate("sum")
avg = _aggregate("avg")
mean = _aggregate("mean")
min = _aggregate("min")
max = _aggregate("max")
collect_list = _aggregate("collect_list")
collect_set = _aggregate("collect_set")
array_agg = _aggregate("array_agg")
any_value = _aggregate("any_value")
stddev = _aggregate("stddev")
std = _aggregate("std")
stddev_samp = _aggregate("stddev_samp")
stddev_pop = _aggregate("stddev_pop")
variance = _aggregate("variance")
var_samp = _aggregate("var_samp")
var_pop = _aggregate("var_pop")
skewness = _aggregate("skewness")
kurtosis = _aggregate("kurtosis")
bool_and = _aggregate("bool_and")
bool_or = _aggregate("bool_or")
every = _aggregate("every")
some = _aggregate("some")


# -- sort orders ------------------------------------------------------------------------------

def asc(col) -> Column:
    return _to_col(col).asc()


def asc_nulls_first(col) -> Column:
    return _to_col(col).asc_nulls_first()


def asc_nulls_last(col) -> Column:
    return _to_col(col).asc_nulls_last()


def desc(col) -> Column:
    return _to_col(col).desc()


def desc_nulls_first(col) -> Column:
    return _to_col(col).desc_nulls_first()


def desc_nulls_last(col) -> Column:
    return _to_col(col).desc_nulls_last()


def broadcast(df):
    """Mark a DataFrame to be broadcast in a join."""
    return df.hint("broadcast")


# -- window functions -------------------------------------------------------------------------

def row_number() -> Column:
    return Column(UnresolvedFunction("row_number", []))


def rank() -> Column:
    return Column(UnresolvedFunction("rank", []))


def dense_rank() -> Column:
    return Column(UnresolvedFunction("dense_rank", []))


def percent_rank() -> Column:
    return Column(UnresolvedFunction("percent_rank", []))


def cume_dist() -> Column:
    return Column(UnresolvedFunction("cume_dist", []))


def ntile(n: int) -> Column:
    return Column(UnresolvedFunction("ntile", [literal(int(n))]))


def lag(col, offset: int = 1, default=None) -> Column:
    args = [_to_col(col)._expr, literal(int(offset))]
    if default is not None:
        args.append(to_expression(default))
    return Column(UnresolvedFunction("lag", args))


def lead(col, offset: int = 1, default=None) -> Column:
    args = [_to_col(col)._expr, literal(int(offset))]
    if default is not None:
        args.append(to_expression(default))
    return Column(UnresolvedFunction("lead", args))


def nth_value(col, offset: int, ignoreNulls: bool = False) -> Column:
    return Column(UnresolvedFunction("nth_value", [_to_col(col)._expr, literal(int(offset)),
                                                   literal(bool(ignoreNulls))]))


# -- generators -------------------------------------------------------------------------------

def explode(col) -> Column:
    return _invoke("explode", col)


def explode_outer(col) -> Column:
    return _invoke("explode_outer", col)


def posexplode(col) -> Column:
    return _invoke("posexplode", col)


def posexplode_outer(col) -> Column:
    return _invoke("posexplode_outer", col)


def inline(col) -> Column:
    return _invoke("inline", col)


def inline_outer(col) -> Column:
    return _invoke("inline_outer", col)


def stack(*cols) -> Column:
    return Column(UnresolvedFunction("stack", [to_expression(c) if not isinstance(c, str) else
                                               name_to_expression(c) for c in cols]))


def array(*cols) -> Column:
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        cols = tuple(cols[0])
    return _invoke("array", *cols)


def create_map(*cols) -> Column:
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        cols = tuple(cols[0])
    return _invoke("map", *cols)


def struct(*cols) -> Column:
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        cols = tuple(cols[0])
    return _invoke("struct", *cols)


def named_struct(*cols) -> Column:
    return _invoke("named_struct", *cols)


def typeof(col) -> Column:
    return _invoke("typeof", col)


# -- Python functions -------------------------------------------------------------------------

from sparklite.sql.udf import PandasUDFType, UserDefinedFunction, arrow_udf, pandas_udf, udf  # noqa: E402,F401
from sparklite.sql.udtf import AnalyzeArgument, AnalyzeResult, UserDefinedTableFunction, udtf  # noqa: E402,F401


def grouping(col) -> Column:
    """1 where ``col`` is aggregated over (NULL for the total) in a rollup/cube row, else 0."""
    return _invoke("grouping", col)


def grouping_id(*cols) -> Column:
    """The grouping set's bits (``grouping`` of each grouping column, the first the highest)."""
    return Column(UnresolvedFunction("grouping_id", [_to_col(c)._expr for c in cols]))


def corr(col1, col2) -> Column:
    return _invoke("corr", col1, col2)


def covar_samp(col1, col2) -> Column:
    return _invoke("covar_samp", col1, col2)


def covar_pop(col1, col2) -> Column:
    return _invoke("covar_pop", col1, col2)


def median(col) -> Column:
    return _invoke("median", col)


def percentile(col, percentage, frequency=1) -> Column:
    return Column(UnresolvedFunction("percentile", [_to_col(col)._expr, literal(percentage)]))


def percentile_approx(col, percentage, accuracy=10000) -> Column:
    """The ``percentage`` percentile (or a list of them: an array) by a Greenwald-Khanna summary of
    relative error ``1 / accuracy``."""
    if isinstance(percentage, Column):
        fraction = percentage._expr
    elif isinstance(percentage, (list, tuple)):
        fraction = UnresolvedFunction("array", [literal(float(p)) for p in percentage])
    else:
        fraction = literal(percentage)
    accuracy = accuracy._expr if isinstance(accuracy, Column) else literal(accuracy)
    return Column(UnresolvedFunction("percentile_approx", [_to_col(col)._expr, fraction, accuracy]))


def count_if(col) -> Column:
    return _invoke("count_if", col)


def max_by(col, ord) -> Column:
    return _invoke("max_by", col, ord)


def min_by(col, ord) -> Column:
    return _invoke("min_by", col, ord)


def spark_partition_id() -> Column:
    return Column(UnresolvedFunction("spark_partition_id", []))


def monotonically_increasing_id() -> Column:
    return Column(UnresolvedFunction("monotonically_increasing_id", []))


def input_file_name() -> Column:
    return Column(UnresolvedFunction("input_file_name", []))
