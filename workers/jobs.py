"""RQ job entry points. They take ids, open their own sessions, and are safe to run twice."""

from __future__ import annotations

import logging

from slackapp.clock import utcnow
from slackapp.domain import inbound
from workers import delivery, runtime
from workers.dispatcher import dispatch_due

logger = logging.getLogger(__name__)


def deliver(delivery_id: int) -> str:
    outcome = delivery.deliver(runtime.current(), delivery_id)
    logger.info("delivery %s: %s", delivery_id, outcome)
    return outcome


def dispatch_tick() -> int:
    services = runtime.current()
    with services.db.session() as session:
        return dispatch_due(session, enqueue=services.enqueue, now=utcnow())


def housekeeping() -> int:
    services = runtime.current()
    with services.db.session() as session:
        return inbound.forget_old_events(session, now=utcnow())
