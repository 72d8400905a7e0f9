"""Global middleware: strict request verification, service injection, and Slack-retry de-duplication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware.request_verification import RequestVerification

from slackapp.clock import utcnow
from slackapp.domain import inbound, workspaces
from slackapp.services import Services


class StrictRequestVerification(RequestVerification):
    """Bolt's signature check, but a malformed timestamp is a 400 rather than an internal error."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        if req.mode == "http" and not self._can_skip(req.mode, req.body):
            timestamp = (req.headers.get("x-slack-request-timestamp") or [""])[0]
            if not timestamp.isdigit():
                return BoltResponse(status=400, body="invalid request timestamp")
        return super().process(req=req, resp=resp, next=next)


def drop_event_retries(services: Services) -> Callable[..., BoltResponse | None]:
    """Slack re-sends an event it thinks we missed; the event_id lets it take effect once."""

    def drop_retried_event(body: dict[str, Any], context: Any, next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with services.db.session() as session:
                if not inbound.claim_event(session, event_id=str(event_id), team_id=context.team_id, now=utcnow()):
                    return BoltResponse(status=200, body="")
        next()
        return None

    return drop_retried_event


def remember_workspaces(services: Services) -> Callable[..., None]:
    """Record each workspace the first time it talks to this process (cheap after the first request)."""
    known: set[str] = set()

    def remember_workspace(context: Any, next: Callable[[], None]) -> None:
        team_id = context.team_id
        if team_id and team_id not in known:
            with services.db.session() as session:
                workspace = workspaces.find(session, team_id)
                if workspace is None:
                    workspaces.ensure_active(session, team_id=team_id, now=utcnow(),
                                             enterprise_id=context.enterprise_id)
            known.add(team_id)
        next()

    return remember_workspace
