"""The calendar connection modal and the one-time "your calendar stopped working" message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.views.blocks import Message, actions, button, context, divider, section

if TYPE_CHECKING:
    from slackapp.views.deliveries import RenderContext, Renderer

HOW_TO_FIND = (
    "*Where to find your private calendar address*\n"
    "• *Google Calendar:* Settings → your calendar → *Integrate calendar* → "
    "*Secret address in iCal format*\n"
    "• *Outlook / Microsoft 365:* Settings → Calendar → Shared calendars → *Publish a calendar* → "
    "copy the *ICS* link\n"
    "• *Apple iCloud, Fastmail, Nextcloud and other CalDAV servers:* share or export the calendar as "
    "an ICS (iCalendar) link"
)
PRIVACY = ("The address is a secret: Flowcoach stores it encrypted, never shows it back in full, and only "
           "reads titles, times and attendee counts to recognise moments like 1:1s.")


@dataclass(frozen=True, slots=True)
class FeedStatus:
    url_hint: str
    status: str  # active | failing
    last_success_local: datetime | None
    last_error: str | None
    upcoming_7d: int | None


def _url_input(optional: bool) -> InputBlock:
    return InputBlock(
        block_id=ids.CALENDAR_URL_BLOCK,
        label=PlainTextObject(text="Private calendar address (ICS)"),
        element=PlainTextInputElement(action_id=ids.CALENDAR_URL_INPUT, max_length=2048,
                                      placeholder=PlainTextObject(text="https://…/basic.ics")),
        hint=PlainTextObject(text="Starts with https:// or webcal://"),
        optional=optional,
    )


def describe_status(feed: FeedStatus) -> str:
    if feed.status == "failing":
        return (f":warning: *Your calendar isn't syncing:* {feed.last_error or 'the last attempt failed'}\n"
                f"Address: `{feed.url_hint}`. I'm keeping the meetings I already knew about.")
    if feed.last_success_local is None:
        return f":hourglass_flowing_sand: Checking `{feed.url_hint}` …"
    found = "" if feed.upcoming_7d is None else f" · {feed.upcoming_7d} event(s) in the next 7 days"
    return (f":white_check_mark: *Connected* `{feed.url_hint}` · last synced "
            f"{feed.last_success_local:%a %d %b, %H:%M}{found}")


def connect_modal(feed: FeedStatus | None) -> View:
    blocks: list[Any] = []
    if feed is not None:
        blocks += [section(describe_status(feed)),
                   actions(button("Disconnect this calendar", ids.CALENDAR_DISCONNECT, style="danger")),
                   divider(), section("*Replace it with another address* (optional)")]
    else:
        blocks.append(section("Connect your calendar and I'll send a short prep checklist before moments that "
                              "matter — 1:1s, feedback conversations, presentations, interviews — and a "
                              "two-minute reflection prompt after them."))
    blocks += [_url_input(optional=feed is not None), context(HOW_TO_FIND), context(PRIVACY)]
    return View(type="modal", callback_id=ids.CALENDAR_MODAL, title=PlainTextObject(text="Connect your calendar"),
                submit=PlainTextObject(text="Connect"), close=PlainTextObject(text="Close"), blocks=blocks)


def checking_modal(url_hint: str) -> View:
    return View(type="modal", callback_id=ids.CALENDAR_MODAL, title=PlainTextObject(text="Connect your calendar"),
                close=PlainTextObject(text="Done"),
                blocks=[section(f":hourglass_flowing_sand: Saved. Reading `{url_hint}` now — this takes a few "
                                "seconds. You can close this window; the result also shows on my Home tab.")])


def result_modal(feed: FeedStatus) -> View:
    lines = [describe_status(feed)]
    if feed.status == "active" and feed.upcoming_7d == 0:
        lines.append("No events in the next 7 days — if that's wrong, check it's the right calendar's address.")
    return View(type="modal", callback_id=ids.CALENDAR_MODAL, title=PlainTextObject(text="Connect your calendar"),
                close=PlainTextObject(text="Done"), blocks=[section("\n".join(lines))],
                private_metadata=json.dumps({"done": True}))


def feed_failed_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    reason = str(payload.get("reason") or "it stopped answering")
    hint = str(payload.get("url_hint") or "your calendar")
    text = (f"I can't read your calendar (`{hint}`) any more: {reason}\n"
            "I'll keep the meetings I already knew about and keep trying quietly. To fix it, connect the address "
            "again with `/coach calendar` (the link may have been reset).")
    return Message(text="Flowcoach can't read your calendar any more", blocks=[
        section(text), actions(button("Reconnect calendar", ids.CALENDAR_OPEN, "feed_failed"))])


RENDERERS: dict[str, Renderer] = {"feed_failed": feed_failed_message}
