"""Dispatcher throughput: 100,000 due deliveries moved from the outbox into RQ on real Redis.

Run::

    .venv/bin/python bench/bench_dispatch.py [--deliveries 100000] [--redis-url redis://127.0.0.1:6379/14]
        [--database-url postgresql://postgres@127.0.0.1:5432/flowcoach_bench] [--legacy-rows 10000]
        [--floor-jobs 100000]

The Redis database is FLUSHED before and after (default: database 14; the test suite uses 15). The
SQL database defaults to a temporary SQLite file; a ``--database-url`` database is migrated, must hold
no deliveries when the bench starts, and has the bench's rows deleted at the end (use a database of
its own: ``createdb flowcoach_bench`` … ``dropdb flowcoach_bench``).

Phases, all in one run so their figures share the machine's state:

1. ``floor per-job``: ``Queue.enqueue(..., job_id=..., unique=True, result_ttl=0)`` of ``--floor-jobs``
   jobs, no database: what one-job-at-a-time enqueueing (the old dispatcher's way) costs at best.
2. ``floor batched``: ``Queue.enqueue_many`` of the same jobs in pipelines of ``BATCH_SIZE``, no
   database and no uniqueness check: the floor for the batched dispatcher.
3. ``legacy dispatcher``: the per-row dispatcher as it was before batching (kept below, verbatim) on
   ``--legacy-rows`` due rows (it is slow: 10,000 by default, 0 skips it).
4. ``dispatch_due``: the real ``workers.dispatcher.dispatch_due`` on ``--deliveries`` due rows,
   bulk-inserted (distinct keys and users, due times spread over the last hours with ties).
5. ``re-dispatch``: every row's ``enqueued_at`` cleared (as after a lost commit) and dispatched again:
   every job is already queued, so nothing may be enqueued twice.
6. ``concurrent`` (PostgreSQL only; SQLite serialises writers): fresh rows, two dispatchers in two
   threads with their own sessions at once.

After phases 3–6: exactly one job per row in the deliveries queue, no duplicate job ids, the queue in
``deliveries.due`` order (one dispatcher), every row marked enqueued, a second tick dispatching nothing,
and a sample job carrying the delivery id, ``Retry`` and ``result_ttl=0``. Exit status 1 if any check fails.
``enqueued/s`` is wall time; ``CPU µs/job`` is this process's CPU; ``redis CPU`` is the server's
(``INFO cpu``) over the phase.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # measure the checkout this file lives in

from redis import Redis  # noqa: E402
from rq import Queue  # noqa: E402
from rq.job import Job  # noqa: E402
from sqlalchemy import delete, func, insert, select, text, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.machine import loadavg  # noqa: E402
from slackapp.clock import utcnow  # noqa: E402
from slackapp.db import Database, make_engine, upgrade  # noqa: E402
from slackapp.db.models import Delivery  # noqa: E402
from slackapp.domain import deliveries  # noqa: E402
from workers.dispatcher import BATCH_SIZE, DELIVER, RETRY, dispatch_due, job_id_for, recover_stale  # noqa: E402
from workers.queues import DELIVERY_QUEUE, make_enqueue  # noqa: E402

TARGET_PER_S = 5000.0
KEY_PREFIX = "bench-dispatch:"
TEAM_ID = "T0BENCH"
TIES = 7  # rows sharing one due time, so the (due_at, id) order is exercised
FLOOR_QUEUE = "bench-floor"


class BenchError(Exception):
    """A check failed: the figures are not to be trusted."""


# ---- the dispatcher before batching (for comparison), verbatim apart from names ----------------
def legacy_job_id(delivery: Delivery) -> str:
    return f"deliver-{delivery.id}-{int(delivery.due_at.timestamp())}"


def legacy_dispatch_due(session: Session, *, enqueue: Callable[..., Any], now: datetime, batch: int = 1000) -> int:
    recover_stale(session, now=now)
    total = 0
    while True:
        rows = deliveries.due(session, now=now, limit=batch)
        if not rows:
            return total
        for delivery in rows:
            enqueue("workers.jobs.deliver", delivery.id, job_id=legacy_job_id(delivery), queue=DELIVERY_QUEUE,
                    retry=RETRY)
        deliveries.mark_enqueued(session, [d.id for d in rows], now=now)
        session.flush()
        total += len(rows)


# ---- measuring -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    phase: str
    rows: int  # rows dispatched (or jobs, for the floors)
    enqueued: int  # new jobs in Redis
    wall_s: float
    cpu_s: float
    redis_cpu_s: float
    note: str = ""

    @property
    def per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s > 0 else float("nan")


def redis_cpu(redis: Redis) -> float:
    info = redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def measure(redis: Redis, phase: str, work: Callable[[], tuple[int, int]], note: str = "") -> Figure:
    cpu0, wall0, rcpu0 = time.process_time(), time.perf_counter(), redis_cpu(redis)
    rows, enqueued = work()
    wall, cpu, rcpu = time.perf_counter() - wall0, time.process_time() - cpu0, redis_cpu(redis) - rcpu0
    return Figure(phase, rows, enqueued, wall, cpu, rcpu, note)


def queued_ids(redis: Redis, queue: str = DELIVERY_QUEUE) -> list[str]:
    return [raw.decode() if isinstance(raw, bytes) else str(raw)
            for raw in redis.lrange(Queue(queue, connection=redis).key, 0, -1)]


def floor_per_job(redis: Redis, jobs: int) -> Figure:
    queue = Queue(FLOOR_QUEUE, connection=redis)

    def work() -> tuple[int, int]:
        for i in range(jobs):
            queue.enqueue(DELIVER, i, job_id=f"floor-{i}", unique=True, result_ttl=0, retry=RETRY)
        return jobs, jobs

    figure = measure(redis, "floor per-job", work, "Queue.enqueue unique=True, no DB")
    if redis.llen(queue.key) != jobs:
        raise BenchError(f"floor per-job: {redis.llen(queue.key)} jobs queued, expected {jobs}")
    redis.flushdb()
    return figure


def floor_batched(redis: Redis, jobs: int) -> Figure:
    queue = Queue(FLOOR_QUEUE, connection=redis)

    def work() -> tuple[int, int]:
        for start in range(0, jobs, BATCH_SIZE):
            with redis.pipeline() as pipe:
                queue.enqueue_many([Queue.prepare_data(DELIVER, args=(i,), job_id=f"floor-{i}", result_ttl=0,
                                                       retry=RETRY)
                                    for i in range(start, min(jobs, start + BATCH_SIZE))], pipeline=pipe)
                pipe.execute()
        return jobs, jobs

    figure = measure(redis, "floor batched", work, "Queue.enqueue_many, no DB, no uniqueness")
    if redis.llen(queue.key) != jobs:
        raise BenchError(f"floor batched: {redis.llen(queue.key)} jobs queued, expected {jobs}")
    redis.flushdb()
    return figure


# ---- rows ----------------------------------------------------------------------------------------
def insert_rows(db: Database, count: int, *, now: datetime, start: int = 0) -> float:
    """Bulk-insert ``count`` due deliveries (not through ``schedule()``); returns the seconds it took."""
    began = time.perf_counter()
    spread = count // TIES + 1
    with db.session() as session:
        for chunk in range(start, start + count, 10_000):
            session.execute(insert(Delivery), [
                {"key": f"{KEY_PREFIX}{i}", "team_id": TEAM_ID, "user_id": f"UB{i:07d}", "kind": "welcome",
                 "due_at": now - timedelta(seconds=spread - (i - start) // TIES), "payload": {}, "state": "scheduled",
                 "attempts": 0, "created_at": now, "updated_at": now}
                for i in range(chunk, min(start + count, chunk + 10_000))])
    return time.perf_counter() - began


def analyze(db: Database, enabled: bool) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would gather (PostgreSQL only).

    Without them PostgreSQL estimates one due row and sorts every due row for each page of 1,000
    instead of reading the (state, due_at) index in order (see bench/README.md).
    """
    if enabled and db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE deliveries"))
            connection.commit()


def delete_rows(db: Database) -> None:
    with db.session() as session:
        session.execute(delete(Delivery).where(Delivery.key.startswith(KEY_PREFIX)))


def verify(db: Database, redis: Redis, *, now: datetime, expected: int, ordered: bool) -> list[str]:
    """Exactly one job per row, no duplicates, every row marked, and (one dispatcher) the queue in due order."""
    problems: list[str] = []
    ids = queued_ids(redis)
    with db.session() as session:
        rows = session.execute(select(Delivery.id, Delivery.due_at, Delivery.enqueued_at)
                               .where(Delivery.key.startswith(KEY_PREFIX))
                               .order_by(Delivery.due_at, Delivery.id)).all()
    want = [job_id_for(row.id, row.due_at) for row in rows]
    if len(rows) != expected:
        problems.append(f"{len(rows)} rows in the table, expected {expected}")
    if len(ids) != expected:
        problems.append(f"{len(ids)} jobs in the queue, expected {expected}")
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} duplicate job ids in the queue")
    if set(ids) != set(want):
        problems.append(f"queue and table disagree: {len(set(want) - set(ids))} rows without a job, "
                        f"{len(set(ids) - set(want))} jobs without a row")
    if ordered and ids != want:
        problems.append("the queue is not in deliveries.due order (due_at, id)")
    unmarked = sum(1 for row in rows if row.enqueued_at is None)
    if unmarked:
        problems.append(f"{unmarked} rows not marked enqueued")
    hashes = sum(1 for _ in redis.scan_iter(match=Job.key_for("deliver-*"), count=10_000))
    if hashes != expected:
        problems.append(f"{hashes} job hashes in Redis, expected {expected}")
    if rows:
        job = Job.fetch(want[0], connection=redis)
        if (job.func_name != DELIVER or tuple(job.args) != (rows[0].id,) or job.origin != DELIVERY_QUEUE
                or job.result_ttl != 0 or job.retries_left != RETRY.max):
            problems.append(f"sample job {job.id} is not deliver({rows[0].id}) with Retry and result_ttl=0")
    with db.session() as session:
        again = dispatch_due(session, enqueue=make_enqueue(redis), now=now)
    if again:
        problems.append(f"a second tick dispatched {again} rows")
    return problems


def dispatch_phase(db: Database, redis: Redis, phase: str, *, rows: int, now: datetime,
                   dispatcher: Callable[[Session], int], note: str = "") -> Figure:
    before = redis.llen(Queue(DELIVERY_QUEUE, connection=redis).key)

    def work() -> tuple[int, int]:
        with db.session() as session:
            dispatched = dispatcher(session)
        return dispatched, redis.llen(Queue(DELIVERY_QUEUE, connection=redis).key) - before

    figure = measure(redis, phase, work, note)
    if figure.rows != rows:
        raise BenchError(f"{phase}: dispatched {figure.rows} rows, expected {rows}")
    return figure


def concurrent_phase(db: Database, redis: Redis, *, rows: int, now: datetime) -> Figure:
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def one() -> None:
        try:
            barrier.wait()
            with db.session() as session:
                results.append(dispatch_due(session, enqueue=make_enqueue(redis), now=now))
        except BaseException as error:  # reported below
            errors.append(error)

    def work() -> tuple[int, int]:
        threads = [threading.Thread(target=one, name=f"bench-dispatcher-{i}") for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise BenchError(f"a concurrent dispatcher failed: {errors[0]!r}")
        return rows, redis.llen(Queue(DELIVERY_QUEUE, connection=redis).key)

    figure = measure(redis, "concurrent x2", work)
    return replace(figure, note=f"two ticks at once; rows each marked: {sorted(results)}")


# ---- report --------------------------------------------------------------------------------------
def print_table(figures: Sequence[Figure], floor: Figure | None) -> None:
    head = (f"{'phase':<18} {'rows':>7} {'new jobs':>8} {'wall s':>7} {'rows/s':>8} {'CPU µs/row':>10} "
            f"{'redis CPU s':>11} {'vs per-job floor':>16}  note")
    print(head)
    print("-" * len(head))
    for f in figures:
        vs = f"{f.per_s / floor.per_s:15.2f}x" if floor is not None and floor.per_s > 0 else f"{'':>16}"
        cpu_us = f.cpu_s / f.rows * 1e6 if f.rows else float("nan")
        print(f"{f.phase:<18} {f.rows:>7} {f.enqueued:>8} {f.wall_s:>7.2f} {f.per_s:>8.0f} {cpu_us:>10.1f} "
              f"{f.redis_cpu_s:>11.2f} {vs}  {f.note}")


def normalise_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--deliveries", type=int, default=100_000, help="due rows for dispatch_due")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="Redis to enqueue into; its database is FLUSHED before and after")
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file; e.g. postgresql://postgres@127.0.0.1/flowcoach_bench")
    parser.add_argument("--legacy-rows", type=int, default=10_000,
                        help="rows for the pre-batching dispatcher (0: skip)")
    parser.add_argument("--floor-jobs", type=int, default=100_000, help="jobs for the two no-DB floors (0: skip)")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="PostgreSQL: skip ANALYZE after each bulk load (stale statistics, see the README)")
    args = parser.parse_args(argv)
    if args.deliveries < 1 or args.legacy_rows < 0 or args.floor_jobs < 0:
        parser.error("need --deliveries >= 1, --legacy-rows >= 0, --floor-jobs >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = tempfile.TemporaryDirectory(prefix="flowcoach-bench-dispatch-")
    url = normalise_url(args.database_url or f"sqlite:///{workdir.name}/bench.db")
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    redis = Redis.from_url(args.redis_url)
    engine = make_engine(url)
    db = Database(engine)
    started, load_before = time.monotonic(), loadavg()
    figures: list[Figure] = []
    problems: list[str] = []
    try:
        upgrade(engine)
        with db.session() as session:
            existing = session.scalar(select(func.count()).select_from(Delivery))
        if existing:
            raise BenchError(f"the database already holds {existing} deliveries; give the bench one of its own")
        redis.flushdb()
        enqueue = make_enqueue(redis)
        floor = None
        if args.floor_jobs:
            floor = floor_per_job(redis, args.floor_jobs)
            figures += [floor, floor_batched(redis, args.floor_jobs)]

        if args.legacy_rows:
            now = utcnow()
            insert_rows(db, args.legacy_rows, now=now)
            analyze(db, args.analyze)
            figures.append(dispatch_phase(db, redis, "legacy dispatcher", rows=args.legacy_rows, now=now,
                                          dispatcher=lambda s: legacy_dispatch_due(s, enqueue=enqueue, now=now),
                                          note="per-row Queue.enqueue unique=True"))
            problems += [f"legacy: {p}" for p in verify(db, redis, now=now, expected=args.legacy_rows, ordered=True)]
            delete_rows(db)
            redis.flushdb()

        now = utcnow()
        inserted_s = insert_rows(db, args.deliveries, now=now)
        analyze(db, args.analyze)
        figures.append(dispatch_phase(db, redis, "dispatch_due", rows=args.deliveries, now=now,
                                      dispatcher=lambda s: dispatch_due(s, enqueue=enqueue, now=now),
                                      note=f"BATCH_SIZE={BATCH_SIZE}"))
        problems += [f"dispatch_due: {p}" for p in verify(db, redis, now=now, expected=args.deliveries, ordered=True)]

        with db.session() as session:
            session.execute(update(Delivery).where(Delivery.key.startswith(KEY_PREFIX)).values(enqueued_at=None))
        analyze(db, args.analyze)
        figures.append(dispatch_phase(db, redis, "re-dispatch", rows=args.deliveries, now=now,
                                      dispatcher=lambda s: dispatch_due(s, enqueue=enqueue, now=now),
                                      note="every job already queued: must enqueue 0"))
        if figures[-1].enqueued:
            problems.append(f"re-dispatch enqueued {figures[-1].enqueued} jobs that were already queued")
        problems += [f"re-dispatch: {p}" for p in verify(db, redis, now=now, expected=args.deliveries, ordered=True)]

        if dialect == "postgresql":
            delete_rows(db)
            redis.flushdb()
            now = utcnow()
            insert_rows(db, args.deliveries, now=now)
            analyze(db, args.analyze)
            figures.append(concurrent_phase(db, redis, rows=args.deliveries, now=now))
            problems += [f"concurrent: {p}" for p in verify(db, redis, now=now, expected=args.deliveries,
                                                            ordered=False)]

        stats = ("; ANALYZE after each bulk load" if args.analyze else "; no ANALYZE (stale statistics)"
                 ) if dialect == "postgresql" else ""
        print(f"dispatcher throughput: {args.deliveries} due deliveries on {dialect}{stats} "
              f"(bulk insert {inserted_s:.1f} s), Redis {args.redis_url}; per-job floor and batched floor: "
              f"{args.floor_jobs} no-op jobs; legacy: {args.legacy_rows} rows")
        print(f"load average before {load_before}, after {loadavg()} ({os.cpu_count()} CPUs)\n")
        print_table(figures, floor)
        main_figure = next(f for f in figures if f.phase == "dispatch_due")
        verdict = "PASS" if main_figure.per_s >= TARGET_PER_S else "MISS"
        print(f"\n{verdict}  dispatch_due {main_figure.per_s:.0f} enqueued/s (target >= {TARGET_PER_S:.0f}/s)")
        print(f"{'PASS' if not problems else 'FAIL'}  checks: one job per row, no duplicate job ids, due order, "
              f"all rows marked, second tick empty{', concurrent dispatchers' if dialect == 'postgresql' else ''}")
        for problem in problems:
            print(f"  - {problem}")
        print(f"\ntotal run time {time.monotonic() - started:.1f} s")
        return 1 if problems else 0
    except BenchError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    finally:
        try:
            delete_rows(db)
        except Exception as error:  # keep the original error visible
            print(f"warning: could not delete the bench rows: {error}", file=sys.stderr)
        redis.flushdb()
        db.dispose()
        workdir.cleanup()


if __name__ == "__main__":
    sys.exit(main())
