"""The assigner's changes to a micro-assignment: cancel and reassign (due time, reviewer), and the
cancellation when the learner leaves the assigner's team. No Slack here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment
from slackapp.domain import analytics, deliveries, people, team
from slackapp.domain.assignment_checks import (
    FieldError,
    _name,
    _require_change_rights,
    check_due,
    check_open,
    check_reason,
    check_reviewer,
)
from slackapp.domain.assignment_deliveries import cancel_reminders, offer_key, offer_payload, schedule_reminders
from slackapp.domain.assignment_queries import is_self_practice
from slackapp.domain.assignment_states import transition


def left_team(session: Session, assignment: Assignment, admins: Collection[str] = ()) -> bool:
    """The assigner is no longer the learner's manager (the link was removed) and is not an admin."""
    if is_self_practice(assignment) or assignment.assigned_by in admins:
        return False
    return not team.is_manager_of(session, team_id=assignment.team_id, manager_id=assignment.assigned_by,
                                  report_id=assignment.learner_id)


def left_team_reason(session: Session, assignment: Assignment) -> str:
    learner = people.find_person(session, team_id=assignment.team_id, user_id=assignment.learner_id)
    assigner = people.find_person(session, team_id=assignment.team_id, user_id=assignment.assigned_by)
    return (f"{_name(learner, 'The learner')} is no longer in {_name(assigner, 'the assigner')}'s team, "
            "so this assignment no longer applies.")


def _close(session: Session, assignment: Assignment, *, to_state: str, actor_id: str, now: datetime,
           note: str | None, why: str) -> None:
    transition(session, assignment, to_state=to_state, actor_id=actor_id, now=now, note=note)
    deliveries.cancel(session, key=offer_key(assignment.id), reason=why, now=now)
    cancel_reminders(session, assignment, reason=why, now=now)


def check_cancel(session: Session, assignment: Assignment, *, actor_id: str, reason: str | None,
                 admins: Collection[str] = ()) -> str:
    _require_change_rights(session, assignment, actor_id, admins)
    check_open(assignment)
    return check_reason(reason)


def cancel(session: Session, assignment: Assignment, *, actor_id: str, reason: str | None, now: datetime,
           admins: Collection[str] = ()) -> Assignment:
    """Cancel an open assignment (the assigner, the learner's manager or an admin), with a reason the
    learner sees. The card (if not sent yet) and the reminders are cancelled."""
    reason = check_cancel(session, assignment, actor_id=actor_id, reason=reason, admins=admins)
    _close(session, assignment, to_state="cancelled", actor_id=actor_id, now=now, note=reason,
           why="the assignment was cancelled")
    return assignment


def cancel_for_left_team(session: Session, *, team_id: str, manager_id: str, report_id: str,
                         now: datetime) -> list[Assignment]:
    """For the team work: when a link ends, cancel the not-yet-accepted assignments the manager gave
    that report (work already accepted stays: the manager can still cancel it). Returns them, so
    the caller can update their cards (``listeners.assignments.refresh_learner_card``)."""
    offered = session.scalars(select(Assignment).where(
        Assignment.team_id == team_id, Assignment.assigned_by == manager_id, Assignment.learner_id == report_id,
        Assignment.state == "offered")).all()
    for assignment in offered:
        _close(session, assignment, to_state="cancelled", actor_id=manager_id, now=now,
               note=left_team_reason(session, assignment), why="the learner left the assigner's team")
    return list(offered)


@dataclass(frozen=True, slots=True)
class Reassigned:
    due_changed: bool
    reviewer_changed: bool
    previous_reviewer: str


def check_reassign(session: Session, assignment: Assignment, *, actor_id: str, now: datetime,
                   reviewer_id: str | None = None, due_at: datetime | None = None,
                   admins: Collection[str] = ()) -> tuple[str | None, datetime | None]:
    """(new reviewer or None, new due time or None) — only what really changes."""
    _require_change_rights(session, assignment, actor_id, admins)
    check_open(assignment)
    new_reviewer = reviewer_id if reviewer_id and reviewer_id != assignment.reviewer_id else None
    new_due = due_at if due_at is not None and due_at != assignment.due_at else None
    if assignment.state == "submitted" and (new_reviewer or new_due):
        raise FieldError("due" if new_due else "reviewer",
                         "The work is already submitted and waiting for review — nothing here can move now.")
    if new_reviewer is not None:
        check_reviewer(session, team_id=assignment.team_id, learner_id=assignment.learner_id,
                       reviewer_id=new_reviewer, self_practice=is_self_practice(assignment), now=now)
    if new_due is not None:
        check_due(new_due, now=now)
    if new_reviewer is None and new_due is None:
        raise FieldError("due", "Pick a new due date or another reviewer — nothing changed yet.")
    return new_reviewer, new_due


def reassign(session: Session, assignment: Assignment, *, actor_id: str, now: datetime,
             reviewer_id: str | None = None, due_at: datetime | None = None,
             admins: Collection[str] = ()) -> Reassigned:
    """Move the due time and/or hand the review to someone else. Reminders follow the new due time;
    a card not sent yet is re-rendered with it."""
    new_reviewer, new_due = check_reassign(session, assignment, actor_id=actor_id, now=now,
                                           reviewer_id=reviewer_id, due_at=due_at, admins=admins)
    previous_reviewer = assignment.reviewer_id
    if new_reviewer is not None:
        assignment.reviewer_id = new_reviewer
    if new_due is not None:
        assignment.due_at = new_due
    assignment.updated_at = now
    payload = offer_payload(session, assignment)
    offer = deliveries.by_key(session, offer_key(assignment.id))
    if offer is not None and offer.state == "scheduled":
        payload.update(due_at=assignment.due_at.isoformat(), reviewer_id=assignment.reviewer_id)
        deliveries.schedule(session, key=offer.key, team_id=offer.team_id, user_id=offer.user_id, kind=offer.kind,
                            due_at=offer.due_at, now=now, payload=payload)
    if new_due is not None and assignment.state in ("offered", "accepted"):
        learner, _ = people.get_or_create_person(session, team_id=assignment.team_id,
                                                 user_id=assignment.learner_id, now=now)
        schedule_reminders(session, assignment, learner, now=now, title=str(payload.get("title") or ""))
    changed = [name for name, value in (("due", new_due), ("reviewer", new_reviewer)) if value is not None]
    analytics.record(session, now=now, team_id=assignment.team_id, user_id=actor_id, name="assignment.reassigned",
                     object_type="assignment", object_id=assignment.id,
                     properties={"changed": changed, "state": assignment.state})
    return Reassigned(due_changed=new_due is not None, reviewer_changed=new_reviewer is not None,
                      previous_reviewer=previous_reviewer)
