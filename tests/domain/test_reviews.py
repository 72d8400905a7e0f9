"""Reviews in the domain: the promise in working hours, the reviewer card and reminders, the verdict,
request changes (more than once) then accept, evidence, permissions and "already done"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from slackapp.content import AssignmentTemplate, Competency, ContentLibrary, RubricLevel, Skill
from slackapp.db import Database
from slackapp.db.models import (
    AnalyticsEvent,
    Assignment,
    AssignmentTransition,
    CompetencyProgress,
    Delivery,
    Evidence,
    Person,
    Review,
    Submission,
)
from slackapp.domain import deliveries, reviews, sent_hooks
from slackapp.domain.assignment_states import transition
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied

TEAM = "T1"
LEARNER, REVIEWER, OTHER, ADMIN = "ULEARNER", "UREVIEWER", "UOTHER", "UADMIN"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 10:00 in London (UTC in November)
FEEDBACK = "In Tuesday's standup you named the blocker before anyone asked; the team re-planned in minutes."


def library() -> ContentLibrary:
    skill = Skill(id="giving-feedback.sbi", name="SBI feedback", description="Situation, behaviour, impact.",
                  indicators=("Names a specific situation",))
    competency = Competency(id="giving-feedback", name="Giving feedback", summary="Feedback people can use.",
                            skills=(skill,))
    template = AssignmentTemplate(
        id="give-sbi-feedback", title="Give one piece of SBI feedback", competency_id="giving-feedback",
        skill_id="giving-feedback.sbi", timebox_hours=72, effort_minutes=30, why="Specific feedback lands.",
        instructions=("Pick one moment.", "Write it down first."),
        deliverable="Your SBI and the person's response.",
        success_criteria=("The situation names a time and place.", "The behaviour is observable."),
        rubric=(RubricLevel(1, "Not yet", "No specific situation or behaviour."),
                RubricLevel(2, "Developing", "Specific situation, but a label creeps in."),
                RubricLevel(3, "Proficient", "Situation, behaviour and impact are all concrete."),
                RubricLevel(4, "Role model", "As Proficient, and built on their response.")),
    )
    return ContentLibrary(competencies=(competency,), assignments=(template,))


CONTENT = library()


def _person(db: Database, user_id: str, tz: str = "Europe/London") -> None:
    with db.session() as session:
        session.add(Person(team_id=TEAM, user_id=user_id, tz=tz, opt_in="opted_in", created_at=NOW, muted_kinds=[]))


def _submitted(db: Database, *, late: bool = False, self_level: int | None = 3, card: bool = True,
               created_at: datetime = NOW - timedelta(days=2)) -> int:
    """An assignment in state "submitted" with version 1, and its review requested."""
    with db.session() as session:
        assignment = Assignment(team_id=TEAM, learner_id=LEARNER, assigned_by=REVIEWER, reviewer_id=REVIEWER,
                                template_id="give-sbi-feedback", competency_id="giving-feedback",
                                skill_id="giving-feedback.sbi", state="accepted", due_at=NOW - timedelta(hours=1),
                                late=late, card_channel="DLEARNER" if card else None,
                                card_ts="1700000000.000100" if card else None,
                                created_at=created_at, updated_at=created_at)
        session.add(assignment)
        session.flush()
        transition(session, assignment, to_state="submitted", actor_id=LEARNER, now=NOW)
        submission = Submission(assignment_id=assignment.id, version=1, summary="I gave Sam SBI feedback.\nIt landed.",
                                link="https://docs.example.com/sbi", self_level=self_level, late=late, submitted_at=NOW)
        session.add(submission)
        session.flush()
        reviews.request_review(session, assignment=assignment, submission=submission, now=NOW, content=CONTENT)
        return assignment.id


def _resubmit(db: Database, assignment_id: int, version: int, now: datetime) -> None:
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        transition(session, assignment, to_state="submitted", actor_id=LEARNER, now=now)
        submission = Submission(assignment_id=assignment_id, version=version, summary=f"Version {version}.",
                                submitted_at=now)
        session.add(submission)
        session.flush()
        reviews.request_review(session, assignment=assignment, submission=submission, now=now, content=CONTENT)


def _review(db: Database, assignment_id: int, *, outcome: str = reviews.ACCEPTED, level: int | None = 3,
            feedback: str = FEEDBACK, evidence: bool = True, reviewer: str = REVIEWER, now: datetime = NOW,
            version: int | None = None, threshold: int = 3) -> Review:
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        return reviews.submit_review(session, assignment=assignment, reviewer_id=reviewer, outcome=outcome,
                                     level=level, feedback=feedback, counts_as_evidence=evidence, now=now,
                                     threshold=threshold, admins=(ADMIN,), version=version)


def _deliveries(db: Database) -> dict[str, Delivery]:
    with db.session() as session:
        return {d.key: d for d in session.scalars(select(Delivery))}


def _events(db: Database, name: str) -> list[AnalyticsEvent]:
    with db.session() as session:
        return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == name)))


@pytest.fixture
def people(db: Database) -> None:
    _person(db, REVIEWER)
    _person(db, LEARNER)


def test_request_review_promises_working_hours_and_schedules_card_and_reminders(db: Database, people: None) -> None:
    assignment_id = _submitted(db, late=True)
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        # 24 working hours (09:00–17:30) from Monday 10:00: 7.5 + 8.5 + 8 → Wednesday 17:00.
        assert assignment.review_due_at == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    rows = _deliveries(db)
    card = rows[f"review-request:{assignment_id}:1"]
    assert (card.kind, card.user_id, card.due_at, card.state) == ("review_request", REVIEWER, NOW, "scheduled")
    assert card.payload == {
        "assignment_id": assignment_id, "submission_id": card.payload["submission_id"], "version": 1,
        "learner_id": LEARNER, "reviewer_id": REVIEWER, "template_id": "give-sbi-feedback",
        "title": "Give one piece of SBI feedback", "competency_id": "giving-feedback",
        "skill_id": "giving-feedback.sbi", "competency_name": "Giving feedback", "skill_name": "SBI feedback",
        "deliverable": "Your SBI and the person's response.",
        "success_criteria": ["The situation names a time and place.", "The behaviour is observable."],
        "summary": "I gave Sam SBI feedback.\nIt landed.", "link": "https://docs.example.com/sbi",
        "self_level": 3, "self_level_name": "Proficient", "late": True,
        "review_due_at": "2026-11-25T17:00:00+00:00", "review_hours": 24,
    }
    soon, overdue = rows[f"review-reminder:{assignment_id}:1:1"], rows[f"review-reminder:{assignment_id}:1:2"]
    assert soon.kind == overdue.kind == "review_reminder"
    assert soon.due_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 4 working hours before the promise
    assert overdue.due_at == datetime(2026, 11, 26, 10, 30, tzinfo=UTC)  # 2 working hours after it (17:30 → Thu)
    assert (soon.payload["stage"], overdue.payload["stage"]) == ("due_soon", "overdue")
    (event,) = _events(db, "review.requested")
    assert event.properties["late"] is True and event.properties["version"] == 1 and event.user_id == REVIEWER


def test_the_promise_follows_the_reviewers_zone_and_hours_setting(db: Database) -> None:
    _person(db, REVIEWER, tz="America/New_York")  # 10:00 UTC is 05:00 in New York: work starts at 09:00 local
    with db.session() as session:
        assignment = Assignment(team_id=TEAM, learner_id=LEARNER, assigned_by=REVIEWER, reviewer_id=REVIEWER,
                                template_id="gone-template", competency_id="giving-feedback",
                                skill_id="giving-feedback.sbi", state="submitted", due_at=NOW, created_at=NOW,
                                updated_at=NOW)
        session.add(assignment)
        session.flush()
        submission = Submission(assignment_id=assignment.id, version=1, summary="Done.", submitted_at=NOW)
        session.add(submission)
        session.flush()
        reviews.request_review(session, assignment=assignment, submission=submission, now=NOW, hours=4)
        assert assignment.review_due_at == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 13:00 New York
        assignment_id = assignment.id
        payload = deliveries.by_key(session, reviews.request_key(assignment_id, 1))
        assert payload is not None and payload.payload["title"] == "gone-template"  # no content: ids, not a crash
        assert payload.payload["self_level_name"] == "" and payload.payload["success_criteria"] == []
    keys = set(_deliveries(db))
    assert reviews.reminder_key(assignment_id, 1, 1) not in keys  # 4 hours leave no room for "due soon"
    assert reviews.reminder_key(assignment_id, 1, 2) in keys


def test_request_changes_twice_then_accept_records_every_transition(db: Database, people: None) -> None:
    assignment_id = _submitted(db)
    first = _review(db, assignment_id, outcome=reviews.CHANGES_REQUESTED, level=2)
    assert first.outcome == "changes_requested" and first.counts_as_evidence is False
    _resubmit(db, assignment_id, 2, NOW + timedelta(hours=3))
    _review(db, assignment_id, outcome=reviews.CHANGES_REQUESTED, level=None, now=NOW + timedelta(hours=4))
    _resubmit(db, assignment_id, 3, NOW + timedelta(days=1))
    final = _review(db, assignment_id, level=4, now=NOW + timedelta(days=1, hours=1))
    assert final.counts_as_evidence is True and final.level == 4
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        assert assignment.state == "reviewed" and assignment.reviewed_at == NOW + timedelta(days=1, hours=1)
        moves = [(t.from_state, t.to_state, t.actor_id) for t in
                 session.scalars(select(AssignmentTransition).order_by(AssignmentTransition.id))]
        assert moves == [("accepted", "submitted", LEARNER), ("submitted", "changes_requested", REVIEWER),
                         ("changes_requested", "submitted", LEARNER), ("submitted", "changes_requested", REVIEWER),
                         ("changes_requested", "submitted", LEARNER), ("submitted", "reviewed", REVIEWER)]
        versions = {r.submission_id: r.outcome for r in reviews.reviews_of(session, assignment_id)}
        assert len(versions) == 3
        (evidence,) = session.scalars(select(Evidence))
        assert (evidence.level, evidence.confirmed_by, evidence.skill_id) == (4, REVIEWER, "giving-feedback.sbi")
    rows = _deliveries(db)
    for version in (1, 2, 3):  # every version had a fresh card; no reminder of any version is left to go out
        assert rows[reviews.request_key(assignment_id, version)].kind == "review_request"
        for n in (1, 2):
            assert rows[reviews.reminder_key(assignment_id, version, n)].state == "cancelled"
    assert [e.properties["outcome"] for e in _events(db, "review.submitted")] == [
        "changes_requested", "changes_requested", "accepted"]
    assert [e.properties["level"] for e in _events(db, "review.submitted")] == [2, None, 4]


def test_only_the_reviewer_or_an_admin_may_review(db: Database, people: None) -> None:
    assignment_id = _submitted(db)
    with pytest.raises(PermissionDenied) as refused:
        _review(db, assignment_id, reviewer=OTHER)
    assert refused.value.user_message == f"Only <@{REVIEWER}> can review this."
    with pytest.raises(PermissionDenied):
        _review(db, assignment_id, reviewer=LEARNER)  # not even the learner themselves
    review = _review(db, assignment_id, reviewer=ADMIN)
    assert review.reviewer_id == ADMIN


def test_a_second_review_of_the_same_version_is_already_done(db: Database, people: None) -> None:
    assignment_id = _submitted(db)
    _review(db, assignment_id, outcome=reviews.CHANGES_REQUESTED, level=None)
    with pytest.raises(AlreadyDone, match="already done"):
        _review(db, assignment_id, outcome=reviews.CHANGES_REQUESTED, level=None)
    _resubmit(db, assignment_id, 2, NOW + timedelta(hours=1))
    with pytest.raises(AlreadyDone, match="newer submission"):  # a modal left open on version 1
        _review(db, assignment_id, version=1)
    _review(db, assignment_id, version=2)
    with pytest.raises(AlreadyDone):
        _review(db, assignment_id, version=2)
    with db.session() as session:
        assert len(reviews.reviews_of(session, assignment_id)) == 2


def test_nothing_to_review_and_unknown_assignments(db: Database, people: None) -> None:
    with db.session() as session:
        assignment = Assignment(team_id=TEAM, learner_id=LEARNER, assigned_by=REVIEWER, reviewer_id=REVIEWER,
                                template_id="give-sbi-feedback", competency_id="giving-feedback",
                                skill_id="giving-feedback.sbi", state="accepted", due_at=NOW, created_at=NOW,
                                updated_at=NOW)
        session.add(assignment)
        session.flush()
        with pytest.raises(NotFound, match="hasn't been submitted"):
            reviews.reviewable_submission(session, assignment)
        with pytest.raises(NotFound):
            reviews.load_assignment(session, team_id="T-OTHER", assignment_id=assignment.id)


def test_feedback_is_required_and_a_level_when_accepting(db: Database, people: None) -> None:
    assert reviews.validate_review(outcome=None, level=None, feedback="  ") == {
        "feedback": reviews.FEEDBACK_REQUIRED, "outcome": reviews.OUTCOME_REQUIRED}
    assert reviews.validate_review(outcome="accepted", level=None, feedback="ok") == {
        "level": reviews.LEVEL_REQUIRED}
    assert reviews.validate_review(outcome="accepted", level=7, feedback="ok") == {"level": reviews.LEVEL_INVALID}
    assert reviews.validate_review(outcome="changes_requested", level=None, feedback="x" * 3001) == {
        "feedback": reviews.FEEDBACK_TOO_LONG}
    assert reviews.validate_review(outcome="changes_requested", level=None, feedback="Try again.") == {}
    assignment_id = _submitted(db)
    with pytest.raises(InvalidInput, match="Write your feedback"):
        _review(db, assignment_id, feedback=" \n ")
    with pytest.raises(InvalidInput, match="Pick a rubric level"):
        _review(db, assignment_id, level=None)
    with db.session() as session:
        assert session.get_one(Assignment, assignment_id).state == "submitted"  # nothing changed


def test_evidence_needs_accept_a_level_and_the_box(db: Database, people: None) -> None:
    assignment_id = _submitted(db)
    changes = _review(db, assignment_id, outcome=reviews.CHANGES_REQUESTED, level=3, evidence=True)
    assert changes.counts_as_evidence is False
    _resubmit(db, assignment_id, 2, NOW + timedelta(hours=1))
    accepted = _review(db, assignment_id, level=3, evidence=False, now=NOW + timedelta(hours=2))
    assert accepted.counts_as_evidence is False
    with db.session() as session:
        assert session.scalars(select(Evidence)).all() == []
        assert session.scalars(select(CompetencyProgress)).all() == []
    assert _events(db, "evidence.recorded") == []


def test_accepting_with_evidence_moves_progress_and_records_no_feedback_text(db: Database, people: None) -> None:
    assignment_id = _submitted(db, late=True)
    _review(db, assignment_id, level=3)
    with db.session() as session:
        (progress,) = session.scalars(select(CompetencyProgress))
        assert (progress.learner_id, progress.competency_id, progress.evidence_count) == (
            LEARNER, "giving-feedback", 1)
        assert progress.first_assignment_at == NOW - timedelta(days=2) and progress.competent_at is None
    (submitted,) = _events(db, "review.submitted")
    assert submitted.properties["late"] is True and submitted.properties["on_time"] is True
    (recorded,) = _events(db, "evidence.recorded")
    assert recorded.properties == {"competency_id": "giving-feedback", "skill_id": "giving-feedback.sbi",
                                   "level": 3, "confirmed_by": REVIEWER}
    with db.session() as session:
        everything = json.dumps([e.properties for e in session.scalars(select(AnalyticsEvent))])
    assert FEEDBACK not in everything and "Tuesday" not in everything


def test_a_late_review_is_recorded_as_not_on_time(db: Database, people: None) -> None:
    assignment_id = _submitted(db)
    _review(db, assignment_id, now=NOW + timedelta(days=4))
    assert _events(db, "review.submitted")[0].properties["on_time"] is False


def test_the_feedback_goes_out_as_a_dm_when_the_learners_card_is_unknown(db: Database, people: None) -> None:
    with_card = _submitted(db)
    _review(db, with_card)
    without_card = _submitted(db, card=False)
    review = _review(db, without_card, outcome=reviews.CHANGES_REQUESTED, level=2)
    rows = _deliveries(db)
    threaded = rows[reviews.result_key(with_card, 1)]  # through the outbox too: a reply under the card
    assert threaded.kind == "review_result" and threaded.payload["thread_ts"]
    result = rows[reviews.result_key(without_card, 1)]
    assert (result.kind, result.user_id, result.due_at) == ("review_result", LEARNER, NOW)
    assert result.payload == {"assignment_id": without_card, "version": 1, "template_id": "give-sbi-feedback",
                              "learner_id": LEARNER, "reviewer_id": REVIEWER, "outcome": "changes_requested",
                              "level": 2, "feedback": review.feedback, "counts_as_evidence": False,
                              "skill_id": "giving-feedback.sbi", "confirmed_competency": None}


def test_sent_reviewer_card_is_remembered_unless_a_newer_version_exists(db: Database, people: None) -> None:
    assignment_id = _submitted(db)

    def sent(version: int, ts: str) -> None:
        with db.session() as session:
            delivery = deliveries.by_key(session, reviews.request_key(assignment_id, version))
            assert delivery is not None
            deliveries.mark_sent(session, delivery, channel_id="DREVIEWER", ts=ts, now=NOW, reason="test")
            sent_hooks.on_sent(session, delivery)

    sent(1, "1.000001")
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        assert (assignment.reviewer_card_channel, assignment.reviewer_card_ts) == ("DREVIEWER", "1.000001")
    _review(db, assignment_id, outcome=reviews.CHANGES_REQUESTED, level=None)
    _resubmit(db, assignment_id, 2, NOW + timedelta(hours=1))
    sent(2, "2.000002")
    with db.session() as session:
        assert session.get_one(Assignment, assignment_id).reviewer_card_ts == "2.000002"
        assert [d.key for d in reviews.sent_cards(session, assignment_id=assignment_id, version=2)] == [
            reviews.request_key(assignment_id, 2)]


def test_cancel_review_stops_the_pending_card_and_reminders(db: Database, people: None) -> None:
    assignment_id = _submitted(db)
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        assert reviews.cancel_review(session, assignment=assignment, now=NOW) == 3
        transition(session, assignment, to_state="cancelled", actor_id=REVIEWER, now=NOW)
    assert {d.state for d in _deliveries(db).values()} == {"cancelled"}
    with pytest.raises(AlreadyDone, match="cancelled"):
        _review(db, assignment_id)


def test_the_same_request_twice_changes_nothing(db: Database, people: None) -> None:
    assignment_id = _submitted(db)
    with db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        submission = reviews.latest_submission(session, assignment_id)
        assert submission is not None
        reviews.request_review(session, assignment=assignment, submission=submission, now=NOW, content=CONTENT)
    assert len(_deliveries(db)) == 3


def test_rubric_names_fall_back_to_the_content_convention() -> None:
    assert [c.name for c in reviews.rubric(None)] == ["Not yet", "Developing", "Proficient", "Role model"]
    template: Any = CONTENT.assignment("give-sbi-feedback")
    assert reviews.level_name(template, 3) == "Proficient" and reviews.level_name(template, None) == ""
    assert reviews.template_of(CONTENT, "retired") is None and reviews.template_of(object(), "x") is None
