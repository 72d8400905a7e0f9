"""One run of :func:`~slackapp.calendar.parse.parse_feed` over a scanned feed: expand each series, collect problems."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Event

from slackapp.calendar.budget import BudgetExceeded, CpuBudget
from slackapp.calendar.expand import ExpandContext, ExpandedOccurrence, SeriesError, expand_group, occurrence_id
from slackapp.calendar.occurrences import SINGLE, STATUSES, FeedRejected, Occurrence, ParseResult
from slackapp.calendar.scan import ScannedFeed
from slackapp.calendar.timezones import resolve_tzid
from slackapp.calendar.vtimezone import FeedZones

_MAX_PROBLEMS = 50
_MAX_TITLE_IN_PROBLEM = 60


class _Run:
    def __init__(
        self,
        feed: ScannedFeed,
        budget: CpuBudget,
        window_start: datetime,
        window_end: datetime,
        default_tz: ZoneInfo,
        max_occurrences: int,
    ) -> None:
        self.feed = feed
        self.budget = budget
        self.window = (window_start, window_end)
        self.default_tz = default_tz
        self.max_occurrences = max_occurrences
        self.problems: list[str] = []
        self.zones = FeedZones(feed.timezones, budget)
        self.contexts = [self._context(index) for index in range(len(feed.headers))]
        self.occurrences: list[Occurrence] = []
        self.truncated = False
        self.skipped = 0

    def _context(self, calendar: int) -> ExpandContext:
        scale = self.feed.header_value(calendar, "CALSCALE")
        if scale and scale.strip().upper() != "GREGORIAN":
            raise FeedRejected(
                f"The calendar uses the {scale.strip()[:30]} calendar scale; only Gregorian calendars are supported."
            )
        calendar_tz: tzinfo | None = None
        declared = self.feed.header_value(calendar, "X-WR-TIMEZONE")
        if declared and declared.strip():
            calendar_tz = resolve_tzid(declared)
            if calendar_tz is None:
                self._problem(
                    f"calendar time zone '{_short(declared)}' is unknown; times without a zone were read "
                    f"in your own time zone ({_zone_name(self.default_tz)})"
                )
        start, end = self.window
        return ExpandContext(
            zones=self.zones,
            floating_tz=calendar_tz or self.default_tz,
            calendar_tz=calendar_tz,
            span_start=start.astimezone(self.default_tz),
            span_end=end.astimezone(self.default_tz),
            max_values=self.max_occurrences,
            budget=self.budget,
        )

    def run(self) -> ParseResult:
        if self.feed.missing_end:
            self._problem("the calendar file does not end with END:VCALENDAR")
        if self.feed.ignored_lines:
            self._problem(f"{self.feed.ignored_lines} malformed line(s) outside events were ignored")
        usable = outside = 0
        series_seconds = max(0.25, (self.budget.deadline - self.budget.started) / 4)
        try:
            for group in self.feed.groups():
                self.budget.check()
                if group.outside(*self.window):
                    outside += 1
                    continue
                context = self.contexts[group.blocks[0].calendar]
                try:
                    with self.budget.allowance(series_seconds):
                        raw, cut = expand_group(group, context)
                    built = self._build(raw, context)
                except BudgetExceeded as exceeded:
                    if exceeded.scope == "feed":
                        raise
                    self._skip(group.title(), "it repeats too often to expand within the time limit")
                    continue
                except SeriesError as error:
                    self._skip(group.title(), error.reason)
                    continue
                except Exception as error:  # input nobody foresaw must cost this series only, not the feed
                    self._skip(group.title(), f"it could not be read ({type(error).__name__})")
                    continue
                usable += 1
                self.truncated |= cut
                self.occurrences.extend(built)
                if len(self.occurrences) > 2 * self.max_occurrences:
                    self._trim()
        except BudgetExceeded:
            self.truncated = True
            self._problem("the calendar took too long to read; only part of it was used")
        fallback = next(
            (f"the calendar's time zone ({_zone_name(c.calendar_tz)})" for c in self.contexts if c.calendar_tz),
            f"your own time zone ({_zone_name(self.default_tz)})",
        )
        for tzid, why in sorted(self.zones.failed.items())[:10]:
            self._problem(f"time zone '{_short(tzid)}' {why}; times in it were read in {fallback}")
        for tzid in sorted(self.zones.unknown)[:10]:
            self._problem(f"time zone '{_short(tzid)}' is unknown; times in it were read in {fallback}")
        if self.skipped and not usable and not outside and not self.truncated:
            first = next((problem for problem in self.problems if problem.startswith("series ")), "")
            raise FeedRejected(
                f"The calendar file is malformed: none of its {self.skipped} event(s) could be read ({first})."
            )
        self._trim()
        return ParseResult(
            occurrences=tuple(self.occurrences),
            skipped_series=self.skipped,
            problems=tuple(self._capped_problems()),
            truncated=self.truncated,
        )

    def _build(self, raw: list[ExpandedOccurrence], context: ExpandContext) -> list[Occurrence]:
        built: list[Occurrence] = []
        fields: dict[int, tuple[str, str, str, str, int, str | None, int]] = {}
        for item in raw:
            key = id(item.event)
            if key not in fields:
                fields[key] = _event_fields(item.event)
            uid, title, description, status, attendees, organizer, sequence = fields[key]
            start, end = item.start, item.end
            all_day = not isinstance(start, datetime)
            if not isinstance(start, datetime):
                start = _midnight(start, self.default_tz)
            if not isinstance(end, datetime):
                end = _midnight(end, self.default_tz)
            built.append(
                Occurrence(
                    uid=uid,
                    occurrence_id=SINGLE if item.single else occurrence_id(item.original, context.floating_tz),
                    title=title,
                    description=description,
                    start=start,
                    end=end,
                    all_day=all_day,
                    status=status,
                    attendee_count=attendees,
                    organizer=organizer,
                    sequence=sequence,
                )
            )
        return built

    def _trim(self) -> None:
        self.occurrences.sort(key=lambda o: (o.start, o.uid, o.occurrence_id))
        if len(self.occurrences) > self.max_occurrences:
            del self.occurrences[self.max_occurrences :]
            self.truncated = True

    def _skip(self, title: str, reason: str) -> None:
        self.skipped += 1
        self._problem(f"series '{_short(title) or 'untitled event'}': {reason}")

    def _problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def _capped_problems(self) -> list[str]:
        if len(self.problems) <= _MAX_PROBLEMS:
            return self.problems
        return [*self.problems[: _MAX_PROBLEMS - 1], f"… and {len(self.problems) - _MAX_PROBLEMS + 1} more problems"]


def _event_fields(event: Event) -> tuple[str, str, str, str, int, str | None, int]:
    status = str(event.get("STATUS", "CONFIRMED")).strip().upper()
    attendees = event.get("ATTENDEE")
    count = _people_count([] if attendees is None else attendees if isinstance(attendees, list) else [attendees])
    sequence = event.get("SEQUENCE", 0)
    return (
        str(event.get("UID", "")),
        str(event.get("SUMMARY", "")),
        str(event.get("DESCRIPTION", "")),
        status if status in STATUSES else "CONFIRMED",
        count,
        _organizer(event.get("ORGANIZER")),
        sequence if isinstance(sequence, int) else 0,
    )


NOT_PEOPLE = frozenset({"ROOM", "RESOURCE"})  # RFC 5545 CUTYPE: a booked room or projector is no attendee


def _people_count(attendees: list[object]) -> int:
    """Attendees that are people (or groups of them): a 1:1 booked in a meeting room is still a 1:1."""
    count = 0
    for attendee in attendees:
        params = getattr(attendee, "params", None)
        cutype = str(params.get("CUTYPE", "")).strip().upper() if params is not None else ""
        count += cutype not in NOT_PEOPLE
    return count


def _organizer(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value).strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].strip()
    return text or None


def _zone_name(zone: tzinfo | None) -> str:
    return str(getattr(zone, "key", None) or zone)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TITLE_IN_PROBLEM else text[: _MAX_TITLE_IN_PROBLEM - 1] + "…"

