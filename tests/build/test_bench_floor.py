"""The scale benchmark's floor (bench/duckdb_floor.py) does the work it claims: on a small user
table it keeps the rows the pipeline keeps, rejects the rows it rejects, and groups the same
flows, so that the pipeline's cost over the floor is what its own checks and reports add."""

from __future__ import annotations

import duckdb

from bench import duckdb_floor

# six records: two usable rows of one pair and year (summed into one flow), one other usable
# row, and three bad ones (an unknown country, a negative count, an unknown occupation)
TABLE = (
    "buyer_country,seller_country,count,year,platform,occupation\n"
    '"Korea, Republic of",India,120,2019,p,Software Development and Technology\n'
    "Royaume-Uni,Pakistan,40,2019,,writing and translation\n"
    '"Korea, Republic of",India,5,2019,p,software development and technology\n'
    "Atlantis,India,3,2020,,\n"
    "Canada,India,-2,2020,,\n"
    "France,Maroc,6,2020,,cooking\n"
)


def test_the_floor_keeps_and_groups_the_rows_the_pipeline_keeps(tmp_path) -> None:
    path = tmp_path / "flows.csv"
    path.write_text(TABLE, encoding="utf-8")
    groups = duckdb_floor.ingest(tmp_path / "work", [path])
    assert groups == 2
    con = duckdb.connect(str(tmp_path / "work" / "floor.duckdb"), read_only=True)
    tallies = con.sql("select location, amount from tallies order by location").fetchall()
    assert tallies == [
        (f"{path}:2", 120.0),
        (f"{path}:3", 40.0),
        (f"{path}:4", 5.0),
    ]
    flows = con.sql(
        "select buyer_country_code, seller_country_code, year, tasks from flows order by 1"
    ).fetchall()
    assert flows == [("GBR", "PAK", 2019, 40.0), ("KOR", "IND", 2019, 125.0)]
    con.close()
    rejects = duckdb.sql(
        f"select line from read_parquet('{tmp_path / 'work' / 'rejects.parquet'}') order by 1"
    ).fetchall()
    assert rejects == [(5,), (6,), (7,)]
    assert (tmp_path / "work" / "raw" / "flows.csv").read_bytes() == path.read_bytes()
