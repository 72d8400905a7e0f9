"""Every real .ics file of the shared corpus goes through parse_feed without crashing.

Each file must yield a ParseResult or be rejected with FeedRejected and a clear reason; any
other exception fails. The corpus lives next to the repository (../shared/corpus, see its
SOURCES.md) and is read in place, never copied. If it is missing, the tests fail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slackapp.calendar import FeedRejected, ParseResult, parse_feed
from tests.corpus_location import CORPUS

ICS_FILES = sorted((CORPUS / "ics").rglob("*.ics")) if (CORPUS / "ics").is_dir() else []
# The corpus's own expansion range (SOURCES.md), so that old files still produce occurrences.
WIDE = (datetime(1990, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
ONE_YEAR = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))
ZONE = ZoneInfo("Europe/Berlin")

# Outcomes worth pinning: files whose deliberately broken content must stay handled this way.
REJECTED = {
    "icalendar/fuzz_testcase_invalid_month.ics": "did not return an iCalendar file",
    "icalendar/fuzz_testcase_vtimezone_lone_cr.ics": "did not return an iCalendar file",
    "icalendar/broken_dtstart.ics": "its start time (DTSTART) is invalid",
    "icalendar/invalid_duration.ics": "its duration is invalid",
    "icalendar/issue_1081_invalid_rrule_freq.ics": "invalid RRULE",
    "python-recurring-ical-events/bad_rrule_missing_until_event.ics": "invalid RRULE",
}
PARTIAL = {  # some series skipped, the rest read
    "ical.js/google_birthday.ics": 1,
    "icalendar/issue_722_missing_timezones.ics": 2,
}


def test_corpus_is_present() -> None:
    assert (CORPUS / "SOURCES.md").is_file(), (
        f"the shared test corpus is missing: expected it at {CORPUS} (next to the repository). "
        "The calendar corpus tests cannot run without it."
    )
    assert len(ICS_FILES) >= 70, f"expected ~80 .ics files under {CORPUS / 'ics'}, found {len(ICS_FILES)}"


def name_of(path: Path) -> str:
    return path.relative_to(CORPUS / "ics").as_posix()


@pytest.mark.parametrize("window", [WIDE, ONE_YEAR], ids=["1990-2030", "one-year"])
@pytest.mark.parametrize("path", ICS_FILES, ids=[name_of(path) for path in ICS_FILES])
def test_corpus_file_parses_or_is_rejected_cleanly(path: Path, window: tuple[datetime, datetime]) -> None:
    start, end = window
    try:
        result = parse_feed(path.read_bytes(), window_start=start, window_end=end, default_tz=ZONE)
    except FeedRejected as rejected:
        assert rejected.reason.strip(), "a rejection needs a reason for the feed's owner"
        assert rejected.reason[0].isupper() and rejected.reason.endswith(".")
        if name_of(path) in REJECTED:
            assert REJECTED[name_of(path)] in rejected.reason
        return
    assert isinstance(result, ParseResult)
    assert name_of(path) not in REJECTED, f"expected a rejection, got {result}"
    if name_of(path) in PARTIAL:
        assert result.skipped_series == PARTIAL[name_of(path)]
    assert len(result.occurrences) <= 5000
    assert list(result.occurrences) == sorted(result.occurrences, key=lambda o: (o.start, o.uid, o.occurrence_id))
    for occurrence in result.occurrences:
        assert occurrence.start < end and (occurrence.end > start or occurrence.end == occurrence.start >= start)
        if not occurrence.all_day:
            assert occurrence.start.utcoffset() == timedelta(0)
    assert len({(o.uid, o.occurrence_id) for o in result.occurrences}) == len(result.occurrences) or any(
        o.uid.startswith("flowcoach-no-uid-") for o in result.occurrences
    )
    for problem in result.problems:
        assert "http" not in problem.lower()


def test_corpus_outcome_summary() -> None:
    """The corpus as a whole: most files give occurrences, the broken ones are rejected or partial."""
    yielded = rejected = empty = 0
    for path in ICS_FILES:
        try:
            result = parse_feed(path.read_bytes(), window_start=WIDE[0], window_end=WIDE[1], default_tz=ZONE)
        except FeedRejected:
            rejected += 1
            continue
        if result.occurrences:
            yielded += 1
        else:
            empty += 1
    assert yielded >= 55
    assert rejected <= 12
    assert yielded + rejected + empty == len(ICS_FILES)
