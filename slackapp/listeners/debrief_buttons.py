"""A peer's prompt and reminder buttons (answer, not now, decline), and "No thanks" on the learner's cards."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.clock import utcnow
from slackapp.db.models import Debrief
from slackapp.domain import debriefs as domain
from slackapp.domain import deliveries
from slackapp.domain.errors import NotFound
from slackapp.listeners.debrief_card_updates import (
    GONE,
    OFFER,
    REFLECT,
    _kind,
    _update,
    _update_cards,
    _value,
    _with_clicked,
    _zone,
)
from slackapp.services import Services
from slackapp.views.debrief_cards import answer_modal, declined_card, not_now_card
from slackapp.views.debrief_offer import offer_declined_card
from slackapp.views.debrief_summary import reflect_done_card, reflection_modal
from slackapp.views.deliveries import RenderContext

# -- a peer's prompt and reminder ------------------------------------------------------------------


def _prompt_payload(session: Session, debrief_id: int, peer_id: str) -> dict[str, Any]:
    prompt = deliveries.by_key(session, domain.prompt_key(debrief_id, peer_id))
    if prompt is None:
        raise NotFound(GONE)
    return dict(prompt.payload)


def debrief_answer(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                   services: Services) -> None:
    key = _value(action)
    with services.db.session() as session:
        if _kind(key) == REFLECT:
            debrief, card = domain.own_reflect_card(session, key=key, team_id=context.team_id,
                                                    user_id=context.user_id)
            domain.ensure_reflection_open(session, debrief_id=debrief.id)
            view = reflection_modal(key=key, payload=dict(card.payload))
        else:
            debrief_id, peer_id = domain.own_peer_key(session, key=key, team_id=context.team_id,
                                                      user_id=context.user_id)
            domain.ensure_open_for_peer(session, debrief_id=debrief_id, peer_id=peer_id)
            payload = _prompt_payload(session, debrief_id, peer_id)
            questions = payload.get("questions") or domain.question_snapshot(None)
            view = answer_modal(key=key, payload=payload, questions=questions)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def debrief_not_now(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                    services: Services) -> None:
    key = _value(action)
    with services.db.session() as session:
        debrief_id, peer_id = domain.own_peer_key(session, key=key, team_id=context.team_id,
                                                  user_id=context.user_id)
        reminder_at = domain.not_now(session, debrief_id=debrief_id, peer_id=peer_id, now=utcnow())
        prompt = domain.prompt_key(debrief_id, peer_id)
        ctx = RenderContext(content=services.content, tz=_zone(session, context.team_id, peer_id), now=utcnow(),
                            delivery_key=prompt)
        message = not_now_card(_prompt_payload(session, debrief_id, peer_id), ctx, reminder_at=reminder_at)
        cards = [c for c in domain.peer_cards(session, debrief_id=debrief_id, peer_id=peer_id) if c.key == prompt]
    _update_cards(client, _with_clicked(cards, body, prompt)[:1], message)


def debrief_decline(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                    services: Services) -> None:
    key = _value(action)
    kind = _kind(key)
    if kind == OFFER:
        _decline_offer(key, context, client, services)
    elif kind == REFLECT:
        _skip_reflection(key, context, client, services)
    else:
        _decline_as_peer(body, key, context, client, services)


def _decline_offer(key: str, context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        offer = domain.own_offer(session, key=key, team_id=context.team_id, user_id=context.user_id)
        domain.decline_offer(session, offer=offer, now=utcnow())
        channel, ts = offer.channel_id, offer.ts
    if channel and ts:
        _update(client, channel, ts, key, offer_declined_card())


def _skip_reflection(key: str, context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        _debrief, card = domain.own_reflect_card(session, key=key, team_id=context.team_id,
                                                 user_id=context.user_id)
        domain.skip_reflection(session, card=card, now=utcnow())
        channel, ts = card.channel_id, card.ts
    if channel and ts:
        _update(client, channel, ts, key, reflect_done_card("skipped"))


def _decline_as_peer(body: dict[str, Any], key: str, context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        debrief_id, peer_id = domain.own_peer_key(session, key=key, team_id=context.team_id,
                                                  user_id=context.user_id)
        closed = domain.decline(session, debrief_id=debrief_id, peer_id=peer_id, vault=services.vault, now=utcnow())
        learner = session.get_one(Debrief, debrief_id).learner_id
        cards = domain.peer_cards(session, debrief_id=debrief_id, peer_id=peer_id)
    if closed is not None:
        services.kick_dispatcher()
    _update_cards(client, _with_clicked(cards, body, key), declined_card(learner))

