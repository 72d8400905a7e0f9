"""Time zones defined inside the feed (VTIMEZONE), resolved per feed.

Resolution order for a TZID: a real zone by name (IANA, Windows, vendor-prefixed; see
:mod:`slackapp.calendar.timezones`) wins over the feed's VTIMEZONE, exactly like icalendar does;
only unknown names (Outlook's "Customized Time Zone", …) use the feed's own definition.

We deliberately do not let icalendar build these zones: icalendar caches every custom
VTIMEZONE in a process-wide table keyed by TZID, first definition wins, forever. In a server
that parses many people's feeds that would leak one person's "Customized Time Zone" into
another's calendar and grow without bound. Instead each feed gets its own zones, built with
dateutil's ``tzical`` (the same code icalendar uses underneath) from a sanitised copy of the
block, and then "materialised": each STANDARD/DAYLIGHT onset list is computed once, under the
CPU guard, up to the year 2100 (old yearly rules start at 1970, see _skip_ancient_history), and
stored as a sorted list. That bounds the cost of a hostile definition (``RRULE:FREQ=SECONDLY``)
and removes dateutil's lazily-extended, lock-protected cache, which could otherwise be left
locked (and deadlock) if the guard interrupted it.
"""

from __future__ import annotations

import bisect
import re
from datetime import datetime, tzinfo
from io import StringIO
from typing import Any

from dateutil.tz import tzical

from slackapp.calendar.budget import BudgetExceeded, CpuBudget
from slackapp.calendar.scan import Block
from slackapp.calendar.timezones import resolve_tzid

__all__ = ["FeedZones"]

_MAX_CUSTOM_ZONES = 20
_MAX_ONSETS = 2000
_FIRST_YEAR = 1970
_LAST_YEAR = 2100
_ZONE_ALLOWANCE_SECONDS = 0.5
_OFFSET = re.compile(r"[+-](\d{2})(\d{2})(\d{2})?$")
_KEEP_IN_ZONE = frozenset({"TZID"})
_KEEP_IN_RULE = frozenset({"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE", "RDATE"})


class _Onsets:
    """Stands in for dateutil's cached rrule inside a tzical zone: just ``before()`` by bisection."""

    def __init__(self, onsets: list[datetime]) -> None:
        self._onsets = onsets

    def before(self, dt: datetime, inc: bool = False) -> datetime | None:
        index = bisect.bisect_right(self._onsets, dt) if inc else bisect.bisect_left(self._onsets, dt)
        return self._onsets[index - 1] if index else None


class FeedZones:
    """TZID → tzinfo for one feed."""

    def __init__(self, blocks: list[Block], budget: CpuBudget) -> None:
        self.failed: dict[str, str] = {}  # TZID → why its VTIMEZONE could not be used
        self.unknown: set[str] = set()  # TZIDs with neither a known name nor a VTIMEZONE
        self._custom: dict[str, tzinfo | None] = {}
        self._blocks: dict[str, Block] = {}
        for block in blocks:
            tzid = (block.first_value("TZID") or "").strip().strip('"')
            if tzid and tzid not in self._blocks and resolve_tzid(tzid) is None:
                self._blocks[tzid] = block
        self._budget = budget

    def lookup(self, tzid: str) -> tzinfo | None:
        """The zone for a TZID, or None when neither its name nor the feed defines a usable zone."""
        known = resolve_tzid(tzid)
        if known is not None:
            return known
        cleaned = tzid.strip().strip('"')
        if cleaned not in self._custom:
            self._custom[cleaned] = self._build(cleaned)
        return self._custom[cleaned]

    def _build(self, tzid: str) -> tzinfo | None:
        block = self._blocks.get(tzid)
        if block is None:
            self.unknown.add(tzid)
            return None
        if sum(1 for zone in self._custom.values() if zone is not None) >= _MAX_CUSTOM_ZONES:
            self.failed[tzid] = "is one custom time zone too many"
            return None
        text = _sanitise(block)
        if text is None:
            self.failed[tzid] = "has an unusable definition"
            return None
        try:
            with self._budget.allowance(_ZONE_ALLOWANCE_SECONDS), self._budget.guard():
                zone = tzical(StringIO(text)).get()
                _materialise(zone)
        except BudgetExceeded as exceeded:
            if exceeded.scope == "feed":
                raise
            self.failed[tzid] = "has a definition too expensive to evaluate"
            return None
        except Exception:  # dateutil raises ValueError, TypeError, … for malformed definitions
            self.failed[tzid] = "has a malformed definition"
            return None
        return zone


def _materialise(zone: Any) -> None:
    """Replace each component's lazily cached rule with a precomputed, sorted onset list."""
    for component in zone._comps:
        onsets: list[datetime] = []
        for onset in component.rrule:
            if onset.year > _LAST_YEAR:
                break
            onsets.append(onset)
            if len(onsets) > _MAX_ONSETS:
                raise ValueError("too many onsets")
        component.rrule = _Onsets(onsets)
    # Force one lookup so a structurally broken zone fails here, not later inside expansion.
    zone.utcoffset(datetime(2000, 1, 1))


def _sanitise(block: Block) -> str | None:
    """Keep only what dateutil's tzical understands; None if the definition is unusable."""
    out: list[str] = []
    depth = 0
    skipping = 0
    for line in block.lines:
        name, _, value = line.partition(":")
        prop = name.split(";", 1)[0].strip().upper()
        if prop in ("BEGIN", "END"):
            component = value.strip().upper()
            if skipping:
                skipping += 1 if prop == "BEGIN" else -1
                continue
            if prop == "BEGIN":
                depth += 1
                if depth == 2 and component not in ("STANDARD", "DAYLIGHT"):
                    skipping, depth = 1, depth - 1
                    continue
            else:
                depth -= 1
            out.append(f"{prop}:{component}")
            continue
        if skipping:
            continue
        if depth == 1 and prop in _KEEP_IN_ZONE:
            out.append(f"{prop}:{value.strip()}")
        elif depth == 2 and prop in _KEEP_IN_RULE:
            kept = _rule_line(prop, value.strip())
            if kept is None:
                return None
            out.append(kept)
    if len(out) <= 3:
        return None
    return "\n".join(_skip_ancient_history(out)) + "\n"


def _skip_ancient_history(lines: list[str]) -> list[str]:
    """Start plain yearly rules no earlier than 1970.

    Outlook writes DTSTART:16010101T… for every zone; evaluating four centuries of DST onsets
    costs ~0.1 s per zone and matters for nothing. A FREQ=YEARLY rule without COUNT, UNTIL or
    INTERVAL gives the same onsets from 1970 on whichever year it starts in.
    """
    result = list(lines)
    start_index: int | None = None
    rule = ""
    for index, line in enumerate(lines):
        if line.startswith("BEGIN:"):
            start_index, rule = None, ""
        elif line.startswith("DTSTART:"):
            start_index = index
        elif line.startswith("RRULE:"):
            rule = line[6:].upper()
        elif line.startswith("END:") and start_index is not None and rule:
            parts = dict(part.partition("=")[::2] for part in rule.split(";"))
            value = lines[start_index][8:]
            if (
                parts.get("FREQ") == "YEARLY"
                and parts.get("INTERVAL", "1") == "1"
                and "COUNT" not in parts
                and "UNTIL" not in parts
                and value[:4].isdigit()
                and int(value[:4]) < _FIRST_YEAR
                and value[4:8] != "0229"
            ):
                result[start_index] = f"DTSTART:{_FIRST_YEAR}{value[4:]}"
    return result


def _rule_line(prop: str, value: str) -> str | None:
    if prop in ("TZOFFSETFROM", "TZOFFSETTO"):
        match = _OFFSET.match(value)
        if match is None or int(match.group(1)) > 18 or int(match.group(2)) > 59:
            return None
    elif prop == "DTSTART":
        if len(value) == 8 and value.isdigit():
            value += "T000000"
        value = value.rstrip("Zz")
    return f"{prop}:{value}"
