"""Split an iCalendar text into its top-level components, without parsing their values.

This cheap pass lets the parser work one VEVENT group (all components sharing a UID) at a
time: a broken event costs only its own series, memory stays bounded by one group, the CPU
budget is checked between groups, and groups that plainly lie outside the wanted window are
skipped without paying for icalendar's (slow) value parsing.

The line handling mirrors icalendar's own: lines are split on ``\\r?\\n`` and unfolded with the
same regular expression, so the text we hand to icalendar means exactly what it meant before.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

__all__ = ["Block", "FeedStructureError", "Group", "ScannedFeed", "decode", "scan", "value_colon"]

# Equivalent to icalendar's UFOLD, r"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]" (a leftmost match
# always starts at the first newline of a run, so its look-behinds change nothing), but ~3x faster.
# Lines are then split on "\r?\n" like icalendar's NEWLINE.
_UNFOLD = re.compile(r"\r?\n(?:\r?\n)*[ \t]")
_BOUNDARY = re.compile(r"(BEGIN|END):([A-Za-z0-9-]+)\s*$", re.IGNORECASE)
_DATE_VALUE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# RRULE, RDATE, EXRULE make a series recurring; DURATION needs real parsing to know the end.
_NO_PREFILTER = ("RRULE", "RDATE", "EXRULE", "DURATION")
# Slack around the window for the text prefilter: covers any UTC offset (±14 h) and rounding.
_PREFILTER_SLACK = timedelta(days=2)


class FeedStructureError(Exception):
    """The text is not an iCalendar file or its structure is unusable as a whole."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Block:
    """One top-level component inside a VCALENDAR, as unfolded text lines (BEGIN/END included)."""

    name: str
    lines: list[str]
    calendar: int
    broken: str | None = None

    def text(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"

    def first_value(self, prop: str) -> str | None:
        """The raw value of the first top-level property named ``prop`` (no unescaping)."""
        depth = 0
        prefix_len = len(prop)
        for line in self.lines[1:-1]:
            match = _BOUNDARY.match(line) if line[0] in "BEbe" else None
            if match:
                depth += 1 if match.group(1).upper() == "BEGIN" else -1
                continue
            if depth == 0 and line[:prefix_len].upper() == prop and line[prefix_len : prefix_len + 1] in (":", ";"):
                return _raw_value(line)
        return None


@dataclass(slots=True)
class Group:
    """All VEVENT blocks with the same UID (or one UID-less block)."""

    key: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def synthetic_uid(self) -> bool:
        return self.key.startswith("flowcoach-no-uid-")

    def title(self) -> str:
        for block in self.blocks:
            summary = block.first_value("SUMMARY")
            if summary:
                return summary.replace("\\,", ",").replace("\\;", ";").replace("\\n", " ")
        return ""

    def outside(self, window_start: datetime, window_end: datetime) -> bool:
        """True only when the text shows for certain that no block can touch the window.

        Any doubt (recurrence, DURATION, unreadable or missing dates) answers False, so the
        group goes through the real parser.
        """
        low = window_start.date() - _PREFILTER_SLACK
        high = window_end.date() + _PREFILTER_SLACK
        for block in self.blocks:
            if block.broken is not None:
                return False
            start = end = None
            for line in block.lines:
                head = line[:8].upper()
                if head.startswith(_NO_PREFILTER):
                    return False
                if head.startswith("DTSTART") and line[7:8] in (":", ";"):
                    start = _date_of(line)
                    if start is None:
                        return False
                elif head.startswith("DTEND") and line[5:6] in (":", ";"):
                    end = _date_of(line)
                    if end is None:
                        return False
            if start is None:
                return False
            first, last = min(start, end or start), max(start, end or start)
            if not (last < low or first > high):
                return False
        return True


@dataclass(slots=True)
class ScannedFeed:
    headers: list[list[str]]  # calendar-level property lines, one list per VCALENDAR
    timezones: list[Block]
    events: list[Block]
    ignored_lines: int
    missing_end: bool = False  # every component is complete but END:VCALENDAR is missing

    def header_value(self, calendar: int, prop: str) -> str | None:
        for line in self.headers[calendar]:
            if line[: len(prop)].upper() == prop and line[len(prop) : len(prop) + 1] in (":", ";"):
                return _raw_value(line)
        return None

    def groups(self) -> Iterator[Group]:
        """VEVENT groups in order of first appearance."""
        by_uid: dict[str, Group] = {}
        for block in self.events:
            uid = block.first_value("UID")
            key = uid.strip() if uid else _synthetic_uid(block)
            group = by_uid.get(key)
            if group is None:
                group = by_uid[key] = Group(key)
            group.blocks.append(block)
        yield from by_uid.values()


def decode(data: bytes) -> str:
    """Bytes → text the way icalendar does it (UTF-8, BOM dropped, invalid bytes replaced)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", "replace")


def scan(text: str) -> ScannedFeed:
    """Split the text into calendar headers and top-level component blocks."""
    if "\n " in text or "\n\t" in text:  # a fold needs one of these
        text = _UNFOLD.sub("", text)
    feed = ScannedFeed(headers=[], timezones=[], events=[], ignored_lines=0)
    seen_calendar = False
    depth = 0  # 0: outside any VCALENDAR, 1: inside one, 2+: inside a component
    stack: list[str] = []
    implicit = False  # the file has no VCALENDAR wrapper
    block_name = ""
    current: list[str] = []
    broken: str | None = None
    for raw in text.split("\n"):
        if raw.endswith("\r"):
            raw = raw[:-1]
        line = raw.strip().lstrip("\ufeff") if depth == 0 else raw
        if not line:
            continue
        match = _BOUNDARY.match(line) if line[0] in "BEbe" else None
        kind = match.group(1).upper() if match else ""
        name = match.group(2).upper() if match else ""
        if depth == 0:
            if kind == "BEGIN" and name in ("VCALENDAR", "VEVENT") and (name == "VCALENDAR" or not seen_calendar):
                seen_calendar = True
                depth = 1
                feed.headers.append([])
                if name == "VEVENT":  # a bare event without its VCALENDAR wrapper: read it as one
                    implicit = True
                    stack, block_name, current, broken, depth = [name], name, [line], None, 2
            elif not seen_calendar:
                raise FeedStructureError(_not_icalendar(line))
            else:
                feed.ignored_lines += 1
        elif depth == 1:
            if kind == "BEGIN":
                stack, block_name, current, broken, depth = [name], name, [line], None, 2
            elif kind == "END" and name == "VCALENDAR":
                depth = 0
            elif kind == "END" or ":" not in line:
                feed.ignored_lines += 1
            else:
                feed.headers[-1].append(line)
        else:
            if kind == "END" and name == "VCALENDAR":
                # a component left open: keep what we have, flagged, and close the calendar
                current.append(f"END:{block_name}")
                _finish(feed, block_name, current, "it is not closed properly")
                depth = 0
                continue
            current.append(line)
            if kind == "BEGIN":
                stack.append(name)
            elif kind == "END":
                if name == stack[-1]:
                    stack.pop()
                elif name in stack:
                    while stack[-1] != name:
                        stack.pop()
                    stack.pop()
                    broken = "it is not closed properly"
                else:
                    broken = "it is not closed properly"
                if not stack:
                    _finish(feed, block_name, current, broken)
                    depth = 1
    if not seen_calendar:
        raise FeedStructureError("This address did not return an iCalendar file (it is empty).")
    if depth > 1:
        raise FeedStructureError(
            "The calendar file is malformed: it ends in the middle of an event (the download may have been cut off)."
        )
    if depth == 1 and not implicit:
        feed.missing_end = True
    return feed


def _finish(feed: ScannedFeed, name: str, lines: list[str], broken: str | None) -> None:
    block = Block(name=name, lines=lines, calendar=len(feed.headers) - 1, broken=broken)
    if name == "VEVENT":
        feed.events.append(block)
    elif name == "VTIMEZONE":
        feed.timezones.append(block)
    # VTODO, VJOURNAL, VFREEBUSY, X-components… are not meetings: ignored.


def _not_icalendar(first_line: str) -> str:
    if first_line.startswith("<") or first_line[:15].lower().startswith(("<!doctype", "<html")):
        return (
            "This address did not return an iCalendar file: it returned a web page "
            "(the link may be wrong, private, or need a login)."
        )
    if first_line.startswith(("{", "[")):
        return "This address did not return an iCalendar file: it returned JSON data."
    return "This address did not return an iCalendar file (it does not start with BEGIN:VCALENDAR)."


def value_colon(line: str) -> int:
    """Index of the colon that ends the name and parameters (the first one outside quotes), or -1."""
    colon = line.find(":")
    if colon < 0 or line.find('"', 0, colon) < 0:
        return colon
    in_quotes = False
    for index, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            return index
    return -1


def _raw_value(line: str) -> str:
    """The value part of a content line (no unescaping)."""
    colon = value_colon(line)
    return line[colon + 1 :] if colon >= 0 else ""


def _date_of(line: str) -> date | None:
    match = _DATE_VALUE.match(_raw_value(line).strip())
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _synthetic_uid(block: Block) -> str:
    """A stable id for a UID-less event: a hash of its content, DTSTAMP excluded (it changes on every export)."""
    digest = hashlib.sha256()
    for line in block.lines:
        if not line[:8].upper().startswith("DTSTAMP"):
            digest.update(line.encode("utf-8", "replace"))
            digest.update(b"\n")
    return "flowcoach-no-uid-" + digest.hexdigest()[:24]
