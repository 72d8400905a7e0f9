"""The WSGI application: /slack/events (every Slack request), OAuth routes, /healthz."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy import text

from slackapp import webhook
from slackapp.ack_front import AckFront, Answer, InstalledCheck
from slackapp.domain.errors import FlowcoachError, NotFound
from slackapp.listeners.commands import COMMAND_ANSWERS
from slackapp.listeners.lazy import dispatch_after_response, hold_work_until_response_sent
from slackapp.oauth_store import EncryptedInstallationStore
from slackapp.routes import RoutedApp, Routes
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


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """Lower-case, dash-separated header names, as Bolt's WSGI adapter reads them (values are strings there)."""
    return {name: str(value) for name, value in WsgiHttpRequest(environ).get_headers().items()}


def _send(start_response: StartResponse, answer: Answer) -> list[bytes]:
    status = HTTPStatus(answer.status)
    start_response(f"{status.value} {status.phrase}",
                   [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))])
    return [answer.body]


def _send_bolt(start_response: StartResponse, response: BoltResponse) -> Iterable[bytes]:
    wsgi = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(wsgi.status, wsgi.get_headers())
    return wsgi.get_body()


def _installed_check(services: Services) -> InstalledCheck | None:
    store = services.installation_store
    if not isinstance(store, EncryptedInstallationStore):
        return None  # one workspace, one token: Bolt checked it at start-up
    return lambda context: store.has_bot(enterprise_id=context.enterprise_id, team_id=context.team_id,
                                         is_enterprise_install=context.is_enterprise_install)


def create_wsgi_app(app: App, services: Services) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)  # the OAuth routes
    routes = app.routes if isinstance(app, RoutedApp) else Routes()
    front = AckFront(services.settings.signing_secret, routes=routes, command_answers=COMMAND_ANSWERS,
                     is_installed=_installed_check(services))

    def answer_slack(environ: dict[str, Any], start_response: StartResponse,
                     length: int) -> tuple[Iterable[bytes], list[Callable[[], object]]]:
        """The answer, and the work to start once it is sent."""
        body = environ["wsgi.input"].read(length) if length else b""
        verdict = front.decide(body, _headers(environ), environ.get("QUERY_STRING", ""))
        request, answer = verdict.request, verdict.answer
        if request is not None and answer is None:  # the answer comes from a listener
            with hold_work_until_response_sent() as held:
                return _send_bolt(start_response, app.dispatch(request)), held
        assert answer is not None
        if request is not None and answer.dispatch_after:
            return _send(start_response, answer), [lambda: dispatch_after_response(app, request, services)]
        return _send(start_response, answer), []

    def slack_events(environ: dict[str, Any], start_response: StartResponse, length: int) -> Iterable[bytes]:
        pool = services.background  # work after an ack gives way while this request waits for its answer
        pool.answering()
        try:
            sent, work = answer_slack(environ, start_response, length)
        except BaseException:
            pool.answered()
            raise
        return _ThenRun(sent, [pool.answered, *work])

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
            return slack_events(environ, start_response, length)
        return slack(environ, start_response)

    return application
