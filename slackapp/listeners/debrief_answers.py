"""The answer modal submitted: a peer's answers, or the learner's reflection."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from slackapp.clock import utcnow
from slackapp.db.models import Debrief
from slackapp.domain import debriefs as domain
from slackapp.domain import deliveries, reflections
from slackapp.domain.errors import FlowcoachError, NotFound
from slackapp.listeners.debrief_card_updates import ACCEPTED, GONE, PROMPT, REFLECT, REMINDER, _kind, _update_cards
from slackapp.services import Services
from slackapp.views.debrief_cards import answered_card, answers_of, first_answer_block
from slackapp.views.debrief_summary import reflect_done_card
from slackapp.views.debrief_text import metadata_key

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
        key, block = metadata_key(view), first_answer_block(view)
        answers = answers_of(view)
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
    key = metadata_key(view)
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
            message, closed = reflect_done_card("saved"), False
        else:
            parsed = domain.parse_peer_key(key)
            if parsed is None or parsed[1] != context.user_id:
                return
            debrief = session.get(Debrief, parsed[0])
            if debrief is None or domain.peer_row(session, debrief_id=debrief.id,
                                                  peer_id=parsed[1]).state != domain.ANSWERED:
                return
            cards = domain.peer_cards(session, debrief_id=debrief.id, peer_id=parsed[1])
            message, closed = answered_card(debrief.learner_id), debrief.state == domain.CLOSED
    if closed:
        services.kick_dispatcher()
    _update_cards(client, cards, message)

