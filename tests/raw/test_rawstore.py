"""RawStore: bytes kept exactly, nothing overwritten, manifests deterministic and secret-free."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.collect.http import FetchResult, PoliteSession
from pipeline.raw.intake import IntakeError
from pipeline.raw.manifest import load_manifest
from pipeline.raw.names import MANIFEST, name_for_url, safe_name
from pipeline.raw.store import RawStore
from pipeline.sources import open_store

DAY = date(2026, 3, 14)
BODY = b'{"result": {"projects": [{"id": 1, "owner_id": 7}]}}\r\n\x00\xff'


def result(body: bytes = BODY, url: str = "https://x.org/api/projects/0.1/projects/?limit=2"):
    return FetchResult(
        url=url,
        params={"limit": "2"},
        status=200,
        headers={"content-type": "application/json", "etag": '"abc"'},
        body=body,
        retrieved_at=datetime(2026, 3, 14, 10, 30, 5, tzinfo=UTC),
        elapsed=0.12,
    )


@pytest.fixture
def store(tmp_path: Path) -> RawStore:
    return open_store("freelancer", root=tmp_path, day=DAY)


def test_response_saved_unchanged_with_manifest(store, tmp_path):
    path = store.save_response(result(), licence="Freelancer API terms")
    assert path.parent == tmp_path / "freelancer" / "2026-03-14"
    assert path.read_bytes() == BODY
    assert path.name.startswith("api_projects_0.1_projects-") and path.suffix == ".json"
    [entry] = load_manifest(path.parent)
    assert entry == {
        "name": path.name,
        "url": "https://x.org/api/projects/0.1/projects/?limit=2",
        "params": {"limit": "2"},
        "status": 200,
        "retrieved_at": "2026-03-14T10:30:05+00:00",
        "headers": {"content-type": "application/json", "etag": '"abc"'},
        "sha256": hashlib.sha256(BODY).hexdigest(),
        "size": len(BODY),
        "licence": "Freelancer API terms",
        "origin": "fetched",
        "original_path": None,
        "given_name": path.name,
        "seq": 1,
    }


def test_same_content_is_not_duplicated(store):
    first = store.save_response(result(), name="page.json")
    again = store.save_response(result(), name="page.json")
    assert again == first
    assert len(load_manifest(store.folder)) == 1
    assert sorted(p.name for p in store.folder.iterdir()) == ["manifest.json", "page.json"]


def test_different_content_never_overwrites(store):
    first = store.save_response(result(b"one"), name="page.json")
    second = store.save_response(result(b"two"), name="page.json")
    third = store.save_response(result(b"three"), name="page.json")
    again = store.save_response(result(b"two"), name="page.json")
    assert [p.name for p in (first, second, third)] == ["page.json", "page.1.json", "page.2.json"]
    assert again == second
    assert [first.read_bytes(), second.read_bytes(), third.read_bytes()] == [
        b"one",
        b"two",
        b"three",
    ]
    names = [e["name"] for e in load_manifest(store.folder)]
    assert names == ["page.1.json", "page.2.json", "page.json"]  # sorted by name


def test_distinct_urls_get_distinct_names(store):
    a = store.save_response(result(b"0", url="https://x.org/api/projects/?offset=0"))
    b = store.save_response(result(b"1", url="https://x.org/api/projects/?offset=100"))
    assert a != b and a.stem.startswith("api_projects-") and b.stem.startswith("api_projects-")


def test_user_file_copied_byte_for_byte(store, tmp_path):
    original = tmp_path / "downloads" / "Project network (v2).csv"
    original.parent.mkdir()
    data = b"employer_country,worker_country\nUSA,IND\n" * 1000
    original.write_bytes(data)
    copy = store.save_file(original, licence="CC BY 4.0")
    assert copy.name == "Project_network_v2.csv"
    assert copy.read_bytes() == data and original.read_bytes() == data
    [entry] = load_manifest(store.folder)
    assert entry["origin"] == "user_file"
    assert entry["original_path"] == str(original.resolve())
    assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
    assert entry["url"] is None and entry["licence"] == "CC BY 4.0"
    with pytest.raises(IntakeError, match="is a folder, not a regular file"):
        store.save_file(tmp_path / "downloads")


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "..\\..\\boot.ini", "/abs/path.json", "..", "manifest.json", "a" * 500],
)
def test_names_cannot_escape_or_clobber(store, name):
    path = store.save_response(result(), name=name)
    assert path.parent == store.folder
    assert path.name != MANIFEST and not path.name.startswith(".")
    assert len(path.name) <= 120 and ".." not in path.name
    assert path.read_bytes() == BODY
    assert safe_name("../../etc/passwd") == "etc_passwd"


def test_name_for_url_uses_type_when_path_has_no_extension():
    name = name_for_url("https://x.org/api/users/0.1/users/", "application/json; charset=utf-8")
    assert name.startswith("api_users_0.1_users-") and name.endswith(".json")
    assert name_for_url("https://f.org/files/123/data.csv").endswith(".csv")
    assert name_for_url("https://f.org/a?x=1") != name_for_url("https://f.org/a?x=2")


def test_manifest_is_deterministic(tmp_path):
    texts = []
    for run in ("a", "b"):
        store = open_store("oli", root=tmp_path / run, day=DAY)
        for body, name in ((b"2", "z.json"), (b"1", "a.json"), (b"3", "m.json")):
            store.save_response(result(body), name=name)
        texts.append((store.folder / MANIFEST).read_text())
    assert texts[0] == texts[1]
    doc = json.loads(texts[0])
    assert doc["source_id"] == "oli" and doc["day"] == "2026-03-14"
    assert [e["name"] for e in doc["entries"]] == ["a.json", "m.json", "z.json"]
    assert texts[0] == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_iter_files_lists_all_days_sorted(tmp_path):
    for day, body in ((date(2026, 3, 15), b"late"), (date(2026, 3, 1), b"early")):
        store = open_store("remotework", root=tmp_path, day=day)
        store.save_response(result(body), name=f"b{day.day}.json")
        store.save_response(result(body + b"!"), name=f"a{day.day}.json")
    (tmp_path / "remotework" / "not-a-day").mkdir()
    (tmp_path / "remotework" / "not-a-day" / "x.json").write_bytes(b"x")
    files = open_store("remotework", tmp_path).loaded_files()
    assert [f"{p.parent.name}/{p.name}" for p in files] == [
        "2026-03-01/a1.json",
        "2026-03-01/b1.json",
        "2026-03-15/a15.json",
        "2026-03-15/b15.json",
    ]
    assert open_store("remotework", tmp_path).loaded_files() == files
    assert open_store("nothing", tmp_path).loaded_files() == []
    with pytest.raises(ValueError):
        open_store("../etc", tmp_path).loaded_files()


def test_no_temp_files_left_behind(store):
    store.save_response(result(b"one"), name="p.json")
    store.save_response(result(b"one"), name="p.json")
    store.save_response(result(b"two"), name="p.json")
    assert not [p for p in store.folder.iterdir() if p.name.startswith(".")]


def test_hand_built_result_with_secret_is_redacted(store):
    leaky = FetchResult(
        url="https://user:pw-SECRET@x.org/api?access_token=tok-SECRET&limit=1",
        params={"access_token": "tok-SECRET", "limit": "1"},
        status=200,
        headers={"content-type": "application/json"},
        body=b"{}",
        retrieved_at=datetime(2026, 3, 14, tzinfo=UTC),
        elapsed=0.0,
    )
    path = store.save_response(leaky)
    text = (store.folder / MANIFEST).read_text()
    assert "SECRET" not in text and "SECRET" not in path.name
    [entry] = load_manifest(store.folder)
    assert entry["params"] == {"access_token": "***", "limit": "1"}


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"projects": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_fetched_then_stored_manifest_holds_no_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_TEST_TOKEN", "tok-SECRET-5150")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        clock = [1_700_000_000.0]
        session = PoliteSession(
            env_headers={"Freelancer-OAuth-V1": "ATLAS_TEST_TOKEN"},
            secret_params=["api_key"],
            clock=lambda: clock[0],
            sleep=lambda s: clock.__setitem__(0, clock[0] + s),
        )
        host, port = httpd.server_address[:2]
        fetched = session.get(
            f"http://{host}:{port}/api/projects", params={"api_key": "key-SECRET-6160"}
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    store = open_store("freelancer", root=tmp_path, day=DAY)
    path = store.save_response(fetched)
    everything = "".join(
        p.name + p.read_text(errors="replace")
        for p in (tmp_path / "freelancer").rglob("*")
        if p.is_file()
    )
    assert path.read_bytes() == b'{"projects": []}'
    assert "SECRET" not in everything
