"""Buttons on the welcome DM and the Home tab: opt in/out, pause, resume."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.domain import people
from slackapp.listeners.home import publish_home
from slackapp.listeners.lazy import background
from slackapp.services import Services
from slackapp.views.onboarding import welcome_answered


def _set_opt_in(opted_in: bool, body: dict[str, Any], context: Any, client: WebClient,
                services: Services) -> None:
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=context.team_id, user_id=context.user_id,
                                                now=utcnow())
        people.set_opt_in(session, person, opted_in=opted_in, now=utcnow())
    container = body.get("container") or {}
    if container.get("type") == "message":  # the welcome DM: replace its buttons with the answer
        client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                           **welcome_answered(opted_in).to_kwargs())
    publish_home(client, services, team_id=context.team_id, user_id=context.user_id)


def opt_in(body: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    _set_opt_in(True, body, context, client, services)


def opt_out(body: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    _set_opt_in(False, body, context, client, services)


def pause_week(context: Any, client: WebClient, services: Services) -> None:
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=context.team_id, user_id=context.user_id, now=now)
        people.pause(session, person, until=now + timedelta(days=7), now=now)
    publish_home(client, services, team_id=context.team_id, user_id=context.user_id)


def resume(context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=context.team_id, user_id=context.user_id,
                                                now=utcnow())
        people.resume(session, person, now=utcnow())
    publish_home(client, services, team_id=context.team_id, user_id=context.user_id)


def register(app: App, services: Services) -> None:
    for action_id, handler in ((ids.OPT_IN, opt_in), (ids.OPT_OUT, opt_out), (ids.PAUSE_WEEK, pause_week),
                               (ids.RESUME, resume)):
        app.action(action_id)(background(handler, services))
