"""Freelancer.com pages: projects give buyers, awarded bids give buyer and seller on one row;
the fetch walk resumes from its stored mark and never asks for a page twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from ingest import core, fetch_context, parse, records, rows
from loopback import FakeClock, Reply, Server, session

from pipeline.collect.errors import BlockedError, RateLimited
from pipeline.sources import freelancer, open_store
from pipeline.sources.contract import SourceContext, SourceError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "freelancer"


def test_projects_page_gives_one_buyer_task_per_project() -> None:
    result = parse("freelancer", FIXTURES / "projects_page.json")
    assert (result.records_in, result.records_ok, result.records_rejected) == (6, 4, 2)
    found = {t["task_id"]: t for t in rows(result, "freelancer_tasks")}
    assert sorted(found) == [
        "project:39000001",
        "project:39000002",
        "project:39000003",
        "project:39000006",
    ]
    # "us" -> USA; lower-case "gb" and the non-ISO "uk" both -> GBR.
    assert [found[k]["buyer_country_code"] for k in sorted(found)] == ["USA", "GBR", "GBR", "IND"]
    assert all(t["seller_country_code"] is None for t in found.values())
    assert found["project:39000001"]["price_usd"] == 140.0  # midpoint of 30..250 USD
    assert found["project:39000002"]["price_usd"] == 187.5  # 150 GBP at 1.25
    assert found["project:39000003"]["price_usd"] == 84.0  # 7000 INR at 0.012
    assert found["project:39000006"]["price_usd"] == 50.0  # only a minimum
    assert found["project:39000003"]["occupation"] == "clerical and data entry"
    assert found["project:39000001"]["task_date"] == dt.date(2025, 11, 24)


def test_projects_without_owner_country_or_with_unmapped_category_are_rejected() -> None:
    result = parse("freelancer", FIXTURES / "projects_page.json")
    found = {(r.location, r.field, r.value) for r in result.rejects}
    assert found == {
        ("projects_page.json:projects[3]", "users[7000004].location.country", None),
        (
            "projects_page.json:projects[4]",
            "projects[4].jobs[0].category.name",
            "Underwater Basket Weaving",
        ),
    }
    unmapped = next(r for r in result.rejects if r.value == "Underwater Basket Weaving")
    assert "freelancer_occupations.csv" in unmapped.reason


def test_awarded_bids_carry_buyer_and_seller_on_one_row() -> None:
    result = parse("freelancer", FIXTURES / "bids_page.json")
    assert (result.records_in, result.records_ok, result.records_rejected) == (5, 3, 2)
    tasks = rows(result, "freelancer_tasks")
    pairs = {
        t["task_id"]: (
            t["buyer_country_code"],
            t["seller_country_code"],
            t["price_usd"],
            t["occupation"],
        )
        for t in tasks
    }
    assert pairs == {
        "award:55500001": ("USA", "PAK", 100.0, "software development and technology"),
        "award:55500002": ("GBR", "BGD", 200.0, "writing and translation"),
        "award:55500003": ("IND", "PHL", 45.0, "creative and multimedia"),
    }
    first = next(t for t in tasks if t["task_id"] == "award:55500001")
    assert first["task_date"] == dt.date(2025, 11, 25)  # time_awarded, not time_submitted
    found = {(r.location, r.field) for r in result.rejects}
    assert found == {
        ("bids_page.json:bids[3]", "owner_id"),
        ("bids_page.json:bids[4]", "bids[4].award_status"),
    }


def test_a_failed_api_answer_is_one_rejected_record(tmp_path: Path) -> None:
    path = tmp_path / "projects_x.json"
    path.write_text(json.dumps({"status": "error", "message": "rate limited"}))
    result = parse("freelancer", path)
    assert (result.records_in, result.records_rejected, result.tables) == (1, 1, {})


def project(pid: int, owner: int) -> dict:
    return {
        "id": pid,
        "owner_id": owner,
        "currency": {"code": "USD", "exchange_rate": 1},
        "budget": {"minimum": 10, "maximum": 20},
        "time_submitted": 1764000000 + pid,
        "time_updated": 1764050000 + pid,
        "jobs": [
            {"id": 3, "name": "PHP", "category": {"id": 1, "name": "Websites, IT & Software"}}
        ],
    }


LIMITS = "200, 200;window=60, 1000;window=3600"


class FreelancerApi:
    """Answers /projects/0.1/projects/all/ and /projects/0.1/bids/ as the API does.

    Three projects served two per page; one awarded bid, for project 2. The bids answer carries
    the projects keyed by id without ``jobs`` (the bids call has no job_details projection) and
    an empty ``bids`` list when there is no award (no ``compact``, so nothing is stripped).
    Every answer has the RateLimit headers Freelancer sends; ``remaining`` and ``reset`` set them.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.projects = [project(1, 11), project(2, 12), project(3, 11)]
        self.users = {
            "11": {"id": 11, "location": {"country": {"name": "United States", "code": "us"}}},
            "12": {"id": 12, "location": {"country": {"name": "United Kingdom", "code": "gb"}}},
            "21": {"id": 21, "location": {"country": {"name": "India", "code": "in"}}},
        }
        self.remaining, self.reset = 900, 3000
        self.broken: Reply | None = None
        server.handle("/api/projects/0.1/projects/all/", self.projects_page)
        server.handle("/api/projects/0.1/bids/", self.bids_page)

    def base(self) -> str:
        return self.server.base + "/api"

    def reply(self, result: dict) -> Reply:
        if self.broken is not None:
            return self.broken
        self.remaining -= 1
        headers = {
            "Content-Type": "application/json",
            "RateLimit-Limit": LIMITS,
            "RateLimit-Remaining": str(max(self.remaining, 0)),
            "RateLimit-Reset": str(self.reset),
        }
        return Reply(
            body=json.dumps({"status": "success", "result": result}).encode(), headers=headers
        )

    def projects_page(self, path: str, headers: dict) -> Reply:
        query = parse_qs(urlsplit(path).query)
        start, limit = int(query["offset"][0]), int(query["limit"][0])
        return self.reply(
            {
                "projects": self.projects[start : start + limit],
                "users": self.users,
                "total_count": len(self.projects),
            }
        )

    def bids_page(self, path: str, headers: dict) -> Reply:
        wanted = {int(i) for i in parse_qs(urlsplit(path).query)["projects[]"]}
        bids = [
            {
                "id": 902,
                "project_id": 2,
                "bidder_id": 21,
                "amount": 15,
                "award_status": "awarded",
                "time_awarded": 1764100000,
            }
        ][: 1 if 2 in wanted else 0]
        keyed = {
            str(p["id"]): {k: v for k, v in p.items() if k != "jobs"}
            for p in self.projects
            if p["id"] in wanted
        }
        return self.reply({"bids": bids, "projects": keyed, "users": self.users})

    def queries(self, endpoint: str) -> list[dict[str, list[str]]]:
        return [
            parse_qs(urlsplit(p).query)
            for p, _ in self.server.hits
            if p.split("?")[0].endswith(endpoint)
        ]


def context(api: FreelancerApi, clock: FakeClock, tmp_path: Path, pages: int) -> SourceContext:
    store = open_store("freelancer", root=tmp_path / "raw", day=dt.date(2026, 1, 2))
    return fetch_context(
        "freelancer",
        session(clock),
        store,
        pages,
        tmp_path / "state",
        base_url=api.base(),
        page_size=2,
    )


NOW = 1_800_000_000
SETTLED = NOW - 14 * 86400


def test_walk_asks_for_updated_awarded_projects_with_occupations_and_their_bids(
    server, clock, tmp_path
):
    api = FreelancerApi(server)
    saved = freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW)
    projects = api.queries("/projects/all/")
    assert [q["offset"] for q in projects] == [["0"], ["2"]]
    first = projects[0]
    assert first["from_time"] == [str(SETTLED - 30 * 86400)] and first["to_time"] == [str(SETTLED)]
    assert first["sort_field"] == ["time_updated"]  # the window is on last update
    assert first["bid_award_statuses[]"] == ["awarded"]
    assert first["job_details"] == ["true"] and "compact" not in first
    bids = api.queries("/bids/")
    assert bids[0]["projects[]"] == ["1", "2"] and bids[0]["award_statuses[]"] == ["awarded"]
    assert "compact" not in bids[0] and "job_details" not in bids[0]
    # Each projects page is stored beside the bids pages of its projects, named by window.
    window = f"{SETTLED - 30 * 86400}_{SETTLED}"
    assert [p.name for p in saved] == [
        f"projects_{window}_0000000.json",
        f"bids_{window}_0000000_00_00000.json",
        f"projects_{window}_0000002.json",
        f"bids_{window}_0000002_00_00000.json",
    ]
    # 10 requests left of 1000 per hour is spread: RateLimit-Reset / RateLimit-Remaining apart.
    assert clock.sleeps and all(
        w == pytest.approx(3000 / r, rel=0.01)
        for w, r in zip(clock.sleeps, range(899, 0, -1), strict=False)
    )
    state = json.loads((tmp_path / "state" / "freelancer.json").read_text())
    assert state == {"high_water": SETTLED, "window": None}
    # The bids page has no jobs; the projects page of the same window has them.
    bids_page = json.loads(saved[1].read_bytes())["result"]
    assert "jobs" not in bids_page["projects"]["2"]
    assert json.loads(saved[0].read_bytes())["result"]["projects"][1]["jobs"][0]["category"]
    # so the awards take their occupation from the projects pages of the same window, in SQL
    tasks = records(
        core("freelancer", saved, tmp_path), "select task_id, occupation from core__tasks"
    )
    awards = [t for t in tasks if t["task_id"].startswith("award:")]
    assert awards and all(t["occupation"] != "unknown" for t in awards)


def test_a_spent_rate_limit_stops_the_run_and_the_next_run_resumes_without_duplicates(
    server, clock, tmp_path
):
    api = FreelancerApi(server)
    # After the first page and its bids, 1 request is left for 1000 s: more than the session
    # waits (600 s), so the run stops before the next page.
    api.remaining, api.reset = 3, 1000
    with pytest.raises(RateLimited):
        freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW)
    state = json.loads((tmp_path / "state" / "freelancer.json").read_text())
    assert state["window"]["offset"] == 2  # the first page and its bids are complete
    asked = len(server.hits)

    api.remaining = 900
    saved = freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW)
    assert [q["offset"] for q in api.queries("/projects/all/")] == [["0"], ["2"]]
    assert len(server.hits) - asked == 3  # robots.txt, the second page and its bids
    names = [p.name for p in open_store("freelancer", root=tmp_path / "raw").loaded_files()]
    assert len(names) == len(set(names)) == 4
    assert len(saved) == 2


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        (
            Reply(200, b"<!DOCTYPE html><html><h1>Down for maintenance</h1></html>", {}),
            BlockedError,
        ),
        (
            Reply(200, b"Service temporarily unavailable", {"Content-Type": "text/plain"}),
            SourceError,
        ),
        (Reply(200, b'{"status": "error", "message": "Invalid sort field"}', {}), SourceError),
        (Reply(200, b'{"status": "success", "result": {"projects": {"1": {}}}}', {}), SourceError),
    ],
    ids=["html-maintenance-page", "plain-text", "api-error", "unexpected-shape"],
)
def test_an_unexpected_answer_is_a_source_error_and_never_stored(
    server, clock, tmp_path, broken, error
):
    api = FreelancerApi(server)
    api.broken = broken
    with pytest.raises(error):
        freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW)
    assert open_store("freelancer", tmp_path / "raw").loaded_files() == []
    assert not (tmp_path / "state" / "freelancer.json").exists()
    # Once the API answers properly, the same window is walked from its start.
    api.broken = None
    freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW)
    assert len(open_store("freelancer", tmp_path / "raw").loaded_files()) == 4


def test_a_compact_bids_page_without_awards_is_an_empty_page(server, clock, tmp_path):
    """With compact=true the API strips empty lists: a page without awards is ``result: {}``."""
    api = FreelancerApi(server)
    stripped = (FIXTURES / "bids_page_no_awards_compact.json").read_bytes()
    server.handle("/api/projects/0.1/bids/", lambda path, headers: Reply(body=stripped))
    saved = freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW)
    assert [p.name.startswith("bids_") for p in saved] == [False, True, False, True]


def test_page_cap_and_a_lost_state_file(server, clock, tmp_path):
    api = FreelancerApi(server)
    first = freelancer.fetch(context(api, clock, tmp_path, 1), now=NOW)
    assert len(api.queries("/projects/all/")) == 1 and len(first) == 2
    # The state is lost after the page was saved: the stored pages are reused, not fetched.
    (tmp_path / "state" / "freelancer.json").unlink()
    freelancer.fetch(context(api, clock, tmp_path, 1), now=NOW)
    assert len(api.queries("/projects/all/")) == 1
    # Then a later run starts the next window just after the last one.
    freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW)
    freelancer.fetch(context(api, clock, tmp_path, 5), now=NOW + 86400)
    assert api.queries("/projects/all/")[-1]["from_time"] == [str(SETTLED + 1)]


def test_the_token_goes_in_a_header_read_from_the_environment() -> None:
    assert freelancer.SESSION_OPTIONS["env_headers"] == {"Freelancer-OAuth-V1": "FREELANCER_TOKEN"}
