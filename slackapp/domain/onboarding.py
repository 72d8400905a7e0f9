"""First contact: know the person, and ask them once (via the outbox) whether they want coaching."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slackapp.db.models import Delivery, Person
from slackapp.domain import deliveries
from slackapp.domain.people import get_or_create_person


def welcome_key(team_id: str, user_id: str) -> str:
    return f"welcome:{team_id}:{user_id}"


def first_contact(session: Session, *, team_id: str, user_id: str, now: datetime) -> tuple[Person, Delivery | None]:
    """Ensure the person exists; schedule the opt-in welcome DM if they have never answered."""
    person, _ = get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
    if person.opt_in != "unknown":
        return person, None
    welcome = deliveries.schedule(session, key=welcome_key(team_id, user_id), team_id=team_id, user_id=user_id,
                                  kind="welcome", due_at=now, now=now)
    return person, welcome
