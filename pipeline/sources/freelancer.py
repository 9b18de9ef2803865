"""Freelancer.com REST API 0.1: posted projects (buyer country) and awarded bids (both sides).

Fetch walks ``/projects/0.1/projects/all/`` over a fixed time window of settled projects
(posted at least ``settle_days`` ago), page by page with ``limit``/``offset``, and for every page
asks ``/projects/0.1/bids/`` for the awarded bids of its projects (``project_details`` and
``user_details`` on, so one bids page carries the project, its owner and the bidder). Every
response is saved raw before anything else; the state file (``data/state/freelancer.json``)
moves on only after a page and its bids are saved, so an interrupted or capped run resumes
where it stopped, and windows never overlap, so no project is fetched twice.

Parse turns a projects page into one ``project:<id>`` task per project (buyer only) and a bids
page into one ``award:<bid id>`` task per awarded bid (buyer and seller on one row); flows
count only rows with both sides, so a project and its award are never counted twice. Which
page is which is read from the JSON itself. A Freelancer category missing from
``freelancer_occupations.csv`` rejects the record, naming the category: add a line and
rebuild, the raw page is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.countries import CountryIndex, UnknownCountryError
from pipeline.fetch import (
    FetchContext,
    SourceError,
    read_meta,
    save_file_once,
    source_from_meta,
)
from pipeline.rawstore import RawStore, iter_files
from pipeline.records import OCCUPATIONS, ParseResult, Reject, Source, Task

SOURCE_ID = "freelancer"
HERE = Path(__file__).parent
META_PATH = HERE / "freelancer.yaml"
OCCUPATIONS_PATH = HERE / "freelancer_occupations.csv"
STATE_FILE = "freelancer.json"
TOKEN_ENV = "FREELANCER_TOKEN"
DEFAULT_MAX_PAGES = 20
MAX_RECORDS = 10_000
MAX_FIELD_CHARS = 200
SESSION_OPTIONS = {"env_headers": {"Freelancer-OAuth-V1": TOKEN_ENV}}

Bad = Callable[[str, Any, str], None]


def meta() -> dict[str, Any]:
    return read_meta(META_PATH)


@lru_cache(maxsize=1)
def occupation_table() -> dict[str, str]:
    """Normalised Freelancer category name -> one of OCCUPATIONS (``unknown`` only if listed)."""
    table = {}
    with OCCUPATIONS_PATH.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["occupation"] not in OCCUPATIONS:
                raise ValueError(f"{OCCUPATIONS_PATH}:{line}: {row['occupation']!r} unknown")
            table[_key(row["category"])] = row["occupation"]
    return table


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


# -- parse --------------------------------------------------------------------------------


def parse(path: Path, index: CountryIndex) -> ParseResult:
    """One saved API response (a projects page or a bids page) -> tasks and rejects."""
    result = ParseResult(source_id=SOURCE_ID)
    max_bytes = int(meta().get("max_json_mb", 50)) * 1024 * 1024
    try:
        if path.stat().st_size > max_bytes:
            raise ValueError(f"larger than {max_bytes} bytes")
        document = json.loads(path.read_bytes())
        body = document.get("result") if isinstance(document, dict) else None
        if document.get("status") != "success" or not isinstance(body, dict):
            raise ValueError(f"status {str(document.get('status'))[:40]!r}, no result object")
        if isinstance(body.get("bids"), list):
            _parse_bids(path.name, body, index, result)
        elif isinstance(body.get("projects"), list):
            _parse_projects(path.name, body, index, result)
        else:
            raise ValueError("neither a projects page nor a bids page")
    except (ValueError, OSError, AttributeError) as err:
        result = ParseResult(source_id=SOURCE_ID, records_in=1, records_rejected=1)
        reason = f"file not readable as a Freelancer API page: {err}"
        result.rejects.append(Reject(SOURCE_ID, path.name, None, None, reason[:500]))
    return result


class _Record:
    """Collects the problems of one project or bid, each naming its field and value."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.rejects: list[Reject] = []

    def bad(self, field: str, value: Any, reason: str) -> None:
        text = None if value is None else str(value)[:MAX_FIELD_CHARS]
        self.rejects.append(Reject(SOURCE_ID, self.where, field, text, reason))


def _records(items: list[Any], result: ParseResult) -> Iterator[tuple[int, Any]]:
    if len(items) > MAX_RECORDS:
        raise ValueError(f"{len(items)} records in one page (at most {MAX_RECORDS})")
    for position, item in enumerate(items):
        result.records_in += 1
        yield position, item


def _finish(record: _Record, task: Task | None, result: ParseResult) -> None:
    if record.rejects or task is None:
        result.rejects.extend(record.rejects)
        result.records_rejected += 1
    else:
        result.tasks.append(task)
        result.records_ok += 1


def _parse_projects(name: str, body: dict, index: CountryIndex, result: ParseResult) -> None:
    users = body.get("users") or {}
    for position, project in _records(body["projects"], result):
        record = _Record(f"{name}:projects[{position}]")
        task = _project_task(record, project, users, index)
        _finish(record, task, result)


def _project_task(record: _Record, project: Any, users: dict, index: CountryIndex) -> Task | None:
    if not isinstance(project, dict) or not isinstance(project.get("id"), int):
        record.bad("id", None if not isinstance(project, dict) else project.get("id"), "no id")
        return None
    owner = project.get("owner_id")
    buyer = _user_country(record, users, owner, "owner", index)
    occupation = _occupation(record, project)
    day = _date(record, "time_submitted", project.get("time_submitted"))
    if record.rejects:
        return None
    return Task(
        task_id=f"project:{project['id']}",
        source_id=SOURCE_ID,
        platform=str(meta()["platform"]),
        task_date=day,
        buyer_country_code=buyer,
        seller_country_code=None,
        occupation=str(occupation),
        price_usd=_budget_usd(project),
        location=record.where,
    )


def _parse_bids(name: str, body: dict, index: CountryIndex, result: ParseResult) -> None:
    users = body.get("users") or {}
    projects = body.get("projects") or {}
    if isinstance(projects, list):
        projects = {str(p.get("id")): p for p in projects if isinstance(p, dict)}
    for position, bid in _records(body["bids"], result):
        record = _Record(f"{name}:bids[{position}]")
        task = _award_task(record, bid, projects, users, index)
        _finish(record, task, result)


def _award_task(
    record: _Record, bid: Any, projects: dict, users: dict, index: CountryIndex
) -> Task | None:
    if not isinstance(bid, dict) or not isinstance(bid.get("id"), int):
        record.bad("id", None if not isinstance(bid, dict) else bid.get("id"), "no id")
        return None
    if bid.get("award_status") != "awarded":
        record.bad("award_status", bid.get("award_status"), "not an awarded bid")
        return None
    project = projects.get(str(bid.get("project_id")))
    if not isinstance(project, dict):
        record.bad("project_id", bid.get("project_id"), "project not in this page")
        return None
    buyer = _user_country(record, users, project.get("owner_id"), "owner", index)
    seller = _user_country(record, users, bid.get("bidder_id"), "bidder", index)
    occupation = _occupation(record, project)
    when = bid.get("time_awarded") or bid.get("time_submitted")
    day = _date(record, "time_awarded", when)
    if record.rejects:
        return None
    return Task(
        task_id=f"award:{bid['id']}",
        source_id=SOURCE_ID,
        platform=str(meta()["platform"]),
        task_date=day,
        buyer_country_code=buyer,
        seller_country_code=seller,
        occupation=str(occupation),
        price_usd=_usd(bid.get("amount"), project.get("currency")),
        location=record.where,
    )


def _user_country(
    record: _Record, users: dict, user_id: Any, role: str, index: CountryIndex
) -> str | None:
    field = f"users[{user_id}].location.country"
    user = users.get(str(user_id)) if user_id is not None else None
    if not isinstance(user, dict):
        record.bad(f"{role}_id", user_id, f"the {role} is not among this page's users")
        return None
    country = (user.get("location") or {}).get("country") or {}
    code = str(country.get("code") or "").strip()
    name = str(country.get("name") or "").strip()
    value = code or name
    if not value:
        record.bad(field, None, f"the {role} has no country on the profile")
        return None
    try:
        # Codes first (lower-case alpha-2, sometimes "uk"); the name only when no code is given.
        return index.resolve(value[:MAX_FIELD_CHARS])
    except UnknownCountryError as err:
        record.bad(field, value, f"unknown country: {err}")
        return None


def _occupation(record: _Record, project: dict) -> str | None:
    jobs = project.get("jobs") or []
    category = (jobs[0].get("category") or {}).get("name") if jobs else None
    if not category:
        record.bad("jobs[0].category.name", None, "no job category")
        return None
    occupation = occupation_table().get(_key(str(category)))
    if occupation is None:
        record.bad(
            "jobs[0].category.name",
            category,
            "unmapped category: add it to freelancer_occupations.csv",
        )
    return occupation


def _date(record: _Record, field: str, value: Any) -> dt.date | None:
    if isinstance(value, int | float) and math.isfinite(value) and 0 < value < 2**33:
        return dt.datetime.fromtimestamp(value, dt.UTC).date()
    record.bad(field, value, "not a unix time")
    return None


def _usd(amount: Any, currency: Any) -> float | None:
    """An amount in US dollars, or None when the amount or the exchange rate is missing."""
    if not isinstance(amount, int | float) or not math.isfinite(amount) or amount < 0:
        return None
    currency = currency if isinstance(currency, dict) else {}
    rate = currency.get("exchange_rate")
    if rate is None and currency.get("code") == "USD":
        rate = 1
    if not isinstance(rate, int | float) or not math.isfinite(rate) or rate <= 0:
        return None
    return round(float(amount) * float(rate), 2)


def _budget_usd(project: dict) -> float | None:
    budget = project.get("budget") or {}
    low, high = budget.get("minimum"), budget.get("maximum")
    numbers = [v for v in (low, high) if isinstance(v, int | float) and math.isfinite(v)]
    if not numbers:
        return None
    return _usd(sum(numbers) / len(numbers), project.get("currency"))


# -- metadata and import ------------------------------------------------------------------


def source(raw_files: list[Path]) -> Source:
    return source_from_meta(SOURCE_ID, meta(), raw_files)


def import_files(path: Path, store: RawStore) -> list[Path]:
    """Saved API responses (``.json``), e.g. from another machine, copied unchanged."""
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    files = [path] if path.is_file() else sorted(path.glob("*.json"))
    files = [p for p in files if p.suffix.lower() == ".json" and p.name != "manifest.json"]
    if not files:
        raise SourceError(f"no Freelancer API responses (*.json) in {path}")
    return [save_file_once(store, p, meta().get("licence")) for p in files]


# -- fetch --------------------------------------------------------------------------------

# The projects search returns projects whose *last update* falls between from_time and
# to_time (API reference; go-freelancer-sdk SearchAllProjectsOptions), so the window is on
# update time, sorted the same way. time_submitted is not an allowed sort field.
SORT_FIELD = "time_updated"
# Only projects with an awarded bid: their awards are the contracts, and the bids call is
# spent on nothing else. project_statuses[] is left out: an awarded project still in progress
# is already a contract, and the SDK's status names (open, complete, work_in_progress ...)
# differ from the "closed" some clients send.
PROJECT_FILTER = {"bid_award_statuses[]": ["awarded"]}
BIDS_PAGE = 100
# A bound on the bids pages of one batch of projects (50 projects rarely have 100 awards).
MAX_BID_PAGES = 20


def load_state(state_dir: Path) -> dict[str, Any]:
    path = state_dir / STATE_FILE
    if not path.exists():
        return {"high_water": None, "window": None}
    state = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(state, dict) or "high_water" not in state:
        raise SourceError(f"{path} is not a Freelancer state file; move it away to start over")
    return state


def save_state(state_dir: Path, state: dict[str, Any]) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temp.replace(path)


def _page_name(window: dict[str, int], offset: int) -> str:
    return f"projects_{window['from']}_{window['to']}_{offset:07d}.json"


def _stored(store: RawStore, name: str) -> Path | None:
    for path in iter_files(store.source_id, store.root):
        if path.name == name:
            return path
    return None


def _result(path: Path, kind: str) -> dict[str, Any]:
    """The ``result`` object of a saved or downloaded answer; SourceError if it is not one.

    A key the API left out (empty lists are stripped when ``compact`` is set) counts as empty.
    """
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as err:
        raise SourceError(f"the {kind} answer is not JSON ({err}); nothing was stored") from None
    body = document.get("result") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("status") != "success":
        message = str(document.get("message", ""))[:200] if isinstance(document, dict) else ""
        raise SourceError(f"the {kind} answer is not a success: {message!r}; nothing was stored")
    if not isinstance(body, dict) or not isinstance(body.get(kind, []), list):
        raise SourceError(f"the {kind} answer holds no {kind} list; the API may have changed")
    return body


def _page(ctx: FetchContext, url: str, params: dict[str, Any], name: str, kind: str) -> Path:
    """A page stored under ``name`` earlier, or fetched and stored only once it is valid."""
    stored = _stored(ctx.store, name)
    if stored is not None:
        return stored

    def check(temp: Path) -> None:
        _result(temp, kind)

    return ctx.session.save(
        ctx.store,
        url,
        name,
        params=params,
        expect="json",
        licence=ctx.meta.get("licence"),
        check=check,
    )


def fetch(ctx: FetchContext, now: float | None = None) -> list[Path]:
    """Walk projects updated in a window, with their awarded bids; at most ``ctx.max_pages``.

    Each projects page is stored with ``job_details`` (the occupations) beside the bids pages of
    its projects, under names that carry the window and offsets; the state file moves on only
    after a page and its bids are stored, so a stopped run (a spent rate limit, an error, the
    page cap) resumes where it stopped and never stores a page twice.
    """
    info = ctx.meta
    base = str(info["base_url"]).rstrip("/")
    limit = int(info["page_size"])
    cap = ctx.max_pages if ctx.max_pages is not None else DEFAULT_MAX_PAGES
    state = load_state(ctx.state_dir)
    window = state.get("window")
    if window is None:
        settled = int(now if now is not None else time.time()) - int(info["settle_days"]) * 86400
        start = (
            int(state["high_water"]) + 1
            if state.get("high_water") is not None
            else settled - int(info["initial_days"]) * 86400
        )
        if start > settled:
            return []
        window = {"from": start, "to": settled, "offset": 0}
    saved: list[Path] = []
    for _ in range(cap):
        offset = int(window["offset"])
        name = _page_name(window, offset)
        params = {
            "from_time": window["from"],
            "to_time": window["to"],
            "sort_field": SORT_FIELD,
            **PROJECT_FILTER,
            "limit": limit,
            "offset": offset,
            "job_details": "true",
            "user_details": "true",
            "user_country_details": "true",
        }
        page = _page(ctx, f"{base}/projects/0.1/projects/all/", params, name, "projects")
        saved.append(page)
        body = _result(page, "projects")
        projects = body.get("projects", [])
        ids = [p["id"] for p in projects if isinstance(p, dict) and isinstance(p.get("id"), int)]
        saved.extend(_fetch_awards(ctx, base, name, ids, int(info["bids_batch"])))
        offset += len(projects)
        total = body.get("total_count")
        if len(projects) < limit or (isinstance(total, int) and offset >= total):
            state = {"high_water": window["to"], "window": None}
            save_state(ctx.state_dir, state)
            break
        window = {**window, "offset": offset}
        save_state(ctx.state_dir, {"high_water": state.get("high_water"), "window": window})
    return saved


def _fetch_awards(
    ctx: FetchContext, base: str, page_name: str, ids: list[int], batch: int
) -> list[Path]:
    """The awarded bids of ``ids``, batch by batch; ``bids_<window>_<offset>_<batch>_<n>``."""
    saved = []
    stem = page_name.removesuffix(".json").replace("projects_", "bids_", 1)
    for number, start in enumerate(range(0, len(ids), batch)):
        chunk = ids[start : start + batch]
        for page in range(MAX_BID_PAGES):
            offset = page * BIDS_PAGE
            params = {
                "projects[]": [str(i) for i in chunk],
                "award_statuses[]": ["awarded"],
                # The bids call has no job_details: occupations come from the projects page.
                "project_details": "true",
                "user_details": "true",
                "user_country_details": "true",
                "limit": BIDS_PAGE,
                "offset": offset,
            }
            name = f"{stem}_{number:02d}_{offset:05d}.json"
            path = _page(ctx, f"{base}/projects/0.1/bids/", params, name, "bids")
            saved.append(path)
            if len(_result(path, "bids").get("bids", [])) < BIDS_PAGE:
                break
    return saved
