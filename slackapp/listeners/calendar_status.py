"""What Flowcoach knows about a person's calendar connection (the modal and the Home tab show it)."""

from __future__ import annotations

from slackapp.clock import utcnow
from slackapp.domain import calendar_feeds, occurrences, people
from slackapp.services import Services
from slackapp.views.calendar import FeedStatus, describe_status

NOT_CONNECTED = ("*Calendar:* not connected. Connect it and I'll send a short prep checklist before 1:1s, "
                 "reviews and other moments that matter.")


def feed_status(services: Services, *, team_id: str, user_id: str) -> FeedStatus | None:
    now = utcnow()
    with services.db.session() as session:
        feed = calendar_feeds.feed_for(session, team_id=team_id, user_id=user_id)
        if feed is None:
            return None
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        upcoming = len(occurrences.upcoming(session, team_id=team_id, user_id=user_id, now=now)) \
            if feed.last_success_at else None
        local = feed.last_success_at.astimezone(people.zone_of(person)) if feed.last_success_at else None
        return FeedStatus(url_hint=feed.url_hint, status=feed.status, last_success_local=local,
                          last_error=feed.last_error, upcoming_7d=upcoming)


def calendar_line(services: Services, *, team_id: str, user_id: str) -> str:
    status = feed_status(services, team_id=team_id, user_id=user_id)
    return NOT_CONNECTED if status is None else describe_status(status)
