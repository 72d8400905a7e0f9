"""The micro-assignment domain without Slack: permissions, validation, the outbox rows, every transition."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.content import AssignmentTemplate, Competency, ContentLibrary, RubricLevel, Skill
from slackapp.db import Database
from slackapp.db.models import AnalyticsEvent, Assignment, AssignmentTransition, Delivery, Person, Submission, TeamLink
from slackapp.domain import assignments, deliveries, reviews, sent_hooks
from slackapp.domain.assignment_states import transition
from slackapp.domain.errors import AlreadyDone, InvalidInput, PermissionDenied

TEAM = "T0001"
MANAGER, REPORT, PEER, ADMIN = "UMANAGER", "UREPORT1", "UREPORT2", "UADMIN"
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # London is on UTC in November
NOTE = "You said the retro felt flat — try SBI with Sam on Thursday."


def rubric() -> tuple[RubricLevel, ...]:
    return (RubricLevel(1, "Not yet", "Feedback was vague or judged the person, not the behaviour."),
            RubricLevel(2, "Developing", "Named a situation and a behaviour; the impact stayed general."),
            RubricLevel(3, "Proficient", "Situation, behaviour and impact were specific; asked for their view."),
            RubricLevel(4, "Role model", "As 3, and agreed a next step; the person would ask for more feedback."))


def template(template_id: str = "give-sbi-feedback", *, competency: str = "giving-feedback", skill: str = "sbi",
             title: str = "Give one piece of SBI feedback", timebox: int = 24) -> AssignmentTemplate:
    return AssignmentTemplate(
        id=template_id, title=title, competency_id=competency, skill_id=f"{competency}.{skill}",
        timebox_hours=timebox, effort_minutes=30,
        why="Specific feedback is the fastest way to grow someone; vague praise changes nothing.",
        instructions=("Pick one thing you saw this week.", "Tell them: situation, behaviour, impact.",
                      "Ask what they think, then listen."),
        deliverable="Three lines: what you said, how they responded, what you would change.",
        success_criteria=("Names a concrete situation and behaviour", "Describes the impact on the team"),
        rubric=rubric())


def build_library(extra: int = 0) -> ContentLibrary:
    """Two competencies, three templates (plus ``extra`` more delegation ones for limit tests)."""
    feedback = Competency(id="giving-feedback", name="Giving feedback", summary="Say what you saw, kindly.",
                          skills=(Skill(id="giving-feedback.sbi", name="Use SBI", description="Situation, "
                                        "behaviour, impact.", indicators=("Names the behaviour",)),
                                  Skill(id="giving-feedback.praise", name="Specific praise",
                                        description="Praise that says what worked.",
                                        indicators=("Says what worked",))))
    delegation = Competency(id="delegation", name="Delegating", summary="Hand over decisions, not just tasks.",
                            skills=(Skill(id="delegation.decide", name="Delegate a decision",
                                          description="Let someone else decide.",
                                          indicators=("Names the decision",)),))
    templates = (
        template(),
        template("praise-specifically", skill="praise", title="Praise one thing specifically", timebox=8),
        template("delegate-a-decision", competency="delegation", skill="decide",
                 title="Delegate one decision you would normally make", timebox=48),
        *(template(f"delegate-extra-{n}", competency="delegation", skill="decide", title=f"Delegation drill {n}")
          for n in range(extra)),
    )
    return ContentLibrary(competencies=(feedback, delegation), assignments=templates)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        for user_id, name, tz in ((MANAGER, "Maria", "Europe/London"), (REPORT, "Ravi", "Europe/London"),
                                  (PEER, "Lee", "America/New_York"), (ADMIN, "Ada", "Europe/London")):
            s.add(Person(team_id=TEAM, user_id=user_id, display_name=name, tz=tz, opt_in="opted_in",
                         muted_kinds=[], created_at=MONDAY_10, tz_refreshed_at=MONDAY_10))
        s.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id=REPORT, state="active", created_at=MONDAY_10,
                       updated_at=MONDAY_10))
        s.flush()
        yield s


def create(session: Session, **overrides: Any) -> Assignment:
    args: dict[str, Any] = {
        "team_id": TEAM, "actor_id": MANAGER, "learner_id": REPORT, "template": template(), "reviewer_id": MANAGER,
        "due_at": None, "context_note": NOTE, "context_permalink": None, "now": MONDAY_10,
        "content": build_library(),
    }
    args.update(overrides)
    assignment = assignments.create_assignment(session, **args)
    session.flush()
    return assignment


def delivery(session: Session, key: str) -> Delivery:
    found = deliveries.by_key(session, key)
    assert found is not None, key
    return found


def states(session: Session, assignment: Assignment) -> list[tuple[str | None, str]]:
    return [(t.from_state, t.to_state) for t in session.scalars(
        select(AssignmentTransition).where(AssignmentTransition.assignment_id == assignment.id)
        .order_by(AssignmentTransition.id))]


def events(session: Session) -> list[str]:
    return [e.name for e in session.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.id))]


# -- creating --------------------------------------------------------------------------------------


def test_a_manager_assigns_a_report_the_card_and_two_reminders_are_scheduled(session: Session) -> None:
    assignment = create(session)
    # 24 working hours from Monday 10:00 (09:00–17:30 days): 7.5 + 8.5 + 8 → Wednesday 17:00.
    assert assignment.due_at == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert (assignment.state, assignment.assigned_by, assignment.reviewer_id) == ("offered", MANAGER, MANAGER)
    assert states(session, assignment) == [(None, "offered")]
    assert "assignment.created" in events(session)
    offer = delivery(session, f"assignment-offer:{assignment.id}")
    assert (offer.kind, offer.user_id, offer.due_at, offer.state) == ("assignment_offer", REPORT, MONDAY_10,
                                                                       "scheduled")
    payload = offer.payload
    assert payload["assignment_id"] == assignment.id and payload["title"] == "Give one piece of SBI feedback"
    assert (payload["competency_name"], payload["skill_name"]) == ("Giving feedback", "Use SBI")
    assert payload["instructions"][1] == "Tell them: situation, behaviour, impact."
    assert payload["success_criteria"] == ["Names a concrete situation and behaviour",
                                           "Describes the impact on the team"]
    assert payload["due_at"] == "2026-11-25T17:00:00+00:00" and payload["assigned_by"] == MANAGER
    assert payload["context_note"] == NOTE and payload["timebox_hours"] == 24 and payload["why"]
    halfway = delivery(session, f"assignment-reminder:{assignment.id}:1")
    before = delivery(session, f"assignment-reminder:{assignment.id}:2")
    assert halfway.kind == before.kind == "assignment_reminder"
    assert halfway.due_at == datetime(2026, 11, 24, 13, 30, tzinfo=UTC)  # halfway through the 55 hours
    assert before.due_at == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 2 working hours before the due time
    assert before.payload["not_after"] == payload["due_at"]


def test_only_the_learners_manager_or_an_admin_may_assign(session: Session) -> None:
    with pytest.raises(PermissionDenied) as denied:
        create(session, actor_id=PEER)
    assert getattr(denied.value, "field", None) == "learner"
    assert "/coach team add @person" in denied.value.user_message
    with pytest.raises(PermissionDenied):
        create(session, actor_id=MANAGER, learner_id=PEER)  # no link
    session.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id=PEER, state="invited", created_at=MONDAY_10,
                         updated_at=MONDAY_10))
    with pytest.raises(PermissionDenied):
        create(session, learner_id=PEER)  # invited is not accepted
    assert session.scalars(select(Assignment)).all() == []
    assert create(session, actor_id=ADMIN, admins={ADMIN}).assigned_by == ADMIN


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"context_note": "  "}, "note", "why this practice"),
    ({"context_note": "x" * 2001}, "note", "under 2000"),
    ({"reviewer_id": REPORT}, "reviewer", "can't review their own work"),
    ({"reviewer_id": None}, "reviewer", "Pick who will review"),
    ({"due_at": MONDAY_10 - timedelta(minutes=1)}, "due", "hasn't passed"),
    ({"due_at": MONDAY_10 + timedelta(days=400)}, "due", "within the next year"),
    ({"template": None}, "template", "Pick a micro-assignment"),
])
def test_bad_input_names_its_field(session: Session, overrides: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        create(session, **overrides)
    assert getattr(error.value, "field", None) == field and message in error.value.user_message


def test_a_learner_who_cannot_receive_the_card_is_refused(session: Session) -> None:
    ravi = session.scalars(select(Person).where(Person.user_id == REPORT)).one()
    ravi.unreachable_reason = "cannot_dm_bot"
    with pytest.raises(InvalidInput, match=r"couldn't reach Ravi right now \(Slack cannot reach the person"):
        create(session)
    ravi.unreachable_reason, ravi.deactivated = None, True
    with pytest.raises(InvalidInput, match="deactivated") as error:
        create(session)
    assert getattr(error.value, "field", None) == "learner"
    ravi.deactivated = False
    maria = session.scalars(select(Person).where(Person.user_id == MANAGER)).one()
    maria.deactivated = True
    with pytest.raises(InvalidInput, match="deactivated — pick another reviewer"):
        create(session, actor_id=ADMIN, admins={ADMIN})
    maria.deactivated, ravi.opt_in = False, "unknown"
    assert create(session).state == "offered"  # an assignment needs no opt-in to coaching nudges (policy)


def test_self_practice_needs_another_reviewer_but_no_note(session: Session) -> None:
    with pytest.raises(InvalidInput, match="Pick someone else to review"):
        create(session, actor_id=PEER, learner_id=PEER, reviewer_id=PEER, context_note="")
    assignment = create(session, actor_id=PEER, learner_id=PEER, reviewer_id=MANAGER, context_note="")
    assert assignments.is_self_practice(assignment) and assignments.asked_person(assignment) == MANAGER
    # Lee works in New York: 24 working hours from Monday 09:00 their time (8.5 + 8.5 + 7) → Wednesday 16:00.
    assert assignment.due_at == datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


def test_a_picked_date_means_the_end_of_the_learners_working_day_in_their_zone(session: Session) -> None:
    lee = session.scalars(select(Person).where(Person.user_id == PEER)).one()
    assert assignments.due_from_date(lee, date(2026, 11, 27), now=MONDAY_10) == datetime(2026, 11, 27, 22, 30,
                                                                                         tzinfo=UTC)
    with pytest.raises(InvalidInput, match="hasn't passed"):
        assignments.due_from_date(lee, date(2026, 11, 22), now=MONDAY_10)
    late_evening = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 18:00 in New York: the day is over
    with pytest.raises(InvalidInput, match="working day on that date is already over"):
        assignments.due_from_date(lee, date(2026, 11, 23), now=late_evening)


def test_reminders_never_land_in_the_past_or_on_top_of_each_other(session: Session) -> None:
    ravi = session.scalars(select(Person).where(Person.user_id == REPORT)).one()
    # Due in 3 working hours: halfway (11:30) would come after "2 working hours before" (11:00): only that one.
    assert assignments.reminder_times(ravi, now=MONDAY_10, due_at=MONDAY_10 + timedelta(hours=3)) == {
        2: datetime(2026, 11, 23, 11, 0, tzinfo=UTC)}
    # Due in 90 minutes: "2 working hours before" is past; halfway stays.
    assert assignments.reminder_times(ravi, now=MONDAY_10, due_at=MONDAY_10 + timedelta(minutes=90)) == {
        1: datetime(2026, 11, 23, 10, 45, tzinfo=UTC)}
    # Working hours count backwards over the weekend: Monday 10:00 → Friday 16:30.
    assert assignments.working_hours_before(ravi, MONDAY_10, 2) == datetime(2026, 11, 20, 16, 30, tzinfo=UTC)


# -- the learner's answers -------------------------------------------------------------------------


def test_accept_once_and_only_by_the_learner(session: Session) -> None:
    assignment = create(session)
    with pytest.raises(PermissionDenied, match="someone else's"):
        assignments.accept(session, assignment, actor_id=MANAGER, now=MONDAY_10)
    assignments.accept(session, assignment, actor_id=REPORT, now=MONDAY_10 + timedelta(minutes=5))
    assert assignment.state == "accepted" and assignment.accepted_at == MONDAY_10 + timedelta(minutes=5)
    with pytest.raises(AlreadyDone, match="That's already done — this assignment is accepted"):
        assignments.accept(session, assignment, actor_id=REPORT, now=MONDAY_10)
    assert states(session, assignment) == [(None, "offered"), ("offered", "accepted")]
    assert events(session).count("assignment.accepted") == 1


def test_a_learner_who_left_the_team_before_accepting_gets_a_cancelled_assignment(session: Session) -> None:
    assignment = create(session)
    link = session.scalars(select(TeamLink)).one()
    link.state = "removed"
    assignments.accept(session, assignment, actor_id=REPORT, now=MONDAY_10)
    assert assignment.state == "cancelled"
    status = assignments.card_status(session, assignment)
    assert status.close_note == "Ravi is no longer in Maria's team, so this assignment no longer applies."
    assert delivery(session, f"assignment-reminder:{assignment.id}:1").state == "cancelled"


def test_decline_needs_a_reason_and_stops_the_reminders(session: Session) -> None:
    assignment = create(session)
    with pytest.raises(InvalidInput) as error:
        assignments.decline(session, assignment, actor_id=REPORT, reason=" ", now=MONDAY_10)
    assert getattr(error.value, "field", None) == "reason"
    with pytest.raises(InvalidInput, match="under 500"):
        assignments.decline(session, assignment, actor_id=REPORT, reason="x" * 501, now=MONDAY_10)
    assignments.decline(session, assignment, actor_id=REPORT, reason="On holiday until Friday.", now=MONDAY_10)
    assert (assignment.state, assignment.decline_reason) == ("declined", "On holiday until Friday.")
    assert {delivery(session, f"assignment-reminder:{assignment.id}:{n}").state for n in (1, 2)} == {"cancelled"}
    assert delivery(session, f"assignment-offer:{assignment.id}").state == "scheduled"  # the card still goes out
    with pytest.raises(AlreadyDone):
        assignments.decline(session, assignment, actor_id=REPORT, reason="again", now=MONDAY_10)


def test_questions_are_counted_but_never_stored(session: Session) -> None:
    assignment = create(session)
    secret = "Can I do this with my skip-level instead?"
    asked = assignments.ask_question(session, assignment, actor_id=REPORT, text=secret, now=MONDAY_10)
    assert asked == MANAGER
    event = session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == "assignment.question_asked")).one()
    assert secret not in str(event.properties)
    with pytest.raises(InvalidInput, match="Type your question"):
        assignments.ask_question(session, assignment, actor_id=REPORT, text="", now=MONDAY_10)


def test_submissions_are_versioned_late_ones_recorded_and_the_review_requested(
    session: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    requested: list[tuple[int, int]] = []

    def request_review(session: Session, *, assignment: Assignment, submission: Submission, now: datetime) -> None:
        requested.append((assignment.id, submission.version))
        assignment.review_due_at = now + timedelta(hours=24)

    monkeypatch.setattr(reviews, "request_review", request_review, raising=False)
    assignment = create(session)
    with pytest.raises(AlreadyDone, match="offered"):  # accept first (the listener does it for a Submit click)
        assignments.submit(session, assignment, actor_id=REPORT, summary="Did it", link=None, self_level=None,
                           now=MONDAY_10)
    assignments.accept(session, assignment, actor_id=REPORT, now=MONDAY_10)
    on_time = MONDAY_10 + timedelta(hours=5)
    first = assignments.submit(session, assignment, actor_id=REPORT, summary=" Told Sam about the demo. ",
                               link="Notes in the team drive", self_level="3", now=on_time)
    assert (first.version, first.late, first.summary, first.link, first.self_level) == (
        1, False, "Told Sam about the demo.", "Notes in the team drive", 3)
    assert (assignment.state, assignment.late, assignment.submitted_at) == ("submitted", False, on_time)
    assert assignment.review_due_at == on_time + timedelta(hours=24) and requested == [(assignment.id, 1)]
    assert {delivery(session, f"assignment-reminder:{assignment.id}:{n}").state for n in (1, 2)} == {"cancelled"}
    transition(session, assignment, to_state="changes_requested", actor_id=MANAGER, now=on_time)
    late = assignment.due_at + timedelta(hours=1)
    second = assignments.submit(session, assignment, actor_id=REPORT, summary="Added the impact part.",
                                link="https://docs.example.com/sbi", self_level=None, now=late)
    assert (second.version, second.late) == (2, True)
    assert assignment.late is False  # the work was first handed in on time
    assert requested == [(assignment.id, 1), (assignment.id, 2)]


def test_a_late_first_submission_marks_the_assignment_late_and_works_without_the_reviews_hook(
    session: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(reviews, "request_review", raising=False)
    assignment = create(session)
    assignments.accept(session, assignment, actor_id=REPORT, now=MONDAY_10)
    submission = assignments.submit(session, assignment, actor_id=REPORT, summary="Done, a day late.", link=None,
                                    self_level=None, now=assignment.due_at + timedelta(days=1))
    assert submission.late and assignment.late and assignment.state == "submitted"


@pytest.mark.parametrize(("summary", "link", "level", "field"), [
    ("", None, None, "summary"),
    ("x" * 3001, None, None, "summary"),
    ("ok", "ftp://files.example.com/notes.txt", None, "link"),
    ("ok", "javascript://alert(1)", None, "link"),
    ("ok", "x" * 1001, None, "link"),
    ("ok", None, "5", "level"),
])
def test_submission_fields_are_checked(session: Session, summary: str, link: str | None, level: str | None,
                                       field: str) -> None:
    assignment = create(session)
    assignments.accept(session, assignment, actor_id=REPORT, now=MONDAY_10)
    with pytest.raises(InvalidInput) as error:
        assignments.submit(session, assignment, actor_id=REPORT, summary=summary, link=link, self_level=level,
                           now=MONDAY_10)
    assert getattr(error.value, "field", None) == field


# -- the assigner's changes ------------------------------------------------------------------------


def test_cancel_by_the_assigner_manager_or_admin_only_with_a_reason(session: Session) -> None:
    assignment = create(session)
    for outsider in (REPORT, PEER):
        with pytest.raises(PermissionDenied):
            assignments.cancel(session, assignment, actor_id=outsider, reason="no", now=MONDAY_10)
    with pytest.raises(InvalidInput, match="short reason"):
        assignments.cancel(session, assignment, actor_id=MANAGER, reason="", now=MONDAY_10)
    assignments.cancel(session, assignment, actor_id=ADMIN, reason="Duplicate of last week's.", now=MONDAY_10,
                       admins={ADMIN})
    assert assignment.state == "cancelled"
    assert delivery(session, f"assignment-offer:{assignment.id}").state == "cancelled"  # never sent now
    status = assignments.card_status(session, assignment)
    assert (status.closed_by, status.close_note) == (ADMIN, "Duplicate of last week's.")
    with pytest.raises(AlreadyDone):
        assignments.cancel(session, assignment, actor_id=MANAGER, reason="again", now=MONDAY_10)


def test_reassign_moves_the_due_time_reminders_and_unsent_card_or_the_reviewer(session: Session) -> None:
    assignment = create(session)
    new_due = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    changed = assignments.reassign(session, assignment, actor_id=MANAGER, now=MONDAY_10, due_at=new_due,
                                   reviewer_id=MANAGER)
    assert changed.due_changed and not changed.reviewer_changed
    assert delivery(session, f"assignment-offer:{assignment.id}").payload["due_at"] == new_due.isoformat()
    assert delivery(session, f"assignment-reminder:{assignment.id}:2").due_at == datetime(2026, 11, 30, 15, 30,
                                                                                          tzinfo=UTC)
    with pytest.raises(InvalidInput, match="nothing changed"):
        assignments.reassign(session, assignment, actor_id=MANAGER, now=MONDAY_10, due_at=new_due)
    with pytest.raises(InvalidInput, match="can't review their own"):
        assignments.reassign(session, assignment, actor_id=MANAGER, now=MONDAY_10, reviewer_id=REPORT)
    changed = assignments.reassign(session, assignment, actor_id=MANAGER, now=MONDAY_10, reviewer_id=PEER)
    assert changed.reviewer_changed and changed.previous_reviewer == MANAGER and assignment.reviewer_id == PEER
    assert "assignment.reassigned" in events(session)
    assignments.accept(session, assignment, actor_id=REPORT, now=MONDAY_10)
    assignments.submit(session, assignment, actor_id=REPORT, summary="done", link=None, self_level=None,
                       now=MONDAY_10)
    with pytest.raises(InvalidInput, match="already submitted"):
        assignments.reassign(session, assignment, actor_id=MANAGER, now=MONDAY_10, due_at=new_due + timedelta(days=1))


def test_leaving_the_team_cancels_offers_not_yet_accepted(session: Session) -> None:
    offered = create(session)
    accepted = create(session, template=template("praise-specifically", skill="praise", timebox=8))
    assignments.accept(session, accepted, actor_id=REPORT, now=MONDAY_10)
    cancelled = assignments.cancel_for_left_team(session, team_id=TEAM, manager_id=MANAGER, report_id=REPORT,
                                                 now=MONDAY_10)
    assert [a.id for a in cancelled] == [offered.id]
    assert (offered.state, accepted.state) == ("cancelled", "accepted")


def test_the_sent_card_is_remembered_for_updates_and_threads(session: Session) -> None:
    assignment = create(session)
    offer = delivery(session, f"assignment-offer:{assignment.id}")
    deliveries.mark_sent(session, offer, channel_id="DUREPORT1", ts="1700000000.000100", now=MONDAY_10, reason="ok")
    sent_hooks.on_sent(session, offer)
    assert (assignment.card_channel, assignment.card_ts) == ("DUREPORT1", "1700000000.000100")


def test_practice_history_feeds_recommendations(session: Session) -> None:
    library = build_library()
    first = create(session)
    assignments.accept(session, first, actor_id=REPORT, now=MONDAY_10)
    assignments.submit(session, first, actor_id=REPORT, summary="done", link=None, self_level=None, now=MONDAY_10)
    transition(session, first, to_state="reviewed", actor_id=MANAGER, now=MONDAY_10)
    declined = create(session, template=template("delegate-a-decision", competency="delegation", skill="decide"))
    assignments.decline(session, declined, actor_id=REPORT, reason="Not now", now=MONDAY_10)
    focus, done = assignments.practice_history(session, team_id=TEAM, user_id=REPORT)
    assert (focus, done) == (["giving-feedback"], {"give-sbi-feedback"})
    picks = library.recommend(focus_competency_ids=focus, done_template_ids=done, limit=5)
    assert [t.id for t in picks] == ["praise-specifically", "delegate-a-decision"]
