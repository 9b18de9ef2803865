"""The rows a parser emits. Parsers return these; the loader turns them into core__* tables.

Country fields hold ISO 3166-1 alpha-3 codes already resolved by ``pipeline.countries``; a value
that could not be resolved never becomes a row here, it becomes a ``Reject`` instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

OCCUPATIONS = (
    "clerical and data entry",
    "creative and multimedia",
    "professional services",
    "sales and marketing support",
    "software development and technology",
    "writing and translation",
    "unknown",
)
ROLES_TALLY = ("buyer", "seller", "pair")
ROLES_CLAIM = ("buyer", "seller")


@dataclass(frozen=True)
class Source:
    source_id: str
    title: str
    citation: str
    method: str  # scraped, downloaded, curated, reference
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None
    retrieved_at: dt.datetime | None = None
    vintage: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Task:
    task_id: str
    source_id: str
    platform: str
    task_date: dt.date | None
    buyer_country_code: str | None
    seller_country_code: str | None
    occupation: str
    price_usd: float | None
    location: str


@dataclass(frozen=True)
class Tally:
    source_id: str
    platform: str
    period_start: dt.date
    period_end: dt.date
    role: str
    buyer_country_code: str | None
    seller_country_code: str | None
    occupation: str
    measure: str
    amount: float
    location: str
    region_label: str | None = None
    qualifier: str | None = None
    citation: str | None = None


@dataclass(frozen=True)
class Claim:
    claim_id: str
    source_id: str
    role: str
    country_code: str | None
    region_label: str | None
    statement: str
    location: str
    quote: str | None = None
    platform: str | None = None
    seed_file: str | None = None
    cited_study: str | None = None


@dataclass(frozen=True)
class Reject:
    source_id: str
    location: str
    field: str | None
    value: str | None
    reason: str


@dataclass
class ParseResult:
    """What one parser call produced, plus how many input records it read.

    Every input record is counted once in ``records_in`` and once in either ``records_ok``
    (it gave one or more rows) or ``records_rejected`` (it gave one or more rejects), so the
    loader can check that nothing was lost.
    """

    source_id: str
    tasks: list[Task] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    records_in: int = 0
    records_ok: int = 0
    records_rejected: int = 0

    def extend(self, other: ParseResult) -> None:
        self.tasks.extend(other.tasks)
        self.tallies.extend(other.tallies)
        self.claims.extend(other.claims)
        self.rejects.extend(other.rejects)
        self.records_in += other.records_in
        self.records_ok += other.records_ok
        self.records_rejected += other.records_rejected

    def check_balance(self) -> None:
        """Raise if some input record is neither a row nor a reject."""
        if self.records_in != self.records_ok + self.records_rejected:
            raise AssertionError(
                f"{self.source_id}: {self.records_in} records read but {self.records_ok} loaded "
                f"and {self.records_rejected} rejected"
            )
