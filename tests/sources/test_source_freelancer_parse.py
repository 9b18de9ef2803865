"""Freelancer pages as the real API sends them: compact answers, keyed or listed users and
projects, awards whose project carries no job category, and malformed records."""

from __future__ import annotations

import json
from pathlib import Path

from ingest import core, parse, records, rows

WINDOW = "1763000000_1764000000"
USERS = {
    "11": {"id": 11, "location": {"country": {"code": "us"}}},
    "21": {"id": 21, "location": {"country": {"code": "in"}}},
}


def page(folder: Path, name: str, result: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"status": "success", "result": result}), encoding="utf-8")
    return path


def a_project(pid: int = 1, **extra: object) -> dict:
    return {
        "id": pid,
        "owner_id": 11,
        "time_submitted": 1763500000,
        "jobs": [{"category": {"name": "Writing & Content"}}],
        **extra,
    }


def a_bid(bid: int = 900, project: int = 1, **extra: object) -> dict:
    return {
        "id": bid,
        "project_id": project,
        "bidder_id": 21,
        "amount": 50,
        "award_status": "awarded",
        "time_awarded": 1763600000,
        **extra,
    }


def test_an_empty_compact_answer_is_an_empty_page(tmp_path: Path) -> None:
    for name in (f"bids_{WINDOW}_00_00000.json", f"projects_{WINDOW}_0000000.json"):
        parsed = parse("freelancer", page(tmp_path, name, {}))
        assert (parsed.records_in, parsed.rejects) == (0, [])


def test_missing_keys_are_empty_not_errors(tmp_path: Path) -> None:
    bid = a_bid()
    del bid["amount"]
    result = {"bids": [bid], "users": USERS}  # no projects: stripped by compact
    parsed = parse("freelancer", page(tmp_path, f"bids_{WINDOW}_00_00000.json", result))
    # no project in the page: the bid's project_owner_id is missing too, so the owner is unknown
    assert [r.field for r in parsed.rejects] == ["owner_id"]
    bid["project_owner_id"] = 11
    parsed = parse("freelancer", page(tmp_path, f"bids_{WINDOW}_00_00001.json", result))
    (task,) = rows(parsed, "freelancer_tasks")
    assert (task["buyer_country_code"], task["seller_country_code"], task["price_usd"]) == (
        "USA",
        "IND",
        None,
    )
    assert task["occupation"] is None  # taken from the projects pages, in SQL


def test_users_and_projects_are_read_keyed_or_listed(tmp_path: Path) -> None:
    keyed = {"bids": [a_bid()], "projects": {"1": a_project()}, "users": USERS}
    listed = {"bids": [a_bid()], "projects": [a_project()], "users": list(USERS.values())}
    for number, result in enumerate((keyed, listed)):
        name = f"bids_{WINDOW}_00_0000{number}.json"
        (task,) = rows(parse("freelancer", page(tmp_path, name, result)), "freelancer_tasks")
        assert task["occupation"] == "writing and translation"


def test_awards_take_their_occupation_from_the_projects_of_the_same_window(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw" / "2026-01-01"
    projects = page(
        raw, f"projects_{WINDOW}_0000000.json", {"projects": [a_project()], "users": USERS}
    )
    bids = page(
        raw,
        f"bids_{WINDOW}_00_00000.json",
        {
            "bids": [a_bid(project_owner_id=11), a_bid(901, project=2, project_owner_id=11)],
            "projects": {},
            "users": USERS,
            "extra": None,
        },
    )
    con = core("freelancer", [projects, bids], tmp_path)
    tasks = records(con, "select task_id, occupation from core__tasks order by task_id")
    assert tasks == [
        {"task_id": "award:900", "occupation": "writing and translation"},
        {"task_id": "project:1", "occupation": "writing and translation"},
    ]
    rejects = records(con, "select location, field, value, reason from core__rejects")
    assert rejects == [
        {
            "location": f"bids_{WINDOW}_00_00000.json:bids[1]",
            "field": "jobs[0].category.name",
            "value": "2",
            "reason": "no job category: the project is in no projects page of the same fetch "
            "window",
        }
    ]


def test_one_malformed_record_rejects_that_record_only(tmp_path: Path) -> None:
    result = {
        "projects": [
            a_project(1),
            a_project(2, jobs={"category": {"name": "Writing & Content"}}),
            "not an object",
            a_project(4, time_submitted=True),
            a_project(5, time_submitted=-5),
            a_project(6, budget={"minimum": "lots"}),
            a_project(7, owner_id=None),
            a_project(8, time_submitted=1e30),
        ],
        "users": USERS,
    }
    parsed = parse("freelancer", page(tmp_path, f"projects_{WINDOW}_0000000.json", result))
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (8, 1, 7)
    where = {r.location.split(":")[1]: r.field for r in parsed.rejects}
    assert where == {
        "projects[1]": "projects[1].jobs",
        "projects[2]": "projects[2]",
        "projects[3]": "projects[3].time_submitted",
        "projects[4]": "projects[4].time_submitted",
        "projects[5]": "projects[5].budget",
        "projects[6]": "owner_id",
        "projects[7]": "projects[7].time_submitted",
    }


def test_wrong_shapes_and_deep_nesting_are_file_rejects_not_crashes(tmp_path: Path) -> None:
    cases = {
        "projects_a.json": json.dumps({"status": "success", "result": {"projects": 5}}),
        "projects_b.json": json.dumps({"status": "success", "result": [1, 2]}),
        "projects_c.json": "<html>maintenance</html>",
        "projects_d.json": '{"status": "success", "result": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "projects_e.json": json.dumps({"status": "success", "result": {"users": 7}}),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        parsed = parse("freelancer", path)
        assert (parsed.records_in, parsed.records_rejected, parsed.tables) == (1, 1, {}), name
        assert parsed.rejects[0].location == name
