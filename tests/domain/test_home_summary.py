"""The Home tab's practice summary: open work, reviews waiting, team counts, progress — in a bounded
number of queries however long the person's history is."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session

from slackapp.content import ContentLibrary
from slackapp.db import Database
from slackapp.db.models import (
    Assignment,
    CalendarFeed,
    CalendarOccurrence,
    CompetencyProgress,
    Evidence,
    Reflection,
    Review,
    Submission,
    TeamLink,
)
from slackapp.domain import home_summary
from slackapp.domain.home_summary import LIST_LIMIT, summarise

TEAM = "T1"
ME, BOSS, REPORT_A, REPORT_B = "UME", "UBOSS", "UREPA", "UREPB"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


# -- helpers shared with tests/listeners/test_home_progress.py ---------------------------------------


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def assignment(session: Session, *, learner: str, reviewer: str, template: Any, state: str, due_at: datetime,
               team_id: str = TEAM, review_due_at: datetime | None = None, late: bool = False,
               created_at: datetime | None = None) -> Assignment:
    created = created_at or due_at - timedelta(days=3)
    row = Assignment(team_id=team_id, learner_id=learner, assigned_by=reviewer, reviewer_id=reviewer,
                     template_id=template.id, competency_id=template.competency_id, skill_id=template.skill_id,
                     context_note="From the planning thread.", state=state, due_at=due_at,
                     review_due_at=review_due_at, late=late, created_at=created, updated_at=created,
                     submitted_at=created + timedelta(days=1) if state in ("submitted", "reviewed") else None)
    session.add(row)
    session.flush()
    return row


def seed_history(session: Session, *, team_id: str, user_id: str, manager_id: str, reports: Sequence[str],
                 now: datetime, content: ContentLibrary, count: int = 1000) -> None:
    """A long history for ``user_id``: ``count`` past assignments of their own (mixed final states; the
    reviewed ones with a submission and a review, some with evidence), ``count`` reviews they gave their
    reports (with submissions), ``count`` reflections, and progress in every competency."""
    templates = content.assignments
    start = now - timedelta(days=720)
    for report in reports:
        session.add(TeamLink(team_id=team_id, manager_id=user_id, report_id=report, state="active",
                             invited_by=user_id, created_at=start, responded_at=start, updated_at=start))
    own_states = ("reviewed", "reviewed", "reviewed", "declined", "cancelled")

    def row(i: int, learner: str, reviewer: str, state: str) -> dict[str, Any]:
        template = templates[i % len(templates)]
        created = start + timedelta(hours=12 * i)
        return {"team_id": team_id, "learner_id": learner, "assigned_by": reviewer, "reviewer_id": reviewer,
                "template_id": template.id, "competency_id": template.competency_id, "skill_id": template.skill_id,
                "context_note": "", "state": state, "due_at": created + timedelta(days=3), "late": i % 7 == 0,
                "created_at": created, "updated_at": created + timedelta(days=4),
                "submitted_at": created + timedelta(days=2) if state == "reviewed" else None,
                "reviewed_at": created + timedelta(days=3) if state == "reviewed" else None}

    own = [row(i, user_id, manager_id, own_states[i % len(own_states)]) for i in range(count)]
    given = [row(i, reports[i % len(reports)], user_id, "reviewed") for i in range(count)]
    own_ids = list(session.scalars(insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), own))
    given_ids = list(session.scalars(insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True),
                                     given))
    reviewed = [(aid, data) for aid, data in zip(own_ids, own, strict=True) if data["state"] == "reviewed"]
    reviewed += list(zip(given_ids, given, strict=True))
    submission_ids = list(session.scalars(
        insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
        [{"assignment_id": aid, "version": 1, "summary": "Done.", "late": bool(data["late"]),
          "submitted_at": data["submitted_at"]} for aid, data in reviewed]))
    session.execute(insert(Review), [
        {"assignment_id": aid, "submission_id": sid, "reviewer_id": data["reviewer_id"], "outcome": "accepted",
         "level": 2 + (aid % 3), "feedback": "Concrete and kind.", "counts_as_evidence": True,
         "created_at": data["reviewed_at"]}
        for (aid, data), sid in zip(reviewed, submission_ids, strict=True)])
    mine = [(aid, data) for aid, data in reviewed if data["learner_id"] == user_id]
    session.execute(insert(Evidence), [
        {"team_id": team_id, "learner_id": user_id, "competency_id": data["competency_id"],
         "skill_id": data["skill_id"], "assignment_id": aid, "level": 2 + (aid % 3), "confirmed_by": manager_id,
         "created_at": data["reviewed_at"]} for aid, data in mine])
    by_competency: dict[str, list[dict[str, Any]]] = {}
    for _, data in mine:
        by_competency.setdefault(data["competency_id"], []).append(data)
    session.execute(insert(CompetencyProgress), [
        {"team_id": team_id, "learner_id": user_id, "competency_id": cid, "first_assignment_at": rows[0]["created_at"],
         "evidence_count": len(rows), "competent_at": rows[2]["reviewed_at"] if len(rows) > 2 else None,
         "updated_at": now} for cid, rows in by_competency.items()])
    session.execute(insert(Reflection), [
        {"team_id": team_id, "user_id": user_id, "moment_id": "one-on-one", "encrypted_answers": "opaque",
         "shared_with_manager": i % 2 == 0, "created_at": start + timedelta(hours=12 * i)} for i in range(count)])


# -- the summary -------------------------------------------------------------------------------------


def _summary(db: Database, content: ContentLibrary, user_id: str = ME, now: datetime = NOW,
             **kwargs: Any) -> home_summary.HomeSummary:
    with db.session() as session:
        return summarise(session, team_id=TEAM, user_id=user_id, now=now, content=content, **kwargs)


def test_open_practice_comes_soonest_due_first_with_state_title_competency_and_late_flags(
    db: Database, content_library: ContentLibrary
) -> None:
    sbi = content_library.assignment("give-sbi-feedback")
    agenda = content_library.assignment("report-sets-the-one-on-one-agenda")
    with db.session() as session:
        offered = assignment(session, learner=ME, reviewer=BOSS, template=sbi, state="offered",
                             due_at=NOW + timedelta(days=2))
        overdue = assignment(session, learner=ME, reviewer=BOSS, template=agenda, state="accepted",
                             due_at=NOW - timedelta(hours=1))
        submitted_late = assignment(session, learner=ME, reviewer=BOSS, template=sbi, state="submitted",
                                    due_at=NOW - timedelta(days=1), review_due_at=NOW + timedelta(hours=20),
                                    late=True)
        changes = assignment(session, learner=ME, reviewer=BOSS, template=agenda, state="changes_requested",
                             due_at=NOW + timedelta(days=5))
        # Not open, not mine, or another workspace's: never listed.
        for state in ("reviewed", "declined", "cancelled"):
            assignment(session, learner=ME, reviewer=BOSS, template=sbi, state=state, due_at=NOW)
        assignment(session, learner=REPORT_A, reviewer=ME, template=sbi, state="accepted", due_at=NOW)
        assignment(session, learner=ME, reviewer=BOSS, template=sbi, state="accepted", due_at=NOW, team_id="T2")
        ids = [submitted_late.id, overdue.id, offered.id, changes.id]

    summary = _summary(db, content_library)
    assert [item.assignment_id for item in summary.practice] == ids
    assert summary.practice_total == 4 and summary.more_practice == 0
    by_id = {item.assignment_id: item for item in summary.practice}
    assert by_id[offered.id].title == sbi.title
    assert by_id[offered.id].competency == content_library.competency("giving-feedback").name
    assert by_id[offered.id].state == "offered" and by_id[offered.id].late is False
    assert by_id[overdue.id].late is True  # past due, the learner still has to submit
    assert by_id[submitted_late.id].late is True  # submitted after the due time
    assert by_id[submitted_late.id].review_due_at == NOW + timedelta(hours=20)
    assert by_id[changes.id].late is False


def test_a_submitted_item_on_time_is_not_late_even_after_its_due_time(
    db: Database, content_library: ContentLibrary
) -> None:
    sbi = content_library.assignment("give-sbi-feedback")
    with db.session() as session:
        assignment(session, learner=ME, reviewer=BOSS, template=sbi, state="submitted",
                   due_at=NOW - timedelta(days=1))
    (item,) = _summary(db, content_library).practice
    assert item.late is False  # the learner's part was done in time; the wait is the reviewer's


def test_lists_are_capped_and_say_how_many_more_there_are(db: Database, content_library: ContentLibrary) -> None:
    sbi = content_library.assignment("give-sbi-feedback")
    with db.session() as session:
        for i in range(LIST_LIMIT + 3):
            assignment(session, learner=ME, reviewer=BOSS, template=sbi, state="accepted",
                       due_at=NOW + timedelta(hours=i))
            assignment(session, learner=REPORT_A, reviewer=ME, template=sbi, state="submitted",
                       due_at=NOW, review_due_at=NOW + timedelta(hours=30 - i))
    summary = _summary(db, content_library)
    assert len(summary.practice) == LIST_LIMIT and summary.practice_total == LIST_LIMIT + 3
    assert summary.more_practice == 3
    assert [item.due_at for item in summary.practice] == [NOW + timedelta(hours=i) for i in range(LIST_LIMIT)]
    assert len(summary.reviews) == LIST_LIMIT and summary.more_reviews == 3
    due = [item.review_due_at for item in summary.reviews]
    assert due == sorted(d for d in due if d is not None)  # the most urgent first


def test_reviews_waiting_are_this_persons_submitted_ones_with_overdue_flags(
    db: Database, content_library: ContentLibrary
) -> None:
    sbi = content_library.assignment("give-sbi-feedback")
    with db.session() as session:
        overdue = assignment(session, learner=REPORT_A, reviewer=ME, template=sbi, state="submitted",
                             due_at=NOW - timedelta(days=2), review_due_at=NOW - timedelta(hours=2))
        soon = assignment(session, learner=REPORT_B, reviewer=ME, template=sbi, state="submitted",
                          due_at=NOW, review_due_at=NOW + timedelta(hours=3))
        no_deadline = assignment(session, learner=REPORT_B, reviewer=ME, template=sbi, state="submitted", due_at=NOW)
        assignment(session, learner=REPORT_A, reviewer=ME, template=sbi, state="accepted", due_at=NOW)
        assignment(session, learner=REPORT_A, reviewer=ME, template=sbi, state="reviewed", due_at=NOW)
        assignment(session, learner=REPORT_A, reviewer=BOSS, template=sbi, state="submitted", due_at=NOW)
    summary = _summary(db, content_library)
    assert [r.assignment_id for r in summary.reviews] == [overdue.id, soon.id, no_deadline.id]
    assert [r.overdue for r in summary.reviews] == [True, False, False]
    assert summary.reviews[0].learner_id == REPORT_A and summary.reviews[0].title == sbi.title
    assert summary.reviews_total == 3


def test_progress_history_counts_and_team_counts(db: Database, content_library: ContentLibrary) -> None:
    sbi = content_library.assignment("give-sbi-feedback")
    start = NOW - timedelta(days=30)
    with db.session() as session:
        for report, state in ((REPORT_A, "active"), (REPORT_B, "active"), ("UINVITED", "invited")):
            session.add(TeamLink(team_id=TEAM, manager_id=ME, report_id=report, state=state, invited_by=ME,
                                 created_at=start, updated_at=start))
        for state, due in (("offered", NOW + timedelta(days=1)), ("accepted", NOW - timedelta(days=1)),
                           ("changes_requested", NOW - timedelta(hours=1)), ("submitted", NOW - timedelta(days=2)),
                           ("reviewed", NOW - timedelta(days=9)), ("cancelled", NOW - timedelta(days=9))):
            assignment(session, learner=REPORT_A, reviewer=ME, template=sbi, state=state, due_at=due)
        assignment(session, learner=REPORT_B, reviewer=BOSS, template=sbi, state="submitted", due_at=NOW)
        assignment(session, learner="UINVITED", reviewer=ME, template=sbi, state="accepted", due_at=NOW)
        reviewed = [assignment(session, learner=ME, reviewer=BOSS, template=sbi, state="reviewed",
                               due_at=start + timedelta(days=d)) for d in (0, 5, 10)]
        assignment(session, learner=ME, reviewer=ME, template=sbi, state="reviewed", due_at=start)  # self-review
        for row, level in zip(reviewed, (3, 2, 4), strict=True):
            session.add(Evidence(team_id=TEAM, learner_id=ME, competency_id="giving-feedback",
                                 skill_id=sbi.skill_id, assignment_id=row.id, level=level, confirmed_by=BOSS,
                                 created_at=NOW))
        session.add_all([
            CompetencyProgress(team_id=TEAM, learner_id=ME, competency_id="giving-feedback", first_assignment_at=start,
                               evidence_count=3, competent_at=None, updated_at=NOW),
            CompetencyProgress(team_id=TEAM, learner_id=ME, competency_id="delegating", first_assignment_at=start,
                               evidence_count=4, competent_at=start + timedelta(days=22, hours=12), updated_at=NOW),
        ])
        session.add_all([Reflection(team_id=TEAM, user_id=ME, encrypted_answers="opaque", created_at=NOW)
                         for _ in range(4)])
        session.add(Reflection(team_id=TEAM, user_id=REPORT_A, encrypted_answers="opaque", created_at=NOW))

    summary = _summary(db, content_library, threshold=2)
    delegating, feedback = summary.progress  # confirmed first
    assert delegating.name == content_library.competency("delegating").name
    assert delegating.days_to_competency == 22.5 and delegating.evidence_count == 4
    assert (feedback.evidence_count, feedback.confirming_count, feedback.competent_at) == (3, 2, None)
    assert summary.threshold == 2
    assert summary.completed == 4 and summary.reviews_given == 1 and summary.reflections == 4
    assert summary.team == home_summary.TeamCounts(reports=2, open_assignments=5, awaiting_review=2, overdue=2)

    assert _summary(db, content_library, user_id=REPORT_B).team is None  # manages nobody


def test_titles_and_names_fall_back_to_ids_for_retired_content(db: Database, content_library: ContentLibrary) -> None:
    with db.session() as session:
        session.add(Assignment(team_id=TEAM, learner_id=ME, assigned_by=BOSS, reviewer_id=BOSS,
                               template_id="retired-template", competency_id="retired-competency",
                               skill_id="retired-competency.x", state="accepted", due_at=NOW, created_at=NOW,
                               updated_at=NOW))
    (item,) = _summary(db, content_library).practice
    assert (item.title, item.competency) == ("retired-template", "retired-competency")


def test_calendar_summary_is_the_feed_and_its_upcoming_meetings_in_one_query(db: Database) -> None:
    with db.session() as session:
        assert home_summary.calendar_summary(session, team_id=TEAM, user_id=ME, now=NOW) is None
        feed = CalendarFeed(team_id=TEAM, user_id=ME, encrypted_url="x", url_hint="https://cal.example/…abcd",
                            status="active", created_at=NOW, updated_at=NOW)
        session.add(feed)
        session.flush()

        def occurrence(uid: str, start: datetime, **kwargs: Any) -> CalendarOccurrence:
            return CalendarOccurrence(team_id=TEAM, user_id=ME, source="ics", feed_id=feed.id, event_uid=uid,
                                      occurrence_id="0", title=uid, start=start, end=start + timedelta(minutes=30),
                                      created_at=NOW, updated_at=NOW, **kwargs)

        session.add_all([occurrence("a", NOW + timedelta(hours=1)), occurrence("b", NOW + timedelta(days=6)),
                         occurrence("past", NOW - timedelta(hours=1)), occurrence("far", NOW + timedelta(days=8)),
                         occurrence("allday", NOW + timedelta(days=1), all_day=True),
                         occurrence("gone", NOW + timedelta(days=1), status="CANCELLED")])
        session.flush()
        before_sync = home_summary.calendar_summary(session, team_id=TEAM, user_id=ME, now=NOW)
        assert before_sync is not None and before_sync.upcoming_7d is None
        feed.last_success_at = NOW - timedelta(minutes=5)
        session.flush()
        with count_queries(db.engine) as statements:
            found = home_summary.calendar_summary(session, team_id=TEAM, user_id=ME, now=NOW)
        assert found is not None and found.upcoming_7d == 2 and found.url_hint.endswith("abcd")
        assert len(statements) == 1


def test_the_summary_takes_the_same_few_queries_with_1000_rows_of_history(
    db: Database, content_library: ContentLibrary
) -> None:
    sbi = content_library.assignment("give-sbi-feedback")
    with db.session() as session:
        for i in range(3):
            assignment(session, learner=ME, reviewer=BOSS, template=sbi, state="accepted",
                       due_at=NOW + timedelta(days=i))
    with db.session() as session, count_queries(db.engine) as fresh:  # no history, no reports
        summarise(session, team_id=TEAM, user_id=ME, now=NOW, content=content_library)
    with db.session() as session:
        seed_history(session, team_id=TEAM, user_id=ME, manager_id=BOSS, reports=(REPORT_A, REPORT_B), now=NOW,
                     content=content_library)
        for i in range(LIST_LIMIT + 5):
            assignment(session, learner=REPORT_A, reviewer=ME, template=sbi, state="submitted", due_at=NOW,
                       review_due_at=NOW + timedelta(hours=i))
    with db.session() as session, count_queries(db.engine) as loaded:
        summary = summarise(session, team_id=TEAM, user_id=ME, now=NOW, content=content_library)
    assert len(fresh) == 4  # practice, reviews, progress, counts
    assert len(loaded) == 5  # … and the team counts, now that there are reports
    assert summary.completed == 600 and summary.reviews_given == 1000 and summary.reflections == 1000
    assert summary.practice_total == 3 and summary.reviews_total == LIST_LIMIT + 5
    assert summary.progress and all(line.name for line in summary.progress)
    assert sum(line.evidence_count for line in summary.progress) == 600
    assert summary.team is not None and summary.team.reports == 2
