"""A hand-made atlas for the claims check: countries, sources with their market and family,
claims and tallies given as rows, built through the estimator and the out__ models."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from pipeline.build import estimate
from pipeline.build.sqlfiles import build_out_tables, run_schema

# Countries the hand-made atlases use, each as core__countries holds it: with its UN M49 region,
# sub-region and intermediate region, which decide what a claimed region sums.
COUNTRY_ROWS = {
    "USA": "('USA', 'US', 'United States', 'Americas', 'Northern America', null, -98, 39)",
    "IND": "('IND', 'IN', 'India', 'Asia', 'Southern Asia', null, 78, 22)",
    "PHL": "('PHL', 'PH', 'Philippines', 'Asia', 'South-eastern Asia', null, 122, 12)",
    "BGD": "('BGD', 'BD', 'Bangladesh', 'Asia', 'Southern Asia', null, 90, 24)",
    "MEX": "('MEX', 'MX', 'Mexico', 'Americas', 'Latin America and the Caribbean', "
    "'Central America', -102, 23)",
    "GTM": "('GTM', 'GT', 'Guatemala', 'Americas', 'Latin America and the Caribbean', "
    "'Central America', -90, 15)",
    "KEN": "('KEN', 'KE', 'Kenya', 'Africa', 'Sub-Saharan Africa', 'Eastern Africa', 38, 0)",
    "NPL": "('NPL', 'NP', 'Nepal', 'Asia', 'Southern Asia', null, 84, 28)",
    "PAK": "('PAK', 'PK', 'Pakistan', 'Asia', 'Southern Asia', null, 70, 30)",
    "LKA": "('LKA', 'LK', 'Sri Lanka', 'Asia', 'Southern Asia', null, 81, 8)",
    "MDG": "('MDG', 'MG', 'Madagascar', 'Africa', 'Sub-Saharan Africa', 'Eastern Africa', 47, -20)",
    "SGP": "('SGP', 'SG', 'Singapore', 'Asia', 'South-eastern Asia', null, 104, 1)",
    "AUS": "('AUS', 'AU', 'Australia', 'Oceania', 'Australia and New Zealand', null, 134, -25)",
}


def countries(*codes: str) -> str:
    """An insert of these countries (only these: a region sums the countries the atlas has)."""
    values = ",\n    ".join(COUNTRY_ROWS[code] for code in codes)
    return (
        "insert into core__countries\n"
        "    (country_code, iso2, name, region, subregion, intermediate_region, lon, lat)\n"
        f"values\n    {values};"
    )


def claims_atlas(
    countries: str,
    sources: Sequence[tuple[str, str | None, str | None, str]],
    claims: Sequence[tuple],
    tallies: Sequence[tuple],
    lineage: Sequence[tuple[str, str | None, str | None, str]] = (),
) -> duckdb.DuckDBPyConnection:
    """countries: an insert into core__countries; sources: (source, market, derived_from,
    family); claims: (claim, role, country, region, M49 area, market, proposition, stated
    share, scope); tallies: (source, year, role, buyer, seller, region, measure, amount), all
    on platform 'p'; lineage: more core__source_lineage rows (source, platform, derived_from,
    family), such as a family given to one platform of a source."""
    con = duckdb.connect()
    run_schema(con)
    con.execute(countries)
    con.executemany(
        "insert into core__sources (source_id, title, citation, method, market, derived_from) "
        "values ($1, $1, $1, 'curated', $2, $3)",
        [s[:3] for s in sources],
    )
    con.executemany(
        "insert into core__source_lineage values ($1, null, $2, $3)",
        [(s, d, f) for s, _, d, f in sources],
    )
    if lineage:
        con.executemany("insert into core__source_lineage values ($1, $2, $3, $4)", lineage)
    con.executemany(
        "insert into core__claims (claim_id, source_id, role, country_code, region_label, "
        "region_m49, market, proposition, stated_share_pct, scope, statement, "
        "proposition_words) values ($1, 'claims', $2, $3, $4, $5, $6, $7, $8, $9, 's', 'w')",
        claims,
    )
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, region_label, occupation, measure, amount, "
        "location) values ($1, 'p', make_date($2::int, 1, 1), make_date($2::int, 12, 31), $3, "
        "$4, $5, $6, 'unknown', $7, $8, 'x')",
        tallies,
    )
    estimate.run(con)
    build_out_tables(con)
    return con
