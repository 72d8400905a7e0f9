"""The respect-my-time policy: one decision for every proactive message, re-checked at send time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from slackapp.db.models import Person
from slackapp.domain.people import zone_of

Outcome = Literal["send", "defer", "skip"]
# Kinds that may reach someone who has not opted in: the one message that asks them to.
PRE_OPT_IN_KINDS = frozenset({"welcome"})


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str
    until: datetime | None = None

    def __post_init__(self) -> None:
        if (self.outcome == "defer") != (self.until is not None):
            raise ValueError("a deferral, and only a deferral, names the time it defers until")
        if not self.reason:
            raise ValueError("every decision records its reason")


def working_days(person: Person) -> set[int]:
    return {int(d) for d in person.working_days.split(",") if d.strip().isdigit()}


def next_working_moment(person: Person, after: datetime) -> datetime:
    """``after`` itself if it falls inside the person's working hours, else the next start of work."""
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
            return start
        if local < end:
            return after
    return after  # unreachable with at least one working day; never lose the message


def in_working_hours(person: Person, moment: datetime) -> bool:
    return next_working_moment(person, moment) == moment


def decide(person: Person, *, kind: str, now: datetime, dnd_until: datetime | None = None) -> Decision:
    """Whether to send a ``kind`` message to ``person`` now, later (and when), or never."""
    if person.deactivated:
        return Decision("skip", "the person's Slack account is deactivated")
    if person.unreachable_reason:
        return Decision("skip", f"Slack cannot reach the person ({person.unreachable_reason})")
    if kind in PRE_OPT_IN_KINDS:
        if person.opt_in != "unknown":
            return Decision("skip", "the person already answered the invitation")
    elif person.opt_in != "opted_in":
        return Decision("skip", "the person has not opted in to proactive messages")
    if kind in (person.muted_kinds or []):
        return Decision("skip", f"the person turned off {kind} messages")
    if person.paused_until is not None and person.paused_until > now:
        until = next_working_moment(person, person.paused_until)
        return Decision("defer", "the person paused Flowcoach", until)
    if dnd_until is not None and dnd_until > now:
        return Decision("defer", "Slack do-not-disturb is on", next_working_moment(person, dnd_until))
    moment = next_working_moment(person, now)
    if moment != now:
        return Decision("defer", "outside the person's working hours", moment)
    return Decision("send", "inside working hours, opted in, not paused or in do-not-disturb")
