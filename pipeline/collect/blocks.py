"""Telling a bot-challenge page (Cloudflare, DataDome, ...) from content.

No library recognises these pages; the markers and the size bound come from the challenge
pages' own words and headers.
"""

from __future__ import annotations

from collections.abc import Mapping

# Challenge pages are small; a large HTML page that mentions "captcha" is probably content.
BLOCK_PAGE_MAX_BYTES = 64 * 1024
BLOCK_MARKERS = "captcha|attention required|cf-chl|challenge-platform|just a moment...|incapsula|"
BLOCK_MARKERS += "access denied|datadome|perimeterx"


def _is_html(content_type: str | None, head: bytes) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    start = head[:256].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def block_reason(
    status: int, headers: Mapping[str, str], head: bytes, expect: str | None = None
) -> str | None:
    """Why this answer looks like a block or challenge page, or None if it does not.

    ``head`` is the start of the body (at most a chunk); ``expect`` ("json", "csv", "data") is
    what the caller asked for, so an HTML page in its place is recognised as a wall even without
    any marker word. No library recognises these pages, hence this function.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    challenge = challenge_header(lower)
    if challenge:
        return challenge
    if status == 202 and not head.strip():
        return "202 with an empty body (a firewall challenge)"
    if not _is_html(lower.get("content-type"), head):
        # JSON that mentions "captcha" is a task description, not a wall.
        return None
    if status == 403:
        return "403 with an HTML page"
    if 200 <= status < 300 and expect is not None and expect != "html":
        return f"an HTML page where {expect} was expected"
    if len(head) >= BLOCK_PAGE_MAX_BYTES:
        return None
    text = head.decode("utf-8", "replace").lower()
    for marker in BLOCK_MARKERS.split("|"):
        if marker in text:
            return f"page contains {marker!r}"
    return None


def challenge_header(headers: Mapping[str, str]) -> str | None:
    """The challenge a firewall announces in its headers (names lower-cased), if any."""
    if "x-amzn-waf-action" in headers:
        return f"AWS WAF challenge (x-amzn-waf-action: {headers['x-amzn-waf-action'][:40]})"
    if headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return "Cloudflare challenge (cf-mitigated: challenge)"
    return None
