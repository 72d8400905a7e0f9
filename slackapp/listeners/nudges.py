"""Buttons on prep nudges and reflection prompts, and the reflection modal's submission.

Every handler finds its delivery (button value = delivery key; the snooze select is found from the
message it sits on), checks it belongs to the clicker, marks it interacted with, lets the domain
act, then updates the card in place. A used card answers a second click with "That's already done."
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Delivery
from slackapp.domain import debriefs, deliveries, explain, people, reflections, series, snooze
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from slackapp.listeners.lazy import after_ack, background
from slackapp.services import Services
from slackapp.views import nudges as views
from slackapp.views.blocks import Message
from slackapp.views.deliveries import RenderContext

# Cards whose snooze menu (and "why") this module answers: calendar nudges and task reminders.
NUDGE_KINDS = ("prep", "reflect", "assignment_reminder", "review_reminder", "debrief_reminder")
GONE = "I couldn't find that reminder any more — it may have been removed."


@dataclass(frozen=True, slots=True)
class Card:
    """Where a delivered nudge sits in Slack, and what to replace it with."""

    key: str
    channel: str
    ts: str
    message: Message


def _find_delivery(session: Session, body: dict[str, Any], key: str) -> Delivery | None:
    if key:
        return deliveries.by_key(session, key)
    message = body.get("message") or {}
    meta_key = ((message.get("metadata") or {}).get("event_payload") or {}).get("delivery_key")
    if meta_key:
        return deliveries.by_key(session, str(meta_key))
    container = body.get("container") or {}
    if container.get("channel_id") and container.get("message_ts"):
        return session.scalar(select(Delivery).where(Delivery.channel_id == container["channel_id"],
                                                     Delivery.ts == container["message_ts"]))
    return None


def _own_delivery(session: Session, body: dict[str, Any], context: Any, key: str = "") -> Delivery:
    delivery = _find_delivery(session, body, key)
    if delivery is None or delivery.kind not in NUDGE_KINDS:
        raise NotFound(GONE)
    if delivery.team_id != context.team_id or delivery.user_id != context.user_id:
        raise PermissionDenied("That button belongs to someone else's reminder.")
    snooze.mark_interacted(delivery, now=utcnow())
    return delivery


def _zone(session: Session, delivery: Delivery) -> ZoneInfo:
    person = people.find_person(session, team_id=delivery.team_id, user_id=delivery.user_id)
    return people.zone_of(person) if person is not None else ZoneInfo("UTC")


def _ctx(session: Session, services: Services, delivery: Delivery) -> RenderContext:
    return RenderContext(content=services.content, tz=_zone(session, delivery), now=utcnow(),
                         delivery_key=delivery.key)


def _card(delivery: Delivery, body: dict[str, Any], message: Message) -> Card:
    container = body.get("container") or {}
    channel = delivery.channel_id or container.get("channel_id") or ""
    ts = delivery.ts or container.get("message_ts") or ""
    return Card(key=delivery.key, channel=str(channel), ts=str(ts), message=message)


def _update(client: WebClient, card: Card) -> None:
    metadata = {"event_type": ids.DELIVERY_EVENT_TYPE, "event_payload": {"delivery_key": card.key}}
    client.chat_update(channel=card.channel, ts=card.ts, metadata=metadata, **card.message.to_kwargs())


def _key(action: dict[str, Any]) -> str:
    return views.parse_button_value(action.get("value"))[1]


# -- prep nudge ------------------------------------------------------------------------------------


def open_guide(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
               services: Services) -> None:
    with services.db.session() as session:
        delivery = _own_delivery(session, body, context, _key(action))
        guide = views.lookup(services.content, "guide", delivery.payload.get("guide_id"))
    if guide is None:
        raise NotFound("That guide isn't available any more — the coaching content changed since this was sent.")
    client.views_open(trigger_id=body["trigger_id"], view=views.guide_modal(guide))


def not_helpful(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                services: Services) -> None:
    with services.db.session() as session:
        delivery = _own_delivery(session, body, context, _key(action))
        snooze.not_helpful(session, delivery=delivery, now=utcnow())
        card = _card(delivery, body, views.prep_not_helpful_card(delivery.payload, _ctx(session, services, delivery)))
    _update(client, card)


def snooze_nudge(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                 services: Services) -> None:
    try:
        minutes = int((action.get("selected_option") or {}).get("value") or "")
    except ValueError:
        raise InvalidInput("Pick one of the snooze times on the message.") from None
    with services.db.session() as session:
        delivery = _own_delivery(session, body, context)
        follow_up = snooze.snooze(session, delivery=delivery, minutes=minutes, now=utcnow())
        message = views.snoozed_card(delivery.kind, delivery.payload, _ctx(session, services, delivery),
                                     until=follow_up.due_at)
        card = _card(delivery, body, message)
    _update(client, card)


def mute_series(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                services: Services) -> None:
    verb, key = views.parse_button_value(action.get("value"))
    with services.db.session() as session:
        delivery = _own_delivery(session, body, context, key)
        event_uid = str(delivery.payload.get("event_uid") or "")
        if not event_uid:
            raise NotFound("This reminder isn't linked to a meeting series.")
        who = {"team_id": delivery.team_id, "user_id": delivery.user_id, "event_uid": event_uid}
        if verb == views.UNDO:
            series.unmute(session, **who, now=utcnow())
            ctx = _ctx(session, services, delivery)
            message = views.RENDERERS[delivery.kind](delivery.payload, ctx)
        else:
            snooze.ensure_open(session, delivery)
            series.mute(session, **who, now=utcnow())
            message = views.muted_card(delivery.key)
        card = _card(delivery, body, message)
    _update(client, card)


# -- reflection prompt -----------------------------------------------------------------------------


def open_reflection(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                    services: Services) -> None:
    with services.db.session() as session:
        delivery = _own_delivery(session, body, context, _key(action))
        if snooze.answer_of(session, delivery) not in (None, "muted"):  # an old prompt of a muted series still works
            raise AlreadyDone(snooze.ALREADY_DONE)
        payload = dict(delivery.payload)
        question_set = views.lookup(services.content, "question_set", payload.get("question_set_id"))
        view = views.reflection_modal(question_set, delivery_key=delivery.key, payload=payload,
                                      occurrence_id=payload.get("occurrence_id"), moment_id=payload.get("moment_id"))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def skip_reflection(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                    services: Services) -> None:
    with services.db.session() as session:
        delivery = _own_delivery(session, body, context, _key(action))
        snooze.ensure_open(session, delivery)
        reflections.skip_prompt(session, delivery=delivery, now=utcnow())
        card = _card(delivery, body, views.skipped_card(delivery.payload))
    _update(client, card)


def why_this(body: dict[str, Any], action: dict[str, Any], context: Any, respond: Any, services: Services) -> None:
    with services.db.session() as session:
        delivery = _own_delivery(session, body, context, _key(action))
        lines = explain.explain_delivery(session, delivery=delivery, tz=_zone(session, delivery),
                                         content=services.content)
        message = views.why_message(delivery.kind, lines)
    respond(response_type="ephemeral", replace_original=False, **message.to_kwargs())


# -- the reflection modal --------------------------------------------------------------------------


def _ack_reflection(services: Services) -> Any:
    """Runs in the request thread: refuse an empty (or already saved) reflection with a field error."""

    def ack_reflection(ack: Ack, view: dict[str, Any]) -> None:
        block = views.first_question_block(view)
        if not any(answer.strip() for answer in views.reflection_answers(view).values()):
            ack(response_action="errors", errors={block: reflections.EMPTY_REFLECTION})
            return
        key = str(views.reflection_metadata(view).get("delivery_key") or "")
        with services.db.session() as session:
            saved = bool(key) and reflections.find_by_prompt(session, snooze.root_key(key)) is not None
        if saved:
            ack(response_action="errors", errors={block: reflections.ALREADY_SAVED})
            return
        ack()

    return ack_reflection


def _occurrence(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _save(view: dict[str, Any], context: Any, services: Services) -> Card:
    metadata = views.reflection_metadata(view)
    shared = views.reflection_shared(view)
    with services.db.session() as session:
        delivery = deliveries.by_key(session, str(metadata.get("delivery_key") or ""))
        if delivery is None or delivery.kind != "reflect":
            raise NotFound(GONE)
        if delivery.team_id != context.team_id or delivery.user_id != context.user_id:
            raise PermissionDenied("That reflection prompt belongs to someone else.")
        now = utcnow()
        snooze.mark_interacted(delivery, now=now)
        reflections.save_reflection(
            session, team_id=delivery.team_id, user_id=delivery.user_id, prompt_key=snooze.root_key(delivery.key),
            occurrence_id=_occurrence(metadata.get("occurrence_id")), moment_id=metadata.get("moment_id"),
            answers=views.reflection_answers(view), shared_with_manager=shared, vault=services.vault, now=now)
        debriefs.offer_after_moment(session, delivery=delivery, content=services.content, now=now)
        return Card(key=delivery.key, channel=delivery.channel_id or "", ts=delivery.ts or "",
                    message=views.saved_card(delivery.payload, shared=shared))


def save_submission(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    """The lazy half of the submission (Bolt runs it even when the ack refused): store the reflection,
    then turn the prompt card into "Saved privately. ✔"."""
    if not any(answer.strip() for answer in views.reflection_answers(view).values()):
        return  # the ack already showed the error in the modal
    try:
        card = _save(view, context, services)
    except AlreadyDone:
        return  # refused in the ack, or a double submit racing past it: the card already says it's saved
    if card.channel and card.ts:
        _update(client, card)
    services.kick_dispatcher()  # a peer-debrief offer may be due now


HANDLERS = (
    (ids.PREP_OPEN_GUIDE, open_guide),
    (ids.PREP_NOT_HELPFUL, not_helpful),
    (ids.NUDGE_SNOOZE, snooze_nudge),
    (ids.MUTE_SERIES, mute_series),
    (ids.REFLECT_OPEN, open_reflection),
    (ids.REFLECT_SKIP, skip_reflection),
    (ids.WHY_THIS, why_this),
)


def register(app: App, services: Services) -> None:
    for action_id, handler in HANDLERS:
        app.action(action_id)(background(handler, services))
    app.view(ids.REFLECTION_MODAL)(ack=_ack_reflection(services), lazy=[after_ack(save_submission, services)])

