"""Issue 3's "done when": the whole calendar loop over HTTP, as people and calendars would drive it.

A local fake calendar server serves a private ICS feed; the person connects it through /coach calendar; the
sync job finds tomorrow's 1:1 at 10:00 in the person's zone (New York); the prep nudge arrives at 09:45 local
(not during do-not-disturb, not while paused); the reflection prompt arrives after the meeting; the reflection
is saved privately. Moving and cancelling the meeting move and cancel the nudges.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.db.models import CalendarFeed, Delivery, Reflection
from slackapp.emulator.calendar_feed import CalendarFeedServer
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from tests.conftest import JobRunner

USER = "UNYC"
MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
PREP_AT = datetime(2026, 11, 24, 14, 45, tzinfo=UTC)  # Tuesday 09:45 New York
SECRET_PATH = "/private-7f3a9c2e/basic.ics"  # the calendar_server fixture's default path


def ics(start: str = "20261124T100000", end: str = "20261124T103000", status: str = "CONFIRMED") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Flowcoach tests//EN\r\n"
        "BEGIN:VEVENT\r\nUID:one-on-one-1@example.com\r\nDTSTAMP:20261120T120000Z\r\nSEQUENCE:0\r\n"
        f"DTSTART;TZID=America/New_York:{start}\r\nDTEND;TZID=America/New_York:{end}\r\n"
        f"SUMMARY:Dana / Maria 1:1\r\nSTATUS:{status}\r\n"
        "ORGANIZER:mailto:maria@example.com\r\nATTENDEE:mailto:maria@example.com\r\n"
        "ATTENDEE:mailto:dana@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.fixture
def loop(services: Services, fake_slack: FakeSlack, calendar_server: CalendarFeedServer) -> Services:
    calendar_server.body = ics()
    services.settings = replace(services.settings, feed_allowed_hosts=frozenset({"127.0.0.1"}))
    fake_slack.add_user(USER, name="dana", real_name="Dana Reyes", tz="America/New_York", email="dana@example.com")
    return services


def _elements(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if "action_id" in element:
                found[element["action_id"]] = element
    return found


def _answer(slack: SlackSender, fake_slack: FakeSlack, text: str) -> str:
    before = len(fake_slack.calls_to("response_url"))
    assert slack.command(text, user_id=USER).status == 200
    return str(fake_slack.wait_for("response_url", count=before + 1)[-1].args["text"])


def _dms(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    return fake_slack.messages(fake_slack.dm_channel(USER))


def connect(slack: SlackSender, fake_slack: FakeSlack, job_runner: JobRunner, url: str) -> dict[str, Any]:
    """Opt in, open /coach calendar, paste the address, let the worker read it; returns the result modal."""
    assert "Coaching is on" in _answer(slack, fake_slack, "start")
    assert slack.command("calendar", user_id=USER).status == 200
    fake_slack.wait_for("views.open")
    (view,) = fake_slack.open_views().values()
    assert view["callback_id"] == ids.CALENDAR_MODAL
    reply = slack.view_submission(view, user_id=USER, values={
        ids.CALENDAR_URL_BLOCK: {ids.CALENDAR_URL_INPUT: {"type": "plain_text_input", "value": url}}})
    assert reply.status == 200
    assert reply.json()["response_action"] == "update"
    assert SECRET_PATH not in json.dumps(reply.json())  # the secret address is never shown back in full
    job_runner.run()
    update = fake_slack.wait_for("views.update")[-1]
    return dict(update.args["view"])


def _delivery(services: Services, kind: str) -> Delivery:
    with services.db.session() as session:
        return session.scalars(select(Delivery).where(Delivery.kind == kind)).one()


def test_connect_nudge_before_reflect_after_and_save_privately(
    loop: Services, slack: SlackSender, fake_slack: FakeSlack, job_runner: JobRunner,
    calendar_server: CalendarFeedServer,
) -> None:
    with time_machine.travel(MONDAY, tick=True):
        result = connect(slack, fake_slack, job_runner, calendar_server.url)
        assert "Connected" in json.dumps(result) and "1 event(s) in the next 7 days" in json.dumps(result)
        assert calendar_server.requests == [SECRET_PATH]
        prep = _delivery(loop, "prep")
        assert prep.due_at == PREP_AT
        job_runner.dispatch_and_run()
        assert _dms(fake_slack) == []  # nothing before its time
    with time_machine.travel(datetime(2026, 11, 24, 14, 44, tzinfo=UTC), tick=True):
        job_runner.dispatch_and_run()
        assert _dms(fake_slack) == []
    with time_machine.travel(PREP_AT, tick=True):
        job_runner.dispatch_and_run()
        (nudge,) = _dms(fake_slack)
        text = json.dumps(nudge["blocks"])
        assert "Dana / Maria 1:1" in text and "10:00" in text  # the start in Dana's own time zone
        assert {ids.PREP_OPEN_GUIDE, ids.PREP_NOT_HELPFUL, ids.NUDGE_SNOOZE, ids.MUTE_SERIES} <= set(_elements(nudge))
    with time_machine.travel(datetime(2026, 11, 24, 15, 40, tzinfo=UTC), tick=True):  # 10:40, after the 1:1
        job_runner.dispatch_and_run()
        prompt = _dms(fake_slack)[-1]
        assert "How did *Dana / Maria 1:1* go?" in json.dumps(prompt["blocks"])
        reflect = _elements(prompt)[ids.REFLECT_OPEN]
        slack.block_action(ids.REFLECT_OPEN, user_id=USER, value=reflect.get("value", ""), message=prompt)
        fake_slack.wait_for("views.open", count=2)
        modal = next(v for v in fake_slack.open_views().values() if v.get("callback_id") == ids.REFLECTION_MODAL)
        first = next(b for b in modal["blocks"] if b["type"] == "input")
        answer = "Dana set the agenda; I listened more than I talked."
        reply = slack.view_submission(modal, user_id=USER, values={
            first["block_id"]: {first["element"]["action_id"]: {"type": "plain_text_input", "value": answer}}})
        assert reply.status == 200
        fake_slack.wait_for("chat.update", predicate=lambda c: "Saved privately" in json.dumps(c.args))
    with loop.db.session() as session:
        reflection = session.scalars(select(Reflection)).one()
        assert reflection.user_id == USER and not reflection.shared_with_manager
        assert answer not in reflection.encrypted_answers  # encrypted at rest
    assert fake_slack.validation_errors == []


def test_no_prep_during_do_not_disturb_or_while_paused(
    loop: Services, slack: SlackSender, fake_slack: FakeSlack, job_runner: JobRunner,
    calendar_server: CalendarFeedServer,
) -> None:
    with time_machine.travel(MONDAY, tick=True):
        connect(slack, fake_slack, job_runner, calendar_server.url)
    # Do-not-disturb from 09:30 to 10:30 New York covers the whole slot before the 10:00 start.
    fake_slack.set_dnd(USER, dnd_enabled=True, next_dnd_start_ts=int(datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
                                                                        .timestamp()),
                       next_dnd_end_ts=int(datetime(2026, 11, 24, 15, 30, tzinfo=UTC).timestamp()))
    with time_machine.travel(PREP_AT, tick=True):
        job_runner.dispatch_and_run()
    assert _dms(fake_slack) == []
    prep = _delivery(loop, "prep")
    assert prep.state in ("skipped", "scheduled")
    assert "do-not-disturb" in (prep.last_reason or "")
    with time_machine.travel(datetime(2026, 11, 24, 14, 59, tzinfo=UTC), tick=True):
        job_runner.dispatch_and_run()
    assert _dms(fake_slack) == []  # never a prep nudge once it is too late to help


def test_paused_people_get_no_prep(
    loop: Services, slack: SlackSender, fake_slack: FakeSlack, job_runner: JobRunner,
    calendar_server: CalendarFeedServer,
) -> None:
    with time_machine.travel(MONDAY, tick=True):
        connect(slack, fake_slack, job_runner, calendar_server.url)
        assert "Paused until" in _answer(slack, fake_slack, "pause 2026-11-26")
    with time_machine.travel(PREP_AT, tick=True):
        job_runner.dispatch_and_run()
    assert _dms(fake_slack) == []
    assert "pause" in (_delivery(loop, "prep").last_reason or "")


def test_moving_and_cancelling_the_meeting_moves_and_cancels_its_nudges(
    loop: Services, slack: SlackSender, fake_slack: FakeSlack, job_runner: JobRunner,
    calendar_server: CalendarFeedServer,
) -> None:
    from workers.calendar_jobs import sync_feed_now

    with time_machine.travel(MONDAY, tick=True):
        connect(slack, fake_slack, job_runner, calendar_server.url)
        with loop.db.session() as session:
            feed_id = session.scalars(select(CalendarFeed.id)).one()
        calendar_server.body = ics(start="20261124T130000", end="20261124T133000")  # moved to 13:00
        sync_feed_now(loop, feed_id, now=MONDAY)
        assert _delivery(loop, "prep").due_at == datetime(2026, 11, 24, 17, 45, tzinfo=UTC)
        assert _delivery(loop, "reflect").due_at == datetime(2026, 11, 24, 18, 40, tzinfo=UTC)
        sync_feed_now(loop, feed_id, now=MONDAY)  # an unchanged feed changes nothing
        assert _delivery(loop, "prep").due_at == datetime(2026, 11, 24, 17, 45, tzinfo=UTC)
        calendar_server.body = ics(start="20261124T130000", end="20261124T133000", status="CANCELLED")
        sync_feed_now(loop, feed_id, now=MONDAY)
        assert {_delivery(loop, kind).state for kind in ("prep", "reflect")} == {"cancelled"}
    with time_machine.travel(datetime(2026, 11, 24, 19, 0, tzinfo=UTC), tick=True):
        job_runner.dispatch_and_run()
    assert _dms(fake_slack) == []
