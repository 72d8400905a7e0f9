"""The learner's answers to a micro-assignment: accept, decline, ask a question, submit. No Slack here."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Submission
from slackapp.domain import analytics
from slackapp.domain.assignment_changes import _close, left_team, left_team_reason
from slackapp.domain.assignment_checks import (
    FieldError,
    _learner_only,
    check_open,
    check_question,
    check_reason,
    check_submission,
)
from slackapp.domain.assignment_deliveries import cancel_reminders
from slackapp.domain.assignment_queries import asked_person
from slackapp.domain.assignment_states import OPEN_STATES, transition


def accept(session: Session, assignment: Assignment, *, actor_id: str, now: datetime,
           admins: Collection[str] = ()) -> Assignment:
    """Accept the offer. If the learner has left the assigner's team meanwhile, the assignment is
    cancelled instead (with that reason): look at ``assignment.state`` afterwards."""
    _learner_only(assignment, actor_id)
    check_open(assignment, "offered")
    if left_team(session, assignment, admins):
        _close(session, assignment, to_state="cancelled", actor_id=actor_id, now=now,
               note=left_team_reason(session, assignment), why="the learner left the assigner's team")
        return assignment
    transition(session, assignment, to_state="accepted", actor_id=actor_id, now=now)
    assignment.accepted_at = now
    return assignment


def check_decline(assignment: Assignment, *, actor_id: str, reason: str | None) -> str:
    _learner_only(assignment, actor_id)
    check_open(assignment, "offered")
    return check_reason(reason)


def decline(session: Session, assignment: Assignment, *, actor_id: str, reason: str | None,
            now: datetime) -> Assignment:
    reason = check_decline(assignment, actor_id=actor_id, reason=reason)
    transition(session, assignment, to_state="declined", actor_id=actor_id, now=now, note=reason)
    assignment.decline_reason = reason
    cancel_reminders(session, assignment, reason="the learner declined the assignment", now=now)
    return assignment


def check_ask(assignment: Assignment, *, actor_id: str, text: str | None) -> str:
    _learner_only(assignment, actor_id)
    if assignment.state not in OPEN_STATES:
        raise FieldError("question", f"This assignment is {assignment.state.replace('_', ' ')}, so questions "
                                     "about it are closed — message the person directly.")
    return check_question(text)


def ask_question(session: Session, assignment: Assignment, *, actor_id: str, text: str | None,
                 now: datetime) -> str:
    """Checks and counts a learner's question (never storing its text); returns whom to ask. The
    listener posts it in the card's thread and to that person."""
    check_ask(assignment, actor_id=actor_id, text=text)
    asked = asked_person(assignment)
    analytics.record(session, now=now, team_id=assignment.team_id, user_id=actor_id,
                     name="assignment.question_asked", object_type="assignment", object_id=assignment.id,
                     properties={"competency_id": assignment.competency_id, "template_id": assignment.template_id,
                                 "state": assignment.state})
    return asked


SUBMITTABLE = ("accepted", "changes_requested")


def check_submit(assignment: Assignment, *, actor_id: str, summary: str | None, link: str | None,
                 self_level: Any) -> tuple[str, str | None, int | None]:
    _learner_only(assignment, actor_id)
    check_open(assignment, *SUBMITTABLE)
    return check_submission(summary, link, self_level)


def _request_review() -> Callable[..., Any] | None:
    """``slackapp.domain.reviews.request_review`` if the reviews work provides it (looked up per call)."""
    module = importlib.import_module("slackapp.domain.reviews")
    hook = getattr(module, "request_review", None)
    return hook if callable(hook) else None


def submit(session: Session, assignment: Assignment, *, actor_id: str, summary: str | None, link: str | None,
           self_level: Any, now: datetime, review_hours: float | None = None, content: Any = None) -> Submission:
    """Hand in the work (version 1, 2, … after changes were requested). Late if after the due time:
    recorded on the submission, and on the assignment for its first submission. Then the reviewer
    is asked for a review (``reviews.request_review``, which sets ``review_due_at``; ``review_hours``
    and ``content`` are passed on to it when given)."""
    summary, link_text, level = check_submit(assignment, actor_id=actor_id, summary=summary, link=link,
                                             self_level=self_level)
    previous = session.scalar(select(func.max(Submission.version)).where(Submission.assignment_id == assignment.id))
    version = int(previous or 0) + 1
    late = now > assignment.due_at
    submission = Submission(assignment_id=assignment.id, version=version, summary=summary, link=link_text,
                            self_level=level, late=late, submitted_at=now)
    session.add(submission)
    transition(session, assignment, to_state="submitted", actor_id=actor_id, now=now,
               note=f"version {version}" + (" (late)" if late else ""))
    assignment.submitted_at = now
    if version == 1:
        assignment.late = late
    cancel_reminders(session, assignment, reason="the work was submitted", now=now)
    session.flush()
    hook = _request_review()
    if hook is not None:
        extra = {k: v for k, v in (("hours", review_hours), ("content", content)) if v is not None}
        hook(session, assignment=assignment, submission=submission, now=now, **extra)
    return submission
