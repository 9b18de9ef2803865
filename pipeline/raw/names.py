"""Safe, readable names for stored raw files.

A name stays inside its folder on every system; a fetched URL gets its path plus a short hash;
a name that holds other bytes already gets a counter (``name.1.csv``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

MANIFEST = "manifest.json"
MAX_VERSIONS = 10_000
MAX_NAME = 120
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_EXT_BY_TYPE = {
    "application/json": ".json",
    "application/ld+json": ".json",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/rss+xml": ".xml",
    "application/atom+xml": ".xml",
    "text/plain": ".txt",
    "application/zip": ".zip",
    "application/gzip": ".gz",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}

_KNOWN_EXTS = frozenset(
    {*_EXT_BY_TYPE.values(), ".htm", ".tar", ".bz2", ".xz", ".7z", ".parquet", ".xls", ".dta"}
    | {".rds", ".rdata", ".sav", ".ndjson", ".jsonl", ".geojson"}
)


def _has_letter(text: str) -> bool:
    return any(c.isalpha() for c in text)


def split_ext(name: str) -> tuple[str, str]:
    """(stem, ".ext") when the name ends in a short alphanumeric suffix, else (name, "")."""
    dot = name.rfind(".")
    if dot > 0:
        ext = name[dot + 1 :]
        if 1 <= len(ext) <= 10 and ext.isalnum():
            return name[:dot], name[dot:]
    return name, ""


def safe_name(name: str, max_len: int = MAX_NAME) -> str:
    """A file name that stays inside its folder on every OS: no separators, no ``..``, no
    hidden files, nothing but ``[A-Za-z0-9._-]``, at most ``max_len`` characters."""
    # Separators become "_" (so "bids/12.json" stays recognisable) and runs of dots collapse,
    # which together leave no way to name a parent folder.
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", unicodedata.normalize("NFKC", name))
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"_{2,}", "_", text).strip("._-")
    stem, ext = split_ext(text or "file")
    ext = ext[:16]
    stem = stem[: max(1, max_len - len(ext) - 1)].rstrip("._-") or "file"
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    result = f"{stem}{ext}"
    if result.lower() == MANIFEST:
        result = f"manifest_file{ext}"
    return result


def name_for_url(url: str, content_type: str | None = None) -> str:
    """A readable, unique name for a fetched URL: its path plus a short sha1 of the whole URL.

    Pass the redacted URL: the hash then never depends on (or reveals anything about) a secret.
    """
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    base = "_".join(segments) or (parts.hostname or "response").replace(".", "_")
    stem, ext = split_ext(safe_name(base))
    mime = (content_type or "").split(";")[0].strip().lower()
    if ext.lower() not in _KNOWN_EXTS and (mime in _EXT_BY_TYPE or not _has_letter(ext)):
        # "/projects/0.1" or "/users/jane.doe" end in a dot, not a file type.
        stem, ext = f"{stem}{ext}", _EXT_BY_TYPE.get(mime, ".bin")
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    return safe_name(f"{stem[:80]}-{digest}{ext.lower()}")


def candidates(name: str) -> Iterator[str]:
    yield name
    stem, ext = split_ext(name)
    for number in range(1, MAX_VERSIONS):
        yield f"{stem}.{number}{ext}"


_HASHES: dict[tuple[str, int, int, int, int], str] = {}
