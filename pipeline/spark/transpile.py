"""DuckDB SQL -> Spark SQL with sqlglot, DuckDB macros inlined.

Spark has no equivalent of a DuckDB ``create macro``, so each call of a macro is replaced by the
macro's body with the call's arguments put in place of its parameters before the statement is
written in the Spark dialect. Only scalar macros (``create macro f(a, b) as <expression>``) are
supported; anything else raises, rather than running different SQL on Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp


class TranspileError(ValueError):
    """SQL that cannot be carried over to Spark unchanged in meaning."""


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: exp.Expression


def read_macros(paths: list[Path]) -> dict[str, Macro]:
    """The scalar macros defined in these DuckDB SQL files, by lower-case name."""
    macros: dict[str, Macro] = {}
    for path in paths:
        for statement in sqlglot.parse(path.read_text(encoding="utf-8"), read="duckdb"):
            if statement is None:
                continue
            if not (isinstance(statement, exp.Create) and statement.kind == "MACRO"):
                raise TranspileError(f"{path}: only `create macro` statements are supported")
            signature = statement.this
            if not isinstance(signature, exp.UserDefinedFunction):
                raise TranspileError(f"{path}: cannot read the macro signature")
            name = signature.this.name.lower()
            params = tuple(p.name.lower() for p in signature.expressions)
            if statement.expression is None:
                raise TranspileError(f"{path}: macro {name} has no body")
            macros[name] = Macro(name, params, statement.expression)
    return macros


def _inline(node: exp.Expression, macros: dict[str, Macro]) -> exp.Expression:
    if not isinstance(node, exp.Anonymous):
        return node
    macro = macros.get(str(node.this).lower())
    if macro is None:
        return node
    if len(node.expressions) != len(macro.params):
        raise TranspileError(
            f"{macro.name} takes {len(macro.params)} arguments, called with {len(node.expressions)}"
        )
    arguments = dict(zip(macro.params, node.expressions, strict=True))

    def substitute(inner: exp.Expression) -> exp.Expression:
        if isinstance(inner, exp.Column) and not inner.table and inner.name.lower() in arguments:
            return exp.Paren(this=arguments[inner.name.lower()].copy())
        return inner

    return exp.Paren(this=macro.body.copy().transform(substitute))


def to_spark(sql: str, macros: dict[str, Macro]) -> str:
    """One DuckDB SELECT statement as Spark SQL."""
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    if len(statements) != 1:
        raise TranspileError(f"expected one statement, found {len(statements)}")
    tree = statements[0].transform(lambda node: _inline(node, macros))
    left = [
        str(node.this) for node in tree.find_all(exp.Anonymous) if str(node.this).lower() in macros
    ]
    if left:
        raise TranspileError(f"macro calls left after inlining: {', '.join(left)}")
    return tree.sql(dialect="spark", pretty=True)
