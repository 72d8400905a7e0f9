"""Who may review, which submission is waiting for review, and what a review must contain."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Submission
from slackapp.domain.errors import AlreadyDone, NotFound, PermissionDenied
from slackapp.domain.review_queries import latest_submission, review_of
from slackapp.domain.review_rules import (
    ACCEPTED,
    ALREADY_REVIEWED,
    FEEDBACK_MAX,
    FEEDBACK_REQUIRED,
    FEEDBACK_TOO_LONG,
    LEVEL_INVALID,
    LEVEL_REQUIRED,
    LEVELS,
    OUTCOME_REQUIRED,
    OUTCOMES,
    SUPERSEDED,
    only_reviewer_message,
)


def check_reviewer(assignment: Assignment, actor_id: str, admins: Collection[str] = ()) -> None:
    if actor_id != assignment.reviewer_id and actor_id not in admins:
        raise PermissionDenied(only_reviewer_message(assignment.reviewer_id))


def reviewable_submission(session: Session, assignment: Assignment, version: int | None = None) -> Submission:
    """The submission waiting for review; AlreadyDone when it was reviewed, withdrawn or replaced."""
    submission = latest_submission(session, assignment.id)
    if submission is None:
        raise NotFound("There is nothing to review yet — the work hasn't been submitted.")
    if version is not None and version != submission.version:
        raise AlreadyDone(SUPERSEDED)
    if assignment.state != "submitted" or review_of(session, submission.id) is not None:
        raise AlreadyDone(ALREADY_REVIEWED if assignment.state in ("reviewed", "changes_requested")
                          else f"That's already done — this assignment is {assignment.state.replace('_', ' ')}.")
    return submission


def validate_review(*, outcome: str | None, level: int | None, feedback: str | None) -> dict[str, str]:
    """Field ("outcome", "level", "feedback") → what to fix. Empty when the review can be saved."""
    problems: dict[str, str] = {}
    text = (feedback or "").strip()
    if not text:
        problems["feedback"] = FEEDBACK_REQUIRED
    elif len(text) > FEEDBACK_MAX:
        problems["feedback"] = FEEDBACK_TOO_LONG
    if outcome not in OUTCOMES:
        problems["outcome"] = OUTCOME_REQUIRED
    if level is not None and level not in LEVELS:
        problems["level"] = LEVEL_INVALID
    elif level is None and outcome == ACCEPTED:
        problems["level"] = LEVEL_REQUIRED
    return problems
