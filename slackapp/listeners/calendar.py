"""/coach calendar, the connect modal (submit, disconnect) and the Home/feed-failed "connect" buttons."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.domain import calendar_feeds
from slackapp.domain.errors import InvalidInput
from slackapp.listeners.calendar_status import feed_status
from slackapp.listeners.home import publish_home
from slackapp.listeners.lazy import background
from slackapp.listeners.subcommands import CommandRequest, subcommand
from slackapp.services import Services
from slackapp.views.blocks import Message
from slackapp.views.calendar import checking_modal, connect_modal


@subcommand("calendar", "calendar", "connect or disconnect your calendar (its private ICS address)")
def calendar_command(req: CommandRequest) -> Message | None:
    status = feed_status(req.services, team_id=req.team_id, user_id=req.user_id)
    req.client.views_open(trigger_id=req.trigger_id, view=connect_modal(status))
    return None


def open_modal(body: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    status = feed_status(services, team_id=context.team_id, user_id=context.user_id)
    client.views_open(trigger_id=body["trigger_id"], view=connect_modal(status))


def disconnect(body: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    with services.db.session() as session:
        calendar_feeds.disconnect_feed(session, team_id=context.team_id, user_id=context.user_id, now=utcnow())
    view = body.get("view") or {}
    if view.get("id"):
        client.views_update(view_id=view["id"], view=connect_modal(None))
    publish_home(client, services, team_id=context.team_id, user_id=context.user_id)


def submitted_url(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return str((values.get(ids.CALENDAR_URL_BLOCK) or {}).get(ids.CALENDAR_URL_INPUT, {}).get("value") or "").strip()


def ack_submission(services: Services) -> Callable[..., None]:
    """Validate and store the address before answering, so errors show beside the field."""

    def ack_calendar_submission(ack: Ack, view: dict[str, Any], context: Any) -> None:
        url = submitted_url(view)
        if not url or json.loads(view.get("private_metadata") or "{}").get("done"):
            ack()  # nothing new to connect: just close
            return
        try:
            with services.db.session() as session:
                feed = calendar_feeds.connect_feed(session, team_id=context.team_id, user_id=context.user_id,
                                                   url=url, vault=services.vault, now=utcnow(),
                                                   allowed_hosts=services.settings.feed_allowed_hosts)
                feed_id, hint = feed.id, feed.url_hint
        except InvalidInput as error:
            ack(response_action="errors", errors={ids.CALENDAR_URL_BLOCK: error.user_message[:150]})
            return
        ack(response_action="update", view=checking_modal(hint))
        services.enqueue("workers.calendar_connect.check_new_feed", feed_id, str(view.get("id", "")),
                         job_id=f"check-feed-{feed_id}-{view.get('id', '')}")

    return ack_calendar_submission


def register(app: App, services: Services) -> None:
    app.action(ids.CALENDAR_OPEN)(background(open_modal, services))
    app.action(ids.CALENDAR_DISCONNECT)(background(disconnect, services))
    app.view(ids.CALENDAR_MODAL)(ack_submission(services))
