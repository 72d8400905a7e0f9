"""One VEVENT as icalendar sees it: parse its text, refuse or repair damage, give times their zones.

* ``event_text`` renames TZID parameters so icalendar resolves no zone itself: it would remember
  every distinct TZID in a process-wide cache (unbounded across feeds, shared between people).
* ``repair`` turns icalendar's broken values (it keeps them as ``vBroken``) into a reason, or
  tolerates harmless damage (an empty EXDATE, an unreadable SEQUENCE).
* ``Stamper`` gives every date-time its zone: the TZID through the feed's zones, floating times
  the calendar's X-WR-TIMEZONE or the person's own zone.
* ``fix_until`` reads a local or date-only UNTIL in DTSTART's zone (the library would read it as UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from icalendar import Event
from icalendar.prop import vBroken, vDDDLists, vDDDTypes

from slackapp.calendar.scan import value_colon
from slackapp.calendar.vtimezone import FeedZones

__all__ = ["SeriesError", "Stamper", "event_text", "fix_until", "get_property", "parse_event", "repair"]

TZID_PARAMETER = "X-FLOWCOACH-TZID"
_TZID_PARAMETER = re.compile(r";TZID=", re.IGNORECASE)
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


def get_property(event: Event, name: str, default: Any = None) -> Any:
    """icalendar's typed ``get`` returns a union of every value type; we check types ourselves."""
    return event.get(name, default)


class SeriesError(Exception):
    """This group cannot be used; ``reason`` is a short phrase for the owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def event_text(lines: list[str]) -> str:
    """The block's text with TZID parameters renamed, so icalendar leaves all zones to us.

    icalendar would resolve each TZID itself and remember every distinct name in a process-wide
    cache (unbounded across feeds, and shared between people); we resolve them per feed instead.
    """
    out: list[str] = []
    for line in lines:
        if line[:14].upper().startswith(_DATETIME_PROPERTIES) and ";" in line:
            colon = value_colon(line)
            if colon > 0:
                line = _TZID_PARAMETER.sub(";" + TZID_PARAMETER + "=", line[:colon]) + line[colon:]
        out.append(line)
    return "\r\n".join(out) + "\r\n"


def parse_event(text: str) -> Event:
    try:
        component = Event.from_ical(text)
    except Exception as error:
        raise SeriesError(f"it could not be read ({type(error).__name__})") from error
    if not isinstance(component, Event):
        raise SeriesError("it could not be read")
    return component


def repair(event: Event) -> None:
    """Reject events missing essentials; tolerate harmless damage (empty EXDATE, odd SEQUENCE)."""
    for name in _SINGLETONS:
        value = get_property(event, name)
        if isinstance(value, list):
            event[name] = value[0]
    if "DTSTART" not in event:
        raise SeriesError("it has no start time (DTSTART)")
    for name, reason in _BROKEN_REASONS.items():
        value = get_property(event, name)
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
    if not isinstance(get_property(event, "DTSTART").dt, date):
        raise SeriesError(_BROKEN_REASONS["DTSTART"])
    for name in ("EXDATE", "RDATE"):  # e.g. VALUE=TIME, which RFC 5545 does not allow here
        value = get_property(event, name)
        for prop in value if isinstance(value, list) else [] if value is None else [value]:
            if any(not isinstance(item.dt, (date, tuple)) for item in getattr(prop, "dts", ())):
                raise SeriesError(_BROKEN_REASONS[name])
    sequence = get_property(event, "SEQUENCE")
    if sequence is not None and not isinstance(sequence, int):
        try:
            event["SEQUENCE"] = int(str(sequence).strip())
        except ValueError:
            del event["SEQUENCE"]


class Stamper:
    """Give every date-time value of an event its time zone, in place."""

    def __init__(self, zones: FeedZones, floating_tz: tzinfo) -> None:
        self._feed_zones = zones
        self._floating_tz = floating_tz
        self._zones: dict[str, tzinfo | None] = {}

    def stamp(self, event: Event) -> None:
        for name in _DATETIME_PROPERTIES:
            value = get_property(event, name)
            if value is None:
                continue
            for prop in value if isinstance(value, list) else [value]:
                tzid = prop.params.get(TZID_PARAMETER) if hasattr(prop, "params") else None
                if isinstance(prop, vDDDLists):
                    for item in prop.dts:
                        item.dt = self._value(item.dt, tzid)
                elif isinstance(prop, vDDDTypes):
                    prop.dt = self._value(prop.dt, tzid)

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
            return value.replace(tzinfo=self._floating_tz)
        return value

    def _zone(self, tzid: str) -> tzinfo | None:
        if tzid not in self._zones:
            self._zones[tzid] = self._feed_zones.lookup(tzid)
        return self._zones[tzid]


def fix_until(event: Event) -> None:
    """UNTIL written as local time or a date next to a zoned DTSTART: read it in DTSTART's zone.

    The library would read a local UNTIL as UTC (hours off) and a date UNTIL as 00:00 UTC
    (dropping that day's occurrence).
    """
    start = get_property(event, "DTSTART").dt
    if not isinstance(start, datetime) or start.tzinfo is None:
        return
    rules = get_property(event, "RRULE")
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
