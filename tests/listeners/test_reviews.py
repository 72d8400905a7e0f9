"""Reviews over signed HTTP: the real App, the strict fake Slack, the outbox.

Each test puts an assignment in state "submitted" straight into the database (with the learner's DM
card posted through the fake Slack, so the feedback can thread under it), requests the review the way
the assignments feature does, sends the reviewer's card with the outbox, then clicks and submits as
Slack would.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.content import AssignmentTemplate, Competency, ContentLibrary, RubricLevel, Skill
from slackapp.db.models import (
    AnalyticsEvent,
    Assignment,
    CompetencyProgress,
    Delivery,
    Evidence,
    Review,
    Submission,
    TeamLink,
)
from slackapp.domain import deliveries, people, reviews
from slackapp.domain.assignment_states import transition
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from slackapp.views import reviews as views
from tests.conftest import JobRunner

TEAM = "T0001"
MANAGER, LEARNER, PEER = "UMANAGER", "UREPORT1", "UREPORT2"
TITLE = "Give one piece of SBI feedback"
FEEDBACK_1 = "In Tuesday's standup you named the blocker early.\nNext time, say what it cost the team."
FEEDBACK_2 = "The impact is concrete now: the release moved by a day and you said so. Keep that."


def _library() -> ContentLibrary:
    skill = Skill(id="giving-feedback.sbi", name="SBI feedback", description="Situation, behaviour, impact.",
                  indicators=("Names a specific situation",))
    competency = Competency(id="giving-feedback", name="Giving feedback", summary="Feedback people can use.",
                            skills=(skill,))
    template = AssignmentTemplate(
        id="give-sbi-feedback", title=TITLE, competency_id="giving-feedback", skill_id="giving-feedback.sbi",
        timebox_hours=72, effort_minutes=30, why="Specific feedback lands.",
        instructions=("Pick one moment.", "Write it down first."), deliverable="Your SBI and the person's response.",
        success_criteria=("The situation names a time and place.", "The behaviour is observable."),
        rubric=(RubricLevel(1, "Not yet", "No specific situation or behaviour."),
                RubricLevel(2, "Developing", "Specific situation, but a label creeps in."),
                RubricLevel(3, "Proficient", "Situation, behaviour and impact are concrete; the response is "
                                             "recorded in their words where possible."),
                RubricLevel(4, "Role model", "As Proficient, and built on their response.")),
    )
    return ContentLibrary(competencies=(competency,), assignments=(template,))


@pytest.fixture(scope="module")
def content_library() -> ContentLibrary:
    """This module's own content (overrides the shipped library): tests don't follow content edits."""
    return _library()


@pytest.fixture
def team(services: Services, fake_slack: FakeSlack) -> None:
    now = utcnow()
    with services.db.session() as session:
        for user_id in (MANAGER, LEARNER, PEER):
            person, _ = people.get_or_create_person(session, team_id=TEAM, user_id=user_id, now=now)
            person.opt_in, person.tz = "opted_in", "Europe/London"
        session.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id=LEARNER, state="active", invited_by=MANAGER,
                             created_at=now, responded_at=now, updated_at=now))


def _learner_card(services: Services, fake: FakeSlack) -> tuple[str, str]:
    """The learner's assignment card (the assignments feature posts it): the thread for the feedback."""
    client = services.clients.for_team(TEAM)
    channel = client.conversations_open(users=LEARNER)["channel"]["id"]
    ts = client.chat_postMessage(channel=channel, text=f"Your micro-assignment: {TITLE}")["ts"]
    return channel, str(ts)


def _submitted(services: Services, card: tuple[str, str] | None, *, late: bool = False) -> int:
    now = utcnow()
    with services.db.session() as session:
        assignment = Assignment(team_id=TEAM, learner_id=LEARNER, assigned_by=MANAGER, reviewer_id=MANAGER,
                                template_id="give-sbi-feedback", competency_id="giving-feedback",
                                skill_id="giving-feedback.sbi", state="accepted", due_at=now + timedelta(days=1),
                                late=late, card_channel=card[0] if card else None, card_ts=card[1] if card else None,
                                created_at=now - timedelta(days=1), updated_at=now)
        session.add(assignment)
        session.flush()
        transition(session, assignment, to_state="submitted", actor_id=LEARNER, now=now)
        _submit(session, services, assignment, 1, "I gave Sam SBI feedback after the demo.\nHe agreed.", late=late)
        return assignment.id


def _submit(session: Any, services: Services, assignment: Assignment, version: int, summary: str,
            late: bool = False) -> None:
    submission = Submission(assignment_id=assignment.id, version=version, summary=summary,
                            link="https://docs.example.com/sbi", self_level=3, late=late, submitted_at=utcnow())
    session.add(submission)
    session.flush()
    reviews.request_review(session, assignment=assignment, submission=submission, now=utcnow(),
                           hours=services.settings.review_hours, content=services.content)


def _resubmit(services: Services, assignment_id: int) -> None:
    with services.db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        transition(session, assignment, to_state="submitted", actor_id=LEARNER, now=utcnow())
        _submit(session, services, assignment, 2, "Rewrote it with the impact on the release date.")


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _elements(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def _message(fake: FakeSlack, user_id: str, ts: str) -> dict[str, Any]:
    return next(m for m in fake.messages(fake.dm_channel(user_id)) if m["ts"] == ts)


def _ephemeral(fake: FakeSlack, count: int) -> str:
    return str(fake.wait_for("response_url", count=count)[-1].args["text"])


def _open_modal(slack: SlackSender, fake: FakeSlack, card: dict[str, Any], count: int = 1) -> dict[str, Any]:
    value = _elements(card["blocks"])[ids.REVIEW_OPEN]["value"]
    slack.block_action(ids.REVIEW_OPEN, user_id=MANAGER, value=value, message=card)
    fake.wait_for("views.open", count=count)
    view = list(fake.open_views().values())[-1]
    assert view["callback_id"] == ids.REVIEW_MODAL
    return view


def _option(value: str) -> dict[str, Any]:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


def _values(*, level: int | None = None, feedback: str = "", outcome: str | None = None, evidence: bool = False,
            evidence_block: str = ids.REVIEW_EVIDENCE_BLOCK) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        ids.REVIEW_LEVEL_BLOCK: {ids.REVIEW_LEVEL: {"type": "radio_buttons",
                                                    "selected_option": _option(str(level)) if level else None}},
        ids.REVIEW_FEEDBACK_BLOCK: {ids.REVIEW_FEEDBACK: {"type": "plain_text_input", "value": feedback}},
        ids.REVIEW_OUTCOME_BLOCK: {ids.REVIEW_OUTCOME: {"type": "radio_buttons",
                                                        "selected_option": _option(outcome) if outcome else None}},
        evidence_block: {ids.REVIEW_EVIDENCE: {"type": "checkboxes",
                                               "selected_options": [_option("evidence")] if evidence else []}},
    }


def _pick_level(slack: SlackSender, view: dict[str, Any], level: int) -> None:
    slack.interactive({
        "type": "block_actions", "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": MANAGER, "username": "umanager", "team_id": TEAM}, "api_app_id": "A0001", "token": "legacy",
        "trigger_id": "9.trigger", "is_enterprise_install": False,
        "container": {"type": "view", "view_id": view["id"]}, "view": view,
        "actions": [{"type": "radio_buttons", "action_id": ids.REVIEW_LEVEL, "block_id": ids.REVIEW_LEVEL_BLOCK,
                     "selected_option": _option(str(level)), "action_ts": f"{time.time():.6f}"}],
    })


def _in_thread(fake: FakeSlack, card: tuple[str, str], runner: JobRunner, count: int = 1) -> list[dict[str, Any]]:
    """The feedback goes out through the outbox: run it until the replies are there."""
    runner.run_until(lambda: len([c for c in fake.calls_to("chat.postMessage")
                                  if c.args.get("thread_ts") == card[1]]) >= count)
    return [m for m in fake.messages(card[0]) if m["thread_ts"] == card[1] and m["ts"] != card[1]]


def _events(services: Services, name: str) -> list[AnalyticsEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == name)))


def _assignment(services: Services, assignment_id: int) -> Assignment:
    with services.db.session() as session:
        return session.get_one(Assignment, assignment_id)


def test_request_changes_resubmit_accept_with_evidence_over_http(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, team: None,
) -> None:
    learner_card = _learner_card(services, fake_slack)
    assignment_id = _submitted(services, learner_card, late=True)
    job_runner.dispatch_and_run()

    # The reviewer's card: the submission, the criteria, the promise in their zone, one Review button.
    card = fake_slack.messages(fake_slack.dm_channel(MANAGER))[-1]
    shown = _text(card["blocks"])
    assert card["blocks"][0]["text"]["text"] == f"<@{LEARNER}> submitted *{TITLE}* for your review."
    assert "Giving feedback › SBI feedback · submitted after the due date" in shown
    assert "*What they did*\\nI gave Sam SBI feedback after the demo.\\nHe agreed." in shown
    assert "*Their self-assessment:* Proficient (3 of 4)" in shown
    assert "*Success criteria*\\n• The situation names a time and place.\\n• The behaviour is observable." in shown
    assert "Please review by Wed 25 Nov, 17:00 (24 working hours)." in shown  # 24 h of 09:00–17:30 from Mon 10:00
    assert _elements(card["blocks"])[ids.REVIEW_OPEN]["value"] == f"{assignment_id}:1"
    assert _assignment(services, assignment_id).reviewer_card_ts == card["ts"]

    # Someone else clicking Review is refused.
    slack.block_action(ids.REVIEW_OPEN, user_id=PEER, value=f"{assignment_id}:1", message=card)
    assert _ephemeral(fake_slack, 1) == f"Only <@{MANAGER}> can review this."
    assert fake_slack.calls_to("views.open") == []

    # The modal: rubric, feedback with the SBI guide beside it, outcome, evidence.
    view = _open_modal(slack, fake_slack, card)
    assert view["title"]["text"] == "Review" and view["submit"]["text"] == "Send review"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert [o["text"]["text"] for o in inputs[ids.REVIEW_LEVEL_BLOCK]["element"]["options"]] == [
        "1 · Not yet", "2 · Developing", "3 · Proficient", "4 · Role model"]
    assert inputs[ids.REVIEW_LEVEL_BLOCK]["dispatch_action"] is True
    assert inputs[ids.REVIEW_FEEDBACK_BLOCK]["element"]["max_length"] == 3000
    assert inputs[ids.REVIEW_EVIDENCE_BLOCK]["element"]["options"][0]["text"]["text"] == (
        "Counts as evidence of SBI feedback")
    assert "initial_options" not in inputs[ids.REVIEW_EVIDENCE_BLOCK]["element"]
    after_feedback = view["blocks"][[b.get("block_id") for b in view["blocks"]].index(ids.REVIEW_FEEDBACK_BLOCK) + 1]
    assert after_feedback["type"] == "context" and "*Situation*: when and where" in _text(after_feedback)
    assert "*3 · Proficient* — Situation, behaviour and impact are concrete" in _text(view["blocks"])

    # Picking level 3 ticks the evidence box by default.
    _pick_level(slack, view, 3)
    fake_slack.wait_for("views.update")
    view = fake_slack.open_views()[view["id"]]
    ticked = next(b for b in view["blocks"] if b.get("block_id") == views.EVIDENCE_BLOCK_ON)
    assert ticked["element"]["initial_options"][0]["value"] == "evidence"

    # Errors beside the fields, then a valid "request changes".
    refused = slack.view_submission(view, user_id=MANAGER, values=_values(feedback="  \n", outcome="accepted"))
    assert refused.json() == {"response_action": "errors", "errors": {
        ids.REVIEW_FEEDBACK_BLOCK: reviews.FEEDBACK_REQUIRED, ids.REVIEW_LEVEL_BLOCK: reviews.LEVEL_REQUIRED}}
    changes = _values(level=2, feedback=FEEDBACK_1, outcome="changes_requested", evidence=True,
                      evidence_block=views.EVIDENCE_BLOCK_ON)
    assert slack.view_submission(view, user_id=MANAGER, values=changes).json() is None
    (reply,) = _in_thread(fake_slack, learner_card, job_runner)
    assert reply["blocks"][0]["text"]["text"] == (
        f"<@{MANAGER}> asked for changes to your work — *Developing* (2 of 4).")
    assert ">In Tuesday's standup you named the blocker early.\\n>Next time, say what it cost the team." in _text(
        reply["blocks"])
    assert _elements(reply["blocks"])[ids.ASSIGNMENT_SUBMIT]["value"] == str(assignment_id)
    fake_slack.wait_for("chat.update", predicate=lambda c: c.args.get("ts") == card["ts"])
    updated = _message(fake_slack, MANAGER, card["ts"])
    assert updated["text"] == f"Changes requested — sent to <@{LEARNER}>" and _elements(updated["blocks"]) == {}
    assert _assignment(services, assignment_id).state == "changes_requested"

    # The same modal again, and the old card's button: already done.
    again = slack.view_submission(view, user_id=MANAGER, values=changes)
    assert again.json() == {"response_action": "errors",
                            "errors": {ids.REVIEW_FEEDBACK_BLOCK: reviews.ALREADY_REVIEWED}}
    slack.block_action(ids.REVIEW_OPEN, user_id=MANAGER, value=f"{assignment_id}:1", message=card)
    assert _ephemeral(fake_slack, 2) == reviews.ALREADY_REVIEWED

    # The learner resubmits: a fresh card for version 2; accept at Proficient, as evidence.
    _resubmit(services, assignment_id)
    job_runner.dispatch_and_run()
    second = fake_slack.messages(fake_slack.dm_channel(MANAGER))[-1]
    assert second["ts"] != card["ts"]
    assert "again (version 2, after the changes you asked for)" in second["blocks"][0]["text"]["text"]
    view = _open_modal(slack, fake_slack, second, count=2)
    accept = _values(level=3, feedback=FEEDBACK_2, outcome="accepted", evidence=True)
    assert slack.view_submission(view, user_id=MANAGER, values=accept).json() is None
    replies = _in_thread(fake_slack, learner_card, job_runner, count=2)
    assert replies[-1]["blocks"][0]["text"]["text"] == f"<@{MANAGER}> reviewed your work — *Proficient* (3 of 4)."
    assert "This counts as evidence of *SBI feedback*." in _text(replies[-1]["blocks"])
    assert ids.ASSIGNMENT_SUBMIT not in _elements(replies[-1]["blocks"])
    fake_slack.wait_for("chat.update", predicate=lambda c: c.args.get("ts") == second["ts"])
    reviewed = _message(fake_slack, MANAGER, second["ts"])
    assert reviewed["text"] == f"Reviewed ✔ Proficient — feedback sent to <@{LEARNER}>"
    assert _elements(reviewed["blocks"]) == {}

    with services.db.session() as session:
        assignment = session.get_one(Assignment, assignment_id)
        assert assignment.state == "reviewed" and assignment.reviewer_card_ts == second["ts"]
        assert [(r.outcome, r.level, r.counts_as_evidence) for r in session.scalars(select(Review))] == [
            ("changes_requested", 2, False), ("accepted", 3, True)]
        (evidence,) = session.scalars(select(Evidence))
        assert (evidence.level, evidence.confirmed_by) == (3, MANAGER)
        assert session.scalars(select(CompetencyProgress)).one().evidence_count == 1

    # A second review of version 2 is refused; so is a click on either card.
    slack.block_action(ids.REVIEW_OPEN, user_id=MANAGER, value=f"{assignment_id}:2", message=second)
    assert _ephemeral(fake_slack, 3) == reviews.ALREADY_REVIEWED
    assert slack.view_submission(view, user_id=MANAGER, values=accept).json()["errors"] == {
        ids.REVIEW_FEEDBACK_BLOCK: reviews.ALREADY_REVIEWED}
    assert len(_events(services, "review.submitted")) == 2 and len(_events(services, "evidence.recorded")) == 1
    assert all(FEEDBACK_2 not in _text(e.properties) for e in _events(services, "review.submitted"))
    assert len(fake_slack.calls_to("views.open")) == 2
    assert fake_slack.validation_errors == []


def test_reminders_go_out_and_are_updated_in_place_after_the_review(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, team: None,
) -> None:
    learner_card = _learner_card(services, fake_slack)
    assignment_id = _submitted(services, learner_card)
    job_runner.dispatch_and_run()
    frozen_time.move_to(datetime(2026, 11, 25, 13, 0, 30, tzinfo=UTC))  # Wednesday: 4 working hours to go
    job_runner.dispatch_and_run()
    reminder = fake_slack.messages(fake_slack.dm_channel(MANAGER))[-1]
    assert reminder["text"] == (f"Reminder: <@{LEARNER}> is waiting for your review of *{TITLE}* — "
                                "due Wed 25 Nov, 17:00.")
    view = _open_modal(slack, fake_slack, reminder)
    accept = _values(level=4, feedback=FEEDBACK_2, outcome="accepted", evidence=False)
    assert slack.view_submission(view, user_id=MANAGER, values=accept).json() is None
    _in_thread(fake_slack, learner_card, job_runner)
    fake_slack.wait_for("chat.update", predicate=lambda c: c.args.get("ts") == reminder["ts"])
    assert _message(fake_slack, MANAGER, reminder["ts"])["text"] == (
        f"Review of <@{LEARNER}>'s *{TITLE}*: Reviewed ✔ Role model — feedback sent to <@{LEARNER}>")
    with services.db.session() as session:
        overdue = deliveries.by_key(session, reviews.reminder_key(assignment_id, 1, 2))
        assert overdue is not None and overdue.state == "cancelled"
        used = deliveries.by_key(session, reviews.reminder_key(assignment_id, 1, 1))
        assert used is not None and used.interacted_at is not None
        assert session.scalars(select(Evidence)).all() == []  # the box was left unticked
    (event,) = _events(services, "review.submitted")
    assert event.properties["on_time"] is True and event.properties["outcome"] == "accepted"
    assert fake_slack.validation_errors == []


def test_feedback_falls_back_to_a_dm_when_the_assignment_thread_is_gone(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, team: None,
) -> None:
    channel, _ = _learner_card(services, fake_slack)
    assignment_id = _submitted(services, (channel, "1111111111.000001"))  # a card Slack no longer has
    job_runner.dispatch_and_run()
    card = fake_slack.messages(fake_slack.dm_channel(MANAGER))[-1]
    view = _open_modal(slack, fake_slack, card)
    values = _values(feedback=FEEDBACK_1, outcome="changes_requested")
    assert slack.view_submission(view, user_id=MANAGER, values=values).json() is None
    fake_slack.wait_for("chat.update")
    time.sleep(0.2)
    job_runner.dispatch_and_run()
    dm = fake_slack.messages(channel)[-1]
    assert dm["thread_ts"] is None
    assert dm["blocks"][0]["text"]["text"] == f"<@{MANAGER}> asked for changes to your work of *{TITLE}*."
    assert _elements(dm["blocks"])[ids.ASSIGNMENT_SUBMIT]["value"] == str(assignment_id)
    with services.db.session() as session:
        result = deliveries.by_key(session, reviews.result_key(assignment_id, 1))
        assert result is not None and result.state == "sent" and result.kind == "review_result"
    assert fake_slack.validation_errors == []


def test_feedback_goes_out_as_a_dm_when_the_card_was_never_known(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, team: None,
) -> None:
    assignment_id = _submitted(services, None)
    job_runner.dispatch_and_run()
    card = fake_slack.messages(fake_slack.dm_channel(MANAGER))[-1]
    view = _open_modal(slack, fake_slack, card)
    values = _values(level=3, feedback=FEEDBACK_2, outcome="accepted", evidence=True)
    assert slack.view_submission(view, user_id=MANAGER, values=values).json() is None
    fake_slack.wait_for("chat.update")
    time.sleep(0.2)
    job_runner.dispatch_and_run()
    dm = fake_slack.messages(fake_slack.dm_channel(LEARNER))[-1]
    assert dm["blocks"][0]["text"]["text"] == (
        f"<@{MANAGER}> reviewed your work of *{TITLE}* — *Proficient* (3 of 4).")
    assert "This counts as evidence of *SBI feedback*." in _text(dm["blocks"])
    assert fake_slack.calls_to("chat.postMessage")[-1].args.get("thread_ts") is None
    with services.db.session() as session:
        sent = session.scalars(select(Delivery).where(Delivery.kind == "review_result")).one()
        assert sent.key == reviews.result_key(assignment_id, 1) and sent.state == "sent"
    assert fake_slack.validation_errors == []


def test_a_replaced_submission_supersedes_its_card(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, team: None,
) -> None:
    from slackapp.listeners.reviews import supersede_previous_card

    assignment_id = _submitted(services, _learner_card(services, fake_slack))
    job_runner.dispatch_and_run()
    first = fake_slack.messages(fake_slack.dm_channel(MANAGER))[-1]
    with services.db.session() as session:  # the learner replaced the submission before anyone reviewed it
        _submit(session, services, session.get_one(Assignment, assignment_id), 2, "A better version.")
    job_runner.dispatch_and_run()
    second = fake_slack.messages(fake_slack.dm_channel(MANAGER))[-1]
    assert second["ts"] != first["ts"]
    with services.db.session() as session:
        cancelled = deliveries.by_key(session, reviews.reminder_key(assignment_id, 1, 1))
        assert cancelled is not None and cancelled.state == "cancelled"

    supersede_previous_card(services.clients.for_team(TEAM), services, team_id=TEAM, assignment_id=assignment_id)
    stale = _message(fake_slack, MANAGER, first["ts"])
    assert stale["text"] == "Superseded by a new submission (version 2) — please review it from the newer card."
    assert _elements(stale["blocks"]) == {}
    slack.block_action(ids.REVIEW_OPEN, user_id=MANAGER, value=f"{assignment_id}:1", message=first)
    assert _ephemeral(fake_slack, 1) == reviews.SUPERSEDED
    assert _assignment(services, assignment_id).reviewer_card_ts == second["ts"]
    view = _open_modal(slack, fake_slack, second)
    assert json.loads(view["private_metadata"]) == {"assignment_id": assignment_id, "version": 2}
    assert fake_slack.validation_errors == []


def test_long_feedback_and_long_names_stay_within_slack_limits(content_library: ContentLibrary) -> None:
    from slackapp.emulator.validation import validate_blocks, validate_view

    feedback = ("word " * 599 + "end") + "\n\n" + "x" * 10
    message = views.feedback_message(assignment_id=7, reviewer_id=MANAGER, outcome="changes_requested", level=2,
                                     level_label="Developing", feedback=feedback)
    blocks = message.to_kwargs()["blocks"]
    assert validate_blocks(blocks, max_blocks=50) == []
    quoted = [b["text"]["text"] for b in blocks if b["type"] == "section" and b["text"]["text"].startswith(">")]
    assert quoted and all(len(t) <= 3000 for t in quoted)
    assert all(line.startswith(">") for t in quoted for line in t.split("\n"))
    assert "".join(quoted).count("word") == 599

    payload = {"assignment_id": 7, "version": 1, "learner_id": LEARNER, "title": "T" * 75,
               "skill_name": "S" * 75, "summary": "s " * 1600, "success_criteria": ["c" * 200] * 5,
               "deliverable": "d" * 300, "link": "<https://evil.example|click> *bold*", "self_level": 4,
               "self_level_name": "Role model"}
    levels = views.levels_for(content_library, "give-sbi-feedback")
    for level in (None, 2, 3):
        view = views.review_modal(payload, levels, level=level).to_dict()
        assert validate_view(view, expected_types=frozenset({"modal"})) == []
    assert "&lt;https://evil.example|click&gt;" in _text(view["blocks"])
    evidence_text = next(b for b in view["blocks"] if b.get("block_id") == views.EVIDENCE_BLOCK_ON)
    assert len(evidence_text["element"]["options"][0]["text"]["text"]) == 75
    assert views.levels_for(content_library, "retired")[2].name == "Proficient"
