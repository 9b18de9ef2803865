"""The shape of a source module (copy it to start one; docs/adding-a-source.md explains).

A source is this module plus a YAML beside it with the same name. It provides what
:class:`pipeline.sources.contract.SourceModule` lists: ``fetch`` (write raw files only, through
``ctx.save``), ``import_files`` (copy files a user downloaded, through ``storing``), ``parse``
(one raw file in, staged rows and rejects out: no network, no database) and two hooks with
do-nothing answers here. This example reads a JSON list of ``{"buyer", "seller", "projects",
"year"}`` records; a real source also needs a staging view in ``sql/staging`` and a core model
that reads its staged table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.raw.versions import RawFile
from pipeline.reference.countries import UnknownCountryError
from pipeline.sources import storing
from pipeline.sources.contract import ParseContext, Parsed, SourceContext
from pipeline.util.records import Reject

SOURCE_ID = "template"
OPTION_KEYS: frozenset[str] = frozenset()  # YAML keys read beyond the common ones
SESSION_OPTIONS: Mapping[str, Any] = {}  # PoliteSession options (headers from env, limits)
STAGED: Mapping[str, pa.Schema] = {
    "template_rows": pa.schema(
        [
            ("file_name", pa.string()),
            ("record", pa.int64()),
            ("year", pa.int64()),
            ("buyer_country_code", pa.string()),
            ("seller_country_code", pa.string()),
            ("projects", pa.int64()),
        ]
    )
}
_RECOGNISED = re.compile(r".*\.json$", re.I)


def fetch(ctx: SourceContext) -> list[Path]:
    """Download the data into the raw store; nothing else (parsing comes later, from disk)."""
    return [ctx.save(str(ctx.meta["url"]), "example.json", expect="json", conditional=True)]


def import_files(path: Path, ctx: SourceContext) -> list[Path]:
    """A file, or the ``.json`` files of a folder, copied unchanged into the raw store."""
    return storing.import_matching(
        path, ctx.store, lambda name: bool(_RECOGNISED.match(name)), "a .json file", None
    )


def parse(raw: RawFile, ctx: ParseContext) -> Parsed:
    """Every record is staged or rejected with the field and the reason: nothing is lost."""
    try:
        records = json.loads(raw.read_bytes())
    except (ValueError, RecursionError) as err:
        return Parsed.unreadable(SOURCE_ID, raw.name, f"not a JSON file: {err}")
    if not isinstance(records, list):
        return Parsed.unreadable(SOURCE_ID, raw.name, "expected a JSON list of records")
    parsed = Parsed(records_in=len(records))
    rows: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        where = f"{raw.name}:record {number}"
        problem = _problem(record, ctx)
        if problem is not None:
            field, value, reason = problem
            parsed.rejects.append(Reject(SOURCE_ID, where, field, value, reason))
            continue
        rows.append(
            {
                "file_name": raw.name,
                "record": number,
                "year": record["year"],
                "buyer_country_code": ctx.countries.resolve(str(record["buyer"])),
                "seller_country_code": ctx.countries.resolve(str(record["seller"])),
                "projects": record["projects"],
            }
        )
    parsed.tables["template_rows"] = pa.Table.from_pylist(rows, STAGED["template_rows"])
    parsed.records_ok, parsed.records_rejected = len(rows), len(parsed.rejects)
    parsed.check_balance(raw.name)
    return parsed


def _problem(record: object, ctx: ParseContext) -> tuple[str | None, str | None, str] | None:
    """(field, value, reason) of the first thing wrong with a record, or None."""
    if not isinstance(record, dict):
        return None, str(record)[:100], "a record must be an object"
    for field in ("buyer", "seller"):
        try:
            ctx.countries.resolve(str(record.get(field)))
        except UnknownCountryError:
            return field, str(record.get(field))[:100], "unknown country: add it to the aliases"
    projects, year = record.get("projects"), record.get("year")
    if not isinstance(projects, int) or isinstance(projects, bool) or projects < 0:
        return "projects", str(projects)[:100], "projects must be a whole number, 0 or more"
    if not isinstance(year, int) or not 2000 <= year <= ctx.today.year:
        return "year", str(year)[:100], f"year must be between 2000 and {ctx.today.year}"
    return None


def source_note(staged: Sequence[Any]) -> str | None:
    """What the parse of the files adds to ``core__sources.notes`` (nothing here)."""
    return None


def import_order(raw: RawFile) -> tuple[str, int] | None:
    """The file's place in the raw store when staged rows depend on it (they do not here)."""
    return None


def check_content(path: Path, name: str, max_bytes: int) -> str:
    """What in a file's content disagrees with what its name claims ("" when nothing does).

    This example's names claim nothing. A source whose names give a year or a kind of series
    checks here that the content agrees (remotework.py, oli.py): the raw store then refuses a
    file that only pretends to be a version of another."""
    return ""
