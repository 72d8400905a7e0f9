"""Checks shared by the assignment modals' acks and the actions, permissions, and due dates. No Slack here.

Each ``check_*`` function raises exactly what its action would, without writing: listeners call it in
the modal's ack to show errors beside the fields, and the action itself calls it again.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Person
from slackapp.domain import people, policy, team
from slackapp.domain.assignment_deliveries import OFFER_KIND
from slackapp.domain.assignment_states import OPEN_STATES
from slackapp.domain.errors import AlreadyDone, InvalidInput, PermissionDenied
from slackapp.domain.working_time import add_working_hours

NOTE_MAX = 2000
REASON_MAX = 500
SUMMARY_MAX = 3000
LINK_MAX = 1000
QUESTION_MAX = 2000
RUBRIC_LEVELS = (1, 2, 3, 4)
MAX_DUE_AHEAD = timedelta(days=366)

NOT_YOUR_REPORT = ("You can assign practice only to people who accepted you as their manager — "
                   "invite them with `/coach team add @person`.")
DUE_PASSED = "Pick a due date that hasn't passed yet."
DUE_TOO_FAR = "Pick a due date within the next year — practice works best in small, near steps."
NOTE_MISSING = "Add a short note: why this practice, and why now."
SELF_REVIEW = "Pick someone else to review your practice — your manager, a mentor or a peer."
LEARNER_REVIEW = "The learner can't review their own work — pick their manager or another reviewer."
WRONG_PERSON = "This card is for someone else's assignment."


class FieldError(InvalidInput):
    """Invalid input that belongs beside one field of a modal (``field``: learner, template, due,
    note, reviewer, reason, question, summary, link, level)."""

    def __init__(self, field: str, user_message: str) -> None:
        super().__init__(user_message)
        self.field = field


class FieldPermissionDenied(PermissionDenied):
    def __init__(self, field: str, user_message: str) -> None:
        super().__init__(user_message)
        self.field = field


# -- checks shared by the modals' acks and the actions ---------------------------------------------


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def check_note(note: str, *, required: bool) -> str:
    note = clean_text(note)
    if required and not note:
        raise FieldError("note", NOTE_MISSING)
    if len(note) > NOTE_MAX:
        raise FieldError("note", f"Keep the note under {NOTE_MAX} characters (it has {len(note)}).")
    return note


def check_reason(reason: str | None, *, what: str = "reason") -> str:
    reason = clean_text(reason)
    if not reason:
        raise FieldError("reason", f"Add a short {what} — it helps the other person understand.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Keep it under {REASON_MAX} characters (it has {len(reason)}).")
    return reason


def check_question(text: str | None) -> str:
    text = clean_text(text)
    if not text:
        raise FieldError("question", "Type your question first.")
    if len(text) > QUESTION_MAX:
        raise FieldError("question", f"Keep the question under {QUESTION_MAX} characters (it has {len(text)}).")
    return text


_OTHER_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def check_submission(summary: str | None, link: str | None, self_level: Any) -> tuple[str, str | None, int | None]:
    """(summary, link or None, self level or None) — or the FieldError for the first bad field."""
    summary = clean_text(summary)
    if not summary:
        raise FieldError("summary", "Say briefly what you did — your reviewer reads this first.")
    if len(summary) > SUMMARY_MAX:
        raise FieldError("summary", f"Keep it under {SUMMARY_MAX} characters (it has {len(summary)}).")
    link_text = clean_text(link) or None
    if link_text is not None:
        if len(link_text) > LINK_MAX:
            raise FieldError("link", f"Keep the link or file reference under {LINK_MAX} characters.")
        lowered = link_text.lower()
        if _OTHER_SCHEME.match(link_text) and not lowered.startswith(("http://", "https://")):
            raise FieldError("link", "Links must start with https:// — or say where the file is "
                                     "(for example “Q3 notes in the team drive”).")
    level: int | None = None
    if self_level not in (None, ""):
        try:
            level = int(str(self_level))
        except ValueError:
            level = 0
        if level not in RUBRIC_LEVELS:
            raise FieldError("level", "Pick one of the four rubric levels, or leave it empty.")
    return summary, link_text, level


def _learner_only(assignment: Assignment, actor_id: str) -> None:
    if actor_id != assignment.learner_id:
        raise PermissionDenied(WRONG_PERSON)


def can_change(session: Session, assignment: Assignment, actor_id: str, admins: Collection[str] = ()) -> bool:
    """Cancel or reassign: the person who assigned it, the learner's manager, or a program admin."""
    return actor_id == assignment.assigned_by or actor_id in admins or team.is_manager_of(
        session, team_id=assignment.team_id, manager_id=actor_id, report_id=assignment.learner_id)


def _require_change_rights(session: Session, assignment: Assignment, actor_id: str,
                           admins: Collection[str]) -> None:
    if not can_change(session, assignment, actor_id, admins):
        raise PermissionDenied("Only the person who assigned this, the learner's manager or a Flowcoach admin "
                               "can change or cancel it.")


def _already(assignment: Assignment) -> AlreadyDone:
    return AlreadyDone(f"That's already done — this assignment is {assignment.state.replace('_', ' ')}.")


def check_open(assignment: Assignment, *states: str) -> None:
    """AlreadyDone unless the assignment is in one of ``states`` (default: any open state)."""
    if assignment.state not in (states or OPEN_STATES):
        raise _already(assignment)


def _name(person: Person | None, fallback: str = "This person") -> str:
    return (person.display_name if person is not None and person.display_name else fallback)


def check_can_receive(session: Session, *, team_id: str, learner_id: str, now: datetime) -> Person:
    """The learner, if Flowcoach can bring them the card; else a FieldError beside the learner field."""
    learner, _ = people.get_or_create_person(session, team_id=team_id, user_id=learner_id, now=now)
    name = _name(learner)
    if learner.deactivated:
        raise FieldError("learner", f"{name}'s Slack account is deactivated, so they can't take on practice.")
    decision = policy.decide(learner, kind=OFFER_KIND, now=now)
    if decision.outcome == "skip":
        if learner.opt_in != "opted_in":
            raise FieldError("learner", f"{name} hasn't turned on Flowcoach yet, so the assignment couldn't reach "
                                        "them. Ask them to run /coach start, then assign it again.")
        raise FieldError("learner", f"The assignment couldn't reach {name} right now ({decision.reason}).")
    return learner


def check_reviewer(session: Session, *, team_id: str, learner_id: str, reviewer_id: str | None,
                   self_practice: bool, now: datetime) -> str:
    if not reviewer_id:
        raise FieldError("reviewer", "Pick who will review the work.")
    if reviewer_id == learner_id:
        raise FieldError("reviewer", SELF_REVIEW if self_practice else LEARNER_REVIEW)
    reviewer = people.find_person(session, team_id=team_id, user_id=reviewer_id)
    if reviewer is not None and reviewer.deactivated:
        raise FieldError("reviewer", f"{_name(reviewer)}'s Slack account is deactivated — pick another reviewer.")
    return reviewer_id


def check_due(due_at: datetime, *, now: datetime) -> datetime:
    if due_at <= now:
        raise FieldError("due", DUE_PASSED)
    if due_at > now + MAX_DUE_AHEAD:
        raise FieldError("due", DUE_TOO_FAR)
    return due_at


def end_of_working_day(person: Person, day: date) -> datetime:
    """The end of the person's working hours on ``day`` in their zone (as UTC)."""
    minute = min(person.work_end_minute, 24 * 60 - 1)
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=people.zone_of(person))
    return local.astimezone(UTC)


def due_from_date(person: Person, day: date, *, now: datetime) -> datetime:
    """A picked date → the end of the learner's working day then; a FieldError if it is over."""
    if day < now.astimezone(people.zone_of(person)).date():
        raise FieldError("due", DUE_PASSED)
    due_at = end_of_working_day(person, day)
    if due_at <= now:
        raise FieldError("due", f"{_name(person)}'s working day on that date is already over — pick a later date.")
    return check_due(due_at, now=now)


def default_due(person: Person, template: Any, *, now: datetime) -> datetime:
    """Now + the template's timebox, counted in the learner's working hours (to the minute)."""
    due = add_working_hours(person, now, float(getattr(template, "timebox_hours", 24) or 24))
    return due.replace(second=0, microsecond=0)

