"""Benchmark the ICS pipeline against plain icalendar + recurring-ical-events.

    .venv/bin/python bench/bench_ics.py [--window-days 365] [--repeat 3]

1. Every corpus file (../shared/corpus/ics) is parsed and expanded over a one-year window
   (2026-01-01 + window) by ``parse_feed`` and, in the same run, by plain
   ``icalendar.Calendar.from_ical`` + ``recurring_ical_events.of(...).between(...)``. Plain
   failures are only counted. Throughput is measured without tracemalloc (it slows Python
   code down several times); peak memory is measured in a separate pass with tracemalloc.
2. Hostile feeds generated in memory go through ``parse_feed`` alone, each in a fresh process:
   CPU seconds (thread time) and peak RSS, against the targets (≤ 5 s CPU, ≤ 256 MB).

Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import icalendar  # noqa: E402
import recurring_ical_events  # noqa: E402
from icalendar.error import GloballyUniqueTZIDGuessed  # noqa: E402

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


_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//hostile//EN\r\n"
_TAIL = "END:VCALENDAR\r\n"


def _event(uid: str, body: str) -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{body}END:VEVENT\r\n"


def _filled(make: Callable[[int], str], size: int = 4_900_000) -> bytes:
    parts = [_HEAD]
    total = len(_HEAD)
    n = 0
    while total < size:
        text = make(n)
        parts.append(text)
        total += len(text)
        n += 1
    parts.append(_TAIL)
    return "".join(parts).encode()


def _meeting(n: int) -> str:
    day = 1 + n % 28
    return _event(
        f"e{n}@bench",
        f"DTSTART;TZID=Europe/Berlin:202611{day:02d}T090000\r\n"
        f"DTEND;TZID=Europe/Berlin:202611{day:02d}T093000\r\nSUMMARY:Meeting {n}\r\n",
    )


HOSTILE: dict[str, Callable[[], bytes]] = {
    "FREQ=SECONDLY since 2020": lambda: (
        _HEAD + _event("s", "DTSTART:20200101T000000Z\r\nDTEND:20200101T000001Z\r\nRRULE:FREQ=SECONDLY\r\n") + _TAIL
    ).encode(),
    "FREQ=SECONDLY inside the window": lambda: (
        _HEAD + _event("s", "DTSTART:20261101T000000Z\r\nDTEND:20261101T000001Z\r\nRRULE:FREQ=SECONDLY\r\n") + _TAIL
    ).encode(),
    "10 impossible rules (Feb 30th, daily)": lambda: (
        _HEAD
        + "".join(
            _event(f"i{n}", "DTSTART:20260101T090000Z\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\n")
            for n in range(10)
        )
        + _TAIL
    ).encode(),
    "VTIMEZONE with RRULE:FREQ=SECONDLY": lambda: (
        _HEAD
        + "BEGIN:VTIMEZONE\r\nTZID:Evil\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        + "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=SECONDLY\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        + _event("t", "DTSTART;TZID=Evil:20261110T090000\r\nDTEND;TZID=Evil:20261110T100000\r\n")
        + _TAIL
    ).encode(),
    "~27k VEVENTs inside the window (4.9 MB)": lambda: _filled(_meeting),
    "~35k weekly series (4.9 MB)": lambda: _filled(
        lambda n: _event(f"w{n}@bench", "DTSTART:20200106T090000Z\r\nDTEND:20200106T093000Z\r\nRRULE:FREQ=WEEKLY\r\n")
    ),
    "~27k VEVENTs sharing one UID (4.9 MB)": lambda: _filled(
        lambda n: _meeting(n).replace(f"UID:e{n}@bench", "UID:same@bench")
    ),
    "~35k old events outside the window (4.9 MB)": lambda: _filled(
        lambda n: _event(f"o{n}@bench", "DTSTART:20150106T090000Z\r\nDTEND:20150106T093000Z\r\nSUMMARY:Old\r\n")
    ),
}


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def hostile_child(name: str, start: datetime, end: datetime) -> None:
    """Run one hostile case in this (fresh) process and print one JSON line of figures."""
    data = HOSTILE[name]()
    parse_feed(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", window_start=start, window_end=end, default_tz=ZONE)
    before = _rss_mb()
    began = time.thread_time()
    try:
        result = parse_feed(data, window_start=start, window_end=end, default_tz=ZONE)
        outcome = f"{len(result.occurrences)} occ, truncated={result.truncated}, skipped={result.skipped_series}"
    except FeedRejected as rejected:
        outcome = f"rejected: {rejected.reason[:70]}"
    cpu = time.thread_time() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(json.dumps({"cpu": cpu, "before": before, "peak": peak, "outcome": outcome}))


def bench_hostile(window_days: int) -> None:
    print(f"\nHostile feeds through parse_feed (targets: <= {CPU_TARGET_S:g} s CPU, <= {MEMORY_TARGET_MB:g} MB)")
    print("  each in a fresh process; peak = the process's peak RSS, 'before' = its RSS just before parsing")
    for name in HOSTILE:
        child = subprocess.run(
            [sys.executable, __file__, "--hostile-case", name, "--window-days", str(window_days)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(child.stdout.strip().splitlines()[-1])
        grown = row["peak"] - row["before"]
        verdict = "ok" if row["cpu"] <= CPU_TARGET_S * 1.05 and grown <= MEMORY_TARGET_MB else "OVER"
        print(
            f"  {name:42} {row['cpu']:5.2f} s CPU  peak RSS {row['peak']:6.1f} MB "
            f"(before {row['before']:5.1f}, +{grown:5.1f})  [{verdict}]  {row['outcome']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window-days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-hostile", action="store_true")
    parser.add_argument("--hostile-case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)  # plain icalendar's guesses: noise here
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=args.window_days)
    if args.hostile_case:
        hostile_child(args.hostile_case, start, end)
        return
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS}")
    paths = sorted(CORPUS.rglob("*.ics"))
    files = [path.read_bytes() for path in paths]
    size_kb = sum(map(len, files)) / 1e3
    print(f"{len(files)} corpus files, {size_kb:.0f} kB, window {start:%Y-%m-%d} + {args.window_days} days")
    run_all(files, plain, start, end)  # warm caches (zoneinfo, imports) for both sides
    run_all(files, ours, start, end)
    base = measure("plain", files, plain, start, end, args.repeat)
    mine = measure("ours", files, ours, start, end, args.repeat)
    print(
        f" ratio: {mine['files_per_s'] / base['files_per_s']:.2f}x files/s of plain (target >= 0.9x), "
        f"memory {mine['peak_mb'] / max(base['peak_mb'], 1e-9):.2f}x of plain"
    )
    if not args.skip_hostile:
        bench_hostile(args.window_days)


if __name__ == "__main__":
    main()
