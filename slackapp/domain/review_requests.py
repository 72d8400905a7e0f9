"""Requesting a review: the promised time, the reviewer's card and reminders; cancelling them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Submission
from slackapp.domain import analytics, deliveries, people
from slackapp.domain.review_content import snapshot
from slackapp.domain.review_queries import latest_version
from slackapp.domain.review_rules import (
    DEFAULT_REVIEW_HOURS,
    DUE_SOON_BEFORE_HOURS,
    OVERDUE_AFTER_HOURS,
    REMINDER_STAGES,
    REVIEW_REMINDER,
    REVIEW_REQUEST,
    reminder_key,
    request_key,
)
from slackapp.domain.working_time import add_working_hours


def _cancel_version(session: Session, assignment_id: int, version: int, *, reason: str, now: datetime,
                    include_request: bool = True) -> int:
    keys = [reminder_key(assignment_id, version, n) for n in range(1, len(REMINDER_STAGES) + 1)]
    if include_request:
        keys.append(request_key(assignment_id, version))
    return sum(deliveries.cancel(session, key=key, reason=reason, now=now) for key in keys)


def request_review(session: Session, *, assignment: Assignment, submission: Submission, now: datetime,
                   hours: float = DEFAULT_REVIEW_HOURS, content: Any = None) -> None:
    """Promise a review within ``hours`` of the reviewer's working time and schedule their card and reminders.

    Call it in the same transaction that stores the submission (the assignment is in state "submitted").
    Pass ``hours=services.settings.review_hours`` and ``content=services.content`` (the card's snapshot:
    title, deliverable, success criteria, rubric names). Idempotent per (assignment, version).
    """
    if submission.assignment_id != assignment.id:
        raise ValueError("the submission belongs to another assignment")
    if hours < 0:
        raise ValueError("review hours must not be negative")
    session.flush()  # ids for the keys
    reviewer, _ = people.get_or_create_person(session, team_id=assignment.team_id, user_id=assignment.reviewer_id,
                                              now=now)
    due = add_working_hours(reviewer, now, hours)
    assignment.review_due_at = due
    for older in range(1, submission.version):  # nothing of an earlier version may still go out
        _cancel_version(session, assignment.id, older, reason="superseded by a new submission", now=now)
    payload = snapshot(assignment, submission, content=content, review_due_at=due, hours=hours)
    team_id, reviewer_id = assignment.team_id, assignment.reviewer_id
    deliveries.schedule(session, key=request_key(assignment.id, submission.version), kind=REVIEW_REQUEST,
                        team_id=team_id, user_id=reviewer_id, due_at=now, now=now, payload=payload)
    reminder = {k: payload[k] for k in ("assignment_id", "version", "learner_id", "title", "skill_name",
                                        "review_due_at", "review_hours")}
    soon = add_working_hours(reviewer, now, hours - DUE_SOON_BEFORE_HOURS) if hours > DUE_SOON_BEFORE_HOURS else None
    overdue = add_working_hours(reviewer, due, OVERDUE_AFTER_HOURS)
    for n, (stage, at) in enumerate(zip(REMINDER_STAGES, (soon, overdue), strict=True), start=1):
        if at is not None:
            deliveries.schedule(session, key=reminder_key(assignment.id, submission.version, n),
                                kind=REVIEW_REMINDER, team_id=team_id, user_id=reviewer_id, due_at=at, now=now,
                                payload={**reminder, "stage": stage})
    analytics.record(session, now=now, team_id=assignment.team_id, user_id=assignment.reviewer_id,
                     name="review.requested", object_type="assignment", object_id=assignment.id,
                     properties={"version": submission.version, "late": payload["late"], "review_hours": hours,
                                 "competency_id": assignment.competency_id, "learner_id": assignment.learner_id})


def cancel_review(session: Session, *, assignment: Assignment, now: datetime,
                  reason: str = "the assignment was cancelled") -> int:
    """Stop the card (if not sent yet) and the reminders of the pending version, e.g. on cancellation."""
    version = latest_version(session, assignment.id)
    return _cancel_version(session, assignment.id, version, reason=reason, now=now) if version else 0
