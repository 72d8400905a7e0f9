"""Idempotency for inbound Slack events: a retried event_id is claimed once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.db.models import ProcessedEvent

RETENTION = timedelta(days=2)  # Slack retries within minutes; keep well beyond that.


def claim_event(session: Session, *, event_id: str, team_id: str | None, now: datetime) -> bool:
    """True the first time an event id is seen, False for any retry of it."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id[:64], team_id=team_id, received_at=now))
    except IntegrityError:
        return False
    return True


def forget_old_events(session: Session, *, now: datetime) -> int:
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - RETENTION))
    return int(getattr(result, "rowcount", 0) or 0)
