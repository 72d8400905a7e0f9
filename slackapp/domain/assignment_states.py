"""The micro-assignment state machine. Every transition is checked and recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, AssignmentTransition
from slackapp.domain import analytics
from slackapp.domain.errors import AlreadyDone

ALLOWED: dict[str, frozenset[str]] = {
    "offered": frozenset({"accepted", "declined", "cancelled"}),
    "accepted": frozenset({"submitted", "cancelled"}),
    "submitted": frozenset({"changes_requested", "reviewed", "cancelled"}),
    "changes_requested": frozenset({"submitted", "cancelled"}),
    "declined": frozenset(),
    "reviewed": frozenset(),
    "cancelled": frozenset(),
}
OPEN_STATES = frozenset({"offered", "accepted", "submitted", "changes_requested"})


def transition(session: Session, assignment: Assignment, *, to_state: str, actor_id: str, now: datetime,
               note: str | None = None) -> None:
    """Move the assignment on, or raise AlreadyDone (a second click on a used button, a stale card)."""
    if to_state not in ALLOWED.get(assignment.state, frozenset()):
        raise AlreadyDone(f"That's already done — this assignment is {assignment.state.replace('_', ' ')}.")
    session.add(AssignmentTransition(assignment_id=assignment.id, from_state=assignment.state, to_state=to_state,
                                     actor_id=actor_id, note=(note or None) and note[:500], at=now))
    analytics.record(session, now=now, team_id=assignment.team_id, user_id=actor_id,
                     name=f"assignment.{to_state}", object_type="assignment", object_id=assignment.id,
                     properties={"competency_id": assignment.competency_id, "template_id": assignment.template_id,
                                 "from": assignment.state})
    assignment.state = to_state
    assignment.updated_at = now
