"""Benchmark the ICS pipeline against plain icalendar + recurring-ical-events.

    .venv/bin/python bench/bench_ics.py [--window-days 365] [--repeat 3]

1. Every corpus file (../shared/corpus/ics) is parsed and expanded over a one-year window
   (2026-01-01 + window) by ``parse_feed`` and, in the same run, by plain
   ``icalendar.Calendar.from_ical`` + ``recurring_ical_events.of(...).between(...)``. Plain
   failures are only counted. Throughput is measured without tracemalloc (it slows Python
   code down several times); peak memory is measured in a separate pass with tracemalloc.
2. Hostile feeds generated in memory go through ``parse_feed`` alone: CPU seconds (thread
   time) and peak traced memory, against the targets (≤ 5 s CPU, ≤ 256 MB).

Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import icalendar  # noqa: E402
import recurring_ical_events  # noqa: E402

from slackapp.calendar.parse import FeedRejected, parse_feed  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "ics"
ZONE = ZoneInfo("Europe/Berlin")
CPU_TARGET_S = 5.0
MEMORY_TARGET_MB = 256.0


def plain(data: bytes, start: datetime, end: datetime) -> int:
    calendar = icalendar.Calendar.from_ical(data)
    return len(recurring_ical_events.of(calendar).between(start, end))


def ours(data: bytes, start: datetime, end: datetime) -> int:
    return len(parse_feed(data, window_start=start, window_end=end, default_tz=ZONE).occurrences)


def run_all(
    files: list[bytes], parser: Callable[[bytes, datetime, datetime], int], start: datetime, end: datetime
) -> tuple[int, int, int]:
    occurrences = failures = 0
    for data in files:
        try:
            occurrences += parser(data, start, end)
        except FeedRejected:
            failures += 1
        except Exception:  # plain icalendar / recurring-ical-events failures: counted only
            failures += 1
    return occurrences, failures, len(files)


def measure(
    name: str,
    files: list[bytes],
    parser: Callable[[bytes, datetime, datetime], int],
    start: datetime,
    end: datetime,
    repeat: int,
) -> dict[str, float]:
    best = float("inf")
    occurrences = failures = 0
    for _ in range(repeat):
        began = time.process_time()
        occurrences, failures, _count = run_all(files, parser, start, end)
        best = min(best, time.process_time() - began)
    tracemalloc.start()
    run_all(files, parser, start, end)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    row = {
        "seconds": best,
        "files_per_s": len(files) / best,
        "occurrences": occurrences,
        "occurrences_per_s": occurrences / best,
        "failures": failures,
        "peak_mb": peak,
    }
    print(
        f"{name:>6}: {best:7.3f} s CPU  {row['files_per_s']:8.1f} files/s  "
        f"{occurrences:7d} occurrences  {row['occurrences_per_s']:10.0f} occ/s  "
        f"{failures:3d} failed/rejected  peak {peak:7.1f} MB (tracemalloc)"
    )
    return row


def hostile_feeds() -> dict[str, bytes]:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//hostile//EN\r\n"
    tail = "END:VCALENDAR\r\n"

    def event(uid: str, body: str) -> str:
        return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{body}END:VEVENT\r\n"

    feeds: dict[str, str] = {
        "FREQ=SECONDLY since 2020": head
        + event("s", "DTSTART:20200101T000000Z\r\nDTEND:20200101T000001Z\r\nRRULE:FREQ=SECONDLY\r\n")
        + tail,
        "FREQ=SECONDLY in window": head
        + event("s", "DTSTART:20261101T000000Z\r\nDTEND:20261101T000001Z\r\nRRULE:FREQ=SECONDLY\r\n")
        + tail,
        "10 impossible rules (Feb 30)": head
        + "".join(
            event(f"i{n}", "DTSTART:20260101T090000Z\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\n")
            for n in range(10)
        )
        + tail,
        "VTIMEZONE with FREQ=SECONDLY": head
        + "BEGIN:VTIMEZONE\r\nTZID:Evil\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        + "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=SECONDLY\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        + event("t", "DTSTART;TZID=Evil:20261110T090000\r\nDTEND;TZID=Evil:20261110T100000\r\n")
        + tail,
    }
    many: list[str] = [head]
    size = len(head)
    n = 0
    while size < 4_900_000:
        day = 1 + n % 28
        text = event(
            f"e{n}@bench",
            f"DTSTART;TZID=Europe/Berlin:202611{day:02d}T090000\r\n"
            f"DTEND;TZID=Europe/Berlin:202611{day:02d}T093000\r\nSUMMARY:Meeting {n}\r\n",
        )
        many.append(text)
        size += len(text)
        n += 1
    many.append(tail)
    feeds[f"{n} VEVENTs in window (~4.9 MB)"] = "".join(many)
    weekly = [head]
    size = len(head)
    n = 0
    while size < 4_900_000:
        text = event(f"w{n}@bench", "DTSTART:20200106T090000Z\r\nDTEND:20200106T093000Z\r\nRRULE:FREQ=WEEKLY\r\n")
        weekly.append(text)
        size += len(text)
        n += 1
    weekly.append(tail)
    feeds[f"{n} weekly series (~4.9 MB)"] = "".join(weekly)
    old = [head]
    size = len(head)
    n = 0
    while size < 4_900_000:
        text = event(
            f"o{n}@bench", "DTSTART:20150106T090000Z\r\nDTEND:20150106T093000Z\r\nSUMMARY:Old meeting\r\n"
        )
        old.append(text)
        size += len(text)
        n += 1
    old.append(tail)
    feeds[f"{n} old single events outside the window (~4.9 MB)"] = "".join(old)
    return {name: text.encode() for name, text in feeds.items()}


def bench_hostile(start: datetime, end: datetime) -> None:
    print("\nHostile feeds through parse_feed (targets: CPU <= 5 s, peak <= 256 MB)")
    for name, data in hostile_feeds().items():
        began = time.thread_time()
        try:
            result = parse_feed(data, window_start=start, window_end=end, default_tz=ZONE)
            outcome = (
                f"{len(result.occurrences)} occurrences, truncated={result.truncated}, "
                f"skipped={result.skipped_series}"
            )
        except FeedRejected as rejected:
            outcome = f"rejected: {rejected.reason}"
        cpu = time.thread_time() - began
        tracemalloc.start()
        try:
            parse_feed(data, window_start=start, window_end=end, default_tz=ZONE)
        except FeedRejected:
            pass
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        verdict = "ok" if cpu <= CPU_TARGET_S * 1.05 else "OVER"
        print(f"  {name:48} {cpu:6.2f} s CPU [{verdict}]  peak {peak:7.1f} MB*  {outcome}")
    print("  * peak under tracemalloc, whose overhead also makes the CPU limit cut in earlier there")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window-days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-hostile", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS}")
    paths = sorted(CORPUS.rglob("*.ics"))
    files = [path.read_bytes() for path in paths]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=args.window_days)
    print(f"{len(files)} corpus files, {sum(map(len, files)) / 1e3:.0f} kB, window {start:%Y-%m-%d} + {args.window_days} d")
    run_all(files, plain, start, end)  # warm caches (zoneinfo, imports) for both sides
    run_all(files, ours, start, end)
    base = measure("plain", files, plain, start, end, args.repeat)
    mine = measure("ours", files, ours, start, end, args.repeat)
    print(
        f" ratio: {mine['files_per_s'] / base['files_per_s']:.2f}x files/s of plain (target >= 0.9x), "
        f"memory {mine['peak_mb'] / max(base['peak_mb'], 1e-9):.2f}x of plain"
    )
    if not args.skip_hostile:
        bench_hostile(start, end)


if __name__ == "__main__":
    main()
