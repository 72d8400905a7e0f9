"""ICS bytes → the occurrences inside a time window.

Pipeline (each step bounded): byte limit → decode → split into top-level components
(:mod:`.scan`) → group VEVENTs by UID → for each group: skip it cheaply if its text shows it lies
outside the window, else parse with icalendar, give every time its zone, expand with
recurring-ical-events (:mod:`.expand`) → keep the earliest ``max_occurrences``.

Outcomes:

* the whole feed is unusable (not iCalendar, cut off, every event broken…) → :class:`FeedRejected`
  with a sentence for the feed's owner;
* otherwise a :class:`ParseResult`. A broken series is skipped and counted (``skipped_series``,
  ``problems``) while the rest works. ``truncated`` means the count or CPU bound was hit.
  **A result is complete only if** ``result.complete`` (not truncated, nothing skipped): only then
  may a consumer treat an occurrence missing from the result as deleted.

Cancellations: cancelled events and cancelled single occurrences (a RECURRENCE-ID override with
STATUS:CANCELLED) are *returned* with ``status == "CANCELLED"``, so their nudges can be cancelled.
Occurrences removed with EXDATE (how Outlook cancels one meeting of a series) simply disappear.

The result types live in :mod:`.occurrences`, the per-series loop in :mod:`.parse_run`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slackapp.calendar.budget import CpuBudget
from slackapp.calendar.occurrences import SINGLE as SINGLE
from slackapp.calendar.occurrences import STATUSES as STATUSES
from slackapp.calendar.occurrences import FeedRejected, Occurrence, ParseResult
from slackapp.calendar.parse_run import _Run
from slackapp.calendar.scan import FeedStructureError, decode, scan

__all__ = ["FeedRejected", "Occurrence", "ParseResult", "parse_feed"]


def parse_feed(
    data: bytes,
    *,
    window_start: datetime,
    window_end: datetime,
    default_tz: ZoneInfo,
    max_occurrences: int = 5000,
    max_cpu_seconds: float = 5.0,
    max_bytes: int = 5_000_000,
) -> ParseResult:
    """Occurrences overlapping [window_start, window_end), earliest first.

    ``default_tz`` is the person's own zone: floating times (without a zone) are read in it
    (unless the calendar names its zone with X-WR-TIMEZONE) and all-day events start at its midnight.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window_start and window_end must be timezone-aware")
    if window_end <= window_start:
        raise ValueError("window_end must be after window_start")
    if max_occurrences < 1 or max_cpu_seconds <= 0 or max_bytes < 1:
        raise ValueError("limits must be positive")
    if len(data) > max_bytes:
        raise FeedRejected(f"The calendar file is larger than {_size(max_bytes)}, the most Flowcoach reads.")
    budget = CpuBudget(max_cpu_seconds)
    try:
        feed = scan(decode(data))
    except FeedStructureError as error:
        raise FeedRejected(error.reason) from None
    return _Run(feed, budget, window_start, window_end, default_tz, max_occurrences).run()


def _size(max_bytes: int) -> str:
    if max_bytes >= 1_000_000:
        return f"{max_bytes / 1_000_000:g} MB"
    return f"{max_bytes / 1000:g} KB"
