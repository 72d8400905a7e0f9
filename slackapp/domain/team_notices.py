"""Team links in the outbox: the invitation card (``team_invite``) and the change notices (``team_update``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from slackapp.db.models import Delivery, TeamLink
from slackapp.domain import deliveries

INVITE_KIND = "team_invite"  # payload: link_id, manager_id (+ current_manager_id if accepting replaces one)
UPDATE_KIND = "team_update"  # payload: event, manager_id, report_id (+ new_manager_id for "replaced")
# team_update events, each addressed to one person:
#   accepted / declined → the manager; left → the manager (the report ended the link);
#   removed → the report (the manager ended the link); replaced → the previous manager;
#   imported → the report (an admin's CSV import made the link).
UPDATE_EVENTS = ("accepted", "declined", "left", "removed", "replaced", "imported")


def invite_key_prefix(team_id: str, link_id: int) -> str:
    return f"team-invite:{team_id}:{link_id}"


def _next_invite_key(session: Session, link: TeamLink) -> str:
    """The first invitation is ``team-invite:{team}:{link}``; a re-invitation after a decline gets
    ``…:2``, ``…:3`` (the outbox never re-sends a finished key)."""
    prefix = invite_key_prefix(link.team_id, link.id)
    earlier = len(_invite_deliveries(session, link))
    return prefix if not earlier else f"{prefix}:{earlier + 1}"


def _invite_deliveries(session: Session, link: TeamLink) -> list[Delivery]:
    prefix = invite_key_prefix(link.team_id, link.id)
    return list(session.scalars(select(Delivery).where(
        or_(Delivery.key == prefix, Delivery.key.like(f"{prefix}:%"))).order_by(Delivery.id)))


def _cancel_invites(session: Session, link: TeamLink, *, reason: str, now: datetime) -> None:
    """A pending invitation that is no longer needed is not sent; a sent one counts as answered
    (never as an ignored message)."""
    for delivery in _invite_deliveries(session, link):
        if delivery.state == "scheduled":
            deliveries.cancel(session, key=delivery.key, reason=reason, now=now)
        elif delivery.state == "sent" and delivery.interacted_at is None:
            delivery.interacted_at = now


def notify(session: Session, *, team_id: str, recipient_id: str, event: str, link: TeamLink, now: datetime,
           **extra: str) -> Delivery:
    """Tell one person about a change through the outbox (kind ``team_update``)."""
    if event not in UPDATE_EVENTS:
        raise ValueError(f"unknown team_update event {event!r}")
    payload = {"event": event, "link_id": link.id, "manager_id": link.manager_id, "report_id": link.report_id,
               **extra}
    key = f"team-update:{team_id}:{link.id}:{event}:{recipient_id}:{int(now.timestamp() * 1000)}"
    return deliveries.schedule(session, key=key, team_id=team_id, user_id=recipient_id, kind=UPDATE_KIND,
                               due_at=now, now=now, payload=payload)


def remember_invite_card(session: Session, delivery: Delivery) -> None:
    """Once the invitation is posted, keep where it is so Accept/Decline/withdraw can update it in place."""
    link_id = (delivery.payload or {}).get("link_id")
    link = session.get(TeamLink, int(link_id)) if link_id is not None else None
    if link is None or link.team_id != delivery.team_id or link.report_id != delivery.user_id:
        return
    link.card_channel, link.card_ts = delivery.channel_id, delivery.ts
    if delivery.sent_at is not None:
        link.updated_at = delivery.sent_at

