"""Syncing a person's ICS feed: upsert what changed, cancel what vanished, re-plan only the changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.calendar import Occurrence
from slackapp.content.model import ContentLibrary
from slackapp.db.models import CalendarOccurrence, MutedSeries
from slackapp.domain import people
from slackapp.domain.moment_schedule import schedule_occurrence
from slackapp.domain.occurrence_fields import (
    ORGANIZER_MAX,
    TITLE_MAX,
    _apply,
    _moment_id,
    _stored_occurrence_id,
    _utc,
    stored_uid,
)

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class SyncSummary:
    added: int
    moved: int
    cancelled: int
    unchanged: int
    upcoming_7d: int  # upcoming timed, non-cancelled occurrences in the next 7 days
    updated: int = 0  # changed in another way (title, attendees, moment, un-cancelled)


def _classify_change(changed: set[str], before_status: str, after_status: str) -> str:
    if not changed:
        return "unchanged"
    if after_status == "CANCELLED" and before_status != "CANCELLED":
        return "cancelled"
    if changed & {"start", "end"}:
        return "moved"
    return "updated"


def apply_feed_occurrences(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    feed_id: int,
    occurrences: Iterable[Occurrence],
    window_start: datetime,
    window_end: datetime,
    content: ContentLibrary,
    now: datetime,
    complete: bool = True,
) -> SyncSummary:
    """Upsert a feed's occurrences and re-plan the deliveries of those that changed.

    Occurrences of this feed that overlap [window_start, window_end), have not ended, and are no
    longer in the feed are marked CANCELLED. With ``complete=False`` (some series were skipped or
    the parse was cut short) only occurrences of series present in ``occurrences`` are treated so:
    an absent series may just have failed to parse.
    """
    person = people.find_person(session, team_id=team_id, user_id=user_id)
    muted = set(session.scalars(
        select(MutedSeries.event_uid).where(MutedSeries.team_id == team_id, MutedSeries.user_id == user_id)
    ).all())
    incoming: dict[tuple[str, str], Occurrence] = {}
    for occurrence in occurrences:
        incoming[(stored_uid(occurrence.uid), _stored_occurrence_id(occurrence.occurrence_id))] = occurrence
    uids = sorted({uid for uid, _ in incoming})
    existing = _existing(session, team_id=team_id, user_id=user_id, feed_id=feed_id, uids=uids,
                         window_start=window_start, window_end=window_end, now=now)
    counts = {"added": 0, "moved": 0, "cancelled": 0, "unchanged": 0, "updated": 0}
    to_plan: list[tuple[CalendarOccurrence, bool]] = []
    for (uid, occurrence_id), occurrence in incoming.items():
        title = occurrence.title[:TITLE_MAX]
        organizer = occurrence.organizer[:ORGANIZER_MAX] if occurrence.organizer else None
        fields: dict[str, Any] = {
            "source": "ics", "feed_id": feed_id, "title": title,
            "start": _utc(occurrence.start), "end": _utc(occurrence.end), "all_day": occurrence.all_day,
            "status": occurrence.status, "attendee_count": occurrence.attendee_count, "organizer": organizer,
            "moment_id": _moment_id(content, title=occurrence.title, description=occurrence.description,
                                    attendee_count=occurrence.attendee_count, organizer=organizer,
                                    person=person),
        }
        row = existing.get((uid, occurrence_id))
        if row is None:
            row = CalendarOccurrence(team_id=team_id, user_id=user_id, event_uid=uid, occurrence_id=occurrence_id,
                                     created_at=now, updated_at=now, **fields)
            session.add(row)
            counts["added"] += 1
            to_plan.append((row, True))
            continue
        before = row.status
        change = _classify_change(_apply(row, fields), before, row.status)
        counts[change] += 1
        if change != "unchanged":
            row.updated_at = now
            to_plan.append((row, False))
    seen_uids = set(uids)
    for key, row in existing.items():
        if key in incoming or row.feed_id != feed_id or row.status == "CANCELLED":
            continue
        if not (row.start < window_end and row.end > window_start and row.end > now):
            continue
        if not complete and row.event_uid not in seen_uids:
            continue
        row.status = "CANCELLED"
        row.updated_at = now
        counts["cancelled"] += 1
        to_plan.append((row, False))
    if to_plan:
        session.flush()  # new rows get their ids (deliveries carry them)
    for row, fresh in to_plan:
        schedule_occurrence(session, row, content=content, now=now, person=person, muted=muted, fresh=fresh)
    upcoming_count = len(upcoming(session, team_id=team_id, user_id=user_id, now=now))
    return SyncSummary(upcoming_7d=upcoming_count, **counts)


def _existing(session: Session, *, team_id: str, user_id: str, feed_id: int, uids: list[str],
              window_start: datetime, window_end: datetime, now: datetime) -> dict[tuple[str, str], CalendarOccurrence]:
    """Rows that may match an incoming occurrence (same uid) or may have vanished from the feed."""
    found: dict[tuple[str, str], CalendarOccurrence] = {}
    person = (CalendarOccurrence.team_id == team_id, CalendarOccurrence.user_id == user_id)
    for index in range(0, len(uids), _IN_CHUNK):
        chunk = uids[index : index + _IN_CHUNK]
        for row in session.scalars(select(CalendarOccurrence).where(*person, CalendarOccurrence.event_uid.in_(chunk))):
            found[(row.event_uid, row.occurrence_id)] = row
    window = session.scalars(
        select(CalendarOccurrence).where(
            *person, CalendarOccurrence.feed_id == feed_id, CalendarOccurrence.start < window_end,
            CalendarOccurrence.end > max(window_start, now),
        )
    )
    for row in window:
        found.setdefault((row.event_uid, row.occurrence_id), row)
    return found


def upcoming(session: Session, *, team_id: str, user_id: str, now: datetime, days: int = 7) -> list[CalendarOccurrence]:
    """Timed, non-cancelled occurrences starting in [now, now + days), earliest first."""
    return list(session.scalars(
        select(CalendarOccurrence)
        .where(CalendarOccurrence.team_id == team_id, CalendarOccurrence.user_id == user_id,
               CalendarOccurrence.start >= now, CalendarOccurrence.start < now + timedelta(days=days),
               CalendarOccurrence.all_day.is_(False), CalendarOccurrence.status != "CANCELLED")
        .order_by(CalendarOccurrence.start, CalendarOccurrence.id)
    ).all())
