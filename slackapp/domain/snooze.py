"""What a person does with a delivered nudge card: snooze it, say it was not helpful — and the
bookkeeping every answer shares (the card counts as interacted with; a card answered once is
never answered twice).

Snoozing schedules a follow-up delivery in the outbox with the same kind and payload, keyed
``{root key}:snooze:{n}`` where the root key is the original delivery's key and ``n`` counts the
snoozes so far (1, 2, 3). A follow-up snoozed again gets the next ``n`` under the same root, so the
keys stay short and a card can be snoozed at most once (its follow-up key is deterministic). The
root key is also the reflection prompt key: one reflection per prompt, however often it was snoozed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db.models import AnalyticsEvent, Delivery, Reflection
from slackapp.domain import analytics, deliveries, series
from slackapp.domain.errors import AlreadyDone, InvalidInput
from slackapp.domain.series import not_after

SNOOZE_MARK = ":snooze:"
KEY_MAX = 255  # Delivery.key
MAX_SNOOZES = 3
SNOOZE_CHOICES = (10, 30, 60)  # minutes offered on every nudge
MAX_SNOOZE_MINUTES = 24 * 60
ALREADY_DONE = "That's already done."


def snooze_index(key: str) -> int:
    """How many times the nudge behind ``key`` was snoozed before this delivery (0 for the original)."""
    _root, mark, number = key.rpartition(SNOOZE_MARK)
    return int(number) if mark and number.isdigit() else 0


def root_key(key: str) -> str:
    """The key a nudge and all its snoozed follow-ups share: the original delivery's key (shortened
    with a hash when a snooze suffix would not fit the 255-character key column)."""
    root = key.rpartition(SNOOZE_MARK)[0] if snooze_index(key) else key
    limit = KEY_MAX - len(f"{SNOOZE_MARK}{MAX_SNOOZES}")
    if len(root) <= limit:
        return root
    digest = hashlib.sha256(root.encode()).hexdigest()[:16]
    return f"{root[: limit - len(digest) - 1]}~{digest}"


def follow_up_key(key: str) -> str:
    """The key of the delivery that snoozing the nudge ``key`` schedules."""
    return f"{root_key(key)}{SNOOZE_MARK}{snooze_index(key) + 1}"


def snooze_choices(*, key: str, payload: dict[str, Any], now: datetime) -> list[int]:
    """The snooze lengths (minutes) to offer on a card: none once snoozed three times, and none that
    would land after ``payload["not_after"]``."""
    if snooze_index(key) >= MAX_SNOOZES:
        return []
    limit = not_after(payload)
    return [m for m in SNOOZE_CHOICES if limit is None or now + timedelta(minutes=m) <= limit]


def mark_interacted(delivery: Delivery, *, now: datetime) -> None:
    """A button on the card was used: the back-off policy must not count it as ignored."""
    if delivery.interacted_at is None:
        delivery.interacted_at = now
    delivery.updated_at = now


def _logged(session: Session, delivery: Delivery, name: str) -> bool:
    return session.scalar(
        select(AnalyticsEvent.id).where(AnalyticsEvent.team_id == delivery.team_id, AnalyticsEvent.name == name,
                                        AnalyticsEvent.object_type == "delivery",
                                        AnalyticsEvent.object_id == delivery.key).limit(1)
    ) is not None


def answer_of(session: Session, delivery: Delivery) -> str | None:
    """How the person already answered this card (``snoozed``, ``not_helpful``, ``skipped``,
    ``reflected``, ``muted``), or None while it is still open."""
    if deliveries.by_key(session, follow_up_key(delivery.key)):
        return "snoozed"
    if _logged(session, delivery, "nudge.not_helpful"):
        return "not_helpful"
    if _logged(session, delivery, "reflection.skipped"):
        return "skipped"
    if delivery.kind == "reflect" and session.scalar(
        select(Reflection.id).where(Reflection.prompt_key == root_key(delivery.key))
    ) is not None:
        return "reflected"
    event_uid = delivery.payload.get("event_uid")
    if event_uid and series.is_muted(session, team_id=delivery.team_id, user_id=delivery.user_id,
                                     event_uid=str(event_uid)):
        return "muted"
    return None


def ensure_open(session: Session, delivery: Delivery) -> None:
    """Raise AlreadyDone when the card was already answered (a second click on a used button)."""
    if answer_of(session, delivery) is not None:
        raise AlreadyDone(ALREADY_DONE)


def not_helpful(session: Session, *, delivery: Delivery, now: datetime) -> None:
    ensure_open(session, delivery)
    mark_interacted(delivery, now=now)
    analytics.record(session, now=now, team_id=delivery.team_id, user_id=delivery.user_id, name="nudge.not_helpful",
                     object_type="delivery", object_id=delivery.key,
                     properties={"kind": delivery.kind, "guide_id": delivery.payload.get("guide_id"),
                                 "moment_id": delivery.payload.get("moment_id")})


def snooze(session: Session, *, delivery: Delivery, minutes: int, now: datetime) -> Delivery:
    """Schedule the same nudge again ``minutes`` from now; returns the follow-up delivery."""
    if not 0 < minutes <= MAX_SNOOZE_MINUTES:
        raise InvalidInput("Pick one of the snooze times on the message.")
    count = snooze_index(delivery.key) + 1
    key = follow_up_key(delivery.key)
    if deliveries.by_key(session, key) is not None:
        raise AlreadyDone(ALREADY_DONE)
    ensure_open(session, delivery)
    if count > MAX_SNOOZES:
        raise InvalidInput("You've snoozed this three times — it may not be the right moment. Let this one go, "
                           "or use “Stop these for this meeting series” if these don't help.")
    due = now + timedelta(minutes=minutes)
    limit = not_after(delivery.payload)
    if limit is not None and due > limit:
        when = "after the meeting starts" if delivery.kind == "prep" else "after this prompt expires"
        raise InvalidInput(f"That would remind you {when} — pick a shorter snooze.")
    follow_up = deliveries.schedule(session, key=key, team_id=delivery.team_id, user_id=delivery.user_id,
                                    kind=delivery.kind, due_at=due, now=now, payload=dict(delivery.payload))
    session.flush()
    deliveries.record_decision(session, follow_up, outcome="deferred", now=now, deferred_until=due,
                               reason=f"you snoozed the earlier message for {minutes} minutes")
    mark_interacted(delivery, now=now)
    analytics.record(session, now=now, team_id=delivery.team_id, user_id=delivery.user_id, name="nudge.snoozed",
                     object_type="delivery", object_id=delivery.key,
                     properties={"kind": delivery.kind, "minutes": minutes, "count": count})
    return follow_up
