"""The buttons on the learner's card (and reminders): accept, decline, ask a question, submit. A click
on a used button refreshes the card and answers "That's already done — …" (ephemeral)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.clock import utcnow
from slackapp.db.models import Assignment
from slackapp.domain import assignments as domain
from slackapp.domain.errors import AlreadyDone, PermissionDenied
from slackapp.listeners.assignment_lookups import _admins, _assignment_id, _display, _template, _title_of
from slackapp.listeners.assignment_messages import _card_fallback, refresh_learner_card
from slackapp.services import Services
from slackapp.views import assignments as views


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
