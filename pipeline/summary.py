"""What a parse produced, told to the user at the end of a fetch or a build."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipeline.records import Reject

UNMAPPED_REASONS = ("unknown country", "unknown occupation", "unmapped")


def _is_known_non_country(reject: Reject) -> bool:
    return "is not a country" in reject.reason


def reject_lines(rejects: Sequence[Reject], limit: int = 25) -> list[str]:
    """Rejects by reason, then the values no mapping table knows, then the values that a table
    lists as non-countries on purpose."""
    lines = []
    reasons = Counter(r.reason.split(":")[0] for r in rejects if not _is_known_non_country(r))
    for reason, n in reasons.most_common(10):
        lines.append(f"  rejected {n} x {reason}")
    unmapped = Counter(
        (r.field or "", r.value or "")
        for r in rejects
        if r.reason.startswith(UNMAPPED_REASONS) and not _is_known_non_country(r)
    )
    if unmapped:
        lines.append("unmapped values (add them to the source's alias or mapping table):")
        for (field, value), n in unmapped.most_common(limit):
            lines.append(f"  {field} = {value!r} x {n}")
    known = Counter(r.value or "" for r in rejects if _is_known_non_country(r))
    if known:
        listed = ", ".join(f"{v!r} x {n}" for v, n in known.most_common(10))
        lines.append(f"listed as non-countries (rejected on purpose): {listed}")
    return lines
