"""Right after someone connects a calendar: read it now and show them the result in the open modal."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from slackapp.clock import utcnow
from slackapp.db.models import CalendarFeed
from slackapp.listeners.calendar_status import feed_status
from slackapp.listeners.home import publish_home
from slackapp.views.calendar import result_modal
from workers import runtime
from workers.calendar_jobs import sync_feed_now

logger = logging.getLogger(__name__)


def check_new_feed(feed_id: int, view_id: str) -> str:
    services = runtime.current()
    outcome = sync_feed_now(services, feed_id, now=utcnow())
    with services.db.session() as session:
        feed = session.get(CalendarFeed, feed_id)
        if feed is None:
            return "gone"
        team_id, user_id = feed.team_id, feed.user_id
    status = feed_status(services, team_id=team_id, user_id=user_id)
    client = services.clients.for_team(team_id)
    if view_id and status is not None:
        try:
            client.views_update(view_id=view_id, view=result_modal(status))
        except SlackApiError as exc:  # the person closed the modal: the Home tab shows the result
            logger.info("calendar result modal not updated (%s)", exc.response.get("error"))
    publish_home(client, services, team_id=team_id, user_id=user_id)
    return outcome
