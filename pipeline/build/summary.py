"""What a parse produced, told to the user at the end of a fetch or a build."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pipeline.util.records import Reject

UNMAPPED_REASONS = ("unknown country", "unknown occupation", "unmapped")
# the exact repeats of different rows are one kind of reject, whichever line they repeat (the
# start of the reason that sql/parse/macros.sql duplicate_reason writes)
REPEAT_REASON = "exact duplicate of line "
REPEAT_KIND = "exact duplicate of an earlier line (counted once)"


def _is_known_non_country(reject: Reject) -> bool:
    return "is not a country" in reject.reason


def reject_lines(rejects: Sequence[Reject], limit: int = 25) -> list[str]:
    """Rejects by reason, then the values no mapping table knows, then the values that a table
    lists as non-countries on purpose."""
    return counted_reject_lines(((r, r.lines) for r in rejects), limit)


def counted_reject_lines(groups: Iterable[tuple[Reject, int]], limit: int = 25) -> list[str]:
    """``reject_lines`` from rejects already counted (one per distinct field, value and reason,
    with the lines they stand for), so that a large parse is summed in SQL, not one object per
    row."""
    reasons: Counter[str] = Counter()
    # the first reject of each reason: what follows its first colon (the value, the fix) is
    # shown once, with where it is
    example: dict[str, Reject] = {}
    unmapped: Counter[tuple[str, str]] = Counter()
    known: Counter[str] = Counter()
    # what the reason says to do, once per kind (e.g. the valid occupation labels)
    fixes: dict[str, str] = {}
    for r, n in groups:
        if _is_known_non_country(r):
            known[r.value or ""] += n
            continue
        kind, _, fix = r.reason.partition(":")
        if r.reason.startswith(REPEAT_REASON):
            kind = REPEAT_KIND
        reasons[kind] += n
        example.setdefault(kind, r)
        if r.reason.startswith(UNMAPPED_REASONS):
            unmapped[(r.field or "", r.value or "")] += n
            if kind == "unknown occupation" and fix.strip():
                fixes.setdefault(kind, fix.strip())
    lines = []
    for reason, n in reasons.most_common(10):
        first = example[reason]
        detail = first.reason if reason == REPEAT_KIND else first.reason.partition(":")[2].strip()
        shown = f"; e.g. {first.location}: {detail[:300]}" if detail else ""
        lines.append(f"  rejected {n} x {reason}{shown}")
    if unmapped:
        lines.append("unmapped values (add them to the source's alias or mapping table):")
        for (field, value), n in unmapped.most_common(limit):
            lines.append(f"  {field} = {value!r} x {n}")
    for kind, fix in fixes.items():
        lines.append(f"{kind}: {fix}")
    if known:
        listed = ", ".join(f"{v!r} x {n}" for v, n in known.most_common(10))
        lines.append(f"listed as non-countries (rejected on purpose): {listed}")
    return lines
