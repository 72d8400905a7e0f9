"""Looking up submissions, reviews and the assignment under review."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Review, Submission
from slackapp.domain.errors import NotFound
from slackapp.domain.review_rules import GONE


def latest_submission(session: Session, assignment_id: int) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.assignment_id == assignment_id)
                          .order_by(Submission.version.desc()).limit(1))


def latest_version(session: Session, assignment_id: int) -> int:
    return int(session.scalar(select(func.max(Submission.version))
                              .where(Submission.assignment_id == assignment_id)) or 0)


def review_of(session: Session, submission_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.submission_id == submission_id).order_by(Review.id).limit(1))


def reviews_of(session: Session, assignment_id: int) -> Sequence[Review]:
    return session.scalars(select(Review).where(Review.assignment_id == assignment_id).order_by(Review.id)).all()


def load_assignment(session: Session, *, team_id: str, assignment_id: int, lock: bool = False) -> Assignment:
    """The assignment (row-locked on PostgreSQL with ``lock``), or NotFound for another workspace's id."""
    assignment = session.get(Assignment, assignment_id, with_for_update=lock or None, populate_existing=lock)
    if assignment is None or assignment.team_id != team_id:
        raise NotFound(GONE)
    return assignment
