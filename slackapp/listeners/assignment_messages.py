"""Sending the micro-assignment messages: the learner's card re-rendered in place (and its old reminders
stripped of their buttons), replies in the card's thread, direct messages."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.db.models import Assignment
from slackapp.domain import assignments as domain
from slackapp.domain import deliveries
from slackapp.listeners.assignment_lookups import _zone
from slackapp.services import Services
from slackapp.views import assignments as views
from slackapp.views.blocks import Message

logger = logging.getLogger("slackapp.listeners.assignments")  # the feature's log name, as before the split


def _post(client: WebClient, channel: str, message: Message, **extra: Any) -> bool:
    try:
        client.chat_postMessage(channel=channel, unfurl_links=False, **message.to_kwargs(), **extra)
        return True
    except SlackApiError as error:
        logger.warning("could not post an assignment message: %s", error.response.get("error"))
        return False


def _card_fallback(body: Mapping[str, Any], assignment_id: int) -> tuple[str, str] | None:
    """The clicked message, if it is this assignment's card (used when the card's ts is not stored)."""
    message = body.get("message") or {}
    key = ((message.get("metadata") or {}).get("event_payload") or {}).get("delivery_key")
    container = body.get("container") or {}
    if key == domain.offer_key(assignment_id) and container.get("channel_id") and container.get("message_ts"):
        return str(container["channel_id"]), str(container["message_ts"])
    return None


def refresh_learner_card(client: WebClient, services: Services, assignment_id: int,
                         fallback: tuple[str, str] | None = None) -> bool:
    """Re-render the learner's card for the assignment's current state, in place (``chat.update``).

    For the reviews work too: call it after a review transition (changes requested → the card shows
    "Submit again"; reviewed → no buttons). Returns False when there is no card to update (not sent
    yet, or Slack refused: logged)."""
    with services.db.session() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            return False
        payload = domain.offer_payload(session, assignment)
        status = domain.card_status(session, assignment)
        tz = _zone(session, assignment.team_id, assignment.learner_id)
        where = (assignment.card_channel, assignment.card_ts)
        reminders = _sent_reminders(session, assignment) if status.state not in REMINDED_STATES else []
    for key, channel_id, reminder_ts, reminder_payload in reminders:  # no Submit button left on old reminders
        _update(client, channel_id, reminder_ts, key, views.reminder_done(reminder_payload, status.state))
    channel, ts = where if where[0] and where[1] else (fallback or (None, None))
    if not payload or not channel or not ts:
        return False
    return _update(client, channel, ts, domain.offer_key(assignment_id), views.learner_card(payload, status, tz))


REMINDED_STATES = ("offered", "accepted")


def _sent_reminders(session: Session, assignment: Assignment) -> list[tuple[str, str, str, dict[str, Any]]]:
    found = []
    for number in (1, 2):
        delivery = deliveries.by_key(session, domain.reminder_key(assignment.id, number))
        if delivery is not None and delivery.state == "sent" and delivery.channel_id and delivery.ts:
            found.append((delivery.key, delivery.channel_id, delivery.ts, dict(delivery.payload)))
    return found


def _update(client: WebClient, channel: str, ts: str, key: str, message: Message) -> bool:
    metadata = {"event_type": ids.DELIVERY_EVENT_TYPE, "event_payload": {"delivery_key": key}}
    try:
        client.chat_update(channel=channel, ts=ts, metadata=metadata, **message.to_kwargs())
        return True
    except SlackApiError as error:
        logger.warning("could not update an assignment message: %s", error.response.get("error"))
        return False


def _post_in_thread(client: WebClient, assignment: Assignment, message: Message, *, broadcast: bool = False) -> bool:
    """A reply in the card's thread (the learner's DM), or a plain DM when the card isn't known."""
    if assignment.card_channel and assignment.card_ts:
        extra: dict[str, Any] = {"thread_ts": assignment.card_ts}
        if broadcast:
            extra["reply_broadcast"] = True
        return _post(client, assignment.card_channel, message, **extra)
    return _post(client, assignment.learner_id, message)
