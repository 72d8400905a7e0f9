"""The peer-debrief offer: "Get peer input" opens the start modal; the modal starts the debrief."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.domain import debriefs as domain
from slackapp.domain import deliveries
from slackapp.domain.errors import FlowcoachError, InvalidInput, NotFound
from slackapp.listeners.debrief_card_updates import ACCEPTED, GONE, OFFER, _kind, _question_set, _update, _value, _zone
from slackapp.services import Services
from slackapp.views.debrief_offer import offer_started_card, start_choice, start_modal
from slackapp.views.debrief_text import metadata_key

MISSING_USER_ERRORS = frozenset({"user_not_found", "users_not_found", "user_not_visible"})


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
        view = start_modal(offer_key=key, payload=dict(offer.payload),
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
    picked, suggest = start_choice(view)
    picked = list(dict.fromkeys(picked))
    if picked or not suggest:
        domain.check_peer_choice(picked, learner_id=context.user_id)
    _refuse_unaskable(client, picked)
    now = utcnow()
    with services.db.session() as session:
        offer = domain.own_offer(session, key=metadata_key(view), team_id=context.team_id,
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
    key = metadata_key(view)
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
        message = offer_started_card(offer.payload, peer_ids=peers, deadline=debrief.deadline_at,
                                           tz=_zone(session, offer.team_id, offer.user_id), now=utcnow())
        channel, ts = offer.channel_id, offer.ts
    services.kick_dispatcher()
    if channel and ts:
        _update(client, channel, ts, key, message)

