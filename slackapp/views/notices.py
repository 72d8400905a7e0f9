"""A notice: a message rendered when a colleague acted (e.g. "ravi declined"), delivered through the outbox.

The payload carries the rendered message (``text`` and ``blocks``), so the outbox can hold it back for
the recipient's working hours, pause or do-not-disturb and still send exactly what was meant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block

from slackapp.views.blocks import Message

if TYPE_CHECKING:
    from slackapp.views.deliveries import RenderContext, Renderer

NOTICE = "notice"


def notice_payload(message: Message, *, thread_ts: str | None = None, broadcast: bool = False) -> dict[str, Any]:
    payload: dict[str, Any] = message.to_kwargs()
    if thread_ts:
        payload["thread_ts"] = thread_ts
        if broadcast:
            payload["reply_broadcast"] = True
    return payload


def notice_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    blocks = [b for b in (Block.parse(raw) for raw in payload.get("blocks") or []) if b is not None]
    return Message(text=str(payload.get("text") or "A message from Flowcoach"), blocks=blocks)


RENDERERS: dict[str, Renderer] = {NOTICE: notice_message}
