"""Table-valued functions in FROM: Python UDTFs (``SELECT * FROM f(1, 2)``, ``FROM t, LATERAL
f(t.x)``, ``f(TABLE(t))``, or a ``UserDefinedTableFunction`` called in Python) and the builtin
``range(...)``.

Contract:
* ``TableFunction`` is a UDTF as plans know it (checked as PySpark checks the class when it is
  made); ``UDTFRegistration`` (``spark.udtf``) names one for SQL in the session's table functions.
* ``TableFunctionCall`` is a call before analysis (a leaf: its arguments see no columns), and
  ``LateralTableFunction(child, call)`` one whose arguments may read ``child``'s columns.
* ``resolve_table_function(analyzer, call, child)`` makes the call a ``Generate`` of a ``PythonUDTF``
  over ``child`` (a one-row relation when standalone): the output is the child's columns, then the
  UDTF's, named by its return type, by its ``analyze`` (given each argument's ``AnalyzeArgument``)
  or by the ``AS alias(names)`` given, and qualified by the alias. A ``TABLE(t)`` argument makes
  ``t`` the child, each row reaching ``eval`` as one ``Row`` argument, and keeps only the UDTF's
  columns. The ``Generate`` runs as ``execution/python_udtf.py``'s ``BatchEvalPythonUDTFExec``.
"""
from __future__ import annotations

import inspect
import traceback
from dataclasses import dataclass
from typing import Any, Optional

from sparklite.sql import types as T
from sparklite.sql.errors import AnalysisException, PySparkAttributeError, PySparkTypeError
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import AttributeReference, Literal, PythonCall, UnresolvedFunction

SQL_TABLE_UDF, SQL_ARROW_TABLE_UDF = 300, 301          # PySpark's PythonEvalType values


@dataclass(frozen=True)
class AnalyzeArgument:
    """An argument as a UDTF's ``analyze`` sees it: its type, its value when constant (None
    otherwise), whether it is a table, whether it is a constant expression."""
    dataType: T.DataType
    value: Optional[Any]
    isTable: bool
    isConstantExpression: bool


@dataclass(frozen=True)
class AnalyzeResult:
    """What a UDTF's ``analyze`` returns: the schema of its output rows."""
    schema: T.StructType


def _has_static_analyze(cls) -> bool:
    return hasattr(cls, "analyze") and isinstance(inspect.getattr_static(cls, "analyze"), staticmethod)


def _validate_handler(cls, return_type) -> None:
    """PySpark's checks of a UDTF class, made when the UDTF is created."""
    if not isinstance(cls, type):
        raise PySparkTypeError(errorClass="INVALID_UDTF_HANDLER_TYPE", messageParameters={"type": type(cls).__name__})
    if not hasattr(cls, "eval"):
        raise PySparkAttributeError(errorClass="INVALID_UDTF_NO_EVAL", messageParameters={"name": cls.__name__})
    if return_type is None and not _has_static_analyze(cls):
        raise PySparkAttributeError(errorClass="INVALID_UDTF_RETURN_TYPE", messageParameters={"name": cls.__name__})
    if return_type is not None and hasattr(cls, "analyze"):
        raise PySparkAttributeError(errorClass="INVALID_UDTF_BOTH_RETURN_TYPE_AND_ANALYZE",
                                    messageParameters={"name": cls.__name__})


class TableFunction:
    """A Python UDTF as plans know it: the user's class, its name, return type (None when its
    ``analyze`` computes one), PySpark's eval type and determinism. ``sparklite.sql.udtf``'s
    ``UserDefinedTableFunction`` adds calling it from Python."""

    def __init__(self, func, returnType=None, name: str | None = None, evalType: int = SQL_TABLE_UDF,
                 deterministic: bool = False):
        _validate_handler(func, returnType)
        self.func, self._returnType, self._parsed = func, returnType, None
        self._name = name or func.__name__
        self.evalType, self.deterministic = evalType, deterministic

    @property
    def returnType(self) -> T.StructType | None:
        """The declared output schema (None when the class computes it with ``analyze``)."""
        if self._returnType is None:
            return None
        if self._parsed is None:
            parsed = T._parse_datatype_string(self._returnType) if isinstance(self._returnType, str) \
                else self._returnType
            if not isinstance(parsed, T.StructType):
                raise PySparkTypeError(errorClass="UDTF_RETURN_TYPE_MISMATCH",
                                       messageParameters={"name": self._name, "return_type": f"{parsed}"})
            self._parsed = parsed
        return self._parsed

    def asDeterministic(self) -> "TableFunction":
        """Marks the UDTF deterministic (UDTFs are not, by default)."""
        self.deterministic = True
        return self

    def named(self, name: str) -> "TableFunction":
        """A copy under another name (what ``spark.udtf.register`` keeps)."""
        return type(self)(self.func, self.returnType, name, self.evalType, self.deterministic)


class UDTFRegistration:
    """``spark.udtf``: ``register(name, f)`` makes a UDTF callable in SQL's FROM clause."""

    def __init__(self, sparkSession):
        self.sparkSession = sparkSession

    def register(self, name: str, f: TableFunction) -> TableFunction:
        """Registers ``f`` (made by ``udtf``) as the SQL table function ``name``; returns the registered copy."""
        if not isinstance(f, TableFunction):
            raise PySparkTypeError(errorClass="CANNOT_REGISTER_UDTF", messageParameters={"name": name})
        if f.evalType not in (SQL_TABLE_UDF, SQL_ARROW_TABLE_UDF):
            raise PySparkTypeError(errorClass="INVALID_UDTF_EVAL_TYPE",
                                   messageParameters={"name": name, "eval_type": "SQL_TABLE_UDF, SQL_ARROW_TABLE_UDF"})
        registered = f.named(name)
        self.sparkSession._session_table_functions[name.lower()] = registered
        return registered


class PythonUDTF(PythonCall):
    """A UDTF called on argument expressions (``keywords[i]``: the name of argument i, None when
    positional); its ``data_type`` is the output row's struct; ``analyze_result`` what the class's
    ``analyze`` returned, given to its ``__init__``; ``eval_type`` PySpark's (Arrow-optimized or not)."""

    def __init__(self, name: str, func, return_type: T.StructType, children, keywords, deterministic: bool,
                 analyze_result=None, eval_type: int = SQL_ARROW_TABLE_UDF):
        self.name, self.func, self.return_type = name, func, return_type
        self.children, self.keywords = tuple(children), tuple(keywords)
        self._deterministic, self.analyze_result, self.eval_type = deterministic, analyze_result, eval_type

    def with_children(self, children):
        return PythonUDTF(self.name, self.func, self.return_type, children, self.keywords, self._deterministic,
                          self.analyze_result, self.eval_type)

    def sql(self) -> str:
        args = [c.sql() if k is None else f"{k} => {c.sql()}" for c, k in zip(self.children, self.keywords)]
        return f"{self.name}({', '.join(args)})"

    def semantic_key(self):
        return ("udtf", id(self.func), self.keywords) + tuple(c.semantic_key() for c in self.children)


def analyze_return_type(cls, name: str, args: list, keywords: list, table_index: int | None = None):
    """The output schema a UDTF's static ``analyze`` gives for these resolved arguments (the one at
    ``table_index`` a ``TABLE`` argument), and its result; its failures are PySpark's."""
    arguments = [AnalyzeArgument(a.data_type, None, True, False) if i == table_index else
                 AnalyzeArgument(a.data_type, _constant(a) if a.foldable else None, False, a.foldable)
                 for i, a in enumerate(args)]
    positional = [a for a, k in zip(arguments, keywords) if k is None]
    named = {k: a for a, k in zip(arguments, keywords) if k is not None}
    failing = f"Failed to evaluate the user-defined table function '{name}' because"
    try:
        inspect.signature(cls.analyze).bind(*positional, **named)
    except TypeError as error:
        raise _analyze_failed(
            f"{failing} the function arguments did not match the expected signature of the static 'analyze' "
            f"method ({error}). Please update the query so that this table function call provides arguments "
            "matching the expected signature, or else update the table function so that its static 'analyze' "
            "method accepts the provided arguments, and then try the query again.") from None
    try:
        result = cls.analyze(*positional, **named)
    except Exception as error:               # the user's analyze failed: its traceback, the user's frames
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        raise _analyze_failed("".join(line for line in lines if __file__ not in line).strip()) from error
    if not isinstance(result, AnalyzeResult):
        raise _analyze_failed(f"{failing} the static 'analyze' method expects a result of type "
                              "pyspark.sql.udtf.AnalyzeResult, but instead this method returned a value of type: "
                              f"{type(result)}")
    if not isinstance(result.schema, T.StructType):
        raise _analyze_failed(f"{failing} the static 'analyze' method expects a result of type "
                              "pyspark.sql.udtf.AnalyzeResult with a 'schema' field comprising a StructType, but "
                              f"the 'schema' field had the wrong type: {type(result.schema)}")
    return result.schema, result


def _analyze_failed(message: str) -> AnalysisException:
    return AnalysisException(errorClass="TABLE_VALUED_FUNCTION_FAILED_TO_ANALYZE_IN_PYTHON",
                             messageParameters={"msg": message})


def _constant(expr):
    import pyarrow as pa
    from sparklite.sql.conversion import table_to_rows
    from sparklite.sql.execution.evaluate import evaluate_array
    array = evaluate_array(expr, pa.RecordBatch.from_arrays([pa.array([0])], names=["_"]))
    schema = T.StructType([T.StructField("v", expr.data_type, True)])
    return table_to_rows(pa.table({"v": array}), schema)[0][0]


class TableFunctionCall(L.LeafPlan):
    """``name(args)`` in FROM, or a ``TableFunction`` called in Python (``udtf`` set);
    ``keywords[i]`` names argument i (None: positional); ``table`` a ``TABLE(t)`` argument's plan,
    the argument at ``table_index`` among the others."""

    def __init__(self, name: str, args: list, keywords: list, udtf=None, alias: str | None = None,
                 columns: list | None = None, table: L.LogicalPlan | None = None, table_index: int = 0):
        super().__init__()
        self.name, self.args, self.keywords, self.udtf = name, list(args), list(keywords), udtf
        self.alias, self.columns, self.table, self.table_index = alias, columns, table, table_index

    @property
    def resolved(self):
        return False

    def node_string(self):
        return f"'UnresolvedTableValuedFunction [{self.name}], [{', '.join(a.sql() for a in self.args)}]"


class LateralTableFunction(L.UnaryPlan):
    """``child, LATERAL call`` (or ``JOIN LATERAL``): the call's arguments read the child's columns."""

    def __init__(self, child: L.LogicalPlan, call: TableFunctionCall):
        super().__init__()
        self.children, self.call = (child,), call

    @property
    def resolved(self):
        return False

    def with_new(self, children=None, expressions=None):
        return LateralTableFunction((children or self.children)[0], self.call)

    def node_string(self):
        return f"'LateralJoin {self.call.node_string()}"


def resolve_table_function(analyzer, call: TableFunctionCall, child: L.LogicalPlan | None) -> L.LogicalPlan:
    """The plan of a table function called over ``child`` (None: standalone)."""
    udtf = call.udtf or analyzer.table_functions.get(call.name.lower())
    if udtf is None:
        if call.name.lower() == "range" and child is None and call.table is None:
            return _range(analyzer, call)
        raise AnalysisException(errorClass="UNRESOLVABLE_TABLE_VALUED_FUNCTION",
                                messageParameters={"name": f"`{call.name}`"})
    args, keywords = list(call.args), list(call.keywords)
    kept = None
    if call.table is not None:
        table = analyzer._resolve_plan(call.table)
        fields = [x for a in table.output for x in (Literal(a.name, T.StringType()), a)]
        args.insert(call.table_index, analyzer.resolve_function(UnresolvedFunction("named_struct", fields)))
        keywords.insert(call.table_index, None)
        child, kept = table, set()
    child = child if child is not None else L.OneRowRelation()
    args = [a if a.resolved else analyzer.resolve_expression(a, child) for a in args]
    return_type, analyzed = udtf.returnType, None
    if return_type is None:
        return_type, analyzed = analyze_return_type(udtf.func, udtf._name, args, keywords,
                                                    call.table_index if call.table is not None else None)
    names = call.columns or return_type.names
    if len(names) != len(return_type.fields):
        raise AnalysisException(errorClass="ASSIGNMENT_ARITY_MISMATCH",
                                messageParameters={"numTarget": str(len(names)),
                                                   "numExpr": str(len(return_type.fields))})
    qualifier = (call.alias,) if call.alias else ()
    attributes = [AttributeReference(n, f.dataType, f.nullable, qualifier=qualifier)
                  for n, f in zip(names, return_type.fields)]
    generator = PythonUDTF(udtf._name, udtf.func, return_type, args, keywords, udtf.deterministic, analyzed,
                           udtf.evalType)
    return L.Generate(generator, attributes, child, kept)


def _range(analyzer, call: TableFunctionCall) -> L.LogicalPlan:
    """``range(end)``, ``range(start, end[, step[, numPartitions]])`` with constant arguments."""
    values = [_constant(analyzer.resolve_expression(a, L.OneRowRelation())) for a in call.args]
    if not 1 <= len(values) <= 4:
        raise AnalysisException(errorClass="WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                                messageParameters={"functionName": "`range`", "expectedNum": "[1, 2, 3, 4]",
                                                   "actualNum": str(len(values)), "docroot": "https://spark.apache.org/docs/latest"})
    start, end = (0, values[0]) if len(values) == 1 else values[:2]
    step = values[2] if len(values) > 2 else 1
    plan = L.Range(int(start), int(end), int(step), int(values[3]) if len(values) > 3 else None)
    if call.alias:
        plan = L.SubqueryAlias(call.alias, plan)
    return plan


def table_function_call(builder, node, alias) -> TableFunctionCall:
    """The call a sqlglot function node in FROM stands for (``builder``: the SQL planner, which
    turns the argument trees into expressions); ``a => v`` arguments are keyword arguments."""
    from sqlglot import exp
    name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
    args, keywords, table, table_index = [], [], None, 0
    for arg in node.expressions if isinstance(node, exp.Anonymous) else node.args.values():
        if isinstance(arg, exp.Anonymous) and arg.name.upper() == "TABLE" and len(arg.expressions) == 1:
            table = builder.relation(exp.Table(this=arg.expressions[0].this)) \
                if isinstance(arg.expressions[0], exp.Column) else builder.query(arg.expressions[0])
            table_index = len(args)
            continue
        if isinstance(arg, exp.Kwarg):
            args.append(builder.expression(arg.expression))
            keywords.append(arg.this.name)
        elif isinstance(arg, exp.Expression):
            args.append(builder.expression(arg))
            keywords.append(None)
    columns = [c.name for c in alias.columns] if alias is not None and alias.columns else None
    return TableFunctionCall(name, args, keywords, alias=alias.name if alias is not None and alias.name else None,
                             columns=columns, table=table, table_index=table_index)
