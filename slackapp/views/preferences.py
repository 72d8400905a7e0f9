"""Preferences views: the working-hours modal and the `/coach why` answer."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    TimePickerElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.views.blocks import Message, context, header, section

DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_WHY_ITEMS = 10


def hhmm(minute: int) -> str:
    minute = max(0, min(minute, 24 * 60 - 1))
    return f"{minute // 60:02d}:{minute % 60:02d}"


def day_options() -> list[Option]:
    return [Option(value=str(i), label=label) for i, label in enumerate(DAY_LABELS)]


def hours_modal(*, days: Sequence[int], start_minute: int, end_minute: int, tz: str) -> View:
    options = day_options()
    chosen = [options[d] for d in sorted(set(days)) if 0 <= d < len(options)]
    return View(
        type="modal", callback_id=ids.HOURS_MODAL, title=PlainTextObject(text="Working hours"),
        submit=PlainTextObject(text="Save"), close=PlainTextObject(text="Cancel"),
        blocks=[
            section(f"Nudges that aren't tied to a meeting arrive only inside these hours, in your time zone "
                    f"(*{tz}*, from your Slack profile). Prep and reflection follow your meetings."),
            InputBlock(block_id=ids.HOURS_DAYS_BLOCK, label=PlainTextObject(text="Working days"),
                       element=CheckboxesElement(action_id=ids.HOURS_DAYS, options=options,
                                                 initial_options=chosen or None)),
            InputBlock(block_id=ids.HOURS_START_BLOCK, label=PlainTextObject(text="Start"),
                       element=TimePickerElement(action_id=ids.HOURS_START, initial_time=hhmm(start_minute))),
            InputBlock(block_id=ids.HOURS_END_BLOCK, label=PlainTextObject(text="End"),
                       element=TimePickerElement(action_id=ids.HOURS_END, initial_time=hhmm(end_minute))),
        ],
    )


def escape(text: str) -> str:
    """Slack mrkdwn control characters in text that came from people (meeting titles)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def why_message(entries: Sequence[tuple[str, Sequence[str]]]) -> Message:
    """``entries``: (headline, explanation lines) for each recent proactive message, newest first."""
    if not entries:
        text = ("I haven't sent or held back anything for you yet. When I do, `/coach why` shows what and why.")
        return Message(text=text, blocks=[section(text)])
    blocks: list[Block] = [header("Why you got (or didn't get) my recent messages")]
    for title, lines in entries[:MAX_WHY_ITEMS]:
        blocks.append(section(f"*{escape(title)}*\n" + "\n".join(f"• {escape(line)}" for line in lines)))
    blocks.append(context("I only message you inside your working hours (meeting prep and reflection follow the "
                          "meeting), never in do-not-disturb, while you're away or paused, and at most your weekly "
                          "limit. Change this on my Home tab."))
    return Message(text=f"Your last {len(entries[:MAX_WHY_ITEMS])} proactive messages and why", blocks=blocks)
