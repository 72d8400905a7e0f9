"""The /coach subcommands: each parses its arguments, calls the domain, and returns what to show."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp.db.models import Person
from slackapp.domain import people
from slackapp.domain.errors import InvalidInput
from slackapp.services import Services
from slackapp.views.blocks import Message
from slackapp.views.help import notice


@dataclass(frozen=True)
class CommandRequest:
    """What a subcommand handler gets. It returns the ephemeral reply, or None when it opened a modal."""

    services: Services
    team_id: str
    user_id: str
    args: str
    now: datetime
    trigger_id: str
    client: WebClient

    def person(self, session: Session) -> Person:
        return people.get_or_create_person(session, team_id=self.team_id, user_id=self.user_id, now=self.now)[0]


Handler = Callable[[CommandRequest], Message | None]
SUBCOMMANDS: dict[str, Handler] = {}
_HELP: list[tuple[str, str]] = [("help", "this list")]


def subcommand(name: str, usage: str, summary: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        SUBCOMMANDS[name] = handler
        _HELP.append((usage, summary))
        return handler

    return decorate


def help_entries() -> list[tuple[str, str]]:
    return list(_HELP)


@subcommand("start", "start", "turn on coaching nudges (you can stop any time)")
def start(req: CommandRequest) -> Message:
    now = req.now
    with req.services.db.session() as session:
        person = req.person(session)
        people.set_opt_in(session, person, opted_in=True, now=now)
    return notice("Coaching is on. I'll only message you inside your working hours. `/coach stop` turns it off.")


@subcommand("stop", "stop", "turn off all proactive messages")
def stop(req: CommandRequest) -> Message:
    now = req.now
    with req.services.db.session() as session:
        person = req.person(session)
        people.set_opt_in(session, person, opted_in=False, now=now)
    return notice("Done — I won't message you proactively. `/coach start` turns coaching back on.")


_DAYS = re.compile(r"^(\d{1,3})\s*(d|day|days)?$")


@subcommand("pause", "pause [YYYY-MM-DD | N days]", "pause nudges until a date (default: one week)")
def pause(req: CommandRequest) -> Message:
    now = req.now
    with req.services.db.session() as session:
        person = req.person(session)
        args = req.args
        match = _DAYS.match(args.lower())
        if not args:
            until = now + timedelta(days=7)
        elif match:
            until = now + timedelta(days=int(match.group(1)))
        elif re.match(r"^\d{4}-\d{2}-\d{2}$", args):
            until = people.pause_until_local_date(person, args, now=now)
        else:
            raise InvalidInput(
                f"I couldn't read “{args[:40]}”. Try `/coach pause 2026-12-01` or `/coach pause 3 days`."
            )
        people.pause(session, person, until=until, now=now)
        local = until.astimezone(people.zone_of(person))
    return notice(f"Paused until {local:%a %d %b %Y, %H:%M} your time. `/coach resume` to come back sooner.")


@subcommand("resume", "resume", "end a pause now")
def resume(req: CommandRequest) -> Message:
    now = req.now
    with req.services.db.session() as session:
        person = req.person(session)
        was_paused = person.paused_until is not None and person.paused_until > now
        was_backing_off = person.backoff_until is not None and person.backoff_until > now
        people.resume(session, person, now=now)
    if was_paused:
        return notice("Welcome back — coaching has resumed.")
    if was_backing_off:
        return notice("Back to normal — I'll send nudges at the usual pace again.")
    return notice("You weren't paused; nothing changed.")


@subcommand("status", "status", "your coaching settings: on/off, pause, time zone, working hours")
def status(req: CommandRequest) -> Message:
    now = req.now
    with req.services.db.session() as session:
        person = req.person(session)
        state = {"opted_in": "on", "declined": "off", "unknown": "not turned on yet"}[person.opt_in]
        lines = [f"*Coaching:* {state}", f"*Time zone:* {person.tz}", f"*Working hours:* {describe_hours(person)}"]
        if person.paused_until is not None and person.paused_until > now:
            local = person.paused_until.astimezone(people.zone_of(person))
            lines.append(f"*Paused until:* {local:%a %d %b %Y, %H:%M}")
    return notice("\n".join(lines))


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def describe_hours(person: Person) -> str:
    days = [int(d) for d in person.working_days.split(",") if d.strip().isdigit()]
    start, end = person.work_start_minute, person.work_end_minute
    names = "–".join((DAY_NAMES[days[0]], DAY_NAMES[days[-1]])) if days == list(range(days[0], days[-1] + 1)) \
        else ", ".join(DAY_NAMES[d] for d in days)
    return f"{names} {start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"
