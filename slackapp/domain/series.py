""""Stop these for this meeting series": mute (and undo) prep and reflection nudges for one event uid.

A series is identified by its calendar event uid (``payload["event_uid"]`` of prep/reflect
deliveries, whose keys start with ``prep:{team}:{user}:`` / ``reflect:{team}:{user}:``). Muting
cancels the series' still-scheduled nudges for that person (snoozed follow-ups included) and
records the mute, so schedulers can ask ``is_muted`` before scheduling new occurrences. Undoing
the mute puts back the nudges the mute cancelled, as long as they can still arrive in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.clock import parse_timestamp
from slackapp.db.models import Delivery, MutedSeries
from slackapp.domain import analytics, deliveries
from slackapp.domain.errors import AlreadyDone

SERIES_KINDS = ("prep", "reflect")
MUTE_REASON = "you stopped nudges for this meeting series"
UNMUTE_REASON = "you undid stopping nudges for this meeting series"
ALREADY_DONE = "That's already done."


def _find(session: Session, *, team_id: str, user_id: str, event_uid: str) -> MutedSeries | None:
    return session.scalar(select(MutedSeries).where(MutedSeries.team_id == team_id, MutedSeries.user_id == user_id,
                                                    MutedSeries.event_uid == event_uid))


def is_muted(session: Session, *, team_id: str, user_id: str, event_uid: str) -> bool:
    return _find(session, team_id=team_id, user_id=user_id, event_uid=event_uid) is not None


def series_deliveries(session: Session, *, team_id: str, user_id: str, event_uid: str,
                      states: Iterable[str]) -> list[Delivery]:
    """This person's prep/reflect deliveries (follow-ups included) for one series, in the given states."""
    prefixes = [f"{kind}:{team_id}:{user_id}:" for kind in SERIES_KINDS]
    rows = session.scalars(
        select(Delivery).where(
            Delivery.team_id == team_id, Delivery.user_id == user_id, Delivery.kind.in_(SERIES_KINDS),
            Delivery.state.in_(tuple(states)),
            or_(*(Delivery.key.startswith(prefix, autoescape=True) for prefix in prefixes)),
        ).order_by(Delivery.id)
    ).all()
    return [d for d in rows if str((d.payload or {}).get("event_uid", "")) == event_uid]


def mute(session: Session, *, team_id: str, user_id: str, event_uid: str, now: datetime) -> int:
    """Mute the series for the person; returns how many scheduled nudges were cancelled."""
    if is_muted(session, team_id=team_id, user_id=user_id, event_uid=event_uid):
        raise AlreadyDone(ALREADY_DONE)
    try:
        with session.begin_nested():
            row = MutedSeries(team_id=team_id, user_id=user_id, event_uid=event_uid, created_at=now)
            session.add(row)
    except IntegrityError:
        raise AlreadyDone(ALREADY_DONE) from None
    cancelled = series_deliveries(session, team_id=team_id, user_id=user_id, event_uid=event_uid,
                                  states=("scheduled",))
    for delivery in cancelled:
        delivery.state = "cancelled"
        deliveries.record_decision(session, delivery, outcome="cancelled", reason=MUTE_REASON, now=now)
    analytics.record(session, now=now, team_id=team_id, user_id=user_id, name="series.muted",
                     object_type="muted_series", object_id=row.id, properties={"cancelled": len(cancelled)})
    return len(cancelled)


def unmute(session: Session, *, team_id: str, user_id: str, event_uid: str, now: datetime) -> int:
    """Undo ``mute``; returns how many cancelled nudges were put back on the schedule."""
    row = _find(session, team_id=team_id, user_id=user_id, event_uid=event_uid)
    if row is None:
        raise AlreadyDone(ALREADY_DONE)
    row_id = row.id
    session.delete(row)
    restored = 0
    for delivery in series_deliveries(session, team_id=team_id, user_id=user_id, event_uid=event_uid,
                                      states=("cancelled",)):
        if delivery.last_reason != MUTE_REASON or not _still_in_time(delivery, now):
            continue
        delivery.state = "scheduled"
        delivery.enqueued_at = None
        deliveries.record_decision(session, delivery, outcome="rescheduled", reason=UNMUTE_REASON, now=now)
        restored += 1
    analytics.record(session, now=now, team_id=team_id, user_id=user_id, name="series.unmuted",
                     object_type="muted_series", object_id=row_id, properties={"restored": restored})
    return restored


def not_after(payload: dict[str, Any]) -> datetime | None:
    """The latest moment a prep/reflect nudge may still arrive (for prep: the meeting start), if known."""
    return parse_timestamp(payload.get("not_after"))


def _still_in_time(delivery: Delivery, now: datetime) -> bool:
    limit = not_after(delivery.payload or {})
    return limit > now if limit is not None else delivery.due_at > now
