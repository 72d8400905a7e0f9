"""Micro-assignments: assign, accept, decline, ask, submit, cancel and reassign. No Slack here.

Every state change goes through ``assignment_states.transition`` (checked, recorded, counted).
The learner's DM card and the reminders before the due date are outbox deliveries:

* ``assignment_offer`` (key ``assignment-offer:{id}``): the card, payload = a snapshot of the
  template and the assignment (see ``offer_payload``). When it is sent, ``ON_SENT`` stores the
  card's channel and ts on the assignment (``card_channel``/``card_ts``): later changes update that
  card in place, and threaded replies (questions, review feedback) hang off it.
* ``assignment_reminder`` (keys ``assignment-reminder:{id}:1`` and ``:2``): one halfway between the
  assignment and its due time, one 2 working hours before it. Cancelled when the assignment is
  submitted, declined or cancelled. ``not_after`` = the due time (a reminder after it is pointless).

Each ``check_*`` function raises exactly what its action would, without writing: listeners call
it in the modal's ack to show errors beside the fields, and the action itself calls it again.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, AssignmentTransition, Delivery, Person, Submission
from slackapp.domain import analytics, deliveries, people, policy, team
from slackapp.domain.assignment_states import OPEN_STATES, transition
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from slackapp.domain.working_time import add_working_hours

OFFER_KIND = "assignment_offer"
REMINDER_KIND = "assignment_reminder"
KINDS = (OFFER_KIND, REMINDER_KIND)

NOTE_MAX = 2000
REASON_MAX = 500
SUMMARY_MAX = 3000
LINK_MAX = 1000
QUESTION_MAX = 2000
PERMALINK_MAX = 500
RUBRIC_LEVELS = (1, 2, 3, 4)
REMINDER_LEAD_HOURS = 2.0  # the second reminder: this many working hours before the due time
REMINDER_MIN_GAP = timedelta(hours=1)  # two reminders closer than this: only the later one
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


def offer_key(assignment_id: int) -> str:
    return f"assignment-offer:{assignment_id}"


def reminder_key(assignment_id: int, number: int) -> str:
    return f"assignment-reminder:{assignment_id}:{number}"


# -- lookups ---------------------------------------------------------------------------------------


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


def offer_payload(session: Session, assignment: Assignment) -> dict[str, Any]:
    """The card's snapshot (as scheduled), or an empty dict if the card was never scheduled."""
    delivery = deliveries.by_key(session, offer_key(assignment.id))
    return dict(delivery.payload) if delivery is not None else {}


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


# -- creating --------------------------------------------------------------------------------------


def create_assignment(
    session: Session,
    *,
    team_id: str,
    actor_id: str,
    learner_id: str,
    template: Any,
    reviewer_id: str | None,
    due_at: datetime | None,
    context_note: str | None,
    context_permalink: str | None,
    now: datetime,
    admins: Collection[str] = (),
    content: Any = None,
) -> Assignment:
    """Offer ``template`` to the learner: schedules their card now and the reminders before the due time.

    ``actor_id == learner_id`` is self-practice (``/coach practice``): any reviewer but themselves, the
    note optional. Otherwise the actor must be the learner's manager (an active team link) or an admin,
    and the context note is required. ``due_at`` None: now + the template's timebox in the learner's
    working hours. ``content`` (the library) only supplies competency and skill names for the card.
    """
    self_practice = actor_id == learner_id
    if not self_practice and not team.can_manage(session, team_id=team_id, actor_id=actor_id,
                                                 learner_id=learner_id, admins=admins):
        raise FieldPermissionDenied("learner", NOT_YOUR_REPORT)
    if template is None:
        raise FieldError("template", "Pick a micro-assignment.")
    note = check_note(context_note or "", required=not self_practice)
    reviewer_id = check_reviewer(session, team_id=team_id, learner_id=learner_id, reviewer_id=reviewer_id,
                                 self_practice=self_practice, now=now)
    learner = check_can_receive(session, team_id=team_id, learner_id=learner_id, now=now)
    due_at = check_due(due_at if due_at is not None else default_due(learner, template, now=now), now=now)
    permalink = clean_text(context_permalink) or None
    if permalink is not None and (len(permalink) > PERMALINK_MAX or not permalink.startswith("https://")):
        permalink = None
    assignment = Assignment(
        team_id=team_id, learner_id=learner_id, assigned_by=actor_id, reviewer_id=reviewer_id,
        template_id=template.id, competency_id=template.competency_id, skill_id=template.skill_id,
        context_note=note, context_permalink=permalink, state="offered", due_at=due_at, late=False,
        created_at=now, updated_at=now,
    )
    session.add(assignment)
    session.flush()
    session.add(AssignmentTransition(assignment_id=assignment.id, from_state=None, to_state="offered",
                                     actor_id=actor_id, at=now))
    analytics.record(session, now=now, team_id=team_id, user_id=actor_id, name="assignment.created",
                     object_type="assignment", object_id=assignment.id,
                     properties={"competency_id": template.competency_id, "template_id": template.id,
                                 "self_practice": self_practice, "from_message": permalink is not None})
    deliveries.schedule(session, key=offer_key(assignment.id), team_id=team_id, user_id=learner_id, kind=OFFER_KIND,
                        due_at=now, now=now, payload=build_offer_payload(assignment, template, content))
    schedule_reminders(session, assignment, learner, now=now, title=template.title)
    return assignment


def _names(content: Any, template: Any) -> tuple[str, str]:
    competency_name, skill_name = str(template.competency_id), str(template.skill_id)
    if content is not None:
        with contextlib.suppress(KeyError, AttributeError):
            competency_name = content.competency(template.competency_id).name
        with contextlib.suppress(KeyError, AttributeError):
            skill_name = content.skill(template.skill_id).name
    return competency_name, skill_name


def build_offer_payload(assignment: Assignment, template: Any, content: Any = None) -> dict[str, Any]:
    """The card's snapshot: the card reads the same even if the content changes later."""
    competency_name, skill_name = _names(content, template)
    return {
        "assignment_id": assignment.id,
        "template_id": template.id,
        "title": template.title,
        "competency_id": template.competency_id,
        "competency_name": competency_name,
        "skill_id": template.skill_id,
        "skill_name": skill_name,
        "why": template.why,
        "instructions": list(template.instructions),
        "deliverable": template.deliverable,
        "success_criteria": list(template.success_criteria),
        "timebox_hours": template.timebox_hours,
        "effort_minutes": getattr(template, "effort_minutes", None),
        "due_at": assignment.due_at.isoformat(),
        "learner_id": assignment.learner_id,
        "assigned_by": assignment.assigned_by,
        "reviewer_id": assignment.reviewer_id,
        "self_practice": is_self_practice(assignment),
        "context_note": assignment.context_note,
        "context_permalink": assignment.context_permalink,
    }


def working_hours_before(person: Person, end: datetime, hours: float) -> datetime:
    """The moment ``hours`` of the person's working time before ``end`` (the mirror of add_working_hours)."""
    zone = people.zone_of(person)
    days = policy.working_days(person) or {0, 1, 2, 3, 4}
    start_minute = person.work_start_minute
    end_minute = min(person.work_end_minute, 24 * 60 - 1)
    remaining = timedelta(hours=hours)
    end_utc = end.astimezone(UTC)
    day = end.astimezone(zone).date()
    for _ in range(3660):
        if day.weekday() in days:
            start = datetime.combine(day, time(start_minute // 60, start_minute % 60), tzinfo=zone).astimezone(UTC)
            stop = datetime.combine(day, time(end_minute // 60, end_minute % 60), tzinfo=zone).astimezone(UTC)
            upper = min(stop, end_utc)
            if upper > start:
                if remaining <= upper - start:
                    return upper - remaining
                remaining -= upper - start
        day -= timedelta(days=1)
    return end_utc - timedelta(hours=hours)


def reminder_times(learner: Person, *, now: datetime, due_at: datetime) -> dict[int, datetime]:
    """Reminder number → when: 1 halfway to the due time, 2 two working hours before it. A reminder in
    the past is dropped; when the two would come within an hour of each other only the later one stays."""
    times: dict[int, datetime] = {}
    second = working_hours_before(learner, due_at, REMINDER_LEAD_HOURS).replace(second=0, microsecond=0)
    if now < second < due_at:
        times[2] = second
    first = (now + (due_at - now) / 2).replace(second=0, microsecond=0)
    if now < first < due_at and (2 not in times or times[2] - first >= REMINDER_MIN_GAP):
        times[1] = first
    return times


def schedule_reminders(session: Session, assignment: Assignment, learner: Person, *, now: datetime,
                       title: str) -> dict[int, datetime]:
    """(Re)schedule both reminders for the assignment's current due time; a reminder no longer wanted
    (the due time moved too close) is cancelled. Sent or cancelled ones are left alone."""
    times = reminder_times(learner, now=now, due_at=assignment.due_at)
    for number in (1, 2):
        key = reminder_key(assignment.id, number)
        if number in times:
            deliveries.schedule(session, key=key, team_id=assignment.team_id, user_id=assignment.learner_id,
                                kind=REMINDER_KIND, due_at=times[number], now=now,
                                payload={"assignment_id": assignment.id, "title": title, "number": number,
                                         "due_at": assignment.due_at.isoformat(),
                                         "not_after": assignment.due_at.isoformat()})
        else:
            deliveries.cancel(session, key=key, reason="the due time moved: this reminder is no longer needed",
                              now=now)
    return times


def cancel_reminders(session: Session, assignment: Assignment, *, reason: str, now: datetime) -> None:
    for number in (1, 2):
        deliveries.cancel(session, key=reminder_key(assignment.id, number), reason=reason, now=now)


# -- the learner's answers -------------------------------------------------------------------------


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


def latest_submission(session: Session, assignment: Assignment) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.assignment_id == assignment.id)
                          .order_by(Submission.version.desc()).limit(1))


# -- the assigner's changes ------------------------------------------------------------------------


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


# -- after the outbox sends the card ---------------------------------------------------------------


def remember_card(session: Session, delivery: Delivery) -> None:
    """The card is the thread root for questions and review feedback: keep where it is."""
    assignment = session.get(Assignment, int(delivery.payload.get("assignment_id") or 0))
    if assignment is not None and delivery.channel_id and delivery.ts:
        assignment.card_channel = delivery.channel_id
        assignment.card_ts = delivery.ts


ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {OFFER_KIND: remember_card}
