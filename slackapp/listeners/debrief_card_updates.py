"""What the peer-debrief listeners share: the card kinds a key names, lookups, and cards updated in place."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.domain import debriefs as domain
from slackapp.domain import people
from slackapp.views.blocks import Message

logger = logging.getLogger("slackapp.listeners.debriefs")
OFFER, PROMPT, REMINDER, REFLECT = "debrief-offer", "debrief-prompt", "debrief-reminder", "debrief-reflect"
GONE = "I couldn't find that debrief any more."
# Set on the Bolt context by a modal's ack when it accepted the submission; Bolt copies custom context
# values into the lazy request, so the lazy half updates cards only after a submission that did something.
ACCEPTED = "fc_debrief_accepted"


def _kind(key: str) -> str:
    return key.partition(":")[0]


def _value(action: dict[str, Any]) -> str:
    return str(action.get("value") or "")


def _zone(session: Session, team_id: str, user_id: str) -> ZoneInfo:
    person = people.find_person(session, team_id=team_id, user_id=user_id)
    return people.zone_of(person) if person is not None else ZoneInfo("UTC")


def _question_set(content: Any, question_set_id: Any) -> Any | None:
    try:
        return content.question_set(str(question_set_id)) if question_set_id else None
    except (LookupError, ValueError, AttributeError):
        return None  # not in the library (yet, or any more): generic questions


def _update(client: WebClient, channel: str, ts: str, key: str, message: Message) -> None:
    metadata = {"event_type": ids.DELIVERY_EVENT_TYPE, "event_payload": {"delivery_key": key}}
    client.chat_update(channel=channel, ts=ts, metadata=metadata, **message.to_kwargs())


def _update_cards(client: WebClient, cards: list[domain.PeerCard], message: Message) -> None:
    for card in cards:
        try:
            _update(client, card.channel, card.ts, card.key, message)
        except SlackApiError as error:  # a deleted message or a closed DM: the state is stored anyway
            logger.warning("could not update debrief card %s: %s", card.key, error.response.get("error"))


def _with_clicked(cards: list[domain.PeerCard], body: dict[str, Any], key: str) -> list[domain.PeerCard]:
    """The peer's known cards plus the message that was clicked, if it is not one of them."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if channel and ts and not any(c.channel == channel and c.ts == ts for c in cards):
        return [*cards, domain.PeerCard(key, str(channel), str(ts))]
    return cards

