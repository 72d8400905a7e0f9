"""Assigning practice: ``/coach assign``, ``/coach practice`` and the message shortcut "Turn into a
micro-assignment" open the assign modal; picking a learner or template updates its due-date hint;
submitting it validates in the ack and creates the assignment (the card goes out through the outbox)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp.clock import utcnow
from slackapp.domain import assignments as domain
from slackapp.domain import people, team
from slackapp.domain.errors import FlowcoachError, InvalidInput
from slackapp.listeners.assignment_lookups import (
    _admins,
    _apply_user,
    _has_templates,
    _lookup_user,
    _refresh_if_stale,
    _template,
)
from slackapp.listeners.assignment_view_submissions import _field_errors
from slackapp.listeners.subcommands import CommandRequest, subcommand
from slackapp.services import Services
from slackapp.views import assignments as views
from slackapp.views.blocks import Message
from slackapp.views.help import notice

logger = logging.getLogger("slackapp.listeners.assignments")  # the feature's log name, as before the split

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
NO_TEAM = ("You don't have anyone in your team yet — invite someone with `/coach team add @person`, "
           "and assign practice once they accept.")
NO_TEMPLATES = "There are no micro-assignment templates in the content library yet — ask your Flowcoach admin."
USE_PRACTICE = "To pick practice for yourself, use `/coach practice`."


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
