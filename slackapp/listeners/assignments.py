"""Micro-assignments in Slack: `/coach assign`, `/coach practice`, `/coach assignments`, the message
shortcut "Turn into a micro-assignment", the learner's card buttons and every modal around them.

Modals validate in their ack (errors beside the fields, using the domain's ``check_*`` functions);
the change itself, the card update (``chat.update`` on the assignment's ``card_channel``/``card_ts``)
and the messages it causes run after the ack. A click on a used button refreshes the card and
answers "That's already done — …" (ephemeral).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Assignment, Person
from slackapp.domain import assignments as domain
from slackapp.domain import deliveries, people, team
from slackapp.domain.errors import AlreadyDone, FlowcoachError, InvalidInput, PermissionDenied
from slackapp.listeners.lazy import after_ack, background
from slackapp.listeners.subcommands import CommandRequest, subcommand
from slackapp.services import Services
from slackapp.views import assignments as views
from slackapp.views.blocks import Message
from slackapp.views.help import notice

logger = logging.getLogger(__name__)

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
NO_TEAM = ("You don't have anyone in your team yet — invite someone with `/coach team add @person`, "
           "and assign practice once they accept.")
NO_TEMPLATES = "There are no micro-assignment templates in the content library yet — ask your Flowcoach admin."
USE_PRACTICE = "To pick practice for yourself, use `/coach practice`."


# -- shared helpers --------------------------------------------------------------------------------


def _admins(services: Services) -> frozenset[str]:
    return frozenset(services.settings.admins)


def _template(services: Services, template_id: str | None) -> Any | None:
    finder = getattr(services.content, "assignment", None)
    if not template_id or finder is None:
        return None
    try:
        return finder(template_id)
    except (KeyError, ValueError):
        return None


def _has_templates(services: Services) -> bool:
    return bool(getattr(services.content, "assignments", ()))


def _display(session: Session, team_id: str, user_id: str, fallback: str) -> str:
    person = people.find_person(session, team_id=team_id, user_id=user_id)
    return person.display_name if person is not None and person.display_name else fallback


def _zone(session: Session, team_id: str, user_id: str) -> ZoneInfo:
    person = people.find_person(session, team_id=team_id, user_id=user_id)
    return people.zone_of(person) if person is not None else ZoneInfo("UTC")


def _apply_user(person: Person, user: Mapping[str, Any], now: datetime) -> None:
    profile = user.get("profile") or {}
    people.apply_profile(person, now=now, tz=user.get("tz"), email=profile.get("email"),
                         display_name=profile.get("display_name") or user.get("real_name") or user.get("name"),
                         deleted=bool(user.get("deleted")))


def _lookup_user(client: WebClient, user_id: str) -> dict[str, Any] | None:
    try:
        return dict(client.users_info(user=user_id)["user"])
    except SlackApiError as error:
        logger.info("users.info failed for an assignment participant: %s", error.response.get("error"))
        return None


def _refresh_if_stale(client: WebClient, services: Services, team_id: str, user_id: str) -> None:
    """Learn a person's zone and name before showing times or names about them."""
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        if not people.profile_is_stale(person, now=now):
            return
    user = _lookup_user(client, user_id)
    if user is not None:
        with services.db.session() as session:
            person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
            _apply_user(person, user, now)


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


def _assignment_id(action: Mapping[str, Any]) -> str:
    return str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")


# -- opening the assign modal ----------------------------------------------------------------------


def _recommended(session: Session, services: Services, team_id: str, user_id: str) -> list[Any]:
    recommend = getattr(services.content, "recommend", None)
    if recommend is None:
        return []
    focus, done = domain.practice_history(session, team_id=team_id, user_id=user_id)
    return list(recommend(focus_competency_ids=focus, done_template_ids=done, limit=5))


def _due_hint(session: Session, services: Services, team_id: str, form: views.AssignForm) -> str:
    learner = people.find_person(session, team_id=team_id, user_id=form.learner_id) if form.learner_id else None
    template = _template(services, form.template_id)
    if form.self_practice:
        whose = "your"
    else:
        whose = f"{learner.display_name}'s" if learner is not None and learner.display_name else "their"
    if learner is None or template is None:
        return views.default_hint(whose=whose, due_at=None, timebox_hours=None, tz=None)
    return views.default_hint(whose=whose, due_at=domain.default_due(learner, template, now=utcnow()),
                              timebox_hours=template.timebox_hours, tz=people.zone_of(learner))


def _assign_view(services: Services, team_id: str, actor_id: str, form: views.AssignForm) -> Any:
    with services.db.session() as session:
        recommended = _recommended(session, services, team_id, actor_id) if form.self_practice else []
        form = replace(form, due_hint=_due_hint(session, services, team_id, form))
    return views.assign_modal(form, content=services.content, recommended=recommended)


def open_assign_modal(client: WebClient, services: Services, *, trigger_id: str, team_id: str, actor_id: str,
                      form: views.AssignForm) -> None:
    if form.learner_id:
        _refresh_if_stale(client, services, team_id, form.learner_id)
    client.views_open(trigger_id=trigger_id, view=_assign_view(services, team_id, actor_id, form))


def _may_assign_someone(session: Session, services: Services, team_id: str, actor_id: str) -> bool:
    return services.is_admin(actor_id) or bool(team.reports_of(session, team_id=team_id, manager_id=actor_id))


@subcommand("assign", "assign @person", "give someone in your team a micro-assignment (practice + review)")
def assign_command(req: CommandRequest) -> Message | None:
    learner_id: str | None = None
    if req.args:
        match = _MENTION.match(req.args.split()[0])
        if match is None:
            raise InvalidInput(f"I couldn't find a person in “{req.args[:40]}”. "
                               "Try `/coach assign @ravi`, picking them from the list as you type.")
        learner_id = match.group(1)
    if learner_id == req.user_id:
        return notice(USE_PRACTICE)
    if not _has_templates(req.services):
        return notice(NO_TEMPLATES)
    with req.services.db.session() as session:
        if learner_id is not None and not team.can_manage(session, team_id=req.team_id, actor_id=req.user_id,
                                                          learner_id=learner_id, admins=_admins(req.services)):
            return notice(domain.NOT_YOUR_REPORT)
        if learner_id is None and not _may_assign_someone(session, req.services, req.team_id, req.user_id):
            return notice(NO_TEAM)
    form = views.AssignForm(self_practice=False, learner_id=learner_id, reviewer_id=req.user_id)
    open_assign_modal(req.client, req.services, trigger_id=req.trigger_id, team_id=req.team_id,
                      actor_id=req.user_id, form=form)
    return None


@subcommand("practice", "practice", "pick a micro-assignment for yourself and someone to review it")
def practice_command(req: CommandRequest) -> Message | None:
    if not _has_templates(req.services):
        return notice(NO_TEMPLATES)
    with req.services.db.session() as session:
        manager = team.manager_of(session, team_id=req.team_id, user_id=req.user_id)
    form = views.AssignForm(self_practice=True, learner_id=req.user_id, reviewer_id=manager)
    open_assign_modal(req.client, req.services, trigger_id=req.trigger_id, team_id=req.team_id,
                      actor_id=req.user_id, form=form)
    return None


def shortcut_opened(body: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    """Message shortcut: the message's permalink becomes the context; its first lines prefill the note."""
    actor_id = context.user_id
    with services.db.session() as session:
        if not _may_assign_someone(session, services, context.team_id, actor_id):
            raise InvalidInput(NO_TEAM)
    if not _has_templates(services):
        raise InvalidInput(NO_TEMPLATES)
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    message_ts = body.get("message_ts") or message.get("ts")
    permalink = None
    if channel and message_ts:
        try:
            permalink = str(client.chat_getPermalink(channel=channel, message_ts=message_ts)["permalink"])
        except SlackApiError as error:  # e.g. a private channel the app is not in: assign without the link
            logger.info("no permalink for a message shortcut: %s", error.response.get("error"))
    form = views.AssignForm(self_practice=False, reviewer_id=actor_id, permalink=permalink,
                            note=views.prefill_note(str(message.get("text") or "")))
    open_assign_modal(client, services, trigger_id=str(body.get("trigger_id") or ""), team_id=context.team_id,
                      actor_id=actor_id, form=form)


def assign_form_changed(body: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    """A learner or template was picked: show the default due time for that pair in the hint."""
    view = body.get("view") or {}
    form = views.assign_form(view, actor_id=context.user_id)
    if form.learner_id:
        _refresh_if_stale(client, services, context.team_id, form.learner_id)
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"),
                            view=_assign_view(services, context.team_id, context.user_id, form))
    except SlackApiError as error:  # hash_conflict: the person changed something else meanwhile
        logger.info("assign modal not updated: %s", error.response.get("error"))


# -- submitting the assign modal -------------------------------------------------------------------


def _field_errors(error: FlowcoachError, blocks: Mapping[str, str], default_block: str) -> dict[str, str]:
    block = blocks.get(str(getattr(error, "field", "")), default_block)
    return {block: error.user_message}


def _assign_errors(services: Services, client: WebClient, team_id: str, actor_id: str,
                   form: views.AssignForm) -> dict[str, str]:
    """Validate and create the assignment; the errors to show beside the fields (empty: created)."""
    blocks = views.ASSIGN_FIELD_BLOCKS
    template = _template(services, form.template_id)
    if template is None:
        return {blocks["template"]: "Pick a micro-assignment."}
    if not form.learner_id:
        return {blocks["learner"]: "Pick who will practise."}
    if not form.reviewer_id:
        return {blocks["reviewer"]: "Pick who will review the work."}
    now = utcnow()
    users: dict[str, dict[str, Any]] = {}
    for field, user_id in (("learner", form.learner_id), ("reviewer", form.reviewer_id)):
        if user_id == actor_id or user_id in users:
            continue
        user = _lookup_user(client, user_id)
        if user is None:
            return {blocks[field]: "I couldn't look this person up in Slack — please try again."}
        if user.get("is_bot"):
            return {blocks[field]: "That's an app, not a person — pick a person."}
        users[user_id] = user
    try:
        with services.db.session() as session:
            for user_id, user in users.items():
                person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
                _apply_user(person, user, now)
            learner, _ = people.get_or_create_person(session, team_id=team_id, user_id=form.learner_id, now=now)
            picked = datetime.fromisoformat(form.due_date).date() if form.due_date else None
            due_at = domain.due_from_date(learner, picked, now=now) if picked else None
            domain.create_assignment(
                session, team_id=team_id, actor_id=actor_id, learner_id=form.learner_id, template=template,
                reviewer_id=form.reviewer_id, due_at=due_at, context_note=form.note,
                context_permalink=form.permalink, now=now, admins=_admins(services), content=services.content)
    except FlowcoachError as error:
        return _field_errors(error, blocks, blocks["template"])
    return {}


def _ack_assign(services: Services) -> Callable[..., None]:
    def ack_assign(ack: Ack, view: dict[str, Any], context: Any, client: WebClient) -> None:
        form = views.assign_form(view, actor_id=context.user_id)
        errors = _assign_errors(services, client, context.team_id, context.user_id, form)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()  # the modal closes; the learner's card goes out through the outbox

    return ack_assign


def after_assign(context: Any, client: WebClient, services: Services) -> None:
    services.kick_dispatcher()  # deliver the card now rather than at the next tick
    _refresh_if_stale(client, services, context.team_id, context.user_id)  # the assigner's name on cards


# -- the learner's card buttons --------------------------------------------------------------------


def _checked(services: Services, body: dict[str, Any], client: WebClient, assignment_id: int,
             work: Callable[[], Any]) -> Any:
    """Run ``work``; on AlreadyDone refresh the (stale) card first, then let the error answer."""
    try:
        return work()
    except AlreadyDone:
        refresh_learner_card(client, services, assignment_id, _card_fallback(body, assignment_id))
        raise


def accept_clicked(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                   services: Services) -> None:
    with services.db.session() as session:
        assignment_id = domain.get(session, _assignment_id(action), team_id=context.team_id).id

    def work() -> None:
        with services.db.session() as session:
            assignment = domain.get(session, assignment_id)
            domain.accept(session, assignment, actor_id=context.user_id, now=utcnow(), admins=_admins(services))

    _checked(services, body, client, assignment_id, work)
    refresh_learner_card(client, services, assignment_id, _card_fallback(body, assignment_id))


def _open_learner_modal(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                        services: Services, build: Callable[[Session, Assignment], Any], *states: str) -> None:
    with services.db.session() as session:
        assignment_id = domain.get(session, _assignment_id(action), team_id=context.team_id).id

    def work() -> Any:
        with services.db.session() as session:
            assignment = domain.get(session, assignment_id)
            if context.user_id != assignment.learner_id:
                raise PermissionDenied(domain.WRONG_PERSON)
            domain.check_open(assignment, *states)
            return build(session, assignment)

    view = _checked(services, body, client, assignment_id, work)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _title_of(session: Session, assignment: Assignment, services: Services) -> str:
    payload = domain.offer_payload(session, assignment)
    template = _template(services, assignment.template_id)
    return str(payload.get("title") or getattr(template, "title", "") or "Micro-assignment")


def decline_clicked(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                    services: Services) -> None:
    def build(session: Session, assignment: Assignment) -> Any:
        asked = _display(session, assignment.team_id, domain.asked_person(assignment), "The person who assigned it")
        return views.decline_modal(assignment_id=assignment.id, title=_title_of(session, assignment, services),
                                   asked_name=asked)

    _open_learner_modal(body, action, context, client, services, build, "offered")


def question_clicked(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                     services: Services) -> None:
    def build(session: Session, assignment: Assignment) -> Any:
        fallback = "your reviewer" if domain.is_self_practice(assignment) else "the person who assigned it"
        asked = _display(session, assignment.team_id, domain.asked_person(assignment), fallback)
        return views.question_modal(assignment_id=assignment.id, title=_title_of(session, assignment, services),
                                    asked_name=asked)

    _open_learner_modal(body, action, context, client, services, build)


def submit_clicked(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                   services: Services) -> None:
    """Opens the submit modal. On a card (or reminder) still waiting for an answer, submitting work
    is the answer: the assignment is accepted first (unless the learner has left the team)."""
    with services.db.session() as session:
        assignment = domain.get(session, _assignment_id(action), team_id=context.team_id)
        assignment_id, offered = assignment.id, assignment.state == "offered"
    if offered:
        def accept_first() -> None:
            with services.db.session() as session:
                domain.accept(session, domain.get(session, assignment_id), actor_id=context.user_id, now=utcnow(),
                              admins=_admins(services))

        _checked(services, body, client, assignment_id, accept_first)
        refresh_learner_card(client, services, assignment_id, _card_fallback(body, assignment_id))

    def build(session: Session, assignment: Assignment) -> Any:
        template = _template(services, assignment.template_id)
        payload = domain.offer_payload(session, assignment)
        latest = domain.latest_submission(session, assignment)
        return views.submit_modal(assignment_id=assignment.id, title=_title_of(session, assignment, services),
                                  deliverable=str(payload.get("deliverable") or getattr(template, "deliverable", "")),
                                  rubric=tuple(getattr(template, "rubric", ()) or ()),
                                  version=(latest.version + 1) if latest else 1)

    _open_learner_modal(body, action, context, client, services, build, *domain.SUBMITTABLE)


# -- the learner's modals --------------------------------------------------------------------------


def _ack_checked(check: Callable[[Session, Assignment, dict[str, Any], Any], Any], services: Services,
                 blocks: Mapping[str, str], default_block: str) -> Callable[..., None]:
    """An ack that runs a domain check on the modal's assignment and shows its error beside the field."""

    def ack_modal(ack: Ack, view: dict[str, Any], context: Any) -> None:
        try:
            with services.db.session() as session:
                assignment = domain.get(session, _modal_assignment_id(view), team_id=context.team_id)
                check(session, assignment, view, context)
        except FlowcoachError as error:
            ack(response_action="errors", errors=_field_errors(error, blocks, default_block))
            return
        ack()

    ack_modal.__name__ = f"ack_{default_block}"
    return ack_modal


def _modal_assignment_id(view: Mapping[str, Any]) -> str:
    raw = str(view.get("private_metadata") or "")
    return raw if raw.isdigit() else views.change_target(view)[0]


def _decline_reason(view: Mapping[str, Any]) -> str:
    return views.text_value(view, ids.DECLINE_REASON_BLOCK, ids.DECLINE_REASON)


def _question_text(view: Mapping[str, Any]) -> str:
    return views.text_value(view, ids.QUESTION_BLOCK, ids.QUESTION_TEXT)


def _submission(view: Mapping[str, Any]) -> tuple[str, str, str | None]:
    return (views.text_value(view, ids.SUBMIT_SUMMARY_BLOCK, ids.SUBMIT_SUMMARY),
            views.text_value(view, ids.SUBMIT_LINK_BLOCK, ids.SUBMIT_LINK),
            views.option_value(view, ids.SUBMIT_LEVEL_BLOCK, ids.SUBMIT_LEVEL))


def _apply(services: Services, view: Mapping[str, Any], context: Any,
           act: Callable[[Session, Assignment], Any]) -> tuple[int, Any] | None:
    """The change behind a submitted modal (after the ack): None when it no longer applies (the ack
    already told the person, or a double submission raced past it)."""
    try:
        with services.db.session() as session:
            assignment = domain.get(session, _modal_assignment_id(view), team_id=context.team_id)
            return assignment.id, act(session, assignment)
    except FlowcoachError as error:
        logger.info("assignment modal not applied: %s", type(error).__name__)
        return None


def decline_submitted(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    def act(session: Session, assignment: Assignment) -> tuple[Assignment, Message | None]:
        domain.decline(session, assignment, actor_id=context.user_id, reason=_decline_reason(view), now=utcnow())
        if domain.is_self_practice(assignment):
            return assignment, None
        return assignment, views.declined_notice(learner_id=assignment.learner_id,
                                                 title=_title_of(session, assignment, services),
                                                 reason=assignment.decline_reason or "")

    done = _apply(services, view, context, act)
    if done is None:
        return
    assignment_id, (assignment, notice_message) = done
    refresh_learner_card(client, services, assignment_id)
    if notice_message is not None:
        _post(client, assignment.assigned_by, notice_message)  # the assigner hears it from the learner's action


def question_submitted(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    text = _question_text(view)

    def act(session: Session, assignment: Assignment) -> tuple[Assignment, str, str]:
        asked = domain.ask_question(session, assignment, actor_id=context.user_id, text=text, now=utcnow())
        return assignment, asked, _title_of(session, assignment, services)

    done = _apply(services, view, context, act)
    if done is None:
        return
    _, (assignment, asked, title) = done
    question = domain.check_question(text)
    reached = _post(client, asked, views.question_to_asked(learner_id=assignment.learner_id, title=title,
                                                           text=question))
    _post_in_thread(client, assignment, views.question_in_thread(learner_id=assignment.learner_id, asked_id=asked,
                                                                  text=question, reached=reached))


def submit_submitted(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    summary, link, level = _submission(view)

    def act(session: Session, assignment: Assignment) -> tuple[Assignment, Message]:
        submission = domain.submit(session, assignment, actor_id=context.user_id, summary=summary, link=link,
                                   self_level=level, now=utcnow(), review_hours=services.settings.review_hours,
                                   content=services.content)
        return assignment, views.submitted_in_thread(version=submission.version, late=submission.late,
                                                     summary=submission.summary, link=submission.link,
                                                     self_level=submission.self_level)

    done = _apply(services, view, context, act)
    if done is None:
        return
    assignment_id, (assignment, record) = done
    refresh_learner_card(client, services, assignment_id)
    _post_in_thread(client, assignment, record)
    services.kick_dispatcher()  # the reviewer's card is due now


# -- the assigner's changes: /coach assignments, cancel, reassign ----------------------------------


def _list_message(services: Services, team_id: str, user_id: str) -> Message:
    def item(session: Session, assignment: Assignment) -> views.ListItem:
        template = _template(services, assignment.template_id)
        return views.ListItem(assignment_id=assignment.id, learner_id=assignment.learner_id,
                              learner_name=_display(session, team_id, assignment.learner_id, assignment.learner_id),
                              title=str(getattr(template, "title", "") or assignment.template_id),
                              state=assignment.state, due_at=assignment.due_at)

    with services.db.session() as session:
        given = [item(session, a) for a in domain.open_assigned_by(session, team_id=team_id, user_id=user_id)]
        mine = [item(session, a) for a in domain.open_for_learner(session, team_id=team_id, user_id=user_id)
                if a.assigned_by != user_id]
        tz = _zone(session, team_id, user_id)
    return views.assignments_list(given=given, mine=mine, tz=tz)


@subcommand("assignments", "assignments", "your open micro-assignments; change or cancel the ones you gave")
def assignments_command(req: CommandRequest) -> Message:
    return _list_message(req.services, req.team_id, req.user_id)


def _refresh_list(services: Services, response_url: str | None, team_id: str, user_id: str) -> None:
    if not response_url or not response_url.startswith(("https://", "http://")):
        return
    message = _list_message(services, team_id, user_id)
    try:
        WebhookClient(response_url).send(replace_original=True, response_type="ephemeral", **message.to_kwargs())
    except Exception:  # an expired response_url: the list just stays as it was
        logger.info("could not refresh an assignments list", exc_info=True)


def _open_change_modal(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                       services: Services, build: Callable[[Session, Assignment, str | None], Any]) -> None:
    with services.db.session() as session:
        assignment = domain.get(session, _assignment_id(action), team_id=context.team_id)
        if not domain.can_change(session, assignment, context.user_id, _admins(services)):
            raise PermissionDenied("Only the person who assigned this, the learner's manager or a Flowcoach "
                                          "admin can change or cancel it.")
        domain.check_open(assignment)
        view = build(session, assignment, body.get("response_url"))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def cancel_clicked(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                   services: Services) -> None:
    def build(session: Session, assignment: Assignment, response_url: str | None) -> Any:
        return views.cancel_modal(
            assignment_id=assignment.id, title=_title_of(session, assignment, services), response_url=response_url,
            learner_name=_display(session, assignment.team_id, assignment.learner_id, "The learner"))

    _open_change_modal(body, action, context, client, services, build)


def reassign_clicked(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                     services: Services) -> None:
    def build(session: Session, assignment: Assignment, response_url: str | None) -> Any:
        return views.reassign_modal(
            assignment_id=assignment.id, title=_title_of(session, assignment, services), response_url=response_url,
            learner_name=_display(session, assignment.team_id, assignment.learner_id, "The learner"),
            due_at=assignment.due_at, tz=_zone(session, assignment.team_id, assignment.learner_id),
            reviewer_id=assignment.reviewer_id)

    _open_change_modal(body, action, context, client, services, build)


def _cancel_reason(view: Mapping[str, Any]) -> str:
    return views.text_value(view, views.CANCEL_REASON_BLOCK, views.CANCEL_REASON)


def _reassign_values(session: Session, assignment: Assignment, view: Mapping[str, Any]) -> tuple[str | None,
                                                                                                 datetime | None]:
    picked = views.date_value(view, ids.ASSIGN_DUE_BLOCK, ids.ASSIGN_DUE)
    due_at = None
    if picked is not None:
        learner, _ = people.get_or_create_person(session, team_id=assignment.team_id, user_id=assignment.learner_id,
                                                 now=utcnow())
        due_at = domain.due_from_date(learner, picked, now=utcnow())
    return views.user_value(view, ids.ASSIGN_REVIEWER_BLOCK, ids.ASSIGN_REVIEWER), due_at


def cancel_submitted(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    reason = _cancel_reason(view)

    def act(session: Session, assignment: Assignment) -> Assignment:
        return domain.cancel(session, assignment, actor_id=context.user_id, reason=reason, now=utcnow(),
                             admins=_admins(services))

    done = _apply(services, view, context, act)
    if done is None:
        return
    assignment_id, assignment = done
    if refresh_learner_card(client, services, assignment_id) and assignment.learner_id != context.user_id:
        _post_in_thread(client, assignment, views.cancelled_notice(actor_id=context.user_id,
                                                                   reason=domain.clean_text(reason)), broadcast=True)
    _refresh_list(services, views.change_target(view)[1], context.team_id, context.user_id)


def reassign_submitted(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    def act(session: Session, assignment: Assignment) -> tuple[Assignment, domain.Reassigned, ZoneInfo]:
        reviewer_id, due_at = _reassign_values(session, assignment, view)
        changed = domain.reassign(session, assignment, actor_id=context.user_id, now=utcnow(),
                                  reviewer_id=reviewer_id, due_at=due_at, admins=_admins(services))
        return assignment, changed, _zone(session, assignment.team_id, assignment.learner_id)

    done = _apply(services, view, context, act)
    if done is None:
        return
    assignment_id, (assignment, changed, tz) = done
    if refresh_learner_card(client, services, assignment_id) and assignment.learner_id != context.user_id:
        _post_in_thread(client, assignment, views.reassigned_notice(
            actor_id=context.user_id, due_at=assignment.due_at if changed.due_changed else None,
            reviewer_id=assignment.reviewer_id if changed.reviewer_changed else None, tz=tz), broadcast=True)
    _refresh_list(services, views.change_target(view)[1], context.team_id, context.user_id)


# -- registration ----------------------------------------------------------------------------------


def _check_decline(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
    domain.check_decline(assignment, actor_id=context.user_id, reason=_decline_reason(view))


def _check_question(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
    domain.check_ask(assignment, actor_id=context.user_id, text=_question_text(view))


def _check_submit(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
    summary, link, level = _submission(view)
    domain.check_submit(assignment, actor_id=context.user_id, summary=summary, link=link, self_level=level)


def _checks_with_admins(services: Services) -> tuple[Callable[..., None], Callable[..., None]]:
    def check_cancel(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
        domain.check_cancel(session, assignment, actor_id=context.user_id, reason=_cancel_reason(view),
                            admins=_admins(services))

    def check_reassign(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
        reviewer_id, due_at = _reassign_values(session, assignment, view)
        domain.check_reassign(session, assignment, actor_id=context.user_id, now=utcnow(), reviewer_id=reviewer_id,
                              due_at=due_at, admins=_admins(services))

    return check_cancel, check_reassign


SUBMIT_BLOCKS = {"summary": ids.SUBMIT_SUMMARY_BLOCK, "link": ids.SUBMIT_LINK_BLOCK, "level": ids.SUBMIT_LEVEL_BLOCK}
REASSIGN_BLOCKS = {"due": ids.ASSIGN_DUE_BLOCK, "reviewer": ids.ASSIGN_REVIEWER_BLOCK}

BUTTONS = (
    (ids.ASSIGNMENT_ACCEPT, accept_clicked),
    (ids.ASSIGNMENT_DECLINE, decline_clicked),
    (ids.ASSIGNMENT_QUESTION, question_clicked),
    (ids.ASSIGNMENT_SUBMIT, submit_clicked),
    (ids.ASSIGNMENT_CANCEL, cancel_clicked),
    (views.ASSIGNMENT_REASSIGN, reassign_clicked),
    (ids.ASSIGN_LEARNER, assign_form_changed),
    (ids.ASSIGN_TEMPLATE, assign_form_changed),
)


def register(app: App, services: Services) -> None:
    app.message_shortcut(ids.SHORTCUT_MICRO_ASSIGNMENT)(background(shortcut_opened, services))
    for action_id, handler in BUTTONS:
        app.action(action_id)(background(handler, services))
    app.view(ids.ASSIGN_MODAL)(ack=_ack_assign(services), lazy=[after_ack(after_assign, services)])
    check_cancel, check_reassign = _checks_with_admins(services)
    modals = (
        (ids.DECLINE_MODAL, _check_decline, {"reason": ids.DECLINE_REASON_BLOCK}, ids.DECLINE_REASON_BLOCK,
         decline_submitted),
        (ids.QUESTION_MODAL, _check_question, {"question": ids.QUESTION_BLOCK}, ids.QUESTION_BLOCK,
         question_submitted),
        (ids.SUBMIT_MODAL, _check_submit, SUBMIT_BLOCKS, ids.SUBMIT_SUMMARY_BLOCK, submit_submitted),
        (views.CANCEL_MODAL, check_cancel, {"reason": views.CANCEL_REASON_BLOCK}, views.CANCEL_REASON_BLOCK,
         cancel_submitted),
        (views.REASSIGN_MODAL, check_reassign, REASSIGN_BLOCKS, ids.ASSIGN_DUE_BLOCK, reassign_submitted),
    )
    for callback_id, check, blocks, default_block, lazy in modals:
        app.view(callback_id)(ack=_ack_checked(check, services, blocks, default_block),
                              lazy=[after_ack(lazy, services)])
