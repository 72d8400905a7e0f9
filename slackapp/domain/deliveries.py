"""The deliveries outbox: schedule idempotently by key, claim for sending, record every decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.db.models import Delivery, DeliveryDecision
from slackapp.domain import analytics

ACTIVE_STATES = ("scheduled", "sending")
FINAL_STATES = ("sent", "skipped", "cancelled", "failed")
MAX_ATTEMPTS = 5


def get(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def by_key(session: Session, key: str) -> Delivery | None:
    return session.scalar(select(Delivery).where(Delivery.key == key))


def schedule(
    session: Session,
    *,
    key: str,
    team_id: str,
    user_id: str,
    kind: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> Delivery:
    """Create the delivery, or move a still-scheduled one. Finished deliveries are left alone."""
    existing = by_key(session, key)
    if existing is None:
        try:
            with session.begin_nested():
                existing = Delivery(key=key, team_id=team_id, user_id=user_id, kind=kind, due_at=due_at,
                                    payload=payload or {}, state="scheduled", created_at=now, updated_at=now)
                session.add(existing)
            return existing
        except IntegrityError:
            existing = by_key(session, key)
            assert existing is not None
    if existing.state == "scheduled" and (existing.due_at != due_at or existing.payload != (payload or {})):
        existing.due_at = due_at
        existing.payload = payload or {}
        existing.enqueued_at = None
        existing.updated_at = now
    return existing


def record_decision(
    session: Session, delivery: Delivery, *, outcome: str, reason: str, now: datetime,
    deferred_until: datetime | None = None,
) -> None:
    session.add(DeliveryDecision(delivery_id=delivery.id, decided_at=now, outcome=outcome, reason=reason[:255],
                                 deferred_until=deferred_until))
    delivery.last_reason = reason[:255]
    delivery.updated_at = now


def cancel(session: Session, *, key: str, reason: str, now: datetime) -> bool:
    """Cancel a still-scheduled delivery and any snoozed follow-ups of it (``{key}:snooze:N``), which
    may be pending even when the original was already sent. True if the original was cancelled."""
    pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":snooze:%"
    for follow_up in session.scalars(select(Delivery).where(Delivery.key.like(pattern, escape="\\"),
                                                            Delivery.state == "scheduled")):
        follow_up.state = "cancelled"
        record_decision(session, follow_up, outcome="cancelled", reason=reason, now=now)
    delivery = by_key(session, key)
    if delivery is None or delivery.state not in ("scheduled",):
        return False
    delivery.state = "cancelled"
    record_decision(session, delivery, outcome="cancelled", reason=reason, now=now)
    return True


def cancel_all_for_team(session: Session, *, team_id: str, reason: str, now: datetime) -> int:
    rows = session.scalars(
        select(Delivery).where(Delivery.team_id == team_id, Delivery.state.in_(ACTIVE_STATES))
    ).all()
    for delivery in rows:
        delivery.state = "cancelled"
        record_decision(session, delivery, outcome="cancelled", reason=reason, now=now)
    return len(rows)


def due(session: Session, *, now: datetime, limit: int = 1000) -> Sequence[Delivery]:
    """Scheduled deliveries whose time has come and that are not already on the queue."""
    return session.scalars(
        select(Delivery)
        .where(Delivery.state == "scheduled", Delivery.due_at <= now, Delivery.enqueued_at.is_(None))
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    ).all()


def mark_enqueued(session: Session, ids: Sequence[int], *, now: datetime) -> None:
    if ids:
        session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(enqueued_at=now))


def release_stale_enqueues(session: Session, *, older_than: datetime) -> int:
    """Deliveries enqueued long ago but never picked up (Redis was lost): let the next tick re-enqueue."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.state == "scheduled", Delivery.enqueued_at.is_not(None), Delivery.enqueued_at < older_than)
        .values(enqueued_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def defer(session: Session, delivery: Delivery, *, until: datetime, reason: str, now: datetime) -> None:
    delivery.state = "scheduled"
    delivery.due_at = until
    delivery.enqueued_at = None
    record_decision(session, delivery, outcome="deferred", reason=reason, now=now, deferred_until=until)


def skip(session: Session, delivery: Delivery, *, reason: str, now: datetime) -> None:
    delivery.state = "skipped"
    record_decision(session, delivery, outcome="skipped", reason=reason, now=now)


def begin_sending(session: Session, delivery: Delivery, *, now: datetime) -> None:
    delivery.state = "sending"
    delivery.attempts += 1
    delivery.updated_at = now


def mark_sent(session: Session, delivery: Delivery, *, channel_id: str, ts: str, now: datetime, reason: str) -> None:
    delivery.state = "sent"
    delivery.channel_id = channel_id
    delivery.ts = ts
    delivery.sent_at = now
    record_decision(session, delivery, outcome="sent", reason=reason, now=now)
    analytics.record(session, now=now, team_id=delivery.team_id, user_id=delivery.user_id,
                     name="delivery.sent", object_type="delivery", object_id=delivery.key,
                     properties={"kind": delivery.kind})


def mark_failed(session: Session, delivery: Delivery, *, reason: str, now: datetime) -> None:
    delivery.state = "failed"
    record_decision(session, delivery, outcome="failed", reason=reason, now=now)


def decisions(session: Session, delivery: Delivery) -> Sequence[DeliveryDecision]:
    return session.scalars(
        select(DeliveryDecision).where(DeliveryDecision.delivery_id == delivery.id).order_by(DeliveryDecision.id)
    ).all()
