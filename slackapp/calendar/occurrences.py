"""What parsing a feed yields: ``Occurrence``, ``ParseResult``, and ``FeedRejected`` for an unusable feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})
SINGLE = "single"  # occurrence_id of a one-off (non-recurring) event


@dataclass(frozen=True, slots=True)
class Occurrence:
    uid: str
    occurrence_id: str  # RECURRENCE-ID (or original start) in UTC ISO format; ISO date for all-day;
    # SINGLE for a one-off event, so that moving it keeps its identity (and moves its nudges)
    title: str
    description: str
    start: datetime  # UTC for timed events; midnight in the person's zone for all-day events
    end: datetime
    all_day: bool  # never nudge at "midnight": consumers check this flag
    status: str  # CONFIRMED / TENTATIVE / CANCELLED
    attendee_count: int
    organizer: str | None  # e-mail address without "mailto:", or None
    sequence: int

    def __post_init__(self) -> None:
        if not self.uid or not self.occurrence_id:
            raise ValueError("an occurrence needs a uid and an occurrence_id")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("occurrence start and end must be timezone-aware")
        if not self.all_day and (self.start.utcoffset() != timedelta(0) or self.end.utcoffset() != timedelta(0)):
            raise ValueError("timed occurrences are expressed in UTC")
        if self.end < self.start:
            raise ValueError("an occurrence cannot end before it starts")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.attendee_count < 0:
            raise ValueError("attendee_count cannot be negative")


@dataclass(frozen=True, slots=True)
class ParseResult:
    occurrences: tuple[Occurrence, ...]  # sorted by start
    skipped_series: int  # bad series skipped, the rest still works
    problems: tuple[str, ...]  # human-readable reasons, no URLs or secrets
    truncated: bool  # hit the count or CPU-time bound

    @property
    def complete(self) -> bool:
        """True if every series was read in full: absent occurrences really are absent."""
        return not self.truncated and self.skipped_series == 0


class FeedRejected(Exception):
    """The whole feed is unusable; ``reason`` is a clear sentence for its owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
