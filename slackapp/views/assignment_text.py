"""Text helpers shared by the micro-assignment views: escaping free text, quoting, times in the
reader's zone, labelled sections that respect Slack's section limit, and the words for each state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackapp.views.blocks import MAX_SECTION_TEXT, section

STATE_WORDS = {"offered": "waiting for an answer", "accepted": "accepted", "submitted": "submitted",
               "changes_requested": "changes requested", "reviewed": "reviewed", "declined": "declined",
               "cancelled": "cancelled"}


def escape(text: str) -> str:
    """Free text typed by people (or written in content) never becomes a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    return "\n".join(f">{line}" if line.strip() else ">" for line in escape(text).splitlines())


def when(moment: datetime, tz: ZoneInfo) -> str:
    """``Tue 24 Nov, 17:30`` in the reader's zone."""
    return f"{moment.astimezone(tz):%a %d %b, %H:%M}"


def _title(payload: Mapping[str, Any]) -> str:
    return str(payload.get("title") or "Micro-assignment")


def _lines(items: Iterable[Any], *, numbered: bool) -> str:
    return "\n".join(f"{n}. {escape(str(item))}" if numbered else f"• {escape(str(item))}"
                     for n, item in enumerate(items, start=1))


def _labelled(label: str, body: str) -> list[Block]:
    """A bold label and its body, split over as many sections as Slack's 3,000 characters need."""
    text = f"*{label}*\n{body}"
    if len(text) <= MAX_SECTION_TEXT:
        return [section(text)]
    blocks: list[Block] = [section(f"*{label}*")]
    while body:
        cut = body.rfind("\n", 0, MAX_SECTION_TEXT)
        cut = cut if cut > 0 else MAX_SECTION_TEXT
        blocks.append(section(body[:cut]))
        body = body[cut:].lstrip("\n")
    return blocks
