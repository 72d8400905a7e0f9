"""The learner's micro-assignment card in every state, and the reminders before the due time.

Every button on a card carries the assignment id as its value. Pure builders: no database, no Slack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block

from slackapp import ids
from slackapp.clock import parse_timestamp
from slackapp.domain.assignment_queries import CardStatus, offered_status
from slackapp.views.assignment_text import STATE_WORDS, _labelled, _lines, _title, escape, quote, when
from slackapp.views.blocks import MAX_SECTION_TEXT, Message, button, clip, context, header, section
from slackapp.views.deliveries import RenderContext
from slackapp.views.nudges import snooze_select


def _meta_line(payload: Mapping[str, Any]) -> str:
    competency = escape(str(payload.get("competency_name") or payload.get("competency_id") or ""))
    skill = escape(str(payload.get("skill_name") or payload.get("skill_id") or ""))
    effort = payload.get("effort_minutes")
    work = f" · about {effort} min of work" if effort else ""
    return f"Micro-assignment · *{competency}* › {skill}{work}"


def _context_blocks(payload: Mapping[str, Any], status: CardStatus) -> list[Block]:
    note = str(payload.get("context_note") or "").strip()
    permalink = str(payload.get("context_permalink") or "")
    link = f"\n<{permalink}|The message this is about>" if permalink.startswith("https://") else ""
    if status.self_practice:
        text = f"*Your goal*\n{quote(note)}" if note else ""
        return [section(clip(text + link, MAX_SECTION_TEXT))] if text or link else []
    text = f"*Context from <@{status.assigned_by}>*\n{quote(note)}" if note else f"*From <@{status.assigned_by}>*"
    return [section(clip(text, MAX_SECTION_TEXT - len(link)) + link)]


def _body(payload: Mapping[str, Any], status: CardStatus) -> list[Block]:
    blocks: list[Block] = [header(_title(payload)), context(_meta_line(payload))]
    if payload.get("why"):
        blocks += _labelled("Why it matters", escape(str(payload["why"])))
    if payload.get("instructions"):
        blocks += _labelled("What to do", _lines(payload["instructions"], numbered=True))
    if payload.get("deliverable"):
        blocks += _labelled("What to hand in", escape(str(payload["deliverable"])))
    if payload.get("success_criteria"):
        blocks += _labelled("Success looks like", _lines(payload["success_criteria"], numbered=False))
    blocks += _context_blocks(payload, status)
    if status.reviewer_id:
        who = "you chose" if status.self_practice else "reviewer"
        blocks.append(context(f"Review by <@{status.reviewer_id}> ({who})."))
    return blocks


def status_line(status: CardStatus, tz: ZoneInfo | None) -> str:
    """The card's state in one line. ``tz`` None (a caller that doesn't know the learner's zone) leaves
    the times out rather than showing them in the wrong zone."""
    due = when(status.due_at, tz) if tz is not None else ""
    if status.state == "offered":
        return f"*Due {due}* (your time). Will you take it on?" if due else "Will you take it on?"
    if status.state == "accepted":
        return f"✅ *Accepted* — due {due}" if due else "✅ *Accepted*"
    if status.state == "declined":
        return f"You declined this: “{escape(status.decline_reason or '')}”"
    if status.state == "submitted":
        late = " (late)" if status.late else ""
        promise = f" (promised by {when(status.review_due_at, tz)})" if status.review_due_at and tz else ""
        return f"📨 *Submitted{late}* — waiting for <@{status.reviewer_id}>'s review{promise}."
    if status.state == "changes_requested":
        return (f"✏️ *Changes requested* by <@{status.reviewer_id}> — the feedback is in this thread. "
                "Submit again when you're ready" + (f" (due {due})." if due else "."))
    if status.state == "reviewed":
        return f"🎉 *Reviewed* by <@{status.reviewer_id}> — the feedback is in this thread."
    if status.state == "cancelled":
        note = escape(status.close_note or "")
        if status.closed_by and status.closed_by != status.learner_id:
            return f"🚫 *Cancelled* by <@{status.closed_by}>" + (f": {note}" if note else ".")
        return "🚫 *Cancelled*" + (f": {note}" if note else ".")
    return status.state.replace("_", " ")


def _card_actions(status: CardStatus) -> list[Block]:
    value = str(status.assignment_id)
    ask = button("Ask a question", ids.ASSIGNMENT_QUESTION, value)
    if status.state == "offered":
        return [ActionsBlock(elements=[button("Accept", ids.ASSIGNMENT_ACCEPT, value, style="primary"),
                                       button("Decline", ids.ASSIGNMENT_DECLINE, value), ask])]
    if status.state in ("accepted", "changes_requested"):
        label = "Submit again" if status.state == "changes_requested" else "Submit"
        return [ActionsBlock(elements=[button(label, ids.ASSIGNMENT_SUBMIT, value, style="primary"), ask])]
    return []


def fallback_text(payload: Mapping[str, Any], status: CardStatus, tz: ZoneInfo | None) -> str:
    title = _title(payload)
    if status.state == "offered":
        source = "Your practice" if status.self_practice else f"New micro-assignment from <@{status.assigned_by}>"
        return f"{source}: {title}" + (f" — due {when(status.due_at, tz)}" if tz is not None else "")
    return f"{title}: {STATE_WORDS.get(status.state, status.state)}"


def learner_card(payload: Mapping[str, Any], status: CardStatus, tz: ZoneInfo | None) -> Message:
    """The learner's DM card for the assignment's current state. Open states keep the whole task in
    view; closed ones shrink to the title and what happened. Only usable buttons are shown."""
    closed = status.state in ("declined", "cancelled")
    blocks = [header(_title(payload)), context(_meta_line(payload))] if closed else _body(payload, status)
    blocks.append(section(status_line(status, tz)))
    blocks += _card_actions(status)
    return Message(text=fallback_text(payload, status, tz), blocks=blocks)


def offer_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    return learner_card(payload, offered_status(payload), ctx.tz)


def reminder_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    due = parse_timestamp(payload.get("due_at"))
    title = escape(_title(payload))
    text = f"⏰ *{title}* is due {when(due, ctx.tz)} (your time)." if due else f"⏰ *{title}* is due soon."
    return Message(text=f"Reminder: {_title(payload)}", blocks=[
        section(text + " Done already? Submit it here — a few lines are enough."),
        ActionsBlock(elements=[e for e in (
            button("Submit", ids.ASSIGNMENT_SUBMIT, str(payload.get("assignment_id") or ""), style="primary"),
            snooze_select(ctx, payload)) if e is not None]),
    ])


def reminder_done(payload: Mapping[str, Any], state: str) -> Message:
    """A sent reminder once the assignment has moved on: no Submit button left to click."""
    text = f"⏰ *{escape(_title(payload))}* — {STATE_WORDS.get(state, state)}. Nothing more to do here."
    return Message(text=f"{_title(payload)}: {STATE_WORDS.get(state, state)}", blocks=[section(text)])
