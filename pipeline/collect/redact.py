"""Secrets kept out of every message, log line and stored record.

A URL's secret query values and password, a request's secret parameters and headers are
replaced by ``***``. The HTTP session redacts what it reports and the raw store what it records,
both from here. A server may also echo a credential back (in an error message, in a page): the
value of every secret header and parameter sent is replaced by ``***`` in the bodies the
session hands over, before they are stored, and in the messages it makes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

REDACTED = "***"

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "freelancer-oauth-v1", "x-api-key"}
)
# The last three sign the short-lived download URLs of S3 (figshare's files).
DEFAULT_SECRET_PARAMS = frozenset(
    {"access_token", "api_key", "apikey", "client_secret", "key", "password", "secret", "token"}
    | {"x-amz-signature", "x-amz-credential", "x-amz-security-token"}
)
ParamValue = str | int | float | Sequence[str | int | float] | None
Params = Mapping[str, ParamValue]


def redact_params(
    params: Params | None, secret_names: Iterable[str] = DEFAULT_SECRET_PARAMS
) -> dict[str, Any]:
    """A JSON-ready copy of ``params`` with the values of secret names replaced by ``***``."""
    secret = {name.lower() for name in secret_names}
    out: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if value is None:
            continue  # requests drops these too
        if name.lower() in secret:
            out[name] = REDACTED
        elif isinstance(value, str | int | float):
            out[name] = str(value)
        else:
            out[name] = [str(item) for item in value]
    return out


def redact_url(url: str, secret_names: Iterable[str] = DEFAULT_SECRET_PARAMS) -> str:
    """``url`` with secret query values and any userinfo password replaced by ``***``.

    The query is edited pair by pair so a URL without secrets comes back byte for byte.
    """
    secret = {name.lower() for name in secret_names}
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:{REDACTED}@{hostport}"
    pairs = []
    for pair in parts.query.split("&") if parts.query else []:
        name = pair.partition("=")[0]
        pairs.append(f"{name}={REDACTED}" if unquote_plus(name).lower() in secret else pair)
    query = "&".join(pairs)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


# A credential shorter than this cannot be told from the data around it: taking every
# occurrence out of a stored page would change the data, leaving them would leak it.
MIN_SECRET_CHARS = 8


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Every configured secret value as it may be echoed: as given and percent-encoded; the
    longest first, so that a secret holding another is replaced whole."""
    forms = {form for s in secrets if s for form in (s, quote(s, safe=""), quote_plus(s))}
    return sorted(forms, key=lambda f: (-len(f), f))


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret value replaced by ``***``."""
    for form in secret_forms(secrets):
        text = text.replace(form, REDACTED)
    return text


class BodyRedactor:
    """Takes secret values out of a body that arrives in pieces, also where a value is split
    between two pieces: the last bytes of a piece are held back until the next one comes."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._forms = [f.encode() for f in secret_forms(secrets)]
        self._keep = max((len(f) for f in self._forms), default=1) - 1
        self._held = b""
        self.replaced = 0

    def feed(self, chunk: bytes) -> bytes:
        """The part of the body so far that no secret can still reach into, redacted."""
        if not self._forms:
            return chunk
        data = self._held + chunk
        for form in self._forms:
            self.replaced += data.count(form)
            data = data.replace(form, REDACTED.encode())
        cut = max(len(data) - self._keep, 0)
        self._held = data[cut:]
        return data[:cut]

    def flush(self) -> bytes:
        """The bytes held back, at the end of the body."""
        held, self._held = self._held, b""
        return held
