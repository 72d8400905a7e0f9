"""Peer debriefs over signed HTTP: the real App, the strict fake Slack, the outbox, the close job.

Ravi (the learner) is offered a debrief after a reviewed assignment, asks Ana and Ben; Ana answers,
Ben doesn't; past the deadline the close job expires Ben and Ravi gets the summary once.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.content import ContentLibrary
from slackapp.content.model import Competency, Question, QuestionSet, Skill
from slackapp.db.models import AnalyticsEvent, Assignment, Debrief, Delivery, Evidence, Reflection, TeamLink
from slackapp.domain import debriefs, deliveries, people, reflections
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.validation import validate_blocks
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from slackapp.views import debriefs as views
from slackapp.views.deliveries import RenderContext
from tests.conftest import MONDAY_10AM, JobRunner
from workers import debrief_jobs
from workers.delivery import deliver

TEAM = "T0001"
LEARNER, MANAGER, ANA, BEN = "UREPORT1", "UMANAGER", "UANA", "UBEN"
COMPETENCY = "giving-feedback"
ANA_WORKED = "You named the behaviour, not the person — Lee relaxed straight away."
ANA_NEXT = "Ask Lee what they'd do differently <before> offering your idea & wait."
DEADLINE = MONDAY_10AM + timedelta(hours=48)  # Wednesday 10:00 London (UTC in November)


def _library() -> ContentLibrary:
    competency = Competency(
        id=COMPETENCY, name="Giving feedback", summary="Specific, timely, kind.",
        skills=(Skill(id=f"{COMPETENCY}.sbi", name="SBI feedback", description="Situation, behaviour, impact.",
                      indicators=("Names the behaviour",)),),
    )
    question_set = QuestionSet(id="debrief-general", title="Peer debrief", questions=(
        Question("worked", "What did Ravi do that worked?", hint="One moment is enough."),
        Question("next", "What could Ravi try next time?"),
    ))
    return ContentLibrary(competencies=(competency,), question_sets=(question_set,))


@pytest.fixture(scope="module")
def content_library() -> ContentLibrary:
    """This module's own content: the debrief question set until the shipped library has one."""
    return _library()


@pytest.fixture
def people_ready(fake_slack: FakeSlack, services: Services) -> None:
    fake_slack.add_user(ANA, name="ana", real_name="Ana", tz="Europe/London", email="ana@example.com")
    fake_slack.add_user(BEN, name="ben", real_name="Ben", tz="Europe/London", email="ben@example.com")
    fake_slack.add_user("UROBOT", name="robot", real_name="Standup Bot", is_bot=True)
    fake_slack.add_user("UGONE", name="gone", real_name="Gone Person", deleted=True)
    now = utcnow()
    with services.db.session() as session:
        for user_id in (LEARNER, MANAGER, ANA, BEN):
            person, _ = people.get_or_create_person(session, team_id=TEAM, user_id=user_id, now=now)
            person.opt_in = "opted_in"
        session.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id=LEARNER, state="active", created_at=now,
                             updated_at=now))


def _assignment(services: Services, learner: str = LEARNER, *, evidence: bool = False) -> int:
    now = utcnow()
    with services.db.session() as session:
        row = Assignment(team_id=TEAM, learner_id=learner, assigned_by=MANAGER, reviewer_id=MANAGER,
                         template_id="sbi-feedback", competency_id=COMPETENCY, skill_id=f"{COMPETENCY}.sbi",
                         state="reviewed", due_at=now, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        if evidence:
            session.add(Evidence(team_id=TEAM, learner_id=learner, competency_id=COMPETENCY,
                                 skill_id=f"{COMPETENCY}.sbi", assignment_id=row.id, level=3, confirmed_by=MANAGER,
                                 created_at=now))
        return row.id


def _offer(services: Services, fake: FakeSlack) -> tuple[str, dict[str, Any]]:
    assignment_id = _assignment(services)
    with services.db.session() as session:
        offer = debriefs.offer_debrief(session, team_id=TEAM, learner_id=LEARNER, question_set_id="debrief-general",
                                       now=utcnow(), assignment_id=assignment_id, about="SBI feedback to Lee")
        session.flush()
        offer_id, key = offer.id, offer.key
    assert deliver(services, offer_id) == "sent"
    return key, fake.messages(fake.dm_channel(LEARNER))[-1]


def _open_start_modal(slack: SlackSender, fake: FakeSlack, key: str, message: dict[str, Any]) -> dict[str, Any]:
    count = len(fake.calls_to("views.open"))
    assert slack.block_action(ids.DEBRIEF_START, user_id=LEARNER, value=key, message=message).status == 200
    call = fake.wait_for("views.open", count=count + 1)[-1]
    view_id = next(v for v, view in fake.open_views().items() if view["callback_id"] == ids.DEBRIEF_MODAL
                   and view["private_metadata"] == call.args["view"]["private_metadata"])
    return fake.open_views()[view_id]


def _choice(peers: list[str], suggest: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    option = {"value": views.SUGGEST_OPTION, "text": {"type": "plain_text", "text": "Suggest peers for me"}}
    return {ids.DEBRIEF_PEERS_BLOCK: {ids.DEBRIEF_PEERS: {"type": "multi_users_select", "selected_users": peers}},
            ids.DEBRIEF_SUGGEST: {ids.DEBRIEF_SUGGEST: {"type": "checkboxes",
                                                        "selected_options": [option] if suggest else []}}}


def _answers(view: dict[str, Any], **typed: str | None) -> dict[str, dict[str, dict[str, Any]]]:
    return {f"{views.ANSWER_BLOCK_PREFIX}{qid}": {f"{views.ANSWER_ACTION_PREFIX}{qid}": {
        "type": "plain_text_input", "value": text}} for qid, text in typed.items()}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _elements(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def _card(fake: FakeSlack, user_id: str, ts: str) -> dict[str, Any]:
    return next(m for m in fake.messages(fake.dm_channel(user_id)) if m["ts"] == ts)


def _dm(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    return fake.messages(fake.dm_channel(user_id))


def _reply(fake: FakeSlack, count: int) -> str:
    return str(fake.wait_for("response_url", count=count)[-1].args["text"])


def _events(services: Services, name: str) -> list[AnalyticsEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == name)))


def _delivery(services: Services, key: str) -> Delivery:
    with services.db.session() as session:
        found = deliveries.by_key(session, key)
        assert found is not None, key
        return found


def _only_debrief(services: Services) -> Debrief:
    with services.db.session() as session:
        return session.scalars(select(Debrief)).one()


def _updates_of(fake: FakeSlack, ts: str) -> int:
    return len([c for c in fake.calls_to("chat.update") if c.args.get("ts") == ts])


def test_debrief_with_two_peers_one_answers_one_times_out(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, people_ready: None,
) -> None:
    # The offer, after a reviewed assignment.
    key, offer = _offer(services, fake_slack)
    assert offer["blocks"][0]["text"]["text"] == (
        "Want a few colleagues' perspective on *SBI feedback to Lee*? Pick up to three people — or let me suggest "
        "some from outside your team — and I'll ask them 2 short questions. Their answers come to you only.")
    assert {a: e["text"]["text"] for a, e in _elements(offer).items()} == {
        ids.DEBRIEF_START: "Get peer input", ids.DEBRIEF_DECLINE: "No thanks"}
    assert all(e["value"] == key for e in _elements(offer).values())

    # Start: pick Ana and Ben.
    view = _open_start_modal(slack, fake_slack, key, offer)
    assert view["title"]["text"] == "Peer debrief" and view["submit"]["text"] == "Ask them"
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.DEBRIEF_PEERS_BLOCK)["element"]
    assert picker["type"] == "multi_users_select" and picker["max_selected_items"] == 3
    suggest = next(b for b in view["blocks"] if b.get("block_id") == ids.DEBRIEF_SUGGEST)["element"]
    assert suggest["options"][0]["text"]["text"] == "Suggest peers for me"
    assert "What did Ravi do that worked?" in _text(view["blocks"])
    assert slack.view_submission(view, user_id=LEARNER, values=_choice([ANA, BEN])).json() is None
    fake_slack.wait_for("chat.update")
    started = _card(fake_slack, LEARNER, offer["ts"])
    assert started["blocks"][0]["text"]["text"] == (
        "You asked <@UANA> and <@UBEN> for their perspective on *SBI feedback to Lee*. I'll send you their answers "
        "when everyone has answered, or on Wed 25 Nov at 10:00 at the latest.")
    assert _elements(started) == {}
    debrief = _only_debrief(services)
    assert timedelta(0) <= debrief.deadline_at - DEADLINE < timedelta(minutes=1)  # the clock ticks in tests

    # The prompts go out (the listener kicked the dispatcher).
    job_runner.run()
    (ana_prompt,) = _dm(fake_slack, ANA)
    (ben_prompt,) = _dm(fake_slack, BEN)
    shown = _text(ana_prompt["blocks"])
    assert ("<@UREPORT1> would value your perspective on *SBI feedback to Lee*. 2 short questions — a few sentences "
            "each is plenty. Your answers go to <@UREPORT1> only.") in shown
    assert "1. What did Ravi do that worked?\\n2. What could Ravi try next time?" in shown
    assert "Please answer by Wed 25 Nov, 10:00." in shown
    assert {a: e["text"]["text"] for a, e in _elements(ana_prompt).items()} == {
        ids.DEBRIEF_ANSWER: "Answer", ids.DEBRIEF_NOT_NOW: "Not now", ids.DEBRIEF_DECLINE: "Decline"}
    ana_key = f"debrief-prompt:{debrief.id}:{ANA}"
    assert _elements(ana_prompt)[ids.DEBRIEF_ANSWER]["value"] == ana_key

    # Ana answers in the modal.
    slack.block_action(ids.DEBRIEF_ANSWER, user_id=ANA, value=ana_key, message=ana_prompt)
    call = fake_slack.wait_for("views.open", count=2)[-1]
    answer_view = next(v for v in fake_slack.open_views().values()
                       if v["private_metadata"] == call.args["view"]["private_metadata"])
    assert answer_view["callback_id"] == ids.DEBRIEF_ANSWER_MODAL
    inputs = [b for b in answer_view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == ["What did Ravi do that worked?", "What could Ravi try next time?"]
    assert inputs[0]["hint"]["text"] == "One moment is enough." and inputs[0]["element"]["max_length"] == 1500
    empty = slack.view_submission(answer_view, user_id=ANA, values=_answers(answer_view, worked="  ", next=None))
    assert empty.json() == {"response_action": "errors", "errors": {
        inputs[0]["block_id"]: "Write at least one answer — or close this window and answer later."}}
    sent = slack.view_submission(answer_view, user_id=ANA, values=_answers(answer_view, worked=ANA_WORKED,
                                                                            next=ANA_NEXT))
    assert sent.json() is None
    fake_slack.wait_for("chat.update", count=2)
    answered = _card(fake_slack, ANA, ana_prompt["ts"])
    assert answered["text"] == "Thanks — your answers went to <@UREPORT1> only." and _elements(answered) == {}
    # A second answer is refused, in the modal and from the old card.
    again = slack.view_submission(answer_view, user_id=ANA, values=_answers(answer_view, worked="second try"))
    assert again.json() == {"response_action": "errors", "errors": {
        inputs[0]["block_id"]: "That's already done — your answers went to the person who asked."}}
    slack.block_action(ids.DEBRIEF_ANSWER, user_id=ANA, value=ana_key, message=ana_prompt)
    assert _reply(fake_slack, 1) == "That's already done — your answers went to the person who asked."
    # Someone else can't use Ben's buttons.
    slack.block_action(ids.DEBRIEF_ANSWER, user_id=ANA, value=f"debrief-prompt:{debrief.id}:{BEN}",
                       message=ben_prompt)
    assert _reply(fake_slack, 2) == "That debrief belongs to someone else."
    assert _delivery(services, f"debrief-reminder:{debrief.id}:{ANA}").state == "cancelled"

    # Ben does nothing. His one reminder: due Tuesday 22:00 (deadline − 12 h), held to 09:00 Wednesday.
    frozen_time.move_to(DEADLINE - timedelta(hours=12) + timedelta(minutes=1))
    job_runner.dispatch_and_run()
    reminder_key = f"debrief-reminder:{debrief.id}:{BEN}"
    assert _delivery(services, reminder_key).state == "scheduled" and len(_dm(fake_slack, BEN)) == 1
    frozen_time.move_to(DEADLINE - timedelta(minutes=59))
    job_runner.dispatch_and_run()
    ben_reminder = _dm(fake_slack, BEN)[-1]
    assert ben_reminder["blocks"][0]["text"]["text"] == (
        "A reminder: <@UREPORT1> would still value your perspective on *SBI feedback to Lee*. "
        "Please answer by 10:00 today.")
    assert len(_dm(fake_slack, ANA)) == 1  # Ana answered: no reminder for her

    # Past the deadline the cron finds the debrief; the close job expires Ben and sends the summary.
    frozen_time.move_to(DEADLINE + timedelta(minutes=3))
    assert debrief_jobs.close_due_debriefs() == 1
    job_runner.run()
    for message in (ben_prompt, ben_reminder):
        closed = _card(fake_slack, BEN, message["ts"])
        assert closed["text"] == "This debrief has closed." and _elements(closed) == {}
    summary, reflect = _dm(fake_slack, LEARNER)[1:]
    assert summary["text"] == "Your peer debrief is in: 1 of 2 colleagues answered."
    shown = _text(summary["blocks"])
    assert summary["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Your peer debrief"}}
    assert "About *SBI feedback to Lee*: 1 of 2 colleagues answered." in shown
    assert "<@UBEN> didn't answer before the deadline." in shown
    assert "*What did Ravi do that worked?*" in shown and f"<@UANA>\\n> {ANA_WORKED}" in shown
    assert "<@UANA>\\n> Ask Lee what they'd do differently &lt;before&gt; offering your idea &amp; wait." in shown
    assert "Only you can see these answers." in shown
    assert reflect["text"] == views.REFLECT_INVITE
    assert set(_elements(reflect)) == {ids.DEBRIEF_ANSWER, ids.DEBRIEF_DECLINE}

    # Exactly once: the cron and the job again change nothing.
    assert debrief_jobs.close_due_debriefs() == 0
    assert debrief_jobs.close_now(services, debrief.id, now=utcnow()) == "noop"
    job_runner.dispatch_and_run()
    assert len(_dm(fake_slack, LEARNER)) == 3 and len(_events(services, "debrief.closed")) == 1
    # Ben's old buttons say it's closed.
    slack.block_action(ids.DEBRIEF_ANSWER, user_id=BEN, value=reminder_key, message=ben_reminder)
    assert _reply(fake_slack, 3) == "This debrief has closed. Thanks anyway."

    # Privacy: encrypted at rest, the summary's outbox row no longer carries the answers.
    with services.db.session() as session:
        row = debriefs.peer_row(session, debrief_id=debrief.id, peer_id=ANA)
        assert row.encrypted_answers and ANA_WORKED not in row.encrypted_answers
        stored = _text([d.payload for d in session.scalars(select(Delivery))])
        stored += _text([e.properties for e in session.scalars(select(AnalyticsEvent))])
        assert ANA_WORKED not in stored and "Lee relaxed" not in stored
        assert session.get_one(Debrief, debrief.id).summary_sent_at is not None
        assert {p.peer_id: p.state for p in debriefs.peers_of(session, debrief.id)} == {
            ANA: "answered", BEN: "expired"}
    assert [len(_events(services, f"debrief.{n}")) for n in ("offered", "started", "answered", "expired")] == [
        1, 1, 1, 1]

    # The learner reflects privately on it.
    slack.block_action(ids.DEBRIEF_ANSWER, user_id=LEARNER, value=f"debrief-reflect:{debrief.id}", message=reflect)
    call = fake_slack.wait_for("views.open", count=3)[-1]
    reflection_view = next(v for v in fake_slack.open_views().values()
                           if v["private_metadata"] == call.args["view"]["private_metadata"])
    assert [b["label"]["text"] for b in reflection_view["blocks"] if b["type"] == "input"] == [
        "What stood out in what your colleagues said?", "What will you try next time?"]
    assert slack.view_submission(reflection_view, user_id=LEARNER,
                                 values=_answers(reflection_view, **{"try-next": "Ask first."})).json() is None
    fake_slack.wait_for("chat.update", predicate=lambda c: c.args.get("ts") == reflect["ts"])
    assert _card(fake_slack, LEARNER, reflect["ts"])["text"] == "Saved privately. ✔"
    with services.db.session() as session:
        saved = session.scalars(select(Reflection)).one()
        assert saved.prompt_key == f"debrief:{debrief.id}" and saved.user_id == LEARNER
        assert reflections.read_reflection(session, reflection_id=saved.id, viewer_user_id=LEARNER,
                                           vault=services.vault) == {"try-next": "Ask first."}
    twice = slack.view_submission(reflection_view, user_id=LEARNER,
                                  values=_answers(reflection_view, **{"try-next": "Again."}))
    assert twice.json()["errors"] == {f"{views.ANSWER_BLOCK_PREFIX}stood-out": reflections.ALREADY_SAVED}
    assert fake_slack.validation_errors == [] and fake_slack.internal_errors == []


def test_not_now_keeps_the_reminder_and_the_buttons(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, people_ready: None,
) -> None:
    key, offer = _offer(services, fake_slack)
    view = _open_start_modal(slack, fake_slack, key, offer)
    assert slack.view_submission(view, user_id=LEARNER, values=_choice([ANA])).json() is None
    fake_slack.wait_for("chat.update")
    job_runner.run()
    (prompt,) = _dm(fake_slack, ANA)
    debrief = _only_debrief(services)
    prompt_key = f"debrief-prompt:{debrief.id}:{ANA}"
    slack.block_action(ids.DEBRIEF_NOT_NOW, user_id=ANA, value=prompt_key, message=prompt)
    fake_slack.wait_for("chat.update", count=2)
    card = _card(fake_slack, ANA, prompt["ts"])
    assert card["text"] == "OK — I'll remind you once before the deadline."
    assert "What did Ravi do that worked?" in _text(card["blocks"])
    assert set(_elements(card)) == {ids.DEBRIEF_ANSWER, ids.DEBRIEF_DECLINE}
    assert _delivery(services, f"debrief-reminder:{debrief.id}:{ANA}").state == "scheduled"
    assert _delivery(services, prompt_key).interacted_at is not None
    assert fake_slack.validation_errors == []


def test_decline_updates_the_card_and_everyone_declining_closes_early(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, people_ready: None,
) -> None:
    key, offer = _offer(services, fake_slack)
    view = _open_start_modal(slack, fake_slack, key, offer)
    assert slack.view_submission(view, user_id=LEARNER, values=_choice([ANA, BEN])).json() is None
    fake_slack.wait_for("chat.update")
    job_runner.run()
    debrief = _only_debrief(services)
    for count, peer in enumerate((ANA, BEN), start=2):
        (prompt,) = _dm(fake_slack, peer)
        peer_key = f"debrief-prompt:{debrief.id}:{peer}"
        slack.block_action(ids.DEBRIEF_DECLINE, user_id=peer, value=peer_key, message=prompt)
        fake_slack.wait_for("chat.update", count=count)
        card = _card(fake_slack, peer, prompt["ts"])
        assert card["text"] == ("No problem — thanks for letting me know. <@UREPORT1> will only see that you "
                                "couldn't this time.")
        assert _elements(card) == {}
        assert _delivery(services, f"debrief-reminder:{debrief.id}:{peer}").state == "cancelled"
    slack.block_action(ids.DEBRIEF_DECLINE, user_id=ANA, value=f"debrief-prompt:{debrief.id}:{ANA}",
                       message=_dm(fake_slack, ANA)[0])
    assert _reply(fake_slack, 1) == "That's already done — you declined this debrief."
    job_runner.run()  # the last decline closed the debrief and kicked the dispatcher
    summary = _dm(fake_slack, LEARNER)[1]
    shown = _text(summary["blocks"])
    assert "0 of 2 colleagues answered" in shown and "<@UANA> and <@UBEN> declined this time." in shown
    assert "Nobody answered this time" in shown
    assert [e.properties for e in _events(services, "debrief.closed")] == [
        {"answered": 0, "declined": 2, "expired": 0, "early": True, "pages": 1}]
    assert len(_events(services, "debrief.declined")) == 2
    # The reflection prompt's "No thanks".
    reflect = _dm(fake_slack, LEARNER)[2]
    slack.block_action(ids.DEBRIEF_DECLINE, user_id=LEARNER, value=f"debrief-reflect:{debrief.id}", message=reflect)
    fake_slack.wait_for("chat.update", count=4)
    assert _card(fake_slack, LEARNER, reflect["ts"])["text"] == "No problem — no reflection this time."
    assert fake_slack.validation_errors == []


def test_no_thanks_on_the_offer(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    people_ready: None,
) -> None:
    key, offer = _offer(services, fake_slack)
    slack.block_action(ids.DEBRIEF_DECLINE, user_id=LEARNER, value=key, message=offer)
    fake_slack.wait_for("chat.update")
    card = _card(fake_slack, LEARNER, offer["ts"])
    assert card["text"] == "No problem — no peer debrief this time." and _elements(card) == {}
    slack.block_action(ids.DEBRIEF_START, user_id=LEARNER, value=key, message=offer)
    assert _reply(fake_slack, 1) == "That's already done — you said no thanks to this debrief."
    slack.block_action(ids.DEBRIEF_START, user_id=ANA, value=key, message=offer)
    assert _reply(fake_slack, 2) == "That button belongs to someone else's debrief offer."
    assert fake_slack.calls_to("views.open") == [] and len(_events(services, "debrief.offer_declined")) == 1


def test_start_modal_validation_errors_and_suggestions(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, people_ready: None,
) -> None:
    key, offer = _offer(services, fake_slack)
    view = _open_start_modal(slack, fake_slack, key, offer)
    no_suggestions = ("I couldn't find peers outside your team who practise this yet — "
                      "pick up to three people yourself.")
    cases = [
        (_choice([]), "Pick one to three people — or tick “Suggest peers for me”."),
        (_choice([ANA, BEN, MANAGER, "UREPORT2"]), "Pick at most three people."),
        (_choice([ANA, LEARNER]), "You can't ask yourself — pick a colleague."),
        (_choice([ANA, "UROBOT"]), "Standup Bot is a bot — pick a colleague."),
        (_choice(["UGONE"]), "Gone Person's Slack account is deactivated — pick someone else."),
        (_choice([], suggest=True), no_suggestions),
    ]
    for values, error in cases:
        reply = slack.view_submission(view, user_id=LEARNER, values=values)
        assert reply.json() == {"response_action": "errors", "errors": {ids.DEBRIEF_PEERS_BLOCK: error}}, error
    assert _events(services, "debrief.started") == []

    # Ana practises the competency outside Ravi's team; Lee (UREPORT2) shares Ravi's manager: not suggested.
    _assignment(services, ANA, evidence=True)
    _assignment(services, "UREPORT2", evidence=True)
    with services.db.session() as session:
        session.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id="UREPORT2", state="active",
                             created_at=utcnow(), updated_at=utcnow()))
        lee, _ = people.get_or_create_person(session, team_id=TEAM, user_id="UREPORT2", now=utcnow())
        lee.opt_in = "opted_in"
    # His own manager, picked explicitly, is the learner's choice; Flowcoach adds Ana.
    assert slack.view_submission(view, user_id=LEARNER, values=_choice([MANAGER], suggest=True)).json() is None
    fake_slack.wait_for("chat.update")
    debrief = _only_debrief(services)
    with services.db.session() as session:
        assert [p.peer_id for p in debriefs.peers_of(session, debrief.id)] == [MANAGER, ANA]
    (started,) = _events(services, "debrief.started")
    assert started.properties["peers"] == 2 and started.properties["suggested"] == 1
    # The same modal again: already done.
    reply = slack.view_submission(view, user_id=LEARNER, values=_choice([BEN]))
    assert reply.json() == {"response_action": "errors", "errors": {
        ids.DEBRIEF_PEERS_BLOCK: "That's already done — you've asked for peer input on this one."}}
    assert fake_slack.validation_errors == []


def test_summary_pages_fit_slack_limits(content_library: ContentLibrary) -> None:
    """The longest summary the limits allow (5 questions × 3 peers × 1,500 characters) is valid Block Kit."""
    sections = [{"question": "Q" * 150, "answers": [{"peer_id": f"U{p}", "text": ("word " * 300)[:1500]}
                                                    for p in range(3)]} for _ in range(5)]
    pages = debriefs.paginate(sections)
    ctx = RenderContext(content=content_library, tz=ZoneInfo("Europe/London"), now=MONDAY_10AM,
                        delivery_key="debrief-summary:1")
    for number, page in enumerate(pages, start=1):
        payload = {"debrief_id": 1, "about": "x" * 300, "answered": ["U0", "U1", "U2"], "declined": [],
                   "expired": [], "page": number, "pages": len(pages), "sections": page}
        message = views.summary_message(payload, ctx)
        assert validate_blocks([b.to_dict() for b in message.blocks], max_blocks=50, pointer="/blocks") == []
        assert all(len(b.to_dict().get("text", {}).get("text", "")) <= 3000 for b in message.blocks)
    assert len(pages) == 3


def test_the_cron_closes_due_debriefs_every_five_minutes() -> None:
    from workers.cron_config import register_jobs

    registered: dict[str, tuple[Any, dict[str, Any]]] = {}

    class Cron:
        def register(self, func: Any, queue_name: str, **options: Any) -> None:
            registered[options["name"]] = (func, options)

    register_jobs(Cron(), dispatch_interval=10)  # type: ignore[arg-type]
    func, options = registered["close_due_debriefs"]
    assert func is debrief_jobs.close_due_debriefs and options["interval"] == 300
