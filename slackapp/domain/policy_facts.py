"""Facts the delivery job gathers for ``policy.decide``: recent capped sends, the ignored streak, and
whether a Slack status (or the calendar) says the person is out of office."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.clock import ensure_utc
from slackapp.db.models import Delivery, Person
from slackapp.domain.policy_rules import (
    BACKOFF_LOOKBACK,
    CALENDAR_KINDS,
    CAP_WINDOW,
    IGNORED_AFTER,
    NOT_NUDGES,
    UNCAPPED_KINDS,
)

OOO_RECHECK = timedelta(days=1)  # an out-of-office status without an end is looked at again after this

# Slack status that reads as out of office. Text: whole words, case-insensitive.
OOO_STATUS_TEXT = re.compile(
    r"\b(ooo|out of (the )?office|vacation|holidays?|(annual|parental|maternity|paternity|sick|on) leave|pto|sick)\b",
    re.IGNORECASE,
)
OOO_STATUS_EMOJI = frozenset({":palm_tree:", ":desert_island:", ":airplane:", ":face_with_thermometer:",
                              ":thermometer:"})


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
