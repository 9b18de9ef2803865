"""Property tests: whatever bytes a raw file holds, every parser returns rows and rejects that
account for every record, and never raises."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest import parse

HEADERS = {
    "csv": b"buyer_country,seller_country,count,year\n",
    "oli": b"timestamp,country,country_group,occupation,count\n",
    "remotework": b'"","year","employer_country_real","employer_admin1","worker_country_real",'
    b'"worker_admin1","count","employer_lat","employer_lng","worker_lat","worker_lng"\n',
    "freelancer": b'{"status": "success", "result": ',
}
NAMES = {
    "csv": "flows.csv",
    "oli": "bcountrydata_2020-01-01.txt",
    "remotework": "olm_network_data_2015.csv",
    "freelancer": "projects_1_2_0000000.json",
}
cells = st.sampled_from(
    [
        "US",
        "India",
        "NA",
        "",
        " ",
        "2015",
        "2015-13-45",
        "1e308",
        "-1",
        "nan",
        '"',
        '""',
        "\xff",
        "Writing and translation",
        "true",
        "0",
        "7",
        "\r",
        "\n",
        ";",
        "\x00",
    ]
)
lines = st.lists(st.lists(cells, min_size=1, max_size=12), max_size=12)


@pytest.mark.parametrize("source_id", sorted(HEADERS))
@settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(body=lines, raw=st.binary(max_size=200))
def test_any_file_gives_rows_and_rejects_that_add_up(source_id: str, body, raw: bytes) -> None:
    text = "\n".join(",".join(row) for row in body).encode("utf-8", "surrogateescape")
    with tempfile.TemporaryDirectory() as folder:
        for content in (HEADERS[source_id] + text, HEADERS[source_id] + raw, raw):
            path = Path(folder) / NAMES[source_id]
            path.write_bytes(content)
            parsed = parse(source_id, path)  # checks records in = used + rejected
            assert all(r.location.startswith(path.name) for r in parsed.all_rejects())
            staged = sum(t.num_rows for t in parsed.tables.values())
            assert staged <= parsed.records_in
