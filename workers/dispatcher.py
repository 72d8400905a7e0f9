"""Moves due outbox rows into RQ. Safe to run from many places: job ids make enqueueing idempotent.

One tick reads due rows in pages of ``BATCH_SIZE`` (in ``deliveries.due`` order: due time, then id) and,
per page, enqueues every job in a few Redis round trips (``RQEnqueue.unique_many``) and marks the rows
enqueued with one UPDATE. Why this never sends twice, even with ticks racing each other:

* A job id names one delivery at one due time (``delivery_job_id``). A job whose id is already queued
  or running is not enqueued again: ``unique_many`` WATCHes the job keys it found absent, checks them
  again and writes the page in one MULTI/EXEC, which Redis aborts if any of them appeared meanwhile —
  the same guarantee as RQ's ``unique=True``, batched.
* Even a duplicate job could not send twice: the delivery job claims its row with
  ``UPDATE … SET state='sending' WHERE id=… AND state='scheduled'`` and only the one claim that changed
  the row posts; a retry after a crash finds its own message by the metadata key.
* Nothing is lost: rows are marked enqueued in the tick's transaction after their jobs exist, so a
  tick that dies leaves them due (the next tick finds the jobs already there and only marks them),
  and a job Redis lost is re-enqueued once its mark is ``STALE_AFTER`` old.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from rq import Retry
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from slackapp.db.models import Delivery
from slackapp.domain import deliveries
from slackapp.services import Enqueue
from workers.queues import DELIVERY_QUEUE

STALE_AFTER = timedelta(minutes=15)
RETRY = Retry(max=3, interval=[30, 120, 600])  # transient Slack errors; then the stale sweep
BATCH_SIZE = 1000  # rows per page: one SELECT, ~4 Redis round trips and one UPDATE each
DELIVER = "workers.jobs.deliver"


def job_id_for(delivery_id: int, due_at: datetime) -> str:
    """One job per delivery and due time: a deferred delivery gets a fresh job when it falls due again."""
    return f"deliver-{delivery_id}-{int(due_at.timestamp())}"


def delivery_job_id(delivery: Delivery) -> str:
    return job_id_for(delivery.id, delivery.due_at)


def recover_stale(session: Session, *, now: datetime) -> None:
    """Redis lost a job, or a worker died mid-send: make the delivery due again (the send is re-checked)."""
    deliveries.release_stale_enqueues(session, older_than=now - STALE_AFTER)
    session.execute(
        update(Delivery)
        .where(Delivery.state == "sending", Delivery.updated_at < now - STALE_AFTER)
        .values(state="scheduled", enqueued_at=None)
    )


def due_page(session: Session, *, now: datetime, after: tuple[datetime, int] | None,
             limit: int) -> Sequence[Any]:
    """``(id, due_at)`` of the rows ``deliveries.due`` returns, in its order, from after the ``after`` cursor.

    The cursor keeps a tick from walking again over the rows it already marked (they stay 'scheduled'
    until their job runs); a row that becomes due behind it during the tick waits for the next tick.
    """
    query = (select(Delivery.id, Delivery.due_at)
             .where(Delivery.state == "scheduled", Delivery.due_at <= now, Delivery.enqueued_at.is_(None)))
    if after is not None:
        last_due, last_id = after
        query = query.where(Delivery.due_at >= last_due,
                            or_(Delivery.due_at > last_due, and_(Delivery.due_at == last_due, Delivery.id > last_id)))
    return session.execute(query.order_by(Delivery.due_at, Delivery.id).limit(limit)).all()


def dispatch_due(session: Session, *, enqueue: Enqueue, now: datetime, batch: int = BATCH_SIZE) -> int:
    """Enqueue every due delivery not yet on the queue; returns how many rows were marked enqueued."""
    recover_stale(session, now=now)
    unique_many = getattr(enqueue, "unique_many", None)  # RQEnqueue; plain callables go one job at a time
    total = 0
    after: tuple[datetime, int] | None = None
    while True:
        rows = due_page(session, now=now, after=after, limit=batch)
        if not rows:
            return total
        calls = [(job_id_for(row.id, row.due_at), (row.id,)) for row in rows]
        if unique_many is not None:
            unique_many(DELIVER, calls, queue=DELIVERY_QUEUE, retry=RETRY)
        else:
            for job_id, args in calls:
                enqueue(DELIVER, *args, job_id=job_id, queue=DELIVERY_QUEUE, retry=RETRY)
        deliveries.mark_enqueued(session, [row.id for row in rows], now=now)
        total += len(rows)
        after = (rows[-1].due_at, rows[-1].id)
