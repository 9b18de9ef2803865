"""Assembles country_aliases.csv from generated names and the hand-made list.

Every alias is compared on its normalised key (``countries.normalise_name``). Two names with
the same key that point to different countries stop the build, unless ``manual_aliases.csv``
lists that key: a hand-made row is the explicit decision (e.g. "Congo").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.reference.countries import normalise_name

LANGUAGE_ORDER = {"code": 0, "en": 1, "fr": 2, "it": 3}


@dataclass(frozen=True)
class Alias:
    alias: str
    country_code: str
    language: str
    note: str
    manual: bool = False


class AliasConflictError(ValueError):
    pass


def assemble(candidates: Iterable[Alias], codes: dict[str, str]) -> tuple[list[Alias], list[str]]:
    """One alias per key, and a list of generated names that a manual decision overrode.

    ``codes`` maps every lower-case alpha-2 and alpha-3 code to its country: those are
    resolved by code, so a generated name equal to its own code is left out and one equal to
    another country's code is an error.
    """
    by_key: dict[str, list[Alias]] = {}
    for candidate in candidates:
        key = normalise_name(candidate.alias)
        if key:
            by_key.setdefault(key, []).append(candidate)

    chosen: list[Alias] = []
    overridden: list[str] = []
    errors: list[str] = []
    for key, group in by_key.items():
        manual = [c for c in group if c.manual]
        manual_codes = {c.country_code for c in manual}
        generated_codes = {c.country_code for c in group if not c.manual}
        if len(manual_codes) > 1:
            errors.append(f"{key!r}: manual rows disagree: {sorted(manual_codes)}")
            continue
        if manual:
            pick = manual[0]
            overridden.extend(
                f"{c.alias!r} ({c.note}) -> {c.country_code}, decided {pick.country_code}"
                for c in group
                if c.country_code != pick.country_code
            )
        elif len(generated_codes) > 1:
            listed = "; ".join(f"{c.alias!r} -> {c.country_code} ({c.note})" for c in group)
            errors.append(f"{key!r} is ambiguous, decide it in manual_aliases.csv: {listed}")
            continue
        else:
            pick = group[0]
        by_code = codes.get(key)
        if by_code is not None and by_code != pick.country_code:
            errors.append(f"{key!r} -> {pick.country_code} is also the code of {by_code}")
            continue
        if by_code is not None and not pick.manual:
            continue
        chosen.append(pick)
    if errors:
        raise AliasConflictError("alias conflicts:\n  " + "\n  ".join(errors))
    chosen.sort(
        key=lambda a: (a.country_code, LANGUAGE_ORDER.get(a.language, 9), a.alias.casefold())
    )
    return chosen, overridden


def pycountry_aliases(countries: Iterable[Any]) -> list[Alias]:
    """English names of each ISO entry, then their French and Italian translations."""
    import gettext

    import pycountry

    attributes = {"name": "name", "official_name": "official name", "common_name": "common name"}
    out: list[Alias] = []
    catalogues = {
        language: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        for language in ("fr", "it")
    }
    for language in ("en", "fr", "it"):
        for country in countries:
            for attribute, label in attributes.items():
                english = getattr(country, attribute, None)
                if not english:
                    continue  # gettext("") would return the catalogue header
                if language == "en":
                    text, note = english, f"ISO 3166-1 {label} (pycountry)"
                else:
                    text = catalogues[language].gettext(english)
                    note = f"ISO 3166-1 {label}, {language} translation (pycountry iso-codes)"
                out.append(Alias(text, country.alpha_3, language, note))
    return out
