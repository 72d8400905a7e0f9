"""The append-only analytics log every feature writes to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slackapp.db.models import AnalyticsEvent


def record(
    session: Session,
    *,
    now: datetime,
    team_id: str,
    name: str,
    user_id: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    properties: dict[str, Any] | None = None,
) -> AnalyticsEvent:
    event = AnalyticsEvent(
        occurred_at=now,
        team_id=team_id,
        user_id=user_id,
        name=name,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        properties=properties or {},
    )
    session.add(event)
    return event
