"""The look-up tables the parse checks join to (pipeline/parse/lookups.py): each distinct name
once, with how often it occurs, its country or why it has none."""

from __future__ import annotations

import pyarrow as pa

from pipeline.parse.lookups import country_table, distinct_counts, mapping_notes, occupation_list
from pipeline.reference.countries import country_index


def rows(**columns: list[str | None]) -> pa.Table:
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})


def test_distinct_values_of_several_columns_are_counted_together() -> None:
    table = rows(buyer=["India", "us", None, "India"], seller=["us", "India", "", None])
    assert distinct_counts(table, ["buyer", "seller"]) == [("", 1), ("India", 3), ("us", 2)]
    assert distinct_counts(rows(buyer=[None, None]), ["buyer"]) == []


def test_each_name_gets_its_country_or_its_reason() -> None:
    # names are looked up up to 200 characters (pipeline.parse.lookups.MAX_NAME_CHARS)
    at_bound, over = "x" * 200, "x" * 201
    table = rows(buyer=["India", "Atlantis", "", at_bound, over, "India", "us"])
    got = {r["name"]: r for r in country_table(country_index(), table, ["buyer"]).to_pylist()}
    assert got["India"] == {"name": "India", "country_code": "IND", "reason": None, "mentions": 2}
    assert got["us"]["country_code"] == "USA" and got["us"]["mentions"] == 1
    assert got["Atlantis"]["country_code"] is None
    assert got["Atlantis"]["reason"] == "unknown country: unknown country 'Atlantis'"
    assert got[""] == {"name": "", "country_code": None, "reason": "empty country", "mentions": 1}
    # a name of 200 characters is looked up (and is unknown), one of 201 is not
    assert got[at_bound]["reason"].startswith("unknown country")
    assert got[over]["reason"] == "longer than 200 characters"


def test_the_missing_values_are_always_in_the_table() -> None:
    table = country_table(country_index(), rows(c=["India"]), ["c"], missing={"NA": "not given"})
    assert table.to_pylist() == [
        {"name": "India", "country_code": "IND", "reason": None, "mentions": 1},
        {"name": "NA", "country_code": None, "reason": "not given", "mentions": 0},
    ]
    given = country_table(country_index(), rows(c=["NA", "NA"]), ["c"], missing={"NA": "not given"})
    assert given.to_pylist() == [
        {"name": "NA", "country_code": None, "reason": "not given", "mentions": 2}
    ]
    default = country_table(country_index(), rows(c=["India"]), ["c"]).to_pylist()
    assert default[-1] == {
        "name": "",
        "country_code": None,
        "reason": "empty country",
        "mentions": 0,
    }


def test_occupation_list() -> None:
    table = occupation_list(["a", "b"])
    assert table.column_names == ["occupation"] and table.column(0).to_pylist() == ["a", "b"]


def test_the_mapping_notes_list_each_name_the_file_holds_with_what_it_became() -> None:
    names = pa.table(
        {
            "name": ["India", "", "Indai", "Fran\ufffdce", "us"],
            "country_code": ["IND", None, None, None, "USA"],
            "mentions": [3, 0, 2, 1, 1],
        }
    )
    # the empty cell the file does not hold is left out, and the names after it still listed
    assert mapping_notes("f.csv", names) == [
        "f.csv: 'India' -> IND (3 mentions)",
        "f.csv: 'Indai' -> NOT MAPPED (rows rejected; fix the spelling or use an ISO code) "
        "(2 mentions)",
        "f.csv: 'Fran\ufffdce' -> NOT MAPPED (rows rejected: the file is not UTF-8, save it as "
        "UTF-8) (1 mentions)",
        "f.csv: 'us' -> USA (1 mentions)",
    ]
