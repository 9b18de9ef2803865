"""The North/South direction rule (macro work_direction in sql/macros.sql) in every branch: the
four directions and a flow with one unclassified side, either side, as the tables and the flow
map read it."""

from __future__ import annotations

import itertools

import duckdb
import pytest
from conftest import hand_atlas

from pipeline.util.paths import SQL_DIR

# (seller is North, buyer is North) -> direction; the work goes from the seller to the buyer
RULE = {
    (False, True): "south_to_north",
    (True, True): "north_to_north",
    (False, False): "south_to_south",
    (True, False): "north_to_south",
}


@pytest.fixture(scope="module")
def con():
    con = hand_atlas()
    yield con
    con.close()


@pytest.mark.parametrize(
    ("seller", "buyer"), list(itertools.product([True, False, None], repeat=2))
)
def test_the_macro_in_every_branch(seller: bool | None, buyer: bool | None) -> None:
    con = duckdb.connect()
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))
    got = con.execute("select work_direction(?::boolean, ?::boolean)", [seller, buyer]).fetchone()
    expected = "unclassified" if seller is None or buyer is None else RULE[(seller, buyer)]
    assert got == (expected,)


def test_flows_by_direction_keep_a_flow_with_one_unclassified_side(con) -> None:
    rows = con.execute(
        "select scheme, direction, tasks, round(share_pct, 1) from out__flows_by_direction "
        "where source_id = 'obs' order by scheme, direction"
    ).fetchall()
    # fixtures/queries/hand_atlas.sql, 200 projects: under wb_high_income Venezuela is
    # unclassified, as the seller of CAN <- VEN (10) and as the buyer of VEN <- IND (16)
    assert rows == [
        ("un_m49_developed", "north_to_north", 54, 27.0),  # USA <- GBR 20, USA <- USA 34
        ("un_m49_developed", "north_to_south", 20, 10.0),  # IND <- USA
        ("un_m49_developed", "south_to_north", 100, 50.0),  # USA <- IND, GBR <- PHL, CAN <- VEN
        ("un_m49_developed", "south_to_south", 26, 13.0),  # PHL <- BGD 10, VEN <- IND 16
        ("wb_high_income", "north_to_north", 54, 27.0),
        ("wb_high_income", "north_to_south", 20, 10.0),
        ("wb_high_income", "south_to_north", 90, 45.0),
        ("wb_high_income", "south_to_south", 10, 5.0),
        ("wb_high_income", "unclassified", 26, 13.0),
    ]


def test_the_flow_map_reads_each_pair_s_direction(con) -> None:
    sql = (SQL_DIR / "maps" / "flow_directions.sql").read_text(encoding="utf-8")
    got = {
        (scheme, seller, buyer): direction
        for scheme, seller, buyer, direction in con.execute(sql).fetchall()
    }
    assert got[("wb_high_income", "VEN", "CAN")] == "unclassified"  # seller unclassified
    assert got[("wb_high_income", "IND", "VEN")] == "unclassified"  # buyer unclassified
    assert got[("un_m49_developed", "VEN", "CAN")] == "south_to_north"
    assert got[("un_m49_developed", "IND", "VEN")] == "south_to_south"
    assert got[("un_m49_developed", "USA", "IND")] == "north_to_south"
    assert got[("un_m49_developed", "GBR", "USA")] == "north_to_north"
    # domestic pairs are not drawn
    assert ("un_m49_developed", "USA", "USA") not in got
