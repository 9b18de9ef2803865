"""DuckDB SQL -> Spark SQL with sqlglot, DuckDB macros inlined.

Spark has no equivalent of a DuckDB ``create macro``, so each call of a macro is replaced by the
macro's body with the call's arguments put in place of its parameters before the statement is
written in the Spark dialect. Only scalar macros (``create macro f(a, b) as <expression>``) are
supported; anything else raises, rather than running different SQL on Spark.

Named windows that a call extends (``rank() over (side order by tasks desc)`` with ``window side
as (partition by …)``) are standard SQL that Spark does not parse: every use of a named window
is replaced by the full window it stands for.
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


def _expand_named_windows(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.Select) or not node.args.get("windows"):
        return node
    named = {w.this.name.lower(): w for w in node.args["windows"]}
    for window in list(node.find_all(exp.Window)):
        reference = window.args.get("alias")
        if window.parent_select is not node or reference is None:
            continue
        base = named.get(reference.name.lower())
        if base is None:
            raise TranspileError(f"window {reference.name} is not defined")
        for part in ("partition_by", "order", "spec"):
            if base.args.get(part) and not window.args.get(part):
                value = base.args[part]
                copied = [v.copy() for v in value] if isinstance(value, list) else value.copy()
                window.set(part, copied)
        window.set("alias", None)
    node.set("windows", None)
    return node


def to_spark(sql: str, macros: dict[str, Macro]) -> str:
    """One DuckDB SELECT statement as Spark SQL."""
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    if len(statements) != 1:
        raise TranspileError(f"expected one statement, found {len(statements)}")
    tree = statements[0].transform(lambda node: _inline(node, macros))
    tree = tree.transform(_expand_named_windows)
    left = [
        str(node.this) for node in tree.find_all(exp.Anonymous) if str(node.this).lower() in macros
    ]
    if left:
        raise TranspileError(f"macro calls left after inlining: {', '.join(left)}")
    return tree.sql(dialect="spark", pretty=True)
