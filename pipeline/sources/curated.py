"""Hand-curated datasets: one CSV plus one YAML each in ``data/curated/``.

The YAML says what the rows are and where they come from; the CSV holds either claims (who is
said to buy or sell) or tallies (published shares, ranks and counts). Every row is checked; a row
that cannot be used becomes a reject naming the file, the row and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path
from typing import Any

import yaml

from pipeline.countries import CountryIndex, UnknownCountryError
from pipeline.records import (
    OCCUPATIONS,
    ROLES_CLAIM,
    ROLES_TALLY,
    Claim,
    ParseResult,
    Reject,
    Source,
    Tally,
)

REQUIRED_KEYS = ("source_id", "kind", "title", "citation", "licence", "method", "expected_rows")
MEASURES = ("share_pct", "rank", "workers", "projects")
MAX_FIELD_CHARS = 2000


class CuratedError(ValueError):
    """A curated dataset's YAML or CSV header is unusable as a whole."""


def discover(folder: Path) -> list[Path]:
    """The YAML files of every curated dataset in a folder, in a stable order."""
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def read_metadata(yaml_path: Path) -> dict[str, Any]:
    meta = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise CuratedError(f"{yaml_path}: expected a mapping of keys, got {type(meta).__name__}")
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise CuratedError(f"{yaml_path}: missing required key(s): {', '.join(missing)}")
    if meta["source_id"] != f"curated_{yaml_path.stem}":
        raise CuratedError(
            f"{yaml_path}: source_id must be 'curated_{yaml_path.stem}' (curated_ + file name), "
            f"not {meta['source_id']!r}"
        )
    if meta["kind"] not in ("claims", "tallies"):
        raise CuratedError(f"{yaml_path}: kind must be 'claims' or 'tallies', not {meta['kind']!r}")
    bounds = meta["expected_rows"]
    if not (isinstance(bounds, dict) and {"min", "max"} <= bounds.keys()):
        raise CuratedError(f"{yaml_path}: expected_rows needs 'min' and 'max'")
    return meta


def source_of(meta: dict[str, Any]) -> Source:
    return Source(
        source_id=meta["source_id"],
        title=meta["title"],
        citation=" ".join(str(meta["citation"]).split()),
        method="curated",
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        licence=meta["licence"],
        vintage=str(meta.get("compiled_on")) if meta.get("compiled_on") else None,
        notes=" ".join(str(meta.get("description", "")).split()) or None,
    )


def parse(yaml_path: Path, index: CountryIndex) -> tuple[Source, ParseResult]:
    """Read one curated dataset (its YAML and the CSV with the same stem)."""
    meta = read_metadata(yaml_path)
    csv_path = yaml_path.with_suffix(".csv")
    if not csv_path.exists():
        raise CuratedError(f"{yaml_path}: no data file {csv_path.name} beside it")
    text = csv_path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    row_parser = _ClaimRow if meta["kind"] == "claims" else _TallyRow
    missing = [c for c in row_parser.required_columns if c not in (reader.fieldnames or [])]
    if missing:
        raise CuratedError(f"{csv_path}: missing column(s): {', '.join(missing)}")

    result = ParseResult(source_id=meta["source_id"])
    for line_no, row in enumerate(reader, start=2):
        result.records_in += 1
        location = f"{csv_path.name}:{line_no}"
        if None in row or any(v is None for v in row.values()):
            result.rejects.append(
                Reject(meta["source_id"], location, None, None, "wrong number of columns")
            )
            result.records_rejected += 1
            continue
        parsed = row_parser(meta, index, location, row)
        if parsed.rejects:
            result.rejects.extend(parsed.rejects)
            result.records_rejected += 1
        else:
            result.claims.extend(parsed.claims)
            result.tallies.extend(parsed.tallies)
            result.records_ok += 1
    lo, hi = int(meta["expected_rows"]["min"]), int(meta["expected_rows"]["max"])
    if not lo <= result.records_ok <= hi:
        raise CuratedError(
            f"{csv_path}: {result.records_ok} usable rows, outside expected_rows {lo}..{hi} "
            f"({result.records_rejected} rejected)"
        )
    return source_of(meta), result


class _Row:
    """Validates one CSV row, collecting every problem rather than stopping at the first."""

    required_columns: tuple[str, ...] = ()

    def __init__(self, meta: dict[str, Any], index: CountryIndex, location: str, row: dict):
        self.meta = meta
        self.index = index
        self.location = location
        self.row = {k.strip(): (v or "").strip() for k, v in row.items()}
        self.rejects: list[Reject] = []
        self.claims: list[Claim] = []
        self.tallies: list[Tally] = []
        for key, value in self.row.items():
            if len(value) > MAX_FIELD_CHARS:
                self.reject(key, value[:80] + "…", f"longer than {MAX_FIELD_CHARS} characters")
        if not self.rejects:
            self.build()

    def reject(self, field: str, value: str | None, reason: str) -> None:
        self.rejects.append(Reject(self.meta["source_id"], self.location, field, value, reason))

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
    required_columns = ("claim_id", "role", "country", "region_label", "statement", "quote")

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
        if self.rejects:
            return
        self.claims.append(
            Claim(
                claim_id=claim_id or "",
                source_id=self.meta["source_id"],
                role=role,
                country_code=code,
                region_label=region,
                statement=statement or "",
                location=self.location,
                quote=self.text("quote"),
                platform=self.text("platform"),
                seed_file=self.text("seed_file"),
                cited_study=self.text("cited_study"),
            )
        )


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
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.reject(key, value, "not a date in YYYY-MM-DD form")
            return None

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
            if not math.isfinite(amount) or amount < 0:
                raise ValueError
        except ValueError:
            self.reject("amount", raw_amount, "not a non-negative number")
            amount = 0.0
        if measure == "share_pct" and amount > 100:
            self.reject("amount", raw_amount, "a share cannot exceed 100")
        buyer, seller = self.country("buyer_country"), self.country("seller_country")
        region = self.text("region_label")
        wanted = {"buyer": ("buyer_country",), "seller": ("seller_country",)}.get(
            role, ("buyer_country", "seller_country")
        )
        if not region and not all(self.row.get(k) for k in wanted):
            self.reject(
                wanted[0], "", f"a {role} row needs {' and '.join(wanted)} or a region_label"
            )
        platform = self.text("platform") or self.meta.get("platform")
        if not platform:
            self.reject("platform", "", "empty here and no default platform in the YAML")
        if self.rejects or start is None or end is None:
            return
        self.tallies.append(
            Tally(
                source_id=self.meta["source_id"],
                platform=str(platform),
                period_start=start,
                period_end=end,
                role=role,
                buyer_country_code=buyer,
                seller_country_code=seller,
                occupation=occupation,
                measure=measure,
                amount=amount,
                location=self.location,
                region_label=region,
                qualifier=self.text("qualifier"),
                citation=self.text("citation"),
            )
        )
