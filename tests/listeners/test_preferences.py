"""Home-tab preferences (working hours, nudge types), "back to normal" and `/coach why`, over signed HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Person
from slackapp.domain import calendar_feeds, deliveries, people
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from slackapp.views.home import KINDS_BLOCK, HomeState, home_view
from workers.delivery import deliver


def _person(services: Services, user_id: str = "UREPORT1") -> Person:
    with services.db.session() as session:
        return session.scalars(select(Person).where(Person.user_id == user_id)).one()


def _opt_in(services: Services, user_id: str = "UREPORT1") -> None:
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id="T0001", user_id=user_id, now=utcnow())
        person.opt_in = "opted_in"


def _home(slack: SlackSender, fake: FakeSlack, user_id: str = "UREPORT1", count: int = 1) -> dict[str, Any]:
    fake.wait_for("views.publish", count=count)
    view = fake.home_view(user_id)
    assert view is not None
    return view


def _element(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise AssertionError(f"{action_id} not in the view")


def _checkboxes(slack: SlackSender, view: dict[str, Any], *, user_id: str, values: list[str]) -> None:
    element = _element(view, ids.PREFS_TOGGLE_KIND)
    chosen = [o for o in element["options"] if o["value"] in values]
    reply = slack.interactive({
        "type": "block_actions", "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": "T0001"},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": "9.trigger", "is_enterprise_install": False,
        "container": {"type": "view", "view_id": view["id"]}, "view": view,
        "actions": [{"type": "checkboxes", "action_id": ids.PREFS_TOGGLE_KIND, "block_id": KINDS_BLOCK,
                     "selected_options": chosen, "action_ts": f"{time.time():.6f}"}],
    })
    assert reply.status == 200


def test_home_shows_time_zone_hours_nudge_types_and_the_weekly_limit(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    _opt_in(services)
    slack.app_home_opened("UREPORT1")
    view = _home(slack, fake_slack)
    text = json.dumps(view, ensure_ascii=False)
    assert "Coaching is on" in text and "Europe/London" in text and "Mon–Fri 09:00–17:30" in text
    assert "at most 3 nudges not tied to a meeting in any 7 days (0 in the last 7 days)" in text
    assert _element(view, ids.PREFS_OPEN_HOURS)["text"]["text"] == "Edit working hours"
    kinds = _element(view, ids.PREFS_TOGGLE_KIND)
    assert [o["value"] for o in kinds["options"]] == ["prep", "reflect"]
    assert [o["value"] for o in kinds["initial_options"]] == ["prep", "reflect"]
    assert ids.CALENDAR_OPEN in text  # the calendar line offers to connect one
    assert fake_slack.validation_errors == []


def test_unticking_a_nudge_type_mutes_it_at_once(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    _opt_in(services)
    slack.app_home_opened("UREPORT1")
    view = _home(slack, fake_slack)
    _checkboxes(slack, view, user_id="UREPORT1", values=["reflect"])
    view = _home(slack, fake_slack, count=2)
    assert _person(services).muted_kinds == ["prep"]
    assert [o["value"] for o in _element(view, ids.PREFS_TOGGLE_KIND)["initial_options"]] == ["reflect"]
    _checkboxes(slack, view, user_id="UREPORT1", values=[])
    view = _home(slack, fake_slack, count=3)
    assert _person(services).muted_kinds == ["prep", "reflect"]
    assert "initial_options" not in _element(view, ids.PREFS_TOGGLE_KIND)
    _checkboxes(slack, view, user_id="UREPORT1", values=["prep", "reflect"])
    _home(slack, fake_slack, count=4)
    assert _person(services).muted_kinds == []
    assert fake_slack.validation_errors == []


def _open_hours_modal(slack: SlackSender, fake: FakeSlack) -> dict[str, Any]:
    slack.app_home_opened("UREPORT1")
    home = _home(slack, fake)
    assert slack.block_action(ids.PREFS_OPEN_HOURS, user_id="UREPORT1", view=home).status == 200
    fake.wait_for("views.open")
    (modal,) = fake.open_views().values()
    return modal


def _hours(days: list[int], start: str | None, end: str | None) -> dict[str, Any]:
    labels = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return {
        ids.HOURS_DAYS_BLOCK: {ids.HOURS_DAYS: {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": labels[d]}, "value": str(d)} for d in days]}},
        ids.HOURS_START_BLOCK: {ids.HOURS_START: {"type": "timepicker", "selected_time": start}},
        ids.HOURS_END_BLOCK: {ids.HOURS_END: {"type": "timepicker", "selected_time": end}},
    }


def test_editing_working_hours_in_the_modal(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    _opt_in(services)
    modal = _open_hours_modal(slack, fake_slack)
    assert modal["callback_id"] == ids.HOURS_MODAL
    days = _element(modal, ids.HOURS_DAYS)
    assert [o["value"] for o in days["initial_options"]] == ["0", "1", "2", "3", "4"]
    assert _element(modal, ids.HOURS_START)["initial_time"] == "09:00"
    assert _element(modal, ids.HOURS_END)["initial_time"] == "17:30"

    reply = slack.view_submission(modal, user_id="UREPORT1", values=_hours([1, 2, 3], "08:00", "16:00"))
    assert reply.status == 200 and not reply.text  # a plain ack closes the modal
    person = _person(services)
    assert (person.working_days, person.work_start_minute, person.work_end_minute) == ("1,2,3", 480, 960)
    fake_slack.wait_for("views.publish", count=2)
    assert "Tue–Thu 08:00–16:00" in json.dumps(fake_slack.home_view("UREPORT1"), ensure_ascii=False)
    assert fake_slack.validation_errors == []


@pytest.mark.parametrize(("days", "start", "end", "errors"), [
    ([], "09:00", "17:00", {ids.HOURS_DAYS_BLOCK: "Pick at least one working day."}),
    ([0], "17:00", "09:00", {ids.HOURS_END_BLOCK: "Your working day must end after it starts."}),
    ([0], "09:00", "09:00", {ids.HOURS_END_BLOCK: "Your working day must end after it starts."}),
    ([], None, "09:00", {ids.HOURS_DAYS_BLOCK: "Pick at least one working day.",
                         ids.HOURS_START_BLOCK: "Pick a time."}),
])
def test_mistakes_show_beside_the_fields_and_change_nothing(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    days: list[int], start: str | None, end: str | None, errors: dict[str, str],
) -> None:
    modal = _open_hours_modal(slack, fake_slack)
    reply = slack.view_submission(modal, user_id="UREPORT1", values=_hours(days, start, end))
    assert reply.status == 200
    assert reply.json() == {"response_action": "errors", "errors": errors}
    person = _person(services)
    assert (person.working_days, person.work_start_minute, person.work_end_minute) == ("0,1,2,3,4", 540, 1050)


def test_back_to_normal_ends_a_back_off(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    _opt_in(services)
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id="T0001", user_id="UREPORT1", now=utcnow())
        person.backoff_until = utcnow() + timedelta(days=5)
    slack.app_home_opened("UREPORT1")
    home = _home(slack, fake_slack)
    assert "sending fewer until" in json.dumps(home, ensure_ascii=False)
    assert slack.block_action(ids.RESUME, user_id="UREPORT1", value="home", view=home).status == 200
    home = _home(slack, fake_slack, count=2)
    assert "sending fewer" not in json.dumps(home, ensure_ascii=False)
    backoff_until = _person(services).backoff_until
    assert backoff_until is not None and backoff_until <= utcnow()


def test_the_home_tab_shows_the_calendar_connection(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    slack.app_home_opened("UREPORT1")
    view = _home(slack, fake_slack)
    assert "*Calendar:* not connected" in json.dumps(view, ensure_ascii=False)
    assert _element(view, ids.CALENDAR_OPEN)["text"]["text"] == "Calendar settings"
    with services.db.session() as session:
        calendar_feeds.connect_feed(session, team_id="T0001", user_id="UREPORT1", vault=services.vault,
                                    url="https://calendar.example.com/private-5e1f/basic.ics", now=utcnow())
    slack.app_home_opened("UREPORT1")
    view = _home(slack, fake_slack, count=2)
    text = json.dumps(view, ensure_ascii=False)
    assert "calendar.example.com/…" in text and "private-5e1f" not in text  # never the secret address


def test_the_home_view_stays_within_slack_limits() -> None:
    many = tuple((f"kind{i}", f"Nudge type {i}") for i in range(10))
    state = HomeState(display_name="x" * 300, opt_in="opted_in", paused_until_local=None, tz="Europe/London",
                      working_hours="Mon–Fri 09:00–17:30", is_admin=True, nudge_types=many,
                      backoff_until_local=datetime(2026, 12, 1, tzinfo=UTC),
                      away_until_local=datetime(2026, 12, 1, tzinfo=UTC), calendar_line="y" * 5000)
    view = home_view(state).to_dict()
    assert len(view["blocks"]) <= 100


def _prep(start: datetime) -> dict[str, Any]:
    return {"moment_id": "one-on-one", "guide_id": "one-on-one", "event_uid": "evt-1", "title": "Ravi / Maria",
            "start": start.isoformat(), "end": (start + timedelta(minutes=30)).isoformat(),
            "not_after": start.isoformat()}


def test_coach_why_tells_what_was_sent_held_back_or_skipped_and_why(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 10:00 London
    with time_machine.travel(datetime(2026, 11, 23, 9, 40, tzinfo=UTC), tick=True):
        _opt_in(services)
        fake_slack.set_dnd("UREPORT1", snooze_enabled=True,
                           snooze_endtime=int(datetime(2026, 11, 23, 9, 50, tzinfo=UTC).timestamp()))
        with services.db.session() as session:
            held = deliveries.schedule(session, key="prep:held", team_id="T0001", user_id="UREPORT1", kind="prep",
                                       due_at=utcnow(), now=utcnow(), payload=_prep(start)).id
            late = deliveries.schedule(session, key="prep:late", team_id="T0001", user_id="UREPORT1", kind="prep",
                                       due_at=utcnow(), now=utcnow(),
                                       payload={**_prep(start), "not_after": "2026-11-23T09:45:00+00:00"}).id
        assert deliver(services, held) == "deferred"
        assert deliver(services, late) == "skipped"
    with time_machine.travel(datetime(2026, 11, 23, 9, 50, 1, tzinfo=UTC), tick=True):
        assert deliver(services, held) == "sent"
        assert slack.command("why", user_id="UREPORT1").status == 200
        reply = fake_slack.wait_for("response_url")[-1].args
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "Prep before a meeting · “Ravi / Maria” · Mon 23 Nov · sent" in text
    assert "Scheduled for 09:40 your time because your 1:1 “Ravi / Maria” starts at 10:00." in text
    assert "Held back at 09:40 because of do-not-disturb; sent at 09:50." in text
    assert "Not sent (09:40) because do-not-disturb lasts past the time it was meant for." not in text
    assert "Not sent (09:40) because do-not-disturb lasts past the meeting start." in text
    assert text.index("· sent") < text.index("· not sent")  # newest decision first


def test_coach_why_with_nothing_to_tell(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    assert slack.command("why", user_id="UREPORT2").status == 200
    reply = fake_slack.wait_for("response_url")[-1].args
    assert reply["text"].startswith("I haven't sent or held back anything for you yet.")
