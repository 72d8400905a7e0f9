"""Reviewing micro-assignment submissions: the reviewer's card, the promised time, reminders, the verdict.

The loop (see ``docs/reviews.md``):

1. ``request_review`` — called by the assignments feature right after a submission (version 1, 2, …):
   sets ``Assignment.review_due_at`` (the promise: ``FLOWCOACH_REVIEW_HOURS`` of the reviewer's working
   hours), schedules the reviewer's card (outbox kind ``review_request``) and two reminders (kind
   ``review_reminder``: "due soon" 4 working hours before the promise, "overdue" 2 working hours after).
2. ``submit_review`` — the reviewer's verdict on the latest version: ``changes_requested`` (the learner may
   resubmit; this can happen any number of times) or ``accepted`` (state ``reviewed``, final). Records the
   Review and every transition; an accepted review marked as evidence moves competency progress
   (``slackapp.domain.evidence``); the version's reminders are cancelled.

Only the assignment's reviewer (or a program admin) may review; a second review of the same version is
``AlreadyDone``. Nothing here talks to Slack: the listener posts the feedback into the learner's DM thread.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Delivery, Review, Submission
from slackapp.domain import analytics, deliveries, evidence, people
from slackapp.domain.assignment_states import transition
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from slackapp.domain.working_time import add_working_hours

REVIEW_REQUEST = "review_request"  # the reviewer's card
REVIEW_REMINDER = "review_reminder"  # "due soon" / "overdue"
REVIEW_RESULT = "review_result"  # the feedback DM, only when the learner's assignment card is unknown
KINDS = (REVIEW_REQUEST, REVIEW_REMINDER, REVIEW_RESULT)

ACCEPTED = "accepted"
CHANGES_REQUESTED = "changes_requested"
OUTCOMES = (ACCEPTED, CHANGES_REQUESTED)
STATE_AFTER = {ACCEPTED: "reviewed", CHANGES_REQUESTED: "changes_requested"}

DEFAULT_REVIEW_HOURS = 24
DUE_SOON_BEFORE_HOURS = 4  # working hours before the promise
OVERDUE_AFTER_HOURS = 2  # working hours after it
REMINDER_STAGES = ("due_soon", "overdue")  # reminder n = index + 1
FEEDBACK_MAX = 3000
LEVELS = (1, 2, 3, 4)
EVIDENCE_LEVEL = evidence.CONFIRMING_LEVEL  # the evidence box is ticked by default from this level
# The content convention (content/README.md), used when a template left the library since it was assigned.
FALLBACK_LEVEL_NAMES = {1: "Not yet", 2: "Developing", 3: "Proficient", 4: "Role model"}

FEEDBACK_REQUIRED = "Write your feedback — what you saw, and the effect it had."
FEEDBACK_TOO_LONG = f"Please keep the feedback under {FEEDBACK_MAX:,} characters."
LEVEL_REQUIRED = "Pick a rubric level to accept the work."
LEVEL_INVALID = "Pick one of the four rubric levels."
OUTCOME_REQUIRED = "Choose whether to accept the work or ask for changes."
ALREADY_REVIEWED = "That's already done — this submission has been reviewed."
SUPERSEDED = "A newer submission replaced this one — please review it from the newest card."
GONE = "I couldn't find that assignment any more — it may have been removed."


def request_key(assignment_id: int, version: int) -> str:
    return f"review-request:{assignment_id}:{version}"


def reminder_key(assignment_id: int, version: int, n: int) -> str:
    return f"review-reminder:{assignment_id}:{version}:{n}"


def result_key(assignment_id: int, version: int) -> str:
    return f"review-result:{assignment_id}:{version}"


def only_reviewer_message(reviewer_id: str) -> str:
    return f"Only <@{reviewer_id}> can review this."


# -- content -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LevelChoice:
    level: int
    name: str
    descriptor: str


def template_of(content: Any, template_id: str | None) -> Any | None:
    """The assignment template (``content.assignment(id)``), or None when the library has no such item."""
    finder = getattr(content, "assignment", None)
    if not template_id or finder is None:
        return None
    try:
        return finder(str(template_id))
    except (LookupError, ValueError):
        return None


def rubric(template: Any | None) -> tuple[LevelChoice, ...]:
    """The template's four rubric levels; generic names when the template is gone."""
    levels = {int(getattr(level, "level", 0)): level for level in (getattr(template, "rubric", None) or ())}
    return tuple(
        LevelChoice(n, str(getattr(levels.get(n), "name", "") or FALLBACK_LEVEL_NAMES[n]),
                    str(getattr(levels.get(n), "descriptor", "") or ""))
        for n in LEVELS)


def level_name(template: Any | None, level: int | None) -> str:
    if level is None:
        return ""
    for choice in rubric(template):
        if choice.level == level:
            return choice.name
    return f"Level {level}"


def _name(finder: Callable[[str], Any] | None, item_id: str) -> str:
    if finder is None:
        return item_id
    try:
        return str(getattr(finder(item_id), "name", "") or item_id)
    except (LookupError, ValueError):
        return item_id


def snapshot(assignment: Assignment, submission: Submission, *, content: Any, review_due_at: datetime,
             hours: float) -> dict[str, Any]:
    """What the reviewer's card shows, frozen at request time (the content may change later)."""
    template = template_of(content, assignment.template_id)
    return {
        "assignment_id": assignment.id, "submission_id": submission.id, "version": submission.version,
        "learner_id": assignment.learner_id, "reviewer_id": assignment.reviewer_id,
        "template_id": assignment.template_id,
        "title": str(getattr(template, "title", "") or assignment.template_id),
        "competency_id": assignment.competency_id, "skill_id": assignment.skill_id,
        "competency_name": _name(getattr(content, "competency", None), assignment.competency_id),
        "skill_name": _name(getattr(content, "skill", None), assignment.skill_id),
        "deliverable": str(getattr(template, "deliverable", "") or ""),
        "success_criteria": [str(c) for c in (getattr(template, "success_criteria", None) or ())],
        "summary": submission.summary, "link": submission.link,
        "self_level": submission.self_level, "self_level_name": level_name(template, submission.self_level),
        "late": bool(submission.late or assignment.late),
        "review_due_at": review_due_at.isoformat(), "review_hours": hours,
    }


# -- queries -------------------------------------------------------------------------------------


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


# -- requesting a review -------------------------------------------------------------------------


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


# -- the verdict ---------------------------------------------------------------------------------


def submit_review(session: Session, *, assignment: Assignment, reviewer_id: str, outcome: str, level: int | None,
                  feedback: str, counts_as_evidence: bool, now: datetime, threshold: int = evidence.DEFAULT_THRESHOLD,
                  admins: Collection[str] = (), version: int | None = None, content: Any = None) -> Review:
    """Record the reviewer's verdict on the latest submission (``version``: the one the reviewer saw).

    Raises PermissionDenied (not the reviewer or an admin), AlreadyDone (reviewed, replaced or withdrawn),
    InvalidInput (no feedback; no level when accepting). ``counts_as_evidence`` only counts with
    ``accepted`` and a level. When the learner's assignment card is unknown the feedback goes out
    as a ``review_result`` DM; otherwise the caller posts it in the card's thread.
    """
    check_reviewer(assignment, reviewer_id, admins)
    submission = reviewable_submission(session, assignment, version)
    problems = validate_review(outcome=outcome, level=level, feedback=feedback)
    if problems:
        raise InvalidInput(next(iter(problems.values())))
    accepted = outcome == ACCEPTED
    transition(session, assignment, to_state=STATE_AFTER[outcome], actor_id=reviewer_id, now=now,
               note=f"review of version {submission.version}")
    if accepted:
        assignment.reviewed_at = now
    counts = bool(accepted and counts_as_evidence and level is not None)
    review = Review(assignment_id=assignment.id, submission_id=submission.id, reviewer_id=reviewer_id,
                    outcome=outcome, level=level, feedback=feedback.strip(), counts_as_evidence=counts, created_at=now)
    session.add(review)
    session.flush()
    on_time = assignment.review_due_at is None or now <= assignment.review_due_at
    analytics.record(session, now=now, team_id=assignment.team_id, user_id=reviewer_id, name="review.submitted",
                     object_type="assignment", object_id=assignment.id,
                     properties={"outcome": outcome, "level": level, "version": submission.version,
                                 "counts_as_evidence": counts, "on_time": on_time, "late": bool(submission.late),
                                 "competency_id": assignment.competency_id, "learner_id": assignment.learner_id})
    if counts:
        assert level is not None
        evidence.record_evidence(session, assignment=assignment, level=level, confirmed_by=reviewer_id, now=now,
                                 threshold=threshold)
    reason = "reviewed" if accepted else "changes requested"
    _cancel_version(session, assignment.id, submission.version, reason=reason, now=now)
    if not (assignment.card_channel and assignment.card_ts):
        schedule_result(session, assignment=assignment, review=review, version=submission.version, now=now)
    if accepted:
        _offer_peer_debrief(session, assignment=assignment, content=content, now=now)
    return review


def _offer_peer_debrief(session: Session, *, assignment: Assignment, content: Any, now: datetime) -> None:
    """Accepted work whose template has a debrief question set: offer the learner a peer debrief."""
    from slackapp.domain import debriefs

    try:
        template = content.assignment(assignment.template_id) if content is not None else None
    except (KeyError, LookupError):
        template = None
    if template is None or not template.debrief_set_id:
        return
    debriefs.offer_debrief(session, team_id=assignment.team_id, learner_id=assignment.learner_id,
                           question_set_id=template.debrief_set_id, now=now, assignment_id=assignment.id,
                           competency_id=assignment.competency_id, about=template.title)


def result_payload(assignment: Assignment, review: Review, *, version: int) -> dict[str, Any]:
    return {"assignment_id": assignment.id, "version": version, "template_id": assignment.template_id,
            "learner_id": assignment.learner_id, "reviewer_id": review.reviewer_id, "outcome": review.outcome,
            "level": review.level, "feedback": review.feedback, "counts_as_evidence": review.counts_as_evidence,
            "skill_id": assignment.skill_id}


def schedule_result(session: Session, *, assignment: Assignment, review: Review, version: int,
                    now: datetime) -> Delivery:
    """The feedback as its own DM (outbox), for when it cannot go into the assignment card's thread."""
    return deliveries.schedule(session, key=result_key(assignment.id, version), team_id=assignment.team_id,
                               user_id=assignment.learner_id, kind=REVIEW_RESULT, due_at=now, now=now,
                               payload=result_payload(assignment, review, version=version))


def confirmed_now(session: Session, *, assignment: Assignment, now: datetime) -> bool:
    """Whether this review's evidence is the one that confirmed the competency (for the learner's message)."""
    progress = evidence.progress_for(session, team_id=assignment.team_id, learner_id=assignment.learner_id)
    return any(p.competency_id == assignment.competency_id and p.competent_at == now for p in progress)


# -- cards in Slack ------------------------------------------------------------------------------


def sent_cards(session: Session, *, assignment_id: int, version: int) -> Sequence[Delivery]:
    """The reviewer card and reminders of one version that reached Slack (to update them in place)."""
    keys = [request_key(assignment_id, version),
            *(reminder_key(assignment_id, version, n) for n in range(1, len(REMINDER_STAGES) + 1))]
    return session.scalars(select(Delivery).where(Delivery.key.in_(keys), Delivery.state == "sent",
                                                  Delivery.ts.is_not(None)).order_by(Delivery.id)).all()


def mark_cards_used(session: Session, *, assignment_id: int, version: int, now: datetime) -> None:
    """The reviewer used a Review button: their card and reminders were not ignored (back-off policy)."""
    keys = [request_key(assignment_id, version),
            *(reminder_key(assignment_id, version, n) for n in range(1, len(REMINDER_STAGES) + 1))]
    for delivery in session.scalars(select(Delivery).where(Delivery.key.in_(keys), Delivery.state == "sent",
                                                           Delivery.interacted_at.is_(None))):
        delivery.interacted_at = now


def _remember_reviewer_card(session: Session, delivery: Delivery) -> None:
    """The reviewer card was sent: keep where it is (unless a newer version's card is already the one)."""
    try:
        assignment_id, version = int(delivery.payload["assignment_id"]), int(delivery.payload["version"])
    except (KeyError, TypeError, ValueError):
        return
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or version < latest_version(session, assignment_id):
        return
    assignment.reviewer_card_channel = delivery.channel_id
    assignment.reviewer_card_ts = delivery.ts


ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {REVIEW_REQUEST: _remember_reviewer_card}
