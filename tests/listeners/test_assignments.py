"""Micro-assignments over signed HTTP: the real App, the strict fake Slack, the outbox and its jobs.

A manager (maria, UMANAGER) has one accepted report (ravi, UREPORT1); lee (UREPORT2) is in nobody's
team. Time starts on Monday 23 November 2026, 10:00 in London (UTC), inside everyone's working hours.
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
from slackapp.content import ContentLibrary
from slackapp.db.models import AnalyticsEvent, Assignment, Delivery, Submission, TeamLink
from slackapp.domain import assignments, deliveries, people
from slackapp.domain.assignment_states import transition
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.validation import validate_blocks, validate_view
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from slackapp.views import assignments as views
from tests.conftest import JobRunner
from tests.domain.test_assignments import build_library
from tests.waiting import wait_running_outbox as _wait

TEAM = "T0001"
MANAGER, REPORT, PEER = "UMANAGER", "UREPORT1", "UREPORT2"
SBI = "give-sbi-feedback"
NOTE = "You said the retro felt flat — try SBI with Sam on Thursday."
DUE_WEDNESDAY = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 24 working hours after Monday 10:00


@pytest.fixture(scope="module")
def content_library() -> ContentLibrary:
    """This module's own content: the tests don't follow edits of the shipped library."""
    return build_library()


@pytest.fixture
def team(services: Services, frozen_time: time_machine.Traveller) -> None:
    now = utcnow()
    with services.db.session() as session:
        for user_id in (MANAGER, REPORT, PEER):
            person, _ = people.get_or_create_person(session, team_id=TEAM, user_id=user_id, now=now)
            person.opt_in = "opted_in"
        session.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id=REPORT, state="active", created_at=now,
                             updated_at=now))


# -- helpers ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _latest_view(fake: FakeSlack, count: int) -> dict[str, Any]:
    fake.wait_for("views.open", count=count)
    return dict(list(fake.open_views().values())[-1])


def _elements(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]}


def _block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)



def _dm(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    return fake.messages(fake.dm_channel(user_id))


def _card(fake: FakeSlack, ts: str, user_id: str = REPORT) -> dict[str, Any]:
    return next(m for m in _dm(fake, user_id) if m["ts"] == ts)


def _card_says(fake: FakeSlack, ts: str, needle: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        card = _card(fake, ts)
        return card if needle in _text(card["blocks"]) else None

    try:
        return dict(_wait(found, f"the card to say {needle!r}"))
    except AssertionError:
        raise AssertionError(f"the card never said {needle!r}: {_text(_card(fake, ts)['blocks'])}") from None


def _ephemeral(fake: FakeSlack, count: int) -> str:
    return str(fake.wait_for("response_url", count=count)[-1].args["text"])


def _assign_values(template_id: str | None = SBI, *, note: str = NOTE, learner: str | None = REPORT,
                   reviewer: str | None = MANAGER, due: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    values: dict[str, dict[str, dict[str, Any]]] = {
        ids.ASSIGN_TEMPLATE_BLOCK: {ids.ASSIGN_TEMPLATE: {"type": "static_select", "selected_option": (
            {"value": template_id, "text": {"type": "plain_text", "text": template_id}} if template_id else None)}},
        ids.ASSIGN_NOTE_BLOCK: {ids.ASSIGN_NOTE: {"type": "plain_text_input", "value": note}},
        ids.ASSIGN_REVIEWER_BLOCK: {ids.ASSIGN_REVIEWER: {"type": "users_select", "selected_user": reviewer}},
        ids.ASSIGN_DUE_BLOCK: {ids.ASSIGN_DUE: {"type": "datepicker", "selected_date": due}},
    }
    if learner is not None:
        values[ids.ASSIGN_LEARNER_BLOCK] = {ids.ASSIGN_LEARNER: {"type": "users_select", "selected_user": learner}}
    return values


def _assignment(services: Services, assignment_id: int | None = None) -> Assignment:
    with services.db.session() as session:
        query = select(Assignment).order_by(Assignment.id.desc())
        if assignment_id is not None:
            query = query.where(Assignment.id == assignment_id)
        return session.scalars(query.limit(1)).one()


def _delivery(services: Services, key: str) -> Delivery:
    with services.db.session() as session:
        found = deliveries.by_key(session, key)
        assert found is not None, key
        return found


def _assign(slack: SlackSender, fake: FakeSlack, services: Services, job_runner: JobRunner, *,
            template_id: str = SBI, due: str | None = None, views_opened: int = 1) -> tuple[Assignment, dict[str, Any]]:
    """maria assigns ravi a practice with /coach assign; the card reaches ravi's DM."""
    assert slack.command("assign <@UREPORT1|ravi>", user_id=MANAGER).status == 200
    view = _latest_view(fake, views_opened)
    reply = slack.view_submission(view, user_id=MANAGER, values=_assign_values(template_id, due=due))
    assert reply.status == 200 and reply.json() is None, reply.text
    assignment = _assignment(services)
    job_runner.dispatch_and_run()
    card = _wait(lambda: next((m for m in _dm(fake, REPORT) if (m.get("metadata") or {}).get("event_payload", {})
                               .get("delivery_key") == f"assignment-offer:{assignment.id}"), None), "the card")
    return _assignment(services, assignment.id), card


def _click(slack: SlackSender, action_id: str, assignment: Assignment, message: dict[str, Any],
           user_id: str = REPORT) -> None:
    assert slack.block_action(action_id, user_id=user_id, value=str(assignment.id), message=message).status == 200


def _submit_work(slack: SlackSender, fake: FakeSlack, assignment: Assignment, message: dict[str, Any], *,
                 views_opened: int, summary: str = "Told Sam what I saw in the demo and how it landed.",
                 link: str = "https://docs.example.com/sbi-notes", level: str | None = "3") -> Any:
    _click(slack, ids.ASSIGNMENT_SUBMIT, assignment, message)
    view = _latest_view(fake, views_opened)
    values: dict[str, dict[str, dict[str, Any]]] = {
        ids.SUBMIT_SUMMARY_BLOCK: {ids.SUBMIT_SUMMARY: {"type": "plain_text_input", "value": summary}},
        ids.SUBMIT_LINK_BLOCK: {ids.SUBMIT_LINK: {"type": "plain_text_input", "value": link}},
    }
    if level is not None:
        values[ids.SUBMIT_LEVEL_BLOCK] = {ids.SUBMIT_LEVEL: {"type": "radio_buttons",
                                                             "selected_option": {"value": level}}}
    return slack.view_submission(view, user_id=REPORT, values=values)


def _events(services: Services, name: str) -> list[AnalyticsEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == name)))


# -- assign → card → accept → submit ---------------------------------------------------------------


def test_assign_from_the_command_then_accept_and_submit_on_time(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assert slack.command("assign <@UREPORT1|ravi>", user_id=MANAGER).status == 200
    view = _latest_view(fake_slack, 1)
    assert view["callback_id"] == ids.ASSIGN_MODAL and view["title"]["text"] == "Assign practice"
    learner = _block(view, ids.ASSIGN_LEARNER_BLOCK)["element"]
    reviewer = _block(view, ids.ASSIGN_REVIEWER_BLOCK)["element"]
    assert (learner["initial_user"], reviewer["initial_user"]) == (REPORT, MANAGER)
    groups = _block(view, ids.ASSIGN_TEMPLATE_BLOCK)["element"]["option_groups"]
    assert [g["label"]["text"] for g in groups] == ["Giving feedback", "Delegating"]
    assert groups[0]["options"][0]["value"] == SBI
    assert groups[0]["options"][0]["description"]["text"] == "Use SBI · within 24 h"
    assert "counted in ravi's working hours" in _block(view, ids.ASSIGN_DUE_BLOCK)["hint"]["text"]
    assert slack.view_submission(view, user_id=MANAGER, values=_assign_values()).json() is None
    assignment = _assignment(services)
    assert (assignment.state, assignment.due_at, assignment.context_note) == ("offered", DUE_WEDNESDAY, NOTE)
    assert job_runner.dispatch_and_run() >= 1

    card = _dm(fake_slack, REPORT)[-1]
    shown = _text(card["blocks"])
    assert card["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text":
                                                             "Give one piece of SBI feedback"}}
    assert "Micro-assignment · *Giving feedback* › Use SBI · about 30 min of work" in shown
    assert "*What to do*\\n1. Pick one thing you saw this week.\\n2. Tell them" in shown
    assert "*Success looks like*\\n• Names a concrete situation and behaviour" in shown
    assert f"*Context from <@{MANAGER}>*\\n>{NOTE}" in shown
    assert "*Due Wed 25 Nov, 17:00* (your time)" in shown
    elements = _elements(card)
    assert [e["text"]["text"] for e in elements.values()] == ["Accept", "Decline", "Ask a question"]
    assert {e["value"] for e in elements.values()} == {str(assignment.id)}
    stored = _assignment(services, assignment.id)
    assert (stored.card_channel, stored.card_ts) == (fake_slack.dm_channel(REPORT), card["ts"])

    _click(slack, ids.ASSIGNMENT_ACCEPT, assignment, card)
    card = _card_says(fake_slack, card["ts"], "✅ *Accepted* — due Wed 25 Nov, 17:00")
    assert [e["text"]["text"] for e in _elements(card).values()] == ["Submit", "Ask a question"]
    _click(slack, ids.ASSIGNMENT_ACCEPT, assignment, card)  # a second click on a stale copy of the card
    assert _ephemeral(fake_slack, 1) == "That's already done — this assignment is accepted."

    reply = _submit_work(slack, fake_slack, assignment, card, views_opened=2)
    assert reply.json() is None
    submit_view = _latest_view(fake_slack, 2)
    assert submit_view["callback_id"] == ids.SUBMIT_MODAL
    radios = _block(submit_view, ids.SUBMIT_LEVEL_BLOCK)["element"]["options"]
    assert [o["text"]["text"] for o in radios] == ["1 · Not yet", "2 · Developing", "3 · Proficient",
                                                   "4 · Role model"]
    assert "*3 · Proficient* — Situation, behaviour and impact were specific" in _text(submit_view["blocks"])
    card = _card_says(fake_slack, card["ts"], "📨 *Submitted* — waiting for <@UMANAGER>'s review "
                                              "(promised by Wed 25 Nov, 17:00).")  # 24 of maria's working hours
    assert _elements(card) == {}
    review_request = _delivery(services, f"review-request:{assignment.id}:1")  # the reviews work takes over
    assert (review_request.user_id, review_request.kind) == (MANAGER, "review_request")
    thread = _wait(lambda: [m for m in _dm(fake_slack, REPORT) if m["thread_ts"] == card["ts"]], "the record")
    assert "*You submitted version 1*" in _text(thread[-1]["blocks"])
    with services.db.session() as session:
        submission = session.scalars(select(Submission)).one()
        assert (submission.version, submission.late, submission.self_level) == (1, False, 3)
        assert submission.link == "https://docs.example.com/sbi-notes"
    reminders = [_delivery(services, f"assignment-reminder:{assignment.id}:{n}").state for n in (1, 2)]
    assert reminders == ["cancelled", "cancelled"]
    assert [len(_events(services, f"assignment.{n}")) for n in ("created", "accepted", "submitted")] == [1, 1, 1]
    assert fake_slack.validation_errors == []


def test_a_late_submission_is_allowed_and_shown_as_late(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
    frozen_time: time_machine.Traveller,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    _click(slack, ids.ASSIGNMENT_ACCEPT, assignment, card)
    card = _card_says(fake_slack, card["ts"], "Accepted")
    frozen_time.move_to(DUE_WEDNESDAY + timedelta(hours=16))  # Thursday 09:00
    assert _submit_work(slack, fake_slack, assignment, card, views_opened=2, level=None).json() is None
    _card_says(fake_slack, card["ts"], "📨 *Submitted (late)* — waiting for <@UMANAGER>'s review")
    stored = _assignment(services, assignment.id)
    assert stored.late and stored.state == "submitted"
    assert fake_slack.validation_errors == []


def test_the_submit_modal_checks_its_fields_beside_them(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    _click(slack, ids.ASSIGNMENT_ACCEPT, assignment, card)
    card = _card_says(fake_slack, card["ts"], "Accepted")
    reply = _submit_work(slack, fake_slack, assignment, card, views_opened=2, summary="Done",
                         link="ftp://files.example.com/notes.txt")
    assert reply.json()["response_action"] == "errors"
    assert "Links must start with https://" in reply.json()["errors"][ids.SUBMIT_LINK_BLOCK]
    time.sleep(0.2)
    assert _assignment(services, assignment.id).state == "accepted"


# -- the message shortcut --------------------------------------------------------------------------


def _shortcut(slack: SlackSender, fake: FakeSlack, *, user_id: str, channel: str, ts: str, text: str) -> None:
    reply = slack.interactive({
        "type": "message_action", "callback_id": ids.SHORTCUT_MICRO_ASSIGNMENT, "trigger_id": "77.trigger",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM}, "team": {"id": TEAM, "domain": "acme"},
        "channel": {"id": channel, "name": "project-q3"}, "message": {"type": "message", "ts": ts, "text": text,
                                                                     "user": REPORT},
        "message_ts": ts, "response_url": fake.response_url("shortcut"), "token": "legacy", "api_app_id": "A0001",
    })
    assert reply.status == 200


def test_assign_from_a_message_with_its_link_as_context(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    text = ("Can someone look at the Q3 plan before Friday? I'm stuck on the budget section and I don't want "
            "to bother Maria again. " * 5)
    ts = fake_slack.post_user_message("C123", REPORT, text)
    _shortcut(slack, fake_slack, user_id=MANAGER, channel="C123", ts=ts, text=text)
    view = _latest_view(fake_slack, 1)
    permalink = f"https://acme.slack.com/archives/C123/p{ts.replace('.', '')}"
    assert permalink in _text(view["blocks"])
    note = _block(view, ids.ASSIGN_NOTE_BLOCK)["element"]
    assert note["initial_value"] == text.strip()[:300] and len(note["initial_value"]) == 300
    assert "initial_user" not in _block(view, ids.ASSIGN_LEARNER_BLOCK)["element"]

    # lee is not maria's report: refused beside the learner field, nothing created.
    values = _assign_values(learner=PEER, note=note["initial_value"])
    reply = slack.view_submission(view, user_id=MANAGER, values=values)
    assert reply.json() == {"response_action": "errors",
                            "errors": {ids.ASSIGN_LEARNER_BLOCK: assignments.NOT_YOUR_REPORT}}
    with services.db.session() as session:
        assert session.scalars(select(Assignment)).all() == []
    reply = slack.view_submission(view, user_id=MANAGER, values=_assign_values(note="Take this on: SBI on the plan."))
    assert reply.json() is None
    assignment = _assignment(services)
    assert assignment.context_permalink == permalink
    job_runner.dispatch_and_run()
    card = _dm(fake_slack, REPORT)[-1]
    assert f"<{permalink}|The message this is about>" in _text(card["blocks"])
    assert _events(services, "assignment.created")[0].properties["from_message"] is True
    assert fake_slack.validation_errors == []


def test_someone_without_a_team_cannot_assign(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services,
) -> None:
    assert slack.command("assign <@UREPORT1|ravi>", user_id=PEER).status == 200
    assert _ephemeral(fake_slack, 1) == assignments.NOT_YOUR_REPORT
    ts = fake_slack.post_user_message("C123", REPORT, "Hello")
    _shortcut(slack, fake_slack, user_id=PEER, channel="C123", ts=ts, text="Hello")
    assert "You don't have anyone in your team yet" in _ephemeral(fake_slack, 2)
    assert slack.command("assign <@UREPORT2|lee>", user_id=PEER).status == 200
    assert _ephemeral(fake_slack, 3) == "To pick practice for yourself, use `/coach practice`."
    assert fake_slack.calls_to("views.open") == []


def test_the_assign_modal_checks_dates_people_and_the_note(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services,
) -> None:
    fake_slack.add_user("UGONE", name="gone", real_name="Gone", tz="Europe/London", deleted=True)
    fake_slack.add_user("UAPP", name="reportbot", tz="Europe/London", is_bot=True)
    with services.db.session() as session:
        for user_id in ("UGONE", "UAPP"):
            session.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id=user_id, state="active",
                                 created_at=utcnow(), updated_at=utcnow()))
    assert slack.command("assign", user_id=MANAGER).status == 200
    view = _latest_view(fake_slack, 1)

    def errors(**overrides: Any) -> dict[str, str]:
        reply = slack.view_submission(view, user_id=MANAGER, values=_assign_values(**overrides))
        return dict(reply.json()["errors"])

    assert errors(due="2026-11-20") == {ids.ASSIGN_DUE_BLOCK: "Pick a due date that hasn't passed yet."}
    assert errors(note=" ") == {ids.ASSIGN_NOTE_BLOCK: "Add a short note: why this practice, and why now."}
    assert errors(template_id=None) == {ids.ASSIGN_TEMPLATE_BLOCK: "Pick a micro-assignment."}
    assert "can't review their own work" in errors(reviewer=REPORT)[ids.ASSIGN_REVIEWER_BLOCK]
    assert "deactivated" in errors(learner="UGONE")[ids.ASSIGN_LEARNER_BLOCK]
    assert "not a person" in errors(learner="UAPP")[ids.ASSIGN_LEARNER_BLOCK]
    with services.db.session() as session:
        assert session.scalars(select(Assignment)).all() == []
    # A picked date is the end of ravi's working day then.
    assert slack.view_submission(view, user_id=MANAGER, values=_assign_values(due="2026-11-27")).json() is None
    assert _assignment(services).due_at == datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    assert fake_slack.validation_errors == []


def test_picking_a_template_shows_the_default_due_time_in_the_hint(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services,
) -> None:
    assert slack.command("assign <@UREPORT1>", user_id=MANAGER).status == 200
    view = _latest_view(fake_slack, 1)
    values = _assign_values(note="")
    payload = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "acme"}, "trigger_id": "9.trigger",
        "user": {"id": MANAGER, "username": "umanager", "team_id": TEAM}, "api_app_id": "A0001", "token": "legacy",
        "container": {"type": "view", "view_id": view["id"]}, "view": {**view, "state": {"values": values}},
        "actions": [{"type": "static_select", "action_id": ids.ASSIGN_TEMPLATE, "block_id": ids.ASSIGN_TEMPLATE_BLOCK,
                     "selected_option": {"value": SBI, "text": {"type": "plain_text", "text": "SBI"}},
                     "action_ts": "1.2"}],
    }
    assert slack.interactive(payload).status == 200
    updated = fake_slack.wait_for("views.update")[-1].args["view"]
    hint = _block(updated, ids.ASSIGN_DUE_BLOCK)["hint"]["text"]
    assert hint.startswith("Leave empty for the default: Wed 25 Nov, 17:00 ravi's time — 24 working hours from now.")
    assert _block(updated, ids.ASSIGN_TEMPLATE_BLOCK)["element"]["initial_option"]["value"] == SBI
    assert fake_slack.validation_errors == []


# -- decline, questions, permissions, second clicks ------------------------------------------------


def test_decline_needs_a_reason_which_the_card_and_the_manager_see(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    _click(slack, ids.ASSIGNMENT_DECLINE, assignment, card)
    view = _latest_view(fake_slack, 2)
    assert view["callback_id"] == ids.DECLINE_MODAL
    assert _block(view, ids.DECLINE_REASON_BLOCK)["label"]["text"] == "Why not? maria will see this"

    def submit(reason: str) -> Any:
        return slack.view_submission(view, user_id=REPORT, values={
            ids.DECLINE_REASON_BLOCK: {ids.DECLINE_REASON: {"type": "plain_text_input", "value": reason}}}).json()

    assert submit("  ")["errors"][ids.DECLINE_REASON_BLOCK].startswith("Add a short reason")
    assert submit("On holiday until Friday — can we move it to next week?") is None
    card = _card_says(fake_slack, card["ts"], "You declined this: “On holiday until Friday")
    assert _elements(card) == {}
    notice = _wait(lambda: [m for m in _dm(fake_slack, MANAGER) if m["text"].startswith("Declined")], "maria's notice")
    assert f"<@{REPORT}> declined *Give one piece of SBI feedback*" in _text(notice[-1]["blocks"])
    _click(slack, ids.ASSIGNMENT_DECLINE, assignment, card)
    assert _ephemeral(fake_slack, 1) == "That's already done — this assignment is declined."
    assert _delivery(services, f"assignment-reminder:{assignment.id}:1").state == "cancelled"
    assert fake_slack.validation_errors == []


def test_a_question_goes_to_the_manager_and_into_the_cards_thread(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    _click(slack, ids.ASSIGNMENT_QUESTION, assignment, card)
    view = _latest_view(fake_slack, 2)
    question = "Can I do this with a peer instead of Sam? He's off this week."
    reply = slack.view_submission(view, user_id=REPORT, values={
        ids.QUESTION_BLOCK: {ids.QUESTION_TEXT: {"type": "plain_text_input", "value": question}}})
    assert reply.json() is None
    to_maria = _wait(lambda: [m for m in _dm(fake_slack, MANAGER) if "question" in m["text"]], "maria's DM")
    assert f"<@{REPORT}> has a question about *Give one piece of SBI feedback*" in _text(to_maria[-1]["blocks"])
    assert question in _text(to_maria[-1]["blocks"])
    in_thread = _wait(lambda: [m for m in _dm(fake_slack, REPORT) if m["thread_ts"] == card["ts"]], "the thread")
    assert f"*You asked <@{MANAGER}>:*" in _text(in_thread[-1]["blocks"]) and question in _text(in_thread[-1])
    (event,) = _events(services, "assignment.question_asked")
    assert question not in _text(event.properties)
    assert _assignment(services, assignment.id).state == "offered"  # asking changes nothing
    assert fake_slack.validation_errors == []


def test_only_the_learner_can_use_their_card_and_a_left_learner_gets_a_cancelled_card(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    _click(slack, ids.ASSIGNMENT_ACCEPT, assignment, card, user_id=PEER)
    assert _ephemeral(fake_slack, 1) == "This card is for someone else's assignment."
    assert _assignment(services, assignment.id).state == "offered"
    with services.db.session() as session:
        session.scalars(select(TeamLink)).one().state = "removed"
    _click(slack, ids.ASSIGNMENT_ACCEPT, assignment, card)
    card = _card_says(fake_slack, card["ts"], "🚫 *Cancelled*: ravi is no longer in maria's team")
    assert _elements(card) == {}
    assert fake_slack.validation_errors == []


# -- reminders -------------------------------------------------------------------------------------


def test_reminders_arrive_in_working_hours_and_submitting_from_one_accepts_first(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
    frozen_time: time_machine.Traveller,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    first = _delivery(services, f"assignment-reminder:{assignment.id}:1")
    assert first.due_at == datetime(2026, 11, 24, 13, 30, tzinfo=UTC) and first.kind == "assignment_reminder"
    frozen_time.move_to(first.due_at + timedelta(minutes=1))
    job_runner.dispatch_and_run()
    reminder = _dm(fake_slack, REPORT)[-1]
    assert reminder["ts"] != card["ts"]
    assert "⏰ *Give one piece of SBI feedback* is due Wed 25 Nov, 17:00 (your time)." in _text(reminder["blocks"])
    assert list(_elements(reminder)) == [ids.ASSIGNMENT_SUBMIT, ids.NUDGE_SNOOZE]  # every nudge can be snoozed
    # ravi never clicked Accept: submitting from the reminder accepts, and the card says so.
    _click(slack, ids.ASSIGNMENT_SUBMIT, assignment, reminder)
    assert _latest_view(fake_slack, 2)["callback_id"] == ids.SUBMIT_MODAL
    _card_says(fake_slack, card["ts"], "✅ *Accepted*")
    assert _submit_work(slack, fake_slack, assignment, card, views_opened=3).json() is None
    _card_says(fake_slack, card["ts"], "Submitted")
    assert _delivery(services, f"assignment-reminder:{assignment.id}:2").state == "cancelled"
    retired = _card_says(fake_slack, reminder["ts"], "submitted. Nothing more to do here.")  # no stale Submit
    assert _elements(retired) == {}
    assert _assignment(services, assignment.id).reviewer_id == MANAGER
    assert fake_slack.validation_errors == []


def test_a_learner_deactivated_later_gets_no_reminders_and_the_manager_can_still_cancel(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
    frozen_time: time_machine.Traveller,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    fake_slack.add_user(REPORT, name="ravi", real_name="Ravi", tz="Europe/London", deleted=True)
    frozen_time.move_to(datetime(2026, 11, 24, 13, 31, tzinfo=UTC))  # the profile is a day old: checked again
    job_runner.dispatch_and_run()
    reminder = _delivery(services, f"assignment-reminder:{assignment.id}:1")
    assert (reminder.state, reminder.last_reason) == ("skipped", "the person's Slack account is deactivated")

    assert slack.command("assignments", user_id=MANAGER).status == 200
    listing = fake_slack.wait_for("response_url")[-1].args
    cancel_menu = _elements(listing)[ids.ASSIGNMENT_CANCEL]
    assert [o["value"] for o in cancel_menu["options"]] == [str(assignment.id)]
    assert slack.select_action(ids.ASSIGNMENT_CANCEL, user_id=MANAGER, option_value=str(assignment.id)).status == 200
    view = _latest_view(fake_slack, 2)
    assert view["callback_id"] == views.CANCEL_MODAL
    reply = slack.view_submission(view, user_id=MANAGER, values={
        views.CANCEL_REASON_BLOCK: {views.CANCEL_REASON: {"type": "plain_text_input", "value": "Ravi has left."}}})
    assert reply.json() is None
    _card_says(fake_slack, card["ts"], f"🚫 *Cancelled* by <@{MANAGER}>: Ravi has left.")
    assert _wait(lambda: _assignment(services, assignment.id).state == "cancelled", "cancelled")
    assert _delivery(services, f"assignment-reminder:{assignment.id}:2").state == "cancelled"


# -- cancel and reassign from /coach assignments ---------------------------------------------------


def test_the_manager_cancels_from_the_list_the_learner_is_told_and_the_list_refreshes(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    _click(slack, ids.ASSIGNMENT_ACCEPT, assignment, card)
    card = _card_says(fake_slack, card["ts"], "Accepted")
    assert slack.command("assignments", user_id=MANAGER).status == 200
    listing = fake_slack.wait_for("response_url")[-1].args
    assert f"• <@{REPORT}> — *Give one piece of SBI feedback* · accepted · due Wed 25 Nov, 17:00" in _text(listing)
    # Only the assigner, the manager or an admin may cancel.
    assert slack.select_action(ids.ASSIGNMENT_CANCEL, user_id=PEER, option_value=str(assignment.id)).status == 200
    assert "Only the person who assigned this" in _ephemeral(fake_slack, 2)
    assert slack.select_action(ids.ASSIGNMENT_CANCEL, user_id=MANAGER, option_value=str(assignment.id)).status == 200
    view = _latest_view(fake_slack, 2)

    def submit(reason: str) -> Any:
        return slack.view_submission(view, user_id=MANAGER, values={
            views.CANCEL_REASON_BLOCK: {views.CANCEL_REASON: {"type": "plain_text_input", "value": reason}}}).json()

    assert submit("")["errors"][views.CANCEL_REASON_BLOCK].startswith("Add a short reason")
    assert submit("The project was paused, so there's no demo to give feedback on.") is None
    card = _card_says(fake_slack, card["ts"], f"🚫 *Cancelled* by <@{MANAGER}>: The project was paused")
    assert _elements(card) == {}
    told = _wait(lambda: [m for m in _dm(fake_slack, REPORT) if m["thread_ts"] == card["ts"]], "the thread note")
    assert f"<@{MANAGER}> cancelled this assignment" in _text(told[-1]["blocks"])
    refreshed = _wait(lambda: [c for c in fake_slack.calls_to("response_url") if c.args.get("replace_original")],
                      "the refreshed list")
    assert "Nothing open right now" in refreshed[-1].args["text"]
    _click(slack, ids.ASSIGNMENT_SUBMIT, assignment, card)
    assert _ephemeral(fake_slack, 4) == "That's already done — this assignment is cancelled."
    assert len(_events(services, "assignment.cancelled")) == 1
    assert fake_slack.validation_errors == []


def test_the_manager_moves_the_due_date_and_the_card_and_reminders_follow(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assignment, card = _assign(slack, fake_slack, services, job_runner)
    assert slack.command("assignments", user_id=MANAGER).status == 200
    fake_slack.wait_for("response_url")
    reassign = views.ASSIGNMENT_REASSIGN
    assert slack.select_action(reassign, user_id=MANAGER, option_value=str(assignment.id)).status == 200
    view = _latest_view(fake_slack, 2)
    assert view["callback_id"] == views.REASSIGN_MODAL
    assert "Now due Wed 25 Nov, 17:00 ravi's time" in _block(view, ids.ASSIGN_DUE_BLOCK)["hint"]["text"]

    def submit(due: str | None, reviewer: str = MANAGER) -> Any:
        return slack.view_submission(view, user_id=MANAGER, values={
            ids.ASSIGN_DUE_BLOCK: {ids.ASSIGN_DUE: {"type": "datepicker", "selected_date": due}},
            ids.ASSIGN_REVIEWER_BLOCK: {ids.ASSIGN_REVIEWER: {"type": "users_select", "selected_user": reviewer}},
        }).json()

    assert "nothing changed" in submit(None)["errors"][ids.ASSIGN_DUE_BLOCK]
    assert submit("2026-11-30") is None
    _card_says(fake_slack, card["ts"], "*Due Mon 30 Nov, 17:30* (your time)")
    told = _wait(lambda: [m for m in _dm(fake_slack, REPORT) if m["thread_ts"] == card["ts"]], "the thread note")
    assert "the new due time is *Mon 30 Nov, 17:30* (your time)" in _text(told[-1]["blocks"])
    assert _delivery(services, f"assignment-reminder:{assignment.id}:2").due_at == datetime(2026, 11, 30, 15, 30,
                                                                                            tzinfo=UTC)
    assert fake_slack.validation_errors == []


# -- self-practice ---------------------------------------------------------------------------------


def test_practice_for_yourself_with_recommendations_and_a_reviewer_of_your_choice(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    now = utcnow()
    with services.db.session() as session:  # ravi already did the SBI practice, reviewed
        done = assignments.create_assignment(
            session, team_id=TEAM, actor_id=MANAGER, learner_id=REPORT, template=services.content.assignment(SBI),
            reviewer_id=MANAGER, due_at=None, context_note=NOTE, context_permalink=None, now=now)
        for state in ("accepted", "submitted", "reviewed"):
            transition(session, done, to_state=state, actor_id=REPORT, now=now)
    assert slack.command("practice", user_id=REPORT).status == 200
    view = _latest_view(fake_slack, 1)
    assert view["title"]["text"] == "Practise a skill" and ids.ASSIGN_LEARNER_BLOCK not in _text(view["blocks"])
    groups = _block(view, ids.ASSIGN_TEMPLATE_BLOCK)["element"]["option_groups"]
    assert [(g["label"]["text"], [o["value"] for o in g["options"]]) for g in groups] == [
        ("Recommended for you", ["praise-specifically", "delegate-a-decision"]),
        ("Giving feedback", [SBI]),
    ]
    assert _block(view, ids.ASSIGN_REVIEWER_BLOCK)["element"]["initial_user"] == MANAGER  # their manager
    assert _block(view, ids.ASSIGN_NOTE_BLOCK)["optional"] is True

    def submit(reviewer: str) -> Any:
        values = _assign_values("praise-specifically", learner=None, reviewer=reviewer,
                                note="I want my 1:1 praise to be less generic.")
        return slack.view_submission(view, user_id=REPORT, values=values).json()

    assert "Pick someone else to review" in submit(REPORT)["errors"][ids.ASSIGN_REVIEWER_BLOCK]
    assert submit(PEER) is None
    practice = _assignment(services)
    assert (practice.assigned_by, practice.learner_id, practice.reviewer_id) == (REPORT, REPORT, PEER)
    job_runner.dispatch_and_run()
    card = _dm(fake_slack, REPORT)[-1]
    shown = _text(card["blocks"])
    assert "*Your goal*\\n>I want my 1:1 praise to be less generic." in shown
    assert f"Review by <@{PEER}> (you chose)." in shown
    assert card["text"].startswith("Your practice: Praise one thing specifically")
    _click(slack, ids.ASSIGNMENT_QUESTION, practice, card)
    assert "Your question for lee" in _text(_latest_view(fake_slack, 2)["blocks"])  # asked: the reviewer
    assert fake_slack.validation_errors == []


def test_the_template_menu_stays_within_slacks_limits() -> None:
    library = build_library(extra=120)
    choices = views.template_choices(library, recommended=list(library.assignments[:5]))
    assert choices.shown == 100 and choices.total == 123
    assert [label for label, _ in choices.groups] == ["Recommended for you", "Delegating"]
    form = views.AssignForm(self_practice=True, learner_id=REPORT, reviewer_id=MANAGER)
    view = views.assign_modal(form, content=library, recommended=list(library.assignments[:5])).to_dict()
    assert validate_view(view, expected_types=frozenset({"modal"})) == []
    assert "Showing 100 of 123 practices" in _text(view)


def test_the_card_is_re_rendered_for_the_reviews_work(
    team: None, slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    from slackapp.listeners.assignments import refresh_learner_card

    assignment, card_message = _assign(slack, fake_slack, services, job_runner)
    with services.db.session() as session:
        stored = session.get_one(Assignment, assignment.id)
        for state in ("accepted", "submitted", "changes_requested"):
            transition(session, stored, to_state=state, actor_id=REPORT, now=utcnow())
    assert refresh_learner_card(services.clients.for_team("T0001"), services, assignment.id)
    message = next(m for m in fake_slack.messages(fake_slack.dm_channel(REPORT)) if m["ts"] == card_message["ts"])
    shown = _text(message["blocks"])
    assert message["blocks"][0]["text"]["text"] == "Give one piece of SBI feedback"
    assert f"✏️ *Changes requested* by <@{MANAGER}> — the feedback is in this thread. Submit again" in shown
    assert [e["text"]["text"] for e in _elements(message).values()] == ["Submit again", "Ask a question"]
    assert validate_blocks(message["blocks"], max_blocks=50) == []
