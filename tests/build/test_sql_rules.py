"""Each rule in sql/tests passes on the shipped data and catches the fault it is written for."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.build import sqlfiles
from pipeline.util.paths import SQL_DIR

RULES = sorted(p.stem for p in (SQL_DIR / "tests").glob("*.sql"))

# The statements that break each rule on a copy of the shipped database.
BREAKERS: dict[str, str | list[str]] = {
    "out__flows__unique_key": "insert into out__flows select * from out__flows limit 1",
    "core__countries__known_country_codes": (
        "insert into core__claims (claim_id, source_id, role, country_code, statement, market, "
        "proposition, proposition_words) values ('X', 'curated_casilli_claims', 'seller', "
        "'ZZZ', 'made up', 'other', 'present', 'w')"
    ),
    "core__sources__known_source_ids": (
        "insert into core__claims (claim_id, source_id, role, country_code, statement, market, "
        "proposition, proposition_words) values ('X', 'nowhere', 'seller', 'IND', 'made up', "
        "'other', 'present', 'w')"
    ),
    "core__tallies__shares_at_most_100": (
        "insert into core__tallies select * replace (amount + 50 as amount) from core__tallies "
        "where source_id = 'curated_oli_shares' and role = 'buyer' limit 1"
    ),
    "out__marginal_pairs__sum_to_100": (
        "update core__tallies set amount = amount + 3 where source_id = 'curated_oli_shares' "
        "and role = 'seller' and seller_country_code = 'IND'"
    ),
    "out__flows__estimates_match_marginals": (
        "delete from out__flows where source_id = 'curated_oli_shares' "
        "and buyer_country_code = 'GBR'"
    ),
    "out__flows_by_direction__sum_to_total": (
        "delete from out__flows_by_direction where scheme = 'wb_high_income' "
        "and direction = 'south_to_north'"
    ),
    "core__country_groups__every_country_in_every_scheme": (
        "delete from core__country_groups where scheme = 'wb_high_income' and country_code = 'IND'"
    ),
    "core__tallies__roles_consistent": (
        "update core__tallies set seller_country_code = 'IND' where role = 'buyer' "
        "and buyer_country_code = 'USA'"
    ),
    "out__country_balance__matches_flows": [
        "insert into out__flows (source_id, platform, year, period_label, occupation, "
        "buyer_country_code, seller_country_code, tasks, unit, method) values ('t', 'p', 2015, "
        "'2015', 'unknown', 'USA', 'IND', 10, 'projects', 'observed')",
        "insert into out__country_balance (scheme, source_id, year, country_code, tasks_bought, "
        "tasks_sold, basis) values ('un_m49_developed', 't', 2015, 'USA', 9, 0, 'flows'), "
        "('un_m49_developed', 't', 2015, 'IND', 0, 10, 'flows')",
    ],
    "core__source_lineage__platforms_exist": (
        "update core__tallies set platform = 'Upwork.com' where platform = 'Upwork'"
    ),
    "out__claims_check__verdicts_from_the_claims_market": (
        "update out__claims_check set verdict = 'contradicted' where claim_id = 'C2' "
        "and country_code = 'ESP' and source_id = 'curated_oli_shares'"
    ),
    "core__claims__have_sellers": (
        "delete from core__claims where claim_id = 'C1' and role = 'seller'"
    ),
    "core__tallies__amounts_finite": (
        "update core__tallies set amount = 'inf'::double where source_id = 'curated_rankings'"
    ),
    "core__tasks__unique_key": [
        "insert into core__tasks (task_id, source_id, platform, occupation) "
        "values ('award:1', 'freelancer', 'p', 'unknown')",
        "insert into core__tasks (task_id, source_id, platform, occupation) "
        "values ('award:1', 'freelancer', 'p', 'unknown')",
    ],
    "int__estimated_flows__reproduce_marginals": (
        "update int__estimated_flows set tasks = tasks * 2 where buyer_country_code = 'USA'"
    ),
    "int__estimated_spread__keeps_the_unnamed_cells": (
        "insert into int__estimated_spread select source_id, year, period_label, occupation, "
        "buyer_country_code, 'PHL', true, false, 5, unit, 'remotework 2015' from out__flows "
        "where source_id = 'curated_oli_shares' and buyer_country_code = 'USA' "
        "and seller_country_code = 'IND'"
    ),
    "out__estimate_cut_check__shares_within_bounds": (
        "insert into out__estimate_cut_check values ('remotework', 2015, 4, 4, "
        "'un_m49_developed', 'none', 40, 30, 100, 25, null, 5)"
    ),
    "out__estimate_summary__estimate_within_bounds": (
        "update out__estimate_summary set estimated_share_pct = 90"
    ),
    "out__estimate_check__matches_observed_flows": (
        "insert into out__estimate_check values ('curated_oli_shares', 2016, 'un_m49_developed', "
        "'south_to_north', 50, 40, 'none', 10, 1, 1)"
    ),
}


def test_every_rule_has_a_breaker() -> None:
    assert sorted(BREAKERS) == RULES


def test_all_rules_pass_on_the_shipped_data(shipped_con) -> None:
    assert [f.describe() for f in sqlfiles.run_sql_tests(shipped_con)] == []


@pytest.fixture()
def scratch_con(shipped_build, tmp_path: Path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(shipped_build.db_path, copy)
    con = duckdb.connect(str(copy))
    yield con
    con.close()


@pytest.mark.parametrize("rule", RULES)
def test_rule_catches_its_fault(scratch_con, rule: str) -> None:
    breaker = BREAKERS[rule]
    for statement in [breaker] if isinstance(breaker, str) else breaker:
        scratch_con.execute(statement)
    failed = {f.name for f in sqlfiles.run_sql_tests(scratch_con)}
    assert rule in failed
