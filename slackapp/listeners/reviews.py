"""Listeners for reviews (filled in by the micro-assignments work)."""

from __future__ import annotations

from slack_bolt import App

from slackapp.services import Services


def register(app: App, services: Services) -> None:
    return None
