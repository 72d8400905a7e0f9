"""POST /calendar/events: calendar events pushed by an automation tool, signed with a shared secret.

Signature: ``X-Flowcoach-Signature: v0=<hex HMAC-SHA256(secret, "v0:{timestamp}:{body}")>`` with
``X-Flowcoach-Request-Timestamp`` (Unix seconds, within 5 minutes) — the same scheme Slack uses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from slackapp.clock import utcnow
from slackapp.db.models import Person, Workspace
from slackapp.domain import occurrences, people
from slackapp.domain.errors import InvalidInput, NotFound
from slackapp.services import Services

WEBHOOK_PATH = "/calendar/events"
MAX_BODY_BYTES = 256_000
MAX_EVENTS = 100
WINDOW_SECONDS = 300
STATUSES = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED", "canceled": "CANCELLED"}


class Unauthorized(Exception):
    pass


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def verify(secret: str, *, timestamp: str, signature: str, body: bytes, now: float | None = None) -> None:
    if not secret:
        raise Unauthorized("the calendar webhook is not enabled (FLOWCOACH_CALENDAR_WEBHOOK_SECRET is unset)")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > WINDOW_SECONDS:
        raise Unauthorized("missing or stale X-Flowcoach-Request-Timestamp")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise Unauthorized("bad X-Flowcoach-Signature")


def _aware(value: Any, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{name} must be an ISO 8601 date-time with a UTC offset, like 2026-11-24T10:00:00Z") \
            from exc
    if parsed.tzinfo is None:
        raise InvalidInput(f"{name} needs a UTC offset (for example Z or +01:00)")
    return parsed


@dataclass(frozen=True, slots=True)
class PushedEvent:
    slack_id: str | None
    email: str | None
    event_id: str
    title: str
    start: datetime
    end: datetime
    attendee_count: int
    status: str
    organizer: str | None
    description: str

    def __post_init__(self) -> None:
        if not (self.slack_id or self.email):
            raise InvalidInput("person needs slack_id or email")
        if not self.event_id or len(self.event_id) > 255:
            raise InvalidInput("event_id is required (at most 255 characters)")
        if self.end < self.start:
            raise InvalidInput("end is before start")
        if not 0 <= self.attendee_count <= 10_000:
            raise InvalidInput("attendee_count must be between 0 and 10000")

    @classmethod
    def parse(cls, raw: Any) -> PushedEvent:
        if not isinstance(raw, dict):
            raise InvalidInput("each event must be a JSON object")
        person: dict[str, Any] = raw["person"] if isinstance(raw.get("person"), dict) else {}
        status = STATUSES.get(str(raw.get("status", "confirmed")).lower())
        if status is None:
            raise InvalidInput("status must be confirmed, tentative or cancelled")
        try:
            attendees = int(raw.get("attendee_count", 0))
        except (TypeError, ValueError) as exc:
            raise InvalidInput("attendee_count must be a number") from exc
        return cls(slack_id=(str(person["slack_id"]) if person.get("slack_id") else None),
                   email=(str(person["email"]).lower() if person.get("email") else None),
                   event_id=str(raw.get("event_id") or ""), title=str(raw.get("title") or "")[:500],
                   start=_aware(raw.get("start"), "start"), end=_aware(raw.get("end"), "end"),
                   attendee_count=attendees, status=status,
                   organizer=(str(raw["organizer"]).lower()[:320] if raw.get("organizer") else None),
                   description=str(raw.get("description") or "")[:2000])


def _team(services: Services, raw: dict[str, Any]) -> str:
    if raw.get("team_id"):
        return str(raw["team_id"])
    with services.db.session() as session:
        teams = session.scalars(select(Workspace.team_id).where(Workspace.active)).all()
    if len(teams) == 1:
        return teams[0]
    if services.settings.bot_token and not teams:
        return str(services.clients.for_team("").auth_test()["team_id"])
    raise InvalidInput("team_id is required when Flowcoach serves several workspaces")


def _user_id(services: Services, team_id: str, event: PushedEvent) -> str:
    if event.slack_id:
        return event.slack_id
    assert event.email is not None
    with services.db.session() as session:
        known = session.scalar(select(Person.user_id).where(Person.team_id == team_id, Person.email == event.email))
    if known:
        return known
    try:
        user = services.clients.for_team(team_id).users_lookupByEmail(email=event.email)["user"]
    except SlackApiError as exc:
        raise NotFound("no Slack user in this workspace has that email") from exc
    return str(user["id"])


def ingest(services: Services, body: bytes) -> list[dict[str, Any]]:
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("the body must be JSON") from exc
    if not isinstance(raw, dict):
        raise InvalidInput("the body must be a JSON object")
    items = raw["events"] if isinstance(raw.get("events"), list) else [raw]
    if not items or len(items) > MAX_EVENTS:
        raise InvalidInput(f"send between 1 and {MAX_EVENTS} events per request")
    team_id = _team(services, raw)
    events = [PushedEvent.parse(item) for item in items]  # all or nothing: validate every event first
    results = []
    for event in events:
        user_id = _user_id(services, team_id, event)
        now = utcnow()
        with services.db.session() as session:
            people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
            occ = occurrences.apply_pushed_occurrence(
                session, team_id=team_id, user_id=user_id, event_uid=event.event_id, title=event.title,
                start=event.start, end=event.end, attendee_count=event.attendee_count, status=event.status,
                organizer=event.organizer, description=event.description, content=services.content, now=now)
            results.append({"event_id": event.event_id, "user_id": user_id, "moment": occ.moment_id,
                            "status": occ.status})
    return results
