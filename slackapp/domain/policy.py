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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slackapp.clock import ensure_utc
from slackapp.db.models import Person
from slackapp.domain.policy_facts import (
    OOO_RECHECK,
    OOO_STATUS_EMOJI,
    OOO_STATUS_TEXT,
    ignored_streak,
    ooo_until,
    recent_capped_sends,
    status_reads_ooo,
)
from slackapp.domain.policy_hours import in_working_hours, next_working_moment, working_days
from slackapp.domain.policy_rules import (
    BACKED_OFF,
    BACKOFF_AFTER,
    BACKOFF_FOR,
    BACKOFF_LOOKBACK,
    CALENDAR_KINDS,
    CAP_WINDOW,
    IGNORED_AFTER,
    NO_OPT_IN_NEEDED_KINDS,
    NOT_AFTER_TARGET,
    NOT_NUDGES,
    OPERATIONAL_KINDS,
    PRE_OPT_IN_KINDS,
    TOO_LATE,
    TRANSACTIONAL_KINDS,
    UNCAPPED_KINDS,
    Outcome,
    cap_frees_at,
    is_capped,
)

# The facts decide() reads are gathered by ``policy_facts``; working hours live in ``policy_hours``;
# kind families, limits and reasons in ``policy_rules``. Every name stays importable from here.


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


__all__ = [
    "BACKED_OFF", "BACKOFF_AFTER", "BACKOFF_FOR", "BACKOFF_LOOKBACK", "CALENDAR_KINDS", "CAP_WINDOW",
    "IGNORED_AFTER", "NOT_AFTER_TARGET", "NOT_NUDGES", "NO_OPT_IN_NEEDED_KINDS", "OOO_RECHECK", "OOO_STATUS_EMOJI",
    "OOO_STATUS_TEXT", "OPERATIONAL_KINDS", "PRE_OPT_IN_KINDS", "TOO_LATE", "TRANSACTIONAL_KINDS",
    "UNCAPPED_KINDS", "Decision", "Outcome", "cap_frees_at", "decide", "ignored_streak", "in_working_hours",
    "is_capped", "next_working_moment", "ooo_until", "recent_capped_sends", "status_reads_ooo", "working_days",
]
