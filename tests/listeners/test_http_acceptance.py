"""Issue acceptance, checked from outside as a Slack workspace would: signed HTTP to /slack/events."""

from __future__ import annotations

import json
import time

import requests
from sqlalchemy import func, select

from slackapp.db.models import AnalyticsEvent, Delivery, Person, ProcessedEvent
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.server import BackgroundServer
from slackapp.services import Services


def test_coach_help_is_answered_in_the_ack_well_under_three_seconds(slack: SlackSender) -> None:
    started = time.monotonic()
    reply = slack.command("help", user_id="UREPORT1")
    elapsed = time.monotonic() - started
    assert reply.status == 200
    assert elapsed < 1.0
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"])
    for sub in ("help", "start", "stop", "pause", "resume", "status"):
        assert f"/coach {sub}" in text


def test_unknown_and_empty_subcommands_get_the_help_listing(slack: SlackSender) -> None:
    unknown = slack.command("dance", user_id="UREPORT1").json()
    assert "I don't know “dance”" in unknown["text"]
    assert "/coach status" in json.dumps(unknown["blocks"])
    empty = slack.command("", user_id="UREPORT1").json()
    assert "/coach pause" in json.dumps(empty["blocks"])


def test_app_home_opened_publishes_a_valid_home_view(slack: SlackSender, fake_slack: FakeSlack) -> None:
    assert slack.app_home_opened("UREPORT1").status == 200
    call = fake_slack.wait_for("views.publish")[0]
    assert call.args["user_id"] == "UREPORT1"
    view = fake_slack.home_view("UREPORT1")
    assert view is not None and view["type"] == "home"
    assert "Coaching is off" in json.dumps(view["blocks"])
    assert fake_slack.validation_errors == []


def _count(services: Services, model: type) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_bad_signatures_and_timestamps_are_refused_and_do_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T0001", "event_id": "EvBAD",
                       "event": {"type": "app_home_opened", "user": "UREPORT1", "tab": "home"}}).encode()
    wrong_secret = slack.post(body, content_type="application/json", secret="not-the-secret")
    stale = slack.post(body, content_type="application/json", timestamp=int(time.time()) - 6 * 60)
    not_a_number = slack.post(body, content_type="application/json", timestamp="yesterday")
    unsigned = requests.post(slack.events_url, data=body, headers={"Content-Type": "application/json"}, timeout=5)
    assert wrong_secret.status == 401
    assert stale.status == 401
    assert not_a_number.status == 400
    assert unsigned.status_code in (400, 401)
    time.sleep(0.3)
    assert fake_slack.calls_to("views.publish") == []
    assert _count(services, Person) == 0 and _count(services, ProcessedEvent) == 0


def test_a_retried_event_has_its_effect_once(slack: SlackSender, fake_slack: FakeSlack, services: Services) -> None:
    first = slack.app_home_opened("UREPORT1", event_id="Ev0000RETRY")
    fake_slack.wait_for("views.publish")
    retry = slack.app_home_opened("UREPORT1", event_id="Ev0000RETRY", retry_num=1)
    assert first.status == 200 and retry.status == 200
    time.sleep(0.3)
    assert len(fake_slack.calls_to("views.publish")) == 1
    assert _count(services, Delivery) == 1  # one welcome in the outbox
    with services.db.session() as session:
        first_contacts = session.scalar(select(func.count()).select_from(AnalyticsEvent)
                                        .where(AnalyticsEvent.name == "person.first_contact"))
    assert first_contacts == 1


def test_healthz_reports_database_reachability(app_server: BackgroundServer) -> None:
    response = requests.get(app_server.url + "/healthz", timeout=5)
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_unknown_paths_are_404_and_oversized_bodies_413(app_server: BackgroundServer, slack: SlackSender) -> None:
    assert requests.get(app_server.url + "/nope", timeout=5).status_code == 404
    huge = b"{" + b" " * 1_100_000 + b"}"
    assert slack.post(huge, content_type="application/json").status == 413
