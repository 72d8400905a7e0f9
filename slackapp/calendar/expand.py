"""Parse one VEVENT group with icalendar and expand it with recurring-ical-events.

recurring-ical-events does the RFC 5545 work (RRULE/RDATE/EXDATE, RECURRENCE-ID overrides,
RANGE=THISANDFUTURE, SEQUENCE). We build its ``Series`` per group ourselves (instead of
``recurring_ical_events.of(calendar)``) so that a broken series fails alone, and we subclass it
in two small places:

* ``rrule_between`` evaluates the rules lazily, under the CPU guard, with a cap on values
  (the library's version asks dateutil for the whole list at once, with dateutil's unbounded
  cache switched on);
* ``occurrence`` remembers each occurrence's original (RECURRENCE-ID) time for a stable id.

Before that, every date-time value is given its zone by us (see ``_Stamper``): TZIDs through
:class:`~slackapp.calendar.vtimezone.FeedZones`, floating times in the calendar's X-WR-TIMEZONE
or else the person's own zone, and UTC times in X-WR-TIMEZONE calendars re-expressed in that zone
with the x-wr-timezone package (the same call ``recurring_ical_events.of`` makes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

import x_wr_timezone
from icalendar import Calendar, Event
from icalendar.prop import vBroken, vDDDLists, vDDDTypes
from recurring_ical_events import BadRuleStringFormat, EventAdapter, Series
from recurring_ical_events import Occurrence as LibraryOccurrence
from recurring_ical_events.util import compare_greater, convert_to_datetime

from slackapp.calendar.budget import CpuBudget
from slackapp.calendar.scan import Group
from slackapp.calendar.vtimezone import FeedZones

__all__ = ["ExpandContext", "ExpandedOccurrence", "SeriesError", "expand_group"]

_DATETIME_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_SINGLETONS = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "SEQUENCE", "STATUS", "SUMMARY")
_BROKEN_REASONS = {
    "DTSTART": "its start time (DTSTART) is invalid",
    "DTEND": "its end time (DTEND) is invalid",
    "DURATION": "its duration is invalid",
    "RRULE": "invalid RRULE",
    "RECURRENCE-ID": "its RECURRENCE-ID is invalid",
    "EXDATE": "an EXDATE is invalid",
    "RDATE": "an RDATE is invalid",
}


def _get(event: Event, name: str, default: Any = None) -> Any:
    """icalendar's typed ``get`` returns a union of every value type; we check types ourselves."""
    return event.get(name, default)


class SeriesError(Exception):
    """This group cannot be used; ``reason`` is a short phrase for the owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class ExpandContext:
    zones: FeedZones
    floating_tz: tzinfo  # X-WR-TIMEZONE if usable, else the person's zone
    calendar_tz: tzinfo | None  # usable X-WR-TIMEZONE: UTC times are re-expressed in it
    person_tz: tzinfo  # all-day events are midnight here
    span_start: datetime  # the window, expressed in person_tz
    span_end: datetime
    max_values: int  # per rule, values inside the window
    budget: CpuBudget
    unknown_tzids: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ExpandedOccurrence:
    """Library-independent raw occurrence: the fields parse.Occurrence is built from."""

    event: Event
    start: date  # a date for all-day, else an aware datetime
    end: date
    original: date  # RECURRENCE-ID, or the unmoved start


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
            recurrence_id = _get(adapter.event, "RECURRENCE-ID")
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
    events = [_parse_event(block.text()) for block in group.blocks]
    stamper = _Stamper(context)
    for event in events:
        _repair(event)
        if group.synthetic_uid:
            event["UID"] = group.key
        stamper.stamp(event)
    if context.calendar_tz is not None:
        calendar = Calendar()
        for event in events:
            calendar.add_component(event)
        events = [c for c in x_wr_timezone.to_standard(calendar, timezone=context.calendar_tz).subcomponents]
    for event in events:
        _fix_until(event)
    try:
        series = _Series([_Adapter(event) for event in events], context)
    except BadRuleStringFormat as error:
        raise SeriesError("invalid RRULE") from error
    except (ValueError, TypeError) as error:
        reason = "invalid RRULE" if "RRULE" in events[0] else f"it could not be read ({type(error).__name__})"
        raise SeriesError(reason) from error
    except Exception as error:
        raise SeriesError(f"it could not be read ({type(error).__name__})") from error
    result: list[ExpandedOccurrence] = []
    try:
        for occurrence in series.between(context.span_start, context.span_end):
            result.append(_raw(occurrence, context))
    except Exception as error:
        raise SeriesError(f"its occurrences could not be computed ({type(error).__name__})") from error
    return result, series.truncated


def _parse_event(text: str) -> Event:
    try:
        component = Event.from_ical(text)
    except Exception as error:
        raise SeriesError(f"it could not be read ({type(error).__name__})") from error
    if not isinstance(component, Event):
        raise SeriesError("it could not be read")
    return component


def _repair(event: Event) -> None:
    """Reject events missing essentials; tolerate harmless damage (empty EXDATE, odd SEQUENCE)."""
    for name in _SINGLETONS:
        value = _get(event, name)
        if isinstance(value, list):
            event[name] = value[0]
    if "DTSTART" not in event:
        raise SeriesError("it has no start time (DTSTART)")
    for name, reason in _BROKEN_REASONS.items():
        value = _get(event, name)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        bad = [item for item in items if isinstance(item, vBroken)]
        if not bad:
            continue
        if name in ("EXDATE", "RDATE") and all(not str(item).strip() for item in bad):
            kept = [item for item in items if not isinstance(item, vBroken)]
            if kept:
                event[name] = kept
            else:
                del event[name]
            continue
        raise SeriesError(reason)
    if not isinstance(_get(event, "DTSTART").dt, date):
        raise SeriesError(_BROKEN_REASONS["DTSTART"])
    for name in ("EXDATE", "RDATE"):  # e.g. VALUE=TIME, which RFC 5545 does not allow here
        value = _get(event, name)
        for prop in value if isinstance(value, list) else [] if value is None else [value]:
            if any(not isinstance(item.dt, (date, tuple)) for item in getattr(prop, "dts", ())):
                raise SeriesError(_BROKEN_REASONS[name])
    sequence = _get(event, "SEQUENCE")
    if sequence is not None and not isinstance(sequence, int):
        try:
            event["SEQUENCE"] = int(str(sequence).strip())
        except ValueError:
            del event["SEQUENCE"]


class _Stamper:
    """Give every date-time value of an event its time zone, in place."""

    def __init__(self, context: ExpandContext) -> None:
        self._context = context
        self._zones: dict[str, tzinfo | None] = {}

    def stamp(self, event: Event) -> None:
        for name in _DATETIME_PROPERTIES:
            value = _get(event, name)
            if value is None:
                continue
            for prop in value if isinstance(value, list) else [value]:
                if isinstance(prop, vDDDLists):
                    list_tzid = prop.params.get("TZID")
                    for item in prop.dts:
                        item.dt = self._value(item.dt, list_tzid or item.params.get("TZID"))
                elif isinstance(prop, vDDDTypes):
                    prop.dt = self._value(prop.dt, prop.params.get("TZID"))

    def _value(self, value: Any, tzid: str | None) -> Any:
        if isinstance(value, tuple):  # PERIOD: (start, end or duration)
            return tuple(self._value(part, tzid) for part in value)
        if not isinstance(value, datetime):
            return value
        if tzid:
            zone = self._zone(tzid)
            if zone is not None:
                return value.replace(tzinfo=zone)
            value = value.replace(tzinfo=None)  # unknown zone: read as floating
        if value.tzinfo is None:
            return value.replace(tzinfo=self._context.floating_tz)
        return value

    def _zone(self, tzid: str) -> tzinfo | None:
        if tzid not in self._zones:
            zone = self._context.zones.lookup(tzid)
            if zone is None:
                self._context.unknown_tzids.add(tzid)
            self._zones[tzid] = zone
        return self._zones[tzid]


def _fix_until(event: Event) -> None:
    """UNTIL written as local time or a date next to a zoned DTSTART: read it in DTSTART's zone.

    The library would read a local UNTIL as UTC (hours off) and a date UNTIL as 00:00 UTC
    (dropping that day's occurrence).
    """
    start = _get(event, "DTSTART").dt
    if not isinstance(start, datetime) or start.tzinfo is None:
        return
    rules = _get(event, "RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        untils = rule.get("UNTIL")
        if not untils:
            continue
        fixed = []
        for until in untils:
            if isinstance(until, datetime):
                if until.tzinfo is None:
                    until = until.replace(tzinfo=start.tzinfo).astimezone(UTC)
            elif isinstance(until, date):
                until = datetime.combine(until, time(23, 59, 59), tzinfo=start.tzinfo).astimezone(UTC)
            fixed.append(until)
        rule["UNTIL"] = fixed


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


def person_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)

