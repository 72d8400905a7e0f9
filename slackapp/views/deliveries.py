"""Which message each outbox kind renders to. Workers call this; listeners never send proactively."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slackapp.views.blocks import Message
from slackapp.views.onboarding import welcome_message

Renderer = Callable[[dict[str, Any]], Message]

RENDERERS: dict[str, Renderer] = {
    "welcome": lambda _payload: welcome_message(),
}


class UnknownDeliveryKind(ValueError):
    pass


def render_delivery(kind: str, payload: dict[str, Any]) -> Message:
    try:
        renderer = RENDERERS[kind]
    except KeyError as exc:
        raise UnknownDeliveryKind(kind) from exc
    return renderer(payload)
