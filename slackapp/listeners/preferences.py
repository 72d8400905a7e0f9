"""Home-tab preferences (working hours, nudge types) and `/coach why`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.domain import explain, people, policy
from slackapp.listeners.home import publish_home
from slackapp.listeners.lazy import after_ack, background
from slackapp.listeners.subcommands import CommandRequest, subcommand
from slackapp.services import Services
from slackapp.views.blocks import Message
from slackapp.views.preferences import hours_modal, why_message

NO_DAYS = "Pick at least one working day."
START_AFTER_END = "Your working day must end after it starts."
NO_TIME = "Pick a time."


def open_hours(body: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=context.team_id, user_id=context.user_id,
                                                now=utcnow())
        view = hours_modal(days=sorted(policy.working_days(person)), start_minute=person.work_start_minute,
                           end_minute=person.work_end_minute, tz=person.tz)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _minute(value: Any) -> int | None:
    hours, _, minutes = str(value or "").partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or int(hours) > 23 or int(minutes) > 59:
        return None
    return int(hours) * 60 + int(minutes)


def parse_hours(view: dict[str, Any]) -> tuple[list[int], int, int] | dict[str, str]:
    """(days, start minute, end minute), or the errors to show beside the fields."""
    values = (view.get("state") or {}).get("values") or {}
    chosen = (values.get(ids.HOURS_DAYS_BLOCK) or {}).get(ids.HOURS_DAYS) or {}
    days = sorted({int(o["value"]) for o in chosen.get("selected_options") or []
                   if str(o.get("value", "")).isdigit() and int(o["value"]) < 7})
    start = _minute(((values.get(ids.HOURS_START_BLOCK) or {}).get(ids.HOURS_START) or {}).get("selected_time"))
    end = _minute(((values.get(ids.HOURS_END_BLOCK) or {}).get(ids.HOURS_END) or {}).get("selected_time"))
    errors: dict[str, str] = {}
    if not days:
        errors[ids.HOURS_DAYS_BLOCK] = NO_DAYS
    if start is None:
        errors[ids.HOURS_START_BLOCK] = NO_TIME
    if end is None:
        errors[ids.HOURS_END_BLOCK] = NO_TIME
    elif start is not None and start >= end:
        errors[ids.HOURS_END_BLOCK] = START_AFTER_END
    if errors or start is None or end is None:
        return errors
    return days, start, end


def ack_hours(services: Services) -> Callable[..., None]:
    """Validate and save before answering, so mistakes show beside the fields and the modal stays open."""

    def ack_hours_submission(ack: Ack, view: dict[str, Any], context: Any) -> None:
        parsed = parse_hours(view)
        if isinstance(parsed, dict):
            ack(response_action="errors", errors=parsed)
            return
        days, start, end = parsed
        with services.db.session() as session:
            person, _ = people.get_or_create_person(session, team_id=context.team_id, user_id=context.user_id,
                                                    now=utcnow())
            people.set_working_hours(person, days=days, start_minute=start, end_minute=end)
        ack()

    return ack_hours_submission


def hours_saved(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    if isinstance(parse_hours(view), dict):
        return  # the modal is still open with its errors; nothing changed
    publish_home(client, services, team_id=context.team_id, user_id=context.user_id)


def toggle_kinds(action: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    enabled = {str(o.get("value")) for o in action.get("selected_options") or []}
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=context.team_id, user_id=context.user_id, now=now)
        people.set_enabled_kinds(session, person, enabled=enabled, now=now)
    publish_home(client, services, team_id=context.team_id, user_id=context.user_id)


@subcommand("why", "why", "what I sent you or held back lately, and why")
def why(req: CommandRequest) -> Message:
    with req.services.db.session() as session:
        person = req.person(session)
        zone = people.zone_of(person)
        entries = [(explain.headline(d, zone),
                    explain.explain_delivery(session, delivery=d, tz=zone, content=req.services.content))
                   for d in explain.recent_for(session, team_id=req.team_id, user_id=req.user_id)]
    return why_message(entries)


def register(app: App, services: Services) -> None:
    app.action(ids.PREFS_OPEN_HOURS)(background(open_hours, services))
    app.action(ids.PREFS_TOGGLE_KIND)(background(toggle_kinds, services))
    app.view(ids.HOURS_MODAL)(ack=ack_hours(services), lazy=[after_ack(hours_saved, services)])
