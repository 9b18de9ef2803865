"""The one HTTP session every source uses: identifies itself, reads robots.txt, goes slowly.

Sources never call ``requests`` directly. ``PoliteSession.get`` applies, per host: robots.txt
(fetched once, Disallow and Crawl-delay honoured), at most one request per second, timeouts,
exponential backoff on 429/5xx/connection errors with Retry-After honoured, a give-up after
repeated failures, a stop on block/challenge pages (retrying those only digs deeper), a size
bound, and truncation checks. Secrets come from environment variables and are replaced by
``***`` in everything this module returns or logs.

A session is meant to be used from one thread.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urljoin, urlsplit, urlunsplit

import requests
from protego import Protego
from requests.structures import CaseInsensitiveDict

from pipeline import __version__

log = logging.getLogger("pipeline.http")

PROJECT_URL = "https://github.com/microwork-atlas/microwork-atlas"
ROBOTS_TOKEN = "MicroworkAtlas"
REDACTED = "***"
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Politeness floor for every real host; only loopback test servers may be hit faster.
MIN_INTERVAL_FLOOR = 1.0

# Names treated as secret everywhere, in addition to those a session is given.
DEFAULT_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "freelancer-oauth-v1",
        "x-api-key",
        "x-csrf-token",
    }
)
DEFAULT_SECRET_PARAMS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "client_secret",
        "key",
        "password",
        "secret",
        "sig",
        "signature",
        "token",
    }
)

# Response headers worth keeping for provenance; none of them carries a credential.
KEPT_HEADERS = frozenset({"content-type", "etag", "last-modified", "retry-after", "date"})

# Challenge pages are small; a large HTML page that mentions "captcha" is probably content.
BLOCK_PAGE_MAX_BYTES = 64 * 1024
BLOCK_MARKERS = (
    "captcha",
    "attention required",
    "cf-chl",
    "challenge-platform",
    "just a moment...",
    "incapsula",
    "access denied",
    "datadome",
    "perimeterx",
)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

ParamValue = str | int | float | Sequence[str | int | float] | None
Params = Mapping[str, ParamValue]


class HttpError(Exception):
    """Base class of every failure raised by ``PoliteSession``."""


class RobotsDisallowed(HttpError):
    """robots.txt forbids this URL for our user agent; nothing was requested."""


class BlockedError(HttpError):
    """The host answered with a block or challenge page; the host is not asked again."""


class HostGivenUp(HttpError):
    """The host failed too often in a row (or blocked us); the run stops asking it."""


class ResponseTooLarge(HttpError):
    """The body is larger than the session's ``max_bytes``."""


class RetriesExhausted(HttpError):
    """Every attempt failed with a retryable problem (429, 5xx, timeout, connection)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TruncatedResponse(RetriesExhausted):
    """Fewer body bytes arrived than Content-Length announced, on every attempt."""


class HTTPStatusError(HttpError):
    """Raised by ``FetchResult.raise_for_status`` for a non-2xx answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    """One answered GET. ``url`` and ``params`` are already redacted; ``body`` is as received."""

    url: str
    params: dict[str, Any]
    status: int
    headers: dict[str, str]
    body: bytes = field(repr=False)
    retrieved_at: datetime
    elapsed: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def raise_for_status(self) -> None:
        if not self.ok:
            raise HTTPStatusError(f"HTTP {self.status} for {self.url}", self.status)

    def json(self) -> Any:
        return json.loads(self.body)


# Every secret value any session has seen, so log records from urllib3 (which prints request
# lines with their query strings at DEBUG level) can be scrubbed too. Held in memory only.
_KNOWN_SECRETS: set[str] = set()


def _scrub(text: str) -> str:
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        for form in {secret, quote_plus(secret), quote(secret, safe="")}:
            text = text.replace(form, REDACTED)
    return text


class _ScrubSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN_SECRETS:
            message = record.getMessage()
            clean = _scrub(message)
            if clean != message:
                record.msg, record.args = clean, ()
        return True


_SCRUBBER = _ScrubSecrets()
for _name in ("pipeline.http", "urllib3.connectionpool"):
    _logger = logging.getLogger(_name)
    if _SCRUBBER not in _logger.filters:
        _logger.addFilter(_SCRUBBER)


def _remember_secret(value: str) -> None:
    # Very short values would redact ordinary text ("1", "en") all over the logs.
    if len(value) >= 4:
        _KNOWN_SECRETS.add(value)


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


def _lower_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name.lower() for name in names)


def redact_params(
    params: Params | None, secret_names: Iterable[str] = DEFAULT_SECRET_PARAMS
) -> dict[str, Any]:
    """A JSON-ready copy of ``params`` with the values of secret names replaced by ``***``."""
    secret = _lower_set(secret_names)
    out: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if value is None:
            continue  # requests drops these too
        if name.lower() in secret:
            out[name] = REDACTED
        elif isinstance(value, str | bytes | int | float):
            out[name] = value.decode() if isinstance(value, bytes) else str(value)
        else:
            out[name] = [str(item) for item in value]
    return out


def redact_url(url: str, secret_names: Iterable[str] = DEFAULT_SECRET_PARAMS) -> str:
    """``url`` with secret query values and any userinfo password replaced by ``***``.

    The query is edited pair by pair so a URL without secrets comes back byte for byte.
    """
    secret = _lower_set(secret_names)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{REDACTED}@{hostport}" if ":" in userinfo else netloc
    pairs = []
    changed = netloc != parts.netloc
    for pair in parts.query.split("&") if parts.query else []:
        name = pair.partition("=")[0]
        if unquote_plus(name).lower() in secret:
            pairs.append(f"{name}={REDACTED}")
            changed = True
        else:
            pairs.append(pair)
    if not changed:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(pairs), parts.fragment))


def redact_headers(
    headers: Mapping[str, str], secret_names: Iterable[str] = DEFAULT_SECRET_HEADERS
) -> dict[str, str]:
    secret = _lower_set(secret_names)
    return {k: (REDACTED if k.lower() in secret else v) for k, v in headers.items()}


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The provenance headers of a response (lower-cased names, sorted)."""
    kept = {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() in KEPT_HEADERS or name.lower().startswith("x-ratelimit-")
    }
    return dict(sorted(kept.items()))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return "html" in content_type.lower()
    head = body[:256].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def block_reason(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """Why this response looks like a block or challenge page, or None if it does not."""
    lower = CaseInsensitiveDict(headers)
    if lower.get("cf-mitigated", "").strip().lower() == "challenge":
        return "cf-mitigated: challenge"
    if not _is_html(lower.get("content-type"), body):
        # JSON that mentions "captcha" is a task description, not a wall.
        return None
    if status == 403:
        return "403 with an HTML page"
    if len(body) > BLOCK_PAGE_MAX_BYTES:
        return None
    text = body.decode("utf-8", "replace").lower()
    for marker in BLOCK_MARKERS:
        if marker in text:
            return f"page contains {marker!r}"
    return None


def _is_loopback(hostname: str | None) -> bool:
    if not hostname:
        return False
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


@dataclass
class _Host:
    interval: float
    last_request: float | None = None
    failures: int = 0
    given_up: str | None = None


@dataclass
class _Raw:
    url: str
    status: int
    headers: CaseInsensitiveDict[str]
    body: bytes
    elapsed: float


class _Truncated(Exception):
    pass


class PoliteSession:
    """A ``requests.Session`` with the project's manners; see the module docstring.

    ``min_interval`` below one second only takes effect for loopback hosts, so a real host can
    never be asked more than once a second. ``max_retries`` counts retries after the first
    attempt. ``max_failures`` counts consecutive ``get`` calls to one host that ended in
    failure (retries exhausted); reaching it gives the host up for the rest of the run.
    ``clock`` returns epoch seconds and, with ``sleep``, can be replaced in tests.
    """

    def __init__(
        self,
        *,
        min_interval: float = MIN_INTERVAL_FLOOR,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        max_failures: int = 5,
        backoff_base: float = 1.0,
        backoff_factor: float = 2.0,
        backoff_cap: float = 60.0,
        jitter: bool = True,
        max_retry_after: float = 600.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = 5,
        headers: Mapping[str, str] | None = None,
        env_headers: Mapping[str, str] | None = None,
        secret_headers: Iterable[str] = (),
        secret_params: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        if max_retries < 0 or max_failures < 1 or max_bytes < 1 or max_redirects < 0:
            raise ValueError("max_retries >= 0, max_failures >= 1, max_bytes >= 1 required")
        if len(timeout) != 2 or min(timeout) <= 0:
            raise ValueError("timeout must be (connect, read), both > 0")
        self.min_interval = float(min_interval)
        self.timeout = (float(timeout[0]), float(timeout[1]))
        self.max_retries = max_retries
        self.max_failures = max_failures
        self.backoff_base = backoff_base
        self.backoff_factor = backoff_factor
        self.backoff_cap = backoff_cap
        self.jitter = jitter
        self.max_retry_after = max_retry_after
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        env = headers_from_env(env_headers or {})
        self.secret_headers = _lower_set(
            [*DEFAULT_SECRET_HEADERS, *secret_headers, *(env_headers or {})]
        )
        self.secret_params = _lower_set([*DEFAULT_SECRET_PARAMS, *secret_params])
        self._headers = {**(headers or {}), **env}
        for name, value in self._headers.items():
            if name.lower() in self.secret_headers:
                _remember_secret(value)
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = self.user_agent
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Protego | None] = {}

    # -- public helpers -------------------------------------------------------------------

    def redacted_params(self, params: Params | None) -> dict[str, Any]:
        return redact_params(params, self.secret_params)

    def redacted_url(self, url: str) -> str:
        return redact_url(url, self.secret_params)

    def redacted_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return redact_headers(headers, self.secret_headers)

    def interval_for(self, url: str) -> float:
        """Current minimum seconds between two requests to the host of ``url``."""
        return self._host(url).interval

    def backoff_delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before retry number ``attempt + 1``: base * factor**attempt, capped, jittered,
        and never shorter than what the server asked for."""
        delay = min(self.backoff_cap, self.backoff_base * self.backoff_factor**attempt)
        if self.jitter:
            # Keep at least half the delay so jitter never turns backoff into hammering.
            delay *= 0.5 + 0.5 * self._rng.random()
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the one entry point --------------------------------------------------------------

    def get(
        self,
        url: str,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET ``url`` politely; see the class and module docstrings for what can be raised.

        A non-2xx answer that is neither retryable nor a block page (404, 401, JSON 403, ...)
        is returned, not raised: call ``raise_for_status`` when that is an error.
        """
        request_headers = {**self._headers, **(headers or {})}
        for name, value in request_headers.items():
            if name.lower() in self.secret_headers:
                _remember_secret(value)
        for name, value in (params or {}).items():
            if name.lower() in self.secret_params and value is not None:
                values = [value] if isinstance(value, str | int | float) else value
                for item in values:
                    _remember_secret(str(item))
        current = self._prepare(url, params)
        origin_host = urlsplit(current).netloc.lower()
        for _hop in range(self.max_redirects + 1):
            self._check_robots(current)
            raw = self._fetch(current, request_headers)
            location = raw.headers.get("location") if raw.status in REDIRECT_STATUSES else None
            if not location:
                return FetchResult(
                    url=self.redacted_url(raw.url),
                    params=self.redacted_params(params),
                    status=raw.status,
                    headers=kept_headers(raw.headers),
                    body=raw.body,
                    retrieved_at=datetime.fromtimestamp(self._clock(), UTC),
                    elapsed=raw.elapsed,
                )
            current = urljoin(current, location)
            if urlsplit(current).scheme not in ("http", "https"):
                raise HttpError(f"redirect to a non-HTTP URL from {self.redacted_url(raw.url)}")
            if urlsplit(current).netloc.lower() != origin_host:
                # Credentials are for the host they were issued by, never for a redirect target.
                request_headers = {
                    k: v for k, v in request_headers.items() if k.lower() not in self.secret_headers
                }
        raise HttpError(f"more than {self.max_redirects} redirects for {self.redacted_url(url)}")

    # -- internals ------------------------------------------------------------------------

    def _prepare(self, url: str, params: Params | None) -> str:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"only http(s) URLs can be fetched: {self.redacted_url(url)}")
        prepared = requests.Request("GET", url, params=params).prepare().url
        assert prepared is not None
        return prepared

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        key = parts.netloc.lower()
        host = self._hosts.get(key)
        if host is None:
            interval = self.min_interval
            if not _is_loopback(parts.hostname):
                interval = max(interval, MIN_INTERVAL_FLOOR)
            host = self._hosts[key] = _Host(interval=interval)
        return host

    def _check_robots(self, url: str) -> None:
        parser = self._robots_for(url)
        if parser is not None and not parser.can_fetch(url, ROBOTS_TOKEN):
            raise RobotsDisallowed(f"robots.txt disallows {self.redacted_url(url)}")

    def _robots_for(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if origin in self._robots:
            return self._robots[origin]
        robots_url = f"{origin}/robots.txt"
        raw = self._fetch(robots_url, {})
        for _hop in range(5):  # RFC 9309: follow at least five redirects
            location = raw.headers.get("location") if raw.status in REDIRECT_STATUSES else None
            if not location:
                break
            raw = self._fetch(urljoin(raw.url, location), {})
        parser: Protego | None = None
        if 200 <= raw.status < 300:
            parser = Protego.parse(raw.body.decode("utf-8", "replace"))
        # 4xx (and endless redirects) mean "no rules": RFC 9309 allows crawling then.
        self._robots[origin] = parser
        if parser is not None:
            self._apply_robots_rate(url, parser)
        return parser

    def _apply_robots_rate(self, url: str, parser: Protego) -> None:
        host = self._host(url)
        wanted = [host.interval]
        delay = parser.crawl_delay(ROBOTS_TOKEN)
        if delay:
            wanted.append(float(delay))
        rate = parser.request_rate(ROBOTS_TOKEN)
        if rate and rate.requests:
            wanted.append(rate.seconds / rate.requests)
        if max(wanted) > host.interval:
            host.interval = max(wanted)
            log.info(
                "robots.txt of %s asks for %.2fs between requests",
                urlsplit(url).netloc,
                host.interval,
            )

    def _wait_turn(self, host: _Host, url: str) -> None:
        if host.last_request is not None:
            wait = host.last_request + host.interval - self._clock()
            if wait > 0:
                log.info(
                    "waiting %.2fs before %s (one request per %.2fs per host)",
                    wait,
                    self.redacted_url(url),
                    host.interval,
                )
                self._sleep(wait)
        host.last_request = self._clock()

    def _fetch(self, url: str, headers: Mapping[str, str]) -> _Raw:
        """One URL, no redirects followed, with retries, backoff and host bookkeeping."""
        host = self._host(url)
        shown = self.redacted_url(url)
        if host.given_up:
            raise HostGivenUp(f"{urlsplit(url).netloc} was given up earlier: {host.given_up}")
        attempt = 0
        while True:
            self._wait_turn(host, url)
            retry_after: float | None = None
            status: int | None = None
            truncated = False
            try:
                raw = self._attempt(url, headers)
            except _Truncated as exc:
                problem, truncated = str(exc), True
            except requests.exceptions.SSLError as exc:
                # A certificate problem will not fix itself between retries.
                raise HttpError(f"TLS error for {shown}: {_scrub(str(exc))}") from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {_scrub(str(exc))}"
            except requests.exceptions.ContentDecodingError as exc:
                problem = f"undecodable body: {_scrub(str(exc))}"
            else:
                reason = block_reason(raw.status, raw.headers, raw.body)
                if reason:
                    host.given_up = f"blocked ({reason})"
                    raise BlockedError(f"{shown} answered HTTP {raw.status}: {reason}")
                if raw.status != 429 and raw.status < 500:
                    host.failures = 0
                    return raw
                status = raw.status
                problem = f"HTTP {raw.status}"
                retry_after = parse_retry_after(raw.headers.get("retry-after"), self._clock())
            if attempt >= self.max_retries:
                self._give_up(host, url, f"{problem} after {attempt + 1} attempts")
                error = TruncatedResponse if truncated else RetriesExhausted
                raise error(f"{shown}: {problem} after {attempt + 1} attempts", status)
            if retry_after is not None and retry_after > self.max_retry_after:
                host.given_up = f"asked to wait {retry_after:.0f}s"
                raise HostGivenUp(f"{shown} asks to wait {retry_after:.0f}s; giving the host up")
            wait = self.backoff_delay(attempt, retry_after)
            log.info(
                "waiting %.2fs before retry %d/%d of %s (%s)",
                wait,
                attempt + 1,
                self.max_retries,
                shown,
                problem,
            )
            self._sleep(wait)
            attempt += 1

    def _give_up(self, host: _Host, url: str, problem: str) -> None:
        host.failures += 1
        if host.failures >= self.max_failures:
            host.given_up = f"{host.failures} failed requests in a row, last: {problem}"
            log.warning("giving up %s: %s", urlsplit(url).netloc, host.given_up)
            raise HostGivenUp(f"{urlsplit(url).netloc}: {host.given_up}")

    def _attempt(self, url: str, headers: Mapping[str, str]) -> _Raw:
        log.debug("GET %s", self.redacted_url(url))
        started = time.perf_counter()
        response = self._session.get(
            url, headers=dict(headers), timeout=self.timeout, stream=True, allow_redirects=False
        )
        try:
            declared = _content_length(response.headers)
            if declared is not None and declared > self.max_bytes:
                raise ResponseTooLarge(
                    f"{self.redacted_url(url)} announces {declared} bytes (limit {self.max_bytes})"
                )
            body = bytearray()
            try:
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise ResponseTooLarge(
                            f"{self.redacted_url(url)} sent more than {self.max_bytes} bytes"
                        )
            except requests.exceptions.ChunkedEncodingError as exc:
                # urllib3 enforces Content-Length and reports a short body as IncompleteRead.
                raise _Truncated(f"body cut short: {_scrub(str(exc))}") from None
            return _Raw(
                url=url,
                status=response.status_code,
                headers=CaseInsensitiveDict(response.headers),
                body=bytes(body),
                elapsed=time.perf_counter() - started,
            )
        finally:
            response.close()


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        length = int(value.split(",")[0].strip())
    except ValueError:
        return None
    return length if length >= 0 else None
