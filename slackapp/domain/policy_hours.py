"""Working hours and days on the person's own wall clock (daylight saving included)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from slackapp.db.models import Person
from slackapp.domain.people import zone_of


def working_days(person: Person) -> set[int]:
    return {int(d) for d in person.working_days.split(",") if d.strip().isdigit()}


def next_working_moment(person: Person, after: datetime) -> datetime:
    """``after`` itself if it falls inside the person's working hours, else the next start of work.

    Computed on the wall clock of the person's zone (by name), so daylight saving is handled.
    """
    zone = zone_of(person)
    local = after.astimezone(zone)
    days = working_days(person) or {0, 1, 2, 3, 4}
    start_t = time(person.work_start_minute // 60, person.work_start_minute % 60)
    end_minute = min(person.work_end_minute, 24 * 60 - 1)
    end_t = time(end_minute // 60, end_minute % 60)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        start = datetime.combine(day, start_t, tzinfo=zone)
        end = datetime.combine(day, end_t, tzinfo=zone)
        if local < start:
            return start.astimezone(UTC)
        if local < end:
            return after
    return after  # unreachable with at least one working day; never lose the message


def in_working_hours(person: Person, moment: datetime) -> bool:
    return next_working_moment(person, moment) == moment

