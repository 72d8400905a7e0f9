"""Open-loop sending: Poisson schedules, rate senders, the backlog monitor, and one open-loop chunk."""

from __future__ import annotations

import http.client
import math
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.ack.children import Target
from bench.ack.payloads import (
    BACKLOG_SAMPLE_S,
    SIGNING_SECRET,
    SPIN_S,
    START_DELAY_S,
    STOP_SENDING,
    BenchError,
    Payload,
)
from bench.ack.senders import Outcome, send, settle
from slackapp.emulator.signing import signed_headers
from slackapp.web import EVENTS_PATH


@dataclass
class RateOutcome(Outcome):
    lags: list[float] = field(default_factory=list)  # client lag (seconds): see ``rate_sender``
    behind: int = 0  # requests whose intended time came before the sender had read its previous answer
    finished: float = -math.inf  # perf_counter when the last measured answer was read
    span: float = 0.0  # merged: schedule start to the later of the schedule's end and the last answer (s)
    peak_backlog: int = 0  # merged: most lazy tasks queued in the target's executor, as sampled


@dataclass
class Clock:
    """The chunk's schedule start on the ``perf_counter`` clock, set by the senders' barrier action."""

    start: float = math.nan


def rate_schedule(count: int, rate: float, senders: int, seed: str) -> list[list[float]]:
    """Intended send times, in seconds after the chunk's start, one list per sender. A Poisson stream of
    ``rate`` per second conditioned on ``count`` arrivals in ``count / rate`` seconds (``count`` sorted uniform
    draws), dealt round robin: each sender takes every ``senders``-th arrival, an equal share of the rate.
    Seeded by ``seed`` alone, so every target gets the same schedule in the same payload and round."""
    rng = random.Random(seed)
    span = count / rate
    times = sorted(rng.uniform(0.0, span) for _ in range(count))
    return [times[i::senders] for i in range(senders)]


def wait_until(when: float) -> None:
    """Return at ``perf_counter() >= when``: ``time.sleep`` until ``SPIN_S`` before (it overshoots by ~0.1 ms,
    which the open loop would charge to the server), then ``sleep(0)`` in a loop (yields the GIL)."""
    while (left := when - time.perf_counter()) > SPIN_S:
        if STOP_SENDING.is_set():
            return
        time.sleep(min(left - SPIN_S, 0.05))
    while time.perf_counter() < when:
        time.sleep(0)


class BacklogMonitor:
    """Samples a target's lazy backlog every ``BACKLOG_SAMPLE_S`` from one thread, and once more at the end,
    while an open-loop chunk runs (the senders never ask: nothing holds them back)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.peak = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.target.has_executor:
            self._thread = threading.Thread(target=self._run, name="bench-backlog-monitor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                self.peak = max(self.peak, self.target.lazy_queued())
                if self._stop.wait(BACKLOG_SAMPLE_S):
                    break
            self.peak = max(self.peak, self.target.lazy_queued())  # the chunk's end
        except BenchError as error:
            self.errors.append(f"{self.target.name}: backlog monitor: {error}")


def rate_sender(target: Target, payload: Payload, times: Sequence[float], warmup: int, outcome: RateOutcome,
                start: threading.Barrier, clock: Clock) -> None:
    """Open loop: ``warmup`` untimed requests back to back (they open the connection), then one request per
    intended time in ``times``, at once if already late (nothing is skipped). Each sample runs from the
    intended send time to having read the whole answer, so time spent behind schedule is charged too.
    Diagnostics: ``behind`` counts requests due before the previous answer was read (waiting behind the
    target's slow answer), ``lags`` is the client lag: the actual send time minus the later of the intended
    time and the previous answer (the bench's own lateness: wake-up, GIL, scheduling; charged to the target
    too)."""
    conn = http.client.HTTPConnection(*target.address, timeout=30)
    try:
        for _ in range(warmup):
            if STOP_SENDING.is_set():
                start.abort()  # the other senders must not wait at the barrier for this one
                return
            _, status, data = send(conn, payload, warmup=True)
            if status == 200 and payload.name.startswith("block_actions"):
                target.count_action()
            if status != 200:
                outcome.errors.append(f"{target.name} {payload.name}: HTTP {status} {data[:200]!r}")
        start.wait()
        previous = -math.inf  # perf_counter when the previous answer was read
        for offset in times:
            # Signed before waiting: off the clock unless the sender is already late.
            headers = signed_headers(payload.body, secret=SIGNING_SECRET, content_type=payload.content_type)
            intended = clock.start + offset
            wait_until(intended)
            if STOP_SENDING.is_set():
                break
            sent = time.perf_counter()
            conn.request("POST", EVENTS_PATH, body=payload.body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            done = time.perf_counter()
            if response.status == 200 and payload.name.startswith("block_actions"):
                target.count_action()
            if response.status != 200:
                outcome.errors.append(f"{target.name} {payload.name}: HTTP {response.status} {data[:200]!r}")
            else:
                outcome.samples.append(done - intended)
                outcome.lags.append(sent - max(intended, previous))
                outcome.behind += int(previous > intended)
            outcome.finished = previous = done
    except Exception as error:  # surfaced as an error line, never a silent gap in the samples
        outcome.errors.append(f"{target.name} {payload.name}: {type(error).__name__}: {error}")
        start.abort()
    finally:
        conn.close()


def run_rate_chunk(target: Target, payload: Payload, *, count: int, senders: int, rate: float, warmup: int,
                   seed: str) -> RateOutcome:
    """One open-loop chunk: after the senders' warm-up the target settles (untimed), the backlog monitor
    starts, and the schedule begins ``START_DELAY_S`` later."""
    schedule = rate_schedule(count, rate, senders, seed)
    outcomes = [RateOutcome() for _ in range(senders)]
    clock, monitor = Clock(), BacklogMonitor(target)

    def begin() -> None:  # run by one sender while the others wait at the barrier
        settle(target)
        monitor.start()
        clock.start = time.perf_counter() + START_DELAY_S

    barrier = threading.Barrier(senders, action=begin)
    threads = [threading.Thread(target=rate_sender, args=(target, payload, schedule[i], warmup, outcomes[i], barrier,
                                                          clock), name=f"bench-rate-sender-{i}", daemon=True)
               for i in range(senders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        monitor.stop()
    merged = RateOutcome(errors=list(monitor.errors), peak_backlog=monitor.peak)
    for outcome in outcomes:
        merged.samples.extend(outcome.samples)
        merged.lags.extend(outcome.lags)
        merged.errors.extend(outcome.errors)
        merged.behind += outcome.behind
        merged.finished = max(merged.finished, outcome.finished)
    merged.span = max(count / rate, merged.finished - clock.start) if merged.samples else 0.0
    return merged

