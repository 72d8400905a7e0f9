"""Which message each outbox kind renders to. Workers call this; listeners never send proactively.

Each feature's view module exports ``RENDERERS``; they are merged here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slackapp.views.blocks import Message
from slackapp.views.onboarding import welcome_message


@dataclass(frozen=True, slots=True)
class RenderContext:
    content: Any  # slackapp.content.ContentLibrary
    tz: ZoneInfo  # the recipient's zone, for local times
    now: datetime
    delivery_key: str


Renderer = Callable[[dict[str, Any], RenderContext], Message]


class UnknownDeliveryKind(ValueError):
    pass


def _renderers() -> dict[str, Renderer]:
    from slackapp.views import assignments, calendar, debriefs, notes, notices, nudges, reviews, team

    merged: dict[str, Renderer] = {"welcome": lambda _payload, _ctx: welcome_message()}
    for module in (calendar, notes, notices, nudges, team, assignments, reviews, debriefs):
        merged.update(module.RENDERERS)
    return merged


def render_delivery(kind: str, payload: dict[str, Any], ctx: RenderContext) -> Message:
    try:
        renderer = _renderers()[kind]
    except KeyError as exc:
        raise UnknownDeliveryKind(kind) from exc
    return renderer(payload, ctx)
