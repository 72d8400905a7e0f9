"""parse_feed on small inline calendars: one behaviour per test, concrete times asserted.

Window: 2026-11-01 .. 2026-12-31 (UTC). Europe/Berlin is UTC+1 in that window (no DST change),
America/Los_Angeles is UTC-8, and the person's own zone is Europe/London (UTC+0).
"""

from __future__ import annotations

import sys
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from slackapp.calendar import FeedRejected, Occurrence, ParseResult, parse_feed
from slackapp.content import ContentLibrary

LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
WINDOW_START = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 12, 31, tzinfo=UTC)


def ics(*events: str, header: str = "", timezones: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Flowcoach tests//EN\r\n"
        + header
        + timezones
        + body
        + "END:VCALENDAR\r\n"
    )
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def parse(data: bytes, **kwargs: Any) -> ParseResult:
    options: dict[str, Any] = {"window_start": WINDOW_START, "window_end": WINDOW_END, "default_tz": LONDON}
    options.update(kwargs)
    return parse_feed(data, **options)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def only(result: ParseResult) -> Occurrence:
    assert len(result.occurrences) == 1, result
    return result.occurrences[0]


WEEKLY_1ON1 = """
UID:weekly-1on1@example.com
DTSTAMP:20261001T000000Z
SUMMARY:1:1 Alex / Sam
DTSTART;TZID=Europe/Berlin:20261102T100000
DTEND;TZID=Europe/Berlin:20261102T103000
RRULE:FREQ=WEEKLY;COUNT=4
"""


# --- basics -----------------------------------------------------------------------------------


def test_single_timed_event_fields() -> None:
    result = parse(
        ics(
            """
UID:abc@example.com
DTSTAMP:20261001T000000Z
SUMMARY:Quarterly review\\, Sam
DESCRIPTION:Bring the numbers\\nand the plan
DTSTART;TZID=Europe/Berlin:20261110T150000
DTEND;TZID=Europe/Berlin:20261110T160000
STATUS:TENTATIVE
SEQUENCE:3
ORGANIZER;CN=Alex:MAILTO:alex@example.com
ATTENDEE;CN=Sam:mailto:sam@example.com
ATTENDEE;CN=Alex:mailto:alex@example.com
"""
        )
    )
    assert result.complete
    assert result.problems == ()
    occurrence = only(result)
    assert occurrence == Occurrence(
        uid="abc@example.com",
        occurrence_id="single",  # a one-off event keeps its identity when it is moved
        title="Quarterly review, Sam",
        description="Bring the numbers\nand the plan",
        start=utc(2026, 11, 10, 14),
        end=utc(2026, 11, 10, 15),
        all_day=False,
        status="TENTATIVE",
        attendee_count=2,
        organizer="alex@example.com",
        sequence=3,
    )
    assert occurrence.start.tzinfo is UTC


def test_defaults_for_missing_optional_fields() -> None:
    occurrence = only(parse(ics("UID:x\nDTSTART:20261110T090000Z\nDTEND:20261110T093000Z")))
    assert (occurrence.title, occurrence.description, occurrence.status) == ("", "", "CONFIRMED")
    assert (occurrence.attendee_count, occurrence.organizer, occurrence.sequence) == (0, None, 0)


def test_rooms_and_resources_are_not_counted_as_attendees() -> None:
    occurrence = only(parse(ics("""
UID:one-on-one@example.com
DTSTART:20261110T090000Z
DTEND:20261110T093000Z
SUMMARY:Ravi / Maria
ATTENDEE;CUTYPE=INDIVIDUAL;CN=Ravi:mailto:ravi@example.com
ATTENDEE;CN=Maria:mailto:maria@example.com
ATTENDEE;CUTYPE=ROOM;CN=Room 4.01:mailto:room401@resource.example.com
ATTENDEE;CUTYPE=resource;CN=Projector:mailto:projector@resource.example.com
ATTENDEE;CUTYPE=GROUP;CN=Leads:mailto:leads@example.com
""")))
    assert occurrence.attendee_count == 3  # two people and a group; the room and the projector don't count


def test_a_booked_room_does_not_turn_a_one_on_one_into_a_meeting(content_library: ContentLibrary) -> None:
    occurrence = only(parse(ics("""
UID:1on1@example.com
DTSTART:20261110T090000Z
DTEND:20261110T093000Z
SUMMARY:Ravi / Maria
ATTENDEE;CN=Ravi:mailto:ravi@example.com
ATTENDEE;CN=Maria:mailto:maria@example.com
ATTENDEE;CUTYPE=ROOM;CN=Room 4.01:mailto:room401@resource.example.com
""")))
    without_room = content_library.classify(title="Ravi / Maria", attendee_count=2, organizer_is_person=True)
    with_room = content_library.classify(title=occurrence.title, attendee_count=occurrence.attendee_count,
                                         organizer_is_person=True)
    assert without_room is not None and with_room == without_room
    three_people = content_library.classify(title="Ravi / Maria", attendee_count=3, organizer_is_person=True)
    assert three_people != without_room  # counting the room would have lost the 1:1 prep nudge


def test_event_without_end_is_instant_and_duration_is_used() -> None:
    result = parse(
        ics(
            "UID:a\nDTSTART:20261110T090000Z",
            "UID:b\nDTSTART:20261111T090000Z\nDURATION:PT45M",
        )
    )
    first, second = result.occurrences
    assert first.end == first.start == utc(2026, 11, 10, 9)
    assert second.end - second.start == timedelta(minutes=45)


def test_results_are_sorted_and_limited_to_the_window() -> None:
    result = parse(
        ics(
            "UID:late\nDTSTART:20261201T090000Z\nDTEND:20261201T100000Z",
            "UID:early\nDTSTART:20261102T090000Z\nDTEND:20261102T100000Z",
            "UID:before\nDTSTART:20261020T090000Z\nDTEND:20261020T100000Z",
            "UID:after\nDTSTART:20270105T090000Z\nDTEND:20270105T100000Z",
            "UID:overlaps-start\nDTSTART:20261031T230000Z\nDTEND:20261101T010000Z",
        )
    )
    assert [o.uid for o in result.occurrences] == ["overlaps-start", "early", "late"]


def test_long_event_starting_before_the_window_is_kept() -> None:
    occurrence = only(parse(ics("UID:trip\nDTSTART;VALUE=DATE:20261025\nDTEND;VALUE=DATE:20261104")))
    assert occurrence.start == datetime(2026, 10, 25, tzinfo=LONDON)


# --- recurrence --------------------------------------------------------------------------------


def test_weekly_series_expands_in_local_time() -> None:
    result = parse(ics(WEEKLY_1ON1))
    assert [o.start for o in result.occurrences] == [utc(2026, 11, d, 9) for d in (2, 9, 16, 23)]
    assert [o.occurrence_id for o in result.occurrences] == [f"2026-11-{d:02d}T09:00:00+00:00" for d in (2, 9, 16, 23)]
    assert {o.uid for o in result.occurrences} == {"weekly-1on1@example.com"}


def test_exdate_removes_an_occurrence() -> None:
    result = parse(ics(WEEKLY_1ON1 + "EXDATE;TZID=Europe/Berlin:20261109T100000\n"))
    assert [o.start.day for o in result.occurrences] == [2, 16, 23]


def test_series_crossing_dst_keeps_local_time() -> None:
    result = parse(
        ics(
            "UID:s\nDTSTART;TZID=Europe/Berlin:20261019T100000\nDTEND;TZID=Europe/Berlin:20261019T110000\n"
            "RRULE:FREQ=WEEKLY;COUNT=3"
        ),
        window_start=utc(2026, 10, 1),
    )
    # Berlin leaves summer time on 2026-10-25: 10:00 local is 08:00 UTC, then 09:00 UTC.
    assert [o.start for o in result.occurrences] == [utc(2026, 10, 19, 8), utc(2026, 10, 26, 9), utc(2026, 11, 2, 9)]


def test_moved_occurrence_keeps_its_occurrence_id() -> None:
    moved = """
UID:weekly-1on1@example.com
RECURRENCE-ID;TZID=Europe/Berlin:20261109T100000
DTSTART;TZID=Europe/Berlin:20261110T140000
DTEND;TZID=Europe/Berlin:20261110T150000
SUMMARY:1:1 Alex / Sam (moved)
SEQUENCE:1
"""
    result = parse(ics(WEEKLY_1ON1, moved))
    by_id = {o.occurrence_id: o for o in result.occurrences}
    assert len(result.occurrences) == 4
    second = by_id["2026-11-09T09:00:00+00:00"]
    assert (second.start, second.end) == (utc(2026, 11, 10, 13), utc(2026, 11, 10, 14))
    assert second.title == "1:1 Alex / Sam (moved)"
    assert second.sequence == 1
    assert [o.start.day for o in result.occurrences] == [2, 10, 16, 23]


def test_thisandfuture_moves_the_rest_of_the_series() -> None:
    from_third_on = """
UID:weekly-1on1@example.com
RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20261116T100000
DTSTART;TZID=Europe/Berlin:20261116T160000
DTEND;TZID=Europe/Berlin:20261116T170000
SUMMARY:1:1 (afternoons from now on)
"""
    result = parse(ics(WEEKLY_1ON1, from_third_on))
    assert [(o.start, o.title) for o in result.occurrences] == [
        (utc(2026, 11, 2, 9), "1:1 Alex / Sam"),
        (utc(2026, 11, 9, 9), "1:1 Alex / Sam"),
        (utc(2026, 11, 16, 15), "1:1 (afternoons from now on)"),
        (utc(2026, 11, 23, 15), "1:1 (afternoons from now on)"),
    ]
    assert [o.end - o.start for o in result.occurrences][-1] == timedelta(hours=1)
    # ids stay those of the original slots, so nudges are moved rather than doubled
    assert result.occurrences[3].occurrence_id == "2026-11-23T09:00:00+00:00"


def test_until_in_local_time_includes_the_last_occurrence() -> None:
    # Floating DTSTART and UNTIL, read in Los Angeles: UNTIL 09:00 local is 17:00 UTC.
    result = parse(
        ics("UID:u\nDTSTART:20261102T090000\nDTEND:20261102T093000\nRRULE:FREQ=DAILY;UNTIL=20261104T090000"),
        default_tz=ZoneInfo("America/Los_Angeles"),
    )
    assert [o.start for o in result.occurrences] == [utc(2026, 11, d, 17) for d in (2, 3, 4)]


def test_until_as_date_next_to_a_zoned_start_includes_that_day() -> None:
    result = parse(ics(WEEKLY_1ON1.replace("COUNT=4", "UNTIL=20261116")))
    assert [o.start.day for o in result.occurrences] == [2, 9, 16]


# --- cancellations -----------------------------------------------------------------------------


def test_cancelled_event_is_returned_as_cancelled() -> None:
    occurrence = only(parse(ics("UID:c\nSTATUS:CANCELLED\nDTSTART:20261110T090000Z\nDTEND:20261110T100000Z")))
    assert occurrence.status == "CANCELLED"


def test_cancelled_single_occurrence_is_returned_as_cancelled() -> None:
    cancelled = """
UID:weekly-1on1@example.com
RECURRENCE-ID;TZID=Europe/Berlin:20261116T100000
DTSTART;TZID=Europe/Berlin:20261116T100000
DTEND;TZID=Europe/Berlin:20261116T103000
STATUS:CANCELLED
"""
    result = parse(ics(WEEKLY_1ON1, cancelled))
    assert [(o.start.day, o.status) for o in result.occurrences] == [
        (2, "CONFIRMED"),
        (9, "CONFIRMED"),
        (16, "CANCELLED"),
        (23, "CONFIRMED"),
    ]
    assert result.occurrences[2].occurrence_id == "2026-11-16T09:00:00+00:00"


def test_unknown_status_counts_as_confirmed() -> None:
    assert only(parse(ics("UID:s\nSTATUS:MAYBE\nDTSTART:20261110T090000Z"))).status == "CONFIRMED"


# --- all-day and time zones ----------------------------------------------------------------------


def test_all_day_event_is_flagged_and_starts_at_the_persons_midnight() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    occurrence = only(
        parse(ics("UID:holiday\nDTSTART;VALUE=DATE:20261126\nDTEND;VALUE=DATE:20261127"), default_tz=tokyo)
    )
    assert occurrence.all_day
    assert occurrence.start == datetime(2026, 11, 26, tzinfo=tokyo)
    assert occurrence.start.tzinfo == tokyo
    assert occurrence.end == datetime(2026, 11, 27, tzinfo=tokyo)
    assert occurrence.occurrence_id == "single"  # a one-off all-day event


def test_recurring_all_day_series() -> None:
    result = parse(ics("UID:b\nDTSTART;VALUE=DATE:20201203\nRRULE:FREQ=YEARLY\nSUMMARY:Birthday"))
    occurrence = only(result)
    assert (occurrence.all_day, occurrence.start, occurrence.end) == (
        True,
        datetime(2026, 12, 3, tzinfo=LONDON),
        datetime(2026, 12, 4, tzinfo=LONDON),
    )
    assert occurrence.occurrence_id == "2026-12-03"


def test_floating_time_is_read_in_the_persons_zone() -> None:
    event = "UID:f\nDTSTART:20261110T090000\nDTEND:20261110T100000"
    assert only(parse(ics(event), default_tz=BERLIN)).start == utc(2026, 11, 10, 8)
    assert only(parse(ics(event), default_tz=ZoneInfo("America/New_York"))).start == utc(2026, 11, 10, 14)


@pytest.mark.parametrize(
    ("tzid", "expected_utc_hour"),
    [
        ("W. Europe Standard Time", 8),
        ('"W. Europe Standard Time"', 8),
        ("Pacific Standard Time", 17),
        ("pacific standard time", 17),
        ("Europe/Berlin", 8),  # an IANA name without its VTIMEZONE
        ("/mozilla.org/20070129_1/Europe/Berlin", 8),
        ("UTC", 9),
    ],
)
def test_tzid_names_without_vtimezone(tzid: str, expected_utc_hour: int) -> None:
    result = parse(ics(f"UID:w\nDTSTART;TZID={tzid}:20261110T090000\nDTEND;TZID={tzid}:20261110T100000"))
    assert only(result).start == utc(2026, 11, 10, expected_utc_hour)
    assert result.problems == ()


OUTLOOK_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Pacific Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def test_windows_tzid_with_outlook_vtimezone_uses_iana_zone() -> None:
    result = parse(
        ics(
            "UID:o\nDTSTART;TZID=Pacific Standard Time:20261102T090000\n"
            "DTEND;TZID=Pacific Standard Time:20261102T100000\nRRULE:FREQ=WEEKLY;COUNT=2",
            timezones=OUTLOOK_VTIMEZONE,
        ),
        window_start=utc(2026, 10, 1),
    )
    # 2026-11-01 is the first Sunday of November: Los Angeles is back on UTC-8.
    assert [o.start for o in result.occurrences] == [utc(2026, 11, 2, 17), utc(2026, 11, 9, 17)]
    assert result.occurrences[0].start.tzinfo is UTC


def custom_zone(offset: str) -> str:
    return (
        "BEGIN:VTIMEZONE\nTZID:Customized Time Zone\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
        f"TZOFFSETFROM:{offset}\nTZOFFSETTO:{offset}\nEND:STANDARD\nEND:VTIMEZONE\n"
    )


CUSTOM_EVENT = (
    "UID:cz\nDTSTART;TZID=Customized Time Zone:20261110T090000\nDTEND;TZID=Customized Time Zone:20261110T100000"
)


def test_custom_vtimezone_is_used_for_unknown_names() -> None:
    assert only(parse(ics(CUSTOM_EVENT, timezones=custom_zone("+0530")))).start == utc(2026, 11, 10, 3, 30)


def test_custom_vtimezones_do_not_leak_between_feeds() -> None:
    # icalendar caches custom VTIMEZONEs process-wide (first definition wins); we must not.
    icalendar.Calendar.from_ical(ics(CUSTOM_EVENT, timezones=custom_zone("+1100")))  # pollute its cache
    assert only(parse(ics(CUSTOM_EVENT, timezones=custom_zone("+0530")))).start == utc(2026, 11, 10, 3, 30)
    assert only(parse(ics(CUSTOM_EVENT, timezones=custom_zone("-0300")))).start == utc(2026, 11, 10, 12)


def test_custom_vtimezone_with_dst_rules() -> None:
    zone = OUTLOOK_VTIMEZONE.replace("Pacific Standard Time", "My Office Zone")
    summer = "UID:s\nDTSTART;TZID=My Office Zone:20260715T090000"
    winter = "UID:w\nDTSTART;TZID=My Office Zone:20261215T090000"
    result = parse(ics(summer, winter, timezones=zone), window_start=utc(2026, 7, 1))
    assert [o.start for o in result.occurrences] == [utc(2026, 7, 15, 16), utc(2026, 12, 15, 17)]


def test_zone_names_are_resolved_per_feed_not_in_icalendars_global_cache() -> None:
    # icalendar remembers every TZID it resolves, process-wide; a feed with many invented names
    # would grow that forever. We hide TZIDs from icalendar and resolve them ourselves.
    events = [f"UID:v{n}\nDTSTART;TZID=/vendor-{n}/Europe/Berlin:20261110T090000" for n in range(50)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # icalendar warns (GloballyUniqueTZIDGuessed) when it guesses
        result = parse(ics(*events))
    assert {o.start for o in result.occurrences} == {utc(2026, 11, 10, 8)}
    cache = vars(icalendar.timezone.tzp).get("_TZP__tz_cache", {})
    assert not any("vendor-" in key for key in cache)


def test_unknown_tzid_is_read_in_the_persons_zone_with_a_problem() -> None:
    result = parse(ics("UID:u\nDTSTART;TZID=Mars/Olympus:20261110T090000"), default_tz=BERLIN)
    assert only(result).start == utc(2026, 11, 10, 8)
    assert result.problems == (
        "time zone 'Mars/Olympus' is unknown; times in it were read in your own time zone (Europe/Berlin)",
    )
    assert result.skipped_series == 0


def test_hostile_vtimezone_is_ignored_cheaply() -> None:
    zone = (
        "BEGIN:VTIMEZONE\nTZID:Evil\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0100\n"
        "TZOFFSETTO:+0100\nRRULE:FREQ=SECONDLY\nEND:STANDARD\nEND:VTIMEZONE\n"
    )
    result = parse(ics("UID:e\nDTSTART;TZID=Evil:20261110T090000", timezones=zone), max_cpu_seconds=1)
    assert only(result).start == utc(2026, 11, 10, 9)  # read in London, the person's zone
    assert result.problems and "time zone 'Evil'" in result.problems[0]


def test_x_wr_timezone_applies_to_floating_times() -> None:
    result = parse(
        ics("UID:x\nDTSTART:20261110T090000\nDTEND:20261110T100000", header="X-WR-TIMEZONE:America/Los_Angeles\n")
    )
    assert only(result).start == utc(2026, 11, 10, 17)


def test_x_wr_timezone_makes_utc_series_recur_in_local_time() -> None:
    # Google-style: DTSTART in UTC, but the calendar lives in Berlin: 10:00 Berlin stays 10:00
    # after the October DST change (08:00 UTC in summer, 09:00 UTC in winter).
    result = parse(
        ics(
            "UID:g\nDTSTART:20261019T080000Z\nDTEND:20261019T090000Z\nRRULE:FREQ=WEEKLY;COUNT=2",
            header="X-WR-TIMEZONE:Europe/Berlin\n",
        ),
        window_start=utc(2026, 10, 1),
    )
    assert [o.start for o in result.occurrences] == [utc(2026, 10, 19, 8), utc(2026, 10, 26, 9)]


def test_x_wr_timezone_windows_name_and_unknown_name() -> None:
    event = "UID:x\nDTSTART:20261110T090000"
    windows = parse(ics(event, header="X-WR-TIMEZONE:W. Europe Standard Time\n"))
    assert only(windows).start == utc(2026, 11, 10, 8)
    unknown = parse(ics(event, header="X-WR-TIMEZONE:Nowhere/Special\n"), default_tz=BERLIN)
    assert only(unknown).start == utc(2026, 11, 10, 8)
    assert unknown.problems == (
        "calendar time zone 'Nowhere/Special' is unknown; times without a zone were read in your own "
        "time zone (Europe/Berlin)",
    )


# --- file-level robustness ------------------------------------------------------------------------


def test_bom_and_lf_line_endings_and_folding() -> None:
    text = (
        "\ufeffBEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:bom\nSUMMARY:A long title that was\n"
        "  folded by the exporter\nDTSTART:20261110T090000Z\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    occurrence = only(parse(text.encode("utf-8")))
    assert occurrence.title == "A long title that was folded by the exporter"


def test_utf16_and_latin1_bytes() -> None:
    text = ics("UID:u\nSUMMARY:Café\nDTSTART:20261110T090000Z").decode()
    assert only(parse(text.encode("utf-16"))).title == "Café"
    assert only(parse(text.encode("latin-1"))).title == "Caf\ufffd"  # undecodable byte replaced, no crash


def test_nested_alarm_lowercase_markers_and_other_components() -> None:
    text = (
        "BEGIN:VCALENDAR\nbegin:vevent\nUID:n\nDTSTART:20261110T090000Z\nBEGIN:VALARM\nTRIGGER:-PT15M\n"
        "ACTION:DISPLAY\nEND:VALARM\nend:vevent\nBEGIN:VTODO\nUID:t\nDUE:20261110T090000Z\nEND:VTODO\n"
        "END:VCALENDAR\n"
    )
    assert only(parse(text.encode())).uid == "n"


def test_bare_vevent_without_vcalendar_is_accepted() -> None:
    assert only(parse(b"BEGIN:VEVENT\r\nUID:bare\r\nDTSTART:20261110T090000Z\r\nEND:VEVENT\r\n")).uid == "bare"


def test_missing_end_vcalendar_is_tolerated_with_a_problem() -> None:
    data = ics("UID:m\nDTSTART:20261110T090000Z").replace(b"END:VCALENDAR\r\n", b"")
    result = parse(data)
    assert only(result).uid == "m"
    assert result.problems == ("the calendar file does not end with END:VCALENDAR",)


def test_events_without_uid_get_a_stable_uid() -> None:
    first = parse(ics("DTSTAMP:20261001T000000Z\nSUMMARY:No uid\nDTSTART:20261110T090000Z"))
    again = parse(ics("DTSTAMP:20261002T120000Z\nSUMMARY:No uid\nDTSTART:20261110T090000Z"))
    other = parse(ics("DTSTAMP:20261001T000000Z\nSUMMARY:Another\nDTSTART:20261110T090000Z"))
    assert only(first).uid == only(again).uid != only(other).uid
    assert only(first).uid.startswith("flowcoach-no-uid-")


# --- bad series are skipped, the rest works --------------------------------------------------------


GOOD = "UID:good\nSUMMARY:Good one\nDTSTART:20261110T090000Z\nDTEND:20261110T100000Z"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("UID:bad\nSUMMARY:Weekly sync\nDTSTART:20261102T090000Z\nRRULE:FREQ=FORTNIGHTLY", "invalid RRULE"),
        ("UID:bad\nSUMMARY:Weekly sync\nDTSTART:20261102T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=XX", "invalid RRULE"),
        ("UID:bad\nSUMMARY:Weekly sync\nDTSTART:INVALID-DATE", "its start time (DTSTART) is invalid"),
        (
            "UID:bad\nSUMMARY:Weekly sync\nDTSTART:20261102T090000Z\nDURATION:P999999999999999999W",
            "its duration is invalid",
        ),
        ("UID:bad\nSUMMARY:Weekly sync\nDTEND:20261102T090000Z", "it has no start time (DTSTART)"),
        ("UID:bad\nSUMMARY:Weekly sync\nDTSTART:20261102T090000Z\nEXDATE:garbage", "an EXDATE is invalid"),
        ("UID:bad\nSUMMARY:Weekly sync\nDTSTART:20261102T090000Z\nRDATE;VALUE=TIME:083000", "an RDATE is invalid"),
    ],
)
def test_bad_series_is_skipped_and_counted(bad: str, reason: str) -> None:
    result = parse(ics(bad, GOOD))
    assert [o.uid for o in result.occurrences] == ["good"]
    assert result.skipped_series == 1
    assert result.problems == (f"series 'Weekly sync': {reason}",)
    assert not result.complete
    assert not result.truncated


def test_empty_exdate_is_harmless() -> None:
    result = parse(ics(GOOD + "\nRRULE:FREQ=DAILY;COUNT=2\nEXDATE;VALUE=DATE:"))
    assert len(result.occurrences) == 2
    assert result.complete


def test_component_left_open_is_skipped() -> None:
    text = (
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:open\nSUMMARY:Open\nDTSTART:20261110T090000Z\nBEGIN:VALARM\n"
        "END:VEVENT\n" + f"BEGIN:VEVENT\n{GOOD}\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    result = parse(text.encode())
    assert [o.uid for o in result.occurrences] == ["good"]
    assert result.problems == ("series 'Open': it is not closed properly",)


def test_problems_are_capped() -> None:
    bad = [f"UID:bad{n}\nSUMMARY:Bad {n}\nDTSTART:nope" for n in range(80)]
    result = parse(ics(GOOD, *bad))
    assert result.skipped_series == 80
    assert len(result.problems) == 50
    assert result.problems[-1] == "… and 31 more problems"


# --- whole feed rejected ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "it returned a web page"),
        (b'{"error": "not found"}', "it returned JSON data"),
        (b"", "it is empty"),
        (b"\n\n   \n", "it is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "does not start with BEGIN:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2026", "the download may have been cut off"),
        (b"BEGIN:VCALENDAR\r\nCALSCALE:HEBREW\r\nEND:VCALENDAR\r\n", "only Gregorian calendars"),
    ],
)
def test_unusable_feed_is_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(FeedRejected) as caught:
        parse(data)
    assert reason in caught.value.reason
    assert str(caught.value) == caught.value.reason


def test_feed_whose_every_event_is_broken_is_rejected() -> None:
    with pytest.raises(FeedRejected) as caught:
        parse(ics("UID:a\nSUMMARY:Weekly sync\nDTSTART:20261102T090000Z\nRRULE:FREQ=NEVER"))
    assert caught.value.reason == (
        "The calendar file is malformed: none of its 1 event(s) could be read (series 'Weekly sync': invalid RRULE)."
    )


def test_feed_over_the_byte_limit_is_rejected_before_parsing() -> None:
    data = ics(GOOD)
    with pytest.raises(FeedRejected, match=r"larger than 0\.1 KB"):
        parse(data, max_bytes=100)
    with pytest.raises(FeedRejected, match=r"larger than 5 MB"):
        parse(b"X" * 5_000_001)


def test_empty_calendar_is_fine() -> None:
    result = parse(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    assert result == ParseResult(occurrences=(), skipped_series=0, problems=(), truncated=False)


# --- bounds -----------------------------------------------------------------------------------------


def test_count_bound_keeps_the_earliest_and_sets_truncated() -> None:
    result = parse(
        ics("UID:daily\nDTSTART:20261101T090000Z\nRRULE:FREQ=DAILY", "UID:one\nDTSTART:20261101T083000Z"),
        max_occurrences=5,
    )
    assert result.truncated
    assert [o.start for o in result.occurrences] == [
        utc(2026, 11, 1, 8, 30),
        *(utc(2026, 11, d, 9) for d in (1, 2, 3, 4)),
    ]


def test_count_bound_with_many_series() -> None:
    events = [f"UID:e{n}\nDTSTART:202611{1 + n % 28:02d}T090000Z" for n in range(40)]
    result = parse(ics(*events), max_occurrences=7)
    assert result.truncated and len(result.occurrences) == 7
    assert result.occurrences == tuple(sorted(result.occurrences, key=lambda o: (o.start, o.uid)))


def test_secondly_rule_from_years_ago_is_stopped() -> None:
    result = parse(
        ics(GOOD, "UID:flood\nSUMMARY:Flood\nDTSTART:20200101T000000Z\nRRULE:FREQ=SECONDLY"),
        max_cpu_seconds=0.5,
    )
    assert [o.uid for o in result.occurrences] == ["good"]
    assert result.skipped_series == 1
    assert "series 'Flood': it repeats too often to expand within the time limit" in result.problems


def test_rule_that_never_matches_is_stopped() -> None:
    # dateutil would scan every day until the year 9999 (several seconds) without yielding.
    result = parse(
        ics("UID:never\nSUMMARY:Never\nDTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", GOOD),
        max_cpu_seconds=0.5,
    )
    assert [o.uid for o in result.occurrences] == ["good"]
    assert result.skipped_series == 1


def test_cpu_bound_truncates_the_feed() -> None:
    never = "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"
    events = [f"UID:n{n}\nDTSTART:20260101T090000Z\n{never}" for n in range(20)]
    result = parse(ics(*events, GOOD), max_cpu_seconds=0.3)
    assert result.truncated
    assert "the calendar took too long to read; only part of it was used" in result.problems


def test_guard_restores_and_chains_an_existing_tracer() -> None:
    seen: list[str] = []

    def tracer(frame: Any, event: str, arg: Any) -> None:
        seen.append(frame.f_code.co_name)

    sys.settrace(tracer)
    try:
        parse(ics(WEEKLY_1ON1))
        current = sys.gettrace()
    finally:
        sys.settrace(None)
    assert current is tracer
    assert "_iter" in seen  # dateutil's rule iteration ran under our hook, which chained to the tracer


def test_many_parts_sharing_one_uid_are_refused() -> None:
    parts = [f"UID:same\nSUMMARY:Same\nDTSTART:20261110T{n % 24:02d}0000Z" for n in range(2001)]
    with pytest.raises(FeedRejected, match="too many parts"):
        parse(ics(*parts))


# --- arguments and invariants ------------------------------------------------------------------------


def test_window_must_be_aware_and_ordered() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_feed(b"", window_start=datetime(2026, 11, 1), window_end=WINDOW_END, default_tz=LONDON)
    with pytest.raises(ValueError, match="after window_start"):
        parse_feed(b"", window_start=WINDOW_END, window_end=WINDOW_START, default_tz=LONDON)


def occurrence(**changes: Any) -> Occurrence:
    fields: dict[str, Any] = {
        "uid": "u",
        "occurrence_id": "2026-11-10T09:00:00+00:00",
        "title": "t",
        "description": "",
        "start": utc(2026, 11, 10, 9),
        "end": utc(2026, 11, 10, 10),
        "all_day": False,
        "status": "CONFIRMED",
        "attendee_count": 0,
        "organizer": None,
        "sequence": 0,
    }
    fields.update(changes)
    return Occurrence(**fields)


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2026, 11, 10, 9)},
        {"end": datetime(2026, 11, 10, 10)},
        {"start": datetime(2026, 11, 10, 9, tzinfo=BERLIN), "end": datetime(2026, 11, 10, 10, tzinfo=BERLIN)},
        {"end": utc(2026, 11, 10, 8)},
        {"status": "DONE"},
        {"uid": ""},
        {"attendee_count": -1},
    ],
)
def test_occurrence_validates(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        occurrence(**changes)


def test_occurrence_all_day_may_be_in_the_persons_zone() -> None:
    start = datetime(2026, 11, 10, tzinfo=BERLIN)
    value = occurrence(all_day=True, start=start, end=start + timedelta(days=1), occurrence_id="2026-11-10")
    assert value.all_day
    with pytest.raises(AttributeError):
        value.title = "changed"  # type: ignore[misc]
