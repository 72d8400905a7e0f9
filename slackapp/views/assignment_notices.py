"""Messages posted because someone did something with a micro-assignment: the learner's question (in
the card's thread and to the person asked), the submitted work, a decline, a cancellation, a change."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slackapp.views.assignment_text import escape, quote, when
from slackapp.views.blocks import MAX_SECTION_TEXT, Message, clip, context, section


def question_in_thread(*, learner_id: str, asked_id: str, text: str, reached: bool = True) -> Message:
    body = f"*You asked <@{asked_id}>:*\n{quote(text)}"
    note = (f"I sent it to <@{asked_id}> as a direct message; they'll answer you directly." if reached
            else f"I couldn't reach <@{asked_id}> in Slack just now — message them directly, please.")
    return Message(text=f"You asked a question: {clip(text, 200)}", blocks=[
        section(clip(body, MAX_SECTION_TEXT)), context(note)])


def question_to_asked(*, learner_id: str, title: str, text: str) -> Message:
    body = f"<@{learner_id}> has a question about *{escape(title)}*:\n{quote(text)}"
    return Message(text=f"A question about {title}", blocks=[
        section(clip(body, MAX_SECTION_TEXT)),
        context(f"Reply in this thread for your notes, and answer <@{learner_id}> in a direct message."),
    ])


def submitted_in_thread(*, version: int, late: bool, summary: str, link: str | None,
                        self_level: int | None) -> Message:
    """The learner's own record of what they handed in, in the card's thread (review feedback follows)."""
    head = f"*You submitted version {version}*" + (" (late)" if late else "")
    parts = [head, quote(summary)]
    if link:
        shown = f"<{link}>" if link.startswith(("https://", "http://")) and "|" not in link and " " not in link \
            else escape(link)
        parts.append(f"*Link or file:* {shown}")
    if self_level:
        parts.append(f"*Your self-assessment:* level {self_level}")
    return Message(text=f"You submitted version {version}", blocks=[section(clip("\n".join(parts), MAX_SECTION_TEXT))])


def declined_notice(*, learner_id: str, title: str, reason: str) -> Message:
    text = f"<@{learner_id}> declined *{escape(title)}*: “{escape(reason)}”"
    return Message(text=f"Declined: {title}", blocks=[section(clip(text, MAX_SECTION_TEXT))])


def cancelled_notice(*, actor_id: str, reason: str) -> Message:
    text = f"<@{actor_id}> cancelled this assignment: “{escape(reason)}” Nothing more to do here."
    return Message(text="This assignment was cancelled", blocks=[section(clip(text, MAX_SECTION_TEXT))])


def reassigned_notice(*, actor_id: str, due_at: datetime | None, reviewer_id: str | None, tz: ZoneInfo) -> Message:
    parts = []
    if due_at is not None:
        parts.append(f"the new due time is *{when(due_at, tz)}* (your time)")
    if reviewer_id is not None:
        parts.append(f"<@{reviewer_id}> will review it")
    text = f"<@{actor_id}> changed this assignment: " + " and ".join(parts) + "."
    return Message(text="Your assignment changed", blocks=[section(text)])
