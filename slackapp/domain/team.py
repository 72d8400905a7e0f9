"""Flowcoach's org chart: who manages whom (Slack has none). Only active links grant permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db.models import Delivery, TeamLink

# Per delivery kind: what to remember once the message is sent (e.g. the card's ts). See sent_hooks.py.
ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {}


def manager_of(session: Session, *, team_id: str, user_id: str) -> str | None:
    return session.scalar(select(TeamLink.manager_id).where(
        TeamLink.team_id == team_id, TeamLink.report_id == user_id, TeamLink.state == "active"))


def reports_of(session: Session, *, team_id: str, manager_id: str) -> list[str]:
    return list(session.scalars(select(TeamLink.report_id).where(
        TeamLink.team_id == team_id, TeamLink.manager_id == manager_id, TeamLink.state == "active")
        .order_by(TeamLink.report_id)))


def is_manager_of(session: Session, *, team_id: str, manager_id: str, report_id: str) -> bool:
    return manager_of(session, team_id=team_id, user_id=report_id) == manager_id


def can_manage(session: Session, *, team_id: str, actor_id: str, learner_id: str, admins: Any = ()) -> bool:
    """A person's manager, or a program admin, may assign them work and see what they chose to share."""
    return actor_id in admins or is_manager_of(session, team_id=team_id, manager_id=actor_id, report_id=learner_id)
