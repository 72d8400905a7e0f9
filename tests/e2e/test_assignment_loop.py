"""Issue 4's "done when": the whole micro-assignment loop over signed HTTP, as the people would drive it.

Maria (UMANAGER) invites Ravi (UREPORT1) to her team and he accepts. She assigns him a practice from
``/coach assign`` and a second one from the message shortcut on a channel message. Ravi accepts the first
and submits; Maria requests changes; the feedback arrives in his card's thread with "Submit again"; he
resubmits and Maria accepts at level 3 as evidence, which moves his competency progress. The template's
debrief set is offered; Ravi asks Lee (UREPORT2) and Ana (UANA, in Omar's team); Lee answers, Ana doesn't;
past the 48 h deadline the close job sends Ravi the summary. Lee, who manages nobody, can neither assign
work to Ravi nor review it. Everyone starts with no opt-in at all: every message here is transactional.

The shipped content library is used (``give-sbi-feedback`` and its ``debrief-feedback`` set).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.db.models import (
    Assignment,
    AssignmentTransition,
    CompetencyProgress,
    Debrief,
    DebriefPeer,
    Evidence,
    Review,
    Submission,
    TeamLink,
)
from slackapp.domain import assignments, reviews, team
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from slackapp.views import debriefs as debrief_views
from tests.conftest import JobRunner
from tests.waiting import wait_running_outbox as _wait
from workers import debrief_jobs

TEAM = "T0001"
MARIA, RAVI, LEE = "UMANAGER", "UREPORT1", "UREPORT2"
ANA, OMAR = "UANA", "UOMAR"  # Ana is in Omar's team, not Maria's
SBI = "give-sbi-feedback"
SBI_TITLE = "Give one piece of SBI feedback and note the response"
DELEGATE = "delegate-a-decision"
NOTE = "You said the retro felt flat — try SBI with Sam before Thursday's planning."
WORK_1 = "Told Sam after the demo that the intro ran long. He said he hadn't noticed."
WORK_2 = ("In Tuesday's demo Sam spent 12 minutes on the intro, so we skipped questions and the client left "
          "confused. He said he'd time-box it to 3 minutes.")
FEEDBACK_1 = "The situation is clear, but “ran long” is a judgement.\nName what he did and what it cost."
FEEDBACK_2 = "Now the behaviour and the impact are concrete, and you recorded his answer. Exactly that."
LEE_SAW = "Ravi asked Sam how he saw it before offering a fix — that's why Sam owned the time-box."
LEE_NEXT = "Follow up after the next demo & say what changed <in numbers>."


# -- helpers: what each person sees ----------------------------------------------------------------


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)



def _dm(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    return fake.messages(fake.dm_channel(user_id))


def _top_level(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    return [m for m in _dm(fake, user_id) if m["thread_ts"] in (None, m["ts"])]


def _keyed(fake: FakeSlack, user_id: str, key: str) -> dict[str, Any]:
    """The DM the outbox sent ``user_id`` for the delivery ``key`` (its metadata names the key)."""
    def found() -> dict[str, Any] | None:
        return next((m for m in _dm(fake, user_id)
                     if ((m["metadata"] or {}).get("event_payload") or {}).get("delivery_key") == key), None)

    return dict(_wait(found, f"{user_id}'s message {key}"))


def _message(fake: FakeSlack, user_id: str, ts: str) -> dict[str, Any]:
    return next(m for m in _dm(fake, user_id) if m["ts"] == ts)


def _says(fake: FakeSlack, user_id: str, ts: str, needle: str) -> dict[str, Any]:
    """The message ``ts`` once it was updated in place to say ``needle``."""
    def updated() -> dict[str, Any] | None:
        message = _message(fake, user_id, ts)
        return message if needle in _text(message) else None

    try:
        return dict(_wait(updated, repr(needle)))
    except AssertionError:
        raise AssertionError(f"{user_id}'s message never said {needle!r}: {_text(_message(fake, user_id, ts))}") \
            from None


def _in_thread(fake: FakeSlack, user_id: str, ts: str, count: int) -> list[dict[str, Any]]:
    def replies() -> list[dict[str, Any]]:
        return [m for m in _dm(fake, user_id) if m["thread_ts"] == ts and m["ts"] != ts]

    return list(_wait(lambda: len(replies()) >= count and replies(), f"{count} replies in the thread"))


def _buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """action id → element, for every button in the message (section accessories included)."""
    found: dict[str, dict[str, Any]] = {}
    for block in message.get("blocks") or []:
        for element in [block.get("accessory") or {}, *(block.get("elements") or [])]:
            if element.get("type") == "button":
                found[element["action_id"]] = element
    return found


def _labels(message: dict[str, Any]) -> list[str]:
    return [e["text"]["text"] for e in _buttons(message).values()]


def _ephemeral(fake: FakeSlack, act: Callable[[], Any]) -> str:
    """What the person was told privately (a response_url reply) after ``act``."""
    before = len(fake.calls_to("response_url"))
    act()
    reply = fake.wait_for("response_url", count=before + 1)[-1].args
    return str(reply.get("text") or "")


def _modal(fake: FakeSlack, act: Callable[[], Any]) -> dict[str, Any]:
    """The modal ``act`` opened, as Slack shows it now."""
    before = len(fake.calls_to("views.open"))
    act()
    call = fake.wait_for("views.open", count=before + 1)[-1]
    return fake.open_views()[call.response["view"]["id"]]


def _submit(slack: SlackSender, fake: FakeSlack, view: dict[str, Any], user_id: str,
            values: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Submit a modal that should be accepted: Slack closes it."""
    reply = slack.view_submission(view, user_id=user_id, values=values)
    assert reply.status == 200 and reply.json() is None, reply.text
    fake.close_view(view["id"])


def _block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def _click(slack: SlackSender, action_id: str, message: dict[str, Any], user_id: str) -> None:
    value = _buttons(message)[action_id]["value"]
    assert slack.block_action(action_id, user_id=user_id, value=value, message=message).status == 200


def _option(value: str) -> dict[str, Any]:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


def _typed(text: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": text}


def _stored(services: Services, model: Any, *where: Any) -> list[Any]:
    with services.db.session() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


# -- steps -----------------------------------------------------------------------------------------


def _join_team(slack: SlackSender, fake: FakeSlack, services: Services, job_runner: JobRunner, *, manager: str,
               report: str, name: str) -> dict[str, Any]:
    """``manager`` invites ``report`` with /coach team add; the report accepts from the DM card."""
    told = _ephemeral(fake, lambda: slack.command(f"team add <@{report}|{name}>", user_id=manager))
    assert f"Invitation sent to <@{report}>" in told
    job_runner.dispatch_and_run()
    with services.db.session() as session:
        link = team.link_between(session, team_id=TEAM, manager_id=manager, report_id=report)
        assert link is not None and link.state == "invited"
        link_id = link.id
        assert team.manager_of(session, team_id=TEAM, user_id=report) is None  # nobody is a manager silently
    card = _keyed(fake, report, f"team-invite:{TEAM}:{link_id}")
    assert card["text"] == f"<@{manager}> would like to add you as one of their reports in Flowcoach"
    assert _labels(card) == ["Accept", "Decline"]
    _click(slack, ids.TEAM_ACCEPT, card, report)
    accepted = _says(fake, report, card["ts"], f"You accepted: <@{manager}> is now your manager in Flowcoach.")
    assert _buttons(accepted) == {}
    _wait(lambda: _stored(services, TeamLink, TeamLink.id == link_id)[0].state == "active", "the active link")
    job_runner.dispatch_and_run()
    return card


def _assign_values(template_id: str, *, learner: str, note: str) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        ids.ASSIGN_TEMPLATE_BLOCK: {ids.ASSIGN_TEMPLATE: {"type": "static_select",
                                                         "selected_option": _option(template_id)}},
        ids.ASSIGN_LEARNER_BLOCK: {ids.ASSIGN_LEARNER: {"type": "users_select", "selected_user": learner}},
        ids.ASSIGN_NOTE_BLOCK: {ids.ASSIGN_NOTE: _typed(note)},
        ids.ASSIGN_REVIEWER_BLOCK: {ids.ASSIGN_REVIEWER: {"type": "users_select", "selected_user": MARIA}},
        ids.ASSIGN_DUE_BLOCK: {ids.ASSIGN_DUE: {"type": "datepicker", "selected_date": None}},
    }


def _shortcut(slack: SlackSender, fake: FakeSlack, *, user_id: str, channel: str, ts: str, text: str) -> None:
    """The message shortcut "Turn into a micro-assignment" on a channel message, as Slack sends it."""
    reply = slack.interactive({
        "type": "message_action", "callback_id": ids.SHORTCUT_MICRO_ASSIGNMENT, "trigger_id": f"{ts}.trigger",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM}, "team": {"id": TEAM, "domain": "acme"},
        "channel": {"id": channel, "name": "project-q3"},
        "message": {"type": "message", "ts": ts, "text": text, "user": RAVI},
        "message_ts": ts, "response_url": fake.response_url(f"shortcut-{user_id}"), "token": "legacy",
        "api_app_id": "A0001",
    })
    assert reply.status == 200


def _submit_work(slack: SlackSender, fake: FakeSlack, message: dict[str, Any], *, summary: str,
                 version: int) -> None:
    """Ravi clicks Submit (or "Submit again") on ``message`` and sends the modal."""
    view = _modal(fake, lambda: _click(slack, ids.ASSIGNMENT_SUBMIT, message, RAVI))
    assert view["callback_id"] == ids.SUBMIT_MODAL
    if version > 1:
        assert f"version {version}" in _text(view).lower()
    _submit(slack, fake, view, RAVI, {
        ids.SUBMIT_SUMMARY_BLOCK: {ids.SUBMIT_SUMMARY: _typed(summary)},
        ids.SUBMIT_LINK_BLOCK: {ids.SUBMIT_LINK: _typed("https://docs.example.com/ravi-sbi")},
        ids.SUBMIT_LEVEL_BLOCK: {ids.SUBMIT_LEVEL: {"type": "radio_buttons", "selected_option": _option("3")}},
    })


def _pick_level(slack: SlackSender, view: dict[str, Any], level: int) -> None:
    """The reviewer picks a rubric level in the open modal (a dispatch_action radio)."""
    assert slack.interactive({
        "type": "block_actions", "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": MARIA, "username": "umanager", "team_id": TEAM}, "api_app_id": "A0001", "token": "legacy",
        "trigger_id": "pick.trigger", "is_enterprise_install": False,
        "container": {"type": "view", "view_id": view["id"]}, "view": view,
        "actions": [{"type": "radio_buttons", "action_id": ids.REVIEW_LEVEL, "block_id": ids.REVIEW_LEVEL_BLOCK,
                     "selected_option": _option(str(level)), "action_ts": f"{time.time():.6f}"}],
    }).status == 200


def _review_values(view: dict[str, Any], *, outcome: str, level: int, feedback: str,
                   evidence: bool) -> dict[str, dict[str, dict[str, Any]]]:
    evidence_block = next(b["block_id"] for b in view["blocks"]
                          if (b.get("element") or {}).get("action_id") == ids.REVIEW_EVIDENCE)
    return {
        ids.REVIEW_LEVEL_BLOCK: {ids.REVIEW_LEVEL: {"type": "radio_buttons", "selected_option": _option(str(level))}},
        ids.REVIEW_FEEDBACK_BLOCK: {ids.REVIEW_FEEDBACK: _typed(feedback)},
        ids.REVIEW_OUTCOME_BLOCK: {ids.REVIEW_OUTCOME: {"type": "radio_buttons", "selected_option": _option(outcome)}},
        evidence_block: {ids.REVIEW_EVIDENCE: {"type": "checkboxes",
                                               "selected_options": [_option("evidence")] if evidence else []}},
    }


# -- the loop --------------------------------------------------------------------------------------


def test_team_link_assign_submit_review_evidence_and_debrief_over_http(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner,
) -> None:
    fake = fake_slack
    for user_id, name in ((ANA, "ana"), (OMAR, "omar")):
        fake.add_user(user_id, name=name, real_name=name.title(), tz="Europe/London", email=f"{name}@example.com")

    # 1. The team link: Maria invites Ravi, Ravi accepts, Maria is told. (Omar and Ana: another team.)
    _join_team(slack, fake, services, job_runner, manager=MARIA, report=RAVI, name="ravi")
    told = _wait(lambda: [m for m in _dm(fake, MARIA) if "accepted" in m["text"]], "Maria's notice")
    assert told[-1]["text"].startswith(f"<@{RAVI}> accepted — they're now one of your reports in Flowcoach.")
    _join_team(slack, fake, services, job_runner, manager=OMAR, report=ANA, name="ana")
    with services.db.session() as session:
        assert team.reports_of(session, team_id=TEAM, manager_id=MARIA) == [RAVI]
        assert team.manager_of(session, team_id=TEAM, user_id=ANA) == OMAR

    # 2. Lee manages nobody: he can't assign Ravi work, from the command or the shortcut.
    assert assignments.NOT_YOUR_REPORT in _ephemeral(
        fake, lambda: slack.command("assign <@UREPORT1|ravi>", user_id=LEE))
    post = "Can someone look at the Q3 plan before Friday? I'm stuck on the budget section."
    channel_ts = fake.post_user_message("C0PROJECT", RAVI, post)
    assert "You don't have anyone in your team yet" in _ephemeral(
        fake, lambda: _shortcut(slack, fake, user_id=LEE, channel="C0PROJECT", ts=channel_ts, text=post))
    assert fake.calls_to("views.open") == [] and _stored(services, Assignment) == []

    # 3. Maria assigns from /coach assign: the modal, then Ravi's card.
    view = _modal(fake, lambda: slack.command("assign <@UREPORT1|ravi>", user_id=MARIA))
    assert view["callback_id"] == ids.ASSIGN_MODAL
    assert _block(view, ids.ASSIGN_LEARNER_BLOCK)["element"]["initial_user"] == RAVI
    assert _block(view, ids.ASSIGN_REVIEWER_BLOCK)["element"]["initial_user"] == MARIA
    groups = _block(view, ids.ASSIGN_TEMPLATE_BLOCK)["element"]["option_groups"]
    feedback_group = next(g for g in groups if g["label"]["text"] == "Giving feedback")
    assert SBI in [o["value"] for o in feedback_group["options"]]
    _submit(slack, fake, view, MARIA, _assign_values(SBI, learner=RAVI, note=NOTE))
    (first,) = _stored(services, Assignment)
    assert (first.state, first.learner_id, first.reviewer_id, first.context_note) == ("offered", RAVI, MARIA, NOTE)
    job_runner.dispatch_and_run()
    card = _keyed(fake, RAVI, f"assignment-offer:{first.id}")
    shown = _text(card["blocks"])
    assert card["blocks"][0]["text"]["text"].startswith("Give one piece of SBI feedback")
    assert f"*Context from <@{MARIA}>*\\n>{NOTE}" in shown
    assert _labels(card) == ["Accept", "Decline", "Ask a question"]

    # 4. ...and from the message shortcut on Ravi's channel message: its permalink is the context.
    view = _modal(fake, lambda: _shortcut(slack, fake, user_id=MARIA, channel="C0PROJECT", ts=channel_ts,
                                          text=post))
    permalink = f"https://acme.slack.com/archives/C0PROJECT/p{channel_ts.replace('.', '')}"
    assert permalink in _text(view["blocks"])
    assert _block(view, ids.ASSIGN_NOTE_BLOCK)["element"]["initial_value"] == post
    _submit(slack, fake, view, MARIA, _assign_values(DELEGATE, learner=RAVI, note="Hand Priya the budget call."))
    second = _stored(services, Assignment)[-1]
    assert (second.template_id, second.context_permalink, second.state) == (DELEGATE, permalink, "offered")
    job_runner.dispatch_and_run()
    second_card = _keyed(fake, RAVI, f"assignment-offer:{second.id}")
    assert f"<{permalink}|The message this is about>" in _text(second_card["blocks"])

    # 5. Ravi accepts the first (Lee can't use his card) and submits version 1.
    assert _ephemeral(fake, lambda: _click(slack, ids.ASSIGNMENT_ACCEPT, card, LEE)) == \
        "This card is for someone else's assignment."
    _click(slack, ids.ASSIGNMENT_ACCEPT, card, RAVI)
    card = _says(fake, RAVI, card["ts"], "✅ *Accepted*")
    assert _labels(card) == ["Submit", "Ask a question"]
    _submit_work(slack, fake, card, summary=WORK_1, version=1)
    card = _says(fake, RAVI, card["ts"], f"📨 *Submitted* — waiting for <@{MARIA}>'s review")
    assert _buttons(card) == {}
    assert "*You submitted version 1*" in _text(_in_thread(fake, RAVI, card["ts"], 1)[-1])

    # 6. Maria's review card; Lee can't review it.
    job_runner.dispatch_and_run()
    review_card = _keyed(fake, MARIA, reviews.request_key(first.id, 1))
    assert review_card["blocks"][0]["text"]["text"] == f"<@{RAVI}> submitted *{SBI_TITLE}* for your review."
    assert WORK_1 in _text(review_card["blocks"]) and _labels(review_card) == ["Review"]
    opened = len(fake.calls_to("views.open"))
    assert _ephemeral(fake, lambda: _click(slack, ids.REVIEW_OPEN, review_card, LEE)) == \
        f"Only <@{MARIA}> can review this."
    assert len(fake.calls_to("views.open")) == opened  # no review modal for Lee
    assert _stored(services, Review) == []

    # 7. Maria requests changes; the feedback lands in Ravi's card thread with "Submit again".
    view = _modal(fake, lambda: _click(slack, ids.REVIEW_OPEN, review_card, MARIA))
    assert view["callback_id"] == ids.REVIEW_MODAL and "*Situation*: when and where" in _text(view["blocks"])
    _submit(slack, fake, view, MARIA, _review_values(view, outcome="changes_requested", level=2,
                                                     feedback=FEEDBACK_1, evidence=False))
    (changes,) = _in_thread(fake, RAVI, card["ts"], 2)[1:]
    assert changes["blocks"][0]["text"]["text"] == (
        f"<@{MARIA}> asked for changes to your work — *Developing* (2 of 4).")
    assert ">The situation is clear, but “ran long” is a judgement.\\n>Name what he did" in _text(changes)
    assert _labels(changes) == ["Submit again"]
    card = _says(fake, RAVI, card["ts"], f"✏️ *Changes requested* by <@{MARIA}>")
    assert _labels(card) == ["Submit again", "Ask a question"]
    assert _says(fake, MARIA, review_card["ts"], "Changes requested")["text"] == \
        f"Changes requested — sent to <@{RAVI}>"
    assert _buttons(_message(fake, MARIA, review_card["ts"])) == {}

    # 8. Ravi resubmits from the feedback in the thread; Maria gets a second card.
    _submit_work(slack, fake, changes, summary=WORK_2, version=2)
    card = _says(fake, RAVI, card["ts"], "📨 *Submitted*")
    job_runner.dispatch_and_run()
    second_review = _keyed(fake, MARIA, reviews.request_key(first.id, 2))
    assert second_review["ts"] != review_card["ts"]
    assert "again (version 2, after the changes you asked for)" in second_review["blocks"][0]["text"]["text"]
    assert WORK_2 in _text(second_review["blocks"])

    # 9. Maria accepts at level 3; picking the level ticks "counts as evidence" by default.
    view = _modal(fake, lambda: _click(slack, ids.REVIEW_OPEN, second_review, MARIA))
    updates = len(fake.calls_to("views.update"))
    _pick_level(slack, view, 3)
    fake.wait_for("views.update", count=updates + 1)
    view = fake.open_views()[view["id"]]
    ticked = next(b for b in view["blocks"] if (b.get("element") or {}).get("action_id") == ids.REVIEW_EVIDENCE)
    assert ticked["element"]["initial_options"][0]["value"] == "evidence"
    _submit(slack, fake, view, MARIA, _review_values(view, outcome="accepted", level=3, feedback=FEEDBACK_2,
                                                     evidence=True))
    record, accepted = _in_thread(fake, RAVI, card["ts"], 4)[2:]
    assert "*You submitted version 2*" in _text(record)
    assert accepted["blocks"][0]["text"]["text"] == f"<@{MARIA}> reviewed your work — *Proficient* (3 of 4)."
    assert FEEDBACK_2 in _text(accepted)
    assert "This counts as evidence of *Use Situation-Behaviour-Impact*." in _text(accepted)
    assert _buttons(accepted) == {}
    card = _says(fake, RAVI, card["ts"], f"🎉 *Reviewed* by <@{MARIA}>")
    assert _buttons(card) == {}
    assert _says(fake, MARIA, second_review["ts"], "Reviewed ✔")["text"] == \
        f"Reviewed ✔ Proficient — feedback sent to <@{RAVI}>"
    # Old buttons still on screen somewhere get a polite "already done", and change nothing.
    assert _ephemeral(fake, lambda: _click(slack, ids.ASSIGNMENT_SUBMIT, changes, RAVI)) == \
        "That's already done — this assignment is reviewed."
    assert _ephemeral(fake, lambda: _click(slack, ids.REVIEW_OPEN, second_review, MARIA)) == \
        reviews.ALREADY_REVIEWED

    # 10. What is stored: every transition, both reviews, the evidence and the progress it moved.
    with services.db.session() as session:
        assert session.get_one(Assignment, first.id).state == "reviewed"
        assert session.get_one(Assignment, second.id).state == "offered"  # the shortcut's one is untouched
        moves = session.scalars(select(AssignmentTransition.to_state).where(
            AssignmentTransition.assignment_id == first.id).order_by(AssignmentTransition.id)).all()
        assert [m for m in moves if m != "offered"] == [
            "accepted", "submitted", "changes_requested", "submitted", "reviewed"]
        assert [(s.version, s.summary) for s in session.scalars(select(Submission).order_by(Submission.id))] == [
            (1, WORK_1), (2, WORK_2)]
        assert [(r.outcome, r.level, r.counts_as_evidence) for r in session.scalars(select(Review).order_by(
            Review.id))] == [("changes_requested", 2, False), ("accepted", 3, True)]
        (evidence,) = session.scalars(select(Evidence))
        assert (evidence.learner_id, evidence.assignment_id, evidence.skill_id, evidence.level,
                evidence.confirmed_by) == (RAVI, first.id, "giving-feedback.sbi", 3, MARIA)
        (progress,) = session.scalars(select(CompetencyProgress))
        assert (progress.learner_id, progress.competency_id, progress.evidence_count) == (RAVI, "giving-feedback", 1)
        assert progress.competent_at is None  # one of the three confirmations the default threshold asks for

    # 11. The debrief offer (the template's debrief set); Ravi asks Lee and Ana.
    job_runner.dispatch_and_run()
    offer = _keyed(fake, RAVI, f"debrief-offer:{TEAM}:{RAVI}:{first.id}")
    assert offer["blocks"][0]["text"]["text"].startswith(
        f"Want a few colleagues' perspective on *{SBI_TITLE}*? Pick up to three people")
    assert "I'll ask them 3 short questions" in offer["blocks"][0]["text"]["text"]
    assert _labels(offer) == ["Get peer input", "No thanks"]
    view = _modal(fake, lambda: _click(slack, ids.DEBRIEF_START, offer, RAVI))
    assert view["callback_id"] == ids.DEBRIEF_MODAL
    _submit(slack, fake, view, RAVI, {
        ids.DEBRIEF_PEERS_BLOCK: {ids.DEBRIEF_PEERS: {"type": "multi_users_select", "selected_users": [LEE, ANA]}},
        ids.DEBRIEF_SUGGEST: {ids.DEBRIEF_SUGGEST: {"type": "checkboxes", "selected_options": []}},
    })
    started = _says(fake, RAVI, offer["ts"], f"You asked <@{LEE}> and <@{ANA}> for their perspective")
    assert "on Wed 25 Nov at 10:00 at the latest" in _text(started) and _buttons(started) == {}
    assert _ephemeral(fake, lambda: _click(slack, ids.DEBRIEF_START, offer, RAVI)) == \
        "That's already done — you've asked for peer input on this one."
    (debrief,) = _stored(services, Debrief)
    assert (debrief.assignment_id, debrief.question_set_id) == (first.id, "debrief-feedback")

    # 12. The prompts reach both peers; Lee answers in the modal, Ana does nothing.
    job_runner.dispatch_and_run()
    lee_prompt = _keyed(fake, LEE, f"debrief-prompt:{debrief.id}:{LEE}")
    ana_prompt = _keyed(fake, ANA, f"debrief-prompt:{debrief.id}:{ANA}")
    for prompt in (lee_prompt, ana_prompt):
        assert f"<@{RAVI}> would value your perspective on *{SBI_TITLE}*" in _text(prompt["blocks"])
        assert _labels(prompt) == ["Answer", "Not now", "Decline"]
    view = _modal(fake, lambda: _click(slack, ids.DEBRIEF_ANSWER, lee_prompt, LEE))
    assert view["callback_id"] == ids.DEBRIEF_ANSWER_MODAL
    questions = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert len(questions) == 3 and questions[0].startswith("From what they shared")

    def answer(qid: str, text: str) -> dict[str, dict[str, Any]]:
        return {f"{debrief_views.ANSWER_BLOCK_PREFIX}{qid}": {
            f"{debrief_views.ANSWER_ACTION_PREFIX}{qid}": _typed(text)}}

    _submit(slack, fake, view, LEE, {**answer("how-it-landed", LEE_SAW), **answer("try-next", LEE_NEXT)})
    assert _says(fake, LEE, lee_prompt["ts"], "Thanks")["text"] == f"Thanks — your answers went to <@{RAVI}> only."
    assert not [m for m in _dm(fake, RAVI) if m["text"].startswith("Your peer debrief")]  # Ana may still answer

    # 13. Past the 48 h deadline the close job expires Ana and sends Ravi the summary.
    with time_machine.travel(debrief.deadline_at + timedelta(minutes=5), tick=True):
        assert debrief_jobs.close_due_debriefs() == 1
        job_runner.dispatch_and_run()
        summary = _wait(lambda: next((m for m in _top_level(fake, RAVI)
                                      if m["text"].startswith("Your peer debrief is in")), None), "the summary")
        closed = _says(fake, ANA, ana_prompt["ts"], "This debrief has closed.")
    assert summary["text"] == "Your peer debrief is in: 1 of 2 colleagues answered."
    shown = _text(summary["blocks"])
    assert f"About *{SBI_TITLE}*: 1 of 2 colleagues answered." in shown
    assert f"<@{ANA}> didn't answer before the deadline." in shown
    assert f"<@{LEE}>\\n> {LEE_SAW}" in shown
    assert f"<@{LEE}>\\n> Follow up after the next demo &amp; say what changed &lt;in numbers&gt;." in shown
    assert "Only you can see these answers." in shown
    assert _buttons(closed) == {}
    assert len(_dm(fake, ANA)) == 2  # her invitation and the (now closed) prompt: no reminder past the deadline
    with services.db.session() as session:
        assert session.get_one(Debrief, debrief.id).state == "closed"
        peers = session.scalars(select(DebriefPeer).where(DebriefPeer.debrief_id == debrief.id)).all()
        assert {p.peer_id: p.state for p in peers} == {LEE: "answered", ANA: "expired"}
        assert LEE_SAW not in _text([p.encrypted_answers for p in peers])  # encrypted at rest

    assert fake.validation_errors == [] and fake.internal_errors == []
