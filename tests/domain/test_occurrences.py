"""Upserting calendar occurrences: identity, idempotent re-sync, moves, cancellations, OOO, webhook pushes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.calendar import Occurrence
from slackapp.content.model import (
    Competency,
    ContentLibrary,
    Guide,
    GuideSection,
    MomentRule,
    Question,
    QuestionSet,
    Skill,
)
from slackapp.db import Database
from slackapp.db.models import CalendarOccurrence, Delivery, MutedSeries, Person
from slackapp.domain import deliveries, people
from slackapp.domain.moment_schedule import prep_key, reflect_key
from slackapp.domain.occurrences import (
    SyncSummary,
    apply_feed_occurrences,
    apply_pushed_occurrence,
    ooo_until_from,
    upcoming,
)

TEAM, USER = "T0001", "UMANAGER"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 10:00 London
LONDON = ZoneInfo("Europe/London")
UID = "weekly-1on1@example.com"
WINDOW = (NOW - timedelta(days=1), NOW + timedelta(days=60))


# --- shared helpers (also imported by the other calendar tests) -------------------------------------


def one_on_one_rule(**overrides: Any) -> MomentRule:
    fields: dict[str, Any] = {
        "id": "one-on-one", "name": "1:1", "title_patterns": (r"\b1:1\b", r"one[- ]on[- ]one"),
        "exclude_patterns": (r"cancel+ed",), "max_attendees": 2, "priority": 10, "prep_guide_id": "one-on-one",
        "prep_lead_minutes": 15, "reflection_set_id": "one-on-one-reflection", "reflect_delay_minutes": 10,
    }
    fields.update(overrides)
    return MomentRule(**fields)


def make_content(*rules: MomentRule) -> ContentLibrary:
    competency = Competency(
        id="one-on-ones", name="Running 1:1s", summary="Regular, useful conversations with each report.",
        skills=(Skill(id="one-on-ones.agenda", name="Shared agenda", description="Agree the agenda together.",
                      indicators=("Asks the report for topics first",)),),
    )
    guide = Guide(
        id="one-on-one", title="Before your 1:1", summary="Five minutes of prep makes the half hour count.",
        checklist=("Re-read last week's notes", "Ask what they want to cover", "Bring one piece of feedback"),
        sections=(GuideSection(heading="Why it matters", body="The 1:1 is their meeting, not yours."),),
        competency_ids=("one-on-ones",),
    )
    review_guide = replace(guide, id="review", title="Before the review")
    questions = QuestionSet(id="one-on-one-reflection", title="After your 1:1",
                            questions=(Question(id="what-went-well", text="What went well?"),))
    return ContentLibrary(competencies=(competency,), question_sets=(questions,), guides=(guide, review_guide),
                          moments=rules or (one_on_one_rule(),))


def make_person(session: Session, *, user_id: str = USER, email: str = "maria@example.com",
                opt_in: str = "opted_in", tz: str = "Europe/London") -> Person:
    person, _ = people.get_or_create_person(session, team_id=TEAM, user_id=user_id, now=NOW)
    person.email, person.opt_in, person.tz = email, opt_in, tz
    session.flush()
    return person


def occ(start: datetime, *, uid: str = UID, minutes: int = 30, title: str = "Maria / Ravi 1:1",
        occurrence_id: str | None = None, status: str = "CONFIRMED", attendees: int = 2,
        organizer: str | None = "maria@example.com", all_day: bool = False, description: str = "") -> Occurrence:
    return Occurrence(uid=uid, occurrence_id=occurrence_id or start.astimezone(UTC).isoformat(), title=title,
                      description=description, start=start, end=start + timedelta(minutes=minutes),
                      all_day=all_day, status=status, attendee_count=attendees, organizer=organizer, sequence=0)


def all_day(day: date, *, days: int = 1, title: str = "Vacation", uid: str = "ooo@example.com",
            status: str = "CONFIRMED") -> Occurrence:
    start = datetime.combine(day, datetime.min.time(), tzinfo=LONDON)
    return Occurrence(uid=uid, occurrence_id=day.isoformat(), title=title, description="", start=start,
                      end=datetime.combine(day + timedelta(days=days), datetime.min.time(), tzinfo=LONDON),
                      all_day=True, status=status, attendee_count=0, organizer=None, sequence=0)


def weekly(first: datetime, count: int = 4, **kwargs: Any) -> list[Occurrence]:
    return [occ(first + timedelta(weeks=n), **kwargs) for n in range(count)]


TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 London (GMT)


def apply(session: Session, items: list[Occurrence], *, content: ContentLibrary | None = None,
          now: datetime = NOW, feed_id: int | None = None, complete: bool = True) -> SyncSummary:
    return apply_feed_occurrences(session, team_id=TEAM, user_id=USER, feed_id=feed_id or make_feed(session),
                                  occurrences=items, window_start=now - timedelta(days=1),
                                  window_end=now + timedelta(days=60), content=content or make_content(), now=now,
                                  complete=complete)


def make_feed(session: Session, *, user_id: str = USER) -> int:
    from slackapp.db.models import CalendarFeed

    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.team_id == TEAM, CalendarFeed.user_id == user_id))
    if feed is None:
        feed = CalendarFeed(team_id=TEAM, user_id=user_id, encrypted_url="x", url_hint="https://h/…x.ics",
                            created_at=NOW, updated_at=NOW)
        session.add(feed)
        session.flush()
    return feed.id


def delivery_snapshot(session: Session) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(Delivery).order_by(Delivery.key)).all()
    return [(d.key, d.kind, d.state, d.due_at, d.payload, d.updated_at, d.enqueued_at) for d in rows]


def occurrence_snapshot(session: Session) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(CalendarOccurrence).order_by(CalendarOccurrence.id)).all()
    return [(o.id, o.event_uid, o.occurrence_id, o.start, o.end, o.status, o.moment_id, o.updated_at) for o in rows]


def by_key(session: Session, key: str) -> Delivery:
    delivery = deliveries.by_key(session, key)
    assert delivery is not None, key
    return delivery


def stored(session: Session, start: datetime, uid: str = UID) -> CalendarOccurrence:
    row = session.scalar(select(CalendarOccurrence).where(CalendarOccurrence.event_uid == uid,
                                                          CalendarOccurrence.occurrence_id == start.isoformat()))
    assert row is not None
    return row


# --- tests --------------------------------------------------------------------------------------------


def test_first_sync_creates_occurrences_prep_and_reflect(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        summary = apply(session, weekly(TUESDAY_10))
        assert summary == SyncSummary(added=4, moved=0, cancelled=0, unchanged=0, upcoming_7d=1, updated=0)
        first = stored(session, TUESDAY_10)
        assert first.moment_id == "one-on-one" and first.source == "ics" and first.attendee_count == 2
        prep = by_key(session, f"prep:{TEAM}:{USER}:{UID}:{TUESDAY_10.isoformat()}")
        assert prep.kind == "prep" and prep.state == "scheduled"
        assert prep.due_at == TUESDAY_10 - timedelta(minutes=15)
        assert prep.payload == {
            "occurrence_id": first.id, "moment_id": "one-on-one", "guide_id": "one-on-one",
            "title": "Maria / Ravi 1:1", "start": "2026-11-24T10:00:00+00:00", "end": "2026-11-24T10:30:00+00:00",
            "event_uid": UID, "not_after": "2026-11-24T10:00:00+00:00",
        }
        reflect = by_key(session, reflect_key(first))
        assert reflect.due_at == TUESDAY_10 + timedelta(minutes=40)
        assert reflect.payload["question_set_id"] == "one-on-one-reflection"
        assert reflect.payload["not_after"] == "2026-11-26T10:30:00+00:00"
        assert len(session.scalars(select(Delivery)).all()) == 8


def test_resync_of_an_unchanged_feed_changes_nothing(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        apply(session, weekly(TUESDAY_10))
        before = (delivery_snapshot(session), occurrence_snapshot(session))
    with db.session() as session:
        later = NOW + timedelta(minutes=15)
        summary = apply(session, weekly(TUESDAY_10), now=later)
        assert (summary.added, summary.moved, summary.cancelled, summary.updated, summary.unchanged) == (0, 0, 0, 0, 4)
        assert not session.dirty and not session.new
    with db.session() as session:
        assert (delivery_snapshot(session), occurrence_snapshot(session)) == before


def test_a_moved_occurrence_moves_its_deliveries(db: Database) -> None:
    items = weekly(TUESDAY_10)
    with db.session() as session:
        make_person(session)
        apply(session, items)
    moved_start = TUESDAY_10 + timedelta(hours=3)
    items[0] = occ(moved_start, occurrence_id=TUESDAY_10.isoformat())  # RECURRENCE-ID keeps the identity
    with db.session() as session:
        summary = apply(session, items, now=NOW + timedelta(minutes=15))
        assert (summary.moved, summary.unchanged) == (1, 3)
        row = stored(session, TUESDAY_10)
        assert row.start == moved_start
        prep = by_key(session, prep_key(row))
        assert prep.due_at == moved_start - timedelta(minutes=15) and prep.state == "scheduled"
        assert prep.payload["start"] == moved_start.isoformat() and prep.payload["not_after"] == moved_start.isoformat()
        assert by_key(session, reflect_key(row)).due_at == moved_start + timedelta(minutes=40)
        assert len(session.scalars(select(Delivery)).all()) == 8


def test_a_cancelled_occurrence_cancels_its_deliveries(db: Database) -> None:
    items = weekly(TUESDAY_10)
    with db.session() as session:
        make_person(session)
        apply(session, items)
    items[1] = replace(items[1], status="CANCELLED")
    with db.session() as session:
        summary = apply(session, items)
        assert summary.cancelled == 1 and summary.upcoming_7d == 1
        row = stored(session, TUESDAY_10 + timedelta(weeks=1))
        for key in (prep_key(row), reflect_key(row)):
            delivery = by_key(session, key)
            assert delivery.state == "cancelled" and delivery.last_reason == "the meeting was cancelled"
        assert by_key(session, prep_key(stored(session, TUESDAY_10))).state == "scheduled"


def test_an_occurrence_removed_from_the_feed_is_cancelled(db: Database) -> None:
    items = weekly(TUESDAY_10)
    with db.session() as session:
        make_person(session)
        apply(session, items)
    with db.session() as session:
        summary = apply(session, items[:2] + items[3:])  # EXDATE: the third one simply disappears
        assert summary.cancelled == 1
        row = stored(session, TUESDAY_10 + timedelta(weeks=2))
        assert row.status == "CANCELLED"
        assert by_key(session, prep_key(row)).state == "cancelled"


def test_an_incomplete_parse_only_cancels_within_series_it_read(db: Database) -> None:
    other = weekly(TUESDAY_10 + timedelta(hours=4), 2, uid="other@example.com", title="Lee 1:1")
    with db.session() as session:
        make_person(session)
        apply(session, weekly(TUESDAY_10) + other)
    with db.session() as session:
        # "other" was skipped as broken and one 1:1 vanished: only the 1:1 can be judged absent.
        summary = apply(session, weekly(TUESDAY_10)[:3], complete=False)
        assert summary.cancelled == 1
        assert stored(session, other[0].start, uid="other@example.com").status == "CONFIRMED"


def test_a_past_occurrence_missing_from_the_feed_is_left_alone(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        apply(session, weekly(TUESDAY_10, 2))
    later = TUESDAY_10 + timedelta(hours=2)  # the first meeting is over
    with db.session() as session:
        summary = apply(session, weekly(TUESDAY_10, 2)[1:], now=later)
        assert summary.cancelled == 0
        assert stored(session, TUESDAY_10).status == "CONFIRMED"


def test_meetings_that_ended_before_the_first_sync_get_no_reflection(db: Database) -> None:
    earlier = occ(NOW - timedelta(hours=2), uid="earlier")
    with db.session() as session:
        make_person(session)
        apply(session, [earlier, occ(NOW - timedelta(minutes=20), uid="running")])
        running = stored(session, NOW - timedelta(minutes=20), uid="running")
        assert [d.key for d in session.scalars(select(Delivery))] == [reflect_key(running)]


def test_all_day_events_never_get_deliveries(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        summary = apply(session, [all_day(date(2026, 11, 25), title="1:1 day", uid="allday@example.com")])
        assert summary.added == 1 and summary.upcoming_7d == 0
        assert session.scalars(select(Delivery)).all() == []


def test_a_meeting_that_stops_being_a_moment_loses_its_nudges(db: Database) -> None:
    items = weekly(TUESDAY_10, 1)
    with db.session() as session:
        make_person(session)
        apply(session, items)
    with db.session() as session:
        summary = apply(session, [replace(items[0], title="Team planning", attendee_count=8)])
        assert summary.updated == 1
        row = stored(session, TUESDAY_10)
        assert row.moment_id is None
        assert by_key(session, prep_key(row)).last_reason == "the meeting is no longer recognised as a moment"


def test_organizer_only_rules_compare_with_the_persons_email(db: Database) -> None:
    content = make_content(one_on_one_rule(organizer_only=True))
    with db.session() as session:
        make_person(session, email="Maria@Example.com")
        apply(session, [occ(TUESDAY_10)], content=content)
        apply(session, [occ(TUESDAY_10 + timedelta(days=1), uid="theirs@example.com", organizer="ravi@example.com")],
              content=content)
        assert stored(session, TUESDAY_10).moment_id == "one-on-one"
        assert stored(session, TUESDAY_10 + timedelta(days=1), uid="theirs@example.com").moment_id is None


def test_muted_series_get_no_deliveries(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        session.add(MutedSeries(team_id=TEAM, user_id=USER, event_uid=UID, created_at=NOW))
        apply(session, weekly(TUESDAY_10))
        assert session.scalars(select(Delivery)).all() == []


def test_very_long_uids_are_stored_and_keyed_within_limits(db: Database) -> None:
    uid = "x" * 400 + "@example.com"
    with db.session() as session:
        make_person(session)
        apply(session, [occ(TUESDAY_10, uid=uid)])
        row = session.scalars(select(CalendarOccurrence)).one()
        assert len(row.event_uid) <= 255
        keys = [d.key for d in session.scalars(select(Delivery))]
        assert len(keys) == 2 and all(len(k) <= 200 for k in keys)
    with db.session() as session:
        assert apply(session, [occ(TUESDAY_10, uid=uid)]).unchanged == 1


def test_upcoming_lists_timed_uncancelled_occurrences_of_the_next_days(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        items = [occ(NOW - timedelta(hours=1), uid="past"), occ(NOW + timedelta(hours=1), uid="soon"),
                 occ(NOW + timedelta(days=2), uid="gone", status="CANCELLED"),
                 all_day(date(2026, 11, 24)), occ(NOW + timedelta(days=8), uid="later")]
        apply(session, items)
        assert [o.event_uid for o in upcoming(session, team_id=TEAM, user_id=USER, now=NOW)] == ["soon"]
        assert len(upcoming(session, team_id=TEAM, user_id=USER, now=NOW, days=9)) == 2


def test_ooo_until_from_finds_the_current_block() -> None:
    monday = date(2026, 11, 23)
    week = all_day(monday, days=5, title="Vacation 🌴")
    bank = all_day(monday + timedelta(days=5), days=1, title="Bank Holiday", uid="bank")
    assert ooo_until_from([week, bank], now=NOW) == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert ooo_until_from([all_day(monday, title="OOO - dentist")], now=NOW) == datetime(2026, 11, 24, tzinfo=UTC)
    for title in ("Out of office", "Annual leave", "PTO", "sick day", "Public holiday"):
        assert ooo_until_from([all_day(monday, title=title)], now=NOW) is not None, title
    assert ooo_until_from([all_day(monday + timedelta(days=1))], now=NOW) is None  # starts tomorrow
    assert ooo_until_from([all_day(monday, title="Offsite")], now=NOW) is None
    assert ooo_until_from([all_day(monday, status="CANCELLED")], now=NOW) is None
    timed = occ(NOW - timedelta(hours=1), minutes=600, title="OOO")
    assert ooo_until_from([timed], now=NOW) is None  # only all-day events count


def test_pushed_events_are_upserted_moved_and_cancelled_by_uid(db: Database) -> None:
    content = make_content()
    with db.session() as session:
        make_person(session)

        def push(start: datetime, status: str = "CONFIRMED") -> CalendarOccurrence:
            return apply_pushed_occurrence(session, team_id=TEAM, user_id=USER, event_uid="AAMk-123",
                                           title="Maria / Ravi 1:1", start=start, end=start + timedelta(minutes=30),
                                           attendee_count=2, status=status, organizer="maria@example.com",
                                           content=content, now=NOW)

        first = push(TUESDAY_10)
        assert (first.source, first.occurrence_id, first.moment_id) == ("webhook", TUESDAY_10.isoformat(), "one-on-one")
        prep = by_key(session, prep_key(first))
        assert prep.due_at == TUESDAY_10 - timedelta(minutes=15)
        updated_at = prep.updated_at
        assert push(TUESDAY_10).id == first.id
        assert prep.updated_at == updated_at  # the same push again changes nothing
        moved = push(TUESDAY_10 + timedelta(days=1))
        assert moved.id == first.id and moved.occurrence_id == TUESDAY_10.isoformat()
        assert prep.due_at == TUESDAY_10 + timedelta(days=1, minutes=-15)
        push(TUESDAY_10 + timedelta(days=1), status="CANCELLED")
        assert prep.state == "cancelled" and by_key(session, reflect_key(first)).state == "cancelled"
        assert len(session.scalars(select(CalendarOccurrence)).all()) == 1
