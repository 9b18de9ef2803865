"""The database built from the shipped data: figures reach the tables, builds are atomic and
repeatable."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.build.run import BuildError, build_database
from pipeline.util import paths

CURATED = paths.ROOT / "data" / "curated"
REFERENCE = paths.ROOT / "data" / "reference"


def curated_rows(stem: str) -> list[dict[str, str]]:
    with (CURATED / f"{stem}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def north(scheme: str) -> dict[str, bool | None]:
    with (REFERENCE / "country_groups.csv").open(encoding="utf-8", newline="") as fh:
        return {
            r["country_code"]: None if r["is_north"] == "" else r["is_north"] == "true"
            for r in csv.DictReader(fh)
            if r["scheme"] == scheme
        }


def test_oli_2016_us_buyer_share_reaches_core_tallies(shipped_con) -> None:
    amount = shipped_con.execute(
        "select amount from core__tallies where source_id = 'curated_oli_shares' "
        "and role = 'buyer' and buyer_country_code = 'USA' and year(period_start) = 2016"
    ).fetchall()
    assert amount == [(52.0,)]


def test_every_curated_row_is_loaded_or_rejected(shipped_build, shipped_con) -> None:
    for stem in [p.stem for p in CURATED.glob("*.yaml")]:
        source_id = f"curated_{stem}"
        n_csv = len(curated_rows(stem))
        summary = next(s for s in shipped_build.sources if s.source_id == source_id)
        assert summary.records_in == n_csv
        assert summary.records_ok + summary.records_rejected == n_csv
    rejects = shipped_con.execute("select count(*) from core__rejects").fetchone()[0]
    assert rejects == 0, shipped_con.execute("select * from core__rejects limit 5").fetchall()


def test_estimated_flows_are_the_product_of_the_published_marginals(shipped_con) -> None:
    rows = curated_rows("oli_shares")
    buyers = {r["buyer_country"]: float(r["amount"]) for r in rows if r["role"] == "buyer"}
    sellers = {r["seller_country"]: float(r["amount"]) for r in rows if r["role"] == "seller"}
    flow = dict(
        shipped_con.execute(
            "select seller_country_code, tasks from out__flows where source_id = "
            "'curated_oli_shares' and buyer_country_code = 'USA'"
        ).fetchall()
    )
    assert flow["IND"] == pytest.approx(buyers["United States"] * sellers["India"] / 100)
    methods = shipped_con.execute(
        "select distinct method, unit from out__flows where source_id = 'curated_oli_shares'"
    ).fetchall()
    assert methods == [("estimated", "pct_of_total")]
    label = shipped_con.execute(
        "select distinct period_label from out__flows where source_id = 'curated_oli_shares'"
    ).fetchall()
    assert label == [("employers 2016-05-01 to 2016-09-30 × workers 2017-07-01 to 2017-07-06",)]


@pytest.mark.parametrize("scheme", ["un_m49_developed", "wb_high_income"])
def test_south_to_north_share_matches_the_curated_inputs(shipped_con, scheme: str) -> None:
    from pipeline.reference.countries import country_index

    index = country_index()
    groups = north(scheme)
    rows = curated_rows("oli_shares")
    buyers = [
        (groups[index.resolve(r["buyer_country"])], float(r["amount"]))
        for r in rows
        if r["role"] == "buyer" and r["buyer_country"]
    ]
    sellers = [
        (groups[index.resolve(r["seller_country"])], float(r["amount"]))
        for r in rows
        if r["role"] == "seller" and r["seller_country"]
    ]
    named = sum(b for _, b in buyers) * sum(s for _, s in sellers) / 100
    s2n = sum(b for n, b in buyers if n) * sum(s for n, s in sellers if n is False) / 100
    got = dict(
        shipped_con.execute(
            "select direction, share_pct from out__flows_by_direction where scheme = ? and "
            "source_id = 'curated_oli_shares'",
            [scheme],
        ).fetchall()
    )
    # shares of the whole total (each side adds up to 100): the named cells South -> North,
    # and the work with a country the source does not name in its own category
    assert got["south_to_north"] == pytest.approx(s2n)
    assert got["not_named"] == pytest.approx(100 - named)
    assert sum(got.values()) == pytest.approx(100)


def test_balance_from_marginals_keeps_unpublished_sides_null(shipped_con) -> None:
    rows = dict(
        (code, (bought, sold, net))
        for code, bought, sold, net in shipped_con.execute(
            "select country_code, tasks_bought, tasks_sold, net_sold from out__country_balance "
            "where scheme = 'un_m49_developed' and source_id = 'curated_oli_shares'"
        ).fetchall()
    )
    assert rows["USA"] == (52.0, 12.0, -40.0)
    assert rows["BGD"][0] is None and rows["BGD"][2] is None


def test_every_claim_is_loaded_with_its_parties(shipped_con) -> None:
    claims = dict(
        shipped_con.execute(
            "select claim_id, count(*) from core__claims group by claim_id"
        ).fetchall()
    )
    assert sorted(claims, key=lambda c: int(c[1:])) == [f"C{i}" for i in range(1, 12)]
    c1 = shipped_con.execute(
        "select role, list(country_code order by country_code) from core__claims "
        "where claim_id = 'C1' group by role order by role"
    ).fetchall()
    assert c1 == [
        ("buyer", ["AUS", "CAN", "GBR", "USA"]),
        ("seller", ["HKG", "IND", "NPL", "PAK", "PHL", "RUS", "UKR"]),
    ]


def _dump(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
    dump = {t: con.execute(f"select * from {t} order by all").fetchall() for t in sorted(tables)}
    con.close()
    return dump


def test_two_builds_give_identical_tables(tmp_path: Path, shipped_build) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    again = build_database(tmp_path / "again.duckdb", raw_root=raw)
    assert _dump(again.db_path) == _dump(shipped_build.db_path)


def test_failed_build_leaves_the_previous_database_untouched(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    target = tmp_path / "atlas.duckdb"
    build_database(target, raw_root=raw)
    before = target.read_bytes()
    broken = tmp_path / "curated"
    shutil.copytree(CURATED, broken)
    (broken / "oli_shares.yaml").write_text("source_id: curated_oli_shares\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"oli_shares\.yaml: missing required key"):
        build_database(target, raw_root=raw, curated_dir=broken)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atlas.duckdb", "curated", "raw"]


def test_shipped_maps_carry_the_published_figures(shipped_build) -> None:
    from pipeline.render import flows

    con = duckdb.connect(str(shipped_build.db_path), read_only=True)
    data = flows.flow_map_data(con)
    con.close()
    (layer,) = [lay for lay in data.layers if lay.source_id == "curated_oli_shares"]
    line = next(
        f["properties"]
        for f in layer.lines
        if (f["properties"]["seller_code"], f["properties"]["buyer_code"]) == ("IND", "USA")
    )
    # 52 % of the vacancies posted by US employers × 24 % of the worker profiles in India.
    assert line["tasks"] == pytest.approx(52 * 24 / 100)
    assert line["method"] == "estimated"
    usa = next(f["properties"] for f in layer.nodes if f["properties"]["code"] == "USA")
    # each share in what its side counts (the YAML's buyer_unit and seller_unit)
    assert usa["published"] == (
        "as employer: 52 % of vacancies posted, by employer country · as worker country: "
        "12 % of worker profiles in a weighted sample, by worker country"
    )
    # The US buys abroad from India, Bangladesh and the UK (52 × 46 / 100 = 23.92) and from the
    # countries the source does not name (52 × 42 / 100 = 21.84): never a line, in its circle.
    assert usa["bought"] == pytest.approx(23.92 + 21.84)
    assert usa["bought_not_named"] == pytest.approx(21.84)
    # shares of the whole work: the 59.458 % with an unnamed country is in the total
    assert layer.view.tasks_total == pytest.approx(100)
    assert layer.view.tasks_not_named == pytest.approx(100 - 69.9 * 58 / 100)
