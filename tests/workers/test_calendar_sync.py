"""The feed sync job end to end (HTTP intercepted with ``responses``), connect/disconnect, and the cron.

The feed URL carries a secret; every test that syncs also checks that the secret never reaches a
log line, a delivery, an error, a decision or the analytics log.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from rq import Queue
from sqlalchemy import select

from slackapp.calendar import FetchResult, describe_url, fetch_feed
from slackapp.clock import utcnow
from slackapp.db.models import (
    AnalyticsEvent,
    CalendarFeed,
    CalendarOccurrence,
    Delivery,
    DeliveryDecision,
    MutedSeries,
    Person,
)
from slackapp.domain import calendar_feeds, occurrences, workspaces
from slackapp.domain.errors import InvalidInput
from slackapp.domain.moment_schedule import prep_key, reflect_key
from slackapp.services import Services
from tests.conftest import JobRunner
from tests.domain.test_occurrences import make_content, make_person
from workers import calendar_jobs
from workers.cron_config import register_jobs
from workers.queues import DEFAULT_QUEUE

TEAM, USER = "T0001", "UMANAGER"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 10:00 London
SECRET = "p7Qx2secretZ9k4Lm"
URL = f"https://calendar.example.com/calendar/ical/maria%40example.com/private-{SECRET}/basic.ics"
IP_URL = f"https://93.184.216.34/private-{SECRET}/basic.ics"  # an IP literal needs no DNS
UID = "weekly-1on1@example.com"
TUE = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 in London (GMT)
fetch = functools.partial(fetch_feed, resolver=lambda host: ["93.184.216.34"])


def vevent(*lines: str) -> str:
    return "\n".join(("BEGIN:VEVENT", "DTSTAMP:20261101T000000Z", *lines, "END:VEVENT"))


WEEKLY_LINES = (
    f"UID:{UID}", "DTSTART;TZID=Europe/London:20261124T100000", "DTEND;TZID=Europe/London:20261124T103000",
    "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6", "SUMMARY:Maria / Ravi 1:1", "ORGANIZER:mailto:maria@example.com",
    "ATTENDEE:mailto:maria@example.com", "ATTENDEE:mailto:ravi@example.com",
)
WEEKLY = vevent(*WEEKLY_LINES)


def ics(*events: str) -> bytes:
    text = "\n".join(("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Flowcoach tests//EN", *events, "END:VCALENDAR"))
    return text.replace("\n", "\r\n").encode()


def override(original: str, *lines: str) -> str:
    """A RECURRENCE-ID override of the weekly 1:1 (``original`` is its local time, e.g. 20261201T100000)."""
    return vevent(f"UID:{UID}", f"RECURRENCE-ID;TZID=Europe/London:{original}", "SUMMARY:Maria / Ravi 1:1", *lines)


@pytest.fixture
def calendar_services(services: Services, caplog: pytest.LogCaptureFixture) -> Iterator[Services]:
    """Services with a small content library and Maria connected; afterwards, the secret is nowhere."""
    services.content = make_content()
    caplog.set_level(logging.DEBUG)
    with services.db.session() as session:
        make_person(session)
    yield services
    assert SECRET not in caplog.text
    assert_secret_not_stored(services)


def assert_secret_not_stored(services: Services) -> None:
    with services.db.session() as session:
        texts = [json.dumps(d.payload) + (d.last_reason or "") + d.key for d in session.scalars(select(Delivery))]
        texts += [d.reason for d in session.scalars(select(DeliveryDecision))]
        texts += [json.dumps(e.properties) + (e.object_id or "") for e in session.scalars(select(AnalyticsEvent))]
        for feed in session.scalars(select(CalendarFeed)):
            texts += [feed.url_hint, feed.last_error or "", feed.encrypted_url]
    assert not any(SECRET in text for text in texts)


def connect(services: Services, url: str = URL, *, user_id: str = USER, now: datetime = NOW) -> int:
    with services.db.session() as session:
        return calendar_feeds.connect_feed(session, team_id=TEAM, user_id=user_id, url=url, vault=services.vault,
                                           now=now).id


def sync(services: Services, feed_id: int, now: datetime = NOW) -> str:
    return calendar_jobs.sync_feed_now(services, feed_id, now=now, fetch=fetch)


def feed_row(services: Services, feed_id: int) -> CalendarFeed:
    with services.db.session() as session:
        return session.get_one(CalendarFeed, feed_id)


def delivery(services: Services, key: str) -> Delivery:
    with services.db.session() as session:
        row = session.scalar(select(Delivery).where(Delivery.key == key))
        assert row is not None, key
        return row


def occurrence(services: Services, original: datetime, uid: str = UID) -> CalendarOccurrence:
    with services.db.session() as session:
        row = session.scalar(select(CalendarOccurrence).where(CalendarOccurrence.event_uid == uid,
                                                              # one-off events are identified as "single"
                                                              CalendarOccurrence.occurrence_id.in_(
                                                                  (original.isoformat(), "single"))))
        assert row is not None
        return row


def snapshot(services: Services) -> tuple[list[Any], list[Any]]:
    with services.db.session() as session:
        rows = [(d.key, d.state, d.due_at, d.payload, d.updated_at) for d in
                session.scalars(select(Delivery).order_by(Delivery.key))]
        occs = [(o.id, o.occurrence_id, o.start, o.status, o.updated_at) for o in
                session.scalars(select(CalendarOccurrence).order_by(CalendarOccurrence.id))]
    return rows, occs


def feed_failed(services: Services) -> list[Delivery]:
    with services.db.session() as session:
        return list(session.scalars(select(Delivery).where(Delivery.kind == "feed_failed").order_by(Delivery.id)))


# --- syncing ------------------------------------------------------------------------------------------


@responses.activate
def test_first_sync_schedules_prep_and_reflect_and_a_resync_changes_nothing(calendar_services: Services) -> None:
    responses.get(URL, body=ics(WEEKLY))
    feed_id = connect(calendar_services)
    assert sync(calendar_services, feed_id) == "ok"
    first = occurrence(calendar_services, TUE)
    assert first.moment_id == "one-on-one" and first.feed_id == feed_id
    prep = delivery(calendar_services, prep_key(first))
    assert prep.due_at == TUE - timedelta(minutes=15)  # 09:45 London
    assert prep.payload["not_after"] == TUE.isoformat() and prep.payload["guide_id"] == "one-on-one"
    assert delivery(calendar_services, reflect_key(first)).due_at == TUE + timedelta(minutes=40)
    feed = feed_row(calendar_services, feed_id)
    assert (feed.status, feed.last_success_at, feed.consecutive_failures) == ("active", NOW, 0)
    with calendar_services.db.session() as session:
        assert len(occurrences.upcoming(session, team_id=TEAM, user_id=USER, now=NOW)) == 1
        assert len(session.scalars(select(CalendarOccurrence)).all()) == 6
    before = snapshot(calendar_services)
    assert sync(calendar_services, feed_id, NOW + timedelta(minutes=15)) == "ok"
    assert snapshot(calendar_services) == before
    assert feed_row(calendar_services, feed_id).last_synced_at == NOW + timedelta(minutes=15)


@responses.activate
def test_not_modified_records_the_poll_and_changes_nothing_else(calendar_services: Services) -> None:
    seen: list[dict[str, str]] = []

    def answer(request: Any) -> tuple[int, dict[str, str], bytes]:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Last-Modified": "Sun, 22 Nov 2026 09:00:00 GMT"}, ics(WEEKLY)

    responses.add_callback(responses.GET, URL, callback=answer)
    feed_id = connect(calendar_services)
    assert sync(calendar_services, feed_id) == "ok"
    before = snapshot(calendar_services)
    later = NOW + timedelta(minutes=15)
    assert sync(calendar_services, feed_id, later) == "not_modified"
    assert seen[1]["If-Modified-Since"] == "Sun, 22 Nov 2026 09:00:00 GMT"
    feed = feed_row(calendar_services, feed_id)
    assert (feed.last_synced_at, feed.last_success_at, feed.etag) == (later, NOW, '"v1"')
    assert snapshot(calendar_services) == before
    # Every few hours the feed is read in full, so new occurrences enter the 60-day window.
    assert sync(calendar_services, feed_id, NOW + calendar_jobs.FULL_REFRESH_EVERY) == "ok"
    assert "If-None-Match" not in seen[2]


@responses.activate
def test_a_moved_occurrence_moves_its_prep(calendar_services: Services) -> None:
    responses.get(URL, body=ics(WEEKLY))
    feed_id = connect(calendar_services)
    sync(calendar_services, feed_id)
    dec_1 = TUE + timedelta(weeks=1)
    key = prep_key(occurrence(calendar_services, dec_1))
    assert delivery(calendar_services, key).due_at == dec_1 - timedelta(minutes=15)
    moved = override("20261201T100000", "DTSTART;TZID=Europe/London:20261201T143000",
                     "DTEND;TZID=Europe/London:20261201T150000")
    responses.replace(responses.GET, URL, body=ics(WEEKLY, moved))
    assert sync(calendar_services, feed_id, NOW + timedelta(minutes=15)) == "ok"
    row = occurrence(calendar_services, dec_1)
    assert row.start == dec_1 + timedelta(hours=4, minutes=30)
    prep = delivery(calendar_services, key)
    assert (prep.state, prep.due_at) == ("scheduled", row.start - timedelta(minutes=15))
    assert delivery(calendar_services, reflect_key(row)).due_at == row.end + timedelta(minutes=10)


@responses.activate
def test_cancelled_excluded_and_removed_occurrences_cancel_their_nudges(calendar_services: Services) -> None:
    responses.get(URL, body=ics(WEEKLY))
    feed_id = connect(calendar_services)
    sync(calendar_services, feed_id)
    dec_1, dec_8 = TUE + timedelta(weeks=1), TUE + timedelta(weeks=2)
    weekly_with_exdate = vevent(*WEEKLY_LINES, "EXDATE;TZID=Europe/London:20261208T100000")
    cancelled = override("20261201T100000", "DTSTART;TZID=Europe/London:20261201T100000",
                         "DTEND;TZID=Europe/London:20261201T103000", "STATUS:CANCELLED")
    responses.replace(responses.GET, URL, body=ics(weekly_with_exdate, cancelled))
    assert sync(calendar_services, feed_id, NOW + timedelta(minutes=15)) == "ok"
    for start, reason in ((dec_1, "the meeting was cancelled"), (dec_8, "the meeting was cancelled")):
        row = occurrence(calendar_services, start)
        assert row.status == "CANCELLED"
        for key in (prep_key(row), reflect_key(row)):
            assert (delivery(calendar_services, key).state, delivery(calendar_services, key).last_reason) == (
                "cancelled", reason)
    assert delivery(calendar_services, prep_key(occurrence(calendar_services, TUE))).state == "scheduled"
    # The whole series deleted from the calendar: every future nudge goes.
    responses.replace(responses.GET, URL, body=ics(vevent("UID:other", "DTSTART:20261125T120000Z",
                                                          "DTEND:20261125T130000Z", "SUMMARY:Lunch")))
    assert sync(calendar_services, feed_id, NOW + timedelta(minutes=30)) == "ok"
    with calendar_services.db.session() as session:
        states = {d.state for d in session.scalars(select(Delivery).where(Delivery.kind.in_(("prep", "reflect"))))}
    assert states == {"cancelled"}


@responses.activate
def test_short_notice_prep_goes_now_or_not_at_all(calendar_services: Services) -> None:
    soon = vevent("UID:soon", "DTSTART:20261123T100800Z", "DTEND:20261123T103000Z", "SUMMARY:1:1 with Lee")
    too_soon = vevent("UID:too-soon", "DTSTART:20261123T100300Z", "DTEND:20261123T103000Z", "SUMMARY:1:1 with Ana")
    responses.get(URL, body=ics(soon, too_soon))
    feed_id = connect(calendar_services)
    assert sync(calendar_services, feed_id) == "ok"
    in_8 = occurrence(calendar_services, NOW + timedelta(minutes=8), uid="soon")
    assert delivery(calendar_services, prep_key(in_8)).due_at == NOW
    in_3 = occurrence(calendar_services, NOW + timedelta(minutes=3), uid="too-soon")
    with calendar_services.db.session() as session:
        assert session.scalar(select(Delivery).where(Delivery.key == prep_key(in_3))) is None
        assert session.scalar(select(Delivery).where(Delivery.key == reflect_key(in_3))) is not None


@responses.activate
def test_all_day_events_get_no_nudges_and_ooo_sets_the_persons_ooo_until(calendar_services: Services) -> None:
    vacation = vevent("UID:vacation", "DTSTART;VALUE=DATE:20261123", "DTEND;VALUE=DATE:20261125",
                      "SUMMARY:Vacation")
    review_day = vevent("UID:review-day", "DTSTART;VALUE=DATE:20261126", "DTEND;VALUE=DATE:20261127",
                        "SUMMARY:1:1 day")
    responses.get(URL, body=ics(vacation, review_day))
    feed_id = connect(calendar_services)
    assert sync(calendar_services, feed_id) == "ok"
    with calendar_services.db.session() as session:
        assert session.scalars(select(Delivery)).all() == []
        assert len(session.scalars(select(CalendarOccurrence).where(CalendarOccurrence.all_day)).all()) == 2
        person = session.scalars(select(Person).where(Person.user_id == USER)).one()
        assert person.ooo_until == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # midnight London after the block


@responses.activate
def test_a_muted_series_gets_no_nudges(calendar_services: Services) -> None:
    responses.get(URL, body=ics(WEEKLY))
    with calendar_services.db.session() as session:
        session.add(MutedSeries(team_id=TEAM, user_id=USER, event_uid=UID, created_at=NOW))
    feed_id = connect(calendar_services)
    assert sync(calendar_services, feed_id) == "ok"
    with calendar_services.db.session() as session:
        assert session.scalars(select(Delivery)).all() == []
        assert len(session.scalars(select(CalendarOccurrence)).all()) == 6


# --- failures -----------------------------------------------------------------------------------------


@responses.activate
def test_a_failing_feed_keeps_its_occurrences_and_tells_the_owner_once(calendar_services: Services) -> None:
    responses.get(URL, body=ics(WEEKLY))
    feed_id = connect(calendar_services)
    assert sync(calendar_services, feed_id) == "ok"
    before = snapshot(calendar_services)
    responses.replace(responses.GET, URL, status=404)
    for poll in range(1, 4):
        assert sync(calendar_services, feed_id, NOW + timedelta(minutes=15 * poll)) == "failed"
    assert snapshot(calendar_services)[1] == before[1]
    assert [d for d in snapshot(calendar_services)[0] if not d[0].startswith("feed-failed")] == before[0]
    feed = feed_row(calendar_services, feed_id)
    assert (feed.status, feed.consecutive_failures) == ("failing", 3)
    assert feed.last_error is not None and "not found (404)" in feed.last_error
    notices = feed_failed(calendar_services)
    assert len(notices) == 1
    created = int(feed.created_at.timestamp())
    assert notices[0].key == f"feed-failed:{TEAM}:{USER}:{feed_id}:{created}"
    assert notices[0].payload == {"reason": feed.last_error, "url_hint": describe_url(URL)}
    assert notices[0].due_at == NOW + timedelta(minutes=15)
    # Fixed: the failure state clears, so a future breakage is told again.
    responses.replace(responses.GET, URL, body=ics(WEEKLY))
    assert sync(calendar_services, feed_id, NOW + timedelta(hours=1)) == "ok"
    feed = feed_row(calendar_services, feed_id)
    assert (feed.status, feed.consecutive_failures, feed.failure_notified_at, feed.last_error) == (
        "active", 0, None, None)
    responses.replace(responses.GET, URL, body=b"<html>Sign in</html>")
    again = NOW + timedelta(hours=2)
    assert sync(calendar_services, feed_id, again) == "failed"
    assert sync(calendar_services, feed_id, again + timedelta(minutes=15)) == "failed"
    notices = feed_failed(calendar_services)
    assert len(notices) == 2 and notices[1].key == f"{notices[0].key}:{int(again.timestamp())}"
    assert notices[1].payload["reason"] == feed_row(calendar_services, feed_id).last_error


@responses.activate
def test_passing_trouble_is_told_only_when_it_persists(calendar_services: Services) -> None:
    responses.get(URL, status=503)
    feed_id = connect(calendar_services)
    for poll in range(calendar_jobs.NOTIFY_AFTER_TRANSIENT - 1):
        assert sync(calendar_services, feed_id, NOW + timedelta(minutes=15 * poll)) == "failed"
    assert feed_failed(calendar_services) == []
    assert feed_row(calendar_services, feed_id).status == "failing"
    for poll in range(3):
        sync(calendar_services, feed_id, NOW + timedelta(hours=1 + poll))
    assert len(feed_failed(calendar_services)) == 1


def test_a_failing_fetch_never_leaks_the_url(calendar_services: Services, caplog: pytest.LogCaptureFixture) -> None:
    def refused(url: str, **_: Any) -> FetchResult:
        return fetch_feed(url, policy=calendar_jobs.fetch_policy(url, ()), resolver=lambda host: ["10.0.0.7"])

    feed_id = connect(calendar_services)
    assert calendar_jobs.sync_feed_now(calendar_services, feed_id, now=NOW, fetch=refused) == "failed"
    reason = feed_row(calendar_services, feed_id).last_error or ""
    assert "private or internal network" in reason
    assert f"calendar feed {feed_id}" in caplog.text and reason in caplog.text


def test_a_disconnected_feed_is_gone(calendar_services: Services) -> None:
    feed_id = connect(calendar_services)
    with calendar_services.db.session() as session:
        calendar_feeds.disconnect_feed(session, team_id=TEAM, user_id=USER, now=NOW)
    assert sync(calendar_services, feed_id) == "gone"
    assert calendar_jobs.sync_feed_now(calendar_services, 99999, now=NOW, fetch=fetch) == "gone"


def test_a_feed_replaced_while_it_was_read_is_not_overwritten(calendar_services: Services) -> None:
    feed_id = connect(calendar_services)

    def slow_fetch(url: str, **_: Any) -> FetchResult:
        connect(calendar_services, URL.replace("basic", "other"), now=NOW + timedelta(seconds=1))
        return FetchResult(status="ok", body=ics(WEEKLY), etag=None, last_modified=None)

    assert calendar_jobs.sync_feed_now(calendar_services, feed_id, now=NOW, fetch=slow_fetch) == "gone"
    with calendar_services.db.session() as session:
        assert session.scalars(select(CalendarOccurrence)).all() == []


# --- the cron and the RQ job --------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_time")
@responses.activate
def test_sync_due_feeds_enqueues_each_due_feed_once(calendar_services: Services, job_runner: JobRunner) -> None:
    now = utcnow()
    due = connect(calendar_services, IP_URL, now=now)
    fresh = connect(calendar_services, URL, user_id="UREPORT1", now=now)
    failing = connect(calendar_services, URL, user_id="UREPORT2", now=now)
    with calendar_services.db.session() as session:
        session.get_one(CalendarFeed, fresh).last_synced_at = now - timedelta(minutes=5)
        backing_off = session.get_one(CalendarFeed, failing)
        backing_off.status, backing_off.consecutive_failures = "failing", 4  # next try 2 hours after the last
        backing_off.last_synced_at = now - timedelta(minutes=30)
    assert calendar_jobs.sync_due_feeds() == 1
    assert calendar_jobs.sync_due_feeds() == 0  # already queued: the job id is unique
    queue = Queue(DEFAULT_QUEUE, connection=calendar_services.redis)
    jobs = [queue.fetch_job(job_id) for job_id in queue.job_ids]
    assert [(job.func_name, job.args, job.id) for job in jobs if job is not None] == [
        ("workers.calendar_jobs.sync_feed", (due,), f"sync-feed-{due}")]
    responses.get(IP_URL, body=ics(WEEKLY))
    job_runner.run()
    feed = feed_row(calendar_services, due)
    assert feed.status == "active" and feed.last_success_at is not None
    with calendar_services.db.session() as session:
        assert session.scalars(select(Delivery).where(Delivery.kind == "prep")).all() != []
    assert calendar_jobs.sync_due_feeds() == 0  # synced just now


@pytest.mark.usefixtures("frozen_time")
def test_feeds_of_uninstalled_workspaces_and_deactivated_people_are_not_read(calendar_services: Services) -> None:
    now = utcnow()
    connect(calendar_services, now=now)
    with calendar_services.db.session() as session:
        session.scalars(select(Person).where(Person.user_id == USER)).one().deactivated = True
    assert calendar_jobs.sync_due_feeds() == 0
    with calendar_services.db.session() as session:
        session.scalars(select(Person).where(Person.user_id == USER)).one().deactivated = False
        workspaces.deactivate(session, team_id=TEAM, now=now, reason="app_uninstalled")
    assert calendar_jobs.sync_due_feeds() == 0
    with calendar_services.db.session() as session:
        workspaces.ensure_active(session, team_id=TEAM, now=now)
    assert calendar_jobs.sync_due_feeds() == 1


def test_an_unexpected_fetch_error_is_a_quiet_failure(calendar_services: Services) -> None:
    def broken(url: str, **_: Any) -> FetchResult:
        raise RuntimeError(f"boom while reading {url}")

    feed_id = connect(calendar_services)
    assert calendar_jobs.sync_feed_now(calendar_services, feed_id, now=NOW, fetch=broken) == "failed"
    assert feed_row(calendar_services, feed_id).last_error == "the calendar could not be downloaded"
    assert feed_failed(calendar_services) == []  # counted as passing trouble


def test_failing_feeds_back_off_up_to_six_hours() -> None:
    assert calendar_jobs.failing_interval(1) == timedelta(minutes=15)
    assert calendar_jobs.failing_interval(3) == timedelta(hours=1)
    assert calendar_jobs.failing_interval(50) == timedelta(hours=6)


def test_the_cron_registers_the_feed_sync() -> None:
    registered: list[tuple[Any, dict[str, Any]]] = []

    class Cron:
        def register(self, func: Any, queue_name: str, **options: Any) -> None:
            registered.append((func, options))

    register_jobs(Cron(), dispatch_interval=10)  # type: ignore[arg-type]
    by_name = {options["name"]: func for func, options in registered}
    assert {"dispatch_tick", "housekeeping", "sync_due_feeds"} <= set(by_name)
    assert by_name["sync_due_feeds"] is calendar_jobs.sync_due_feeds


# --- connecting and disconnecting ---------------------------------------------------------------------


def test_connect_encrypts_the_address_and_replacing_starts_afresh(calendar_services: Services) -> None:
    feed_id = connect(calendar_services)
    with calendar_services.db.session() as session:
        feed = session.get_one(CalendarFeed, feed_id)
        assert calendar_feeds.feed_url(feed, calendar_services.vault) == URL
        assert feed.url_hint == describe_url(URL) and feed.status == "active"
        feed.status, feed.etag, feed.consecutive_failures = "failing", '"v9"', 4
        feed.failure_notified_at = NOW
    later = NOW + timedelta(days=1)
    webcal = URL.replace("https://", "webcal://").replace("basic", "second")
    assert connect(calendar_services, f"  {webcal}\n", now=later) == feed_id  # one feed per person
    with calendar_services.db.session() as session:
        feed = session.get_one(CalendarFeed, feed_id)
        assert calendar_feeds.feed_url(feed, calendar_services.vault) == webcal
        assert (feed.status, feed.etag, feed.consecutive_failures, feed.failure_notified_at, feed.created_at) == (
            "active", None, 0, None, later)
        assert calendar_feeds.feed_for(session, team_id=TEAM, user_id=USER) is not None
        events = session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == "calendar.connected")).all()
        assert [e.properties["replaced"] for e in events] == [False, True]


@pytest.mark.parametrize(("url", "message"), [
    ("", "Paste your calendar"),
    (f"ftp://calendar.example.com/{SECRET}.ics", "must start with https:// or webcal://"),
    (f"calendar.example.com/{SECRET}.ics", "doesn't look like a web address"),
    (f"https://calendar.example.com/{SECRET} basic.ics", "doesn't look like a web address"),
    (f"https://bad_host!/{SECRET}.ics", "server name"),
    (f"https://calendar.example.com:99999/{SECRET}.ics", "doesn't look like a web address"),
    (f"https://calendar.example.com/{SECRET}" + "x" * 2048, "too long"),
    (f"http://calendar.example.com/{SECRET}.ics", "must start with https:// or webcal://"),
])
def test_connect_refuses_bad_addresses_without_repeating_them(
    calendar_services: Services, url: str, message: str
) -> None:
    with calendar_services.db.session() as session, pytest.raises(InvalidInput) as caught:
        calendar_feeds.connect_feed(session, team_id=TEAM, user_id=USER, url=url, vault=calendar_services.vault,
                                    now=NOW, allowed_hosts=())
    assert message in caught.value.user_message
    assert SECRET not in caught.value.user_message and "calendar.example.com" not in caught.value.user_message


def test_plain_http_only_for_allow_listed_hosts() -> None:
    intranet = "http://cal.intranet/feed.ics"
    assert calendar_feeds.validate_url(intranet, allowed_hosts={"CAL.intranet"}) == intranet
    assert calendar_feeds.validate_url(intranet) == intranet  # no allow-list given: judged when fetched
    with pytest.raises(InvalidInput):
        calendar_feeds.validate_url(intranet, allowed_hosts={"other.intranet"})
    policy = calendar_feeds.fetch_policy(intranet, frozenset({"cal.intranet"}))
    assert policy.allow_http and policy.allowed_hosts == frozenset({"cal.intranet"})
    assert not calendar_feeds.fetch_policy("https://calendar.example.com/x.ics", {"cal.intranet"}).allow_http


@responses.activate
def test_disconnect_cancels_ics_nudges_and_forgets_future_occurrences(calendar_services: Services) -> None:
    responses.get(URL, body=ics(WEEKLY))
    feed_id = connect(calendar_services)
    sync(calendar_services, feed_id)
    with calendar_services.db.session() as session:
        pushed = occurrences.apply_pushed_occurrence(
            session, team_id=TEAM, user_id=USER, event_uid="pushed-1", title="Ravi 1:1", start=TUE,
            end=TUE + timedelta(minutes=30), attendee_count=2, status="CONFIRMED", organizer=None,
            content=calendar_services.content, now=NOW)
        pushed_prep = prep_key(pushed)
    later = NOW + timedelta(minutes=5)
    with calendar_services.db.session() as session:
        assert calendar_feeds.disconnect_feed(session, team_id=TEAM, user_id=USER, now=later) is True
    with calendar_services.db.session() as session:
        assert calendar_feeds.feed_for(session, team_id=TEAM, user_id=USER) is None
        remaining = session.scalars(select(CalendarOccurrence)).all()
        assert [o.source for o in remaining] == ["webhook"]
        ics_nudges = session.scalars(
            select(Delivery).where(Delivery.kind.in_(("prep", "reflect")), Delivery.key.not_like("%pushed-1%"))
        ).all()
        assert len(ics_nudges) == 12
        assert {(d.state, d.last_reason) for d in ics_nudges} == {("cancelled", "you disconnected your calendar")}
        assert session.scalars(select(Delivery).where(Delivery.key == pushed_prep)).one().state == "scheduled"
        event = session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == "calendar.disconnected")).one()
        assert event.properties == {"cancelled": 12, "removed_occurrences": 6}
        assert calendar_feeds.disconnect_feed(session, team_id=TEAM, user_id=USER, now=later) is False
