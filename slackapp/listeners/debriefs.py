"""Buttons and modals of peer debriefs (docs/debriefs.md).

Every button carries the key of the delivery it sits on, and the key says which card it is:
``debrief-offer:…`` (the learner's offer), ``debrief-prompt:…`` / ``debrief-reminder:…`` (a peer's
cards), ``debrief-reflect:…`` (the learner's reflection prompt). So one action id serves each verb:

=================  ==========================  =========================  =======================
action             offer                       prompt / reminder          reflection prompt
=================  ==========================  =========================  =======================
DEBRIEF_START      open the start modal        —                          —
DEBRIEF_ANSWER     —                           open the answer modal      open the reflection modal
DEBRIEF_NOT_NOW    —                           "I'll remind you once"     —
DEBRIEF_DECLINE    "No thanks"                 decline                    "No thanks"
=================  ==========================  =========================  =======================

The two modals decide in their ack (request thread), so a refusal shows beside the field: the
start modal checks the choice (and asks Slack whether the people are bots or deactivated) and starts
the debrief, the answer modal stores the encrypted answers. Only after an accepted submission does
the lazy half update the cards in place (from what the database says) and kick the dispatcher so
the prompts or the summary go out at once.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Debrief
from slackapp.domain import debriefs as domain
from slackapp.domain import deliveries, people, reflections
from slackapp.domain.errors import FlowcoachError, InvalidInput, NotFound
from slackapp.listeners.lazy import ack_only, after_ack
from slackapp.services import Services
from slackapp.views import debriefs as views
from slackapp.views.blocks import Message
from slackapp.views.deliveries import RenderContext

logger = logging.getLogger(__name__)
OFFER, PROMPT, REMINDER, REFLECT = "debrief-offer", "debrief-prompt", "debrief-reminder", "debrief-reflect"
GONE = "I couldn't find that debrief any more."
MISSING_USER_ERRORS = frozenset({"user_not_found", "users_not_found", "user_not_visible"})
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


# -- the offer -------------------------------------------------------------------------------------


def debrief_start(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                  services: Services) -> None:
    key = _value(action)
    if _kind(key) != OFFER:
        raise NotFound(GONE)
    with services.db.session() as session:
        offer = domain.own_offer(session, key=key, team_id=context.team_id, user_id=context.user_id)
        domain.ensure_offer_open(session, offer)
        domain.mark_interacted(offer, now=utcnow())
        question_set = _question_set(services.content, offer.payload.get("question_set_id"))
        view = views.start_modal(offer_key=key, payload=dict(offer.payload),
                                 questions=domain.question_snapshot(question_set))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _refuse_unaskable(client: WebClient, user_ids: list[str]) -> None:
    """Bots and deactivated accounts can't answer; Slack knows, Flowcoach may not yet."""
    for user_id in user_ids:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") in MISSING_USER_ERRORS:
                raise InvalidInput("I couldn't find one of the people you picked in this workspace.") from None
            raise
        profile = user.get("profile") or {}
        name = str(user.get("real_name") or profile.get("real_name") or user.get("name") or "That person")
        if user.get("is_bot") or user_id == "USLACKBOT":
            raise InvalidInput(f"{name} is a bot — pick a colleague.")
        if user.get("deleted"):
            raise InvalidInput(f"{name}'s Slack account is deactivated — pick someone else.")


def _start(services: Services, client: WebClient, context: Any, view: dict[str, Any]) -> None:
    picked, suggest = views.start_choice(view)
    picked = list(dict.fromkeys(picked))
    if picked or not suggest:
        domain.check_peer_choice(picked, learner_id=context.user_id)
    _refuse_unaskable(client, picked)
    now = utcnow()
    with services.db.session() as session:
        offer = domain.own_offer(session, key=views.metadata_key(view), team_id=context.team_id,
                                 user_id=context.user_id)
        domain.ensure_offer_open(session, offer)
        suggested: list[str] = []
        if suggest and len(picked) < domain.MAX_PEERS:
            suggested = domain.suggest_peers(session, team_id=offer.team_id, learner_id=offer.user_id,
                                             competency_id=offer.payload.get("competency_id"), now=now,
                                             limit=domain.MAX_PEERS - len(picked), exclude=picked)
            if not suggested and not picked:
                raise InvalidInput(domain.NO_SUGGESTIONS)
        question_set = _question_set(services.content, offer.payload.get("question_set_id"))
        domain.start_from_offer(session, offer=offer, question_set=question_set, peer_ids=[*picked, *suggested],
                                suggested=suggested, now=now)


def _ack_start(services: Services) -> Any:
    def ack_start(ack: Ack, view: dict[str, Any], context: Any, client: WebClient) -> None:
        try:
            _start(services, client, context, view)
        except FlowcoachError as error:
            ack(response_action="errors", errors={ids.DEBRIEF_PEERS_BLOCK: error.user_message})
            return
        context[ACCEPTED] = True
        ack()

    return ack_start


def after_debrief_start(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    """The offer card says whom the learner asked and by when; the prompts go out now."""
    key = views.metadata_key(view)
    if not context.get(ACCEPTED):
        return  # the ack refused the choice; the modal shows why
    with services.db.session() as session:
        offer = deliveries.by_key(session, key)
        if offer is None or offer.user_id != context.user_id:
            return
        debrief = domain.debrief_for_offer(session, offer)
        if debrief is None:
            return
        peers = [p.peer_id for p in domain.peers_of(session, debrief.id)]
        message = views.offer_started_card(offer.payload, peer_ids=peers, deadline=debrief.deadline_at,
                                           tz=_zone(session, offer.team_id, offer.user_id), now=utcnow())
        channel, ts = offer.channel_id, offer.ts
    services.kick_dispatcher()
    if channel and ts:
        _update(client, channel, ts, key, message)


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
            view = views.reflection_modal(key=key, payload=dict(card.payload))
        else:
            debrief_id, peer_id = domain.own_peer_key(session, key=key, team_id=context.team_id,
                                                      user_id=context.user_id)
            domain.ensure_open_for_peer(session, debrief_id=debrief_id, peer_id=peer_id)
            payload = _prompt_payload(session, debrief_id, peer_id)
            questions = payload.get("questions") or domain.question_snapshot(None)
            view = views.answer_modal(key=key, payload=payload, questions=questions)
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
        message = views.not_now_card(_prompt_payload(session, debrief_id, peer_id), ctx, reminder_at=reminder_at)
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
        _update(client, channel, ts, key, views.offer_declined_card())


def _skip_reflection(key: str, context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        _debrief, card = domain.own_reflect_card(session, key=key, team_id=context.team_id,
                                                 user_id=context.user_id)
        domain.skip_reflection(session, card=card, now=utcnow())
        channel, ts = card.channel_id, card.ts
    if channel and ts:
        _update(client, channel, ts, key, views.reflect_done_card("skipped"))


def _decline_as_peer(body: dict[str, Any], key: str, context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        debrief_id, peer_id = domain.own_peer_key(session, key=key, team_id=context.team_id,
                                                  user_id=context.user_id)
        closed = domain.decline(session, debrief_id=debrief_id, peer_id=peer_id, vault=services.vault, now=utcnow())
        learner = session.get_one(Debrief, debrief_id).learner_id
        cards = domain.peer_cards(session, debrief_id=debrief_id, peer_id=peer_id)
    if closed is not None:
        services.kick_dispatcher()
    _update_cards(client, _with_clicked(cards, body, key), views.declined_card(learner))


# -- the answer modal (a peer's answers, or the learner's reflection) ------------------------------


def _submit(services: Services, context: Any, key: str, answers: dict[str, str]) -> None:
    now = utcnow()
    with services.db.session() as session:
        if _kind(key) == REFLECT:
            debrief, _card = domain.own_reflect_card(session, key=key, team_id=context.team_id,
                                                     user_id=context.user_id)
            domain.save_reflection(session, debrief_id=debrief.id, user_id=context.user_id, answers=answers,
                                   vault=services.vault, now=now)
        elif _kind(key) in (PROMPT, REMINDER):
            debrief_id, peer_id = domain.own_peer_key(session, key=key, team_id=context.team_id,
                                                      user_id=context.user_id)
            domain.submit_answers(session, debrief_id=debrief_id, peer_id=peer_id, answers=answers,
                                  vault=services.vault, now=now)
        else:
            raise NotFound(GONE)


def _ack_answer(services: Services) -> Any:
    def ack_answer(ack: Ack, view: dict[str, Any], context: Any) -> None:
        key, block = views.metadata_key(view), views.first_answer_block(view)
        answers = views.answers_of(view)
        if not any(text.strip() for text in answers.values()):
            empty = reflections.EMPTY_REFLECTION if _kind(key) == REFLECT else domain.EMPTY_ANSWERS
            ack(response_action="errors", errors={block: empty})
            return
        try:
            _submit(services, context, key, answers)
        except FlowcoachError as error:
            ack(response_action="errors", errors={block: error.user_message})
            return
        context[ACCEPTED] = True
        ack()

    return ack_answer


def after_debrief_answer(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    """Cards follow the stored state: "Thanks — your answers went to …" or "Saved privately. ✔"."""
    key = views.metadata_key(view)
    if not context.get(ACCEPTED):
        return  # refused in the ack (empty, a second submit, closed): the modal said why
    with services.db.session() as session:
        if _kind(key) == REFLECT:
            debrief_id = domain.parse_summary_key(key)
            card = deliveries.by_key(session, key)
            if debrief_id is None or card is None or card.user_id != context.user_id:
                return
            if domain.reflection_state(session, debrief_id=debrief_id) != "saved":
                return
            cards = [domain.PeerCard(key, card.channel_id, card.ts)] if card.channel_id and card.ts else []
            message, closed = views.reflect_done_card("saved"), False
        else:
            parsed = domain.parse_peer_key(key)
            if parsed is None or parsed[1] != context.user_id:
                return
            debrief = session.get(Debrief, parsed[0])
            if debrief is None or domain.peer_row(session, debrief_id=debrief.id,
                                                  peer_id=parsed[1]).state != domain.ANSWERED:
                return
            cards = domain.peer_cards(session, debrief_id=debrief.id, peer_id=parsed[1])
            message, closed = views.answered_card(debrief.learner_id), debrief.state == domain.CLOSED
    if closed:
        services.kick_dispatcher()
    _update_cards(client, cards, message)


HANDLERS = (
    (ids.DEBRIEF_START, debrief_start),
    (ids.DEBRIEF_ANSWER, debrief_answer),
    (ids.DEBRIEF_NOT_NOW, debrief_not_now),
    (ids.DEBRIEF_DECLINE, debrief_decline),
)


def register(app: App, services: Services) -> None:
    for action_id, handler in HANDLERS:
        app.action(action_id)(ack=ack_only, lazy=[after_ack(handler, services)])
    app.view(ids.DEBRIEF_MODAL)(ack=_ack_start(services), lazy=[after_ack(after_debrief_start, services)])
    app.view(ids.DEBRIEF_ANSWER_MODAL)(ack=_ack_answer(services), lazy=[after_ack(after_debrief_answer, services)])
