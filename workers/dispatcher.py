"""Moves due outbox rows into RQ. Safe to run from many places: job ids make enqueueing idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

from rq import Retry
from sqlalchemy import update
from sqlalchemy.orm import Session

from slackapp.db.models import Delivery
from slackapp.domain import deliveries
from slackapp.services import Enqueue
from workers.queues import DELIVERY_QUEUE

STALE_AFTER = timedelta(minutes=15)
RETRY = Retry(max=3, interval=[30, 120, 600])  # transient Slack errors; then the stale sweep


def delivery_job_id(delivery: Delivery) -> str:
    """One job per delivery and due time: a deferred delivery gets a fresh job when it falls due again."""
    return f"deliver-{delivery.id}-{int(delivery.due_at.timestamp())}"


def recover_stale(session: Session, *, now: datetime) -> None:
    """Redis lost a job, or a worker died mid-send: make the delivery due again (the send is re-checked)."""
    deliveries.release_stale_enqueues(session, older_than=now - STALE_AFTER)
    session.execute(
        update(Delivery)
        .where(Delivery.state == "sending", Delivery.updated_at < now - STALE_AFTER)
        .values(state="scheduled", enqueued_at=None)
    )


def dispatch_due(session: Session, *, enqueue: Enqueue, now: datetime, batch: int = 1000) -> int:
    recover_stale(session, now=now)
    total = 0
    while True:
        rows = deliveries.due(session, now=now, limit=batch)
        if not rows:
            return total
        for delivery in rows:
            enqueue("workers.jobs.deliver", delivery.id, job_id=delivery_job_id(delivery), queue=DELIVERY_QUEUE,
                    retry=RETRY)
        deliveries.mark_enqueued(session, [d.id for d in rows], now=now)
        session.flush()
        total += len(rows)
