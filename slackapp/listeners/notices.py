"""Telling someone about a colleague's action (a decline, a question, a cancelled assignment): through the
deliveries outbox and the respect-my-time policy, never posted straight from a listener."""

from __future__ import annotations

from slackapp.clock import utcnow
from slackapp.domain import deliveries
from slackapp.services import Services
from slackapp.views.blocks import Message
from slackapp.views.notices import NOTICE, notice_payload


def send_notice(services: Services, *, team_id: str, user_id: str, about: str, message: Message,
                thread_ts: str | None = None, broadcast: bool = False) -> None:
    """``about`` names what happened (e.g. ``assignment-declined:41``); with the time it makes the key."""
    now = utcnow()
    with services.db.session() as session:
        deliveries.schedule(session, key=f"notice:{about}:{user_id}:{int(now.timestamp() * 1000)}",
                            team_id=team_id, user_id=user_id, kind=NOTICE, due_at=now, now=now,
                            payload=notice_payload(message, thread_ts=thread_ts, broadcast=broadcast))
    services.kick_dispatcher()
