"""The learner's modals, submitted: decline (the assigner hears why), a question (threaded on the card
and sent to the person asked), the work (the reviewer's card is due now)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Assignment
from slackapp.domain import assignments as domain
from slackapp.listeners.assignment_lookups import _title_of
from slackapp.listeners.assignment_messages import _post_in_thread, refresh_learner_card
from slackapp.listeners.assignment_view_submissions import _apply
from slackapp.listeners.notices import send_notice
from slackapp.services import Services
from slackapp.views import assignments as views
from slackapp.views.blocks import Message


def _decline_reason(view: Mapping[str, Any]) -> str:
    return views.text_value(view, ids.DECLINE_REASON_BLOCK, ids.DECLINE_REASON)


def _question_text(view: Mapping[str, Any]) -> str:
    return views.text_value(view, ids.QUESTION_BLOCK, ids.QUESTION_TEXT)


def _submission(view: Mapping[str, Any]) -> tuple[str, str, str | None]:
    return (views.text_value(view, ids.SUBMIT_SUMMARY_BLOCK, ids.SUBMIT_SUMMARY),
            views.text_value(view, ids.SUBMIT_LINK_BLOCK, ids.SUBMIT_LINK),
            views.option_value(view, ids.SUBMIT_LEVEL_BLOCK, ids.SUBMIT_LEVEL))


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
    if notice_message is not None:  # the assigner hears it, inside their own working hours
        send_notice(services, team_id=assignment.team_id, user_id=assignment.assigned_by,
                    about=f"assignment-declined:{assignment_id}", message=notice_message)


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
    send_notice(services, team_id=assignment.team_id, user_id=asked, about=f"assignment-question:{assignment.id}",
                message=views.question_to_asked(learner_id=assignment.learner_id, title=title, text=question))
    _post_in_thread(client, assignment, views.question_in_thread(learner_id=assignment.learner_id, asked_id=asked,
                                                                  text=question, reached=True))


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


def _check_decline(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
    domain.check_decline(assignment, actor_id=context.user_id, reason=_decline_reason(view))


def _check_question(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
    domain.check_ask(assignment, actor_id=context.user_id, text=_question_text(view))


def _check_submit(session: Session, assignment: Assignment, view: dict[str, Any], context: Any) -> None:
    summary, link, level = _submission(view)
    domain.check_submit(assignment, actor_id=context.user_id, summary=summary, link=link, self_level=level)


SUBMIT_BLOCKS = {"summary": ids.SUBMIT_SUMMARY_BLOCK, "link": ids.SUBMIT_LINK_BLOCK, "level": ids.SUBMIT_LEVEL_BLOCK}
