"""Prep nudges and reflection prompts over signed HTTP: the real App, the strict fake Slack, the outbox.

Each test schedules a prep or reflect delivery the way the calendar scheduler does, sends it with
the delivery job, then clicks its buttons as Slack would and checks what the person sees and what
is stored.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.content import ContentLibrary
from slackapp.content.model import Competency, Guide, GuideSection, MomentRule, Question, QuestionSet, Skill
from slackapp.db.models import AnalyticsEvent, CalendarOccurrence, Delivery, MutedSeries, Reflection
from slackapp.domain import deliveries, people, reflections, snooze
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.validation import validate_view
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from slackapp.views import nudges as views
from tests.conftest import MONDAY_10AM
from workers.delivery import deliver

TEAM = "T0001"
USER = "UREPORT1"
START = MONDAY_10AM + timedelta(minutes=45)  # 10:45 London (UTC in November)
SERIES = "weekly-1on1-maria-ravi@example.com"
CHECKLIST = ("Read your notes from last time", "Pick the one thing you most want to talk about",
             "Ask how they are doing — and listen to the answer")
SECRET_ANSWER = "I interrupted Ravi twice; next time I will wait until he has finished."


def _library() -> ContentLibrary:
    competency = Competency(
        id="running-one-on-ones", name="Running effective 1:1s", summary="Make 1:1s the report's meeting.",
        skills=(Skill(id="running-one-on-ones.listen", name="Listen first", description="Ask, then listen.",
                      indicators=("Asks open questions",)),),
    )
    guide = Guide(
        id="one-on-one", title="Running a 1:1 that matters", summary="Their meeting, not yours: prepare to listen.",
        checklist=CHECKLIST,
        sections=(GuideSection("Before", "Look at your notes from last time."),
                  GuideSection("During", "Let them set the agenda.\n\nClose with one agreed next step.")),
        competency_ids=("running-one-on-ones",),
    )
    long_guide = Guide(
        id="long-guide", title="A guide with every section full to the limit of the format",
        summary="Long on purpose.", checklist=tuple(f"Item {n} " + "x" * 180 for n in range(6)),
        sections=tuple(GuideSection(f"Part {n}", ("word " * 499).strip()) for n in range(6)),
        competency_ids=("running-one-on-ones",),
    )
    question_set = QuestionSet(id="one-on-one-reflection", title="1:1 reflection", questions=(
        Question("went-well", "What went well?", hint="One concrete moment is enough."),
        Question("next-time", "What will you do differently next time?"),
    ))
    moment = MomentRule(id="one-on-one", name="1:1", title_patterns=(r"1:1",), prep_guide_id="one-on-one",
                        reflection_set_id="one-on-one-reflection")
    return ContentLibrary(competencies=(competency,), guides=(guide, long_guide), question_sets=(question_set,),
                          moments=(moment,))


@pytest.fixture(scope="module")
def content_library() -> ContentLibrary:
    """This module's own content (overrides the shipped library): tests don't follow content edits."""
    return _library()


@pytest.fixture
def library(services: Services) -> ContentLibrary:
    content: ContentLibrary = services.content
    return content


def _opt_in(services: Services, user_id: str = USER) -> None:
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=TEAM, user_id=user_id, now=utcnow())
        person.opt_in = "opted_in"


def _schedule(services: Services, kind: str, *, user_id: str = USER, start: datetime = START, event_uid: str = SERIES,
              title: str = "Maria / Ravi", due: datetime | None = None, **extra: Any) -> tuple[int, str]:
    now = utcnow()
    end = start + timedelta(minutes=30)
    with services.db.session() as session:
        occurrence = session.scalar(select(CalendarOccurrence).where(
            CalendarOccurrence.user_id == user_id, CalendarOccurrence.event_uid == event_uid,
            CalendarOccurrence.start == start))
        if occurrence is None:
            occurrence = CalendarOccurrence(team_id=TEAM, user_id=user_id, source="ics", event_uid=event_uid,
                                            occurrence_id=start.strftime("%Y%m%dT%H%M%SZ"), title=title, start=start,
                                            end=end, moment_id="one-on-one", created_at=now, updated_at=now)
            session.add(occurrence)
            session.flush()
        payload: dict[str, Any] = {"occurrence_id": occurrence.id, "moment_id": "one-on-one", "title": title,
                                   "start": start.isoformat(), "end": end.isoformat(), "event_uid": event_uid}
        if kind == "prep":
            payload.update(guide_id="one-on-one", not_after=start.isoformat())
        else:
            payload.update(question_set_id="one-on-one-reflection", not_after=(end + timedelta(days=1)).isoformat())
        payload.update(extra)
        key = f"{kind}:{TEAM}:{user_id}:{event_uid}:{occurrence.occurrence_id}"
        delivery = deliveries.schedule(session, key=key, team_id=TEAM, user_id=user_id, kind=kind,
                                       due_at=due or now, now=now, payload=payload)
        session.flush()
        return delivery.id, key


def _send(services: Services, fake: FakeSlack, delivery_id: int, user_id: str = USER) -> dict[str, Any]:
    assert deliver(services, delivery_id) == "sent"
    return fake.messages(fake.dm_channel(user_id))[-1]


def _delivery(services: Services, key: str) -> Delivery:
    with services.db.session() as session:
        found = deliveries.by_key(session, key)
        assert found is not None
        return found


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _card(fake: FakeSlack, ts: str, user_id: str = USER) -> dict[str, Any]:
    return next(m for m in fake.messages(fake.dm_channel(user_id)) if m["ts"] == ts)


def _elements(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """action_id → element of every interactive element on a message or view."""
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def _ephemeral_reply(fake: FakeSlack, count: int) -> str:
    return str(fake.wait_for("response_url", count=count)[-1].args["text"])


def _events(services: Services, name: str) -> list[AnalyticsEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == name)))


def test_prep_nudge_shows_local_time_summary_checklist_and_buttons(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    fake_slack.add_user("UINDIA", name="asha", real_name="Asha", tz="Asia/Kolkata", email="asha@example.com")
    _opt_in(services, "UINDIA")
    delivery_id, key = _schedule(services, "prep", user_id="UINDIA")
    message = _send(services, fake_slack, delivery_id, "UINDIA")
    text = _text(message["blocks"])
    assert "Your 1:1 *Maria / Ravi* starts at 16:15." in text  # 10:45 UTC is 16:15 in Kolkata
    assert "Their meeting, not yours: prepare to listen." in text
    assert "*Checklist*\\n• Read your notes from last time\\n• Pick the one thing" in text
    elements = _elements(message)
    assert elements[ids.PREP_OPEN_GUIDE]["value"] == key and elements[ids.PREP_NOT_HELPFUL]["value"] == key
    assert elements[ids.MUTE_SERIES]["text"]["text"] == "Stop these for this meeting series"
    assert elements[ids.WHY_THIS]["text"]["text"] == "Why am I getting this?"
    # 60 minutes from 10:00 would land after the 10:45 start: not offered.
    assert [o["text"]["text"] for o in elements[ids.NUDGE_SNOOZE]["options"]] == ["Snooze 10 min", "Snooze 30 min"]
    assert message["metadata"]["event_payload"]["delivery_key"] == key
    assert fake_slack.validation_errors == []


def test_open_full_guide_opens_a_valid_modal_and_counts_as_interaction(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, key = _schedule(services, "prep")
    message = _send(services, fake_slack, delivery_id)
    assert _delivery(services, key).interacted_at is None
    assert slack.block_action(ids.PREP_OPEN_GUIDE, user_id=USER, value=key, message=message).status == 200
    fake_slack.wait_for("views.open")
    (view,) = fake_slack.open_views().values()
    assert view["callback_id"] == ids.GUIDE_MODAL and view["title"]["text"] == "Prep guide"
    assert view["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Running a 1:1 that matters"}}
    shown = _text(view["blocks"])
    assert "*Before*\\nLook at your notes from last time." in shown and "Close with one agreed next step." in shown
    assert fake_slack.validation_errors == []
    assert _delivery(services, key).interacted_at is not None
    # The longest guide the content format allows still fits Slack's limits, nothing cut silently.
    long_view = views.guide_modal(library.guide("long-guide")).to_dict()
    assert validate_view(long_view, expected_types=frozenset({"modal"})) == []
    assert long_view["blocks"][0]["text"]["text"] == "A guide with every section full to the limit of the format"
    assert all(len(b["text"]["text"]) <= 3000 for b in long_view["blocks"] if b["type"] == "section")
    assert _text(long_view).count("word") == 6 * 499


def test_not_helpful_thanks_in_place_once(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, key = _schedule(services, "prep")
    message = _send(services, fake_slack, delivery_id)
    slack.block_action(ids.PREP_NOT_HELPFUL, user_id=USER, value=key, message=message)
    fake_slack.wait_for("chat.update")
    card = _card(fake_slack, message["ts"])
    assert "Thanks — noted." in _text(card["blocks"]) and "• Read your notes" in _text(card["blocks"])
    assert _elements(card) == {}  # no stale buttons
    # A second click (a client that still shows the old buttons) changes nothing.
    slack.block_action(ids.PREP_NOT_HELPFUL, user_id=USER, value=key, message=message)
    assert _ephemeral_reply(fake_slack, 1) == "That's already done."
    assert len(_events(services, "nudge.not_helpful")) == 1
    assert len(fake_slack.calls_to("chat.update")) == 1
    assert _delivery(services, key).interacted_at is not None


def test_snooze_updates_the_card_and_comes_back_before_the_meeting_only(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, key = _schedule(services, "prep")
    first = _send(services, fake_slack, delivery_id)
    # Selects carry no delivery key: the card is found from its message (here without metadata: by channel+ts).
    slack.select_action(ids.NUDGE_SNOOZE, user_id=USER, option_value="30", message={**first, "metadata": None})
    fake_slack.wait_for("chat.update")
    card = _card(fake_slack, first["ts"])
    assert card["text"] == "Snoozed — I'll remind you at 10:30."
    assert _elements(card) == {}
    follow_up = _delivery(services, f"{key}:snooze:1")
    assert follow_up.state == "scheduled" and follow_up.kind == "prep"
    assert follow_up.payload == _delivery(services, key).payload
    assert MONDAY_10AM + timedelta(minutes=30) <= follow_up.due_at < MONDAY_10AM + timedelta(minutes=31)
    assert _delivery(services, key).interacted_at is not None
    assert [e.properties["minutes"] for e in _events(services, "nudge.snoozed")] == [30]

    # The same select again on the old card: already done, nothing doubled.
    slack.select_action(ids.NUDGE_SNOOZE, user_id=USER, option_value="10", message=first)
    assert _ephemeral_reply(fake_slack, 1) == "That's already done."

    frozen_time.move_to(MONDAY_10AM + timedelta(minutes=31))
    second = _send(services, fake_slack, follow_up.id)
    options = _elements(second)[ids.NUDGE_SNOOZE]["options"]
    assert [o["value"] for o in options] == ["10"]  # 30 minutes would be after 10:45
    slack.select_action(ids.NUDGE_SNOOZE, user_id=USER, option_value="30", message=second)
    assert "after the meeting starts" in _ephemeral_reply(fake_slack, 2)
    slack.select_action(ids.NUDGE_SNOOZE, user_id=USER, option_value="10", message=second)
    fake_slack.wait_for("chat.update", count=2)
    assert _card(fake_slack, second["ts"])["text"] == "Snoozed — I'll remind you at 10:41."

    frozen_time.move_to(MONDAY_10AM + timedelta(minutes=42))
    third = _send(services, fake_slack, _delivery(services, f"{key}:snooze:2").id)
    assert ids.NUDGE_SNOOZE not in _elements(third)  # nothing fits before the start: no snooze select
    assert fake_slack.validation_errors == []


def test_a_nudge_can_be_snoozed_three_times_at_most(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, key = _schedule(services, "reflect", start=MONDAY_10AM - timedelta(hours=1))
    message = _send(services, fake_slack, delivery_id)
    for count in (1, 2, 3):
        slack.select_action(ids.NUDGE_SNOOZE, user_id=USER, option_value="10", message=message)
        fake_slack.wait_for("chat.update", count=count)
        frozen_time.shift(timedelta(minutes=11))
        message = _send(services, fake_slack, _delivery(services, f"{key}:snooze:{count}").id)
    assert ids.NUDGE_SNOOZE not in _elements(message)
    slack.select_action(ids.NUDGE_SNOOZE, user_id=USER, option_value="10", message=message)
    assert _ephemeral_reply(fake_slack, 1).startswith("You've snoozed this three times")
    with services.db.session() as session:
        assert deliveries.by_key(session, f"{key}:snooze:4") is None
    assert len(_events(services, "nudge.snoozed")) == 3


def test_stop_this_series_cancels_its_nudges_and_undo_brings_them_back(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, key = _schedule(services, "prep")
    next_week = START + timedelta(days=7)
    _, next_prep = _schedule(services, "prep", start=next_week, due=next_week - timedelta(minutes=15))
    _, reflect = _schedule(services, "reflect", due=START + timedelta(minutes=40))
    _, other = _schedule(services, "prep", event_uid="other-series", start=next_week, due=next_week)
    message = _send(services, fake_slack, delivery_id)

    slack.block_action(ids.MUTE_SERIES, user_id=USER, value=key, message=message)
    fake_slack.wait_for("chat.update")
    card = _card(fake_slack, message["ts"])
    assert card["text"] == "Got it — no more nudges for this meeting series."
    undo = _elements(card)[ids.MUTE_SERIES]
    assert undo["text"]["text"] == "Undo"
    assert {k: _delivery(services, k).state for k in (next_prep, reflect, other)} == {
        next_prep: "cancelled", reflect: "cancelled", other: "scheduled"}
    with services.db.session() as session:
        assert [m.event_uid for m in session.scalars(select(MutedSeries))] == [SERIES]

    slack.block_action(ids.MUTE_SERIES, user_id=USER, value=key, message=message)  # the stale button
    assert _ephemeral_reply(fake_slack, 1) == "That's already done."

    slack.block_action(ids.MUTE_SERIES, user_id=USER, value=undo["value"], message=card)
    fake_slack.wait_for("chat.update", count=2)
    restored = _card(fake_slack, message["ts"])
    assert ids.PREP_OPEN_GUIDE in _elements(restored) and "starts at 10:45" in _text(restored["blocks"])
    assert {k: _delivery(services, k).state for k in (next_prep, reflect, other)} == {
        next_prep: "scheduled", reflect: "scheduled", other: "scheduled"}
    with services.db.session() as session:
        assert session.scalars(select(MutedSeries)).all() == []
    slack.block_action(ids.MUTE_SERIES, user_id=USER, value=undo["value"], message=card)  # undo twice
    assert _ephemeral_reply(fake_slack, 2) == "That's already done."


def test_reflection_modal_saves_privately_and_encrypted(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _opt_in(services)
    delivery_id, key = _schedule(services, "reflect", start=MONDAY_10AM - timedelta(hours=1), title="Maria / Ravi 1:1")
    message = _send(services, fake_slack, delivery_id)
    assert message["blocks"][0]["text"]["text"] == (
        "How did *Maria / Ravi 1:1* go? Two minutes of reflection now makes the next one better.")
    assert {ids.REFLECT_OPEN, ids.NUDGE_SNOOZE, ids.REFLECT_SKIP, ids.WHY_THIS} == set(_elements(message))

    slack.block_action(ids.REFLECT_OPEN, user_id=USER, value=key, message=message)
    fake_slack.wait_for("views.open")
    (view,) = fake_slack.open_views().values()
    assert view["callback_id"] == ids.REFLECTION_MODAL and view["title"]["text"] == "1:1 reflection"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == [
        "What went well?", "What will you do differently next time?", "Sharing"]
    assert inputs[0]["hint"]["text"] == "One concrete moment is enough." and inputs[0]["optional"] is True
    assert inputs[0]["element"]["multiline"] is True and inputs[0]["element"]["max_length"] == 3000
    share = inputs[2]["element"]
    assert share["action_id"] == ids.REFLECTION_SHARE
    assert share["options"][0]["text"]["text"] == "Share this reflection with my manager"
    assert "private by default" in _text(view["blocks"])
    metadata = json.loads(view["private_metadata"])
    assert metadata["delivery_key"] == key and metadata["moment_id"] == "one-on-one"
    assert fake_slack.validation_errors == []

    def values(went_well: str, shared: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
        return {
            inputs[0]["block_id"]: {inputs[0]["element"]["action_id"]: {"type": "plain_text_input",
                                                                        "value": went_well}},
            inputs[1]["block_id"]: {inputs[1]["element"]["action_id"]: {"type": "plain_text_input", "value": None}},
            ids.REFLECTION_SHARE_BLOCK: {ids.REFLECTION_SHARE: {
                "type": "checkboxes", "selected_options": [share["options"][0]] if shared else []}},
        }

    empty = slack.view_submission(view, user_id=USER, values=values("   \n "))
    assert empty.status == 200
    assert empty.json() == {"response_action": "errors", "errors": {
        inputs[0]["block_id"]: "Write at least one answer — or close this window to skip."}}

    saved = slack.view_submission(view, user_id=USER, values=values(f"  {SECRET_ANSWER}  "))
    assert saved.status == 200 and saved.json() is None
    fake_slack.wait_for("chat.update")
    assert _card(fake_slack, message["ts"])["text"] == "Saved privately. ✔"
    assert len(fake_slack.messages(fake_slack.dm_channel(USER))) == 1  # nothing else posted
    with services.db.session() as session:
        (row,) = session.scalars(select(Reflection))
        assert SECRET_ANSWER not in row.encrypted_answers and "went-well" not in row.encrypted_answers
        assert row.prompt_key == key and row.shared_with_manager is False and row.moment_id == "one-on-one"
        assert row.occurrence_id == metadata["occurrence_id"]
        assert reflections.read_reflection(session, reflection_id=row.id, viewer_user_id=USER,
                                           vault=services.vault) == {"went-well": SECRET_ANSWER}
    (event,) = _events(services, "reflection.saved")
    assert event.properties == {"moment_id": "one-on-one", "shared": False, "answered": 1}
    assert _delivery(services, key).interacted_at is not None

    # A double submit is refused at once; reopening from the old card says it's done.
    again = slack.view_submission(view, user_id=USER, values=values("a second try", shared=True))
    assert again.json() == {"response_action": "errors", "errors": {
        inputs[0]["block_id"]: "That's already done — this reflection is saved."}}
    slack.block_action(ids.REFLECT_OPEN, user_id=USER, value=key, message=message)
    assert _ephemeral_reply(fake_slack, 1) == "That's already done."
    with services.db.session() as session:
        assert len(session.scalars(select(Reflection)).all()) == 1
    assert fake_slack.calls_to("chat.postEphemeral") == [] and len(fake_slack.calls_to("chat.update")) == 1
    assert any("api/chat.update" in r.getMessage() for r in caplog.records)  # the listener threads' logs are here
    assert SECRET_ANSWER not in caplog.text and "a second try" not in caplog.text
    assert all(SECRET_ANSWER not in _text(e.properties) for e in _events(services, "reflection.saved"))


def test_sharing_a_reflection_is_recorded(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, key = _schedule(services, "reflect", start=MONDAY_10AM - timedelta(hours=1))
    message = _send(services, fake_slack, delivery_id)
    slack.block_action(ids.REFLECT_OPEN, user_id=USER, value=key, message=message)
    fake_slack.wait_for("views.open")
    (view,) = fake_slack.open_views().values()
    block = views.QUESTION_BLOCK_PREFIX + "next-time"
    typed: dict[str, Any] = {"type": "plain_text_input", "value": "Ask more."}
    share_option = {"value": "share", "text": {"type": "plain_text", "text": "Share"}}
    ticked: dict[str, Any] = {"type": "checkboxes", "selected_options": [share_option]}
    answer = {block: {views.QUESTION_ACTION_PREFIX + "next-time": typed},
              ids.REFLECTION_SHARE_BLOCK: {ids.REFLECTION_SHARE: ticked}}
    assert slack.view_submission(view, user_id=USER, values=answer).json() is None
    fake_slack.wait_for("chat.update")
    assert _card(fake_slack, message["ts"])["text"] == views.SAVED_SHARED_TEXT
    with services.db.session() as session:
        assert session.scalars(select(Reflection)).one().shared_with_manager is True
    assert _events(services, "reflection.saved")[0].properties["shared"] is True


def test_not_today_updates_the_prompt_once(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, key = _schedule(services, "reflect", start=MONDAY_10AM - timedelta(hours=1))
    message = _send(services, fake_slack, delivery_id)
    slack.block_action(ids.REFLECT_SKIP, user_id=USER, value=key, message=message)
    fake_slack.wait_for("chat.update")
    card = _card(fake_slack, message["ts"])
    assert card["text"] == "No problem — no reflection this time." and _elements(card) == {}
    slack.block_action(ids.REFLECT_SKIP, user_id=USER, value=key, message=message)
    assert _ephemeral_reply(fake_slack, 1) == "That's already done."
    slack.block_action(ids.REFLECT_OPEN, user_id=USER, value=key, message=message)
    assert _ephemeral_reply(fake_slack, 2) == "That's already done."
    assert fake_slack.calls_to("views.open") == []
    assert len(_events(services, "reflection.skipped")) == 1


def test_why_am_i_getting_this_explains_the_recorded_decisions(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    with services.db.session() as session:
        person = people.find_person(session, team_id=TEAM, user_id=USER)
        assert person is not None
        person.paused_until = MONDAY_10AM - timedelta(hours=1)
    delivery_id, key = _schedule(services, "prep", due=MONDAY_10AM - timedelta(hours=2))
    assert deliver(services, delivery_id, now=MONDAY_10AM - timedelta(hours=2)) == "deferred"  # 08:00: paused
    message = _send(services, fake_slack, delivery_id)
    slack.block_action(ids.WHY_THIS, user_id=USER, value=key, message=message)
    reply = _ephemeral_reply(fake_slack, 1)
    assert reply.startswith("*Why you got this prep nudge*")
    assert "\n• Scheduled for 08:00 your time because your 1:1 “Maria / Ravi” starts at 10:45." in reply
    assert "\n• Held back at 08:00 because you had paused Flowcoach; sent at 10:00." in reply
    answer = fake_slack.calls_to("response_url")[0].args
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert answer["blocks"][0]["text"]["text"] == reply
    assert _delivery(services, key).interacted_at is not None
    # Someone else clicking a button of this card is refused.
    slack.block_action(ids.WHY_THIS, user_id="UREPORT2", value=key, message=message)
    assert _ephemeral_reply(fake_slack, 2) == "That button belongs to someone else's reminder."


def test_content_that_changed_since_scheduling_gives_a_generic_message(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    library: ContentLibrary,
) -> None:
    _opt_in(services)
    delivery_id, _ = _schedule(services, "prep", guide_id="retired-guide", moment_id="retired-moment")
    message = _send(services, fake_slack, delivery_id)
    text = _text(message["blocks"])
    assert "Your meeting *Maria / Ravi* starts at 10:45." in text
    assert "prep guide for this meeting isn't available any more" in text
    assert ids.PREP_OPEN_GUIDE not in _elements(message) and ids.MUTE_SERIES in _elements(message)

    # A guide removed after the nudge was sent: the button explains instead of failing.
    prep_id, prep_key = _schedule(services, "prep", event_uid="another-series")
    sent = _send(services, fake_slack, prep_id)
    services.content = ContentLibrary(competencies=library.competencies)
    slack.block_action(ids.PREP_OPEN_GUIDE, user_id=USER, value=prep_key, message=sent)
    assert _ephemeral_reply(fake_slack, 1).startswith("That guide isn't available any more")

    # A retired question set: the prompt still works, with two generic questions.
    reflect_id, reflect_key = _schedule(services, "reflect", event_uid="third-series")
    prompt = _send(services, fake_slack, reflect_id)
    slack.block_action(ids.REFLECT_OPEN, user_id=USER, value=reflect_key, message=prompt)
    fake_slack.wait_for("views.open")
    (view,) = fake_slack.open_views().values()
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["What went well?", "What would you do differently next time?", "Sharing"]
    assert fake_slack.validation_errors == []


def test_snooze_keys_fit_the_key_column_and_share_one_root() -> None:
    short = f"prep:{TEAM}:{USER}:{SERIES}:20261123T104500Z"
    assert snooze.follow_up_key(short) == f"{short}:snooze:1"
    assert snooze.follow_up_key(f"{short}:snooze:1") == f"{short}:snooze:2"
    assert snooze.root_key(f"{short}:snooze:2") == short
    long = f"prep:{TEAM}:{USER}:" + "u" * 220 + ":20261123T104500Z"  # 250 characters: no room for a suffix
    first = snooze.follow_up_key(long)
    second = snooze.follow_up_key(first)
    assert len(first) <= 255 and len(second) <= 255 and first.startswith(f"prep:{TEAM}:{USER}:")
    assert snooze.root_key(first) == snooze.root_key(second) == snooze.root_key(long)
    assert second.endswith(":snooze:2") and snooze.snooze_index(second) == 2


def test_a_prep_with_no_guide_no_snooze_room_and_no_series_has_no_empty_button_row(
    frozen_time: time_machine.Traveller, library: ContentLibrary,
) -> None:
    from zoneinfo import ZoneInfo

    from slackapp.views.deliveries import RenderContext
    from slackapp.views.nudges import prep_message

    start = MONDAY_10AM + timedelta(minutes=3)  # no snooze option fits before the start
    payload = {"guide_id": "no-such-guide", "title": "Sync", "start": start.isoformat(),
               "end": (start + timedelta(minutes=30)).isoformat(), "not_after": start.isoformat()}
    message = prep_message(payload, RenderContext(content=library, tz=ZoneInfo("Europe/London"), now=MONDAY_10AM,
                                                  delivery_key="prep:T:U:x:y"))
    assert all(b.to_dict().get("elements") != [] for b in message.blocks)
