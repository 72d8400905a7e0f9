"""Publishing the App Home tab (shared by events, actions, preferences and the calendar work)."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk import WebClient

from slackapp.clock import utcnow
from slackapp.domain import people, policy
from slackapp.listeners.calendar_status import calendar_line
from slackapp.listeners.subcommands import describe_hours
from slackapp.services import Services
from slackapp.views.home import HomeState, home_view


def home_state(services: Services, *, team_id: str, user_id: str) -> HomeState:
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        zone = people.zone_of(person)
        paused = person.paused_until if person.paused_until and person.paused_until > now else None
        backoff = person.backoff_until if person.backoff_until and person.backoff_until > now else None
        away = person.ooo_until if person.ooo_until and person.ooo_until > now else None
        state = HomeState(
            display_name=person.display_name,
            opt_in=person.opt_in,
            paused_until_local=paused.astimezone(zone) if paused else None,
            tz=person.tz,
            working_hours=describe_hours(person),
            is_admin=services.is_admin(user_id),
            nudge_types=people.NUDGE_TYPES,
            muted_kinds=tuple(person.muted_kinds or ()),
            weekly_cap=person.weekly_cap,
            sent_this_week=len(policy.recent_capped_sends(session, person, now=now)),
            backoff_until_local=backoff.astimezone(zone) if backoff else None,
            away_until_local=away.astimezone(zone) if away else None,
        )
    return replace(state, calendar_line=calendar_line(services, team_id=team_id, user_id=user_id))


def publish_home(client: WebClient, services: Services, *, team_id: str, user_id: str) -> None:
    client.views_publish(user_id=user_id, view=home_view(home_state(services, team_id=team_id, user_id=user_id)))
