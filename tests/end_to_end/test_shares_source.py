"""`make fetch SOURCE=shares FROM=file.csv`, then `make db`: the user's published shares arrive
in core__tallies as the curated shares do (each side's rest to 100 included), are paired and
estimated like them, and cited from the YAML beside the file; two files never mix."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.build.run import build_database
from pipeline.util import paths

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shares"
YEAR_2016 = (dt.date(2016, 1, 1), dt.date(2016, 12, 31))
YEAR_2017 = (dt.date(2017, 1, 1), dt.date(2017, 12, 31))
SHARE_COLUMNS = "role, buyer_country_code, seller_country_code, region_label, occupation, measure"


def fetch(tmp_path: Path, from_path: Path) -> subprocess.CompletedProcess[str]:
    """`make fetch SOURCE=shares FROM=...` as the Makefile runs it (values in the environment)."""
    env = {
        **os.environ,
        "ATLAS_RAW": str(tmp_path / "raw"),
        "ATLAS_STAGING": str(tmp_path / "staging"),
        "SOURCE": "shares",
        "FROM": str(from_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "fetch"],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    (tmp_path / "raw").mkdir(exist_ok=True)
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    build_database(tmp_path / "atlas.duckdb", raw_root=tmp_path / "raw")
    return duckdb.connect(str(tmp_path / "atlas.duckdb"), read_only=True)


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def shares_of(con: duckdb.DuckDBPyConnection, source_id: str) -> list[tuple]:
    return rows(
        con,
        f"select {SHARE_COLUMNS}, round(amount, 9) from core__tallies where source_id = ? "
        "order by all",
        source_id,
    )


def test_imported_shares_are_estimated_like_the_curated_shares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = fetch(tmp_path, FIXTURES / "oli_2016.csv")
    assert done.returncode == 0, done.stderr
    assert "oli_2016.csv (new): 7 records, 7 usable, 0 rejected" in done.stdout
    # both files kept as received, with the licence the YAML states
    (manifest,) = (tmp_path / "raw" / "shares").rglob("manifest.json")
    entries = json.loads(manifest.read_text(encoding="utf-8"))["entries"]
    assert {(e["name"], e["licence"]) for e in entries} == {
        ("oli_2016.csv", "facts quoted with citation"),
        ("oli_2016.yaml", "facts quoted with citation"),
    }
    assert (manifest.parent / "oli_2016.yaml").read_bytes() == (
        FIXTURES / "oli_2016.yaml"
    ).read_bytes()
    con = build(tmp_path, monkeypatch)

    # the seven published figures, and each side's rest: 100 - (52 + 6.3 + 5.9 + 5.7) = 30.1
    # for the buyers of 2016, 100 - (24 + 16 + 12) = 48 for the sellers of 2017
    assert rows(
        con,
        "select role, coalesce(buyer_country_code, seller_country_code, region_label), "
        "round(amount, 9), period_start, period_end, measure from core__tallies "
        "where source_id = 'shares_oli_2016' order by role, amount desc",
    ) == [
        ("buyer", "USA", 52.0, *YEAR_2016, "share_pct"),
        ("buyer", "rest of world", 30.1, *YEAR_2016, "share_pct"),
        ("buyer", "GBR", 6.3, *YEAR_2016, "share_pct"),
        ("buyer", "IND", 5.9, *YEAR_2016, "share_pct"),
        ("buyer", "AUS", 5.7, *YEAR_2016, "share_pct"),
        ("seller", "rest of world", 48.0, *YEAR_2017, "share_pct"),
        ("seller", "IND", 24.0, *YEAR_2017, "share_pct"),
        ("seller", "BGD", 16.0, *YEAR_2017, "share_pct"),
        ("seller", "USA", 12.0, *YEAR_2017, "share_pct"),
    ]

    # the same figures as the curated OLI shares for every country this file names (only the
    # periods and labels differ: the curated file gives May-Sep 2016 and 1-6 July 2017); the
    # curated file also prints the United Kingdom's 6 % of workers, which this file leaves in
    # the rest, so the rest rows differ
    def named(source_id: str) -> list[tuple[object, ...]]:
        return [r for r in shares_of(con, source_id) if r[3] is None]

    curated_named = [r for r in named("curated_oli_shares") if r[:3] != ("seller", None, "GBR")]
    assert named("shares_oli_2016") == curated_named
    # every row cites the YAML imported beside the file, and so does core__sources
    ((title, cited, notes),) = rows(
        con,
        "select title, citation, notes from core__sources where source_id = 'shares_oli_2016'",
    )
    assert (
        title == "Online Labour Index: employer shares (May–Sep 2016) and worker shares (July 2017)"
    )
    assert cited.startswith('OII press release "Rise of online work captured')
    assert "Market: online_freelance." in notes
    assert "Unit: buyers: share of vacancies posted, by employer country; sellers:" in notes
    assert rows(
        con, "select distinct citation from core__tallies where source_id = 'shares_oli_2016'"
    ) == [(cited,)]

    # paired as the curated shares are: the buyer year with the nearest seller period
    assert rows(
        con,
        "select year, buyer_period_start, seller_period_end, is_same_period "
        "from out__marginal_pairs where source_id = 'shares_oli_2016'",
    ) == [(2016, YEAR_2016[0], YEAR_2017[1], False)]
    # and estimated for 2016 with no prior: share(buyer) x share(seller) / 100
    estimated = {
        (b or f"~{br}", s or f"~{sr}"): t
        for b, br, s, sr, t in rows(
            con,
            "select buyer_country_code, buyer_region_label, seller_country_code, "
            "seller_region_label, tasks from int__estimated_flows "
            "where source_id = 'shares_oli_2016' and year = 2016 and prior = 'none'",
        )
    }
    assert len(estimated) == 5 * 4
    assert estimated[("USA", "IND")] == pytest.approx(52 * 24 / 100)  # 12.48
    assert estimated[("GBR", "BGD")] == pytest.approx(6.3 * 16 / 100)  # 1.008
    assert estimated[("~rest of world", "~rest of world")] == pytest.approx(30.1 * 48 / 100)
    assert sum(estimated.values()) == pytest.approx(100)
    flows = dict(
        ((b, s), t)
        for b, s, t in rows(
            con,
            "select buyer_country_code, seller_country_code, tasks from out__flows "
            "where source_id = 'shares_oli_2016' and year = 2016 and method = 'estimated'",
        )
    )
    # every cell of the 5 x 4 grid, the rest of each side included: 4 x 3 country pairs
    assert len(flows) == 5 * 4
    assert sum(1 for b, s in flows if b and s) == 4 * 3
    assert flows[("USA", None)] == pytest.approx(52 * 48 / 100)  # United States x the rest
    assert flows[("USA", "IND")] == pytest.approx(12.48)
    assert flows[("AUS", "USA")] == pytest.approx(5.7 * 12 / 100)  # 0.684


@pytest.mark.bad_input
def test_bad_rows_are_rejected_and_a_missing_yaml_gives_the_default_citation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = fetch(tmp_path, FIXTURES / "bad_rows.csv")
    assert done.returncode == 0, done.stderr
    assert "bad_rows.csv (new): 9 records, 2 usable, 7 rejected" in done.stdout
    con = build(tmp_path, monkeypatch)
    rejects = rows(
        con,
        "select location, field, value from core__rejects where source_id = 'shares_bad_rows' "
        "order by location",
    )
    assert rejects == [
        ("bad_rows.csv:2", "share_pct", "52"),
        ("bad_rows.csv:3", "side", "employer"),
        ("bad_rows.csv:4", "share_pct", "124"),
        ("bad_rows.csv:5", "share_pct", "-16"),
        ("bad_rows.csv:6", "country", "Atlantis"),
        ("bad_rows.csv:7", "share_pct", "30"),
        ("bad_rows.csv:8", "share_pct", "20"),
    ]
    # the sellers left, Philippines 40 and Pakistan 30, and their rest 30; no buyer side
    assert shares_of(con, "shares_bad_rows") == [
        ("seller", None, "PAK", None, "unknown", "share_pct", 30.0),
        ("seller", None, "PHL", None, "unknown", "share_pct", 40.0),
        ("seller", None, None, "rest of world", "unknown", "share_pct", 30.0),
    ]
    assert rows(con, "select * from out__marginal_pairs where source_id = 'shares_bad_rows'") == []
    ((cited, notes),) = rows(
        con, "select citation, notes from core__sources where source_id = 'shares_bad_rows'"
    )
    assert cited == "shares supplied by the user of this installation (bad_rows.csv)"
    assert notes.startswith("No bad_rows.yaml was imported beside bad_rows.csv")


def test_two_files_of_one_year_stay_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "given"
    folder.mkdir()
    for name in ("oli_2016.csv", "oli_2016.yaml", "geonet_2016.csv"):
        shutil.copy(FIXTURES / name, folder / name)
    done = fetch(tmp_path, folder)
    assert done.returncode == 0, done.stderr
    assert "shares: 3 new file(s) saved" in done.stdout
    con = build(tmp_path, monkeypatch)
    # each file is its own source, and each side of each adds up to 100 on its own: the
    # Geonet buyers leave 100 - 75.5 = 24.5 to the rest
    assert rows(
        con,
        "select source_id, role, year(period_start), round(sum(amount), 9), "
        "round(sum(amount) filter (where region_label is not null), 9) from core__tallies "
        "where source_id like 'shares_%' group by all order by all",
    ) == [
        ("shares_geonet_2016", "buyer", 2016, 100.0, 24.5),
        ("shares_oli_2016", "buyer", 2016, 100.0, 30.1),
        ("shares_oli_2016", "seller", 2017, 100.0, 48.0),
    ]
    assert rows(
        con, "select source_id, citation from core__sources where source_id like 'shares_%'"
    ) == [
        (
            "shares_geonet_2016",
            "shares supplied by the user of this installation (geonet_2016.csv)",
        ),
        (
            "shares_oli_2016",
            'OII press release "Rise of online work captured in the first Online Labour Index", '
            '21 Sep 2016; Lehdonvirta, V., "Where are online workers located?", iLabour/OII '
            "blog, July 2017.",
        ),
    ]
    # only the file with both sides is estimated, from its own shares
    assert rows(
        con,
        "select source_id, round(sum(tasks), 9) from int__estimated_flows "
        "where source_id like 'shares_%' group by all",
    ) == [("shares_oli_2016", 100.0)]


def test_one_yaml_shared_word_for_word_cites_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "given"
    folder.mkdir()
    (folder / "a.csv").write_text("side,country,share_pct,year\nbuyer,US,40,2019\n")
    (folder / "b.csv").write_text("side,country,share_pct,year\nbuyer,US,45,2019\n")
    for name in ("a.yaml", "b.yaml"):
        (folder / name).write_text("citation: Report (2020), table 3\n")
    assert fetch(tmp_path, folder).returncode == 0
    # the second YAML has the first one's bytes, and is still stored under its own name
    assert sorted(p.name for p in (tmp_path / "raw" / "shares").rglob("*.yaml")) == [
        "a.yaml",
        "b.yaml",
    ]
    con = build(tmp_path, monkeypatch)
    assert rows(
        con,
        "select source_id, citation, round(amount, 9) from core__tallies "
        "where source_id like 'shares_%' and region_label is not null order by all",
    ) == [
        ("shares_a", "Report (2020), table 3", 60.0),
        ("shares_b", "Report (2020), table 3", 55.0),
    ]


def test_a_corrected_file_imported_again_replaces_its_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "upwork.csv").write_text("side,country,share_pct,year\nseller,IN,25,2019\n")
    (second / "upwork.csv").write_text("side,country,share_pct,year\nseller,IN,26.5,2019\n")
    assert fetch(tmp_path, first / "upwork.csv").returncode == 0
    assert fetch(tmp_path, second / "upwork.csv").returncode == 0
    con = build(tmp_path, monkeypatch)
    assert shares_of(con, "shares_upwork") == [
        ("seller", None, "IND", None, "unknown", "share_pct", 26.5),
        ("seller", None, None, "rest of world", "unknown", "share_pct", 73.5),
    ]


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "citation: !!python/object/apply:os.system [touch pwned]\n",
            "line 1: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not "
            "accepted",
        ),
        ("citation: OII\ncolor: red\n", "unknown key(s) color; a shares file's YAML takes"),
    ],
)
def test_a_yaml_with_a_tag_or_an_unknown_key_is_refused_and_nothing_is_stored(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    (tmp_path / "oli.csv").write_text("side,country,share_pct,year\nbuyer,US,52,2016\n")
    (tmp_path / "oli.yaml").write_text(yaml_text)
    done = fetch(tmp_path, tmp_path / "oli.csv")
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"error: oli.csv not imported: its metadata file is refused: {tmp_path / 'oli.yaml'}: "
    )
    assert message in done.stderr
    assert not (tmp_path / "raw").exists() or not list((tmp_path / "raw").rglob("*.csv"))
    assert not (paths.ROOT / "pwned").exists() and not (tmp_path / "pwned").exists()


@pytest.mark.bad_input
def test_a_yaml_damaged_in_the_raw_store_keeps_its_file_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fetch(tmp_path, FIXTURES / "oli_2016.csv").returncode == 0
    (stored,) = (tmp_path / "raw" / "shares").rglob("oli_2016.yaml")
    stored.write_text("citation: someone else\n")
    con = build(tmp_path, monkeypatch)
    assert rows(con, "select count(*) from core__tallies where source_id = 'shares_oli_2016'") == [
        (0,)
    ]
    ((reason,),) = rows(
        con,
        "select reason from core__rejects where source_id = 'shares_oli_2016' "
        "and location = 'oli_2016.csv'",
    )
    assert reason.startswith("not loaded: its metadata file is refused: ")
    assert "quarantined" in reason


def test_the_readme_example_imports_as_the_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Published shares (`SOURCE=shares`)", 1)[1].split("\n### ", 1)[0]
    csv_text = section.split("```csv\n", 1)[1].split("```", 1)[0]
    yaml_text = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "oli_2016.csv").write_text(csv_text, encoding="utf-8")
    (tmp_path / "oli_2016.yaml").write_text(yaml_text, encoding="utf-8")
    assert fetch(tmp_path, tmp_path / "oli_2016.csv").returncode == 0
    con = build(tmp_path, monkeypatch)
    # 100 - 52 - 6.3 - 5.9 - 5.7 = 30.1, and the dataset shares_oli_2016 cited from the YAML
    assert rows(
        con,
        "select role, round(amount, 9), citation like 'OII press release%' from core__tallies "
        "where source_id = 'shares_oli_2016' and region_label = 'rest of world' order by role",
    ) == [("buyer", 30.1, True), ("seller", 48.0, True)]
