"""Durations counted in a person's working hours ("due in 4 working hours", "review within 24")."""

from __future__ import annotations

from datetime import datetime, timedelta

from slackapp.db.models import Person
from slackapp.domain.people import zone_of
from slackapp.domain.policy import next_working_moment


def add_working_hours(person: Person, start: datetime, hours: float) -> datetime:
    """The moment ``hours`` of the person's working time after ``start`` (DST-correct by zone name)."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    moment = next_working_moment(person, start)
    zone = zone_of(person)
    for _ in range(3660):  # at most ten years of working days: never loops forever
        local = moment.astimezone(zone)
        end_minute = min(person.work_end_minute, 24 * 60 - 1)
        day_end = local.replace(hour=end_minute // 60, minute=end_minute % 60, second=0, microsecond=0)
        available = day_end - local
        if remaining <= available:
            return (local + remaining).astimezone(start.tzinfo)
        remaining -= max(available, timedelta(0))
        moment = next_working_moment(person, day_end + timedelta(minutes=1))
    return moment
