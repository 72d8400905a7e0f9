"""The delivery job against the fake Slack: policy at send time, crash safety, Slack's real errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from slackapp.clock import utcnow
from slackapp.db.models import Delivery, Person
from slackapp.domain import deliveries, people, workspaces
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from tests.conftest import JobRunner
from workers.delivery import TransientDeliveryError, deliver


def _schedule(services: Services, user_id: str = "UREPORT1", *, kind: str = "welcome", opt_in: str = "unknown") -> int:
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id="T0001", user_id=user_id, now=now)
        person.opt_in = opt_in
        delivery = deliveries.schedule(session, key=f"{kind}:T0001:{user_id}", team_id="T0001", user_id=user_id,
                                       kind=kind, due_at=now, now=now)
        session.flush()
        return delivery.id


def _delivery(services: Services, delivery_id: int) -> Delivery:
    with services.db.session() as session:
        return session.get_one(Delivery, delivery_id)


def test_rescheduling_by_key_is_idempotent(services: Services, frozen_time: time_machine.Coordinates) -> None:
    first = _schedule(services)
    second = _schedule(services)
    assert first == second
    with services.db.session() as session:
        assert len(session.scalars(select(Delivery)).all()) == 1


def test_dispatcher_and_worker_send_once_with_metadata(
    services: Services, fake_slack: FakeSlack, job_runner: JobRunner, frozen_time: time_machine.Coordinates
) -> None:
    delivery_id = _schedule(services)
    assert job_runner.dispatch_and_run() == 1
    assert job_runner.dispatch_and_run() == 0
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].args["metadata"]["event_payload"]["delivery_key"] == "welcome:T0001:UREPORT1"
    assert _delivery(services, delivery_id).state == "sent"


def test_a_worker_killed_after_posting_never_sends_twice(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "sent"
    # Simulate the crash: the message reached Slack but the "sent" commit was lost.
    with services.db.session() as session:
        delivery = session.get_one(Delivery, delivery_id)
        delivery.state, delivery.ts = "scheduled", None
    assert deliver(services, delivery_id) == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert _delivery(services, delivery_id).ts == fake_slack.messages(fake_slack.dm_channel("UREPORT1"))[0]["ts"]


def test_a_deactivated_person_is_not_retried_forever(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    fake_slack.add_user("UGONE", name="gone", deleted=True)
    delivery_id = _schedule(services, "UGONE")
    assert deliver(services, delivery_id) == "skipped"
    assert "deactivated" in (_delivery(services, delivery_id).last_reason or "")
    assert fake_slack.calls_to("chat.postMessage") == []


def test_an_unreachable_person_is_marked_and_skipped(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    fake_slack.fail("conversations.open", "user_not_found")
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "skipped"
    with services.db.session() as session:
        assert session.scalars(select(Person)).one().unreachable_reason == "user_not_found"


def test_rate_limits_are_retried_with_retry_after(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "sent"
    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # the 429, then the success


def test_slack_outage_leaves_the_delivery_to_retry(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    fake_slack.fail("chat.postMessage", "ratelimited", times=1)
    delivery_id = _schedule(services)
    with pytest.raises(TransientDeliveryError):
        deliver(services, delivery_id)
    assert _delivery(services, delivery_id).state == "scheduled"
    assert deliver(services, delivery_id) == "sent"
    assert len(fake_slack.messages(fake_slack.dm_channel("UREPORT1"))) == 1


def test_do_not_disturb_defers_the_message(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    end = utcnow() + timedelta(minutes=45)
    fake_slack.set_dnd("UREPORT1", snooze_enabled=True, snooze_endtime=int(end.timestamp()))
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "deferred"
    delivery = _delivery(services, delivery_id)
    assert delivery.state == "scheduled" and delivery.last_reason == "Slack do-not-disturb is on"
    assert abs((delivery.due_at - end).total_seconds()) < 1


def test_uninstalling_cancels_pending_work(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    delivery_id = _schedule(services)
    with services.db.session() as session:
        assert workspaces.deactivate(session, team_id="T0001", now=utcnow(), reason="app_uninstalled") == 1
    assert _delivery(services, delivery_id).state == "cancelled"
    assert deliver(services, delivery_id) == "noop"
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_revoked_token_stops_the_workspace(
    services: Services, fake_slack: FakeSlack, frozen_time: time_machine.Coordinates
) -> None:
    fake_slack.fail("users.info", "token_revoked")
    delivery_id = _schedule(services)
    assert deliver(services, delivery_id) == "skipped"
    with services.db.session() as session:
        assert not workspaces.is_active(session, "T0001")
