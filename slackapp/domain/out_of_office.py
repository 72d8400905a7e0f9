"""Out-of-office from the calendar: all-day events titled like "OOO", "Vacation", "PTO", …"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from slackapp.domain.occurrence_fields import _utc

# All-day events with titles like these mean the person is away (see ``ooo_until_from``).
OOO_TITLE = re.compile(
    r"\b(?:ooo|out[\s-]+of[\s-]+(?:the[\s-]+)?office|vacation|holidays?|annual[\s-]+leave|pto|sick)\b",
    re.IGNORECASE,
)


class Span(Protocol):
    """What ``ooo_until_from`` reads: a parsed ``Occurrence`` or a stored ``CalendarOccurrence``."""

    @property
    def title(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def all_day(self) -> bool: ...
    @property
    def status(self) -> str: ...


def is_out_of_office(occurrence: Span) -> bool:
    return occurrence.all_day and occurrence.status != "CANCELLED" and OOO_TITLE.search(occurrence.title) is not None


def ooo_until_from(occurrences: Iterable[Span], *, now: datetime) -> datetime | None:
    """The end of the out-of-office block the person is in now, or None.

    Out-of-office means an all-day, non-cancelled event titled like "OOO", "Out of office",
    "Vacation", "Holiday", "Annual leave", "PTO" or "Sick". The block is the OOO event covering
    ``now`` joined with every OOO event that overlaps or touches it (a week's vacation followed by
    a "Bank holiday" is one block). A future block does not count yet: syncing every 15 minutes
    finds it once it begins.
    """
    spans = sorted((_utc(o.start), _utc(o.end)) for o in occurrences if is_out_of_office(o))
    until: datetime | None = None
    for start, end in spans:
        if until is None:
            if start <= now < end:
                until = end
        elif start <= until:
            until = max(until, end)
        else:
            break
    return until
