"""Secrets kept out of every message, log line and stored record.

A URL's secret query values and password, a request's secret parameters and headers are
replaced by ``***``. The HTTP session redacts what it reports and the raw store what it records,
both from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

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
