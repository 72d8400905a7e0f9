"""Evidence and competency progress: counting, confirmation at the threshold, time-to-competency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from slackapp.db import Database
from slackapp.db.models import AnalyticsEvent, Assignment, CompetencyProgress, Evidence
from slackapp.domain import evidence

TEAM = "T1"
LEARNER, MANAGER = "ULEARNER", "UMANAGER"
START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _assignment(db: Database, *, created_at: datetime, state: str = "reviewed", learner: str = LEARNER,
                competency: str = "giving-feedback") -> int:
    with db.session() as session:
        assignment = Assignment(team_id=TEAM, learner_id=learner, assigned_by=MANAGER, reviewer_id=MANAGER,
                                template_id="give-sbi-feedback", competency_id=competency,
                                skill_id=f"{competency}.sbi", state=state, due_at=created_at + timedelta(days=3),
                                created_at=created_at, updated_at=created_at)
        session.add(assignment)
        session.flush()
        return assignment.id


def _evidence(db: Database, assignment_id: int, level: int, now: datetime, threshold: int = 3) -> None:
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        evidence.record_evidence(session, assignment=assignment, level=level, confirmed_by=MANAGER, now=now,
                                 threshold=threshold)


def _progress(db: Database, learner: str = LEARNER) -> list[evidence.ProgressView]:
    with db.session() as session:
        return evidence.progress_for(session, team_id=TEAM, learner_id=learner)


def _confirmed(db: Database) -> list[AnalyticsEvent]:
    with db.session() as session:
        return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == "competency.confirmed")))


def test_competency_is_confirmed_when_enough_evidence_reaches_level_three(db: Database) -> None:
    _assignment(db, created_at=START - timedelta(days=5), state="declined")  # never started: not the start
    first = _assignment(db, created_at=START)
    ids = [first] + [_assignment(db, created_at=START + timedelta(days=d)) for d in (7, 14, 21)]
    _evidence(db, ids[0], 3, START + timedelta(days=2))
    _evidence(db, ids[1], 2, START + timedelta(days=9))  # counts as evidence, not toward competence
    _evidence(db, ids[2], 4, START + timedelta(days=16))
    (view,) = _progress(db)
    assert (view.evidence_count, view.confirming_count, view.competent_at) == (3, 2, None)
    assert view.first_assignment_at == START and view.time_to_competency is None
    assert _confirmed(db) == []

    confirmed_at = START + timedelta(days=22, hours=12)
    _evidence(db, ids[3], 3, confirmed_at)
    (view,) = _progress(db)
    assert (view.evidence_count, view.confirming_count, view.competent_at) == (4, 3, confirmed_at)
    assert view.time_to_competency == timedelta(days=22, hours=12)
    (event,) = _confirmed(db)
    assert event.user_id == LEARNER and event.object_id == "giving-feedback"
    assert event.properties == {"competency_id": "giving-feedback", "days_to_competency": 22.5,
                                "evidence_count": 4, "threshold": 3}

    # More evidence later never moves the confirmation or records it twice.
    later = _assignment(db, created_at=START + timedelta(days=30))
    _evidence(db, later, 4, START + timedelta(days=31))
    (view,) = _progress(db)
    assert view.competent_at == confirmed_at and view.evidence_count == 5
    assert len(_confirmed(db)) == 1


def test_the_threshold_is_configurable(db: Database) -> None:
    assignment_id = _assignment(db, created_at=START)
    _evidence(db, assignment_id, 3, START + timedelta(days=1), threshold=1)
    (view,) = _progress(db)
    assert view.competent_at == START + timedelta(days=1)
    with db.session() as session, pytest.raises(ValueError, match="at least 1"):
        evidence.update_progress(session, team_id=TEAM, learner_id=LEARNER, competency_id="giving-feedback",
                                 now=START, threshold=0)


def test_first_assignment_ignores_declined_and_cancelled_and_other_competencies(db: Database) -> None:
    _assignment(db, created_at=START - timedelta(days=9), state="cancelled")
    _assignment(db, created_at=START - timedelta(days=8), competency="delegating")
    _assignment(db, created_at=START - timedelta(days=7), learner="USOMEONE")
    started = _assignment(db, created_at=START - timedelta(days=3), state="changes_requested")
    reviewed = _assignment(db, created_at=START)
    _evidence(db, reviewed, 3, START + timedelta(days=1))
    with db.session() as session:
        assert session.get_one(Assignment, started).state == "changes_requested"
        (row,) = session.scalars(select(CompetencyProgress))
        assert row.first_assignment_at == START - timedelta(days=3)


def test_one_evidence_row_per_assignment(db: Database) -> None:
    assignment_id = _assignment(db, created_at=START)
    _evidence(db, assignment_id, 3, START)
    _evidence(db, assignment_id, 4, START + timedelta(hours=1))
    with db.session() as session:
        (row,) = session.scalars(select(Evidence))
        assert row.level == 3
        (progress,) = session.scalars(select(CompetencyProgress))
        assert progress.evidence_count == 1


def test_time_to_competency_across_learners_and_competencies(db: Database) -> None:
    for learner, days in (("UA", 10), ("UB", 4)):
        assignment_id = _assignment(db, created_at=START, learner=learner)
        _evidence(db, assignment_id, 3, START + timedelta(days=days), threshold=1)
    other = _assignment(db, created_at=START, learner="UA", competency="delegating")
    _evidence(db, other, 4, START + timedelta(days=2), threshold=1)
    unconfirmed = _assignment(db, created_at=START, learner="UC")
    _evidence(db, unconfirmed, 2, START + timedelta(days=1), threshold=1)
    with db.session() as session:
        assert evidence.time_to_competency(session, team_id=TEAM) == [
            timedelta(days=2), timedelta(days=4), timedelta(days=10)]
        assert evidence.time_to_competency(session, team_id=TEAM, competency_id="giving-feedback") == [
            timedelta(days=4), timedelta(days=10)]
        assert evidence.time_to_competency(session, team_id="T-OTHER") == []
    assert [v.competency_id for v in _progress(db, "UA")] == ["delegating", "giving-feedback"]
    assert _progress(db, "UC")[0].confirming_count == 0
