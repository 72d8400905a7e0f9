"""Calendar occurrences: upserted from a person's ICS feed or pushed by the signed webhook.

An occurrence is identified by (team, user, event uid, occurrence id). Syncing writes only what
changed, and only changed occurrences have their deliveries re-planned (``moment_schedule``), so
re-syncing an unchanged feed writes nothing. See docs/calendar-sync.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.calendar import Occurrence
from slackapp.content.model import ContentLibrary
from slackapp.db.models import CalendarOccurrence, MutedSeries, Person
from slackapp.domain import people
from slackapp.domain.moment_schedule import schedule_occurrence

UID_MAX = 255
OCCURRENCE_ID_MAX = 64
TITLE_MAX = 500
ORGANIZER_MAX = 320
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
_IN_CHUNK = 500

# All-day events with titles like these mean the person is away (see ``ooo_until_from``).
OOO_TITLE = re.compile(
    r"\b(?:ooo|out[\s-]+of[\s-]+(?:the[\s-]+)?office|vacation|holidays?|annual[\s-]+leave|pto|sick)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SyncSummary:
    added: int
    moved: int
    cancelled: int
    unchanged: int
    upcoming_7d: int  # upcoming timed, non-cancelled occurrences in the next 7 days
    updated: int = 0  # changed in another way (title, attendees, moment, un-cancelled)


def stored_uid(uid: str) -> str:
    """The uid as stored: uids longer than the column are replaced by a stable digest."""
    if len(uid) <= UID_MAX:
        return uid
    return f"sha1:{hashlib.sha1(uid.encode('utf-8')).hexdigest()}"


def _stored_occurrence_id(value: str) -> str:
    if len(value) <= OCCURRENCE_ID_MAX:
        return value
    return f"sha1:{hashlib.sha1(value.encode('utf-8')).hexdigest()}"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _organizer_is_person(organizer: str | None, person: Person | None) -> bool:
    if not organizer or person is None or not person.email:
        return False
    return organizer.strip().lower() == person.email.strip().lower()


def _moment_id(content: ContentLibrary, *, title: str, description: str, attendee_count: int,
               organizer: str | None, person: Person | None) -> str | None:
    rule = content.classify(title=title, description=description, attendee_count=attendee_count,
                            organizer_is_person=_organizer_is_person(organizer, person))
    return None if rule is None else rule.id


def _apply(row: CalendarOccurrence, fields: dict[str, Any]) -> set[str]:
    """Set the fields that differ; returns their names."""
    changed = {name for name, value in fields.items() if getattr(row, name) != value}
    for name in changed:
        setattr(row, name, fields[name])
    return changed


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


def upcoming(session: Session, *, team_id: str, user_id: str, now: datetime, days: int = 7) -> list[CalendarOccurrence]:
    """Timed, non-cancelled occurrences starting in [now, now + days), earliest first."""
    return list(session.scalars(
        select(CalendarOccurrence)
        .where(CalendarOccurrence.team_id == team_id, CalendarOccurrence.user_id == user_id,
               CalendarOccurrence.start >= now, CalendarOccurrence.start < now + timedelta(days=days),
               CalendarOccurrence.all_day.is_(False), CalendarOccurrence.status != "CANCELLED")
        .order_by(CalendarOccurrence.start, CalendarOccurrence.id)
    ).all())


class Span(Protocol):
    """What ``ooo_until_from`` reads: a parsed ``Occurrence`` or a stored ``CalendarOccurrence``."""

    @property
    def title(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def all_day(self) -> bool: ...
    @property
    def status(self) -> str: ...


def is_out_of_office(occurrence: Span) -> bool:
    return occurrence.all_day and occurrence.status != "CANCELLED" and OOO_TITLE.search(occurrence.title) is not None


def ooo_until_from(occurrences: Iterable[Span], *, now: datetime) -> datetime | None:
    """The end of the out-of-office block the person is in now, or None.

    Out-of-office means an all-day, non-cancelled event titled like "OOO", "Out of office",
    "Vacation", "Holiday", "Annual leave", "PTO" or "Sick". The block is the OOO event covering
    ``now`` joined with every OOO event that overlaps or touches it (a week's vacation followed by
    a "Bank holiday" is one block). A future block does not count yet: syncing every 15 minutes
    finds it once it begins.
    """
    spans = sorted((_utc(o.start), _utc(o.end)) for o in occurrences if is_out_of_office(o))
    until: datetime | None = None
    for start, end in spans:
        if until is None:
            if start <= now < end:
                until = end
        elif start <= until:
            until = max(until, end)
        else:
            break
    return until
