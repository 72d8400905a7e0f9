"""The WSGI application: /slack/events (every Slack request), OAuth routes, /healthz."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from slackapp.services import Services

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller; refuse anything absurd before parsing
StartResponse = Callable[..., Any]


def _plain(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def create_wsgi_app(app: App, services: Services) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def healthz(start_response: StartResponse) -> Iterable[bytes]:
        try:
            with services.db.session() as session:
                session.execute(text("SELECT 1"))
        except Exception:
            return _plain(start_response, "503 Service Unavailable", {"ok": False, "database": "unreachable"})
        return _plain(start_response, "200 OK", {"ok": True})

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return healthz(start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            return _plain(start_response, "413 Payload Too Large", {"ok": False})
        return slack(environ, start_response)

    return application
