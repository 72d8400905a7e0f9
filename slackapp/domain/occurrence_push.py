"""One event pushed by the signed calendar webhook (source ``webhook``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.content.model import ContentLibrary
from slackapp.db.models import CalendarOccurrence
from slackapp.domain import people
from slackapp.domain.moment_schedule import schedule_occurrence
from slackapp.domain.occurrence_fields import (
    ORGANIZER_MAX,
    STATUSES,
    TITLE_MAX,
    _apply,
    _moment_id,
    _utc,
    stored_uid,
)


def apply_pushed_occurrence(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    event_uid: str,
    title: str,
    start: datetime,
    end: datetime,
    attendee_count: int,
    status: str,
    organizer: str | None,
    content: ContentLibrary,
    now: datetime,
    description: str = "",
) -> CalendarOccurrence:
    """Upsert one event pushed by the signed webhook (source ``webhook``).

    The first push of an ``event_uid`` fixes its ``occurrence_id`` (its start in UTC ISO format),
    so a later push with the same uid moves or cancels the same occurrence and its nudges.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    status = status.upper()
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    uid = stored_uid(event_uid)
    person = people.find_person(session, team_id=team_id, user_id=user_id)
    organizer = organizer[:ORGANIZER_MAX] if organizer else None
    fields: dict[str, Any] = {
        "title": title[:TITLE_MAX], "start": _utc(start), "end": _utc(end), "all_day": False, "status": status,
        "attendee_count": max(0, attendee_count), "organizer": organizer,
        "moment_id": _moment_id(content, title=title, description=description, attendee_count=max(0, attendee_count),
                                organizer=organizer, person=person),
    }
    row = _pushed_row(session, team_id=team_id, user_id=user_id, uid=uid)
    fresh = row is None
    if row is None:
        occurrence_id = _utc(start).isoformat()
        try:
            with session.begin_nested():
                row = CalendarOccurrence(team_id=team_id, user_id=user_id, source="webhook", feed_id=None,
                                         event_uid=uid, occurrence_id=occurrence_id, created_at=now,
                                         updated_at=now, **fields)
                session.add(row)
        except IntegrityError:  # a concurrent push won the insert, or the feed has the same identity
            fresh = False
            row = session.scalar(select(CalendarOccurrence).where(
                CalendarOccurrence.team_id == team_id, CalendarOccurrence.user_id == user_id,
                CalendarOccurrence.event_uid == uid, CalendarOccurrence.occurrence_id == occurrence_id))
            if row is None:
                raise
            if not _apply(row, fields):
                return row
            row.updated_at = now
    elif _apply(row, fields):
        row.updated_at = now
    else:
        return row  # nothing changed: nothing to re-plan
    session.flush()
    schedule_occurrence(session, row, content=content, now=now, person=person, muted=None, fresh=fresh)
    return row


def _pushed_row(session: Session, *, team_id: str, user_id: str, uid: str) -> CalendarOccurrence | None:
    return session.scalar(
        select(CalendarOccurrence)
        .where(CalendarOccurrence.team_id == team_id, CalendarOccurrence.user_id == user_id,
               CalendarOccurrence.event_uid == uid, CalendarOccurrence.source == "webhook")
        .order_by(CalendarOccurrence.id.desc())
        .limit(1)
    )
