"""Parse one VEVENT group with icalendar and expand it with recurring-ical-events.

recurring-ical-events does the RFC 5545 work (RRULE/RDATE/EXDATE, RECURRENCE-ID overrides,
RANGE=THISANDFUTURE, SEQUENCE). We build its ``Series`` per group ourselves (instead of
``recurring_ical_events.of(calendar)``) so that a broken series fails alone, and we subclass it
in two small places:

* ``rrule_between`` walks each rule value by value under the CPU guard and keeps at most
  ``max_values + 1`` values inside the window (the library's version asks dateutil for the whole
  list at once, with dateutil's unbounded value cache switched on, and cannot be interrupted);
* ``occurrence`` remembers each occurrence's original (RECURRENCE-ID) time for a stable id.

Before that, every date-time value is given its zone by us (see :mod:`.events`): TZIDs through
:class:`~slackapp.calendar.vtimezone.FeedZones`, floating times in the calendar's X-WR-TIMEZONE
or else the person's own zone, and UTC times in X-WR-TIMEZONE calendars re-expressed in that zone
with the x-wr-timezone package (the same call ``recurring_ical_events.of`` makes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

import x_wr_timezone
from icalendar import Calendar, Event
from recurring_ical_events import BadRuleStringFormat, EventAdapter, Series
from recurring_ical_events import Occurrence as LibraryOccurrence
from recurring_ical_events.util import compare_greater, convert_to_datetime

from slackapp.calendar.budget import CpuBudget
from slackapp.calendar.events import SeriesError, Stamper, event_text, fix_until, get_property, parse_event, repair
from slackapp.calendar.scan import Group
from slackapp.calendar.vtimezone import FeedZones

__all__ = ["ExpandContext", "ExpandedOccurrence", "SeriesError", "expand_group", "occurrence_id"]

MAX_COMPONENTS_PER_SERIES = 2000  # a daily series with every occurrence moved for 5 years: ~1800


@dataclass(slots=True)
class ExpandContext:
    zones: FeedZones
    floating_tz: tzinfo  # X-WR-TIMEZONE if usable, else the person's zone
    calendar_tz: tzinfo | None  # usable X-WR-TIMEZONE: UTC times are re-expressed in it
    span_start: datetime  # the window, expressed in the person's zone (all-day dates compare in it)
    span_end: datetime
    max_values: int  # per rule, values inside the window
    budget: CpuBudget


@dataclass(slots=True)
class ExpandedOccurrence:
    """Library-independent raw occurrence: the fields parse.Occurrence is built from."""

    event: Event
    start: date  # a date for all-day, else an aware datetime
    end: date
    original: date  # RECURRENCE-ID, or the unmoved start
    single: bool = False  # a one-off event: its identity must not change when it is moved


class _Adapter(EventAdapter):
    def __init__(self, event: Event) -> None:
        super().__init__(event)
        self.event = event


class _Occurrence(LibraryOccurrence):
    adapter: _Adapter
    original: date


class _Series(Series):
    def __init__(self, adapters: list[_Adapter], context: ExpandContext) -> None:
        self.context = context
        self.truncated = False
        super().__init__(adapters)
        for rule in getattr(self.recurrence, "rrules", ()):
            rule._cache = None  # dateutil's cache keeps every value ever computed: unbounded memory

    def occurrence(self, adapter: Any, start: Any = None, end: Any = None) -> LibraryOccurrence:
        result = _Occurrence(adapter, start, end, sequence=self.sequence)
        result.adapter = adapter
        if start is None:  # a modification, reported as itself
            recurrence_id = get_property(adapter.event, "RECURRENCE-ID")
            result.original = recurrence_id.dt if recurrence_id is not None else result.start
        else:  # generated from a rule; RANGE=THISANDFUTURE may have moved it
            result.original = start - adapter.move_recurrences_by
        return result

    def rrule_between(self, span_start: Any, span_stop: Any) -> Iterator[Any]:
        recurrence = self.recurrence
        if not recurrence.has_core:
            return iter(())
        start = convert_to_datetime(span_start - self._subtract_from_start, recurrence.tzinfo)
        stop = convert_to_datetime(span_stop + self._add_to_stop, recurrence.tzinfo)
        limit = self.context.max_values
        found: list[Any] = []
        with self.context.budget.guard():
            for rule in recurrence.rrules:
                until = rule.until
                count = 0
                for value in rule:
                    if value > stop:
                        break
                    if value >= start and (until is None or not compare_greater(value, until)):
                        found.append(value)
                        count += 1
                        if count > limit:
                            self.truncated = True
                            break
        return iter(found)


def expand_group(group: Group, context: ExpandContext) -> tuple[list[ExpandedOccurrence], bool]:
    """Expand one group inside the context's span. Raises SeriesError if the group is unusable."""
    broken = next((block.broken for block in group.blocks if block.broken), None)
    if broken:
        raise SeriesError(broken)
    if len(group.blocks) > MAX_COMPONENTS_PER_SERIES:
        raise SeriesError(f"it has too many parts ({len(group.blocks)} events share its UID)")
    events: list[Event] = []
    for block in group.blocks:
        context.budget.check()  # parsing is icalendar's slowest step: stop between events
        events.append(parse_event(event_text(block.lines)))
    stamper = Stamper(context.zones, context.floating_tz)
    for event in events:
        repair(event)
        if group.synthetic_uid:
            event["UID"] = group.key
        stamper.stamp(event)
    if context.calendar_tz is not None:
        calendar = Calendar()
        for event in events:
            calendar.add_component(event)
        events = [c for c in x_wr_timezone.to_standard(calendar, timezone=context.calendar_tz).subcomponents]
    for event in events:
        fix_until(event)
    try:
        series = _Series([_Adapter(event) for event in events], context)
    except BadRuleStringFormat as error:
        raise SeriesError("invalid RRULE") from error
    except (ValueError, TypeError) as error:
        recurring = any("RRULE" in event for event in events)
        reason = "invalid RRULE" if recurring else f"it could not be read ({type(error).__name__})"
        raise SeriesError(reason) from error
    except Exception as error:
        raise SeriesError(f"it could not be read ({type(error).__name__})") from error
    result: list[ExpandedOccurrence] = []
    single = len(events) == 1 and not any(k in events[0] for k in ("RRULE", "RDATE", "RECURRENCE-ID"))
    try:
        for occurrence in series.between(context.span_start, context.span_end):
            raw = _raw(occurrence, context)
            result.append(replace(raw, single=True) if single else raw)
    except Exception as error:
        raise SeriesError(f"its occurrences could not be computed ({type(error).__name__})") from error
    return result, series.truncated


def _raw(occurrence: LibraryOccurrence, context: ExpandContext) -> ExpandedOccurrence:
    assert isinstance(occurrence, _Occurrence)
    start, end = occurrence.start, occurrence.end
    all_day = not isinstance(start, datetime) and not isinstance(end, datetime)
    if not all_day:
        start, end = _instant(start, context.floating_tz), _instant(end, context.floating_tz)
        end = max(end, start)
    elif end < start:
        end = start
    return ExpandedOccurrence(event=occurrence.adapter.event, start=start, end=end, original=occurrence.original)


def _instant(value: date, floating_tz: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=floating_tz)
    return value.astimezone(UTC)


def occurrence_id(original: date, floating_tz: tzinfo) -> str:
    """The RECURRENCE-ID (or original start) in UTC ISO format; a date for all-day series."""
    if isinstance(original, datetime):
        if original.tzinfo is None:
            original = original.replace(tzinfo=floating_tz)
        return original.astimezone(UTC).isoformat()
    return original.isoformat()
