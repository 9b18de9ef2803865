"""What the page gets for the per-million, money and sub-region views (no browser): populations,
amounts and sub-region routes in the flow map's data, worked out by hand from
fixtures/maps/views.sql; and the shipped populations cover every country the shipped maps draw."""

from __future__ import annotations

from conftest import views_atlas

from pipeline.render.flow_data import flow_records
from pipeline.render.flows import page_data
from pipeline.render.projection import WorldProjection


def test_the_page_data_carries_populations_amounts_and_sub_region_routes() -> None:
    data = page_data(flow_records(views_atlas()), WorldProjection())
    countries = data["countries"]
    pop = dict(zip(countries["code"], countries["pop"], strict=True))
    assert pop == {
        "BGD": 2_000_000,
        "CAN": 20_000_000,
        "GBR": 50_000_000,
        "IND": 1_000_000,
        "JPN": 100_000_000,
        "PHL": 4_000_000,
        "TWN": None,
        "USA": 100_000_000,
    }
    assert data["population_source"] == "Round populations made up for the tests"
    regions = data["regions"]["name"]
    region = {
        code: regions[i] for code, i in zip(countries["code"], countries["region"], strict=True)
    }
    assert region["IND"] == region["BGD"] == "Southern Asia"
    # routes between sub-regions some flow joins; Canada -> United States stays within one
    n = len(countries["code"])
    joined = {(regions[s - n], regions[b - n]) for s, b, *_ in data["region_pairs"]}
    assert joined == {
        ("Southern Asia", "Northern America"),
        ("South-eastern Asia", "Northern America"),
        ("Eastern Asia", "Northern Europe"),
        ("Eastern Asia", "Northern America"),  # 2020
    }
    market = next(
        layer for layer in data["layers"] if (layer["source"], layer["year"]) == ("market", 2021)
    )
    # one amount per flow (null for Taiwan -> United Kingdom), one per domestic total
    assert len(market["usd"]) == len(market["rows"]) // 4 == 5
    assert sorted(market["usd"], key=lambda v: -1 if v is None else v) == [
        None,
        100,
        400,
        500,
        1000,
    ]
    assert market["internal_usd"] == [250]
    counts = next(layer for layer in data["layers"] if layer["source"] == "counts")
    assert counts["usd"] == [None]


def test_every_country_of_the_shipped_flows_has_a_population(shipped_con) -> None:
    missing = shipped_con.execute(
        "select distinct code from (select buyer_country_code as code from out__flows "
        "union select seller_country_code from out__flows) "
        "where code is not null and code not in (select country_code from core__populations)"
    ).fetchall()
    assert missing == []
