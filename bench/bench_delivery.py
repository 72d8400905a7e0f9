"""Delivery throughput against the fake Slack's rate limits: real dispatcher, real delivery job, RQ workers.

Run::

    .venv/bin/python bench/bench_delivery.py [--workers 8] [--redis-url redis://127.0.0.1:6379/14]
        [--database-url postgresql://postgres@127.0.0.1:5432/flowcoach_bench] [--kind backoff_note]
        [--scenario fan-out=40x5 --scenario per-channel=4x6]

The Redis database is FLUSHED before and after (default: database 14; the test suite uses 15). The SQL
database defaults to a temporary SQLite file; a ``--database-url`` one is migrated and must hold no
deliveries or people (use a database of its own: ``createdb flowcoach_bench``; the bench deletes
its rows at the end).

Each scenario ``name=PxK``: ``FakeSlack`` with ``limit_per_channel("chat.postMessage", per_second=1.0)``
(a call to one channel less than 1 s after the last accepted one answers 429 with ``Retry-After``);
P people, each opted in, working every day from 00:00 to 24:00 in a zone where it is about noon, each
with K due deliveries of ``--kind`` (one the policy sends at once: uncapped, not a nudge that backs
off; ``backoff_note`` by default), due times interleaved across people. One ``dispatch_tick`` puts them
on the queue; ``--workers`` RQ ``SimpleWorker`` loops (threads, ``workers.embedded.ThreadWorker``) on
the same Redis run the real ``workers.jobs.deliver``, which paces per channel and per workspace
through Redis (``workers/pacing.py``) and lets slack_sdk retry a 429 after ``Retry-After``.

Figures, from the fake's own log of accepted ``chat.postMessage`` calls (monotonic clock):

* ``limit/s``: min(1/s × channels, the per-workspace rate read from ``workers.pacing`` at run time);
* ``ideal s``: the shortest span from the first to the last message those limits allow for this load
  (the workspace allows ``WORKSPACE_BURST`` at once, then one per interval; a channel one per second);
* ``span s`` and ``msg/s``: what happened; ``achieved/limit`` = ideal span / actual span (target ≥ 0.95);
* ``429s``: chat.postMessage calls the fake refused; ``duplicates``: delivery keys (message metadata)
  accepted more than once (target 0); ``lost``: deliveries not 'sent' when the scenario ends — all
  sent, or ``--timeout`` (target 0). RQ's scheduler runs too, so a delivery whose job gave up after
  slack_sdk's three 429 retries comes back after ``Retry``'s first interval (30 s), as in production.

Exit status 0 with figures (PASS/MISS lines are information), 1 if the run could not complete.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # measure the checkout this file lives in

from redis import Redis  # noqa: E402
from rq import Queue  # noqa: E402
from sqlalchemy import delete, func, insert, select  # noqa: E402

from bench.machine import loadavg  # noqa: E402
from slackapp.bootstrap import build_services  # noqa: E402
from slackapp.clock import utcnow  # noqa: E402
from slackapp.content import load_content  # noqa: E402
from slackapp.crypto import Vault  # noqa: E402
from slackapp.db import Database, make_engine, upgrade  # noqa: E402
from slackapp.db.models import AnalyticsEvent, Delivery, DeliveryDecision, Person  # noqa: E402
from slackapp.emulator.recording import Call  # noqa: E402
from slackapp.emulator.web_api import FakeSlack  # noqa: E402
from slackapp.services import Services  # noqa: E402
from slackapp.settings import load_settings  # noqa: E402
from workers import jobs, pacing, runtime  # noqa: E402
from workers.embedded import ThreadScheduler, ThreadWorker  # noqa: E402
from workers.queues import DELIVERY_QUEUE  # noqa: E402

TEAM_ID = "T0001"
BOT_TOKEN = "xoxb-bench"
PER_CHANNEL_PER_S = 1.0
KEY_PREFIX = "bench-delivery:"
RATIO_TARGET = 0.95
DEFAULT_SCENARIOS = ("fan-out=40x5", "per-channel=4x6")


class BenchError(Exception):
    """The run could not complete: the figures are meaningless."""


@dataclass(frozen=True)
class Scenario:
    name: str
    people: int
    per_person: int

    @property
    def messages(self) -> int:
        return self.people * self.per_person


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    limit_per_s: float
    ideal_s: float
    span_s: float
    sent_calls: int
    refused_429: int
    refused_gaps_ms: list[float]
    duplicates: int
    lost: int
    outcomes: dict[str, int]
    wall_s: float

    @property
    def per_s(self) -> float:
        return (self.sent_calls - 1) / self.span_s if self.span_s > 0 else math.nan

    @property
    def ratio(self) -> float:
        return self.ideal_s / self.span_s if self.span_s > 0 else math.nan


def parse_scenario(text: str) -> Scenario:
    try:
        name, shape = text.split("=", 1)
        people, per_person = (int(part) for part in shape.lower().split("x", 1))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected name=PEOPLExPER_PERSON, got {text!r}") from error
    if not name or people < 1 or per_person < 1:
        raise argparse.ArgumentTypeError(f"expected name=PEOPLExPER_PERSON with positive numbers, got {text!r}")
    return Scenario(name, people, per_person)


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon: working hours 00:00–24:00 end at 23:59 (policy)."""
    offset = 12 - now.astimezone(UTC).hour  # -11 … +12 hours
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX sign: Etc/GMT-3 is UTC+3


def limits(scenario: Scenario) -> tuple[float, float]:
    """(limit msgs/s, ideal first-to-last span in seconds) under the fake's and the pacing's limits."""
    rate, burst = pacing.WORKSPACE_RATE_PER_S, pacing.WORKSPACE_BURST
    limit = min(PER_CHANNEL_PER_S * scenario.people, rate)
    workspace_span = max(0, scenario.messages - burst) / rate
    channel_span = (scenario.per_person - 1) / PER_CHANNEL_PER_S
    return limit, max(workspace_span, channel_span)


def user_id(index: int) -> str:
    return f"UP{index:04d}"


def seed(services: Services, fake: FakeSlack, scenario: Scenario, *, kind: str, now: datetime) -> None:
    zone = noon_zone(now)
    opt_in = "unknown" if kind == "welcome" else "opted_in"  # welcome goes only to people who have not answered
    for p in range(scenario.people):
        fake.add_user(user_id(p), name=f"person{p}", real_name=f"Person {p}", tz=zone, email=f"p{p}@example.com")
    with services.db.session() as session:
        session.execute(insert(Person), [
            {"team_id": TEAM_ID, "user_id": user_id(p), "display_name": f"Person {p}", "tz": zone,
             "working_days": "0,1,2,3,4,5,6", "work_start_minute": 0, "work_end_minute": 1440, "opt_in": opt_in,
             "opt_in_changed_at": now, "muted_kinds": [], "weekly_cap": 1000, "created_at": now}
            for p in range(scenario.people)])
        total = scenario.messages
        session.execute(insert(Delivery), [  # interleaved: consecutive jobs go to different people
            {"key": f"{KEY_PREFIX}{scenario.name}:{user_id(p)}:{k}", "team_id": TEAM_ID, "user_id": user_id(p),
             "kind": kind, "due_at": now - timedelta(milliseconds=total - (k * scenario.people + p)),
             "payload": {}, "state": "scheduled", "attempts": 0, "created_at": now, "updated_at": now}
            for k in range(scenario.per_person) for p in range(scenario.people)])


def clean(services: Services) -> None:
    with services.db.session() as session:
        ids = select(Delivery.id).where(Delivery.key.startswith(KEY_PREFIX)).scalar_subquery()
        session.execute(delete(DeliveryDecision).where(DeliveryDecision.delivery_id.in_(ids)))
        session.execute(delete(Delivery).where(Delivery.key.startswith(KEY_PREFIX)))
        session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.object_id.startswith(KEY_PREFIX)))
        session.execute(delete(Person).where(Person.team_id == TEAM_ID, Person.user_id.startswith("UP")))


class Workers:
    """``count`` SimpleWorker loops in threads, as ``workers.embedded`` runs one, and RQ's scheduler
    (so a job RQ's ``Retry`` put off runs again, as in production)."""

    def __init__(self, redis: Redis, count: int) -> None:
        self.stopping = threading.Event()
        self.errors: list[str] = []
        queues = [Queue(DELIVERY_QUEUE, connection=redis)]
        self.workers = [ThreadWorker(queues, connection=redis) for _ in range(count)]
        self.scheduler = ThreadScheduler(queues, connection=redis, interval=1)
        self.threads = [threading.Thread(target=self._loop, args=(worker,), name=f"bench-worker-{i}", daemon=True)
                        for i, worker in enumerate(self.workers)]
        self.threads.append(threading.Thread(target=self._schedule, name="bench-scheduler", daemon=True))

    def _schedule(self) -> None:
        self.scheduler.acquire_locks()
        while not self.stopping.wait(1.0):
            try:
                self.scheduler.enqueue_scheduled_jobs()
            except Exception as error:  # reported, the loop goes on
                self.errors.append(f"scheduler: {type(error).__name__}: {error}")

    def _loop(self, worker: ThreadWorker) -> None:
        while not self.stopping.is_set():
            try:
                worker.work(burst=False, logging_level="ERROR", max_idle_time=1)
            except Exception as error:  # reported, the loop goes on
                self.errors.append(f"{type(error).__name__}: {error}")
            self.stopping.wait(0.05)

    def start(self) -> Workers:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.stop()
        for thread in self.threads:
            thread.join(10)
        self.scheduler.release_locks()


def accepted_posts(fake: FakeSlack) -> tuple[list[Call], list[float]]:
    """The accepted posts, and for each refused (429) one the ms since the channel's last accepted post."""
    posts = sorted((c for c in fake.calls_to("chat.postMessage") if c.response), key=lambda c: c.at)
    last: dict[str, float] = {}
    gaps: list[float] = []
    for call in posts:
        channel = str(call.args.get("channel"))
        if call.ok:
            last[channel] = call.at
        elif call.error == "ratelimited" and channel in last:
            gaps.append((call.at - last[channel]) * 1000)
    return [c for c in posts if c.ok], gaps


def run_scenario(services: Services, fake: FakeSlack, redis: Redis, scenario: Scenario, *, workers: int, kind: str,
                 timeout: float) -> Result:
    fake.reset()
    fake.limit_per_channel("chat.postMessage", per_second=PER_CHANNEL_PER_S)
    redis.flushdb()
    clean(services)
    seed(services, fake, scenario, kind=kind, now=utcnow())
    pool = Workers(redis, workers).start()
    began = time.monotonic()
    try:
        if jobs.dispatch_tick() != scenario.messages:
            raise BenchError(f"{scenario.name}: the dispatcher did not enqueue {scenario.messages} deliveries")
        deadline = began + timeout
        while time.monotonic() < deadline:
            with services.db.session() as session:
                pending = session.scalar(select(func.count()).select_from(Delivery).where(
                    Delivery.key.startswith(KEY_PREFIX), Delivery.state.in_(("scheduled", "sending"))))
            if not pending:
                break
            time.sleep(0.1)
        wall = time.monotonic() - began
    finally:
        pool.stop()
    if pool.errors:
        raise BenchError(f"{scenario.name}: worker loop failed: {pool.errors[0]}")
    accepted, gaps = accepted_posts(fake)
    keys = collections.Counter(str(((c.args.get("metadata") or {}).get("event_payload") or {}).get("delivery_key"))
                               for c in accepted)
    with services.db.session() as session:
        states = collections.Counter(session.scalars(select(Delivery.state).where(
            Delivery.key.startswith(KEY_PREFIX))).all())
    times = sorted(c.at for c in accepted)
    limit, ideal = limits(scenario)
    span = times[-1] - times[0] if len(times) > 1 else math.nan
    duplicates = sum(n - 1 for n in keys.values() if n > 1)
    return Result(scenario, limit, ideal, span, len(accepted), len(gaps), gaps, duplicates,
                  scenario.messages - states.get("sent", 0), dict(states), wall)


def space_channel_after_each_post() -> None:
    """EXPERIMENT (``--spacing-after-post``): what the fix suggested for workers/pacing.py would do.

    After every chat.postMessage (ok or not), set the channel's pacing key again for
    ``CHANNEL_INTERVAL_MS``, so the next post to that channel starts a full interval after this one
    *finished* — hence reaches Slack at least an interval after this one arrived, whatever the latency
    between taking the slot and the request landing. Patches slack_sdk in this process only.
    """
    from slack_sdk import WebClient

    original = WebClient.chat_postMessage

    def chat_post_message(self: WebClient, **kwargs: Any) -> Any:
        try:
            return original(self, **kwargs)
        finally:
            channel = str(kwargs.get("channel"))
            runtime.current().redis.set(pacing.CHANNEL_KEY.format(channel=channel), b"1",
                                        px=pacing.CHANNEL_INTERVAL_MS)

    WebClient.chat_postMessage = chat_post_message  # type: ignore[method-assign]


def print_table(results: Sequence[Result]) -> None:
    head = (f"{'scenario':<12} {'people':>6} {'each':>4} {'msgs':>5} {'limit/s':>7} {'ideal s':>7} {'span s':>7} "
            f"{'msg/s':>6} {'achieved/limit':>14} {'429s':>5} {'duplicates':>10} {'lost':>5} {'wall s':>6}  states")
    print(head)
    print("-" * len(head))
    for r in results:
        s = r.scenario
        print(f"{s.name:<12} {s.people:>6} {s.per_person:>4} {s.messages:>5} {r.limit_per_s:>7.1f} {r.ideal_s:>7.2f} "
              f"{r.span_s:>7.2f} {r.per_s:>6.2f} {r.ratio:>14.3f} {r.refused_429:>5} {r.duplicates:>10} "
              f"{r.lost:>5} {r.wall_s:>6.1f}  {r.outcomes}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scenario", dest="scenarios", type=parse_scenario, action="append",
                        help=f"name=PEOPLExPER_PERSON, repeatable (default: {' '.join(DEFAULT_SCENARIOS)})")
    parser.add_argument("--workers", type=int, default=8, help="RQ worker threads")
    parser.add_argument("--kind", default="backoff_note",
                        help="delivery kind: one the policy sends at once (uncapped, no back-off)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="Redis for the queue and the pacing; its database is FLUSHED before and after")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--spacing-after-post", action="store_true",
                        help="EXPERIMENT: re-arm the channel's pacing key after each post (the suggested fix)")
    parser.add_argument("--timeout", type=float, default=75.0, help="seconds per scenario before giving up")
    args = parser.parse_args(argv)
    args.scenarios = args.scenarios or [parse_scenario(s) for s in DEFAULT_SCENARIOS]
    if args.workers < 1 or args.timeout <= 0:
        parser.error("need --workers >= 1 and --timeout > 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = tempfile.TemporaryDirectory(prefix="flowcoach-bench-delivery-")
    url = args.database_url or f"sqlite:///{workdir.name}/bench.db"
    redis = Redis.from_url(args.redis_url)
    fake = FakeSlack(team_id=TEAM_ID, bot_token=BOT_TOKEN)
    services: Services | None = None
    started, load_before = time.monotonic(), loadavg()
    try:
        fake.start()
        settings = load_settings({
            "SLACK_SIGNING_SECRET": "bench-signing-secret", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.url,
            "DATABASE_URL": url, "FLOWCOACH_SECRET_KEY": Vault.generate_key(),
            "FLOWCOACH_CONTENT_DIR": str(REPO / "content"),
        })
        engine = make_engine(settings.database_url)
        upgrade(engine)
        services = build_services(settings, redis=redis, content=load_content(REPO / "content"), db=Database(engine))
        with services.db.session() as session:
            if session.scalar(select(func.count()).select_from(Delivery)):
                raise BenchError("the database already holds deliveries; give the bench one of its own")
        runtime.install(services)
        if args.spacing_after_post:
            space_channel_after_each_post()
        results = [run_scenario(services, fake, redis, scenario, workers=args.workers, kind=args.kind,
                                timeout=args.timeout) for scenario in args.scenarios]
        problems = fake.validation_errors + fake.internal_errors
        print(f"delivery throughput: kind {args.kind!r}, {args.workers} RQ worker threads, "
              f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}, Redis {args.redis_url}; FakeSlack "
              f"chat.postMessage limit {PER_CHANNEL_PER_S:g}/s per channel; workers/pacing.py: "
              f"{pacing.CHANNEL_INTERVAL_MS} ms per channel, {pacing.WORKSPACE_RATE_PER_S:g}/s per workspace "
              f"(burst {pacing.WORKSPACE_BURST})"
              f"{'; EXPERIMENT: channel slot re-armed after each post' if args.spacing_after_post else ''}")
        print(f"load average before {load_before}, after {loadavg()} ({os.cpu_count()} CPUs)\n")
        print_table(results)
        print()
        for r in results:
            ok = r.ratio >= RATIO_TARGET and r.duplicates == 0 and r.lost == 0
            print(f"{'PASS' if ok else 'MISS'}  {r.scenario.name}: achieved/limit {r.ratio:.3f} "
                  f"(target >= {RATIO_TARGET}), duplicates {r.duplicates}, lost {r.lost}, 429s {r.refused_429}")
        if problems:
            print(f"FakeSlack rejected calls: {problems[:3]}")
        for r in results:
            if r.refused_gaps_ms:
                gaps = sorted(r.refused_gaps_ms)
                print(f"  {r.scenario.name}: the {len(gaps)} refused posts came {gaps[0]:.0f}–{gaps[-1]:.0f} ms "
                      f"(median {gaps[len(gaps) // 2]:.0f} ms) after the channel's last accepted post")
        print(f"\ntotal run time {time.monotonic() - started:.1f} s")
        return 1 if problems else 0
    except BenchError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    finally:
        runtime.install(None)
        if services is not None:
            try:
                clean(services)
            except Exception as error:  # keep the original error visible
                print(f"warning: could not delete the bench rows: {error}", file=sys.stderr)
            services.db.dispose()
        fake.stop()
        redis.flushdb()
        workdir.cleanup()


if __name__ == "__main__":
    sys.exit(main())
