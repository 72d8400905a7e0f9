"""The assigner's changes: ``/coach assignments`` (the open ones, with change and cancel menus), and the
cancel and reassign modals; the learner's card, its thread and the list follow each change."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Assignment
from slackapp.domain import assignments as domain
from slackapp.domain import people
from slackapp.domain.errors import PermissionDenied
from slackapp.listeners.assignment_lookups import _admins, _assignment_id, _display, _template, _title_of, _zone
from slackapp.listeners.assignment_messages import refresh_learner_card
from slackapp.listeners.assignment_view_submissions import _apply
from slackapp.listeners.notices import send_notice
from slackapp.listeners.subcommands import CommandRequest, subcommand
from slackapp.services import Services
from slackapp.views import assignments as views
from slackapp.views.blocks import Message

logger = logging.getLogger("slackapp.listeners.assignments")  # the feature's log name, as before the split


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
    return views.text_value(view, ids.CANCEL_REASON_BLOCK, ids.CANCEL_REASON)


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
        _notify_learner(services, assignment, "cancelled", views.cancelled_notice(
            actor_id=context.user_id, reason=domain.clean_text(reason)))
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
        _notify_learner(services, assignment, "reassigned", views.reassigned_notice(
            actor_id=context.user_id, due_at=assignment.due_at if changed.due_changed else None,
            reviewer_id=assignment.reviewer_id if changed.reviewer_changed else None, tz=tz))
    _refresh_list(services, views.change_target(view)[1], context.team_id, context.user_id)


def _notify_learner(services: Services, assignment: Assignment, what: str, message: Message) -> None:
    """In the card's thread, also shown in the DM, through the outbox (the learner's own hours)."""
    send_notice(services, team_id=assignment.team_id, user_id=assignment.learner_id,
                about=f"assignment-{what}:{assignment.id}", message=message,
                thread_ts=assignment.card_ts, broadcast=True)


def _checks_with_admins(services: Services) -> tuple[Callable[..., None], Callable[..., None]]:
    def check_cancel(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
        domain.check_cancel(session, assignment, actor_id=context.user_id, reason=_cancel_reason(view),
                            admins=_admins(services))

    def check_reassign(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
        reviewer_id, due_at = _reassign_values(session, assignment, view)
        domain.check_reassign(session, assignment, actor_id=context.user_id, now=utcnow(), reviewer_id=reviewer_id,
                              due_at=due_at, admins=_admins(services))

    return check_cancel, check_reassign


REASSIGN_BLOCKS = {"due": ids.ASSIGN_DUE_BLOCK, "reviewer": ids.ASSIGN_REVIEWER_BLOCK}
