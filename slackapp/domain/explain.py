""""Why did I get this?" — plain-language answers built from the recorded delivery decisions.

Every decision the delivery job makes is stored (``DeliveryDecision``) with its reason, written
about "the person" for L&D's eyes; this module retells them to the person themselves, in their
own time zone: when the message was scheduled and why, when it was held back and for what, when
it was sent, or why it never was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.clock import ensure_utc
from slackapp.db.models import Delivery, DeliveryDecision
from slackapp.domain import deliveries

KIND_LABELS = {
    "welcome": "Welcome message",
    "prep": "Prep before a meeting",
    "reflect": "Reflection after a meeting",
    "feed_failed": "Calendar problem notice",
    "backoff_note": "Note about sending fewer nudges",
}
STATE_WORDS = {"sent": "sent", "skipped": "not sent", "cancelled": "cancelled", "failed": "failed",
               "sending": "being sent", "scheduled": "waiting"}
PURPOSE = {
    "welcome": "you opened Flowcoach for the first time",
    "feed_failed": "your calendar stopped syncing",
    "backoff_note": "your last few nudges went unanswered",
}
# Reasons the policy records, retold to the person (others go through ``for_person``).
FRIENDLY = {
    "Slack do-not-disturb is on": "of do-not-disturb",
    "outside the person's working hours": "it was outside your working hours",
    "the person paused Flowcoach": "you had paused Flowcoach",
    "the person's Slack status reads as out of office": "your Slack status said you were out of office",
    "the person is out of office (calendar)": "your calendar said you were out of office",
}
_PERSON = (("the person's", "your"), ("the person is", "you are"), ("the person has", "you have"),
           ("the person", "you"))


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def for_person(reason: str) -> str:
    """A recorded reason ("the person paused Flowcoach") told to that person ("you had paused …")."""
    if reason in FRIENDLY:
        return FRIENDLY[reason]
    text = reason
    for third, second in _PERSON:
        text = text.replace(third, second)
    return text


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return ensure_utc(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _at(moment: datetime, tz: ZoneInfo, day: date) -> str:
    local = ensure_utc(moment).astimezone(tz)
    return f"{local:%H:%M}" if local.date() == day else f"{local:%a %d %b %H:%M}"


def _moment_name(content: Any, moment_id: Any) -> str:
    finder = getattr(content, "moment", None)
    if not moment_id or finder is None:
        return "meeting"
    try:
        name = str(getattr(finder(str(moment_id)), "name", "") or "").strip()
    except (LookupError, ValueError):
        return "meeting"
    return (name[0].lower() + name[1:] if name[1:2].islower() else name) if name else "meeting"


def _because(delivery: Delivery, tz: ZoneInfo, day: date, content: Any) -> str | None:
    payload = delivery.payload or {}
    title = str(payload.get("title") or "").strip()
    named = f"“{title[:80]}”" if title else "it"
    if delivery.kind == "prep":
        start = _parse(payload.get("start"))
        if start is not None:
            subject = f"your {_moment_name(content, payload.get('moment_id'))}"
            subject += f" {named}" if title else ""
            return f"{subject} starts at {_at(start, tz, day)}"
    if delivery.kind == "reflect":
        end = _parse(payload.get("end"))
        if end is not None:
            return f"{'your meeting ' + named if title else 'your meeting'} ended at {_at(end, tz, day)}"
    return PURPOSE.get(delivery.kind)


def explain_delivery(session: Session, *, delivery: Delivery, tz: ZoneInfo, content: Any = None) -> list[str]:
    """Plain-language lines, oldest first: scheduled when and why, held back, sent, skipped, cancelled."""
    decided = list(deliveries.decisions(session, delivery))
    scheduled = ensure_utc(decided[0].decided_at if decided else delivery.due_at)
    day = scheduled.astimezone(tz).date()
    because = _because(delivery, tz, day, content)
    lines = [f"Scheduled for {_at(scheduled, tz, day)} your time" + (f" because {because}." if because else ".")]
    lines += _decision_lines(decided, tz, day)
    if not decided and delivery.state == "scheduled":
        lines.append("Not sent yet.")
    return lines


def _decision_lines(decided: Sequence[DeliveryDecision], tz: ZoneInfo, day: date) -> list[str]:
    lines: list[str] = []
    index = 0
    while index < len(decided):
        decision = decided[index]
        at = _at(decision.decided_at, tz, day)
        following = decided[index + 1] if index + 1 < len(decided) else None
        if decision.outcome == "deferred":
            held = f"Held back at {at} because {for_person(decision.reason)}"
            if following is not None and following.outcome == "sent":
                lines.append(f"{held}; sent at {_at(following.decided_at, tz, day)}.")
                index += 2
                continue
            until = _at(decision.deferred_until, tz, day) if decision.deferred_until else "later"
            lines.append(f"{held}; {'moved to' if following is not None else 'due again at'} {until}.")
        elif decision.outcome == "sent":
            lines.append(f"Sent at {at}.")
        elif decision.outcome == "skipped":
            lines.append(f"Not sent ({at}) because {for_person(decision.reason)}.")
        elif decision.outcome == "cancelled":
            lines.append(f"Cancelled at {at}: {for_person(decision.reason)}.")
        elif decision.outcome == "retry":
            lines.append(f"Slack was busy at {at} ({decision.reason}); I tried again.")
        elif decision.outcome == "rescheduled":
            lines.append(f"Put back on at {at}: {for_person(decision.reason)}.")
        elif decision.outcome == "failed":
            lines.append(f"Could not be sent at {at}: {for_person(decision.reason)}.")
        else:
            lines.append(f"{decision.outcome.capitalize()} at {at}: {for_person(decision.reason)}.")
        index += 1
    return lines


def headline(delivery: Delivery, tz: ZoneInfo) -> str:
    """One line naming the message: its kind, meeting title if any, date and what became of it."""
    title = str((delivery.payload or {}).get("title") or "").strip()
    local = ensure_utc(delivery.sent_at or delivery.due_at).astimezone(tz)
    state = STATE_WORDS.get(delivery.state, delivery.state)
    name = kind_label(delivery.kind) + (f" · “{title[:80]}”" if title else "")
    return f"{name} · {local:%a %d %b} · {state}"


def recent_for(session: Session, *, team_id: str, user_id: str, limit: int = 5) -> list[Delivery]:
    """The person's proactive messages with the most recent decisions (sent, held back, skipped …)."""
    latest = (
        select(DeliveryDecision.delivery_id, func.max(DeliveryDecision.id).label("last_id"))
        .join(Delivery, Delivery.id == DeliveryDecision.delivery_id)
        .where(Delivery.team_id == team_id, Delivery.user_id == user_id)
        .group_by(DeliveryDecision.delivery_id)
        .subquery()
    )
    rows = session.scalars(
        select(Delivery).join(latest, latest.c.delivery_id == Delivery.id).order_by(latest.c.last_id.desc())
        .limit(limit)
    ).all()
    return list(rows)
