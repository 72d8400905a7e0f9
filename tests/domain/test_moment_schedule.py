"""Which deliveries an occurrence gets: lead times, short notice, moves after a sent prep, mutes, revivals."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.content.model import ContentLibrary
from slackapp.db import Database
from slackapp.db.models import CalendarOccurrence, Delivery
from slackapp.domain import deliveries, series
from slackapp.domain.moment_schedule import (
    MOVED_MARK,
    PREP_MIN_NOTICE,
    moved_prep_key,
    prep_due,
    prep_key,
    reflect_key,
    schedule_for,
)
from tests.domain.test_occurrences import (
    NOW,
    TEAM,
    TUESDAY_10,
    UID,
    USER,
    by_key,
    make_content,
    make_person,
    one_on_one_rule,
)

CONTENT = make_content()


def add_occurrence(session: Session, start: datetime, *, minutes: int = 30, uid: str = UID,
                   moment_id: str | None = "one-on-one", all_day: bool = False, status: str = "CONFIRMED",
                   user_id: str = USER) -> CalendarOccurrence:
    row = CalendarOccurrence(team_id=TEAM, user_id=user_id, source="ics", event_uid=uid,
                             occurrence_id=start.isoformat(), title="Maria / Ravi 1:1", start=start,
                             end=start + timedelta(minutes=minutes), all_day=all_day, status=status,
                             attendee_count=2, moment_id=moment_id, created_at=NOW, updated_at=NOW)
    session.add(row)
    session.flush()
    return row


def keys(session: Session, state: str | None = None) -> list[str]:
    query = select(Delivery.key).order_by(Delivery.key)
    if state is not None:
        query = query.where(Delivery.state == state)
    return list(session.scalars(query).all())


def plan(session: Session, row: CalendarOccurrence, *, now: datetime = NOW,
         content: ContentLibrary = CONTENT) -> None:
    schedule_for(session, row, content=content, now=now)


def send(delivery: Delivery, at: datetime) -> None:
    delivery.state, delivery.sent_at, delivery.ts = "sent", at, "1.0"


def test_keys_follow_the_documented_format() -> None:
    row = CalendarOccurrence(team_id=TEAM, user_id=USER, event_uid=UID, occurrence_id=TUESDAY_10.isoformat(),
                             start=TUESDAY_10)
    assert prep_key(row) == f"prep:T0001:UMANAGER:{UID}:2026-11-24T10:00:00+00:00"
    assert reflect_key(row) == f"reflect:T0001:UMANAGER:{UID}:2026-11-24T10:00:00+00:00"
    assert moved_prep_key(row) == f"{prep_key(row)}{MOVED_MARK}{int(TUESDAY_10.timestamp())}"
    row.event_uid = "u" * 250
    digest = hashlib.sha1(row.event_uid.encode()).hexdigest()[:16]
    assert prep_key(row) == f"prep:T0001:UMANAGER:{digest}:2026-11-24T10:00:00+00:00"
    assert reflect_key(row) == f"reflect:T0001:UMANAGER:{digest}:2026-11-24T10:00:00+00:00"


def test_prep_due_rules() -> None:
    lead = timedelta(minutes=15)
    assert prep_due(NOW + timedelta(hours=1), lead, NOW) == NOW + timedelta(minutes=45)
    assert prep_due(NOW + timedelta(minutes=8), lead, NOW) == NOW  # short notice: at once
    assert prep_due(NOW + PREP_MIN_NOTICE, lead, NOW) == NOW
    assert prep_due(NOW + timedelta(minutes=3), lead, NOW) is None  # too late: never
    assert prep_due(NOW - timedelta(minutes=1), lead, NOW) is None  # started: never


def test_a_meeting_in_8_minutes_gets_its_prep_now(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, NOW + timedelta(minutes=8))
        plan(session, row)
        prep = by_key(session, prep_key(row))
        assert prep.due_at == NOW and prep.payload["not_after"] == (NOW + timedelta(minutes=8)).isoformat()


def test_a_meeting_in_3_minutes_gets_no_prep_but_a_reflection(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, NOW + timedelta(minutes=3))
        plan(session, row)
        assert keys(session) == [reflect_key(row)]


def test_a_scheduled_prep_is_cancelled_when_the_meeting_moves_too_close(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, NOW + timedelta(hours=2))
        plan(session, row)
        row.start, row.end = NOW + timedelta(minutes=2), NOW + timedelta(minutes=32)
        plan(session, row)
        prep = by_key(session, prep_key(row))
        assert prep.state == "cancelled" and "too soon" in (prep.last_reason or "")
        assert by_key(session, reflect_key(row)).due_at == NOW + timedelta(minutes=42)


def test_ineligible_occurrences_get_nothing(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        rows = [add_occurrence(session, TUESDAY_10, uid="a", all_day=True),
                add_occurrence(session, TUESDAY_10, uid="b", status="CANCELLED"),
                add_occurrence(session, TUESDAY_10, uid="c", moment_id=None),
                add_occurrence(session, TUESDAY_10, uid="d", moment_id="deleted-rule")]
        for row in rows:
            plan(session, row)
        assert keys(session) == []


def test_a_person_who_declined_gets_nothing_scheduled(db: Database) -> None:
    with db.session() as session:
        make_person(session, opt_in="declined")
        plan(session, add_occurrence(session, TUESDAY_10))
        assert keys(session) == []


def test_a_person_who_has_not_answered_yet_is_still_scheduled(db: Database) -> None:
    with db.session() as session:
        make_person(session, opt_in="unknown")
        row = add_occurrence(session, TUESDAY_10)
        plan(session, row)
        assert keys(session) == sorted([prep_key(row), reflect_key(row)])


def test_muting_a_series_cancels_and_unmuting_restores(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, TUESDAY_10)
        plan(session, row)
        series.mute(session, team_id=TEAM, user_id=USER, event_uid=UID, now=NOW)
        plan(session, row)  # a later sync of the muted series schedules nothing
        assert keys(session, "scheduled") == []
        assert by_key(session, prep_key(row)).last_reason == series.MUTE_REASON
        assert series.unmute(session, team_id=TEAM, user_id=USER, event_uid=UID, now=NOW) == 2
        plan(session, row)
        assert keys(session, "scheduled") == sorted([prep_key(row), reflect_key(row)])


def test_rules_without_guide_or_reflection_send_only_what_they_have(db: Database) -> None:
    no_reflection = make_content(one_on_one_rule(reflection_set_id=None))
    no_prep = make_content(one_on_one_rule(prep_guide_id=None))
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, TUESDAY_10)
        plan(session, row, content=no_reflection)
        assert keys(session) == [prep_key(row)]
        plan(session, row, content=no_prep)
        assert keys(session, "scheduled") == [reflect_key(row)]
        assert by_key(session, prep_key(row)).last_reason == "this moment has no prep guide"


def test_custom_lead_and_delay_are_used(db: Database) -> None:
    content = make_content(one_on_one_rule(prep_lead_minutes=60, reflect_delay_minutes=0))
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, TUESDAY_10)
        plan(session, row, content=content)
        assert by_key(session, prep_key(row)).due_at == TUESDAY_10 - timedelta(hours=1)
        assert by_key(session, reflect_key(row)).due_at == TUESDAY_10 + timedelta(minutes=30)


def test_a_long_past_meeting_gets_no_reflection(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        plan(session, add_occurrence(session, NOW - timedelta(days=2)))
        recent = add_occurrence(session, NOW - timedelta(hours=3), uid="recent")
        plan(session, recent)
        assert keys(session) == [reflect_key(recent)]  # a few hours late is still worth asking
        assert by_key(session, reflect_key(recent)).due_at == recent.end + timedelta(minutes=10)


def test_a_small_move_after_the_prep_was_sent_sends_no_second_prep(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, NOW + timedelta(minutes=20))
        plan(session, row)
        send(by_key(session, prep_key(row)), NOW + timedelta(minutes=5))
        row.start, row.end = row.start + timedelta(minutes=45), row.end + timedelta(minutes=45)
        plan(session, row, now=NOW + timedelta(minutes=10))
        assert [k for k in keys(session) if k.startswith("prep")] == [prep_key(row)]
        assert by_key(session, reflect_key(row)).due_at == row.end + timedelta(minutes=10)


def test_a_big_move_after_the_prep_was_sent_sends_a_new_prep(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, NOW + timedelta(minutes=20))
        plan(session, row)
        sent = by_key(session, prep_key(row))
        send(sent, NOW + timedelta(minutes=5))
        row.start, row.end = NOW + timedelta(days=1), NOW + timedelta(days=1, minutes=30)
        plan(session, row, now=NOW + timedelta(minutes=10))
        moved = by_key(session, moved_prep_key(row))
        assert moved.key == f"{prep_key(row)}:moved:{int(row.start.timestamp())}"
        assert moved.state == "scheduled" and moved.due_at == row.start - timedelta(minutes=15)
        assert sent.state == "sent" and sent.payload["start"] == (NOW + timedelta(minutes=20)).isoformat()
        first_moved = moved.key
        # It moves again, by more than an hour: the previous "moved" prep gives way to a new one.
        row.start, row.end = row.start + timedelta(hours=3), row.end + timedelta(hours=3)
        plan(session, row, now=NOW + timedelta(minutes=20))
        assert by_key(session, first_moved).state == "cancelled"
        assert by_key(session, moved_prep_key(row)).state == "scheduled"
        # And back to about the original time: it was prepared for that already.
        row.start, row.end = NOW + timedelta(minutes=50), NOW + timedelta(minutes=80)
        plan(session, row, now=NOW + timedelta(minutes=30))
        assert [k for k in keys(session, "scheduled") if k.startswith("prep")] == []


def test_a_move_drops_snoozed_follow_ups_of_the_old_time(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, NOW + timedelta(hours=2))
        plan(session, row)
        original = by_key(session, prep_key(row))
        send(original, NOW)
        follow_up = deliveries.schedule(session, key=f"{original.key}:snooze:1", team_id=TEAM, user_id=USER,
                                        kind="prep", due_at=NOW + timedelta(minutes=30), now=NOW,
                                        payload=dict(original.payload))
        plan(session, row)  # unchanged time: the snooze stands
        assert follow_up.state == "scheduled"
        row.start, row.end = row.start + timedelta(minutes=30), row.end + timedelta(minutes=30)
        plan(session, row)
        assert follow_up.state == "cancelled" and follow_up.last_reason == "the meeting moved"


def test_a_meeting_cancelled_and_then_restored_gets_its_nudges_back(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, TUESDAY_10)
        plan(session, row)
        row.status = "CANCELLED"
        plan(session, row)
        assert keys(session, "scheduled") == []
        row.status = "CONFIRMED"
        plan(session, row)
        prep = by_key(session, prep_key(row))
        assert prep.state == "scheduled" and prep.due_at == TUESDAY_10 - timedelta(minutes=15)
        assert [d.outcome for d in deliveries.decisions(session, prep)] == ["cancelled", "rescheduled"]


def test_sent_and_skipped_deliveries_are_never_touched(db: Database) -> None:
    with db.session() as session:
        make_person(session)
        row = add_occurrence(session, NOW + timedelta(hours=1))
        plan(session, row)
        prep, reflect = by_key(session, prep_key(row)), by_key(session, reflect_key(row))
        send(prep, NOW)
        deliveries.skip(session, reflect, reason="outside working hours", now=NOW)
        row.status = "CANCELLED"
        plan(session, row)
        assert (prep.state, reflect.state) == ("sent", "skipped")
