"""The demo's calendar loop: connect a calendar, a prep nudge before a 1:1, a reflection after it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slackapp import clock, ids
from slackapp.demo.transcript import Transcript
from slackapp.emulator.calendar_feed import CalendarFeedServer
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack

BERLIN = ZoneInfo("Europe/Berlin")


def one_on_one_tomorrow() -> tuple[datetime, bytes]:
    day = (clock.utcnow().astimezone(BERLIN) + timedelta(days=1)).date()
    start = datetime.combine(day, time(10, 0), tzinfo=BERLIN)
    stamp = f"{day:%Y%m%d}"
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Flowcoach demo//EN\r\nBEGIN:VEVENT\r\n"
        "UID:ravi-maria-weekly@example.com\r\nDTSTAMP:20261101T090000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{stamp}T100000\r\nDTEND;TZID=Europe/Berlin:{stamp}T103000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Ravi / Maria 1:1\r\nORGANIZER:mailto:maria@example.com\r\n"
        "ATTENDEE:mailto:maria@example.com\r\nATTENDEE:mailto:ravi@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    return start, body


def _latest_view(fake: FakeSlack, callback_id: str) -> dict[str, Any]:
    return next(v for v in reversed(list(fake.open_views().values())) if v.get("callback_id") == callback_id)


def _button(message: dict[str, Any], action_id: str) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element.get("value", ""))
    raise AssertionError(f"no {action_id} button in the message")


def _dm_posts(fake: FakeSlack, user_id: str) -> int:
    return len([c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == fake.dm_channel(user_id)])


def calendar_loop(fake: FakeSlack, slack: SlackSender, out: Transcript, calendar: CalendarFeedServer) -> None:
    start, calendar.body = one_on_one_tomorrow()
    out.step("Ravi connects his calendar: /coach calendar, then pastes his private ICS address")
    slack.command("calendar", user_id="URAVI")
    fake.wait_for("views.open")
    modal = _latest_view(fake, ids.CALENDAR_MODAL)
    out.view("Ravi", "a modal", modal)
    updates = len(fake.calls_to("views.update"))
    slack.view_submission(modal, user_id="URAVI", values={
        ids.CALENDAR_URL_BLOCK: {ids.CALENDAR_URL_INPUT: {"type": "plain_text_input", "value": calendar.url}}})
    result = fake.wait_for("views.update", count=updates + 1, timeout=15)[-1].args["view"]
    out.view("Ravi", "the same modal a moment later (a worker read the calendar)", result)

    out.step("Fast-forward to tomorrow 09:45 in Berlin, 15 minutes before Ravi's 1:1 with Maria")
    posts = _dm_posts(fake, "URAVI")
    clock.fast_forward(start - timedelta(minutes=15))
    fake.wait_for("chat.postMessage", count=posts + 1, timeout=15,
                  predicate=lambda c: c.args.get("channel") == fake.dm_channel("URAVI"))
    nudge = fake.messages(fake.dm_channel("URAVI"))[-1]
    out.message("Ravi", "a DM from Flowcoach", nudge)

    out.step("Ravi clicks “Open full guide”")
    opened = len(fake.calls_to("views.open"))
    slack.block_action(ids.PREP_OPEN_GUIDE, user_id="URAVI", value=_button(nudge, ids.PREP_OPEN_GUIDE),
                       message=nudge)
    fake.wait_for("views.open", count=opened + 1)
    out.view("Ravi", "a modal", _latest_view(fake, ids.GUIDE_MODAL))

    out.step("Fast-forward to 10:40, ten minutes after the 1:1")
    posts = _dm_posts(fake, "URAVI")
    clock.fast_forward(start + timedelta(minutes=40))
    fake.wait_for("chat.postMessage", count=posts + 1, timeout=15,
                  predicate=lambda c: c.args.get("channel") == fake.dm_channel("URAVI"))
    prompt = fake.messages(fake.dm_channel("URAVI"))[-1]
    out.message("Ravi", "a DM from Flowcoach", prompt)

    out.step("Ravi clicks “Reflect now”, writes two lines and saves")
    opened = len(fake.calls_to("views.open"))
    slack.block_action(ids.REFLECT_OPEN, user_id="URAVI", value=_button(prompt, ids.REFLECT_OPEN), message=prompt)
    fake.wait_for("views.open", count=opened + 1)
    reflection = _latest_view(fake, ids.REFLECTION_MODAL)
    out.view("Ravi", "a modal", reflection)
    inputs = [b for b in reflection["blocks"] if b["type"] == "input" and b["block_id"] != ids.REFLECTION_SHARE_BLOCK]
    answers = ["Maria set the agenda and I mostly listened — she raised the on-call load herself.",
               "Ask about energy earlier; it took 20 minutes to get to the real topic."]
    values = {b["block_id"]: {b["element"]["action_id"]: {"type": "plain_text_input", "value": text}}
              for b, text in zip(inputs, answers, strict=False)}
    updates = len(fake.calls_to("chat.update"))
    slack.view_submission(reflection, user_id="URAVI", values=values)
    fake.wait_for("chat.update", count=updates + 1)
    out.message("Ravi", "the reflection prompt, updated in place", fake.messages(fake.dm_channel("URAVI"))[-1])
    out.note("the reflection is stored encrypted and only Ravi can read it; the analytics log records that one "
             "was saved, never what it says")
