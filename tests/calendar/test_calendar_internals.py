"""The helpers behind parse_feed: time-zone names, the CPU budget and guard, VTIMEZONE building, scanning."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slackapp.calendar import parse_feed
from slackapp.calendar.budget import BudgetExceeded, CpuBudget
from slackapp.calendar.scan import FeedStructureError, decode, scan
from slackapp.calendar.timezones import WINDOWS_TO_IANA, resolve_tzid, windows_to_iana
from slackapp.calendar.vtimezone import FeedZones

# --- time-zone names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        (" Europe/Berlin ", "Europe/Berlin"),
        ('"America/New_York"', "America/New_York"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Eastern Standard Time", "America/New_York"),
        ("India Standard Time", "Asia/Calcutta"),
        ("tokyo standard time", "Asia/Tokyo"),
        ("/freeassociation.sourceforge.net/Tzfile/America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("/Europe/London/", "Europe/London"),
    ],
)
def test_resolve_tzid(name: str, expected: str) -> None:
    zone = resolve_tzid(name)
    assert isinstance(zone, ZoneInfo)
    assert zone.key == expected


@pytest.mark.parametrize("name", ["UTC", "utc", "GMT", "Z", "Etc/UTC"])
def test_utc_names(name: str) -> None:
    zone = resolve_tzid(name)
    assert zone is not None
    assert datetime(2026, 7, 1, tzinfo=zone).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "name",
    ["", "   ", "Customized Time Zone", "Europe", "../../etc/passwd", "a\x00b", "x" * 300, "Mars/Olympus"],
)
def test_unresolvable_names(name: str) -> None:
    assert resolve_tzid(name) is None


def test_windows_mapping_comes_from_icalendars_cldr_table() -> None:
    assert len(WINDOWS_TO_IANA) > 130
    assert windows_to_iana("AUS Eastern Standard Time") == "Australia/Sydney"
    assert windows_to_iana("Not A Zone") is None


# --- CPU budget and guard ------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_budget_scopes_and_allowances() -> None:
    clock = FakeClock()
    budget = CpuBudget(5.0, clock=clock)
    with budget.allowance(1.0):
        clock.now = 101.5
        with pytest.raises(BudgetExceeded) as caught:
            budget.check()
        assert caught.value.scope == "series"
    budget.check()  # the series allowance is gone, the feed budget remains
    clock.now = 105.5
    with pytest.raises(BudgetExceeded) as caught:
        budget.check()
    assert caught.value.scope == "feed"
    assert budget.used() == pytest.approx(5.5)


def test_budget_exceeded_is_not_an_exception() -> None:
    # library code catching Exception must not swallow it
    assert not issubclass(BudgetExceeded, Exception)


def test_guard_stops_a_loop_that_never_returns() -> None:
    budget = CpuBudget(0.2)

    def spin() -> None:
        while True:
            abs(-1)  # C call: not traced
            (lambda: None)()  # Python call: traced

    with pytest.raises(BudgetExceeded), budget.guard():
        spin()
    assert sys.gettrace() is None
    assert budget.used() < 1.0


def test_guard_restores_the_previous_tracer_after_an_interruption() -> None:
    def tracer(frame: Any, event: str, arg: Any) -> None:
        return None

    budget = CpuBudget(0.05)
    sys.settrace(tracer)
    try:
        with pytest.raises(BudgetExceeded), budget.guard():
            while True:
                (lambda: None)()
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_parses_in_threads_do_not_disturb_each_other() -> None:
    never = (
        "BEGIN:VEVENT\r\nUID:never\r\nDTSTART:20260101T090000Z\r\n"
        "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\nEND:VEVENT\r\n"
    )
    good = "BEGIN:VEVENT\r\nUID:good\r\nDTSTART:20261110T090000Z\r\nEND:VEVENT\r\n"
    data = f"BEGIN:VCALENDAR\r\n{never}{good}END:VCALENDAR\r\n".encode()
    results: list[tuple[int, list[str]]] = []

    def work() -> None:
        result = parse_feed(
            data,
            window_start=datetime(2026, 11, 1, tzinfo=UTC),
            window_end=datetime(2026, 12, 1, tzinfo=UTC),
            default_tz=ZoneInfo("UTC"),
            max_cpu_seconds=0.6,
        )
        results.append((result.skipped_series, [o.uid for o in result.occurrences]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [(1, ["good"])] * 4


# --- VTIMEZONE ---------------------------------------------------------------------------------------------


def zones_of(vtimezone: str) -> FeedZones:
    text = f"BEGIN:VCALENDAR\n{vtimezone}END:VCALENDAR\n"
    return FeedZones(scan(text).timezones, CpuBudget(5.0))


def test_custom_zone_tolerates_extra_properties_and_components() -> None:
    zones = zones_of(
        "BEGIN:VTIMEZONE\nTZID:Office\nX-LIC-LOCATION:Somewhere\nTZURL:http://example.com/x\n"
        "LAST-MODIFIED:20200101T000000Z\nBEGIN:X-VENDOR\nFOO:bar\nEND:X-VENDOR\n"
        "BEGIN:STANDARD\nDTSTART;VALUE=DATE:19700101\nTZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nTZNAME;LANGUAGE=en:OFT\n"
        "X-SOMETHING:1\nEND:STANDARD\nEND:VTIMEZONE\n"
    )
    zone = zones.lookup("Office")
    assert zone is not None
    assert datetime(2026, 11, 10, 9, tzinfo=zone).utcoffset() == timedelta(hours=3)
    assert zones.failed == {}


@pytest.mark.parametrize(
    ("definition", "why"),
    [
        ("BEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+5744\nTZOFFSETTO:+5744\nEND:STANDARD\n", "unusable"),
        ("BEGIN:STANDARD\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\n", "malformed"),
        (
            "BEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\n"
            "RRULE:FREQ=MINUTELY\nEND:STANDARD\n",
            "malformed",
        ),
    ],
)
def test_unusable_custom_zones(definition: str, why: str) -> None:
    zones = zones_of(f"BEGIN:VTIMEZONE\nTZID:Bad\n{definition}END:VTIMEZONE\n")
    assert zones.lookup("Bad") is None
    assert why in zones.failed["Bad"]


def test_known_names_win_over_the_feeds_definition() -> None:
    zones = zones_of(
        "BEGIN:VTIMEZONE\nTZID:Europe/Berlin\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0900\n"
        "TZOFFSETTO:+0900\nEND:STANDARD\nEND:VTIMEZONE\n"
    )
    assert zones.lookup("Europe/Berlin") == ZoneInfo("Europe/Berlin")


def test_unknown_names_are_recorded() -> None:
    zones = zones_of("")
    assert zones.lookup("Nowhere") is None
    assert zones.unknown == {"Nowhere"}


# --- scanning ---------------------------------------------------------------------------------------------


def test_scan_splits_headers_blocks_and_counts_junk() -> None:
    feed = scan(
        "BEGIN:VCALENDAR\nVERSION:2.0\nX-WR-TIMEZONE:Europe/Berlin\nbroken line\nBEGIN:VTIMEZONE\nTZID:A\n"
        "END:VTIMEZONE\nBEGIN:VEVENT\nUID:1\nEND:VEVENT\nBEGIN:VTODO\nEND:VTODO\nEND:VCALENDAR\ntrailing junk\n"
    )
    assert feed.headers == [["VERSION:2.0", "X-WR-TIMEZONE:Europe/Berlin"]]
    assert [block.name for block in feed.timezones + feed.events] == ["VTIMEZONE", "VEVENT"]
    assert feed.ignored_lines == 2
    assert feed.header_value(0, "X-WR-TIMEZONE") == "Europe/Berlin"


def test_scan_groups_by_uid_across_calendars() -> None:
    feed = scan(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nEND:VEVENT\nEND:VCALENDAR\n"
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:b\nEND:VEVENT\nBEGIN:VEVENT\nUID:a\nRECURRENCE-ID:20260101T000000Z\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )
    groups = list(feed.groups())
    assert [(group.key, len(group.blocks)) for group in groups] == [("a", 2), ("b", 1)]
    assert [block.calendar for block in groups[0].blocks] == [0, 1]


def test_scan_reads_folded_uid() -> None:
    feed = scan("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:0400000082\r\n 00E00074\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert [group.key for group in feed.groups()] == ["040000008200E00074"]


def test_prefilter_only_skips_what_is_certainly_outside() -> None:
    def outside(event: str) -> bool:
        feed = scan(f"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n{event}\nEND:VEVENT\nEND:VCALENDAR\n")
        (group,) = feed.groups()
        return group.outside(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))

    assert outside("DTSTART:20150101T090000Z\nDTEND:20150101T100000Z")
    assert outside("DTSTART;VALUE=DATE:20270301")
    assert not outside("DTSTART:20261110T090000Z")
    assert not outside("DTSTART:20150101T090000Z\nRRULE:FREQ=WEEKLY")
    assert not outside("DTSTART:20150101T090000Z\nRDATE:20261110T090000Z")
    assert not outside("DTSTART:20150101T090000Z\nDURATION:P5000D")
    assert not outside("DTSTART:20150101T090000Z\nDTEND:20261102T000000Z")  # spans into the window
    assert not outside("DTSTART:20261230T090000Z\nDTEND:20150101T000000Z")  # swapped start and end
    assert not outside("DTSTART;TZID=Pacific/Kiritimati:20261031T230000")  # within the slack
    assert not outside("DTSTART:garbage")
    assert not outside("SUMMARY:no start")


def test_decode_variants() -> None:
    assert decode("\ufeffBEGIN".encode()) == "BEGIN"
    assert decode("BEGIN".encode("utf-16")) == "BEGIN"
    assert decode(b"caf\xe9") == "caf\ufffd"


def test_structure_errors() -> None:
    with pytest.raises(FeedStructureError, match="web page"):
        scan("<html><body>login</body></html>")
    with pytest.raises(FeedStructureError, match="cut off"):
        scan("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n")


def test_fixed_offset_zone_is_accepted_as_default() -> None:
    # default_tz is documented as ZoneInfo, but any tzinfo works
    result = parse_feed(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:f\r\nDTSTART:20261110T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        window_start=datetime(2026, 11, 1, tzinfo=UTC),
        window_end=datetime(2026, 12, 1, tzinfo=UTC),
        default_tz=timezone(timedelta(hours=2)),  # type: ignore[arg-type]
    )
    assert result.occurrences[0].start == datetime(2026, 11, 10, 7, tzinfo=UTC)
