"""Country names and codes to ISO 3166-1 alpha-3, and the North/South groupings.

Everything comes from the checked-in tables in ``data/reference/`` (written by
``python -m pipeline.reference.build``); nothing here guesses. A value resolves only if it is
an alpha-2 or alpha-3 code or a listed name once normalised, so a new spelling fails loudly and
is fixed by adding a row to a table, never by loosening the match.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.util import paths

COUNTRIES_FILE = "countries.csv"
# The North/South scheme the maps and queries use unless told otherwise.
DEFAULT_SCHEME = "un_m49_developed"
ALIASES_FILE = "country_aliases.csv"
GROUPS_FILE = "country_groups.csv"

_APOSTROPHES = "'’‘`´ʼʹ′"  # noqa: RUF001 - the lookalikes are the point
_DASHES = "-‐‑‒–—―−"  # noqa: RUF001
_DROPPED = re.compile(r"[.,()\[\]{}\"“”«»" + re.escape(_APOSTROPHES) + "]")
_SPACED = re.compile(r"[" + re.escape(_DASHES) + r"/\\_:;!?*+|]")
_SPACES = re.compile(r"\s+")


class UnknownCountryError(ValueError):
    """A value that is not a known country code or name; ``.value`` holds it unchanged."""

    def __init__(self, value: object, reason: str | None = None) -> None:
        self.value = value
        message = f"unknown country {value!r}"
        if reason:
            message = f"{value!r} is not a country: {reason}"
        super().__init__(message)


@dataclass(frozen=True)
class Country:
    code: str
    iso2: str
    name: str
    region: str | None
    subregion: str | None
    intermediate_region: str | None
    lon: float
    lat: float


def normalise_name(value: str) -> str:
    """The lookup key for a country name: spelling noise removed, words kept.

    Slashes and dashes become spaces rather than vanishing so that "N/A" cannot collapse into
    "NA" (Namibia's code).
    """
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    text = _DROPPED.sub("", text)
    text = _SPACED.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


def _read_csv(path: Path) -> list[dict[str, str]]:
    # csv rather than pandas: pandas reads Namibia's "NA" as a missing value.
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _parse_bool(text: str, where: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered == "":
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError(f"{where}: is_north must be true, false or empty, got {text!r}")


class CountryIndex:
    """Resolves codes and names to alpha-3; build it with :func:`country_index`."""

    def __init__(
        self,
        countries: dict[str, Country],
        keys: dict[str, str],
        groups: list[tuple[str, str, bool | None]],
        group_sources: dict[str, str],
    ) -> None:
        self.countries = countries
        self._keys = keys
        self._groups = groups
        self._group_sources = group_sources
        # Source-specific aliases (see with_aliases): key -> (alias as written, code or None,
        # note). None marks a known non-country.
        self._extra: dict[str, tuple[str, str | None, str]] = {}
        self._used: set[str] = set()

    @classmethod
    def load(cls, reference_dir: Path) -> CountryIndex:
        countries: dict[str, Country] = {}
        keys: dict[str, str] = {}
        for row in _read_csv(reference_dir / COUNTRIES_FILE):
            code = row["country_code"]
            countries[code] = Country(
                code=code,
                iso2=row["iso2"],
                name=row["name"],
                region=row["region"] or None,
                subregion=row["subregion"] or None,
                intermediate_region=row["intermediate_region"] or None,
                lon=float(row["lon"]),
                lat=float(row["lat"]),
            )
            keys[code.lower()] = code
            keys[row["iso2"].lower()] = code
        aliases_path = reference_dir / ALIASES_FILE
        for line, row in enumerate(_read_csv(aliases_path), start=2):
            key = normalise_name(row["alias"])
            code = row["country_code"]
            if code not in countries:
                raise ValueError(f"{aliases_path}:{line}: unknown country_code {code!r}")
            if keys.setdefault(key, code) != code:
                raise ValueError(
                    f"{aliases_path}:{line}: {row['alias']!r} points to {code} "
                    f"but its key {key!r} already points to {keys[key]}"
                )
        groups: list[tuple[str, str, bool | None]] = []
        group_sources: dict[str, str] = {}
        groups_path = reference_dir / GROUPS_FILE
        for line, row in enumerate(_read_csv(groups_path), start=2):
            if row["country_code"] not in countries:
                raise ValueError(f"{groups_path}:{line}: unknown country_code")
            where = f"{groups_path}:{line}"
            groups.append((row["scheme"], row["country_code"], _parse_bool(row["is_north"], where)))
            group_sources.setdefault(row["scheme"], row["source_id"])
        return cls(countries, keys, groups, group_sources)

    def resolve(self, value: str) -> str:
        """The alpha-3 code for an alpha-2/alpha-3 code (any case) or a listed name."""
        if not isinstance(value, str):
            raise UnknownCountryError(value)
        key = normalise_name(value)
        if not key:
            raise UnknownCountryError(value)
        extra = self._extra.get(key)
        if extra is not None:
            self._used.add(key)
            alias, code, note = extra
            if code is None:
                raise UnknownCountryError(value, note or f"listed as a non-country ({alias!r})")
            return code
        code = self._keys.get(key)
        if code is None:
            raise UnknownCountryError(value)
        return code

    def try_resolve(self, value: str) -> str | None:
        try:
            return self.resolve(value)
        except UnknownCountryError:
            return None

    def m49_areas(self) -> set[str]:
        """The names of the UN M49 areas the countries belong to, at every level (region,
        sub-region, intermediate region): what a claimed region can be summed over."""
        return {
            name
            for c in self.countries.values()
            for name in (c.region, c.subregion, c.intermediate_region)
            if name
        }

    def groups(self) -> list[tuple[str, str, bool | None]]:
        """(scheme, country_code, is_north) rows; is_north is None when unclassified."""
        return list(self._groups)

    def schemes(self) -> list[str]:
        return list(self._group_sources)

    def group_sources(self) -> dict[str, str]:
        """scheme -> source_id of the classification it follows."""
        return dict(self._group_sources)

    def with_aliases(self, path: Path) -> CountryIndex:
        """A copy that also knows one source's spellings (columns alias, country_code[, note]).

        An empty country_code marks a known non-country (e.g. "Antarctica" in a source that
        lists it among countries): resolving it raises UnknownCountryError carrying the note.
        A spelling that the base tables already map to another country is an error, so a
        source file cannot silently re-point a country.
        """
        extra = dict(self._extra)
        for line, row in enumerate(_read_csv(path), start=2):
            alias = row["alias"]
            key = normalise_name(alias)
            code = (row.get("country_code") or "").strip() or None
            note = (row.get("note") or "").strip()
            where = f"{path}:{line}"
            if not key:
                raise ValueError(f"{where}: empty alias")
            if code is not None and code not in self.countries:
                raise ValueError(f"{where}: unknown country_code {code!r}")
            base = self._keys.get(key)
            if code is not None and base is not None and base != code:
                raise ValueError(f"{where}: {alias!r} -> {code}, but it already means {base}")
            previous = extra.get(key)
            if previous is not None and previous[1] != code:
                raise ValueError(f"{where}: {alias!r} repeats {previous[0]!r} with another code")
            extra[key] = (alias, code, note)
        index = CountryIndex(self.countries, self._keys, self._groups, self._group_sources)
        index._extra = extra
        return index

    def aliases_not_in(self, values: Iterable[str]) -> list[str]:
        """Source-specific aliases that none of ``values`` matches, as written in the file."""
        seen = {normalise_name(v) for v in values if isinstance(v, str)}
        return [alias for key, (alias, _, _) in self._extra.items() if key not in seen]

    def unused_aliases(self) -> list[str]:
        """Source-specific aliases no resolve() call has matched yet, as written in the file."""
        return [alias for key, (alias, _, _) in self._extra.items() if key not in self._used]


@lru_cache(maxsize=8)
def _cached_index(reference_dir: Path) -> CountryIndex:
    return CountryIndex.load(reference_dir)


def country_index(reference_dir: Path | None = None) -> CountryIndex:
    """The index for a reference directory (default: ``data/reference``), loaded once."""
    directory = (reference_dir or paths.reference_dir()).resolve()
    return _cached_index(directory)
