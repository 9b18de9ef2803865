"""One metadata schema for every source: fetched, curated and reference, validated once.

A source's YAML holds what ``core__sources`` says about it (title, citation, licence...), the
bounds its files are checked against, and the options its fetch code reads. Unknown keys are an
error, so a key nothing reads cannot linger; ``option_keys`` names the options a source module
declares for its fetch half.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

METHODS = ("scraped", "downloaded", "curated", "reference")
KINDS = ("claims", "tallies")
# The markets a source measures, and a claim is about (README, "Claims checked"): a claim is
# judged only by sources of its own market.
MARKETS = (
    "online_freelance",
    "microtask_crowdwork",
    "crowdturfing",
    "click_farm_social_fakes",
    "content_moderation_bpo",
    "ai_training_microwork",
    "other",
)
REQUIRED = ("source_id", "title", "citation", "method")
# Every key the loader itself reads; a source adds the options its fetch half reads.
COMMON_KEYS = frozenset(
    {
        *REQUIRED,
        "publisher",
        "url",
        "licence",
        "vintage",
        "notes",
        "platform",
        "kind",
        "max_mb",
        "expected_rows",
        "raw_identity",
        "buyer_unit",
        "seller_unit",
        "market",
        "derived_from",
    }
)


class MetadataError(ValueError):
    """A metadata file that does not follow the schema; the message names the file and key."""


@dataclass(frozen=True)
class RowBounds:
    """How many records one file of the source is expected to hold (a warning otherwise)."""

    min: int = 0
    max: int = 50_000_000

    def check(self, what: str, count: int) -> str | None:
        if self.min <= count <= self.max:
            return None
        return f"{what}: {count} records, outside the expected {self.min}..{self.max}"


@dataclass(frozen=True)
class SourceMeta(Mapping[str, Any]):
    """A source's validated metadata. Reads like a mapping too (``meta["base_url"]``), so the
    fetch code can take its options by name."""

    source_id: str
    title: str
    citation: str
    method: str
    path: Path
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None
    vintage: str | None = None
    notes: str | None = None
    platform: str | dict[str, str] | None = None
    kind: str | None = None
    max_mb: int = 500
    expected_rows: RowBounds = field(default_factory=RowBounds)
    # Which raw files are versions of one file: a pattern with groups ``identity`` and
    # optionally ``version``, matched against file names (pipeline.raw.store.identity_of).
    raw_identity: str | None = None
    # What one buyer share and one seller share count ("vacancies posted, by employer
    # country"): an estimate that pairs the two sides says what it combined.
    buyer_unit: str | None = None
    seller_unit: str | None = None
    # The market the source measures (one of MARKETS); None: not declared, so its figures
    # never judge a claim (they are shown beside it as context).
    market: str | None = None
    # The source whose data this one re-reports (a source id, or the name of a study outside
    # the atlas), or one per platform (platform label -> source); re-reports count once.
    derived_from: str | dict[str, str] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        if key in self.options:
            return self.options[key]
        if key in COMMON_KEYS:
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from sorted(COMMON_KEYS)
        yield from self.options

    def __len__(self) -> int:
        return len(COMMON_KEYS) + len(self.options)

    @property
    def max_bytes(self) -> int:
        return self.max_mb * 1024 * 1024

    def derived_from_for(self, platform: str | None = None) -> str | None:
        """What the rows of one platform re-report (None: the source's own data)."""
        if isinstance(self.derived_from, dict):
            return self.derived_from.get(platform) if platform is not None else None
        return self.derived_from

    def derived_from_text(self) -> str | None:
        """``derived_from`` as one line, a mapping written ``platform: source; …``."""
        if isinstance(self.derived_from, dict):
            return "; ".join(f"{k}: {v}" for k, v in self.derived_from.items())
        return self.derived_from

    def platform_for(self, part: str | None = None) -> str:
        """The platform a row names when the file does not; ``part`` picks one of several."""
        if isinstance(self.platform, dict):
            if part is None or part not in self.platform:
                raise MetadataError(f"{self.path}: platform has no entry for {part!r}")
            return self.platform[part]
        return self.platform or self.title


def _squash(value: object) -> str | None:
    """YAML folded text as one line; None for empty."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split()) or None


def validate(
    raw: object,
    where: Path,
    option_keys: frozenset[str] = frozenset(),
    source_id: str | None = None,
) -> SourceMeta:
    """Check one metadata mapping against the schema and return it typed."""
    if not isinstance(raw, dict):
        raise MetadataError(f"{where}: expected a mapping of keys, got {type(raw).__name__}")
    data: dict[str, Any] = dict(raw)
    if source_id is not None:
        data.setdefault("source_id", source_id)
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        raise MetadataError(f"{where}: missing required key(s): {', '.join(missing)}")
    unknown = sorted(set(data) - COMMON_KEYS - option_keys)
    if unknown:
        raise MetadataError(f"{where}: unknown key(s) {', '.join(unknown)}; nothing reads them")
    if data["method"] not in METHODS:
        raise MetadataError(f"{where}: method must be one of {', '.join(METHODS)}")
    if data.get("kind") is not None and data["kind"] not in KINDS:
        raise MetadataError(f"{where}: kind must be 'claims' or 'tallies', not {data['kind']!r}")
    bounds = data.get("expected_rows") or {}
    if not isinstance(bounds, dict) or not set(bounds) <= {"min", "max"}:
        raise MetadataError(f"{where}: expected_rows takes min and max only")
    platform = data.get("platform")
    if platform is not None and not isinstance(platform, str | dict):
        raise MetadataError(f"{where}: platform must be text or a mapping of texts")
    market = data.get("market")
    if market is not None and market not in MARKETS:
        raise MetadataError(f"{where}: market must be one of {', '.join(MARKETS)}, not {market!r}")
    derived = data.get("derived_from")
    if isinstance(derived, dict):
        if not derived or not all(
            isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
            for k, v in derived.items()
        ):
            raise MetadataError(f"{where}: derived_from maps platform labels to non-empty texts")
    elif derived is not None and not (isinstance(derived, str) and derived.strip()):
        raise MetadataError(f"{where}: derived_from must be a text or a mapping of texts")
    identity = data.get("raw_identity")
    if identity is not None:
        try:
            groups = re.compile(str(identity)).groupindex
        except re.error as err:
            raise MetadataError(f"{where}: raw_identity is not a valid pattern: {err}") from err
        if "identity" not in groups:
            raise MetadataError(f"{where}: raw_identity needs a group named 'identity'")
    try:
        rows = RowBounds(int(bounds.get("min", 0)), int(bounds.get("max", 50_000_000)))
        max_mb = int(data.get("max_mb", 500))
    except (TypeError, ValueError) as err:
        raise MetadataError(f"{where}: expected_rows and max_mb take whole numbers") from err
    max_mb = _max_mb_override(str(data["source_id"]), max_mb)
    return SourceMeta(
        source_id=str(data["source_id"]),
        title=str(data["title"]),
        citation=_squash(data["citation"]) or "",
        method=str(data["method"]),
        path=where,
        publisher=_squash(data.get("publisher")),
        url=_squash(data.get("url")),
        licence=_squash(data.get("licence")),
        vintage=_squash(data.get("vintage")),
        notes=_squash(data.get("notes")),
        platform=platform,
        kind=data.get("kind"),
        max_mb=max_mb,
        expected_rows=rows,
        raw_identity=None if identity is None else str(identity),
        buyer_unit=_squash(data.get("buyer_unit")),
        seller_unit=_squash(data.get("seller_unit")),
        market=market,
        derived_from=(
            {str(k): _squash(v) or "" for k, v in derived.items()}
            if isinstance(derived, dict)
            else _squash(derived)
        ),
        options={k: v for k, v in data.items() if k in option_keys},
    )


# libyaml's safe loader where PyYAML was built with it: every build reads some 26 source files,
# and the pure-Python parser took an eighth of an empty `make db`
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as err:
        raise MetadataError(f"{path}: not readable as YAML: {err}") from err


def load(
    path: Path, option_keys: frozenset[str] = frozenset(), source_id: str | None = None
) -> SourceMeta:
    """One YAML file holding one source's metadata."""
    return validate(read_yaml(path), path, option_keys, source_id)


def load_list(path: Path) -> list[SourceMeta]:
    """A YAML file holding a list of sources (``data/reference/sources.yaml``)."""
    entries = read_yaml(path)
    if not isinstance(entries, list):
        raise MetadataError(f"{path}: expected a list of sources")
    return [validate(entry, path) for entry in entries]


def _max_mb_override(source_id: str, max_mb: int) -> int:
    """``ATLAS_MAX_MB_<SOURCE ID>`` (e.g. ``ATLAS_MAX_MB_CSV=1000``) in place of the YAML's
    ``max_mb``: a larger table in one file rather than split. The bound stays a bound: reading
    a file holds its cells in memory, about five times the file's size for a user table."""
    name = "ATLAS_MAX_MB_" + re.sub(r"[^A-Z0-9]", "_", source_id.upper())
    value = os.environ.get(name)
    if value is None:
        return max_mb
    if not (value.isascii() and value.strip().isdigit() and int(value) > 0):
        raise MetadataError(f"{name} must be a whole number of MiB above 0, not {value!r}")
    return int(value)
