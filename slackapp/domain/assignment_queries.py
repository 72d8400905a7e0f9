"""Reading micro-assignments: one by id, the open ones of a person, their practice history, the latest
submission, and the status the learner's card shows. No Slack here, no writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, AssignmentTransition, Submission
from slackapp.domain.assignment_states import OPEN_STATES
from slackapp.domain.errors import NotFound


def get(session: Session, assignment_id: Any, *, team_id: str | None = None) -> Assignment:
    """The assignment (of this workspace, if given); NotFound for a bad or unknown id."""
    try:
        number = int(str(assignment_id).strip())
    except ValueError:
        raise NotFound("I couldn't find that assignment.") from None
    found = session.get(Assignment, number)
    if found is None or (team_id is not None and found.team_id != team_id):
        raise NotFound("I couldn't find that assignment any more.")
    return found


def is_self_practice(assignment: Assignment) -> bool:
    return assignment.assigned_by == assignment.learner_id


def asked_person(assignment: Assignment) -> str:
    """Whom the learner's questions go to: the person who assigned it, or (self-practice) the reviewer."""
    return assignment.reviewer_id if is_self_practice(assignment) else assignment.assigned_by


def open_assigned_by(session: Session, *, team_id: str, user_id: str, limit: int = 100) -> list[Assignment]:
    """Open assignments this person gave (including their own self-practice), soonest due first."""
    return list(session.scalars(
        select(Assignment).where(Assignment.team_id == team_id, Assignment.assigned_by == user_id,
                                 Assignment.state.in_(sorted(OPEN_STATES)))
        .order_by(Assignment.due_at, Assignment.id).limit(limit)))


def open_for_learner(session: Session, *, team_id: str, user_id: str, limit: int = 100) -> list[Assignment]:
    return list(session.scalars(
        select(Assignment).where(Assignment.team_id == team_id, Assignment.learner_id == user_id,
                                 Assignment.state.in_(sorted(OPEN_STATES)))
        .order_by(Assignment.due_at, Assignment.id).limit(limit)))


def practice_history(session: Session, *, team_id: str, user_id: str) -> tuple[list[str], set[str]]:
    """For recommendations: the competencies of the person's open and previous assignments (most
    recent first, declined and cancelled ones left out) and the templates they completed (reviewed)."""
    rows = session.execute(
        select(Assignment.competency_id, Assignment.template_id, Assignment.state)
        .where(Assignment.team_id == team_id, Assignment.learner_id == user_id,
               Assignment.state.not_in(("declined", "cancelled")))
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())).all()
    focus = list(dict.fromkeys(row.competency_id for row in rows))
    done = {row.template_id for row in rows if row.state == "reviewed"}
    return focus, done


def latest_submission(session: Session, assignment: Assignment) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.assignment_id == assignment.id)
                          .order_by(Submission.version.desc()).limit(1))


# -- what the learner's card shows -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardStatus:
    """Everything about an assignment's current state that its card shows (views stay pure)."""

    assignment_id: int
    state: str
    learner_id: str
    assigned_by: str
    reviewer_id: str
    due_at: datetime
    late: bool = False
    decline_reason: str | None = None
    review_due_at: datetime | None = None
    closed_by: str | None = None  # who cancelled
    close_note: str | None = None  # why it was cancelled

    @property
    def self_practice(self) -> bool:
        return self.assigned_by == self.learner_id


def card_status(session: Session, assignment: Assignment) -> CardStatus:
    closed_by = close_note = None
    if assignment.state == "cancelled":
        last = session.scalar(select(AssignmentTransition).where(
            AssignmentTransition.assignment_id == assignment.id, AssignmentTransition.to_state == "cancelled")
            .order_by(AssignmentTransition.id.desc()).limit(1))
        if last is not None:
            closed_by, close_note = last.actor_id, last.note
    return CardStatus(assignment_id=assignment.id, state=assignment.state, learner_id=assignment.learner_id,
                      assigned_by=assignment.assigned_by, reviewer_id=assignment.reviewer_id,
                      due_at=assignment.due_at, late=assignment.late, decline_reason=assignment.decline_reason,
                      review_due_at=assignment.review_due_at, closed_by=closed_by, close_note=close_note)


def offered_status(payload: dict[str, Any]) -> CardStatus:
    """The status of a card being sent by the outbox: always a fresh offer."""
    due = datetime.fromisoformat(str(payload.get("due_at")))
    learner = str(payload.get("learner_id") or "")
    return CardStatus(assignment_id=int(payload.get("assignment_id") or 0), state="offered", learner_id=learner,
                      assigned_by=str(payload.get("assigned_by") or learner),
                      reviewer_id=str(payload.get("reviewer_id") or ""), due_at=due)

