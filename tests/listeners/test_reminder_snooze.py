"""Every nudge can be snoozed — task reminders too — and cancelling a reminder cancels its snoozes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Delivery
from slackapp.domain import deliveries, people
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from workers.delivery import deliver

KEY = "assignment-reminder:41:1"


def _send_reminder(services: Services, fake_slack: FakeSlack) -> dict[str, Any]:
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id="T0001", user_id="UREPORT1", now=now)
        person.opt_in = "opted_in"
        delivery = deliveries.schedule(session, key=KEY, team_id="T0001", user_id="UREPORT1",
                                       kind="assignment_reminder", due_at=now, now=now,
                                       payload={"assignment_id": 41, "title": "Give one piece of SBI feedback",
                                                "number": 1, "due_at": (now + timedelta(days=1)).isoformat(),
                                                "not_after": (now + timedelta(days=1)).isoformat()})
        session.flush()
        delivery_id = delivery.id
    assert deliver(services, delivery_id) == "sent"
    return fake_slack.messages(fake_slack.dm_channel("UREPORT1"))[-1]


def _select(message: dict[str, Any]) -> dict[str, Any]:
    return next(e for b in message["blocks"] for e in b.get("elements") or [] if e.get("action_id") == ids.NUDGE_SNOOZE)


def test_a_task_reminder_can_be_snoozed_and_its_snooze_is_cancelled_with_it(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reminder = _send_reminder(services, fake_slack)
    menu = _select(reminder)
    assert [o["value"] for o in menu["options"]] == ["10", "30", "60"]
    reply = slack.select_action(ids.NUDGE_SNOOZE, user_id="UREPORT1", option_value="30", message=reminder)
    assert reply.status == 200
    fake_slack.wait_for("chat.update")
    assert "Snoozed — I'll remind you at" in json.dumps(fake_slack.messages(fake_slack.dm_channel("UREPORT1"))[-1],
                                                      ensure_ascii=False)
    with services.db.session() as session:
        follow_up = session.scalars(select(Delivery).where(Delivery.key == f"{KEY}:snooze:1")).one()
        assert follow_up.state == "scheduled" and follow_up.kind == "assignment_reminder"
        # The learner submits: the assignment cancels its reminders, and with them the snoozed one.
        deliveries.cancel(session, key=KEY, reason="the work was submitted", now=utcnow())
        assert session.get_one(Delivery, follow_up.id).state == "cancelled"
