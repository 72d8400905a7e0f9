"""People and their respect-my-time preferences (opt-in, pause, working hours, mutes)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.db.models import Person
from slackapp.domain import analytics
from slackapp.domain.errors import InvalidInput

OPT_IN_STATES = ("unknown", "opted_in", "declined")
# Nudge types a person can turn off on the Home tab (kind, label). Later kinds are added here by name.
NUDGE_TYPES: tuple[tuple[str, str], ...] = (
    ("prep", "Prep before meetings"),
    ("reflect", "Reflection after meetings"),
)
PROFILE_MAX_AGE_HOURS = 24


def find_person(session: Session, *, team_id: str, user_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.team_id == team_id, Person.user_id == user_id))


def get_or_create_person(session: Session, *, team_id: str, user_id: str, now: datetime) -> tuple[Person, bool]:
    """Return (person, created). Safe under concurrent first contact (unique team/user)."""
    person = find_person(session, team_id=team_id, user_id=user_id)
    if person is not None:
        return person, False
    try:
        with session.begin_nested():
            person = Person(team_id=team_id, user_id=user_id, created_at=now, muted_kinds=[])
            session.add(person)
    except IntegrityError:
        existing = find_person(session, team_id=team_id, user_id=user_id)
        assert existing is not None
        return existing, False
    analytics.record(session, now=now, team_id=team_id, user_id=user_id, name="person.first_contact",
                     object_type="person", object_id=user_id)
    return person, True


def zone_of(person: Person) -> ZoneInfo:
    try:
        return ZoneInfo(person.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def profile_is_stale(person: Person, *, now: datetime) -> bool:
    if person.tz_refreshed_at is None:
        return True
    return (now - person.tz_refreshed_at).total_seconds() > PROFILE_MAX_AGE_HOURS * 3600


def apply_profile(
    person: Person, *, now: datetime, tz: str | None, display_name: str | None, email: str | None, deleted: bool
) -> None:
    """Store what users.info said. An unknown zone name keeps the previous one."""
    if tz:
        try:
            ZoneInfo(tz)
            person.tz = tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if display_name:
        person.display_name = display_name[:255]
    if email:
        person.email = email[:320]
    person.deactivated = deleted
    person.tz_refreshed_at = now


def set_opt_in(session: Session, person: Person, *, opted_in: bool, now: datetime) -> None:
    new_state = "opted_in" if opted_in else "declined"
    if person.opt_in == new_state:
        return
    person.opt_in = new_state
    person.opt_in_changed_at = now
    analytics.record(session, now=now, team_id=person.team_id, user_id=person.user_id,
                     name="person.opted_in" if opted_in else "person.opted_out", object_type="person",
                     object_id=person.user_id)


def pause(session: Session, person: Person, *, until: datetime, now: datetime) -> None:
    if until <= now:
        raise InvalidInput("Pick a date in the future to pause until.")
    if (until - now).days > 366:
        raise InvalidInput("You can pause for up to a year at a time.")
    person.paused_until = until
    analytics.record(session, now=now, team_id=person.team_id, user_id=person.user_id, name="person.paused",
                     object_type="person", object_id=person.user_id, properties={"until": until.isoformat()})


def resume(session: Session, person: Person, *, now: datetime) -> None:
    """Back to normal: end a pause and any back-off (the ignored-nudge count starts afresh)."""
    changed = False
    if person.paused_until is not None:
        person.paused_until = None
        changed = True
    if person.backoff_until is not None and person.backoff_until > now:
        person.backoff_until = now  # a finished back-off: only nudges sent from now on count again
        changed = True
    if changed:
        analytics.record(session, now=now, team_id=person.team_id, user_id=person.user_id, name="person.resumed",
                         object_type="person", object_id=person.user_id)


def pause_until_local_date(person: Person, day: str, *, now: datetime) -> datetime:
    """Parse ``YYYY-MM-DD`` (the first day the person wants to hear from us again) in their zone."""
    try:
        date_value = datetime.strptime(day, "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidInput(f"“{day[:40]}” is not a date like 2026-12-01.") from exc
    return datetime.combine(date_value, time(0, 0), tzinfo=zone_of(person))


def set_working_hours(person: Person, *, days: list[int], start_minute: int, end_minute: int) -> None:
    if not days or any(d < 0 or d > 6 for d in days):
        raise InvalidInput("Pick at least one working day.")
    if not 0 <= start_minute < end_minute <= 24 * 60:
        raise InvalidInput("Your working day must start before it ends.")
    person.working_days = ",".join(str(d) for d in sorted(set(days)))
    person.work_start_minute = start_minute
    person.work_end_minute = end_minute


def set_enabled_kinds(session: Session, person: Person, *, enabled: set[str], now: datetime) -> None:
    """The Home tab's nudge-type checkboxes: every listed type not ticked is muted.

    Muted kinds that the Home tab does not list are kept as they are.
    """
    listed = [kind for kind, _ in NUDGE_TYPES]
    unlisted = [k for k in (person.muted_kinds or []) if k not in listed]
    muted = unlisted + [k for k in listed if k not in enabled]
    if muted == list(person.muted_kinds or []):
        return
    person.muted_kinds = muted
    analytics.record(session, now=now, team_id=person.team_id, user_id=person.user_id, name="person.muted_kinds",
                     object_type="person", object_id=person.user_id, properties={"muted": muted})
