"""The vocabularies rows are checked against, and the reject every parser reports."""

from __future__ import annotations

from dataclasses import dataclass

OCCUPATIONS = (
    "clerical and data entry",
    "creative and multimedia",
    "professional services",
    "sales and marketing support",
    "software development and technology",
    "writing and translation",
    "unknown",
)
ROLES_TALLY = ("buyer", "seller", "pair")
ROLES_CLAIM = ("buyer", "seller")
# What a claim says of a party (README, "Claims checked"): that it leads its side (biggest,
# most, first, mainly), that work comes from or goes to it, or one person's or one firm's case.
PROPOSITIONS = ("leading", "present", "anecdote")


@dataclass(frozen=True)
class Reject:
    """One input that could not be used: where (file:line, or file:record[i].path), the field,
    the value as written (shortened), and why; ``repeats``, on the one reject that sums up the
    exact repeats of an earlier line, is how many lines it stands for (its own included)."""

    source_id: str
    location: str
    field: str | None
    value: str | None
    reason: str
    repeats: int | None = None

    @property
    def lines(self) -> int:
        """The lines this reject stands for: its own, or the repeats it sums up."""
        return 1 if self.repeats is None else self.repeats
