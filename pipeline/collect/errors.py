"""What a fetch can fail with, and the answer it gives when it does not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class HttpError(Exception):
    """Base class of every failure raised by ``PoliteSession``."""


class RobotsDisallowed(HttpError):
    """robots.txt forbids this URL (or could not be read); nothing was requested."""


class BlockedError(HttpError):
    """The host answered with a block or challenge page; the host is not asked again."""


class HostGivenUp(HttpError):
    """The host failed too often in a row (or blocked us); the run stops asking it."""


class RateLimited(HostGivenUp):
    """The host asks for a pause longer than the session waits; run again after ``wait``."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait


class ResponseTooLarge(HttpError):
    """The body is larger than the session's ``max_bytes``."""


class RetriesExhausted(HttpError):
    """Every attempt failed with a retryable problem (429, 5xx, timeout, connection)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DeadlineExceeded(HttpError):
    """The answer took longer than the session's deadline for one answer; nothing was stored."""


class TruncatedResponse(HttpError):
    """Fewer body bytes arrived than Content-Length announced; nothing was stored."""


class HTTPStatusError(HttpError):
    """A non-2xx answer where a body was needed."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    """One answered GET held in memory (small answers only; big ones go through ``save``)."""

    url: str
    params: dict[str, Any]
    status: int
    headers: dict[str, str]
    body: bytes = field(repr=False)
    retrieved_at: datetime
    elapsed: float = 0.0
