"""Small lookup tables the parse checks join to: each distinct name is resolved once.

Names go through ``CountryIndex`` (which keeps its normalisation rules and its fail-loudly
tables) once per distinct value, however many rows carry it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.parse.tabular import UNDECODABLE
from pipeline.reference.countries import CountryIndex, UnknownCountryError

MAX_NAME_CHARS = 200


def distinct_counts(rows: pa.Table, columns: Sequence[str]) -> list[tuple[str, int]]:
    """Distinct trimmed values of the columns (together) with how often they occur."""
    values = pa.chunked_array(
        [chunk for c in columns for chunk in rows.column(c).chunks],
        pa.string(),
    )
    counts = pc.value_counts(values)
    found = [
        (str(item["values"]), int(item["counts"]))
        for item in counts.to_pylist()
        if item["values"] is not None
    ]
    return sorted(found)


def country_table(
    index: CountryIndex,
    rows: pa.Table,
    columns: Sequence[str],
    missing: Mapping[str, str] | None = None,
) -> pa.Table:
    """``name, country_code, reason, mentions`` for every distinct value of the columns;
    ``country_code`` is null and ``reason`` says why when a value is not a country."""
    missing = missing if missing is not None else {"": "empty country"}
    names, codes, reasons, mentions = [], [], [], []
    for value, count in distinct_counts(rows, columns):
        code, reason = None, ""
        if value in missing:
            reason = missing[value]
        elif len(value) > MAX_NAME_CHARS:
            reason = f"longer than {MAX_NAME_CHARS} characters"
        else:
            try:
                code = index.resolve(value)
            except UnknownCountryError as err:
                reason = f"unknown country: {err}"
        names.append(value)
        codes.append(code)
        reasons.append(reason or None)
        mentions.append(count)
    for value, reason in missing.items():
        if value not in names:
            names.append(value)
            codes.append(None)
            reasons.append(reason)
            mentions.append(0)
    return pa.table(
        {
            "name": pa.array(names, pa.string()),
            "country_code": pa.array(codes, pa.string()),
            "reason": pa.array(reasons, pa.string()),
            "mentions": pa.array(mentions, pa.int64()),
        }
    )


def mapping_notes(name: str, names: pa.Table) -> list[str]:
    """Country values of the file ``name`` as written (a ``country_table``), and what they were
    mapped to, for the user to check."""
    out = []
    for value, code, mentions in zip(
        names.column("name").to_pylist(),
        names.column("country_code").to_pylist(),
        names.column("mentions").to_pylist(),
        strict=True,
    ):
        if not mentions:
            continue  # a value the checks know of (the empty cell) that the file does not hold
        if code:
            shown = code
        elif UNDECODABLE in value:
            # a misread byte, not a misspelling: the line's reject says how to convert the file
            shown = "NOT MAPPED (rows rejected: the file is not UTF-8, save it as UTF-8)"
        else:
            shown = "NOT MAPPED (rows rejected; fix the spelling or use an ISO code)"
        out.append(f"{name}: {value!r} -> {shown} ({mentions} mentions)")
    return out


def occupation_list(occupations: Iterable[str]) -> pa.Table:
    return pa.table({"occupation": pa.array(list(occupations), pa.string())})
