"""Hand-curated datasets: one CSV plus one YAML each in ``data/curated/``.

The YAML (the shared metadata schema, plus ``kind``) says what the rows are and where they come
from; the CSV holds either claims (who is said to buy or sell) or tallies (published shares,
ranks and counts). Every row is checked; a row that cannot be used becomes a reject naming the
file, the row and the field. The files are small and hand-written, so rows are checked one by
one here and staged like any other source's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.raw.versions import RawFile
from pipeline.reference.countries import CountryIndex, UnknownCountryError
from pipeline.sources.contract import ParseContext, Parsed, SourceContext, SourceError
from pipeline.sources.meta import MARKETS, SourceMeta
from pipeline.util.records import OCCUPATIONS, PROPOSITIONS, ROLES_CLAIM, ROLES_TALLY, Reject

SOURCE_ID = "curated"
OPTION_KEYS: frozenset[str] = frozenset()
SESSION_OPTIONS: Mapping[str, Any] = {}
# top_k: the country is among the top `amount`, in an order the source does not state
MEASURES = ("share_pct", "rank", "top_k", "workers", "projects")
MAX_FIELD_CHARS = 2000
MAX_AMOUNT = 1e12
EARLIEST = dt.date(2000, 1, 1)
STAGED: Mapping[str, pa.Schema] = {
    "curated_tallies": pa.schema(
        [
            ("platform", pa.string()),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("year", pa.int64()),
            ("role", pa.string()),
            ("buyer_country_code", pa.string()),
            ("seller_country_code", pa.string()),
            ("region_label", pa.string()),
            ("occupation", pa.string()),
            ("measure", pa.string()),
            ("amount", pa.float64()),
            ("qualifier", pa.string()),
            ("citation", pa.string()),
            ("location", pa.string()),
        ]
    ),
    "curated_claims": pa.schema(
        [
            ("claim_id", pa.string()),
            ("role", pa.string()),
            ("country_code", pa.string()),
            ("region_label", pa.string()),
            ("statement", pa.string()),
            ("quote", pa.string()),
            ("platform", pa.string()),
            ("seed_file", pa.string()),
            ("cited_study", pa.string()),
            ("location", pa.string()),
            ("market", pa.string()),
            ("proposition", pa.string()),
            ("proposition_words", pa.string()),
            ("proposition_words_en", pa.string()),
            ("stated_share_pct", pa.float64()),
            ("scope", pa.string()),
            ("region_m49", pa.string()),
            ("region_definition", pa.string()),
            ("review_note", pa.string()),
        ]
    ),
}


def parse(raw: RawFile, ctx: ParseContext) -> Parsed:
    """One curated CSV, read with the metadata of its YAML."""
    meta = ctx.meta
    try:
        text = raw.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return Parsed.unreadable(meta.source_id, raw.name, f"not readable as UTF-8 text: {err}")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    row_parser = _ClaimRow if meta.kind == "claims" else _TallyRow
    try:
        columns = reader.fieldnames or []
    except csv.Error as err:
        return Parsed.unreadable(meta.source_id, raw.name, f"header not readable: {err}")
    missing = [c for c in row_parser.required_columns if c not in columns]
    if missing:
        return Parsed.unreadable(
            meta.source_id, raw.name, f"missing column(s): {', '.join(missing)}"
        )
    if len(set(columns)) != len(columns):
        return Parsed.unreadable(meta.source_id, raw.name, "a column appears twice in the header")
    parsed = Parsed()
    out: list[dict[str, Any]] = []
    rows = iter(reader)
    while True:
        line_no = reader.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as err:
            parsed.records_in += 1
            parsed.records_rejected += 1
            reason = f"broken CSV quoting ({err}), lines {line_no}-{reader.line_num}"
            parsed.rejects.append(
                Reject(meta.source_id, f"{raw.name}:{line_no}", None, None, reason)
            )
            continue
        parsed.records_in += 1
        location = f"{raw.name}:{line_no}"
        if None in row or any(v is None for v in row.values()):
            parsed.rejects.append(
                Reject(meta.source_id, location, None, None, "wrong number of columns")
            )
            parsed.records_rejected += 1
            continue
        checked = row_parser(meta, ctx.countries, location, row)
        if checked.rejects:
            parsed.rejects.extend(checked.rejects)
            parsed.records_rejected += 1
        else:
            out.extend(checked.rows)
            parsed.records_ok += 1
    name = "curated_claims" if meta.kind == "claims" else "curated_tallies"
    schema = STAGED[name]
    parsed.tables[name] = pa.Table.from_pylist(out, schema=schema)
    return parsed


def import_files(path: Path, ctx: SourceContext) -> list[Path]:
    raise SourceError("curated datasets live in data/curated/ and are read from there")


def fetch(ctx: SourceContext) -> list[Path]:
    raise SourceError("curated datasets are compiled by hand; there is nothing to fetch")


class _Row:
    """Validates one CSV row, collecting every problem rather than stopping at the first."""

    required_columns: tuple[str, ...] = ()

    def __init__(
        self, meta: SourceMeta, index: CountryIndex, location: str, row: dict[str, str]
    ) -> None:
        self.meta = meta
        self.index = index
        self.location = location
        self.row = {k.strip(): (v or "").strip() for k, v in row.items()}
        self.rejects: list[Reject] = []
        self.rows: list[dict[str, Any]] = []
        for key, value in self.row.items():
            if len(value) > MAX_FIELD_CHARS:
                self.reject(key, value[:80] + "…", f"longer than {MAX_FIELD_CHARS} characters")
        if not self.rejects:
            self.build()

    def reject(self, field: str, value: str | None, reason: str) -> None:
        self.rejects.append(Reject(self.meta.source_id, self.location, field, value, reason))

    def text(self, key: str) -> str | None:
        return self.row.get(key) or None

    def country(self, key: str) -> str | None:
        value = self.row.get(key, "")
        if not value:
            return None
        try:
            return self.index.resolve(value)
        except UnknownCountryError as err:
            self.reject(key, value, f"unknown country: {err}")
            return None

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.row.get(key, "")
        if value not in allowed:
            self.reject(key, value, f"must be one of: {', '.join(allowed)}")
        return value

    def build(self) -> None:
        raise NotImplementedError


class _ClaimRow(_Row):
    required_columns = (
        "claim_id",
        "role",
        "country",
        "region_label",
        "statement",
        "quote",
        "market",
        "proposition",
        "proposition_words",
    )

    def build(self) -> None:
        role = self.choice("role", ROLES_CLAIM)
        claim_id = self.text("claim_id")
        if not claim_id:
            self.reject("claim_id", "", "empty")
        statement = self.text("statement")
        if not statement:
            self.reject("statement", "", "empty")
        code = self.country("country")
        region = self.text("region_label")
        if not self.row.get("country") and not region:
            self.reject("country", "", "neither a country nor a region_label")
        self.choice("market", MARKETS)
        proposition = self.choice("proposition", PROPOSITIONS)
        words, quote = self.text("proposition_words"), self.text("quote") or ""
        # the claim's own words justify the proposition, so they are taken from its quote
        if not words or words not in quote:
            self.reject("proposition_words", words or "", "not words of the quote")
        share = self.stated_share(proposition)
        area = self.text("region_m49")
        if area and (code or area not in self.index.m49_areas()):
            reason = "a country's row names no area" if code else "not a UN M49 area name"
            self.reject("region_m49", area, reason)
        if region and not area and proposition != "anecdote":
            reason = "a region judged against the data needs its UN M49 area"
            self.reject("region_m49", "", reason)
        if self.rejects:
            return
        self.rows.append(
            {
                "claim_id": claim_id or "",
                "role": role,
                "country_code": code,
                "region_label": region,
                "statement": statement or "",
                "location": self.location,
                "quote": self.text("quote"),
                "platform": self.text("platform"),
                "seed_file": self.text("seed_file"),
                "cited_study": self.text("cited_study"),
                "market": self.text("market"),
                "proposition": proposition,
                "proposition_words": words,
                "proposition_words_en": self.text("proposition_words_en"),
                "stated_share_pct": share,
                "scope": self.text("scope"),
                "region_m49": area,
                "region_definition": self.text("region_definition"),
                "review_note": self.text("review_note"),
            }
        )

    def stated_share(self, proposition: str) -> float | None:
        """The share of its side the claim says the party holds ("most": 50), if it says one."""
        raw = self.row.get("stated_share_pct", "")
        if not raw:
            return None
        try:
            share = float(raw)
            if not 0 < share <= 100:
                raise ValueError
        except ValueError:
            self.reject("stated_share_pct", raw, "not a share above 0 and at most 100")
            return None
        if proposition != "leading":
            self.reject("stated_share_pct", raw, "only a leading party states a share")
        return share


class _TallyRow(_Row):
    required_columns = (
        "period_start",
        "period_end",
        "role",
        "buyer_country",
        "seller_country",
        "region_label",
        "occupation",
        "measure",
        "amount",
    )

    def date(self, key: str) -> dt.date | None:
        value = self.row.get(key, "")
        latest = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=365)
        try:
            day = dt.date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        if day is None or not EARLIEST <= day <= latest:
            self.reject(
                key, value, f"not a YYYY-MM-DD date between {EARLIEST} and a year from today"
            )
            return None
        return day

    def build(self) -> None:
        role = self.choice("role", ROLES_TALLY)
        start, end = self.date("period_start"), self.date("period_end")
        if start and end and end < start:
            self.reject("period_end", self.row["period_end"], "before period_start")
        occupation = self.choice("occupation", OCCUPATIONS)
        measure = self.choice("measure", MEASURES)
        raw_amount = self.row.get("amount", "")
        try:
            amount = float(raw_amount)
            if not math.isfinite(amount) or not 0 <= amount <= MAX_AMOUNT:
                raise ValueError
        except ValueError:
            self.reject("amount", raw_amount, f"not a number between 0 and {MAX_AMOUNT:g}")
            amount = 0.0
        if measure == "share_pct" and amount > 100:
            self.reject("amount", raw_amount, "a share cannot exceed 100")
        if measure in ("rank", "top_k") and (amount < 1 or amount != int(amount)):
            self.reject("amount", raw_amount, f"a {measure} is a whole number from 1")
        buyer, seller = self.country("buyer_country"), self.country("seller_country")
        region = self.text("region_label")
        wanted = {"buyer": ("buyer_country",), "seller": ("seller_country",)}.get(
            role, ("buyer_country", "seller_country")
        )
        if not region and not all(self.row.get(k) for k in wanted):
            self.reject(
                wanted[0], "", f"a {role} row needs {' and '.join(wanted)} or a region_label"
            )
        platform = self.text("platform") or self.meta.platform
        if not platform:
            self.reject("platform", "", "empty here and no default platform in the YAML")
        if self.rejects or start is None or end is None:
            return
        self.rows.append(
            {
                "platform": str(platform),
                "period_start": start,
                "period_end": end,
                "year": start.year,
                "role": role,
                "buyer_country_code": buyer,
                "seller_country_code": seller,
                "region_label": region,
                "occupation": occupation,
                "measure": measure,
                "amount": amount,
                "location": self.location,
                "qualifier": self.text("qualifier"),
                "citation": self.text("citation"),
            }
        )


def source_note(staged: Sequence[Any]) -> str | None:
    """Nothing to add to this source's ``core__sources.notes``."""
    return None


def import_order(raw: RawFile) -> tuple[str, int] | None:
    """Staged rows do not depend on where a file sits in the raw store."""
    return None


def check_content(path: Path, name: str, max_bytes: int) -> str:
    """Nothing to check: a curated dataset is read from data/curated, never from the raw store."""
    return ""
