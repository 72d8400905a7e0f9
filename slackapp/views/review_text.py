"""Text helpers for the review messages: escaping, times, quotes and the submission's blocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackapp.clock import parse_timestamp
from slackapp.views.blocks import MAX_SECTION_TEXT, clip, section
from slackapp.views.deliveries import RenderContext
from slackapp.views.nudges import pack


def escape(text: Any) -> str:
    """Learner-, reviewer- and content-written text in mrkdwn: no stray links, mentions or markup breaks."""
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").strip()


def _title(payload: dict[str, Any]) -> str:
    return escape(clip(str(payload.get("title") or "your micro-assignment"), 200)).replace("*", "")


def local_when(moment: datetime, tz: ZoneInfo) -> str:
    """"Wed 25 Nov, 16:00" in the reader's zone."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b, %H:%M}"


def _hours(value: Any) -> str:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        return ""
    shown = f"{hours:g}"
    return f"{shown} working hour{'' if hours == 1 else 's'}"


def review_by_line(payload: dict[str, Any], ctx: RenderContext) -> str:
    due = parse_timestamp(payload.get("review_due_at"))
    if due is None:
        return "Please review it when you can."
    hours = _hours(payload.get("review_hours"))
    return f"Please review by {local_when(due, ctx.tz)}" + (f" ({hours})" if hours else "") + "."


def _quote(text: str) -> list[str]:
    """Multiline text as a mrkdwn quote (every piece of every line quoted), in section-sized chunks."""
    quoted = [f">{piece}" for line in escape(text).splitlines() for piece in (pack([line], limit=1000) or [""])]
    return pack(quoted or [">"], limit=MAX_SECTION_TEXT)


def _sections(texts: Sequence[str]) -> list[Block]:
    return [section(text) for text in texts if text]


def _submission_blocks(payload: dict[str, Any], *, with_criteria: bool = True) -> list[Block]:
    blocks: list[Block] = []
    summary = escape(payload.get("summary")) or "_(no description)_"
    blocks += _sections(pack(["*What they did*", *summary.splitlines()], limit=MAX_SECTION_TEXT))
    details = []
    if payload.get("link"):
        details.append(f"*Link or file:* {escape(clip(str(payload['link']), 1000))}")
    if payload.get("self_level"):
        name = escape(payload.get("self_level_name")) or f"Level {payload['self_level']}"
        details.append(f"*Their self-assessment:* {name} ({payload['self_level']} of 4)")
    if details:
        blocks.append(section("\n".join(details)))
    if with_criteria:
        criteria = [f"• {escape(c)}" for c in payload.get("success_criteria") or []]
        deliverable = escape(payload.get("deliverable"))
        lines = ([f"*Deliverable:* {deliverable}"] if deliverable else []) + (
            ["*Success criteria*", *criteria] if criteria else [])
        blocks += _sections(pack(lines))
    return blocks


def _subject(payload: dict[str, Any]) -> str:
    learner = f"<@{payload.get('learner_id')}>"
    version = int(payload.get("version") or 1)
    again = f" again (version {version}, after the changes you asked for)" if version > 1 else ""
    return f"{learner} submitted *{_title(payload)}*{again} for your review."


def _skill_line(payload: dict[str, Any]) -> str:
    parts = [escape(payload.get("competency_name")), escape(payload.get("skill_name"))]
    line = " › ".join(p for p in parts if p)
    if payload.get("late"):
        line = f"{line} · submitted after the due date" if line else "Submitted after the due date"
    return line
