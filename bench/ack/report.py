"""Statistics and the report: Stats, open-loop load rows, percentiles, the tables and the PASS/MISS verdicts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.ack.open_loop import RateOutcome
from bench.ack.payloads import (
    BACKLOG_SAMPLE_S,
    NOISE_ABS_MS,
    NOISE_RATIO,
    P50_TARGET_MS,
    P99_TARGET_MS,
    Mode,
    Payload,
)


@dataclass(frozen=True)
class Stats:
    n: int
    p50: float
    p99: float
    max: float  # milliseconds, client wall time
    cpu_p50: float  # milliseconds, server request-thread CPU (diagnostic)


@dataclass
class RateRow:
    """An open-loop row's load figures over its chunks."""

    has_executor: bool
    n: int = 0
    wall: float = 0.0  # seconds: each chunk's schedule start to the later of its end and the last answer, summed
    lags: list[float] = field(default_factory=list)  # client lag (seconds)
    behind: int = 0  # requests due before their sender had read its previous answer
    peak_backlog: int = 0  # most lazy tasks queued, as sampled
    drain: float = 0.0  # seconds: the longest wait for lazy work after a chunk

    def add(self, outcome: RateOutcome, drained: float) -> None:
        self.n += len(outcome.samples)
        self.wall += outcome.span
        self.lags += outcome.lags
        self.behind += outcome.behind
        self.peak_backlog = max(self.peak_backlog, outcome.peak_backlog)
        self.drain = max(self.drain, drained)

    @property
    def achieved(self) -> float:
        return self.n / self.wall if self.wall > 0 else math.nan


def percentile(ordered: Sequence[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stats(samples: Sequence[float], cpu: Sequence[float]) -> Stats:
    ordered = sorted(s * 1000 for s in samples)
    cpu_ordered = sorted(c * 1000 for c in cpu)
    if not ordered:
        return Stats(0, math.nan, math.nan, math.nan, math.nan)
    cpu_p50 = percentile(cpu_ordered, 0.50) if cpu_ordered else math.nan
    return Stats(len(ordered), percentile(ordered, 0.50), percentile(ordered, 0.99), ordered[-1], cpu_p50)


def not_worse(ours: float, theirs: float) -> bool:
    return ours <= theirs * NOISE_RATIO or ours - theirs <= NOISE_ABS_MS


def ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}x" if b > 0 else "   n/a"


def label_width(modes: Sequence[Mode]) -> int:
    return max(7, *(len(mode.label) for mode in modes))


def print_head(w: int, columns: str) -> None:
    """A table's heading, its first columns (target, payload, mode, n) then ``columns``, and its rule."""
    head = f"{'target':<10} {'payload':<28} {'mode':<{w}} {'n':>5} " + columns
    print(head)
    print("-" * len(head))


def row_start(name: str, payload: Payload, mode: Mode, w: int, n: int) -> str:
    """A table row's first columns (target, payload, mode, n), as ``print_head`` lays them out."""
    return f"{name:<10} {payload.name:<28} {mode.label:<{w}} {n:>5} "


def print_table(results: dict[tuple[str, str, str], Stats], payloads: Sequence[Payload],
                modes: Sequence[Mode], targets: Sequence[str]) -> None:
    w = label_width(modes)
    print_head(w, f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  {'p50/bolt':>8} {'p99/bolt':>8} {'p50/floor':>9} "
                  f"{'p99/floor':>9}  {'srv CPU p50':>11}")
    for payload in payloads:
        for mode in modes:
            bolt, floor = results[("bare-bolt", payload.name, mode.name)], results[("floor", payload.name, mode.name)]
            for name in targets:
                s = results[(name, payload.name, mode.name)]
                to_bolt = f"{ratio(s.p50, bolt.p50):>8} {ratio(s.p99, bolt.p99):>8}" if name == "flowcoach" else (
                    f"{'':>8} {'':>8}")
                to_floor = (f"{ratio(s.p50, floor.p50):>9} {ratio(s.p99, floor.p99):>9}" if name != "floor"
                            else f"{'':>9} {'':>9}")
                print(row_start(name, payload, mode, w, s.n) + f"{s.p50:>8.3f} {s.p99:>8.3f} "
                      f"{s.max:>8.2f}  {to_bolt} {to_floor}  {s.cpu_p50:>11.3f}")
        print()


def print_rate_table(loads: dict[tuple[str, str, str], RateRow], payloads: Sequence[Payload],
                     modes: Sequence[Mode], targets: Sequence[str]) -> None:
    """The open-loop rows' load: was the offered rate met, how late were the sends, did the lazy work keep up."""
    w = label_width(modes)
    for mode in (m for m in modes if m.open_loop):
        share = f"an equal share for each of {mode.senders} senders" if mode.senders > 1 else "one sender"
        print(f"open loop {mode.label}: {mode.rate:g} req/s offered in total (Poisson arrivals, {share}); latency "
              f"counted from the intended send time.\n"
              f"achieved/s = measured requests / (schedule start to the later of the schedule's end and the last "
              f"answer), over the chunks; behind = requests due before their sender had read its previous answer; "
              f"client lag = actual send time - the later of the intended time and the previous answer (the "
              f"bench's own lateness, charged to the target too); max backlog = most lazy tasks queued in the "
              f"target's executor, sampled every {BACKLOG_SAMPLE_S:g} s (- = no executor); drain s = longest wait "
              f"for the lazy work after a chunk")
        print_head(w, f"{'achieved/s':>10} {'behind':>6} {'client lag p50 ms':>17} {'p99 ms':>7} {'max ms':>7} "
                      f"{'max backlog':>11} {'drain s':>7}")
        for payload in payloads:
            for name in targets:
                row = loads[(name, payload.name, mode.name)]
                lags = sorted(lag * 1000 for lag in row.lags) or [math.nan]
                backlog = f"{row.peak_backlog:>11}" if row.has_executor else f"{'-':>11}"
                print(row_start(name, payload, mode, w, row.n) + f"{row.achieved:>10.1f} "
                      f"{row.behind:>6} {percentile(lags, 0.50):>17.3f} {percentile(lags, 0.99):>7.3f} "
                      f"{lags[-1]:>7.2f} {backlog} {row.drain:>7.2f}")
        print()


def print_verdicts(results: dict[tuple[str, str, str], Stats], payloads: Sequence[Payload],
                   modes: Sequence[Mode]) -> None:
    def line(title: str, checks: list[tuple[bool, str]]) -> None:
        verdict = "PASS" if all(ok for ok, _ in checks) else "MISS"
        print(f"{verdict}  {title}: " + "; ".join(f"{detail} {'ok' if ok else 'MISS'}" for ok, detail in checks))

    closed = [mode for mode in modes if not mode.open_loop]
    combos = [(p.name, mode.name) for p in payloads for mode in closed]
    fc = {c: results[("flowcoach", *c)] for c in combos}
    bolt = {c: results[("bare-bolt", *c)] for c in combos}
    floor = {c: results[("floor", *c)] for c in combos}
    for mode in closed:  # the issue states p50 <= 3 ms once; per mode, so a reader sees which reading holds
        mode_combos = [c for c in combos if c[1] == mode.name]
        line(f"Flowcoach p50 <= {P50_TARGET_MS:g} ms ({mode.where})",
             [(fc[c].p50 <= P50_TARGET_MS, f"{c[0]} {fc[c].p50:.2f} (bolt {bolt[c].p50:.2f}, floor "
               f"{floor[c].p50:.2f})") for c in mode_combos])
    line(f"Flowcoach p50 not worse than bare Bolt (within {NOISE_RATIO - 1:.0%} or {NOISE_ABS_MS} ms)",
         [(not_worse(fc[c].p50, bolt[c].p50), f"{c[0]} {c[1]} {fc[c].p50:.2f} vs {bolt[c].p50:.2f}")
          for c in combos])
    for mode in closed:
        limit = P99_TARGET_MS[mode.name]
        line(f"Flowcoach p99 < {limit:g} ms ({mode.where})",
             [(fc[(p.name, mode.name)].p99 < limit, f"{p.name} {fc[(p.name, mode.name)].p99:.2f}") for p in payloads])
    for mode in (m for m in modes if m.open_loop):  # extra lines: the closed-loop ones above leave these rows out
        rows = [(p.name, results[("flowcoach", p.name, mode.name)], results[("bare-bolt", p.name, mode.name)],
                 results[("floor", p.name, mode.name)]) for p in payloads]
        line(f"Flowcoach p50 <= {P50_TARGET_MS:g} ms {mode.where}",
             [(ours.p50 <= P50_TARGET_MS, f"{name} {ours.p50:.2f} (bolt {bolt_.p50:.2f}, floor {floor_.p50:.2f})")
              for name, ours, bolt_, floor_ in rows])
        line(f"Flowcoach p50 not worse than bare Bolt {mode.where[:-1]}; within {NOISE_RATIO - 1:.0%} or "
             f"{NOISE_ABS_MS} ms)",
             [(not_worse(ours.p50, bolt_.p50), f"{name} {ours.p50:.2f} vs {bolt_.p50:.2f}")
              for name, ours, bolt_, _ in rows])
        limit = P99_TARGET_MS[mode.name]
        line(f"Flowcoach p99 < {limit:g} ms {mode.where}",
             [(ours.p99 < limit, f"{name} {ours.p99:.2f}") for name, ours, _, _ in rows])


