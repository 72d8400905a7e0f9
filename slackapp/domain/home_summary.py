"""What the Home tab shows about a person's practice: a bounded summary, whatever their history.

``summarise`` runs a fixed number of queries (five, or four when the person manages nobody) however
many assignments, reviews, reflections and evidence rows the person has: lists are
``LIMIT``-ed (with a window ``COUNT(*) OVER ()`` for the "and N more" figure), history is counted
in SQL, and every query is served by a composite index:

1. the person's open assignments (``ix_assignments_learner``), soonest due first, at most ``LIST_LIMIT``;
2. submissions waiting for this person's review (``ix_assignments_reviewer``), review deadline first;
3. the person's competency progress (``uq_progress``) with the evidence at rubric level 3+ counted per
   competency (``ix_evidence_learner``);
4. counts, one statement of scalar subqueries: assignments reviewed (completed), reviews given,
   reflections written (``ix_reflections_author``), active reports (``uq_team_links_pair``);
5. only when the person has reports: their open assignments, submissions waiting for review and
   overdue work, aggregated over a join (``uq_team_links_pair`` → ``ix_assignments_learner``).

``calendar_summary`` is the Home tab's calendar line in one query (the feed and its upcoming count).

Reflections are private: the Home tab only ever gets their number, never their text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from slackapp.db.models import (
    Assignment,
    CalendarFeed,
    CalendarOccurrence,
    CompetencyProgress,
    Evidence,
    Reflection,
    TeamLink,
)
from slackapp.domain.assignment_states import OPEN_STATES
from slackapp.domain.evidence import CONFIRMING_LEVEL, DEFAULT_THRESHOLD

LIST_LIMIT = 10  # open practice items and waiting reviews shown on the Home tab, each
WAITING_FOR_LEARNER = ("offered", "accepted", "changes_requested")  # the learner has the next move
UPCOMING_DAYS = 7


@dataclass(frozen=True, slots=True)
class PracticeItem:
    """One of the person's open micro-assignments."""

    assignment_id: int
    title: str
    competency: str
    state: str  # offered | accepted | submitted | changes_requested
    due_at: datetime
    late: bool  # past due with the next move still the learner's, or submitted after the due time
    reviewer_id: str
    review_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A submission waiting for this person's review."""

    assignment_id: int
    learner_id: str
    title: str
    competency: str
    submitted_at: datetime | None
    review_due_at: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class CompetencyLine:
    competency_id: str
    name: str
    evidence_count: int
    confirming_count: int  # evidence at rubric level 3 or more
    first_assignment_at: datetime
    competent_at: datetime | None

    @property
    def days_to_competency(self) -> float | None:
        if self.competent_at is None:
            return None
        return max(0.0, (self.competent_at - self.first_assignment_at).total_seconds() / 86400)


@dataclass(frozen=True, slots=True)
class TeamCounts:
    """A manager's view of their reports' practice (counts only)."""

    reports: int
    open_assignments: int
    awaiting_review: int  # submitted, waiting for someone's review
    overdue: int  # past due with the next move still the report's


@dataclass(frozen=True, slots=True)
class HomeSummary:
    practice: tuple[PracticeItem, ...] = ()
    practice_total: int = 0  # all open assignments, of which ``practice`` are the first LIST_LIMIT
    reviews: tuple[ReviewItem, ...] = ()
    reviews_total: int = 0
    progress: tuple[CompetencyLine, ...] = ()
    completed: int = 0  # the person's assignments reviewed
    reviews_given: int = 0  # others' assignments this person reviewed
    reflections: int = 0  # a count only: reflections are private
    team: TeamCounts | None = None  # None: the person manages nobody
    threshold: int = DEFAULT_THRESHOLD  # evidence at level 3+ that confirms a competency

    @property
    def more_practice(self) -> int:
        return max(0, self.practice_total - len(self.practice))

    @property
    def more_reviews(self) -> int:
        return max(0, self.reviews_total - len(self.reviews))

    @property
    def has_history(self) -> bool:
        return bool(self.completed or self.progress)


@dataclass(frozen=True, slots=True)
class CalendarSummary:
    url_hint: str
    status: str
    last_success_at: datetime | None
    last_error: str | None
    upcoming_7d: int | None  # None until the first successful sync


def _title(content: Any, template_id: str) -> str:
    try:
        return str(content.assignment(template_id).title)
    except (KeyError, AttributeError):  # a template retired from the content since it was assigned
        return template_id


def _competency(content: Any, competency_id: str) -> str:
    try:
        return str(content.competency(competency_id).name)
    except (KeyError, AttributeError):
        return competency_id


def _practice(session: Session, *, team_id: str, user_id: str, now: datetime,
              content: Any) -> tuple[tuple[PracticeItem, ...], int]:
    total = func.count().over().label("total")
    rows = session.execute(
        select(Assignment.id, Assignment.template_id, Assignment.competency_id, Assignment.state, Assignment.due_at,
               Assignment.late, Assignment.reviewer_id, Assignment.review_due_at, total)
        .where(Assignment.team_id == team_id, Assignment.learner_id == user_id,
               Assignment.state.in_(sorted(OPEN_STATES)))
        .order_by(Assignment.due_at, Assignment.id).limit(LIST_LIMIT)).all()
    items = tuple(PracticeItem(
        assignment_id=row.id, title=_title(content, row.template_id),
        competency=_competency(content, row.competency_id), state=row.state, due_at=row.due_at,
        late=bool(row.late) or (row.state in WAITING_FOR_LEARNER and row.due_at < now),
        reviewer_id=row.reviewer_id, review_due_at=row.review_due_at) for row in rows)
    return items, (int(rows[0].total) if rows else 0)


def _reviews(session: Session, *, team_id: str, user_id: str, now: datetime,
             content: Any) -> tuple[tuple[ReviewItem, ...], int]:
    total = func.count().over().label("total")
    no_deadline = case((Assignment.review_due_at.is_(None), 1), else_=0)
    rows = session.execute(
        select(Assignment.id, Assignment.learner_id, Assignment.template_id, Assignment.competency_id,
               Assignment.submitted_at, Assignment.review_due_at, total)
        .where(Assignment.team_id == team_id, Assignment.reviewer_id == user_id, Assignment.state == "submitted")
        .order_by(no_deadline, Assignment.review_due_at, Assignment.submitted_at, Assignment.id)
        .limit(LIST_LIMIT)).all()
    items = tuple(ReviewItem(
        assignment_id=row.id, learner_id=row.learner_id, title=_title(content, row.template_id),
        competency=_competency(content, row.competency_id), submitted_at=row.submitted_at,
        review_due_at=row.review_due_at, overdue=row.review_due_at is not None and row.review_due_at < now)
        for row in rows)
    return items, (int(rows[0].total) if rows else 0)


def _progress(session: Session, *, team_id: str, user_id: str, content: Any) -> tuple[CompetencyLine, ...]:
    confirming = (select(func.count()).select_from(Evidence)
                  .where(Evidence.team_id == team_id, Evidence.learner_id == user_id,
                         Evidence.competency_id == CompetencyProgress.competency_id,
                         Evidence.level >= CONFIRMING_LEVEL)
                  .correlate(CompetencyProgress).scalar_subquery())
    rows = session.execute(
        select(CompetencyProgress.competency_id, CompetencyProgress.evidence_count,
               CompetencyProgress.first_assignment_at, CompetencyProgress.competent_at, confirming.label("confirming"))
        .where(CompetencyProgress.team_id == team_id, CompetencyProgress.learner_id == user_id)
        .order_by(CompetencyProgress.competency_id)).all()
    lines = [CompetencyLine(competency_id=row.competency_id, name=_competency(content, row.competency_id),
                            evidence_count=int(row.evidence_count), confirming_count=int(row.confirming or 0),
                            first_assignment_at=row.first_assignment_at, competent_at=row.competent_at)
             for row in rows]
    # Confirmed competencies first (most recent first), then the rest by the evidence gathered.
    lines.sort(key=lambda line: (line.competent_at is None,
                                 -(line.competent_at.timestamp() if line.competent_at else 0),
                                 -line.evidence_count, line.name))
    return tuple(lines)


def _counts(session: Session, *, team_id: str, user_id: str) -> tuple[int, int, int, int]:
    """(completed, reviews given, reflections, active reports): one statement of scalar subqueries."""
    completed = select(func.count()).select_from(Assignment).where(
        Assignment.team_id == team_id, Assignment.learner_id == user_id, Assignment.state == "reviewed")
    given = select(func.count()).select_from(Assignment).where(
        Assignment.team_id == team_id, Assignment.reviewer_id == user_id, Assignment.state == "reviewed",
        Assignment.learner_id != user_id)
    reflections = select(func.count()).select_from(Reflection).where(
        Reflection.team_id == team_id, Reflection.user_id == user_id)
    reports = select(func.count()).select_from(TeamLink).where(
        TeamLink.team_id == team_id, TeamLink.manager_id == user_id, TeamLink.state == "active")
    row = session.execute(select(completed.scalar_subquery(), given.scalar_subquery(),
                                 reflections.scalar_subquery(), reports.scalar_subquery())).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


def _team(session: Session, *, team_id: str, user_id: str, reports: int, now: datetime) -> TeamCounts:
    overdue = case((and_(Assignment.state.in_(WAITING_FOR_LEARNER), Assignment.due_at < now), 1), else_=0)
    submitted = case((Assignment.state == "submitted", 1), else_=0)
    row = session.execute(
        select(func.count(Assignment.id), func.sum(submitted), func.sum(overdue))
        .select_from(TeamLink)
        .join(Assignment, and_(Assignment.team_id == TeamLink.team_id, Assignment.learner_id == TeamLink.report_id,
                               Assignment.state.in_(sorted(OPEN_STATES))))
        .where(TeamLink.team_id == team_id, TeamLink.manager_id == user_id, TeamLink.state == "active")).one()
    return TeamCounts(reports=reports, open_assignments=int(row[0] or 0), awaiting_review=int(row[1] or 0),
                      overdue=int(row[2] or 0))


def summarise(session: Session, *, team_id: str, user_id: str, now: datetime, content: Any,
              threshold: int = DEFAULT_THRESHOLD) -> HomeSummary:
    """The person's practice for the Home tab: at most five queries, however long their history."""
    practice, practice_total = _practice(session, team_id=team_id, user_id=user_id, now=now, content=content)
    reviews, reviews_total = _reviews(session, team_id=team_id, user_id=user_id, now=now, content=content)
    progress = _progress(session, team_id=team_id, user_id=user_id, content=content)
    completed, given, reflections, reports = _counts(session, team_id=team_id, user_id=user_id)
    team = _team(session, team_id=team_id, user_id=user_id, reports=reports, now=now) if reports else None
    return HomeSummary(practice=practice, practice_total=practice_total, reviews=reviews, reviews_total=reviews_total,
                       progress=progress, completed=completed, reviews_given=given, reflections=reflections,
                       team=team, threshold=threshold)


def calendar_summary(session: Session, *, team_id: str, user_id: str, now: datetime) -> CalendarSummary | None:
    """The person's calendar feed and how many timed meetings start in the next 7 days: one query."""
    upcoming = select(func.count()).select_from(CalendarOccurrence).where(
        CalendarOccurrence.team_id == team_id, CalendarOccurrence.user_id == user_id,
        CalendarOccurrence.start >= now, CalendarOccurrence.start < now + timedelta(days=UPCOMING_DAYS),
        CalendarOccurrence.all_day.is_(False), CalendarOccurrence.status != "CANCELLED").scalar_subquery()
    row = session.execute(
        select(CalendarFeed.url_hint, CalendarFeed.status, CalendarFeed.last_success_at, CalendarFeed.last_error,
               upcoming.label("upcoming"))
        .where(CalendarFeed.team_id == team_id, CalendarFeed.user_id == user_id)).first()
    if row is None:
        return None
    return CalendarSummary(url_hint=row.url_hint, status=row.status, last_success_at=row.last_success_at,
                           last_error=row.last_error,
                           upcoming_7d=int(row.upcoming or 0) if row.last_success_at is not None else None)
