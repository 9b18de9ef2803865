"""PoliteSession against a scripted HTTP server on 127.0.0.1; waits go to a fake clock.

Every server thread is joined with a timeout, every scripted reply list is finite and every
loop in a test has a fixed count."""

from __future__ import annotations

import email.utils
import json
import socket
from datetime import UTC, datetime

import pytest
from loopback import AUTO, HTML, JSON, Reply, session

from pipeline import __version__
from pipeline.collect import blocks, errors, redact
from pipeline.collect import http as H

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


# -- retries (urllib3 Retry) and waits ---------------------------------------------------------


def test_429_honours_retry_after_seconds(server, clock):
    url = server.route(
        "/limited", Reply(429, b"slow down", {"Retry-After": "2"}), Reply(200, b'{"n": 1}')
    )
    result = session(clock).get(url)
    assert result.status == 200 and result.body == b'{"n": 1}'
    assert clock.sleeps == [2.0]
    assert server.paths() == ["/robots.txt", "/limited", "/limited"]
    assert result.retrieved_at == datetime.fromtimestamp(clock.now, UTC)


def test_429_honours_retry_after_http_date(server, clock, monkeypatch):
    # urllib3 reads the date against the real clock, so the date is set from it.
    import time

    when = email.utils.formatdate(time.time() + 10, usegmt=True)
    url = server.route("/limited", Reply(429, b"", {"Retry-After": when}), Reply())
    assert session(clock).get(url).status == 200
    assert len(clock.sleeps) == 1 and 8.0 <= clock.sleeps[0] <= 10.0


def test_5xx_backs_off_exponentially_and_is_bounded(server, clock):
    url = server.route("/flaky", Reply(500, b"oops"), Reply(502, b"oops"), Reply(200, b"{}"))
    assert session(clock).get(url).body == b"{}"
    assert clock.sleeps == [0.0, 2.0]
    clock.sleeps.clear()
    down = server.route("/down", Reply(503, b"down"))
    with pytest.raises(errors.RetriesExhausted) as info:
        session(clock).get(down)
    assert info.value.status == 503
    assert server.paths().count("/down") == 6  # first attempt + max_retries=5
    assert clock.sleeps == [0.0, 2.0, 4.0, 8.0, 16.0]


def test_a_real_host_is_never_retried_without_a_pause(clock):
    s = H.PoliteSession(clock=clock, sleep=clock.sleep)
    retry = s._http.get_adapter("https://www.freelancer.com/api/").max_retries
    assert retry.floor == 1.0 and retry.max_wait == 600.0
    assert retry.status_forcelist == H.RETRY_STATUSES and retry.respect_retry_after_header
    s.close()


def test_always_failing_host_is_given_up(server, clock):
    url = server.route("/down", Reply(500, b"down"))
    s = session(clock, max_retries=1, max_failures=2)
    with pytest.raises(errors.RetriesExhausted):
        s.get(url)
    with pytest.raises(errors.HostGivenUp):
        s.get(url)
    hits = len(server.hits)
    with pytest.raises(errors.HostGivenUp):
        s.get(server.route("/other", Reply()))
    assert len(server.hits) == hits  # a given-up host is not asked again
    assert server.paths().count("/down") == 4


def test_success_resets_the_failure_count(server, clock):
    bad = server.route("/down", Reply(500, b"down"))
    good = server.route("/ok", Reply())
    s = session(clock, max_retries=0, max_failures=2)
    for _ in range(3):
        with pytest.raises(errors.RetriesExhausted):
            s.get(bad)
        assert s.get(good).status == 200


def test_retry_after_beyond_limit_stops_the_run_instead_of_sleeping(server, clock):
    url = server.route("/later", Reply(503, b"", {"Retry-After": "3600"}))
    s = session(clock, max_wait=600)
    with pytest.raises(errors.RateLimited) as info:
        s.get(url)
    assert info.value.wait == 3600
    assert clock.sleeps == []
    assert server.paths().count("/later") == 1
    with pytest.raises(errors.HostGivenUp):
        s.get(url)
    assert server.paths().count("/later") == 1


FREELANCER_LIMITS = {**JSON, "RateLimit-Limit": "200, 200;window=60, 1000;window=3600"}


def test_ratelimit_headers_spread_the_quota_and_pause_when_it_is_spent(server, clock):
    url = server.route(
        "/api",
        Reply(headers={**FREELANCER_LIMITS, "RateLimit-Remaining": "10", "RateLimit-Reset": "30"}),
        Reply(headers={**FREELANCER_LIMITS, "RateLimit-Remaining": "0", "RateLimit-Reset": "45"}),
        Reply(headers={**FREELANCER_LIMITS, "RateLimit-Remaining": "999"}),
    )
    s = session(clock)
    for _ in range(3):
        assert s.get(url).status == 200
    # 10 requests left for 30 s: one every 3 s; none left: wait for the reset.
    assert clock.sleeps == [3.0, 45.0]
    assert s.get(url).headers["ratelimit-limit"].startswith("200, 200;window=60")


def test_a_spent_quota_with_a_long_reset_stops_cleanly(server, clock):
    url = server.route(
        "/api", Reply(headers={**JSON, "RateLimit-Remaining": "0", "RateLimit-Reset": "3000"})
    )
    s = session(clock, max_wait=600)
    assert s.get(url).status == 200  # this answer is kept; the next request is not made
    with pytest.raises(errors.RateLimited, match="run again later") as info:
        s.get(url)
    assert info.value.wait == 3000
    assert server.paths().count("/api") == 1 and clock.sleeps == []


def test_slow_endpoint_times_out_is_retried_then_raises(server, clock):
    url = server.route("/slow", Reply(delay=3.0))
    with pytest.raises(errors.RetriesExhausted, match=r"ConnectionError|Timeout"):
        session(clock, timeout=(1, 0.3), max_retries=1).get(url)
    assert server.paths().count("/slow") == 2


def test_an_unreachable_host_is_disallowed(clock):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # RFC 9309: robots.txt unreachable means "disallowed", so the page is not even tried.
    with pytest.raises(errors.RobotsDisallowed, match="unreachable"):
        session(clock, max_retries=2).get(f"http://127.0.0.1:{port}/x")


def test_other_4xx_are_returned_without_retry(server, clock):
    missing = server.base + "/nothing-here"
    forbidden = server.route("/forbidden", Reply(403, b'{"error": "no"}'))
    s = session(clock)
    assert s.get(missing).status == 404
    assert s.get(forbidden).status == 403  # JSON 403 is an API answer, not a block page
    assert server.paths() == ["/robots.txt", "/nothing-here", "/forbidden"]


# -- robots.txt (RFC 9309) -----------------------------------------------------------------------


def test_robots_disallow_is_honoured_without_touching_the_path(server, clock):
    server.route(
        "/robots.txt",
        Reply(body=b"User-agent: *\nDisallow: /private\n", headers={"Content-Type": "text/plain"}),
    )
    public = server.route("/public", Reply())
    s = session(clock)
    with pytest.raises(errors.RobotsDisallowed):
        s.get(server.base + "/private/page")
    assert s.get(public).status == 200
    with pytest.raises(errors.RobotsDisallowed):
        s.get(server.base + "/private")
    assert server.paths() == ["/robots.txt", "/public"]  # robots.txt read once


def test_robots_group_for_our_token_applies(server, clock):
    server.route(
        "/robots.txt",
        Reply(body=b"User-agent: *\nAllow: /\n\nUser-agent: MicroworkAtlas\nDisallow: /data\n"),
    )
    with pytest.raises(errors.RobotsDisallowed):
        session(clock).get(server.base + "/data/x.json")
    assert server.paths() == ["/robots.txt"]


def test_crawl_delay_spaces_requests_and_is_capped(server, server2, clock, caplog):
    server.route("/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 3\n"))
    server2.route("/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 86400\n"))
    s = session(clock)
    s.get(server.route("/a", Reply()))
    s.get(server.route("/b", Reply()))
    assert clock.sleeps == [3.0]
    clock.sleeps.clear()
    s.get(server2.route("/a", Reply()))
    s.get(server2.route("/b", Reply()))
    assert clock.sleeps == [H.MAX_CRAWL_DELAY]
    assert "capped at 60s" in caplog.text


@pytest.mark.parametrize(
    "reply",
    [
        Reply(403, b"<html><body>Request blocked</body></html>", HTML),
        Reply(404, b"not found", {"Content-Type": "text/plain"}),
        Reply(401, b"", {}),
    ],
    ids=["403-html", "404", "401"],
)
def test_robots_4xx_means_allowed(server, clock, reply):
    server.route("/robots.txt", reply)
    url = server.route("/data.json", Reply())
    assert session(clock).get(url).status == 200
    assert server.paths() == ["/robots.txt", "/data.json"]


def test_robots_redirected_endlessly_counts_as_unavailable(server, clock):
    server.route("/robots.txt", Reply(302, b"", {"Location": "/robots.txt"}))
    url = server.route("/page", Reply())
    assert session(clock).get(url).status == 200
    assert server.paths().count("/robots.txt") == 6  # the first answer and five redirects


def test_robots_server_error_disallows_the_host(server, clock):
    server.route("/robots.txt", Reply(500, b"broken"))
    server.route("/page", Reply())
    s = session(clock, max_retries=1)
    with pytest.raises(errors.RobotsDisallowed, match="RFC 9309"):
        s.get(server.base + "/page")
    with pytest.raises(errors.HostGivenUp):
        s.get(server.base + "/page")
    assert "/page" not in server.paths()


def test_redirect_into_disallowed_path_is_refused(server, clock):
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private\n"))
    url = server.route("/go", Reply(302, b"", {"Location": "/private/x"}))
    with pytest.raises(errors.RobotsDisallowed):
        session(clock).get(url)
    assert server.paths() == ["/robots.txt", "/go"]


# -- spacing (requests-ratelimiter) ----------------------------------------------------------


def test_requests_to_one_host_are_spaced_by_the_limiter(server, clock):
    import time

    url = server.route("/ok", Reply())
    s = session(clock, min_interval=0.2)
    started = time.monotonic()
    for _ in range(3):
        s.get(url)
    # robots.txt and three pages, at most one per 0.2 s on this loopback host
    assert time.monotonic() - started >= 0.55
    real = s._http.get_adapter("https://api.figshare.com/v2/")
    assert [(r.limit, r.interval) for r in real.limiter.bucket_factory.rates] == [(1, 1000)]
    s.close()


# -- size, truncation, block pages --------------------------------------------------------------


def test_truncated_body_is_an_error(server, clock):
    url = server.route("/cut", Reply(body=b"0123456789", content_length=1000))
    with pytest.raises(errors.TruncatedResponse):
        session(clock, max_retries=2).get(url)


@pytest.mark.parametrize("declare_length", [True, False])
def test_too_large_body_is_refused(server, clock, declare_length):
    url = server.route(
        "/big", Reply(stream=500_000, content_length=AUTO if declare_length else None)
    )
    with pytest.raises(errors.ResponseTooLarge):
        session(clock, max_bytes=100_000).get(url)
    assert server.paths().count("/big") == 1


CLOUDFLARE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b'<div id="cf-chl-widget"></div><script src="/cdn-cgi/challenge-platform/x.js"></script>'
    b"</body></html>"
)
# AWS WAF as figshare's download host serves it to scripts: 202, no body, an action header.
AWS_WAF = Reply(202, b"", {"x-amzn-waf-action": "challenge", "Content-Type": "text/html"})


@pytest.mark.parametrize(
    ("reply", "expect", "reason"),
    [
        (AWS_WAF, None, "AWS WAF challenge"),
        (Reply(202, b"", {}), None, "202 with an empty body"),
        (Reply(503, CLOUDFLARE, {**HTML, "cf-mitigated": "challenge"}), None, "Cloudflare"),
        (Reply(200, b"<html><title>Attention Required!</title></html>", HTML), None, "attention"),
        (Reply(403, b"<html><body>Forbidden</body></html>", HTML), None, "403 with an HTML"),
        (
            Reply(200, b"<html><script src='/_Incapsula_Resource'></script></html>", HTML),
            None,
            "incap",
        ),
        (Reply(200, b"<!DOCTYPE html><html><p>Maintenance</p></html>", {}), "json", "where json"),
        (Reply(200, b"<html><p>We will be back</p></html>", HTML), "csv", "where csv"),
    ],
    ids=[
        "aws-waf",
        "202-empty",
        "cloudflare",
        "attention",
        "403-html",
        "incapsula",
        "html-for-json",
        "html-for-csv",
    ],
)
def test_block_pages_stop_without_retry(server, clock, reply, expect, reason):
    url = server.route("/page", reply)
    s = session(clock)
    with pytest.raises(errors.BlockedError) as info:
        s.get(url, expect=expect)
    assert reason.lower() in str(info.value).lower()
    assert server.paths().count("/page") == 1
    assert clock.sleeps == []  # no backoff
    with pytest.raises(errors.HostGivenUp):
        s.get(url)
    assert server.paths().count("/page") == 1


def test_content_mentioning_captcha_is_not_a_block(server, clock):
    task = b'{"title": "Solve captcha images", "note": "Access denied errors"}'
    url = server.route("/task", Reply(body=task))
    assert session(clock).get(url, expect="json").body == task
    big_page = b"<html>" + b"<p>captcha tasks</p>" * 10_000 + b"</html>"
    assert blocks.block_reason(200, HTML, big_page[: blocks.BLOCK_PAGE_MAX_BYTES]) is None


# -- credentials ---------------------------------------------------------------------------------


def test_token_header_is_sent_but_never_returned(monkeypatch, server, clock):
    token = "tok-SECRET-4411"
    monkeypatch.setenv("ATLAS_TEST_TOKEN", token)
    url = server.route("/data", Reply(body=b'{"rows": []}'))
    s = session(clock, env_headers={"Freelancer-OAuth-V1": "ATLAS_TEST_TOKEN"})
    result = s.get(url, params={"api_key": "key-12345678", "limit": 5, "ids[]": [1, 2]})
    assert server.hits[-1][1]["Freelancer-OAuth-V1"] == token
    assert result.params == {"api_key": "***", "limit": "5", "ids[]": ["1", "2"]}
    assert "api_key=***" in result.url
    assert token not in repr(result) + json.dumps(result.headers)


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


def test_redaction_helpers():
    plain = "https://x.org/api/?projects%5B%5D=1&limit=10"
    assert redact.redact_url(plain) == plain  # untouched, byte for byte
    assert redact.redact_url("https://u:pw@x.org/a?token=abc&q=1") == (
        "https://u:***@x.org/a?token=***&q=1"
    )
    assert redact.redact_params({"TOKEN": "t", "q": "1", "skip": None}) == {
        "TOKEN": "***",
        "q": "1",
    }


def test_kept_headers_are_selected():
    kept = H.kept_headers(
        {
            "Content-Type": "application/json",
            "RateLimit-Remaining": "9",
            "Set-Cookie": "s=1",
            "ETag": '"abc"',
        }
    )
    assert kept == {
        "content-type": "application/json",
        "etag": '"abc"',
        "ratelimit-remaining": "9",
    }


# -- streaming into the raw store -----------------------------------------------------------


def save(s, store, url, name, **options):
    """Stream ``url`` into ``store`` the way a source does, through its context."""
    from pipeline.sources import spec_for
    from pipeline.sources.contract import SourceContext

    ctx = SourceContext(store, spec_for("remotework").meta, None, None, store.root)
    ctx.__dict__["session"] = s  # the session under test, in place of the one made on demand
    return ctx.save(url, name, **options)


def test_a_large_body_is_streamed_to_disk_in_constant_memory(server, clock, tmp_path):
    import hashlib
    import tracemalloc

    from pipeline.raw.manifest import load_manifest
    from pipeline.raw.store import RawStore

    size = 40 * 1024 * 1024
    url = server.route("/big.csv", Reply(stream=size, headers={"Content-Type": "text/csv"}))
    store = RawStore("bigsource", root=tmp_path)
    s = session(clock)
    tracemalloc.start()
    try:
        path = save(s, store, url, "big.csv", expect="csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.stat().st_size == size
    # A few chunks of 64 KiB, whatever the size of the file (40 MiB here).
    assert peak < 2 * 1024 * 1024, peak
    entry = load_manifest(path.parent)[0]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for _ in range(size // 65536 + 1):
            digest.update(handle.read(65536))
    assert entry["sha256"] == digest.hexdigest() and entry["size"] == size
    assert sorted(p.name for p in path.parent.iterdir()) == ["big.csv", "manifest.json"]


def test_an_unchanged_file_is_not_downloaded_twice(server, clock, tmp_path):
    from pipeline.raw.store import RawStore

    first = Reply(body=b"a,b\n1,2\n", headers={"Content-Type": "text/csv", "ETag": '"v1"'})
    not_modified = Reply(304, b"", {"ETag": '"v1"'})
    url = server.route("/data.csv", first, not_modified)
    store = RawStore("cond", root=tmp_path)
    s = session(clock)
    one = save(s, store, url, "data.csv", conditional=True)
    two = save(s, store, url, "data.csv", conditional=True)
    assert one == two and one.read_bytes() == b"a,b\n1,2\n"
    asked = [h for p, h in server.hits if p == "/data.csv"]
    assert "If-None-Match" not in asked[0] and asked[1]["If-None-Match"] == '"v1"'
    assert len(list(store.folder.glob("data*"))) == 1


def test_a_refused_body_leaves_nothing_behind(server, clock, tmp_path):
    from pipeline.raw.store import RawStore

    url = server.route("/page.json", Reply(body=b"not json at all"))
    store = RawStore("refuse", root=tmp_path)

    def check(path):
        json.loads(path.read_bytes())

    with pytest.raises(ValueError):
        save(session(clock), store, url, "page.json", check=check)
    assert list(store.folder.iterdir()) == []


def test_a_non_2xx_answer_is_not_stored(server, clock, tmp_path):
    from pipeline.raw.store import RawStore

    store = RawStore("missing", root=tmp_path)
    with pytest.raises(errors.HTTPStatusError) as info:
        save(session(clock), store, server.base + "/absent.csv", "absent.csv")
    assert info.value.status == 404
    assert not store.folder.exists() or list(store.folder.iterdir()) == []
