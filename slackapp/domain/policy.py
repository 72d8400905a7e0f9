"""The respect-my-time policy: one decision for every proactive message, re-checked at send time.

``decide`` is pure: the delivery job gathers the facts (the person row, Slack do-not-disturb and
status, recent sends, the ignored streak) and records the returned decision with its reason.
``docs/respect-my-time.md`` has the rule × kind table; the rules, first match wins:

1. deactivated or unreachable → skip
2. ``payload["not_after"]`` passed → skip ("too late: the moment has passed")
3. opt-in: ``welcome`` only before answering; ``feed_failed`` unless they said stop; transactional kinds
   (a colleague's invitation, assignment, review or debrief request) never need it; others opted in
4. muted kind → skip
5. back-off (nudge kinds only) → skip
6. holds, each deferring to its end: pause, out of office, do-not-disturb, weekly cap (capped kinds),
   then working hours (non-calendar kinds). A deferral that lands at or after ``not_after`` → skip.
7. otherwise send.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.clock import ensure_utc
from slackapp.db.models import Delivery, Person
from slackapp.domain.people import zone_of

Outcome = Literal["send", "defer", "skip"]

# Tied to a meeting: timed by the meeting, never by working hours; not capped.
CALENDAR_KINDS = frozenset({"prep", "reflect"})
# Kinds that may reach someone who has not opted in: the one message that asks them to.
PRE_OPT_IN_KINDS = frozenset({"welcome"})
# Operational notes about Flowcoach itself: not capped, never backed off, not counted as nudges.
OPERATIONAL_KINDS = frozenset({"feed_failed", "backoff_note"})
# Allowed before opting in as long as the person has not said stop: they asked for calendar sync.
NO_OPT_IN_NEEDED_KINDS = frozenset({"feed_failed"})
# Messages another person's action asked for (an invitation, an assignment, a review, a peer's debrief
# request) or that keep a task the person accepted on track. They need no opt-in (declining coaching
# nudges must not silently drop a manager's assignment), are never capped or backed off, but wait for
# working hours, pauses, out-of-office and do-not-disturb like everything else.
TRANSACTIONAL_KINDS = frozenset({
    "team_invite", "team_update", "assignment_offer", "assignment_reminder", "assignment_update",
    "review_request", "review_reminder", "review_result", "debrief_offer", "debrief_prompt",
    "debrief_reminder", "debrief_summary", "debrief_reflect",
})
# Everything else (tips, tracks, …) is a capped non-calendar nudge.
UNCAPPED_KINDS = CALENDAR_KINDS | PRE_OPT_IN_KINDS | OPERATIONAL_KINDS | TRANSACTIONAL_KINDS
NOT_NUDGES = PRE_OPT_IN_KINDS | OPERATIONAL_KINDS | TRANSACTIONAL_KINDS

CAP_WINDOW = timedelta(days=7)
BACKOFF_AFTER = 3  # ignored nudges in a row
IGNORED_AFTER = timedelta(hours=24)  # a sent nudge with no interaction for this long was ignored
BACKOFF_FOR = timedelta(days=7)
BACKOFF_LOOKBACK = timedelta(days=30)  # older sends never count toward a streak
OOO_RECHECK = timedelta(days=1)  # an out-of-office status without an end is looked at again after this
BACKED_OFF = f"backed off after {BACKOFF_AFTER} ignored nudges"
TOO_LATE = "too late: the moment has passed"

# Slack status that reads as out of office. Text: whole words, case-insensitive.
OOO_STATUS_TEXT = re.compile(
    r"\b(ooo|out of (the )?office|vacation|holidays?|(annual|parental|maternity|paternity|sick|on) leave|pto|sick)\b",
    re.IGNORECASE,
)
OOO_STATUS_EMOJI = frozenset({":palm_tree:", ":desert_island:", ":airplane:", ":face_with_thermometer:",
                              ":thermometer:"})
# What a deferral past ``not_after`` would have been too late for.
NOT_AFTER_TARGET = {"prep": "the meeting start", "reflect": "the end of the reflection window"}


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str
    until: datetime | None = None
    starts_backoff: bool = False  # the job sets Person.backoff_until and sends the one-time note

    def __post_init__(self) -> None:
        if (self.outcome == "defer") != (self.until is not None):
            raise ValueError("a deferral, and only a deferral, names the time it defers until")
        if not self.reason:
            raise ValueError("every decision records its reason")
        if self.starts_backoff and self.outcome != "skip":
            raise ValueError("only a skipped nudge starts a back-off")


def is_capped(kind: str) -> bool:
    return kind not in UNCAPPED_KINDS


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


def status_reads_ooo(status_text: str, status_emoji: str) -> bool:
    return bool(OOO_STATUS_TEXT.search(status_text or "")) or (status_emoji or "").strip() in OOO_STATUS_EMOJI


def ooo_until(person: Person, *, now: datetime, status_text: str = "", status_emoji: str = "",
              status_expiration: datetime | None = None) -> tuple[datetime, str] | None:
    """When the person is back (and how we know), or None if they are not away right now."""
    found: list[tuple[datetime, str]] = []
    if person.ooo_until is not None and person.ooo_until > now:
        found.append((person.ooo_until, "the person is out of office (calendar)"))
    if status_reads_ooo(status_text, status_emoji):
        if status_expiration is None:
            found.append((now + OOO_RECHECK, "the person's Slack status reads as out of office"))
        elif status_expiration > now:
            found.append((status_expiration, "the person's Slack status reads as out of office"))
    return max(found, key=lambda item: item[0]) if found else None


def cap_frees_at(recent_sends: Sequence[datetime], cap: int) -> datetime | None:
    """When fewer than ``cap`` of ``recent_sends`` (the last 7 days) remain inside the window."""
    if len(recent_sends) < cap:
        return None
    ordered = sorted(recent_sends)
    return ordered[len(ordered) - cap] + CAP_WINDOW


def _not_after(payload: dict[str, Any] | None) -> datetime | None:
    raw = (payload or {}).get("not_after")
    if not raw:
        return None
    try:
        return ensure_utc(datetime.fromisoformat(str(raw)))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Hold:
    until: datetime
    reason: str  # recorded when this hold defers the message
    lasts: str  # "do-not-disturb" → "do-not-disturb lasts past the meeting start"


def _holds(person: Person, *, kind: str, now: datetime, dnd_until: datetime | None,
           recent_sends: Sequence[datetime], status_text: str, status_emoji: str,
           status_expiration: datetime | None) -> list[_Hold]:
    holds: list[_Hold] = []
    if person.paused_until is not None and person.paused_until > now:
        holds.append(_Hold(person.paused_until, "the person paused Flowcoach", "the pause lasts"))
    away = ooo_until(person, now=now, status_text=status_text, status_emoji=status_emoji,
                     status_expiration=status_expiration)
    if away is not None:
        holds.append(_Hold(away[0], away[1], "out of office lasts"))
    if dnd_until is not None and dnd_until > now:
        holds.append(_Hold(dnd_until, "Slack do-not-disturb is on", "do-not-disturb lasts"))
    if is_capped(kind):
        frees = cap_frees_at(recent_sends, person.weekly_cap)
        if frees is not None and frees > now:
            holds.append(_Hold(frees, f"the weekly limit of {person.weekly_cap} nudges is reached",
                               "the weekly limit lasts"))
    return holds


def decide(
    person: Person,
    *,
    kind: str,
    now: datetime,
    dnd_until: datetime | None = None,
    payload: dict[str, Any] | None = None,
    recent_sends: Sequence[datetime] = (),
    ignored_streak: int = 0,
    status_text: str = "",
    status_emoji: str = "",
    status_expiration: datetime | None = None,
) -> Decision:
    """Whether to send a ``kind`` message to ``person`` now, later (and when), or never.

    ``recent_sends``: when capped nudges were sent to the person in the last 7 days.
    ``ignored_streak``: ignored nudges in a row in this kind's scope (see ``ignored_streak``).
    ``status_*``: the Slack profile status (``status_expiration`` None when it never expires).
    """
    if person.deactivated:
        return Decision("skip", "the person's Slack account is deactivated")
    if person.unreachable_reason:
        return Decision("skip", f"Slack cannot reach the person ({person.unreachable_reason})")
    not_after = _not_after(payload)
    if not_after is not None and now >= not_after:
        return Decision("skip", TOO_LATE)
    if kind in PRE_OPT_IN_KINDS:
        if person.opt_in != "unknown":
            return Decision("skip", "the person already answered the invitation")
    elif kind in NO_OPT_IN_NEEDED_KINDS:
        if person.opt_in == "declined":
            return Decision("skip", "the person turned off proactive messages")
    elif kind in TRANSACTIONAL_KINDS:
        pass  # asked for by a colleague's action or a task the person accepted: no opt-in needed
    elif person.opt_in != "opted_in":
        return Decision("skip", "the person has not opted in to proactive messages")
    if kind in (person.muted_kinds or []):
        return Decision("skip", f"the person turned off {kind} messages")
    if kind not in NOT_NUDGES:
        backing_off = person.backoff_until is not None and person.backoff_until > now
        if kind not in CALENDAR_KINDS and backing_off:
            return Decision("skip", BACKED_OFF)
        if ignored_streak >= BACKOFF_AFTER:
            return Decision("skip", BACKED_OFF, starts_backoff=not backing_off)
    calendar = kind in CALENDAR_KINDS
    holds = _holds(person, kind=kind, now=now, dnd_until=dnd_until, recent_sends=recent_sends,
                   status_text=status_text, status_emoji=status_emoji, status_expiration=status_expiration)
    until = max([now, *(h.until for h in holds)])
    if not calendar:  # calendar nudges follow the meeting, not working hours (or working days)
        until = next_working_moment(person, until)
    if until == now:
        return Decision("send", _send_reason(kind, len(recent_sends), person.weekly_cap))
    if not_after is not None and until >= not_after:
        target = NOT_AFTER_TARGET.get(kind, "the time it was meant for")
        late = next((h for h in holds if h.until >= not_after), None)
        lasts = late.lasts if late else "the next working hours start"
        return Decision("skip", f"{lasts} past {target}")
    reason = holds[0].reason if holds else "outside the person's working hours"
    return Decision("defer", reason, ensure_utc(until))


def _send_reason(kind: str, recent: int, cap: int) -> str:
    if kind in CALENDAR_KINDS:
        return "timed to the meeting; not paused, away or in do-not-disturb"
    if is_capped(kind):
        return (f"inside working hours and within the weekly limit ({recent + 1} of {cap}); "
                "not paused, away or in do-not-disturb")
    if kind in TRANSACTIONAL_KINDS:
        return "inside working hours, not paused, away or in do-not-disturb"
    return "inside working hours, opted in, not paused or in do-not-disturb"


# ---- facts the delivery job gathers for decide() ---------------------------------------------


def recent_capped_sends(session: Session, person: Person, *, now: datetime) -> list[datetime]:
    """Send times of capped nudges to the person in the 7 days before ``now``."""
    rows = session.scalars(
        select(Delivery.sent_at).where(
            Delivery.team_id == person.team_id, Delivery.user_id == person.user_id,
            Delivery.sent_at.is_not(None), Delivery.sent_at > now - CAP_WINDOW,
            Delivery.kind.not_in(sorted(UNCAPPED_KINDS)),
        )
    ).all()
    return sorted(ensure_utc(r) for r in rows if r is not None)


def _moment_of(payload: dict[str, Any] | None) -> Any:
    return (payload or {}).get("moment_id")


def ignored_streak(session: Session, person: Person, *, kind: str, payload: dict[str, Any] | None,
                   now: datetime) -> int:
    """Sent nudges in a row, newest first, that nobody touched for 24 h.

    Scope: for non-calendar kinds, every non-calendar nudge; for calendar kinds, the same kind for
    the same moment (``payload["moment_id"]``). Nudges younger than 24 h are not judged yet and
    are passed over; an interaction ends the streak. Sends before the end of a finished back-off
    (or older than 30 days) never count, so nudges start afresh after one.
    """
    if kind in NOT_NUDGES:
        return 0
    since = now - BACKOFF_LOOKBACK
    if person.backoff_until is not None and person.backoff_until <= now:
        since = max(since, person.backoff_until)
    query = select(Delivery).where(
        Delivery.team_id == person.team_id, Delivery.user_id == person.user_id,
        Delivery.sent_at.is_not(None), Delivery.sent_at > since,
    )
    if kind in CALENDAR_KINDS:
        query = query.where(Delivery.kind == kind)
    else:
        query = query.where(Delivery.kind.not_in(sorted(CALENDAR_KINDS | NOT_NUDGES)))
    moment = _moment_of(payload)
    streak = 0
    for sent in session.scalars(query.order_by(Delivery.sent_at.desc(), Delivery.id.desc()).limit(100)):
        if kind in CALENDAR_KINDS and _moment_of(sent.payload) != moment:
            continue
        if sent.interacted_at is not None:
            break
        assert sent.sent_at is not None
        if sent.sent_at > now - IGNORED_AFTER:
            continue
        streak += 1
    return streak
