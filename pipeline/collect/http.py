"""The one HTTP session every source uses: identifies itself, reads robots.txt, goes slowly.

Sources never call ``requests`` directly. What libraries do is left to them:

* retries with exponential backoff and jitter on 429/5xx and connection errors, Retry-After in
  both its forms: ``urllib3.util.Retry`` on the session's adapters;
* at most one request per second per host: ``requests_ratelimiter.LimiterAdapter``;
* robots.txt parsing: Protego.

What no library does is written here, each part saying why: robots.txt checked on every
redirect hop, credentials dropped on a redirect to another host, a Crawl-delay and the
server's ``RateLimit-*`` headers turned into pauses (or a clean stop when the wait is too long),
a size bound while streaming, block and challenge pages recognised, a host given up after
repeated failures, and conditional requests (ETag / Last-Modified) so an unchanged file is not
downloaded twice. Bodies are streamed to a temporary file in the raw store and hashed while
written (``PoliteSession.save``), so memory does not grow with the size of a file.

Credentials travel in headers, from environment variables, and never in URLs; the values of
credential headers and parameters are replaced by ``***`` in everything this module returns.
A session is meant to be used from one thread.

Why one module of this length: pacing per host, robots.txt and the answer's body checks all act
on one request through the session's private state; split, each part would reach into it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from requests_ratelimiter import LimiterAdapter
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import MaxRetryError
from urllib3.util import Retry

from pipeline import __version__

if TYPE_CHECKING:
    from urllib3 import BaseHTTPResponse
    from urllib3.connection import HTTPConnection
    from urllib3.connectionpool import ConnectionPool


from pipeline.collect.blocks import block_reason, challenge_header
from pipeline.collect.errors import (
    BlockedError,
    DeadlineExceeded,
    FetchResult,
    HostGivenUp,
    HttpError,
    RateLimited,
    ResponseTooLarge,
    RetriesExhausted,
    RobotsDisallowed,
    TruncatedResponse,
)
from pipeline.collect.redact import (
    DEFAULT_SECRET_PARAMS,
    MIN_SECRET_CHARS,
    SECRET_HEADERS,
    BodyRedactor,
    Params,
    redact_params,
    redact_text,
    redact_url,
)

log = logging.getLogger("pipeline.collect.http")

PROJECT_URL = "https://github.com/microwork-atlas/microwork-atlas"
ROBOTS_TOKEN = "MicroworkAtlas"
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
# The longest one answer may take, from its request to its last byte (ATLAS_HTTP_DEADLINE
# sets it). The read timeout only bounds the wait for each next byte: a server sending one byte
# every few seconds would otherwise hold a page for ever.
DEFAULT_DEADLINE = 300.0
DEADLINE_VARIABLE = "ATLAS_HTTP_DEADLINE"
# GitHub serves raw files of up to 100 MB; figshare files need more and say so per source.
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
# Politeness floor for every real host; only loopback test servers may be asked faster.
MIN_INTERVAL_FLOOR = 1.0
# A Crawl-delay above this is read as this: a robots.txt asking for minutes between requests
# would make a run of a few hundred pages last days. Logged when it happens.
MAX_CRAWL_DELAY = 60.0
# RFC 9309 asks parsers to read at least 500 KiB of a robots.txt; more is not read.
ROBOTS_MAX_BYTES = 512 * 1024
CHUNK = 64 * 1024
RETRY_STATUSES = (429, 500, 502, 503, 504)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# Response headers kept for provenance and for the next conditional request; none carries a
# credential.
KEPT_HEADERS = frozenset({"content-type", "etag", "last-modified", "retry-after", "date"})


def user_agent(contact: str | None = None) -> str:
    """The honest User-Agent: project name, version, project URL, and ATLAS_CONTACT if set."""
    if contact is None:
        contact = os.environ.get("ATLAS_CONTACT", "")
    # Keep the header a single well-formed line whatever the variable holds.
    clean = "".join(c for c in contact if c.isprintable() and c not in "();").strip()[:100]
    details = f"+{PROJECT_URL}; contact: {clean}" if clean else f"+{PROJECT_URL}"
    return f"{ROBOTS_TOKEN}/{__version__} ({details})"


def headers_from_env(mapping: Mapping[str, str]) -> dict[str, str]:
    """Header name -> value for each ``{header: ENV_VAR}`` whose variable is set and non-empty.

    Unset variables are skipped rather than fatal: every source must also work without a token.
    """
    headers: dict[str, str] = {}
    for header, variable in mapping.items():
        value = os.environ.get(variable, "").strip()
        if value:
            headers[header] = value
    return headers


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The provenance headers of a response (lower-cased names, sorted)."""
    kept = {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() in KEPT_HEADERS or name.lower().startswith(("ratelimit-", "x-ratelimit-"))
    }
    return dict(sorted(kept.items()))


def _first_number(value: str | None) -> float | None:
    """The leading number of a header such as ``RateLimit-Remaining: 57`` or ``200, 200;w=60``."""
    if not value:
        return None
    head = value.split(",")[0].split(";")[0].strip()
    try:
        number = float(head)
    except ValueError:
        return None
    return number if number >= 0 else None


class _Retry(Retry):
    """urllib3's retry policy with the session's clock and limits.

    urllib3 sleeps Retry-After whatever its length, and the first retry it makes without any
    wait; here a wait is never shorter than the host's interval, and a Retry-After longer
    than ``max_wait`` stops the run (``RateLimited``) rather than blocking it for an hour.
    """

    pause: Callable[[float], None] = staticmethod(time.sleep)
    floor: float = MIN_INTERVAL_FLOOR
    max_wait: float = 600.0

    def new(self, **kw: Any) -> _Retry:
        retry = super().new(**kw)
        retry.pause, retry.floor, retry.max_wait = self.pause, self.floor, self.max_wait
        return retry

    def increment(self, *args: Any, **kwargs: Any) -> _Retry:
        response = kwargs.get("response")
        if response is not None:
            headers = {k.lower(): v for k, v in response.headers.items()}
            if challenge_header(headers):
                # A challenge answered with 503/429 is not retried: retrying only digs deeper.
                # urllib3 then hands this answer back, and block detection names it.
                pool = cast("ConnectionPool", kwargs.get("_pool"))
                raise MaxRetryError(pool, kwargs.get("url") or "", None)
        return super().increment(*args, **kwargs)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        after = self.get_retry_after(response) if response is not None else None
        if after is not None and after > self.max_wait:
            raise RateLimited(f"the server asks to wait {after:.0f}s; run again later", after)
        wait = max(self.floor, self.get_backoff_time(), after or 0.0)
        status = response.status if response is not None else "no answer"
        log.info("waiting %.2fs before retrying (%s)", wait, status)
        self.pause(wait)


class _Expired(Exception):
    """Raised inside urllib3 when an answer's deadline has passed, so that it is not retried;
    the session turns it into DeadlineExceeded naming the URL."""


class _Deadline:
    """The time one answer may take, over all of it: a watchdog thread shuts the connection's
    socket down when the time is up, which ends a read blocked on a slow server at once (a read
    timeout would wait for each next byte). Each attempt (a retry, a redirect hop) gets the
    full time; waits between retries are not counted."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._active = False
        self._timer: threading.Timer | None = None
        self._conn: HTTPConnection | None = None

    def begin(self) -> None:
        self.stop()
        self.expired, self._active = False, True

    def watch(self, conn: HTTPConnection) -> None:
        """A connection an attempt of the current answer uses: the time starts now."""
        if not self._active:
            return
        if self.expired:
            raise _Expired
        self._cancel()
        self._conn = conn
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def pause(self) -> None:
        """Between two attempts: the wait is the politeness of the session, not the server's."""
        if self.expired:
            raise _Expired
        self._cancel()

    def stop(self) -> None:
        self._cancel()
        self._active, self._conn = False, None

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(self._conn, "sock", None)
        if sock is not None:
            # OSError: closed already, the answer ended as the time ran out
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _watch_connections(adapter: HTTPAdapter, deadline: _Deadline) -> None:
    """Tell ``deadline`` which connection each attempt of a request takes from the adapter's
    pools (neither requests nor urllib3 hands it out before the answer's headers arrive)."""

    def watched(base: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
        class Watched(base):  # type: ignore[valid-type,misc]
            def _get_conn(self, timeout: float | None = None) -> Any:
                conn = super()._get_conn(timeout)
                try:
                    deadline.watch(conn)
                except _Expired:
                    self._put_conn(conn)
                    raise
                return conn

        return Watched

    manager = adapter.poolmanager
    manager.pool_classes_by_scheme = {
        scheme: watched(base) for scheme, base in manager.pool_classes_by_scheme.items()
    }


def deadline_from_env() -> float:
    """``ATLAS_HTTP_DEADLINE`` in seconds, else the default; HttpError naming a bad value."""
    text = os.environ.get(DEADLINE_VARIABLE, "").strip()
    if not text:
        return DEFAULT_DEADLINE
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise HttpError(
            f"{DEADLINE_VARIABLE} must be a number of seconds above 0 (e.g. 300), not {text!r}"
        )
    return seconds


@dataclass
class _Host:
    not_before: float = 0.0
    crawl_delay: float = 0.0
    failures: int = 0
    given_up: str | None = None


@dataclass
class Answer:
    """An answer whose body is still on the wire; read it once with ``chunks()``."""

    url: str
    params: dict[str, Any]
    status: int
    headers: dict[str, str]
    retrieved_at: datetime
    _first: bytes = field(repr=False)
    _rest: Iterator[bytes] = field(repr=False)
    _max_bytes: int = field(repr=False)
    _deadline: _Deadline = field(repr=False)
    _redactor: BodyRedactor = field(repr=False)

    @property
    def redacted(self) -> bool:
        """Whether the body, as read so far, echoed a credential (taken out, as ``***``)."""
        return self._redactor.replaced > 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def chunks(self) -> Iterator[bytes]:
        """The body in pieces, bounded in total size, with every credential the session sent
        replaced by ``***`` (a server can echo one back)."""
        seen = len(self._first)
        if self._first:
            yield self._redactor.feed(self._first)
        try:
            for chunk in self._rest:
                seen += len(chunk)
                # Counted on the decoded bytes: the bound also holds against a gzip bomb.
                if seen > self._max_bytes:
                    raise ResponseTooLarge(f"{self.url} sent more than {self._max_bytes} bytes")
                if self._deadline.expired:
                    break
                yield self._redactor.feed(chunk)
        except requests.RequestException as exc:
            if self._deadline.expired:
                raise _too_slow(self.url, self._deadline) from None
            # urllib3 enforces Content-Length and reports a short body as IncompleteRead; a
            # connection lost or a bad gzip stream mid-body ends here too.
            raise TruncatedResponse(f"{self.url}: body cut short or unreadable ({exc})") from None
        if self._deadline.expired:
            # the watchdog ended the body: what came is not the whole answer
            raise _too_slow(self.url, self._deadline)
        yield self._redactor.flush()


def _too_slow(url: str, deadline: _Deadline) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"{url}: the answer took longer than {deadline.seconds:g} s, the deadline for one "
        f"answer ({DEADLINE_VARIABLE} sets it); nothing of it was stored"
    )


class PoliteSession:
    """A ``requests.Session`` with the project's manners; see the module docstring.

    ``min_interval`` below one second only takes effect for loopback hosts, so a real host can
    never be asked more than once a second. ``max_retries`` counts retries after the first
    attempt. ``max_failures`` counts consecutive requests to one host that ended in failure;
    reaching it gives the host up for the rest of the run. ``max_wait`` is the longest pause
    (Retry-After, RateLimit-Reset, Crawl-delay) the session accepts before stopping the run.
    ``deadline`` is the longest one answer may take, from its request to its last byte (default
    ``ATLAS_HTTP_DEADLINE``, else 300 s). ``clock`` and ``sleep`` can be replaced in tests.
    """

    def __init__(
        self,
        *,
        min_interval: float = MIN_INTERVAL_FLOOR,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        max_failures: int = 5,
        backoff_factor: float = 1.0,
        jitter: float = 1.0,
        max_wait: float = 600.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = 5,
        deadline: float | None = None,
        headers: Mapping[str, str] | None = None,
        env_headers: Mapping[str, str] | None = None,
        secret_params: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if min_interval < 0 or max_retries < 0 or max_failures < 1 or max_bytes < 1:
            raise ValueError("min_interval, max_retries >= 0; max_failures, max_bytes >= 1")
        self.timeout = timeout
        self.max_failures = max_failures
        self.max_wait = max_wait
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent()
        self._clock = clock
        self._sleep = sleep
        self._headers = {**(headers or {}), **headers_from_env(env_headers or {})}
        self.secret_params = DEFAULT_SECRET_PARAMS | {n.lower() for n in secret_params}
        # the values of every credential sent: taken out of messages and of stored bodies
        self._secrets: set[str] = set()
        self._add_secrets(self._headers, None)
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Protego | None] = {}
        self._deadline = _Deadline(deadline if deadline is not None else deadline_from_env())

        retry = _Retry(
            total=max_retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods={"GET"},
            backoff_factor=backoff_factor,
            backoff_jitter=jitter,
            backoff_max=60.0,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.pause, retry.max_wait = self._retry_pause, max_wait
        self._http = requests.Session()
        self._http.headers["User-Agent"] = self.user_agent
        # Only robots.txt is fetched with redirects followed by requests; RFC 9309 asks for five.
        self._http.max_redirects = 5
        # One request per second per host, whatever host: the limiter keeps a bucket per host.
        retry.floor = MIN_INTERVAL_FLOOR
        real = LimiterAdapter(per_second=1, per_host=True, max_retries=retry)
        self._http.mount("http://", real)
        self._http.mount("https://", real)
        if min_interval < MIN_INTERVAL_FLOOR:
            fast = retry.new()
            fast.floor = min_interval
            # burst = the interval: one request per interval, not a burst of 1/interval a second.
            loopback: HTTPAdapter = (
                LimiterAdapter(
                    per_second=1 / min_interval,
                    burst=min_interval,
                    per_host=True,
                    max_retries=fast,
                )
                if min_interval > 0
                else HTTPAdapter(max_retries=fast)
            )
            for host in ("127.0.0.1", "localhost", "[::1]"):
                self._http.mount(f"http://{host}:", loopback)
        for adapter in {id(a): a for a in self._http.adapters.values()}.values():
            if isinstance(adapter, HTTPAdapter):
                _watch_connections(adapter, self._deadline)

    def _retry_pause(self, seconds: float) -> None:
        self._deadline.pause()
        self._sleep(seconds)

    def _add_secrets(self, headers: Mapping[str, str] | None, params: Params | None) -> None:
        """Remember the credential values of a request; HttpError for one too short to be
        told from the data (it could not be taken out of a stored page)."""
        found = [(n, v) for n, v in (headers or {}).items() if n.lower() in SECRET_HEADERS]
        found += [
            (n, str(v))
            for n, v in (params or {}).items()
            if n.lower() in self.secret_params and isinstance(v, str | int | float)
        ]
        for name, value in found:
            if len(value) < MIN_SECRET_CHARS:
                raise HttpError(
                    f"the credential sent as {name} is {len(value)} characters long: too short "
                    f"to be a real one (at least {MIN_SECRET_CHARS}), and it could not be taken "
                    "out of the pages a server echoes it in; check the variable that sets it"
                )
            self._secrets.add(value)

    def redact(self, text: str) -> str:
        """``text`` without any credential value this session has sent."""
        return redact_text(text, self._secrets)

    def shown_url(self, url: str, params: Params | None = None) -> str:
        """The URL with its query as it is sent, secrets redacted: how a download is recorded
        and found again for a conditional request."""
        return self._redact(requests.Request("GET", url, params=params).prepare().url or url)

    def _redact(self, text: str) -> str:
        """A URL, or a message holding one, with its secret query values and every credential
        value sent replaced by ``***``."""
        return self.redact(redact_url(text, self.secret_params))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public entry points --------------------------------------------------------------

    def get(
        self,
        url: str,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        expect: str | None = None,
    ) -> FetchResult:
        """GET a small answer into memory (bounded by ``max_bytes``); see ``open``."""
        with self.open(url, params, headers, expect=expect) as answer:
            body = b"".join(answer.chunks())
        return FetchResult(
            answer.url, answer.params, answer.status, answer.headers, body, answer.retrieved_at
        )

    @contextmanager
    def open(
        self,
        url: str,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        expect: str | None = None,
    ) -> Iterator[Answer]:
        """GET ``url`` politely and hand over the answer with its body still streaming.

        Raises ``RobotsDisallowed``, ``BlockedError``, ``RateLimited``, ``HostGivenUp``,
        ``RetriesExhausted``, ``ResponseTooLarge`` (announced size). A non-2xx answer that is
        neither retryable nor a block page (404, 304, a JSON 403, ...) is returned, not raised.
        """
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"only http(s) URLs can be fetched: {self._redact(url)}")
        self._add_secrets(headers, params)
        prepared = requests.Request("GET", url, params=params).prepare().url
        assert prepared is not None
        current, sent = prepared, {**self._headers, **(headers or {})}
        origin = urlsplit(current).netloc.lower()
        for _hop in range(self.max_redirects + 1):
            # requests follows redirects itself, but would not read robots.txt for each hop.
            self._check_robots(current)
            response = self._request(current, sent)
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                break
            response.close()
            current = urljoin(current, location)
            if urlsplit(current).scheme not in ("http", "https"):
                raise HttpError(f"redirect to a non-HTTP URL from {self._redact(url)}")
            if urlsplit(current).netloc.lower() != origin:
                # requests strips only Authorization on such a hop; Freelancer's token header is
                # another name, and a credential is for the host that issued it.
                sent = {k: v for k, v in sent.items() if k.lower() not in SECRET_HEADERS}
        else:
            raise HttpError(f"more than {self.max_redirects} redirects for {self._redact(url)}")
        try:
            yield self._answer(response, params, expect)
        except HttpError as err:
            # a message may quote what the server or the connection said: no credential in it
            err.args = (self.redact(str(err)), *err.args[1:])
            raise
        finally:
            response.close()
            self._deadline.stop()

    # -- internals ------------------------------------------------------------------------

    def _host(self, url: str) -> _Host:
        return self._hosts.setdefault(urlsplit(url).netloc.lower(), _Host())

    def _request(self, url: str, headers: Mapping[str, str]) -> requests.Response:
        """One hop: host bookkeeping around urllib3's retries."""
        host = self._host(url)
        netloc = urlsplit(url).netloc
        if host.given_up:
            raise HostGivenUp(f"{netloc} was given up earlier: {host.given_up}")
        self._pause(host, netloc)
        log.debug("GET %s", self._redact(url))
        self._deadline.begin()
        try:
            response = self._http.get(
                url, headers=dict(headers), timeout=self.timeout, stream=True, allow_redirects=False
            )
        except _Expired:
            self._deadline.stop()
            self._failed(host, netloc, "deadline passed")
            raise _too_slow(self._redact(url), self._deadline) from None
        except RateLimited as exc:
            host.given_up = str(exc)
            raise
        except requests.exceptions.SSLError as exc:
            # A certificate problem will not fix itself between retries.
            raise HttpError(self.redact(f"TLS error for {self._redact(url)}: {exc}")) from None
        except requests.RequestException as exc:
            if self._deadline.expired:
                self._deadline.stop()
                self._failed(host, netloc, "deadline passed")
                raise _too_slow(self._redact(url), self._deadline) from None
            problem = self.redact(f"{type(exc).__name__}: {exc}")
            self._failed(host, netloc, problem)
            raise RetriesExhausted(f"{self._redact(url)}: {problem}") from None
        self._after(host, netloc, response)
        challenge = challenge_header({k.lower(): v for k, v in response.headers.items()})
        if response.status_code in RETRY_STATUSES and not challenge:
            response.close()
            self._failed(host, netloc, f"HTTP {response.status_code}")
            raise RetriesExhausted(
                f"{self._redact(url)}: HTTP {response.status_code} after every retry",
                response.status_code,
            )
        host.failures = 0
        return response

    def _pause(self, host: _Host, netloc: str) -> None:
        wait = host.not_before - self._clock()
        if wait <= 0:
            return
        if wait > self.max_wait:
            host.given_up = f"asks for a pause of {wait:.0f}s"
            raise RateLimited(f"{netloc} asks for a pause of {wait:.0f}s; run again later", wait)
        log.info("waiting %.2fs before asking %s again", wait, netloc)
        self._sleep(wait)

    def _after(self, host: _Host, netloc: str, response: requests.Response) -> None:
        """Sets the earliest next request from Crawl-delay and the RateLimit-* headers.

        The limiter spaces requests one second apart; these waits are per host and change with
        every answer, which no rate-limiting library reads (draft-ietf-httpapi-ratelimit-headers:
        ``RateLimit-Remaining`` requests are left until ``RateLimit-Reset`` seconds from now).
        """
        now = self._clock()
        wait = host.crawl_delay
        remaining = _first_number(response.headers.get("ratelimit-remaining"))
        reset = _first_number(response.headers.get("ratelimit-reset"))
        if remaining is not None and reset is not None:
            # Spread what is left of the quota over the window instead of running into a wall.
            wait = max(wait, reset if remaining < 1 else reset / remaining)
        host.not_before = now + wait

    def _failed(self, host: _Host, netloc: str, problem: str) -> None:
        # urllib3 retries one request; this counts requests that failed after every retry, so a
        # host that is down is given up instead of being retried for every page of the run.
        host.failures += 1
        if host.failures >= self.max_failures:
            host.given_up = f"{host.failures} failed requests in a row, last: {problem}"
            log.warning("giving up %s: %s", netloc, host.given_up)
            raise HostGivenUp(f"{netloc}: {host.given_up}")

    def _answer(
        self, response: requests.Response, params: Params | None, expect: str | None
    ) -> Answer:
        url = self._redact(response.url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseTooLarge(f"{url} announces {declared} bytes (limit {self.max_bytes})")
        rest = response.iter_content(CHUNK)
        try:
            first = next(rest, b"")
        except requests.RequestException as exc:
            if self._deadline.expired:
                raise _too_slow(url, self._deadline) from None
            raise TruncatedResponse(f"{url}: body cut short ({exc})") from None
        reason = block_reason(response.status_code, response.headers, first, expect)
        if reason:
            netloc = urlsplit(response.url).netloc
            # Retrying a challenge only digs deeper: the host is not asked again this run.
            self._host(response.url).given_up = f"blocked ({reason})"
            raise BlockedError(f"{url} answered HTTP {response.status_code}: {reason} ({netloc})")
        return Answer(
            url=url,
            params=redact_params(params, self.secret_params),
            status=response.status_code,
            headers=kept_headers(response.headers),
            retrieved_at=datetime.fromtimestamp(self._clock(), UTC),
            _first=first,
            _rest=rest,
            _max_bytes=self.max_bytes,
            _deadline=self._deadline,
            _redactor=BodyRedactor(self._secrets),
        )

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if origin not in self._robots:
            given_up = self._host(url).given_up
            if given_up:
                raise HostGivenUp(f"{parts.netloc} was given up earlier: {given_up}")
            self._robots[origin] = self._read_robots(origin)
        parser = self._robots[origin]
        if parser is not None and not parser.can_fetch(url, ROBOTS_TOKEN):
            raise RobotsDisallowed(f"robots.txt disallows {self._redact(url)}")

    def _read_robots(self, origin: str) -> Protego | None:
        """RFC 9309: 2xx = the rules; 4xx = no rules (allowed); 5xx or no answer = disallowed."""
        host = self._host(origin)
        self._deadline.begin()
        try:
            response = self._http.get(f"{origin}/robots.txt", timeout=self.timeout, stream=True)
            status = response.status_code
            body = response.raw.read(ROBOTS_MAX_BYTES, decode_content=True) if status < 300 else b""
            response.close()
            if self._deadline.expired:
                raise _Expired
        except _Expired:
            status, body = None, b""
            log.warning("robots.txt of %s took longer than %gs", origin, self._deadline.seconds)
        except RateLimited as exc:
            host.given_up = str(exc)
            raise
        except requests.TooManyRedirects:
            return None  # RFC 9309: past five redirects robots.txt may be taken as unavailable
        except requests.RequestException as exc:
            status, body = None, b""
            log.warning("robots.txt of %s unreachable: %s", origin, self.redact(str(exc)))
        finally:
            self._deadline.stop()
        if status is not None and 400 <= status < 500:
            return None
        if status is None or status >= 500:
            answer = f"HTTP {status}" if status else "no answer"
            host.given_up = f"robots.txt unreachable ({answer}): disallowed by RFC 9309"
            raise RobotsDisallowed(f"{origin}: {host.given_up}")
        parser = Protego.parse(body.decode("utf-8", "replace"))
        delay = float(parser.crawl_delay(ROBOTS_TOKEN) or 0)
        rate = parser.request_rate(ROBOTS_TOKEN)
        if rate and rate.requests:
            delay = max(delay, rate.seconds / rate.requests)
        if delay > MAX_CRAWL_DELAY:
            log.warning(
                "robots.txt of %s asks for %.0fs; capped at %.0fs", origin, delay, MAX_CRAWL_DELAY
            )
        host.crawl_delay = min(delay, MAX_CRAWL_DELAY)
        return parser
