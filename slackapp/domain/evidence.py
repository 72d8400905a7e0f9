"""Evidence and competency progress: reviewed work that counts, and time-to-competency.

A reviewer who accepts a submission may mark it as evidence of the assignment's skill (one
Evidence row per assignment). Each learner has one CompetencyProgress row per competency:

- ``first_assignment_at``: when practice in the competency started — the earliest assignment the
  learner was given in it (any state except declined or cancelled);
- ``evidence_count``: every evidence row in the competency, whatever its level;
- ``competent_at``: set once, when the number of evidence rows at rubric level 3 or more reaches the
  configured threshold (``FLOWCOACH_COMPETENCY_THRESHOLD``, default 3).

Time-to-competency is ``competent_at − first_assignment_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, CompetencyProgress, Evidence
from slackapp.domain import analytics

CONFIRMING_LEVEL = 3  # "a rubric level of 3+"
DEFAULT_THRESHOLD = 3
NOT_STARTED_STATES = ("declined", "cancelled")


@dataclass(frozen=True, slots=True)
class ProgressView:
    competency_id: str
    first_assignment_at: datetime
    evidence_count: int
    confirming_count: int  # evidence at level 3 or more
    competent_at: datetime | None

    @property
    def time_to_competency(self) -> timedelta | None:
        return None if self.competent_at is None else self.competent_at - self.first_assignment_at


def record_evidence(session: Session, *, assignment: Assignment, level: int, confirmed_by: str, now: datetime,
                    threshold: int = DEFAULT_THRESHOLD) -> Evidence:
    """The assignment's evidence row (one per assignment; a second call returns the first), then progress."""
    existing = session.scalar(select(Evidence).where(Evidence.assignment_id == assignment.id))
    if existing is not None:
        return existing
    evidence = Evidence(team_id=assignment.team_id, learner_id=assignment.learner_id,
                        competency_id=assignment.competency_id, skill_id=assignment.skill_id,
                        assignment_id=assignment.id, level=level, confirmed_by=confirmed_by, created_at=now)
    session.add(evidence)
    session.flush()
    analytics.record(session, now=now, team_id=assignment.team_id, user_id=assignment.learner_id,
                     name="evidence.recorded", object_type="assignment", object_id=assignment.id,
                     properties={"competency_id": assignment.competency_id, "skill_id": assignment.skill_id,
                                 "level": level, "confirmed_by": confirmed_by})
    update_progress(session, team_id=assignment.team_id, learner_id=assignment.learner_id,
                    competency_id=assignment.competency_id, now=now, threshold=threshold)
    return evidence


def first_assignment_at(session: Session, *, team_id: str, learner_id: str, competency_id: str) -> datetime | None:
    return session.scalar(select(func.min(Assignment.created_at)).where(
        Assignment.team_id == team_id, Assignment.learner_id == learner_id, Assignment.competency_id == competency_id,
        Assignment.state.not_in(NOT_STARTED_STATES)))


def _counts(session: Session, *, team_id: str, learner_id: str, competency_id: str) -> tuple[int, int]:
    levels = session.scalars(select(Evidence.level).where(
        Evidence.team_id == team_id, Evidence.learner_id == learner_id, Evidence.competency_id == competency_id)).all()
    return len(levels), sum(1 for level in levels if level >= CONFIRMING_LEVEL)


def _progress_row(session: Session, *, team_id: str, learner_id: str, competency_id: str, started: datetime,
                  now: datetime) -> CompetencyProgress:
    query = select(CompetencyProgress).where(CompetencyProgress.team_id == team_id,
                                             CompetencyProgress.learner_id == learner_id,
                                             CompetencyProgress.competency_id == competency_id)
    row = session.scalar(query)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = CompetencyProgress(team_id=team_id, learner_id=learner_id, competency_id=competency_id,
                                     first_assignment_at=started, evidence_count=0, updated_at=now)
            session.add(row)
        return row
    except IntegrityError:  # a concurrent first evidence created it
        found = session.scalar(query)
        assert found is not None
        return found


def update_progress(session: Session, *, team_id: str, learner_id: str, competency_id: str, now: datetime,
                    threshold: int = DEFAULT_THRESHOLD) -> CompetencyProgress:
    """Upsert the learner's progress in the competency from the assignments and evidence stored."""
    if threshold < 1:
        raise ValueError("the competency threshold must be at least 1")
    started = first_assignment_at(session, team_id=team_id, learner_id=learner_id, competency_id=competency_id)
    row = _progress_row(session, team_id=team_id, learner_id=learner_id, competency_id=competency_id,
                        started=started or now, now=now)
    if started is not None and started < row.first_assignment_at:
        row.first_assignment_at = started
    total, confirming = _counts(session, team_id=team_id, learner_id=learner_id, competency_id=competency_id)
    row.evidence_count = total
    row.updated_at = now
    if row.competent_at is None and confirming >= threshold:
        row.competent_at = now
        days = (now - row.first_assignment_at).total_seconds() / 86400
        analytics.record(session, now=now, team_id=team_id, user_id=learner_id, name="competency.confirmed",
                         object_type="competency", object_id=competency_id,
                         properties={"competency_id": competency_id, "days_to_competency": round(days, 2),
                                     "evidence_count": total, "threshold": threshold})
    return row


def progress_for(session: Session, *, team_id: str, learner_id: str) -> list[ProgressView]:
    """The learner's progress per competency (those with evidence), by competency id. Two queries."""
    rows = session.scalars(select(CompetencyProgress).where(
        CompetencyProgress.team_id == team_id, CompetencyProgress.learner_id == learner_id)
        .order_by(CompetencyProgress.competency_id)).all()
    confirming: dict[str, int] = {competency_id: int(count) for competency_id, count in session.execute(
        select(Evidence.competency_id, func.count()).where(
            Evidence.team_id == team_id, Evidence.learner_id == learner_id, Evidence.level >= CONFIRMING_LEVEL)
        .group_by(Evidence.competency_id))}
    return [ProgressView(competency_id=row.competency_id, first_assignment_at=row.first_assignment_at,
                         evidence_count=row.evidence_count, confirming_count=confirming.get(row.competency_id, 0),
                         competent_at=row.competent_at) for row in rows]


def time_to_competency(session: Session, *, team_id: str, competency_id: str | None = None) -> list[timedelta]:
    """Time-to-competency of every confirmed learner in the workspace (optionally one competency), shortest first."""
    query = select(CompetencyProgress.first_assignment_at, CompetencyProgress.competent_at).where(
        CompetencyProgress.team_id == team_id, CompetencyProgress.competent_at.is_not(None))
    if competency_id is not None:
        query = query.where(CompetencyProgress.competency_id == competency_id)
    durations = [competent - started for started, competent in session.execute(query) if competent]
    return sorted(durations)
