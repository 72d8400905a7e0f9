"""The demo's micro-assignment loop: a team link, an assignment, a review with a second round, evidence,
and a peer debrief whose deadline passes (the clock is fast-forwarded; run.py resets it at the end)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from slackapp import clock, ids
from slackapp.db.models import Debrief
from slackapp.demo.transcript import Transcript
from slackapp.emulator.recording import Call
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services

TEAM = "T0001"
MARIA, RAVI, LEE, ANA = "UMARIA", "URAVI", "ULEE", "UANA"
ANA_PROFILE = ("ana", "Ana Costa", "Europe/Lisbon")  # in another team: a peer from outside Maria's
TEMPLATE = "give-sbi-feedback"
NOTE = "In Friday's retro you said Sam's demos run long. Try SBI with him before Thursday's planning."
TIMEOUT = 15.0


# -- waiting for what Slack shows ------------------------------------------------------------------


def _key(call: Call) -> str:
    metadata = call.args.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return str((metadata.get("event_payload") or {}).get("delivery_key") or "")


def _message(fake: FakeSlack, user_id: str, ts: str) -> dict[str, Any]:
    return next(m for m in fake.messages(fake.dm_channel(user_id)) if m["ts"] == ts)


def _delivered(fake: FakeSlack, user_id: str, prefix: str) -> dict[str, Any]:
    """The first DM the outbox sent ``user_id`` whose delivery key starts with ``prefix``."""
    channel = fake.dm_channel(user_id)
    call = fake.wait_for("chat.postMessage", timeout=TIMEOUT, predicate=lambda c: c.args.get("channel") in (
        channel, user_id) and _key(c).startswith(prefix))[0]
    return _message(fake, user_id, str(call.response["ts"]))


def _updated(fake: FakeSlack, user_id: str, ts: str, needle: str) -> dict[str, Any]:
    """Message ``ts`` once it was updated in place to say ``needle``."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        message = _message(fake, user_id, ts)
        if needle in json.dumps(message, ensure_ascii=False):
            return message
        time.sleep(0.05)
    raise AssertionError(f"{user_id}'s message never said {needle!r}")


def _reply_in_thread(fake: FakeSlack, user_id: str, ts: str, count: int) -> dict[str, Any]:
    """The ``count``-th reply in the thread under ``ts`` in ``user_id``'s DM."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        replies = [m for m in fake.messages(fake.dm_channel(user_id)) if m["thread_ts"] == ts and m["ts"] != ts]
        if len(replies) >= count:
            return replies[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"no reply {count} in {user_id}'s thread")


def _ephemeral(fake: FakeSlack, act: Callable[[], Any]) -> dict[str, Any]:
    before = len(fake.calls_to("response_url"))
    act()
    return dict(fake.wait_for("response_url", count=before + 1, timeout=TIMEOUT)[-1].args)


def _modal(fake: FakeSlack, act: Callable[[], Any]) -> dict[str, Any]:
    before = len(fake.calls_to("views.open"))
    act()
    call = fake.wait_for("views.open", count=before + 1, timeout=TIMEOUT)[-1]
    return fake.open_views()[call.response["view"]["id"]]


def _submit(slack: SlackSender, fake: FakeSlack, view: dict[str, Any], user_id: str,
            values: dict[str, dict[str, dict[str, Any]]]) -> None:
    reply = slack.view_submission(view, user_id=user_id, values=values)
    if reply.json() is not None:
        raise AssertionError(f"the {view.get('callback_id')} modal was refused: {reply.text}")
    fake.close_view(view["id"])  # Slack closes a modal that was accepted


def _value(message: dict[str, Any], action_id: str) -> str:
    for block in message.get("blocks") or []:
        for element in [block.get("accessory") or {}, *(block.get("elements") or [])]:
            if element.get("action_id") == action_id:
                return str(element.get("value", ""))
    raise AssertionError(f"no {action_id} button in the message")


def _click(slack: SlackSender, action_id: str, message: dict[str, Any], user_id: str) -> None:
    slack.block_action(action_id, user_id=user_id, value=_value(message, action_id), message=message)


def _option(value: str) -> dict[str, Any]:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


def _typed(text: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": text}


def _status_of(card: dict[str, Any]) -> dict[str, Any]:
    """An updated assignment card, shortened for the transcript: its title and its new status line."""
    blocks = card.get("blocks") or []
    return {**card, "blocks": [*blocks[:1], {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "… the task, as above …"}]}, *blocks[-1:]]}


def _home(fake: FakeSlack, slack: SlackSender, user_id: str) -> dict[str, Any]:
    before = len(fake.calls_to("views.publish"))
    slack.app_home_opened(user_id)
    fake.wait_for("views.publish", count=before + 1, timeout=TIMEOUT)
    return fake.home_view(user_id) or {}


# -- the people's actions --------------------------------------------------------------------------


def _add_ana(fake: FakeSlack, services: Services) -> None:
    """A colleague in another team, who (like the scripted three) works around the clock for the demo."""
    from slackapp.domain.people import get_or_create_person, set_working_hours

    name, real_name, tz = ANA_PROFILE
    fake.add_user(ANA, name=name, real_name=real_name, tz=tz, email=f"{name}@example.com")
    with services.db.session() as session:
        person, _ = get_or_create_person(session, team_id=TEAM, user_id=ANA, now=clock.utcnow())
        set_working_hours(person, days=list(range(7)), start_minute=0, end_minute=24 * 60)


def _submit_work(slack: SlackSender, fake: FakeSlack, message: dict[str, Any], summary: str) -> dict[str, Any]:
    view = _modal(fake, lambda: _click(slack, ids.ASSIGNMENT_SUBMIT, message, RAVI))
    _submit(slack, fake, view, RAVI, {
        ids.SUBMIT_SUMMARY_BLOCK: {ids.SUBMIT_SUMMARY: _typed(summary)},
        ids.SUBMIT_LINK_BLOCK: {ids.SUBMIT_LINK: _typed("https://docs.example.com/ravi/sbi-notes")},
        ids.SUBMIT_LEVEL_BLOCK: {ids.SUBMIT_LEVEL: {"type": "radio_buttons", "selected_option": _option("3")}},
    })
    return view


def _review(slack: SlackSender, fake: FakeSlack, card: dict[str, Any], *, outcome: str, level: int,
            feedback: str, evidence: bool) -> dict[str, Any]:
    view = _modal(fake, lambda: _click(slack, ids.REVIEW_OPEN, card, MARIA))
    evidence_block = next(b["block_id"] for b in view["blocks"]
                          if (b.get("element") or {}).get("action_id") == ids.REVIEW_EVIDENCE)
    _submit(slack, fake, view, MARIA, {
        ids.REVIEW_LEVEL_BLOCK: {ids.REVIEW_LEVEL: {"type": "radio_buttons", "selected_option": _option(str(level))}},
        ids.REVIEW_FEEDBACK_BLOCK: {ids.REVIEW_FEEDBACK: _typed(feedback)},
        ids.REVIEW_OUTCOME_BLOCK: {ids.REVIEW_OUTCOME: {"type": "radio_buttons", "selected_option": _option(outcome)}},
        evidence_block: {ids.REVIEW_EVIDENCE: {"type": "checkboxes",
                                               "selected_options": [_option("evidence")] if evidence else []}},
    })
    return view


def assignment_loop(fake: FakeSlack, slack: SlackSender, services: Services, out: Transcript) -> None:
    out.step("Maria invites Ravi to her team: /coach team add @ravi")
    reply = _ephemeral(fake, lambda: slack.command("team add <@URAVI|ravi>", user_id=MARIA))
    out.message("Maria", "an ephemeral reply", reply)
    invite = _delivered(fake, RAVI, "team-invite:")
    out.message("Ravi", "a DM from Flowcoach", invite)

    out.step("Ravi clicks “Accept”")
    _click(slack, ids.TEAM_ACCEPT, invite, RAVI)
    out.message("Ravi", "the same DM, updated in place", _updated(fake, RAVI, invite["ts"], "You accepted"))
    out.message("Maria", "a DM from Flowcoach", _delivered(fake, MARIA, "team-update:"))

    out.step("Maria assigns Ravi a practice: /coach assign @ravi, picks SBI feedback, adds a context note")
    view = _modal(fake, lambda: slack.command("assign <@URAVI|ravi>", user_id=MARIA))
    out.view("Maria", "a modal", view)
    _submit(slack, fake, view, MARIA, {
        ids.ASSIGN_TEMPLATE_BLOCK: {ids.ASSIGN_TEMPLATE: {"type": "static_select", "selected_option": {
            "value": TEMPLATE, "text": {"type": "plain_text", "text": "Give one piece of SBI feedback"}}}},
        ids.ASSIGN_LEARNER_BLOCK: {ids.ASSIGN_LEARNER: {"type": "users_select", "selected_user": RAVI}},
        ids.ASSIGN_NOTE_BLOCK: {ids.ASSIGN_NOTE: _typed(NOTE)},
        ids.ASSIGN_REVIEWER_BLOCK: {ids.ASSIGN_REVIEWER: {"type": "users_select", "selected_user": MARIA}},
        ids.ASSIGN_DUE_BLOCK: {ids.ASSIGN_DUE: {"type": "datepicker", "selected_date": None}},
    })
    card = _delivered(fake, RAVI, "assignment-offer:")
    out.message("Ravi", "a DM from Flowcoach", card)
    assignment_id = _value(card, ids.ASSIGNMENT_ACCEPT)

    out.step("Ravi clicks “Accept”, gives Sam the feedback, then clicks “Submit”")
    _click(slack, ids.ASSIGNMENT_ACCEPT, card, RAVI)
    _updated(fake, RAVI, card["ts"], "*Accepted*")
    card = _message(fake, RAVI, card["ts"])
    submit_view = _submit_work(slack, fake, card, "Told Sam after the demo that the intro ran long. He said he "
                                                  "hadn't noticed.")
    out.view("Ravi", "a modal", submit_view)
    out.message("Ravi", "his card, updated in place", _status_of(_updated(fake, RAVI, card["ts"], "*Submitted*")))
    review_card = _delivered(fake, MARIA, f"review-request:{assignment_id}:1")
    out.message("Maria", "a DM from Flowcoach", review_card)

    out.step("Maria clicks “Review” and asks for changes")
    view = _review(slack, fake, review_card, outcome="changes_requested", level=2, evidence=False,
                   feedback="The situation is clear, but “ran long” is a judgement. Say what Sam did, and what "
                            "it cost the meeting.")
    out.view("Maria", "a modal", view)
    changes = _reply_in_thread(fake, RAVI, card["ts"], 2)  # 1: the record of his submission
    out.message("Ravi", "a reply in his card's thread", changes)
    out.message("Maria", "her card, updated in place", _updated(fake, MARIA, review_card["ts"], "Changes requested"))

    out.step("Ravi clicks “Submit again” in the thread and resubmits")
    _submit_work(slack, fake, changes, "In Tuesday's demo Sam spent 12 minutes on the intro, so we skipped "
                                       "questions and the client left confused. He said he'd keep it to 3 minutes.")
    second = _delivered(fake, MARIA, f"review-request:{assignment_id}:2")
    out.message("Maria", "a DM from Flowcoach", second)

    out.step("Maria accepts at level 3 (Proficient), as evidence of the skill")
    _review(slack, fake, second, outcome="accepted", level=3, evidence=True,
            feedback="Now the behaviour and the impact are concrete, and you noted his answer. That's SBI.")
    out.message("Ravi", "a reply in his card's thread", _reply_in_thread(fake, RAVI, card["ts"], 4))
    out.message("Ravi", "his card, updated in place", _status_of(_updated(fake, RAVI, card["ts"], "*Reviewed*")))
    out.view("Ravi", "his Home tab", _home(fake, slack, RAVI))

    out.step("Flowcoach offers Ravi a peer debrief; he asks Lee and Ana (Ana is in another team)")
    _add_ana(fake, services)
    offer = _delivered(fake, RAVI, "debrief-offer:")
    out.message("Ravi", "a DM from Flowcoach", offer)
    view = _modal(fake, lambda: _click(slack, ids.DEBRIEF_START, offer, RAVI))
    _submit(slack, fake, view, RAVI, {
        ids.DEBRIEF_PEERS_BLOCK: {ids.DEBRIEF_PEERS: {"type": "multi_users_select", "selected_users": [LEE, ANA]}},
        ids.DEBRIEF_SUGGEST: {ids.DEBRIEF_SUGGEST: {"type": "checkboxes", "selected_options": []}},
    })
    out.message("Ravi", "the offer, updated in place", _updated(fake, RAVI, offer["ts"], "You asked"))
    lee_prompt = _delivered(fake, LEE, "debrief-prompt:")
    out.message("Lee", "a DM from Flowcoach", lee_prompt)
    ana_prompt = _delivered(fake, ANA, "debrief-prompt:")
    out.note("Lee said “Not now” to coaching nudges, but a colleague's request still reaches him; "
             "Ana got the same prompt")

    out.step("Lee clicks “Answer” and writes two answers; Ana doesn't answer")
    view = _modal(fake, lambda: _click(slack, ids.DEBRIEF_ANSWER, lee_prompt, LEE))
    out.view("Lee", "a modal", view)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    answers = ["Ravi asked Sam how he saw it before suggesting anything, so the time-box was Sam's idea.", "",
               "Check in after the next demo and say what changed."]
    _submit(slack, fake, view, LEE, {b["block_id"]: {b["element"]["action_id"]: _typed(text)}
                                     for b, text in zip(inputs, answers, strict=False) if text})
    out.message("Lee", "the same DM, updated in place", _updated(fake, LEE, lee_prompt["ts"], "Thanks"))

    out.step("Fast-forward past the 48-hour deadline; the close job runs")
    with services.db.session() as session:
        deadline = session.scalars(select(Debrief.deadline_at).order_by(Debrief.id.desc())).first()
    if deadline is None:
        raise AssertionError("the debrief was not started")
    clock.fast_forward(clock.ensure_utc(deadline) + timedelta(minutes=5))
    from workers import debrief_jobs

    debrief_jobs.close_due_debriefs()  # what the 5-minute cron does; the embedded worker runs the job
    out.message("Ana", "her prompt, updated in place", _updated(fake, ANA, ana_prompt["ts"], "closed"))
    out.message("Ravi", "a DM from Flowcoach", _delivered(fake, RAVI, "debrief-summary:"))
    out.note("Lee's answers are stored encrypted and only Ravi sees them; the evidence moved Ravi's progress in "
             "Giving feedback (1 of the 3 confirmations the default threshold asks for)")
