"""Property tests for the country-name lookup and for the parser variants the byte-level
properties in test_parse_properties.py do not reach (OLI worker files, Freelancer bids pages,
curated datasets): any input gives a result or the documented error, never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest import parse
from sources.test_curated import TALLY_HEADER, read, write_dataset

from pipeline.reference.countries import UnknownCountryError, country_index, normalise_name

INDEX = country_index()
# Spellings the lookup knows, so that generated text lands near real names too.
KNOWN = ["United States", "India", "Côte d'Ivoire", "Korea", "Congo", "UK", "N/A", "NA", "us"]
names = st.one_of(
    st.text(max_size=60),
    st.sampled_from(KNOWN),
    st.builds(
        lambda a, b, c: a + b + c, st.text(max_size=4), st.sampled_from(KNOWN), st.text(max_size=4)
    ),
    st.text(alphabet=st.characters(categories=["Zs", "Cc", "Cf", "Pd", "Po", "Mn"]), max_size=20),
)


@settings(max_examples=500, deadline=200)
@given(value=names)
def test_any_string_gives_a_code_or_unknown_country(value: str) -> None:
    try:
        code = INDEX.resolve(value)
    except UnknownCountryError as err:
        assert err.value == value
        assert INDEX.try_resolve(value) is None
        return
    assert code in INDEX.countries, code
    assert INDEX.try_resolve(value) == code
    # the same name in capitals with spaces around it is the same country
    if normalise_name(f"  {value.upper()} ") == normalise_name(value):
        assert INDEX.try_resolve(f"  {value.upper()} ") == code


@settings(max_examples=50, deadline=200)
@given(
    value=st.one_of(
        st.none(), st.integers(), st.floats(), st.binary(max_size=8), st.lists(st.text())
    )
)
def test_a_value_that_is_not_text_is_an_unknown_country(value: object) -> None:
    with pytest.raises(UnknownCountryError):
        INDEX.resolve(value)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=1000)
@given(value=st.text(min_size=1, max_size=40).map(lambda t: t * (20_000 // len(t))))
def test_a_long_string_is_looked_up_in_bounded_time(value: str) -> None:
    assert INDEX.try_resolve(value) is None or len(normalise_name(value)) < 100


cells = st.sampled_from(
    [
        "India",
        "Atlantis",
        "",
        "2017-06-16",
        "2015-13-45",
        "true",
        "1e308",
        "-1",
        "nan",
        "68.0",
        '"',
        "\xff",
        "\x00",
        "\n",
        ";",
        "Writing and translation",
        "0",
    ]
)
lines = st.lists(st.lists(cells, min_size=1, max_size=6), max_size=8)


@settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(body=lines)
def test_any_oli_worker_file_adds_up(body) -> None:
    header = b"timestamp,country,occupation,num_workers,num_projects\n"
    text = "\n".join(",".join(row) for row in body).encode("utf-8", "surrogateescape")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "worker_countrydata_2017-07-05.txt"
        path.write_bytes(header + text)
        parsed = parse("oli", path)  # checks records in = used + rejected
        assert all(r.location.startswith(path.name) for r in parsed.rejects)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
bid_like = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "project_id": json_values,
        "bidder_id": json_values,
        "amount": json_values,
        "award_status": st.sampled_from(["awarded", None, 1]),
        "time_awarded": json_values,
        "project_owner_id": json_values,
    },
)


@settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(bids=st.one_of(st.lists(bid_like, max_size=5), json_values), extra=json_values)
def test_any_freelancer_bids_page_adds_up(bids, extra) -> None:
    result = {"bids": bids, "projects": extra, "users": extra}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bids_1763000000_1764000000_00_00000.json"
        path.write_text(json.dumps({"status": "success", "result": result}), encoding="utf-8")
        parsed = parse("freelancer", path)
        assert all(r.location.startswith(path.name) for r in parsed.rejects)


curated_cells = st.sampled_from(
    [
        "",
        "India",
        "Atlantis",
        "2016-05-01",
        "2016-13-01",
        "buyer",
        "seller",
        "share_pct",
        "1e308",
        "-5",
        "nan",
        "6.3",
        '"',
        "\xff",
        "unknown",
        "verified",
        "about",
    ]
)


@settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.lists(curated_cells, min_size=1, max_size=14), max_size=6))
def test_any_curated_table_adds_up(body) -> None:
    text = "".join(",".join(row) + "\n" for row in body)
    with tempfile.TemporaryDirectory() as folder:
        path = write_dataset(Path(folder), "any", TALLY_HEADER + text, hi=1000)
        parsed = read(path)  # checks records in = used + rejected
        assert all(r.location.startswith("any.csv") for r in parsed.rejects)
