"""Property tests that see a dropped or a doubled row: generated files whose every line is
known to be good or bad, read again here independently of the parser, and compared line by line
with what the parser staged and rejected (not with the counts the parser reports itself)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest import parse

from pipeline.sources.contract import Parsed

# cell -> the value the parser must stage, or None where the cell must reject its line
COUNTRIES = {
    "India": "IND",
    "us": "USA",
    "Royaume-Uni": "GBR",
    '"Stati Uniti"': "USA",
    "Atlantis": None,
    "": None,
}
# a count is a whole number written in digits, 0 to 10^12 (sql/parse/macros.sql): a fraction,
# an exponent, a sign or a thousands separator is rejected
COUNTS = {
    "0": 0.0,
    "7": 7.0,
    "1000000000000": 1e12,
    "2.5": None,
    "1e12": None,
    "1.234": None,
    "-1": None,
    "nan": None,
    "x": None,
}
YEARS = {"2000": 2000, "2015": 2015, "2027": 2027, "1999": None, "2028": None, "20x0": None}
rows = st.tuples(
    st.sampled_from(sorted(COUNTRIES)),
    st.sampled_from(sorted(COUNTRIES)),
    st.sampled_from(sorted(COUNTS)),
    st.sampled_from(sorted(YEARS)),
)


def rejected_lines(parsed: Parsed) -> set[int]:
    """The lines the rejects name: each reject's own, and for the one reject that sums up the
    exact repeats of a row, every line its reason lists (all of them here: at most 20)."""
    lines: set[int] = set()
    for reject in parsed.all_rejects():
        if reject.repeats is None:
            lines.add(int(reject.location.rsplit(":", 1)[1]))
            continue
        listed = [int(n) for n in re.split(r"on lines? ", reject.reason)[1].split(", ")]
        assert len(listed) == reject.repeats, reject
        assert reject.location.endswith(f":{listed[0]}"), reject
        lines.update(listed)
    return lines


def expected_csv(lines: list[tuple[str, str, str, str]]) -> dict[int, tuple]:
    """Line number -> (buyer, seller, count, year) of each line that must be staged: every
    field good, and not an exact repeat of an earlier line (counted once)."""
    kept: dict[int, tuple] = {}
    seen: set[str] = set()
    for number, cells in enumerate(lines, start=2):
        text = ",".join(cells)
        values = (COUNTRIES[cells[0]], COUNTRIES[cells[1]], COUNTS[cells[2]], YEARS[cells[3]])
        if text not in seen and None not in values:
            kept[number] = values
        seen.add(text)
    return kept


@settings(max_examples=60, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(rows, max_size=25), repeat=st.lists(st.integers(0, 24), max_size=5))
def test_every_user_csv_line_is_staged_once_or_rejected(lines, repeat) -> None:
    # exact repeats of earlier lines, appended at the end
    lines = lines + [lines[i] for i in repeat if i < len(lines)]
    text = "buyer_country,seller_country,count,year\n" + "".join(
        ",".join(cells) + "\n" for cells in lines
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flows.csv"
        path.write_bytes(text.encode())
        parsed = parse("csv", path)  # the parser's own balance check runs too
    staged = {
        r["line"]: (r["buyer_country_code"], r["seller_country_code"], r["amount"], r["year"])
        for r in parsed.tables["csv_rows"].to_pylist()
    }
    expected = expected_csv(lines)
    assert staged == expected
    assert parsed.tables["csv_rows"].num_rows == len(expected)  # no line staged twice
    assert sum(r[2] for r in staged.values()) == sum(r[2] for r in expected.values())
    assert rejected_lines(parsed) == set(range(2, len(lines) + 2)) - set(expected)


OLI_COUNTRIES = {"India": "IND", "United States": "USA", "Atlantis": None}
OLI_OCCUPATIONS = {
    "Writing and translation": "writing and translation",
    "Clerical and data entry": "clerical and data entry",
    "Cooking": None,
}
DAYS = {"2016-06-01": "2016-06-01", "2016-06-31": None, "1850-01-01": None}
oli_rows = st.tuples(
    st.sampled_from(sorted(DAYS)),
    st.sampled_from(sorted(OLI_COUNTRIES)),
    st.sampled_from(sorted(OLI_OCCUPATIONS)),
    st.sampled_from(["0", "3", "12", "-1", "inf"]),
)


@settings(max_examples=40, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(oli_rows, max_size=20), repeat=st.lists(st.integers(0, 19), max_size=4))
def test_every_oli_employer_line_is_staged_once_or_rejected(lines, repeat) -> None:
    """A line with a real date and amount is staged once; an unknown country or occupation is
    staged without it, for the year's remainder ("rest of world"), and also named as a reject;
    a bad date or amount, or a repeat, is only rejected."""
    lines = lines + [lines[i] for i in repeat if i < len(lines)]
    text = "timestamp,country,country_group,occupation,count\n" + "".join(
        f"{day},{country},{country},{occupation},{count}\n"
        for day, country, occupation, count in lines
    )
    staged_expected: dict[int, tuple] = {}
    rejected_expected: set[int] = set()
    seen: set[tuple] = set()
    for number, (day, country, occupation, count) in enumerate(lines, start=2):
        first = (day, country, occupation, count) not in seen
        seen.add((day, country, occupation, count))
        good_amount = count in {"0", "3", "12"}
        if DAYS[day] is not None and good_amount and first:
            staged_expected[number] = (
                DAYS[day],
                OLI_COUNTRIES[country],
                OLI_OCCUPATIONS[occupation],
                float(count),
            )
        known = OLI_COUNTRIES[country] is not None and OLI_OCCUPATIONS[occupation] is not None
        if not (first and good_amount and DAYS[day] is not None and known):
            rejected_expected.add(number)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bcountrydata_2016-07-10.txt"
        path.write_bytes(text.encode())
        parsed = parse("oli", path)
    staged = {
        r["line"]: (str(r["day"]), r["country_code"], r["occupation"], r["amount"])
        for r in parsed.tables["oli_rows"].to_pylist()
    }
    assert staged == staged_expected
    assert parsed.tables["oli_rows"].num_rows == len(staged_expected)
    assert sum(r[3] for r in staged.values()) == sum(r[3] for r in staged_expected.values())
    assert rejected_lines(parsed) == rejected_expected
