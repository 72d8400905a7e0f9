"""Home tab build time and SQL queries for a person with a long history, against a person with none.

Run::

    .venv/bin/python bench/bench_home.py [--iterations 200] [--warmup 20] [--history 1000] [--others 20]
        [--database-url postgresql://postgres@127.0.0.1:5432/flowcoach_bench_home]

The database defaults to a temporary SQLite file. With ``--database-url`` (PostgreSQL), the bench
CREATES that database through the server's ``postgres`` maintenance database, migrates it, and DROPS
it at the end; it refuses to start if a database of that name already exists (it never touches an
existing database, such as the test suite's ``test``).

Seeded, in one workspace:

- ``UHEAVY``: ``--history`` past micro-assignments of their own (3 in 5 reviewed, each with a submission,
  a review and an evidence row; the rest declined or cancelled), ``--history`` reviews they gave their
  two reports (assignments, submissions and reviews), ``--history`` reflections, progress in every
  competency they practised, 200 past deliveries (3 capped nudges in the last 7 days), a connected
  calendar with 20 meetings in the next week and 200 past ones, and a few open items: 5 assignments of
  their own and 5 submissions waiting for their review.
- ``UFRESH`` (the baseline, measured in the same run): a person with no history at all.
- ``--others`` more people with 200 past assignments and 50 reflections each, so the tables are not
  only this person's rows.

Measured: ``slackapp.listeners.home.home_state`` (the function ``publish_home`` uses: one transaction,
every query) followed by ``home_view(state).to_dict()`` (the Block Kit payload) — everything
``publish_home`` does except the ``views.publish`` HTTP call. ``--warmup`` untimed builds per person,
then ``--iterations`` timed builds per person, the two people taking turns so drift hits both alike.
Queries are counted per build with SQLAlchemy's ``before_cursor_execute`` event.

Targets (from the issue): the history person's Home builds in at most 50 ms (judged on p95) with at most
10 SQL queries. Exit status: 0 with figures (PASS/MISS lines are information, not a test), 1 if
anything errors or the Home built is not the one expected (the history's counts must show).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # measure the checkout this file lives in

import fakeredis  # noqa: E402
from sqlalchemy import Engine, create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from slackapp.bootstrap import build_services  # noqa: E402
from slackapp.clock import utcnow  # noqa: E402
from slackapp.content import ContentLibrary, load_content  # noqa: E402
from slackapp.crypto import Vault  # noqa: E402
from slackapp.db import Database, make_engine, upgrade  # noqa: E402
from slackapp.db.models import (  # noqa: E402
    Assignment,
    CalendarFeed,
    CalendarOccurrence,
    CompetencyProgress,
    Delivery,
    Evidence,
    Person,
    Reflection,
    Review,
    Submission,
    TeamLink,
)
from slackapp.listeners.home import home_state  # noqa: E402
from slackapp.services import Services  # noqa: E402
from slackapp.settings import load_settings  # noqa: E402
from slackapp.views.home import home_view  # noqa: E402

TEAM = "T0BENCH"
HEAVY, FRESH, BOSS = "UHEAVY", "UFRESH", "UBOSS"
REPORTS = ("UREPORTA", "UREPORTB")
TARGET_MS = 50.0
TARGET_QUERIES = 10


# -- the database --------------------------------------------------------------------------------------


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A migrated database for this run: a temporary SQLite file, or a PostgreSQL database created for
    the run and dropped afterwards."""
    if url is None:
        folder = tempfile.mkdtemp(prefix="bench-home-")
        sqlite_url = f"sqlite:///{folder}/flowcoach.db"
        engine = make_engine(sqlite_url)
        upgrade(engine)
        engine.dispose()
        try:
            yield sqlite_url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    target = make_url(url)
    name = target.database or ""
    if not name or name in ("postgres", "template0", "template1", "test"):
        raise SystemExit(f"refusing to create and drop the database {name!r}: name one for the bench alone")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                raise SystemExit(f"the database {name!r} already exists; drop it first (the bench never "
                                 "touches an existing database)")
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# -- seeding -------------------------------------------------------------------------------------------


def _assignment_row(i: int, *, learner: str, reviewer: str, state: str, start: datetime,
                    templates: Sequence[Any]) -> dict[str, Any]:
    template = templates[i % len(templates)]
    created = start + timedelta(hours=12 * i)
    reviewed = state == "reviewed"
    return {"team_id": TEAM, "learner_id": learner, "assigned_by": reviewer, "reviewer_id": reviewer,
            "template_id": template.id, "competency_id": template.competency_id, "skill_id": template.skill_id,
            "context_note": "From the planning thread.", "state": state, "due_at": created + timedelta(days=3),
            "review_due_at": created + timedelta(days=4) if reviewed else None, "late": i % 7 == 0,
            "created_at": created, "updated_at": created + timedelta(days=4),
            "submitted_at": created + timedelta(days=2) if reviewed else None,
            "reviewed_at": created + timedelta(days=3) if reviewed else None}


def _insert_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    return list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def seed(session: Session, *, content: ContentLibrary, now: datetime, history: int, others: int) -> None:
    templates = content.assignments
    start = now - timedelta(days=900)
    for user_id in (HEAVY, FRESH, BOSS, *REPORTS):
        session.add(Person(team_id=TEAM, user_id=user_id, display_name=user_id.lower(), tz="Europe/Berlin",
                           opt_in="opted_in", muted_kinds=[], created_at=start))
    for report in REPORTS:
        session.add(TeamLink(team_id=TEAM, manager_id=HEAVY, report_id=report, state="active", invited_by=HEAVY,
                             created_at=start, responded_at=start, updated_at=start))
    session.add(TeamLink(team_id=TEAM, manager_id=BOSS, report_id=HEAVY, state="active", invited_by=BOSS,
                         created_at=start, responded_at=start, updated_at=start))
    session.flush()

    # The heavy person's own past assignments, and the reviews they gave their reports.
    final = ("reviewed", "reviewed", "reviewed", "declined", "cancelled")
    own = [_assignment_row(i, learner=HEAVY, reviewer=BOSS, state=final[i % 5], start=start, templates=templates)
           for i in range(history)]
    given = [_assignment_row(i, learner=REPORTS[i % 2], reviewer=HEAVY, state="reviewed", start=start,
                             templates=templates) for i in range(history)]
    reviewed = [(aid, row) for aid, row in zip(_insert_ids(session, Assignment, own), own, strict=True)
                if row["state"] == "reviewed"]
    reviewed += list(zip(_insert_ids(session, Assignment, given), given, strict=True))
    submissions = _insert_ids(session, Submission, [
        {"assignment_id": aid, "version": 1, "summary": "What I did and how it went.", "late": row["late"],
         "submitted_at": row["submitted_at"]} for aid, row in reviewed])
    session.execute(insert(Review), [
        {"assignment_id": aid, "submission_id": sid, "reviewer_id": row["reviewer_id"], "outcome": "accepted",
         "level": 2 + aid % 3, "feedback": "Specific and kind.", "counts_as_evidence": True,
         "created_at": row["reviewed_at"]} for (aid, row), sid in zip(reviewed, submissions, strict=True)])
    mine = [(aid, row) for aid, row in reviewed if row["learner_id"] == HEAVY]
    session.execute(insert(Evidence), [
        {"team_id": TEAM, "learner_id": HEAVY, "competency_id": row["competency_id"], "skill_id": row["skill_id"],
         "assignment_id": aid, "level": 2 + aid % 3, "confirmed_by": BOSS, "created_at": row["reviewed_at"]}
        for aid, row in mine])
    per_competency: dict[str, list[dict[str, Any]]] = {}
    for _, row in mine:
        per_competency.setdefault(row["competency_id"], []).append(row)
    session.execute(insert(CompetencyProgress), [
        {"team_id": TEAM, "learner_id": HEAVY, "competency_id": cid, "first_assignment_at": rows[0]["created_at"],
         "evidence_count": len(rows), "competent_at": rows[2]["reviewed_at"] if len(rows) > 2 else None,
         "updated_at": now} for cid, rows in per_competency.items()])
    session.execute(insert(Reflection), [
        {"team_id": TEAM, "user_id": HEAVY, "moment_id": "one-on-one", "encrypted_answers": "opaque-ciphertext",
         "shared_with_manager": i % 3 == 0, "created_at": start + timedelta(hours=12 * i)} for i in range(history)])

    # Open work: five of their own, five submissions waiting for their review.
    open_states = ("offered", "accepted", "submitted", "changes_requested", "accepted")
    session.execute(insert(Assignment), [
        {**_assignment_row(i, learner=HEAVY, reviewer=BOSS, state=state, start=now - timedelta(days=3),
                           templates=templates), "review_due_at": now + timedelta(hours=20)}
        for i, state in enumerate(open_states)])
    session.execute(insert(Assignment), [
        {**_assignment_row(i, learner=REPORTS[i % 2], reviewer=HEAVY, state="submitted",
                           start=now - timedelta(days=2), templates=templates),
         "review_due_at": now + timedelta(hours=6 * i - 8)} for i in range(5)])

    # Deliveries (a few capped sends this week) and a connected calendar.
    session.execute(insert(Delivery), [
        {"key": f"bench:{HEAVY}:{i}", "team_id": TEAM, "user_id": HEAVY, "kind": ("tip", "prep")[i % 2],
         "due_at": now - timedelta(hours=9 * i + 1), "state": "sent", "payload": {},
         "sent_at": now - timedelta(hours=9 * i + 1), "created_at": now - timedelta(days=40),
         "updated_at": now} for i in range(200)])
    feed = CalendarFeed(team_id=TEAM, user_id=HEAVY, encrypted_url="opaque", url_hint="https://cal.example/…k3y9",
                        status="active", last_synced_at=now, last_success_at=now - timedelta(minutes=10),
                        created_at=start, updated_at=now)
    session.add(feed)
    session.flush()
    session.execute(insert(CalendarOccurrence), [
        {"team_id": TEAM, "user_id": HEAVY, "source": "ics", "feed_id": feed.id, "event_uid": f"evt-{i}",
         "occurrence_id": "0", "title": "1:1", "start": now + timedelta(hours=8 * i - 1600),
         "end": now + timedelta(hours=8 * i - 1600, minutes=30), "created_at": start, "updated_at": now}
        for i in range(220)])

    # Everybody else's history, so the tables hold more than this person's rows.
    for n in range(others):
        user_id = f"UOTHER{n:03d}"
        session.execute(insert(Assignment), [
            _assignment_row(i, learner=user_id, reviewer=BOSS, state=final[i % 5], start=start, templates=templates)
            for i in range(200)])
        session.execute(insert(Reflection), [
            {"team_id": TEAM, "user_id": user_id, "encrypted_answers": "opaque", "created_at": start}
            for _ in range(50)])


# -- measuring -----------------------------------------------------------------------------------------


@dataclass
class Series:
    label: str
    ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def pct(self, q: float) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class QueryCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def build(services: Services, user_id: str) -> dict[str, Any]:
    """What publish_home does, minus the views.publish call."""
    return home_view(home_state(services, team_id=TEAM, user_id=user_id)).to_dict()


def check(view: dict[str, Any], *, heavy: bool, history: int) -> None:
    text = str(view)
    if len(view["blocks"]) > 100:
        raise SystemExit(f"the Home view has {len(view['blocks'])} blocks")
    if heavy:
        expected = (f"{history * 3 // 5:,} practice tasks reviewed", f"{history:,} reviews given",
                    f"{history:,} reflections", "Waiting for your review", "Your team")
        missing = [e for e in expected if e not in text]
        if missing or "opaque-ciphertext" in text:
            raise SystemExit(f"the history person's Home is not the one expected: missing {missing}")
    elif "No practice yet" not in text:
        raise SystemExit("the baseline person's Home does not show the empty state")


def run(url: str, args: argparse.Namespace) -> tuple[Series, Series, float]:
    content = load_content(REPO / "content")
    settings = load_settings({"SLACK_SIGNING_SECRET": "bench", "SLACK_BOT_TOKEN": "xoxb-bench",
                              "DATABASE_URL": url, "FLOWCOACH_SECRET_KEY": Vault.generate_key(),
                              "FLOWCOACH_CONTENT_DIR": str(REPO / "content")})
    db = Database.from_url(url)
    services = build_services(settings, redis=fakeredis.FakeRedis(), content=content, db=db)
    try:
        started = time.perf_counter()
        with db.session() as session:
            seed(session, content=content, now=utcnow(), history=args.history, others=args.others)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        seeded = time.perf_counter() - started
        heavy, fresh = Series("history"), Series("baseline")
        check(build(services, HEAVY), heavy=True, history=args.history)
        check(build(services, FRESH), heavy=False, history=args.history)
        for _ in range(args.warmup):
            build(services, HEAVY)
            build(services, FRESH)
        counter = QueryCounter(db.engine)
        for _ in range(args.iterations):
            for series, user_id in ((heavy, HEAVY), (fresh, FRESH)):
                counter.count = 0
                t0 = time.perf_counter()
                build(services, user_id)
                series.ms.append((time.perf_counter() - t0) * 1000)
                series.queries.append(counter.count)
        return heavy, fresh, seeded
    finally:
        services.shutdown()
        db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--history", type=int, default=1000, help="past assignments, reviews and reflections")
    parser.add_argument("--others", type=int, default=20, help="other people with 200 past assignments each")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL database to CREATE for the run and DROP afterwards "
                             "(default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    with database(args.database_url) as url:
        kind = make_url(url).get_backend_name()
        heavy, fresh, seeded = run(url, args)
    print(f"database: {kind}   seeding: {seeded:.1f} s   iterations: {args.iterations} per person "
          f"(+{args.warmup} warm-up)   load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
    print(f"history person: {args.history:,} past assignments, {args.history:,} reviews given (+ reviews of their "
          f"own work), {args.history:,} reflections; {args.others} other people with 200 assignments each\n")
    print(f"{'person':<10} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries/build':>14}")
    for series in (heavy, fresh):
        low, high = min(series.queries), max(series.queries)
        count = str(low) if low == high else f"{low}–{high}"
        print(f"{series.label:<10} {len(series.ms):>5} {series.pct(0.5):>8.2f} {series.pct(0.95):>8.2f} "
              f"{max(series.ms):>8.2f} {count:>14}")
    ratio = heavy.pct(0.5) / fresh.pct(0.5) if fresh.pct(0.5) else float("inf")
    print(f"\nhistory/baseline p50: {ratio:.2f}x")
    p95, queries = heavy.pct(0.95), max(heavy.queries)
    print(f"{'PASS' if p95 <= TARGET_MS else 'MISS'}  Home build with history p95 <= {TARGET_MS:.0f} ms: "
          f"{p95:.2f} ms (p50 {heavy.pct(0.5):.2f} ms; baseline p95 {fresh.pct(0.95):.2f} ms)")
    print(f"{'PASS' if queries <= TARGET_QUERIES else 'MISS'}  SQL queries per Home build <= {TARGET_QUERIES}: "
          f"{queries} (baseline {max(fresh.queries)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
