"""Calendar feed sync jobs: fetch a person's ICS feed, parse it, upsert occurrences, plan nudges.

The feed URL is a secret: it is decrypted only to fetch, never logged (logs name feed ids), never
stored anywhere else. See docs/calendar-sync.md for the whole flow and its decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from slackapp.calendar import FeedFetchError, FeedRejected, FetchResult, ParseResult, fetch_feed, parse_feed
from slackapp.clock import utcnow
from slackapp.crypto import SecretsUnavailable
from slackapp.db.models import CalendarFeed, CalendarOccurrence, Person, Workspace
from slackapp.domain import deliveries, occurrences, people
from slackapp.domain.calendar_feeds import feed_url, fetch_policy
from slackapp.services import Services
from workers import runtime

logger = logging.getLogger(__name__)

SYNC_INTERVAL = timedelta(minutes=15)
MAX_FAILING_INTERVAL = timedelta(hours=6)  # a failing feed is polled less and less often, down to this
FULL_REFRESH_EVERY = timedelta(hours=6)  # re-read in full (no If-None-Match) at least this often
WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=60)
NOTIFY_AFTER_TRANSIENT = 3  # passing trouble (timeouts, 5xx) is told after this many failures in a row
SYNC_STATUSES = ("active", "failing")
UNREADABLE_SECRET = ("the stored calendar address can no longer be read (the server's secret key changed); "
                     "connect the calendar again")
UNREADABLE_FEED = "the calendar file could not be read"
UNREADABLE_DOWNLOAD = "the calendar could not be downloaded"

Outcome = str  # "ok" | "not_modified" | "failed" | "gone"
SessionFactory = Callable[[], AbstractContextManager[Session]]
Fetch = Callable[..., FetchResult]


class _Failure(Exception):
    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def sync_feed(feed_id: int) -> str:
    """RQ entry point (job id ``sync-feed-{feed_id}``)."""
    return sync_feed_now(runtime.current(), feed_id, now=utcnow())


def sync_feed_now(
    services: Services,
    feed_id: int,
    *,
    now: datetime,
    session_factory: SessionFactory | None = None,
    fetch: Fetch | None = None,
) -> str:
    """Sync one feed; returns ``ok``, ``not_modified``, ``failed`` or ``gone`` (no such feed, or it
    was disconnected or replaced while it was being read).

    ``fetch`` replaces :func:`slackapp.calendar.fetch_feed` (same signature) in tests.
    """
    open_session = session_factory or services.db.session
    with open_session() as session:
        feed = session.get(CalendarFeed, feed_id)
        if feed is None or feed.status not in SYNC_STATUSES:
            return "gone"
        encrypted, zone = feed.encrypted_url, _zone(session, feed)
        full_refresh = feed.last_success_at is None or now - feed.last_success_at >= FULL_REFRESH_EVERY
        etag, last_modified = (None, None) if full_refresh else (feed.etag, feed.last_modified)
        try:
            url: str | None = feed_url(feed, services.vault)
        except SecretsUnavailable:
            url = None
    try:
        if url is None:
            raise _Failure(UNREADABLE_SECRET, transient=False)
        fetched = _fetch(fetch or fetch_feed, url, services, etag=etag, last_modified=last_modified)
        parsed = None if fetched.status == "not_modified" else _parse(fetched, zone, now, feed_id)
    except _Failure as failure:
        outcome = _record_failure(open_session, services, feed_id, encrypted, failure, now)
        logger.warning("calendar feed %s: %s (%s)", feed_id, outcome, failure.reason)
        return outcome
    with open_session() as session:
        feed = _locked(session, feed_id, encrypted)
        if feed is None:
            return "gone"
        if parsed is None:
            _record_success(feed, now)
            _apply_ooo(session, feed, now)
            logger.info("calendar feed %s: not modified", feed_id)
            return "not_modified"
        window_start, window_end = now - WINDOW_BEFORE, now + WINDOW_AFTER
        if parsed.truncated:  # only the earliest occurrences were kept: judge absences before the cut only
            window_end = parsed.occurrences[-1].start if parsed.occurrences else window_start
        summary = occurrences.apply_feed_occurrences(
            session, team_id=feed.team_id, user_id=feed.user_id, feed_id=feed.id, occurrences=parsed.occurrences,
            window_start=window_start, window_end=window_end, content=services.content, now=now,
            complete=parsed.complete,
        )
        _record_success(feed, now)
        feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
        feed.last_success_at = now
        feed.skipped_series = parsed.skipped_series
        _apply_ooo(session, feed, now)
    logger.info("calendar feed %s: ok (added %d, moved %d, cancelled %d, updated %d, unchanged %d, skipped series %d)",
                feed_id, summary.added, summary.moved, summary.cancelled, summary.updated, summary.unchanged,
                parsed.skipped_series)
    return "ok"


def _zone(session: Session, feed: CalendarFeed) -> ZoneInfo:
    person = people.find_person(session, team_id=feed.team_id, user_id=feed.user_id)
    return people.zone_of(person) if person is not None else ZoneInfo("UTC")


def _fetch(fetch: Fetch, url: str, services: Services, *, etag: str | None, last_modified: str | None) -> FetchResult:
    failure: _Failure | None = None
    try:
        return fetch(url, policy=fetch_policy(url, services.settings.feed_allowed_hosts), etag=etag,
                     last_modified=last_modified)
    except FeedFetchError as error:
        failure = _Failure(error.reason, transient=error.retryable)
    except Exception as error:  # never expected; its text may hold the URL, so log only its type
        logger.error("calendar fetch raised %s unexpectedly", type(error).__name__)
        failure = _Failure(UNREADABLE_DOWNLOAD, transient=True)
    raise failure  # outside the except block: nothing chains to the original exception


def _parse(fetched: FetchResult, zone: ZoneInfo, now: datetime, feed_id: int) -> ParseResult:
    failure: _Failure | None = None
    try:
        return parse_feed(fetched.body or b"", window_start=now - WINDOW_BEFORE, window_end=now + WINDOW_AFTER,
                          default_tz=zone)
    except FeedRejected as rejected:
        failure = _Failure(rejected.reason, transient=False)
    except Exception:  # a parser bug must not crash the worker or lose the last good occurrences
        logger.exception("calendar feed %s: unexpected error while parsing", feed_id)
        failure = _Failure(UNREADABLE_FEED, transient=False)
    raise failure


def _locked(session: Session, feed_id: int, encrypted: str) -> CalendarFeed | None:
    """The feed, locked against a concurrent sync (PostgreSQL), unless it changed address or went."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.id == feed_id).with_for_update())
    if feed is None or feed.status not in SYNC_STATUSES or feed.encrypted_url != encrypted:
        return None
    return feed


def _record_success(feed: CalendarFeed, now: datetime) -> None:
    feed.status = "active"
    feed.last_synced_at = now
    feed.last_error = None
    feed.consecutive_failures = 0
    feed.failure_notified_at = None  # a future breakage is told again
    feed.updated_at = now


def _record_failure(open_session: SessionFactory, services: Services, feed_id: int, encrypted: str,
                    failure: _Failure, now: datetime) -> str:
    """Keep the last good occurrences and their nudges; tell the owner once per breakage."""
    with open_session() as session:
        feed = _locked(session, feed_id, encrypted)
        if feed is None:
            return "gone"
        feed.status = "failing"
        feed.last_error = failure.reason[:255]
        feed.consecutive_failures += 1
        feed.last_synced_at = now
        feed.updated_at = now
        if feed.failure_notified_at is None and (
            not failure.transient or feed.consecutive_failures >= NOTIFY_AFTER_TRANSIENT
        ):
            _notify_failure(session, feed, failure.reason, now)
    return "failed"


def failure_key(feed: CalendarFeed) -> str:
    return f"feed-failed:{feed.team_id}:{feed.user_id}:{feed.id}:{int(feed.created_at.timestamp())}"


def _notify_failure(session: Session, feed: CalendarFeed, reason: str, now: datetime) -> None:
    key = failure_key(feed)
    if deliveries.by_key(session, key) is not None:  # an earlier breakage of this connection was told
        key = f"{key}:{int(now.timestamp())}"
    deliveries.schedule(session, key=key, team_id=feed.team_id, user_id=feed.user_id, kind="feed_failed",
                        due_at=now, now=now, payload={"reason": reason[:255], "url_hint": feed.url_hint})
    feed.failure_notified_at = now


def _apply_ooo(session: Session, feed: CalendarFeed, now: datetime) -> None:
    """An all-day out-of-office event happening now extends ``Person.ooo_until`` (never shortens it:
    Slack's status may have set it too)."""
    rows = session.scalars(
        select(CalendarOccurrence).where(
            CalendarOccurrence.team_id == feed.team_id, CalendarOccurrence.user_id == feed.user_id,
            CalendarOccurrence.all_day.is_(True), CalendarOccurrence.status != "CANCELLED",
            CalendarOccurrence.end > now - WINDOW_BEFORE,
        )
    ).all()
    until = occurrences.ooo_until_from(rows, now=now)
    if until is None:
        return
    person = session.scalar(select(Person).where(Person.team_id == feed.team_id, Person.user_id == feed.user_id))
    if person is not None and (person.ooo_until is None or person.ooo_until < until):
        person.ooo_until = until


def sync_due_feeds() -> int:
    """Cron: enqueue a sync for every feed not synced in the last ``SYNC_INTERVAL`` (failing feeds back
    off, doubling up to ``MAX_FAILING_INTERVAL``). Returns how many jobs were enqueued."""
    services = runtime.current()
    return enqueue_due_feeds(services, now=utcnow())


def failing_interval(consecutive_failures: int) -> timedelta:
    steps = min(max(consecutive_failures - 1, 0), 10)
    return min(SYNC_INTERVAL * (2**steps), MAX_FAILING_INTERVAL)


def enqueue_due_feeds(services: Services, *, now: datetime) -> int:
    with services.db.session() as session:
        rows = session.execute(
            select(CalendarFeed.id, CalendarFeed.status, CalendarFeed.consecutive_failures,
                   CalendarFeed.last_synced_at)
            .where(CalendarFeed.status.in_(SYNC_STATUSES))
            .where((CalendarFeed.last_synced_at.is_(None)) | (CalendarFeed.last_synced_at <= now - SYNC_INTERVAL))
            # Stop reading calendars for uninstalled workspaces and deactivated people.
            .where(~exists().where(Workspace.team_id == CalendarFeed.team_id, Workspace.active.is_(False)))
            .where(~exists().where(Person.team_id == CalendarFeed.team_id, Person.user_id == CalendarFeed.user_id,
                                   Person.deactivated.is_(True)))
            .order_by(CalendarFeed.id)
        ).all()
    count = 0
    for feed_id, status, failures, last_synced in rows:
        if status == "failing" and last_synced is not None and now - last_synced < failing_interval(failures):
            continue
        job: Any = services.enqueue("workers.calendar_jobs.sync_feed", feed_id, job_id=f"sync-feed-{feed_id}")
        if job is not None:
            count += 1
    if count:
        logger.info("calendar feeds: %d sync job(s) enqueued", count)
    return count
