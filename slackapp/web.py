"""The WSGI application: /slack/events (every Slack request), OAuth routes, /healthz."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from slackapp import webhook
from slackapp.domain.errors import FlowcoachError, NotFound
from slackapp.listeners.lazy import hold_work_until_response_sent
from slackapp.services import Services

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller; refuse anything absurd before parsing
StartResponse = Callable[..., Any]


def _plain(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class _ThenRun:
    """A WSGI response whose ``close()`` (called by the server after sending it) starts held work."""

    def __init__(self, body: Iterable[bytes], work: list[Callable[[], object]]) -> None:
        self._body, self._work = body, work

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        for start in self._work:
            start()


_OBJECT_FIELDS = ("team", "enterprise", "container", "view")


def malformed(body: bytes, content_type: str) -> bool:
    """True for a body Bolt would crash on instead of answering: not a JSON object (directly, or form-encoded
    as ``payload=<json>``), or a field Bolt dereferences without checking that has the wrong shape."""
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body) if body.strip() else {}
        else:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            if "payload" not in fields:
                return False  # a slash command: plain form fields
            data = json.loads(fields["payload"][0])
    except (ValueError, UnicodeDecodeError):
        return True
    if not isinstance(data, dict):
        return True
    if "event" in data and not isinstance(data["event"], dict):
        return True
    actions = data.get("actions", [])
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        return True
    return any(data.get(k) is not None and not isinstance(data[k], dict) for k in _OBJECT_FIELDS)


def create_wsgi_app(app: App, services: Services) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def healthz(start_response: StartResponse) -> Iterable[bytes]:
        try:
            with services.db.session() as session:
                session.execute(text("SELECT 1"))
        except Exception:
            return _plain(start_response, "503 Service Unavailable", {"ok": False, "database": "unreachable"})
        return _plain(start_response, "200 OK", {"ok": True})

    def calendar_webhook(environ: dict[str, Any], start_response: StartResponse, length: int) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _plain(start_response, "405 Method Not Allowed", {"ok": False, "error": "use POST"})
        if length > webhook.MAX_BODY_BYTES:
            return _plain(start_response, "413 Payload Too Large", {"ok": False, "error": "body too large"})
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            webhook.verify(services.settings.calendar_webhook_secret,
                           timestamp=environ.get("HTTP_X_FLOWCOACH_REQUEST_TIMESTAMP", ""),
                           signature=environ.get("HTTP_X_FLOWCOACH_SIGNATURE", ""), body=body)
            results = webhook.ingest(services, body)
        except webhook.Unauthorized as exc:
            return _plain(start_response, "401 Unauthorized", {"ok": False, "error": str(exc)})
        except NotFound as exc:
            return _plain(start_response, "404 Not Found", {"ok": False, "error": exc.user_message})
        except FlowcoachError as exc:
            return _plain(start_response, "400 Bad Request", {"ok": False, "error": exc.user_message})
        return _plain(start_response, "202 Accepted", {"ok": True, "events": results})

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
        if path == webhook.WEBHOOK_PATH:
            return calendar_webhook(environ, start_response, length)
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = BytesIO(body)
            if malformed(body, environ.get("CONTENT_TYPE", "")):
                return _plain(start_response, "400 Bad Request", {"ok": False, "error": "malformed request"})
        with hold_work_until_response_sent() as held:
            response = slack(environ, start_response)
        return _ThenRun(response, held) if held else response

    return application
