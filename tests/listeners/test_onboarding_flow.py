"""First contact → welcome DM through the outbox → opt in/out buttons → Home tab, all over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import time_machine
from sqlalchemy import select

from slackapp.db.models import Delivery, DeliveryDecision, Person
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from tests.conftest import JobRunner


def _welcome(fake: FakeSlack, user_id: str) -> dict[str, Any]:
    messages = fake.messages(fake.dm_channel(user_id))
    assert len(messages) == 1, messages
    return messages[0]


def test_first_home_visit_sends_one_welcome_that_asks_to_opt_in(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner,
) -> None:
    slack.app_home_opened("UREPORT1")
    fake_slack.wait_for("views.publish")
    time.sleep(0.2)
    job_runner.run()  # the listener kicked the dispatcher: it enqueues the due welcome
    job_runner.run()
    welcome = _welcome(fake_slack, "UREPORT1")
    assert "Would you like me to coach you?" in json.dumps(welcome["blocks"])
    assert welcome["metadata"]["event_payload"]["delivery_key"] == "welcome:T0001:UREPORT1"
    with services.db.session() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.state == "sent" and delivery.ts == welcome["ts"]
        reasons = [d.outcome for d in session.scalars(select(DeliveryDecision))]
    assert reasons == ["sent"]
    # Opening Home again, or Slack retrying, never sends a second welcome.
    slack.app_home_opened("UREPORT1")
    fake_slack.wait_for("views.publish", count=2)
    job_runner.dispatch_and_run()
    assert len(fake_slack.messages(fake_slack.dm_channel("UREPORT1"))) == 1


def test_opting_in_updates_the_welcome_in_place_and_the_home_tab(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner,
) -> None:
    slack.app_home_opened("UREPORT1")
    fake_slack.wait_for("views.publish")
    time.sleep(0.2)
    job_runner.dispatch_and_run()
    welcome = _welcome(fake_slack, "UREPORT1")
    assert slack.block_action("fc_opt_in", user_id="UREPORT1", value="welcome", message=welcome).status == 200
    fake_slack.wait_for("chat.update")
    updated = _welcome(fake_slack, "UREPORT1")
    assert "You're in" in updated["text"]
    assert "actions" not in json.dumps(updated["blocks"])  # no stale buttons
    fake_slack.wait_for("views.publish", count=2)
    assert "Coaching is on" in json.dumps(fake_slack.home_view("UREPORT1"))
    with services.db.session() as session:
        assert session.scalars(select(Person)).one().opt_in == "opted_in"


def test_welcome_outside_working_hours_waits_for_the_morning(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner
) -> None:
    from datetime import UTC, datetime

    with time_machine.travel(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), tick=True):  # Monday 22:00 London
        slack.app_home_opened("UREPORT1")
        fake_slack.wait_for("views.publish")
        time.sleep(0.2)
        job_runner.dispatch_and_run()
    assert fake_slack.calls_to("chat.postMessage") == []
    with services.db.session() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.state == "scheduled"
        assert delivery.due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        assert delivery.last_reason == "outside the person's working hours"
    with time_machine.travel(datetime(2026, 11, 24, 9, 1, tzinfo=UTC), tick=True):
        job_runner.dispatch_and_run()
    assert len(fake_slack.messages(fake_slack.dm_channel("UREPORT1"))) == 1


def test_pause_status_resume_and_bad_input(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    def answer(text: str) -> str:
        before = len(fake_slack.calls_to("response_url"))
        assert slack.command(text, user_id="UREPORT1").status == 200
        return str(fake_slack.wait_for("response_url", count=before + 1)[-1].args["text"])

    assert "Coaching is on" in answer("start")
    assert "Paused until Mon 07 Dec 2026, 00:00" in answer("pause 2026-12-07")
    assert "Paused until" in answer("status")
    assert "I couldn't read “next tuesday”" in answer("pause next tuesday")
    assert "Pick a date in the future" in answer("pause 2020-01-01")
    assert "coaching has resumed" in answer("resume")
    assert "You weren't paused" in answer("resume")
    assert "won't message you proactively" in answer("stop")


def test_every_interaction_lands_in_the_analytics_log_without_its_text(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    from slackapp.db.models import AnalyticsEvent

    slack.app_home_opened("UREPORT1")
    fake_slack.wait_for("views.publish")
    slack.command("pause 2026-12-07", user_id="UREPORT1")
    fake_slack.wait_for("response_url")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with services.db.session() as session:
            events = {(e.name, e.object_id): e for e in session.scalars(select(AnalyticsEvent))}
        if ("command.used", "pause") in events:
            break
        time.sleep(0.05)
    assert {("person.first_contact", "UREPORT1"), ("home.opened", "home"), ("person.paused", "UREPORT1"),
            ("command.used", "pause")} <= set(events)
    assert "2026-12-07" not in json.dumps(events[("command.used", "pause")].properties)
    assert all(e.team_id == "T0001" and e.occurred_at.tzinfo is not None for e in events.values())
