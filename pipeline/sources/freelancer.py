"""Freelancer.com REST API 0.1: posted projects (buyer country) and awarded bids (both sides).

Fetch walks ``/projects/0.1/projects/all/`` over a fixed time window of settled projects
(posted at least ``settle_days`` ago), page by page with ``limit``/``offset``, and for every page
asks ``/projects/0.1/bids/`` for the awarded bids of its projects (``project_details`` and
``user_details`` on, so one bids page carries the project, its owner and the bidder). Every
response is saved raw before anything else; the state file (``data/state/freelancer.json``)
moves on only after a page and its bids are saved, so an interrupted or capped run resumes
where it stopped, and windows never overlap, so no project is fetched twice.

Parse turns a projects page into one ``project:<id>`` row per project (buyer only) and a bids
page into one ``award:<bid id>`` row per awarded bid (buyer and seller on one row); flows count
only rows with both sides, so a project and its award are never counted twice. Which page is
which is read from the JSON (and, for an empty page, from its file name). The API strips empty
values (``compact``): a missing key is empty, ``result: {}`` is an empty page. ``users`` and
``projects`` are read keyed by id or as lists. An award's owner is its project's ``owner_id``,
else the bid's ``project_owner_id``; its occupation is its project's job category, else
(``sql/core/core__tasks.sql``) the category of the same project in the projects pages of the same
fetch window. One malformed record rejects that record only, naming its index and JSON path. A
Freelancer category missing from ``freelancer_occupations.csv`` rejects the record, naming the
category: add a line and rebuild, the raw page is kept. Times must lie between 2000-01-01 and a
year from today; amounts between 0 and 10^9.

Why one module of this length: one module per source is the contract, and Freelancer's fetch
(windows, resumable state, rate limits) and its JSON parse are both larger than the others'.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.raw.store import RawStore
from pipeline.raw.versions import RawFile
from pipeline.reference.countries import UnknownCountryError
from pipeline.sources import storing
from pipeline.sources.contract import ParseContext, Parsed, SourceContext, SourceError
from pipeline.util.records import OCCUPATIONS, Reject

SOURCE_ID = "freelancer"
HERE = Path(__file__).parent
OCCUPATIONS_PATH = HERE / "freelancer_occupations.csv"
OPTION_KEYS = frozenset({"base_url", "page_size", "bids_batch", "settle_days", "initial_days"})
STATE_FILE = "freelancer.json"
TOKEN_ENV = "FREELANCER_TOKEN"
DEFAULT_MAX_PAGES = 20
MAX_RECORDS = 10_000
MAX_FIELD_CHARS = 200
MAX_AMOUNT = 1e9
EARLIEST = dt.date(2000, 1, 1)
SESSION_OPTIONS: Mapping[str, Any] = {"env_headers": {"Freelancer-OAuth-V1": TOKEN_ENV}}
STAGED: Mapping[str, pa.Schema] = {
    "freelancer_tasks": pa.schema(
        [
            ("file_name", pa.string()),
            ("raw_day", pa.string()),
            ("record", pa.int64()),
            ("task_id", pa.string()),
            ("kind", pa.string()),
            ("project_id", pa.int64()),
            ("fetch_window", pa.string()),
            ("task_date", pa.date32()),
            ("year", pa.int64()),
            ("buyer_country_code", pa.string()),
            ("seller_country_code", pa.string()),
            ("occupation", pa.string()),
            ("price_usd", pa.float64()),
            ("platform", pa.string()),
            ("location", pa.string()),
        ]
    )
}
_WINDOW = re.compile(r"^(?:projects|bids)_(\d+)_(\d+)_")


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


def parse(raw: RawFile, ctx: ParseContext) -> Parsed:
    """One saved API response (a projects page or a bids page) -> task rows and rejects."""
    try:
        if raw.path.stat().st_size > ctx.meta.max_bytes:
            raise ValueError(f"larger than {ctx.meta.max_bytes} bytes")
        document = json.loads(raw.read_bytes())
    except RecursionError:
        return Parsed.unreadable(SOURCE_ID, raw.name, "JSON nested too deeply to be read")
    except (ValueError, OSError) as err:
        return Parsed.unreadable(SOURCE_ID, raw.name, f"not a Freelancer API page: {err}")
    if not isinstance(document, dict) or document.get("status") != "success":
        status = document.get("status") if isinstance(document, dict) else None
        reason = f"not a successful Freelancer API answer (status {str(status)[:40]!r})"
        return Parsed.unreadable(SOURCE_ID, raw.name, reason)
    body = document.get("result")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        return Parsed.unreadable(SOURCE_ID, raw.name, "result is not an object")
    try:
        page = _Page(raw, ctx, body)
        if "bids" in body or raw.name.startswith("bids_"):
            page.records("bids", page.award)
        elif "projects" in body:
            page.records("projects", page.project)
    except _PageError as err:
        return Parsed.unreadable(SOURCE_ID, raw.name, str(err))
    return page.result()


class _PageError(ValueError):
    pass


class _Record:
    """Collects the problems of one project or bid, each naming its JSON path and value."""

    def __init__(self, where: str, path: str) -> None:
        self.where = where
        self.path = path
        self.rejects: list[Reject] = []

    def bad(self, path: str, value: Any, reason: str) -> None:
        text = None if value is None else str(value)[:MAX_FIELD_CHARS]
        self.rejects.append(Reject(SOURCE_ID, self.where, path, text, reason))


def _keyed(value: Any, what: str) -> dict[str, Any]:
    """``users``/``projects`` keyed by id, whether the API sent an object or a list."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(v.get("id")): v for v in value if isinstance(v, dict)}
    raise _PageError(f"{what} is neither an object nor a list")


@dataclass
class _Page:
    raw: RawFile
    ctx: ParseContext
    body: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    parsed: Parsed = field(default_factory=Parsed)

    def __post_init__(self) -> None:
        self.users = _keyed(self.body.get("users"), "users")
        self.projects = _keyed(self.body.get("projects"), "projects")
        match = _WINDOW.match(self.raw.name)
        self.window = f"{match[1]}_{match[2]}" if match else ""
        self.platform = self.ctx.meta.platform_for()
        self.latest = self.ctx.today + dt.timedelta(days=365)

    def records(self, key: str, build: Any) -> None:
        items = self.body.get(key)
        if items is None:
            items = []
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, list):
            raise _PageError(f"{key} is not a list")
        if len(items) > MAX_RECORDS:
            raise _PageError(f"{len(items)} records in one page (at most {MAX_RECORDS})")
        for position, item in enumerate(items):
            self.parsed.records_in += 1
            record = _Record(f"{self.raw.name}:{key}[{position}]", f"{key}[{position}]")
            try:
                row = build(record, item)
            except (TypeError, AttributeError, KeyError, IndexError, ValueError) as err:
                record.bad(record.path, None, f"malformed record: {type(err).__name__}: {err}")
                row = None
            if record.rejects or row is None:
                self.parsed.rejects.extend(record.rejects)
                self.parsed.records_rejected += 1
            else:
                self.rows.append({**row, "record": position, "location": record.where})
                self.parsed.records_ok += 1

    def result(self) -> Parsed:
        schema = STAGED["freelancer_tasks"]
        common = {"file_name": self.raw.name, "raw_day": self.raw.day, "platform": self.platform}
        rows = [{**common, **row, "fetch_window": self.window} for row in self.rows]
        self.parsed.tables["freelancer_tasks"] = pa.Table.from_pylist(rows, schema=schema)
        return self.parsed

    # -- records

    def project(self, record: _Record, project: Any) -> dict[str, Any] | None:
        project_id = _id(record, f"{record.path}.id", project)
        if project_id is None:
            return None
        buyer = self.user_country(record, project.get("owner_id"), "owner")
        occupation = self.occupation(record, project, required=True, path=f"{record.path}.jobs")
        day = self.date(record, f"{record.path}.time_submitted", project.get("time_submitted"))
        price = self.budget_usd(record, project)
        if record.rejects or day is None:
            return None
        return {
            "task_id": f"project:{project_id}",
            "kind": "project",
            "project_id": project_id,
            "task_date": day,
            "year": day.year,
            "buyer_country_code": buyer,
            "seller_country_code": None,
            "occupation": occupation,
            "price_usd": price,
        }

    def award(self, record: _Record, bid: Any) -> dict[str, Any] | None:
        bid_id = _id(record, f"{record.path}.id", bid)
        if bid_id is None:
            return None
        if bid.get("award_status") != "awarded":
            record.bad(f"{record.path}.award_status", bid.get("award_status"), "not an awarded bid")
            return None
        project_id = bid.get("project_id")
        if not _is_id(project_id):
            record.bad(f"{record.path}.project_id", project_id, "not a project id")
            return None
        project = self.projects.get(str(project_id))
        if project is not None and not isinstance(project, dict):
            record.bad(f"projects[{project_id}]", None, "the project is not an object")
            return None
        project = project or {}
        owner = project.get("owner_id", bid.get("project_owner_id"))
        buyer = self.user_country(record, owner, "owner")
        seller = self.user_country(record, bid.get("bidder_id"), "bidder")
        occupation = self.occupation(record, project, required=False) if project else None
        when = bid.get("time_awarded") or bid.get("time_submitted")
        day = self.date(record, f"{record.path}.time_awarded", when)
        price = self.usd(
            record, f"{record.path}.amount", bid.get("amount"), project.get("currency")
        )
        if record.rejects or day is None:
            return None
        return {
            "task_id": f"award:{bid_id}",
            "kind": "award",
            "project_id": project_id,
            "task_date": day,
            "year": day.year,
            "buyer_country_code": buyer,
            "seller_country_code": seller,
            "occupation": occupation,
            "price_usd": price,
        }

    # -- fields

    def user_country(self, record: _Record, user_id: Any, role: str) -> str | None:
        user = self.users.get(str(user_id)) if _is_id(user_id) else None
        if not isinstance(user, dict):
            record.bad(f"{role}_id", user_id, f"the {role} is not among this page's users")
            return None
        path = f"users[{user_id}].location.country"
        location = user.get("location") or {}
        country = location.get("country") if isinstance(location, dict) else None
        country = country or {}
        if not isinstance(country, dict):
            record.bad(path, None, "not an object")
            return None
        code = str(country.get("code") or "").strip()
        name = str(country.get("name") or "").strip()
        value = code or name
        if not value:
            record.bad(path, None, f"the {role} has no country on the profile")
            return None
        try:
            # Codes first (lower-case alpha-2, sometimes "uk"); the name only when no code is given.
            return self.ctx.countries.resolve(value[:MAX_FIELD_CHARS])
        except UnknownCountryError as err:
            record.bad(path, value, f"unknown country: {err}")
            return None

    def occupation(
        self, record: _Record, project: dict[str, Any], required: bool, path: str | None = None
    ) -> str | None:
        """``path`` is the JSON path of the record's own ``jobs``; without it, the project is
        the one the page's ``projects`` object holds under its id (an award's project)."""
        jobs = project.get("jobs")
        path = path or f"projects[{project.get('id')}].jobs"
        if jobs is None:
            jobs = []
        if not isinstance(jobs, list):
            record.bad(path, type(jobs).__name__, "jobs is not a list")
            return None
        first = jobs[0] if jobs else {}
        category = first.get("category") if isinstance(first, dict) else None
        name = category.get("name") if isinstance(category, dict) else None
        if not isinstance(name, str) or not name.strip():
            if required:
                record.bad(f"{path}[0].category.name", None, "no job category")
            return None
        occupation = occupation_table().get(_key(name))
        if occupation is None:
            record.bad(
                f"{path}[0].category.name",
                name,
                "unmapped category: add it to freelancer_occupations.csv",
            )
        return occupation

    def date(self, record: _Record, path: str, value: Any) -> dt.date | None:
        if _is_number(value) and 0 < value < 2**33:
            day = dt.datetime.fromtimestamp(value, dt.UTC).date()
            if EARLIEST <= day <= self.latest:
                return day
        record.bad(path, value, f"not a unix time between {EARLIEST} and a year from today")
        return None

    def usd(self, record: _Record, path: str, amount: Any, currency: Any) -> float | None:
        """An amount in US dollars; None when the amount or the exchange rate is missing."""
        if amount is None:
            return None
        if not _is_number(amount) or not 0 <= amount <= MAX_AMOUNT:
            record.bad(path, amount, f"not an amount between 0 and {MAX_AMOUNT:g}")
            return None
        currency = currency if isinstance(currency, dict) else {}
        rate = currency.get("exchange_rate")
        if rate is None and currency.get("code") == "USD":
            rate = 1
        if not _is_number(rate) or not 0 < rate <= MAX_AMOUNT:
            return None
        return round(float(amount) * float(rate), 2)

    def budget_usd(self, record: _Record, project: dict[str, Any]) -> float | None:
        budget = project.get("budget") or {}
        if not isinstance(budget, dict):
            return None
        numbers: list[float] = []
        for key in ("minimum", "maximum"):
            value = budget.get(key)
            if value is None:
                continue
            if not _is_number(value):
                record.bad(f"{record.path}.budget", value, "not a number")
                return None
            numbers.append(float(value))
        if not numbers:
            return None
        average = sum(numbers) / len(numbers)
        return self.usd(record, f"{record.path}.budget", average, project.get("currency"))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _id(record: _Record, path: str, item: Any) -> int | None:
    if not isinstance(item, dict):
        record.bad(record.path, type(item).__name__, "not an object")
        return None
    value = item.get("id")
    if not isinstance(value, int) or not _is_id(value):
        record.bad(path, value, "no id")
        return None
    return value


# -- import -------------------------------------------------------------------------------


def import_files(path: Path, ctx: SourceContext) -> list[Path]:
    """Saved API responses (``.json``), e.g. from another machine, copied unchanged."""
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    files = sorted(p for p in path.glob("*.json") if not p.is_dir()) if path.is_dir() else [path]
    files = [p for p in files if p.suffix.lower() == ".json" and p.name != "manifest.json"]
    if not files:
        raise SourceError(f"no Freelancer API responses (*.json) in {path}")
    return storing.save_files(ctx.store, files, ctx.meta.licence)


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
    start_over = (
        "it only records how far the last fetch got: move it away (or delete it) and the next "
        f"fetch starts again {DEFAULT_START}; pages stored already are kept, and a project "
        "fetched twice is counted once"
    )
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise SourceError(f"{path} is damaged ({str(err)[:120]}); {start_over}") from None
    window = state.get("window") if isinstance(state, dict) else None
    if (
        not isinstance(state, dict)
        or "high_water" not in state
        or not (state["high_water"] is None or _is_time(state["high_water"]))
        or not (
            window is None
            or (isinstance(window, dict) and all(_is_time(window.get(k)) for k in _WINDOW_KEYS))
        )
    ):
        raise SourceError(f"{path} is not a Freelancer state file; {start_over}")
    return state


_WINDOW_KEYS = ("from", "to", "offset")
DEFAULT_START = "from the default window (initial_days before the settled edge)"


def _is_time(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def save_state(state_dir: Path, state: dict[str, Any]) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temp.replace(path)


def _page_name(window: dict[str, int], offset: int) -> str:
    return f"projects_{window['from']}_{window['to']}_{offset:07d}.json"


def _stored(store: RawStore, name: str) -> Path | None:
    for path in store.loaded_files():
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


def _page(ctx: SourceContext, url: str, params: dict[str, Any], name: str, kind: str) -> Path:
    """A page stored under ``name`` earlier, or fetched and stored only once it is valid."""
    stored = _stored(ctx.store, name)
    if stored is not None:
        return stored

    def check(temp: Path) -> None:
        _result(temp, kind)

    return ctx.save(
        url,
        name,
        params=params,
        expect="json",
        check=check,
    )


def fetch(ctx: SourceContext, now: float | None = None) -> list[Path]:
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
    ctx: SourceContext, base: str, page_name: str, ids: list[int], batch: int
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


def source_note(staged: Sequence[Any]) -> str | None:
    """Nothing to add to this source's ``core__sources.notes``."""
    return None


def import_order(raw: RawFile) -> tuple[str, int] | None:
    """Staged rows do not depend on where a file sits in the raw store."""
    return None


def check_content(path: Path, name: str, max_bytes: int) -> str:
    """Nothing to check: a page's name is the URL asked for, and its content is read as the
    answer to it."""
    return ""
