"""The reviewer's verdict: recording it, evidence, the feedback DM and the peer-debrief offer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Delivery, Review
from slackapp.domain import analytics, deliveries, evidence
from slackapp.domain.assignment_states import transition
from slackapp.domain.errors import InvalidInput
from slackapp.domain.review_checks import check_reviewer, reviewable_submission, validate_review
from slackapp.domain.review_requests import _cancel_version
from slackapp.domain.review_rules import ACCEPTED, REVIEW_RESULT, STATE_AFTER, result_key


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
    confirmed = None
    if counts and confirmed_now(session, assignment=assignment, now=now):
        confirmed = _competency_name(content, assignment.competency_id)
    schedule_result(session, assignment=assignment, review=review, version=submission.version, now=now,
                    confirmed_competency=confirmed)
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


def _competency_name(content: Any, competency_id: str) -> str:
    try:
        return str(content.competency(competency_id).name)
    except (AttributeError, KeyError, LookupError):
        return competency_id


def result_payload(assignment: Assignment, review: Review, *, version: int,
                   confirmed_competency: str | None = None) -> dict[str, Any]:
    payload = {"assignment_id": assignment.id, "version": version, "template_id": assignment.template_id,
               "learner_id": assignment.learner_id, "reviewer_id": review.reviewer_id, "outcome": review.outcome,
               "level": review.level, "feedback": review.feedback, "counts_as_evidence": review.counts_as_evidence,
               "skill_id": assignment.skill_id, "confirmed_competency": confirmed_competency}
    if assignment.card_channel and assignment.card_ts:
        payload["thread_ts"] = assignment.card_ts  # under the learner's assignment card
    return payload


def schedule_result(session: Session, *, assignment: Assignment, review: Review, version: int,
                    now: datetime, confirmed_competency: str | None = None) -> Delivery:
    """The feedback for the learner, through the outbox: in their assignment card's thread when the card
    is known (else as its own DM), at a time the respect-my-time policy allows."""
    return deliveries.schedule(session, key=result_key(assignment.id, version), team_id=assignment.team_id,
                               user_id=assignment.learner_id, kind=REVIEW_RESULT, due_at=now, now=now,
                               payload=result_payload(assignment, review, version=version,
                                                      confirmed_competency=confirmed_competency))


def confirmed_now(session: Session, *, assignment: Assignment, now: datetime) -> bool:
    """Whether this review's evidence is the one that confirmed the competency (for the learner's message)."""
    progress = evidence.progress_for(session, team_id=assignment.team_id, learner_id=assignment.learner_id)
    return any(p.competency_id == assignment.competency_id and p.competent_at == now for p in progress)
