"""POST /calendar/events: signed pushes from automation tools become occurrences with nudges."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
import time_machine
from sqlalchemy import select

from slackapp.db.models import CalendarOccurrence, Delivery
from slackapp.emulator.web_api import FakeSlack
from slackapp.server import BackgroundServer
from slackapp.services import Services
from slackapp.webhook import sign

SECRET = "webhook-secret"
ONE_ON_ONE = {"person": {"email": "ravi@example.com"}, "event_id": "evt-1", "title": "Ravi / Maria 1:1",
              "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T10:30:00Z", "attendee_count": 2,
              "status": "confirmed", "organizer": "maria@example.com"}


@pytest.fixture
def webhook_services(services: Services) -> Iterator[Services]:
    services.settings = replace(services.settings, calendar_webhook_secret=SECRET)
    yield services


def push(server: BackgroundServer, payload: Any, *, secret: str = SECRET, timestamp: str | None = None,
         raw: bytes | None = None) -> requests.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    ts = timestamp or str(int(time.time()))
    return requests.post(server.url + "/calendar/events", data=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Flowcoach-Request-Timestamp": ts,
        "X-Flowcoach-Signature": sign(secret, ts, body)})


def _deliveries(services: Services) -> dict[str, Delivery]:
    with services.db.session() as session:
        return {d.kind: d for d in session.scalars(select(Delivery))}


def test_a_pushed_one_on_one_gets_prep_and_reflection_nudges(
    frozen_time: time_machine.Traveller, webhook_services: Services, app_server: BackgroundServer,
    fake_slack: FakeSlack,
) -> None:
    reply = push(app_server, {"team_id": "T0001", **ONE_ON_ONE})
    assert reply.status_code == 202, reply.text
    assert reply.json()["events"] == [{"event_id": "evt-1", "user_id": "UREPORT1", "moment": "one-on-one",
                                       "status": "CONFIRMED"}]
    assert fake_slack.calls_to("users.lookupByEmail")  # resolved through Slack the first time
    deliveries = _deliveries(webhook_services)
    assert deliveries["prep"].due_at.isoformat() == "2026-11-24T09:45:00+00:00"
    assert deliveries["reflect"].due_at.isoformat() == "2026-11-24T10:40:00+00:00"
    # The same event pushed again, moved by an hour, moves its nudges; cancelled, it cancels them.
    moved = {**ONE_ON_ONE, "team_id": "T0001", "start": "2026-11-24T11:00:00Z", "end": "2026-11-24T11:30:00Z"}
    assert push(app_server, moved).status_code == 202
    assert _deliveries(webhook_services)["prep"].due_at.isoformat() == "2026-11-24T10:45:00+00:00"
    assert push(app_server, {**moved, "status": "cancelled"}).status_code == 202
    assert {d.state for d in _deliveries(webhook_services).values()} == {"cancelled"}
    with webhook_services.db.session() as session:
        assert len(session.scalars(select(CalendarOccurrence)).all()) == 1


@pytest.mark.parametrize(("mutate", "status", "error"), [
    (lambda p: {**p, "start": "tomorrow"}, 400, "start must be an ISO 8601"),
    (lambda p: {**p, "start": "2026-11-24T10:00:00"}, 400, "start needs a UTC offset"),
    (lambda p: {**p, "end": "2026-11-24T09:00:00Z"}, 400, "end is before start"),
    (lambda p: {**p, "person": {}}, 400, "person needs slack_id or email"),
    (lambda p: {**p, "status": "maybe"}, 400, "status must be"),
    (lambda p: {**p, "person": {"email": "nobody@example.com"}}, 404, "no Slack user"),
    (lambda p: {"team_id": "T0001", "events": [p] * 101}, 400, "between 1 and 100"),
])
def test_bad_pushes_get_a_clear_error_and_store_nothing(
    frozen_time: time_machine.Traveller, webhook_services: Services, app_server: BackgroundServer,
    mutate: Any, status: int, error: str,
) -> None:
    reply = push(app_server, mutate({"team_id": "T0001", **ONE_ON_ONE}))
    assert reply.status_code == status
    assert error in reply.json()["error"]
    assert _deliveries(webhook_services) == {}


def test_signatures_timestamps_and_bodies_are_checked(
    webhook_services: Services, app_server: BackgroundServer
) -> None:
    assert push(app_server, ONE_ON_ONE, secret="wrong").status_code == 401
    assert push(app_server, ONE_ON_ONE, timestamp=str(int(time.time()) - 600)).status_code == 401
    assert push(app_server, ONE_ON_ONE, timestamp="soon").status_code == 401
    assert push(app_server, None, raw=b"not json").status_code == 400
    assert push(app_server, None, raw=b"[1, 2]").status_code == 400
    assert push(app_server, None, raw=b"{" + b" " * 300_000 + b"}").status_code == 413
    assert requests.get(app_server.url + "/calendar/events", timeout=5).status_code == 405
    assert _deliveries(webhook_services) == {}


def test_the_webhook_is_off_without_a_secret(services: Services, app_server: BackgroundServer) -> None:
    reply = push(app_server, ONE_ON_ONE)
    assert reply.status_code == 401 and "not enabled" in reply.json()["error"]
