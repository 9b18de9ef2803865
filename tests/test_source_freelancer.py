"""Freelancer.com pages: projects give buyers, awarded bids give buyer and seller on one row;
the fetch walk resumes from its stored mark and never asks for a page twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from ingest import core, parse, records, rows

from pipeline.countries import country_index
from pipeline.http import FetchResult
from pipeline.rawstore import RawStore
from pipeline.sources import freelancer, spec_for
from pipeline.sources.contract import SourceContext


def ctx_for(api: object, store: RawStore, max_pages: int, state_dir: Path) -> SourceContext:
    ctx = SourceContext(store, spec_for("freelancer").meta, country_index(), max_pages, state_dir)
    ctx.session = api  # type: ignore[assignment]
    return ctx


def tasks_of(path: Path) -> list[dict]:
    return rows(parse("freelancer", path), "freelancer_tasks")


FIXTURES = Path(__file__).parent / "fixtures" / "freelancer"


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
            "projects[39000005].jobs[0].category.name",
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
        "jobs": [{"category": {"name": "Websites, IT & Software"}}],
    }


class FakeApi:
    """Three settled projects served two per page, and one awarded bid for project 2."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.projects = [project(1, 11), project(2, 12), project(3, 11)]
        self.users = {
            "11": {"id": 11, "location": {"country": {"code": "us"}}},
            "12": {"id": 12, "location": {"country": {"code": "gb"}}},
            "21": {"id": 21, "location": {"country": {"code": "in"}}},
        }

    def get(self, url: str, params=None, headers=None) -> FetchResult:
        params = dict(params or {})
        self.calls.append((url, params))
        if url.endswith("/projects/0.1/projects/all/"):
            start, limit = int(params["offset"]), int(params["limit"])
            result = {
                "projects": self.projects[start : start + limit],
                "users": self.users,
                "total_count": len(self.projects),
            }
        else:
            wanted = {int(i) for i in params["projects[]"]}
            bids = [
                {
                    "id": 900 + p,
                    "project_id": p,
                    "bidder_id": 21,
                    "amount": 15,
                    "award_status": "awarded",
                    "time_awarded": 1764100000,
                }
                for p in wanted
                if p == 2
            ]
            result = {
                "bids": bids,
                "projects": {str(p["id"]): p for p in self.projects if p["id"] in wanted},
                "users": self.users,
            }
        body = json.dumps({"status": "success", "result": result}).encode()
        return FetchResult(url, params, 200, {}, body, dt.datetime(2026, 1, 2, tzinfo=dt.UTC), 0.0)


@pytest.fixture()
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    info = freelancer.meta()
    monkeypatch.setattr(freelancer, "meta", lambda: {**info, "page_size": 2})


def test_walk_respects_the_page_cap_and_resumes_from_the_stored_mark(
    tmp_path: Path, small_pages: None
) -> None:
    api = FakeApi()
    state_dir = tmp_path / "state"
    store = RawStore("freelancer", root=tmp_path / "raw")
    now = 1_800_000_000
    settled = now - 14 * 86400

    first = freelancer.fetch(ctx_for(api, store, 1, state_dir), now=now)
    pages = [c for c in api.calls if c[0].endswith("/projects/all/")]
    assert len(pages) == 1  # the cap
    assert pages[0][1]["from_time"] == settled - 30 * 86400
    assert pages[0][1]["to_time"] == settled
    assert first[0].name.startswith("projects_")
    state = json.loads((state_dir / "freelancer.json").read_text())
    assert state == {
        "high_water": None,
        "window": {"from": settled - 30 * 86400, "to": settled, "offset": 2},
    }

    api.calls.clear()
    second = freelancer.fetch(ctx_for(api, store, 5, state_dir), now=now + 3600)
    pages = [c for c in api.calls if c[0].endswith("/projects/all/")]
    # Same window, next offset; the short page ends the window and moves the mark.
    assert [(p[1]["offset"], p[1]["to_time"]) for p in pages] == [(2, settled)]
    state = json.loads((state_dir / "freelancer.json").read_text())
    assert state == {"high_water": settled, "window": None}

    api.calls.clear()
    freelancer.fetch(ctx_for(api, store, 5, state_dir), now=now + 86400)
    pages = [c for c in api.calls if c[0].endswith("/projects/all/")]
    assert pages[0][1]["from_time"] == settled + 1
    assert pages[0][1]["offset"] == 0

    bids = [c for c in api.calls if c[0].endswith("/projects/0.1/bids/")]
    assert bids and bids[0][1]["award_statuses[]"] == ["awarded"]
    tasks = records(core("freelancer", [*first, *second], tmp_path), "select * from core__tasks")
    found = {t["task_id"]: t for t in tasks}
    assert sorted(found) == ["award:902", "project:1", "project:2", "project:3"]
    award = found["award:902"]
    assert (award["buyer_country_code"], award["seller_country_code"]) == ("GBR", "IND")


def test_a_page_already_saved_is_not_asked_for_again(tmp_path: Path, small_pages: None) -> None:
    api = FakeApi()
    store = RawStore("freelancer", root=tmp_path / "raw")
    freelancer.fetch(ctx_for(api, store, 1, tmp_path / "state"), now=1_800_000_000)
    # The state is lost after the page was saved: the stored page is reused, not fetched.
    (tmp_path / "state" / "freelancer.json").unlink()
    api.calls.clear()
    freelancer.fetch(ctx_for(api, store, 1, tmp_path / "state"), now=1_800_000_000)
    assert [c for c in api.calls if c[0].endswith("/projects/all/")] == []


def test_the_token_goes_in_a_header_read_from_the_environment() -> None:
    assert freelancer.SESSION_OPTIONS["env_headers"] == {"Freelancer-OAuth-V1": "FREELANCER_TOKEN"}
