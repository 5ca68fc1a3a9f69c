"""The function registry: every SQL function and operator, with its type rule and its kernel side
by side (one ``FunctionSpec`` each, one module per family), as DataFusion keeps its functions.

Contract:
* ``register(spec)`` adds a function under its name and aliases (case-insensitive);
  ``lookup(name)`` finds it or raises ``UNRESOLVED_ROUTINE`` naming the closest known names.
* ``spec.resolve(args)`` gets the analyzed argument expressions and returns the arguments with the
  casts Spark's coercion inserts, the result type and its nullability; it raises
  ``DATATYPE_MISMATCH.*`` for arguments it cannot take.
* ``spec.kernel(values, num_rows, call)`` computes the result for a whole batch: ``values`` are the
  arguments' ``pyarrow`` arrays or scalars; the result is an array of ``num_rows`` values or a
  scalar (standing for every row). A ``lazy`` spec gets ``(call, batch, evaluate)`` instead and
  evaluates its arguments itself, on the rows that need them (CASE, AND, OR, COALESCE: a branch
  that is not taken raises no error, as in Spark).
* ``spec.render(arg_sqls, call)`` is the expression's text in column names and plans.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sparklite.sql.errors import AnalysisException


@dataclass
class FunctionSpec:
    name: str
    resolve: Callable
    kernel: Callable | None = None
    render: Callable | None = None
    aliases: tuple = ()
    lazy: bool = False
    deterministic: bool = True
    aggregate: bool = False
    options: dict = field(default_factory=dict)

    def display(self, arg_sqls: list[str], call) -> str:
        if "filter_sql" in call.options:       # an aggregate with FILTER (WHERE ...): its own arguments shown
            arg_sqls = list(call.options["display_args"])
        if self.render is not None:
            text = self.render(arg_sqls, call)
        else:
            distinct = "DISTINCT " if call.options.get("distinct") else ""
            text = f"{call.options.get('display_name', self.name)}({distinct}{', '.join(arg_sqls)})"
        return text + (f" FILTER (WHERE {call.options['filter_sql']})" if "filter_sql" in call.options else "")


FUNCTIONS: dict[str, FunctionSpec] = {}


def register(spec: FunctionSpec) -> FunctionSpec:
    for name in (spec.name,) + tuple(spec.aliases):
        FUNCTIONS[name.lower()] = spec
    return spec


def lookup(name: str) -> FunctionSpec:
    spec = FUNCTIONS.get(name.lower())
    if spec is None:
        raise AnalysisException(
            errorClass="UNRESOLVED_ROUTINE",
            messageParameters={"routineName": f"`{name}`",
                               "searchPath": "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]"})
    return spec


def binary_operator(symbol: str):
    """Renders ``(a <symbol> b)``, as Spark writes its binary operators."""
    return lambda args, call: f"({args[0]} {symbol} {args[1]})"
