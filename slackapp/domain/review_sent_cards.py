"""The reviewer card and reminders once they reached Slack: finding them, marking them used, remembering the card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Delivery
from slackapp.domain.review_queries import latest_version
from slackapp.domain.review_rules import REMINDER_STAGES, reminder_key, request_key


def sent_cards(session: Session, *, assignment_id: int, version: int) -> Sequence[Delivery]:
    """The reviewer card and reminders of one version that reached Slack (to update them in place)."""
    keys = [request_key(assignment_id, version),
            *(reminder_key(assignment_id, version, n) for n in range(1, len(REMINDER_STAGES) + 1))]
    return session.scalars(select(Delivery).where(Delivery.key.in_(keys), Delivery.state == "sent",
                                                  Delivery.ts.is_not(None)).order_by(Delivery.id)).all()


def mark_cards_used(session: Session, *, assignment_id: int, version: int, now: datetime) -> None:
    """The reviewer used a Review button: their card and reminders were not ignored (back-off policy)."""
    keys = [request_key(assignment_id, version),
            *(reminder_key(assignment_id, version, n) for n in range(1, len(REMINDER_STAGES) + 1))]
    for delivery in session.scalars(select(Delivery).where(Delivery.key.in_(keys), Delivery.state == "sent",
                                                           Delivery.interacted_at.is_(None))):
        delivery.interacted_at = now


def _remember_reviewer_card(session: Session, delivery: Delivery) -> None:
    """The reviewer card was sent: keep where it is (unless a newer version's card is already the one)."""
    try:
        assignment_id, version = int(delivery.payload["assignment_id"]), int(delivery.payload["version"])
    except (KeyError, TypeError, ValueError):
        return
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or version < latest_version(session, assignment_id):
        return
    assignment.reviewer_card_channel = delivery.channel_id
    assignment.reviewer_card_ts = delivery.ts
