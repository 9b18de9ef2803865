"""PoliteSession against a scripted HTTP server on 127.0.0.1; waits go to a fake clock."""

from __future__ import annotations

import email.utils
import json
import logging
import random
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline import __version__
from pipeline import http as H

JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
AUTO = -1  # content_length: send the true length


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    content_length: int | None = AUTO  # an int lies, None omits the header
    delay: float = 0.0


class Server:
    """Answers each path with its script of replies; the last reply repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append((self.path, dict(self.headers)))
                script = server.routes.get(self.path.split("?")[0])
                if script is None:
                    reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
                else:
                    reply = script.pop(0) if len(script) > 1 else script[0]
                if reply.delay:
                    server.release.wait(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.content_length == AUTO:
                        self.send_header("Content-Length", str(len(reply.body)))
                    elif reply.content_length is not None:
                        self.send_header("Content-Length", str(reply.content_length))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (timeout tests)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.base + path

    def paths(self) -> list[str]:
        return [path.split("?")[0] for path, _ in self.hits]


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    yield srv
    srv.release.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()
    srv.thread.join(timeout=5)


server2 = server  # a second, independent host for redirect tests


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert 0 <= seconds <= 3600, seconds
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def session(clock: FakeClock, **kwargs: object) -> H.PoliteSession:
    return H.PoliteSession(clock=clock, sleep=clock.sleep, jitter=False, **kwargs)  # type: ignore[arg-type]


def waits(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "pipeline.http"]


# -- identity ------------------------------------------------------------------------------


def test_user_agent_names_project_and_contact(monkeypatch, server, clock):
    monkeypatch.delenv("ATLAS_CONTACT", raising=False)
    assert H.user_agent() == (
        f"MicroworkAtlas/{__version__} (+https://github.com/microwork-atlas/microwork-atlas)"
    )
    monkeypatch.setenv("ATLAS_CONTACT", "data@example.org\r\nX-Evil: 1")
    ua = H.user_agent()
    assert "contact: data@example.orgX-Evil: 1" in ua and "\n" not in ua
    url = server.route("/ok", Reply())
    with session(clock) as s:
        s.get(url)
    assert {h["User-Agent"] for _, h in server.hits} == {ua}


# -- retries and backoff -------------------------------------------------------------------


def test_429_honours_retry_after_seconds(server, clock, caplog):
    caplog.set_level(logging.INFO, logger="pipeline.http")
    url = server.route(
        "/limited", Reply(429, b"slow down", {"Retry-After": "2"}), Reply(200, b'{"n": 1}')
    )
    result = session(clock).get(url)
    assert result.status == 200 and result.body == b'{"n": 1}'
    # 1.0: one request per second after robots.txt; 2.0: what the server asked for.
    assert clock.sleeps == [1.0, 2.0]
    assert server.paths() == ["/robots.txt", "/limited", "/limited"]
    assert any("waiting 2.00s before retry 1/5" in m for m in waits(caplog))
    assert result.retrieved_at == datetime.fromtimestamp(clock.now, UTC)


def test_429_honours_retry_after_http_date(server, clock):
    when = email.utils.formatdate(clock.now + 10, usegmt=True)
    url = server.route("/limited", Reply(429, b"", {"Retry-After": when}), Reply())
    assert session(clock).get(url).status == 200
    assert clock.sleeps == [1.0, 9.0]  # the date is 10 s after start; 1 s already went by


def test_5xx_backs_off_exponentially(server, clock, caplog):
    caplog.set_level(logging.INFO, logger="pipeline.http")
    url = server.route("/flaky", Reply(500, b"oops"), Reply(502, b"oops"), Reply(200, b"{}"))
    result = session(clock).get(url)
    assert result.status == 200 and result.body == b"{}"
    assert clock.sleeps == [1.0, 1.0, 2.0]
    messages = waits(caplog)
    assert any("waiting 1.00s before retry 1/5" in m and "HTTP 500" in m for m in messages)
    assert any("waiting 2.00s before retry 2/5" in m and "HTTP 502" in m for m in messages)


def test_backoff_sequence_is_capped_and_bounded(server, clock):
    url = server.route("/down", Reply(503, b"down"))
    with pytest.raises(H.RetriesExhausted) as info:
        session(clock).get(url)
    assert info.value.status == 503
    assert server.paths().count("/down") == 6  # first attempt + max_retries=5
    assert clock.sleeps == [1.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    s = session(clock)
    assert [s.backoff_delay(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert s.backoff_delay(0, retry_after=90.0) == 90.0


def test_jitter_stays_between_half_and_full_delay(clock):
    s = H.PoliteSession(clock=clock, sleep=clock.sleep, rng=random.Random(7))
    delays = [s.backoff_delay(3) for _ in range(200)]
    assert all(4.0 <= d <= 8.0 for d in delays) and len(set(delays)) > 1


def test_always_failing_host_is_given_up(server, clock):
    url = server.route("/down", Reply(500, b"down"))
    s = session(clock, max_retries=1, max_failures=2)
    with pytest.raises(H.RetriesExhausted):
        s.get(url)
    with pytest.raises(H.HostGivenUp):
        s.get(url)
    hits = len(server.hits)
    with pytest.raises(H.HostGivenUp):
        s.get(server.route("/other", Reply()))
    assert len(server.hits) == hits  # a given-up host is not asked again
    assert server.paths().count("/down") == 4


def test_success_resets_the_failure_count(server, clock):
    bad = server.route("/down", Reply(500, b"down"))
    good = server.route("/ok", Reply())
    s = session(clock, max_retries=0, max_failures=2)
    for _ in range(3):
        with pytest.raises(H.RetriesExhausted):
            s.get(bad)
        assert s.get(good).status == 200


def test_retry_after_beyond_limit_gives_up_instead_of_sleeping(server, clock):
    url = server.route("/later", Reply(503, b"", {"Retry-After": "3600"}))
    with pytest.raises(H.HostGivenUp):
        session(clock, max_retry_after=600).get(url)
    assert clock.sleeps == [1.0]
    assert server.paths().count("/later") == 1


def test_slow_endpoint_times_out_is_retried_then_raises(server, clock):
    url = server.route("/slow", Reply(delay=3.0))
    with pytest.raises(H.RetriesExhausted) as info:
        session(clock, timeout=(1, 0.5), max_retries=1).get(url)
    assert not isinstance(info.value, H.TruncatedResponse)
    assert "Timeout" in str(info.value)
    assert server.paths().count("/slow") == 2
    assert clock.sleeps == [1.0, 1.0]


def test_connection_refused_is_retried_then_raises(clock):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(H.RetriesExhausted, match="ConnectionError"):
        session(clock, max_retries=2).get(f"http://127.0.0.1:{port}/x")
    assert clock.sleeps == [1.0, 2.0]


def test_other_4xx_are_returned_without_retry(server, clock):
    missing = server.base + "/nothing-here"
    forbidden = server.route("/forbidden", Reply(403, b'{"error": "no"}'))
    s = session(clock)
    result = s.get(missing)
    assert result.status == 404 and not result.ok
    with pytest.raises(H.HTTPStatusError):
        result.raise_for_status()
    assert s.get(forbidden).status == 403  # JSON 403 is an API answer, not a block page
    assert server.paths() == ["/robots.txt", "/nothing-here", "/forbidden"]


# -- robots.txt ------------------------------------------------------------------------------


def test_robots_disallow_is_honoured_without_touching_the_path(server, clock):
    server.route(
        "/robots.txt",
        Reply(body=b"User-agent: *\nDisallow: /private\n", headers={"Content-Type": "text/plain"}),
    )
    public = server.route("/public", Reply())
    s = session(clock)
    with pytest.raises(H.RobotsDisallowed):
        s.get(server.base + "/private/page")
    assert s.get(public).status == 200
    with pytest.raises(H.RobotsDisallowed):
        s.get(server.base + "/private")
    assert "/private" not in "".join(server.paths())
    assert server.paths() == ["/robots.txt", "/public"]  # robots.txt read once


def test_robots_group_for_our_token_applies(server, clock):
    server.route(
        "/robots.txt",
        Reply(body=b"User-agent: *\nAllow: /\n\nUser-agent: MicroworkAtlas\nDisallow: /data\n"),
    )
    with pytest.raises(H.RobotsDisallowed):
        session(clock).get(server.base + "/data/x.json")
    assert server.paths() == ["/robots.txt"]


def test_crawl_delay_raises_the_interval(server, clock):
    server.route("/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 3\n"))
    a, b = server.route("/a", Reply()), server.route("/b", Reply())
    s = session(clock)
    s.get(a)
    s.get(b)
    assert s.interval_for(a) == 3.0
    assert clock.sleeps == [3.0, 3.0]


def test_robots_server_error_blocks_the_fetch(server, clock):
    server.route("/robots.txt", Reply(500, b"broken"))
    server.route("/page", Reply())
    with pytest.raises(H.RetriesExhausted):
        session(clock, max_retries=1).get(server.base + "/page")
    assert "/page" not in server.paths()


def test_redirect_into_disallowed_path_is_refused(server, clock):
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private\n"))
    url = server.route("/go", Reply(302, b"", {"Location": "/private/x"}))
    with pytest.raises(H.RobotsDisallowed):
        session(clock).get(url)
    assert server.paths() == ["/robots.txt", "/go"]


# -- rate limit ------------------------------------------------------------------------------


def test_one_request_per_second_per_host(server, clock, caplog):
    caplog.set_level(logging.INFO, logger="pipeline.http")
    url = server.route("/ok", Reply())
    s = session(clock)
    s.get(url)
    s.get(url)
    clock.now += 0.4  # time spent elsewhere counts towards the interval
    s.get(url)
    assert clock.sleeps == [1.0, 1.0, 0.6]
    assert sum("one request per 1.00s" in m for m in waits(caplog)) == 3


def test_faster_interval_only_for_loopback(clock):
    s = session(clock, min_interval=0.2)
    assert s.interval_for("http://127.0.0.1:9/x") == 0.2
    assert s.interval_for("https://www.freelancer.com/api/projects/0.1/projects/") == 1.0


# -- truncation, size, block pages ------------------------------------------------------------


def test_truncated_body_is_retried_then_raises(server, clock):
    url = server.route("/cut", Reply(body=b"0123456789", content_length=1000))
    with pytest.raises(H.TruncatedResponse):
        session(clock, max_retries=2).get(url)
    assert server.paths().count("/cut") == 3
    assert clock.sleeps == [1.0, 1.0, 2.0]


def test_truncated_then_complete_succeeds(server, clock):
    url = server.route("/cut", Reply(body=b"0123456789", content_length=1000), Reply(body=b"{}"))
    assert session(clock).get(url).body == b"{}"


@pytest.mark.parametrize("declare_length", [True, False])
def test_too_large_body_is_refused(server, clock, declare_length):
    body = b"x" * 5000
    url = server.route("/big", Reply(body=body, content_length=AUTO if declare_length else None))
    with pytest.raises(H.ResponseTooLarge):
        session(clock, max_bytes=1000).get(url)
    assert server.paths().count("/big") == 1


CLOUDFLARE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b'<div id="cf-chl-widget"></div><script src="/cdn-cgi/challenge-platform/x.js"></script>'
    b"</body></html>"
)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(503, CLOUDFLARE, {**HTML, "cf-mitigated": "challenge"}),
        Reply(200, b"<html><title>Attention Required! | Cloudflare</title></html>", HTML),
        Reply(403, b"<html><body>Forbidden</body></html>", HTML),
        Reply(200, b"<html><script src='/_Incapsula_Resource?x=1'></script></html>", HTML),
        Reply(429, b"<html>please solve the CAPTCHA</html>", HTML),
    ],
    ids=["cloudflare-503", "attention-required", "403-html", "incapsula", "429-captcha"],
)
def test_block_pages_stop_without_retry(server, clock, reply):
    url = server.route("/page", reply)
    s = session(clock)
    with pytest.raises(H.BlockedError):
        s.get(url)
    assert server.paths().count("/page") == 1
    assert clock.sleeps == [1.0]  # only the rate-limit wait, no backoff
    with pytest.raises(H.HostGivenUp):
        s.get(url)
    assert server.paths().count("/page") == 1


def test_content_mentioning_captcha_is_not_a_block(server, clock):
    task = b'{"title": "Solve captcha images", "note": "Access denied errors"}'
    url = server.route("/task", Reply(body=task))
    assert session(clock).get(url).body == task
    big_page = b"<html>" + b"<p>captcha tasks</p>" * 10_000 + b"</html>"
    assert H.block_reason(200, HTML, big_page) is None


# -- secrets ---------------------------------------------------------------------------------


def test_secrets_never_leave_the_request(monkeypatch, server, clock, caplog):
    caplog.set_level(logging.DEBUG)  # also catches urllib3's request lines
    token, key = "tok-SECRET-4411", "param-SECRET-9922"
    monkeypatch.setenv("ATLAS_TEST_TOKEN", token)
    url = server.route("/data", Reply(500, b"oops"), Reply(body=b'{"rows": []}'))
    fail = server.route("/fail", Reply(500, b"oops"))
    s = session(
        clock, env_headers={"Freelancer-OAuth-V1": "ATLAS_TEST_TOKEN"}, secret_params=["api_key"]
    )
    result = s.get(url, params={"api_key": key, "limit": 5, "ids[]": [1, 2]})
    with pytest.raises(H.RetriesExhausted) as info:
        s.get(fail + f"?api_key={key}")

    # The secrets did reach the server...
    path, headers = server.hits[-3]
    assert headers["Freelancer-OAuth-V1"] == token and key in path
    # ...and nowhere else.
    assert result.params == {"api_key": "***", "limit": "5", "ids[]": ["1", "2"]}
    assert "api_key=***" in result.url
    exposed = [
        repr(result),
        result.url,
        json.dumps(result.params),
        json.dumps(result.headers),
        str(info.value),
        caplog.text,
    ]
    for text in exposed:
        assert token not in text and key not in text
    assert "api_key=***" in caplog.text  # urllib3's request line was logged, scrubbed


def test_secret_headers_are_not_sent_to_another_host(monkeypatch, server, server2, clock):
    monkeypatch.setenv("ATLAS_TEST_TOKEN", "tok-SECRET-7733")
    target = server2.route("/land", Reply(body=b'{"landed": 1}'))
    url = server.route("/go", Reply(302, b"", {"Location": target}))
    s = session(clock, env_headers={"Freelancer-OAuth-V1": "ATLAS_TEST_TOKEN"})
    result = s.get(url)
    assert result.body == b'{"landed": 1}' and result.url == target
    assert server.hits[-1][1]["Freelancer-OAuth-V1"] == "tok-SECRET-7733"
    assert all("Freelancer-OAuth-V1" not in h for _, h in server2.hits)
    assert server2.paths() == ["/robots.txt", "/land"]


def test_headers_from_env_skips_unset_and_empty(monkeypatch):
    monkeypatch.setenv("ATLAS_A", " value-a\n")
    monkeypatch.setenv("ATLAS_B", "")
    monkeypatch.delenv("ATLAS_C", raising=False)
    assert H.headers_from_env({"X-A": "ATLAS_A", "X-B": "ATLAS_B", "X-C": "ATLAS_C"}) == {
        "X-A": "value-a"
    }


def test_redaction_helpers(clock):
    s = session(clock, secret_params=["Session_Id"])
    plain = "https://x.org/api/?projects%5B%5D=1&limit=10"
    assert s.redacted_url(plain) == plain  # untouched, byte for byte
    assert s.redacted_url("https://u:pw@x.org/a?session_id=abc&q=1") == (
        "https://u:***@x.org/a?session_id=***&q=1"
    )
    assert s.redacted_params({"TOKEN": "t", "q": "1", "skip": None}) == {"TOKEN": "***", "q": "1"}
    assert s.redacted_headers({"Authorization": "Bearer x", "Accept": "*/*"}) == {
        "Authorization": "***",
        "Accept": "*/*",
    }


def test_parse_retry_after():
    now = 1_700_000_000.0
    assert H.parse_retry_after("2", now) == 2.0
    assert H.parse_retry_after(None, now) is None
    assert H.parse_retry_after("-1", now) is None
    assert H.parse_retry_after("soon", now) is None
    assert H.parse_retry_after(email.utils.formatdate(now - 50, usegmt=True), now) == 0.0
    assert H.parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30.0


def test_kept_headers_are_selected():
    kept = H.kept_headers(
        {"Content-Type": "application/json", "X-RateLimit-Remaining": "9", "Set-Cookie": "s=1"}
    )
    assert kept == {"content-type": "application/json", "x-ratelimit-remaining": "9"}
