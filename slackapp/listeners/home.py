"""Publishing the App Home tab (shared by events and actions)."""

from __future__ import annotations

from slack_sdk import WebClient

from slackapp.clock import utcnow
from slackapp.domain import people
from slackapp.listeners.subcommands import describe_hours
from slackapp.services import Services
from slackapp.views.home import HomeState, home_view


def publish_home(client: WebClient, services: Services, *, team_id: str, user_id: str) -> None:
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        paused = person.paused_until if person.paused_until and person.paused_until > now else None
        state = HomeState(
            display_name=person.display_name,
            opt_in=person.opt_in,
            paused_until_local=paused.astimezone(people.zone_of(person)) if paused else None,
            tz=person.tz,
            working_hours=describe_hours(person),
            is_admin=services.is_admin(user_id),
        )
    client.views_publish(user_id=user_id, view=home_view(state))
