"""/coach calendar: bad addresses are explained beside the field, feeds that fail say why, disconnect works."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import CalendarFeed
from slackapp.emulator.calendar_feed import CalendarFeedServer
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from tests.conftest import JobRunner
from workers.calendar_jobs import sync_feed_now

USER = "UREPORT1"


def _open(slack: SlackSender, fake_slack: FakeSlack, count: int = 1) -> dict[str, Any]:
    assert slack.command("calendar", user_id=USER).status == 200
    fake_slack.wait_for("views.open", count=count)
    return dict(list(fake_slack.open_views().values())[-1])  # as Slack holds it: with its view id


def _submit(slack: SlackSender, view: dict[str, Any], url: str) -> Any:
    reply = slack.view_submission(view, user_id=USER, values={
        ids.CALENDAR_URL_BLOCK: {ids.CALENDAR_URL_INPUT: {"type": "plain_text_input", "value": url}}})
    assert reply.status == 200
    return reply.json()


@pytest.mark.parametrize(("url", "message"), [
    ("", "Paste your calendar's private address"),
    ("my calendar", "doesn't look like a web address"),
    ("ftp://calendar.example.com/basic.ics", "must start with https:// or webcal://"),
    ("https://" + "a" * 2100 + ".com/x.ics", "too long"),
])
def test_bad_addresses_are_explained_beside_the_field_and_never_echoed(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    url: str, message: str,
) -> None:
    view = _open(slack, fake_slack)
    assert "Secret address in iCal format" in json.dumps(view)  # how to find it, per provider
    answer = _submit(slack, view, url)
    if not url:  # an empty field on a first connection: the input is required
        assert answer is None or answer.get("response_action") in (None, "errors")
    else:
        assert answer["response_action"] == "errors"
        error = answer["errors"][ids.CALENDAR_URL_BLOCK]
        assert message in error and (not url or url not in error)
    with services.db.session() as session:
        assert session.scalars(select(CalendarFeed)).all() == []


def test_a_feed_that_fails_says_why_once_and_can_be_disconnected(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    job_runner: JobRunner, calendar_server: CalendarFeedServer,
) -> None:
    services.settings = replace(services.settings, feed_allowed_hosts=frozenset({"127.0.0.1"}))
    assert slack.command("start", user_id=USER).status == 200
    fake_slack.wait_for("response_url")
    wrong = calendar_server.url.replace("basic.ics", "reset.ics")  # the provider reset the secret link: 404
    answer = _submit(slack, _open(slack, fake_slack), wrong)
    assert answer["response_action"] == "update" and "reset.ics" not in json.dumps(answer)
    job_runner.run()  # the check job reads the calendar and updates the open modal
    result = json.dumps(fake_slack.wait_for("views.update")[-1].args["view"])
    assert "isn't syncing" in result and "not found (404)" in result and "private-7f3a9c2e" not in result
    with services.db.session() as session:
        feed_id = session.scalars(select(CalendarFeed.id)).one()
    for _ in range(3):  # later polls fail too, but the owner is told once
        sync_feed_now(services, feed_id, now=utcnow())
        job_runner.dispatch_and_run()
    notices = [m for m in fake_slack.messages(fake_slack.dm_channel(USER)) if "can't read your calendar" in m["text"]]
    assert len(notices) == 1 and "reset.ics" not in json.dumps(notices)
    reopened = _open(slack, fake_slack, count=2)
    assert "isn't syncing" in json.dumps(reopened)
    published = len(fake_slack.calls_to("views.publish"))
    slack.block_action(ids.CALENDAR_DISCONNECT, user_id=USER, view=reopened)
    fake_slack.wait_for("views.publish", count=published + 1)
    assert "Connect your calendar" in json.dumps(fake_slack.open_views())  # the modal offers to connect again
    with services.db.session() as session:
        assert session.scalars(select(CalendarFeed)).all() == []
