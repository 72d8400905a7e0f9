"""Small text helpers of the nudges: escaping, times, content lookups, headlines and packing text
into Slack's section limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slackapp.clock import parse_timestamp
from slackapp.views.blocks import MAX_SECTION_TEXT, clip
from slackapp.views.deliveries import RenderContext

REFLECT_INVITE = "Two minutes of reflection now makes the next one better."


def escape(text: str) -> str:
    """Calendar titles are untrusted: no links, mentions or broken formatting in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*", "").strip()


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def _when(start: datetime, ctx: RenderContext) -> str:
    local, today = start.astimezone(ctx.tz), ctx.now.astimezone(ctx.tz).date()
    if local.date() == today:
        return f"at {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {local:%H:%M}"
    return f"on {local:%a %d %b} at {local:%H:%M}"


def lookup(content: Any, kind: str, item_id: Any) -> Any | None:
    """``content.<kind>(item_id)`` or None when the library has no such item (any more)."""
    finder = getattr(content, kind, None)
    if not item_id or finder is None:
        return None
    try:
        return finder(str(item_id))
    except (LookupError, ValueError):
        return None


def _moment_label(content: Any, moment_id: Any) -> str:
    moment = lookup(content, "moment", moment_id)
    name = str(getattr(moment, "name", "") or "").strip()
    if not name:
        return "meeting"
    return name[0].lower() + name[1:] if name[1:2].islower() else name


def _title(payload: dict[str, Any]) -> str:
    return escape(clip(str(payload.get("title") or ""), 200))


def prep_headline(payload: dict[str, Any], ctx: RenderContext) -> str:
    label, title = _moment_label(ctx.content, payload.get("moment_id")), _title(payload)
    start = parse_timestamp(payload.get("start"))
    subject = f"Your {label} *{title}*" if title else f"Your {label}"
    return f"{subject} starts {_when(start, ctx)}." if start else f"{subject} is coming up."


def reflect_headline(payload: dict[str, Any]) -> str:
    title = _title(payload)
    subject = f"*{title}*" if title else "your meeting"
    return f"How did {subject} go? {REFLECT_INVITE}"


def pack(paragraphs: Iterable[str], limit: int = MAX_SECTION_TEXT, sep: str = "\n") -> list[str]:
    """Join paragraphs into texts of at most ``limit`` characters, splitting over-long ones at spaces."""
    chunks: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _split_long(paragraph, limit):
            candidate = f"{current}{sep}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _split_long(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def checklist_texts(checklist: Sequence[str]) -> list[str]:
    return pack(f"• {item}" for item in checklist)
