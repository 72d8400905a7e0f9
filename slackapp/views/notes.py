"""Notes about Flowcoach itself: the one-time "I'll send fewer nudges for a week" note."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from slackapp import ids
from slackapp.clock import ensure_utc
from slackapp.views.blocks import Message, actions, button, context, section

if TYPE_CHECKING:
    from slackapp.views.deliveries import RenderContext, Renderer

BACKOFF_TEXT = ("I've noticed my last few nudges weren't useful, so I'll send fewer for a week. "
                "Tell me what would help: `/coach status`")


def backoff_note(payload: dict[str, Any], ctx: RenderContext) -> Message:
    blocks: list[Any] = [section(BACKOFF_TEXT)]
    raw = payload.get("backoff_until")
    if raw:
        until = ensure_utc(datetime.fromisoformat(str(raw))).astimezone(ctx.tz)
        blocks.append(context(f"Until {until:%a %d %b}, only prep and reflection for meetings you use them for. "
                              "`/coach why` shows what I held back and why."))
    blocks.append(actions(button("Back to normal", ids.RESUME, "backoff_note", style="primary"),
                          button("Pause for a week", ids.PAUSE_WEEK, "backoff_note")))
    return Message(text="I'll send fewer nudges for a week", blocks=blocks)


RENDERERS: dict[str, Renderer] = {"backoff_note": backoff_note}
