"""Messages and views for reviews (filled in by the micro-assignments work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slackapp.views.deliveries import Renderer

RENDERERS: dict[str, Renderer] = {}
