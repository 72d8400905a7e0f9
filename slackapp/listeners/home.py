"""Publishing the App Home tab (shared by events, actions, preferences and the calendar work).

The Home tab is built in one transaction with a bounded number of SQL queries, whatever the person's
history: the person (1), capped nudges sent in the last 7 days (1), the calendar feed with its
upcoming-meetings count (1), and the practice summary (4, or 5 for a manager — see
``slackapp.domain.home_summary``). ``bench/bench_home.py`` measures it.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.clock import utcnow
from slackapp.db.models import Person
from slackapp.domain import home_summary, people, policy
from slackapp.listeners.calendar_status import NOT_CONNECTED
from slackapp.listeners.subcommands import describe_hours
from slackapp.services import Services
from slackapp.views.calendar import FeedStatus, describe_status
from slackapp.views.home import HomeState, home_view


def _calendar_line(session: Session, person: Person, *, now: datetime) -> str:
    found = home_summary.calendar_summary(session, team_id=person.team_id, user_id=person.user_id, now=now)
    if found is None:
        return NOT_CONNECTED
    local = found.last_success_at.astimezone(people.zone_of(person)) if found.last_success_at else None
    return describe_status(FeedStatus(url_hint=found.url_hint, status=found.status, last_success_local=local,
                                      last_error=found.last_error, upcoming_7d=found.upcoming_7d))


def build_home_state(session: Session, services: Services, *, team_id: str, user_id: str,
                     now: datetime) -> HomeState:
    """Everything the Home tab shows, read in ``session``."""
    person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
    zone = people.zone_of(person)
    paused = person.paused_until if person.paused_until and person.paused_until > now else None
    backoff = person.backoff_until if person.backoff_until and person.backoff_until > now else None
    away = person.ooo_until if person.ooo_until and person.ooo_until > now else None
    return HomeState(
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
        calendar_line=_calendar_line(session, person, now=now),
        summary=home_summary.summarise(session, team_id=team_id, user_id=user_id, now=now, content=services.content,
                                       threshold=services.settings.competency_threshold),
    )


def home_state(services: Services, *, team_id: str, user_id: str) -> HomeState:
    with services.db.session() as session:
        return build_home_state(session, services, team_id=team_id, user_id=user_id, now=utcnow())


def publish_home(client: WebClient, services: Services, *, team_id: str, user_id: str) -> None:
    client.views_publish(user_id=user_id, view=home_view(home_state(services, team_id=team_id, user_id=user_id)))
