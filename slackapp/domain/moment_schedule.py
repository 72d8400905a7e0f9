"""Which outbox deliveries a calendar occurrence gets: a prep nudge before it, a reflection prompt after it.

Rules (see docs/calendar-sync.md):

* Only an occurrence with a moment (``moment_id``), not all-day, not CANCELLED, whose series the
  person has not muted, and whose person has not declined proactive messages gets deliveries.
  Otherwise its still-scheduled prep/reflect deliveries (moved and snoozed ones included) are
  cancelled, with the reason recorded.
* Prep (kind ``prep``, only when the rule names a guide): due ``start − prep_lead_minutes``. When
  that is already past, it is sent at once if at least ``PREP_MIN_NOTICE`` remains before the
  start, else not at all. It never goes after the start (``not_after`` = start).
* Reflect (kind ``reflect``, only when the rule names a reflection set): due ``end +
  reflect_delay_minutes``; nothing for meetings whose prompt would be more than a day late, nor
  for meetings first seen after they ended (a calendar just connected); ``not_after`` = end + 2 days.
* A move moves still-scheduled deliveries. If the prep was already sent for the old time, a new
  prep (key ``…:moved:<start epoch>``) goes only when the meeting moved by more than
  ``MOVED_PREP_THRESHOLD``.
* A delivery this module cancelled earlier (meeting cancelled, then back on) is revived; sent,
  skipped and failed deliveries are never touched.

The policy (opt-in, pause, DND, working hours) is applied by the delivery job at send time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from slackapp.clock import parse_timestamp
from slackapp.content.model import ContentLibrary, MomentRule
from slackapp.db.models import CalendarOccurrence, Delivery, MutedSeries, Person
from slackapp.domain import deliveries, people
from slackapp.domain.series import MUTE_REASON

PREP_MIN_NOTICE = timedelta(minutes=5)
MOVED_PREP_THRESHOLD = timedelta(hours=1)
REFLECT_NOT_AFTER = timedelta(days=2)
REFLECT_TOO_LATE = timedelta(days=1)
KINDS = ("prep", "reflect")
MOVED_MARK = ":moved:"
SNOOZE_MARK = ":snooze:"  # slackapp.domain.snooze follow-ups: "{root key}:snooze:{n}"
# A base key longer than this has its uid part hashed, so that ":moved:<epoch>" and ":snooze:<n>"
# suffixes still fit the 255-character key column.
KEY_BASE_MAX = 200

REASON_CANCELLED = "the meeting was cancelled"
REASON_ALL_DAY = "all-day events get no nudges"
REASON_NO_MOMENT = "the meeting is no longer recognised as a moment"
REASON_RULE_GONE = "the moment rule no longer exists in the content"
REASON_DECLINED = "the person declined proactive messages"
REASON_MOVED = "the meeting moved"
REASON_TOO_LATE = "the meeting starts too soon (or already started) for a prep nudge"
REASON_NO_GUIDE = "this moment has no prep guide"
REASON_NO_REFLECTION = "this moment has no reflection prompt"
REASON_BACK_ON = "the meeting is on again"


def _key(kind: str, occ: CalendarOccurrence) -> str:
    key = f"{kind}:{occ.team_id}:{occ.user_id}:{occ.event_uid}:{occ.occurrence_id}"
    if len(key) <= KEY_BASE_MAX:
        return key
    digest = hashlib.sha1(occ.event_uid.encode("utf-8")).hexdigest()[:16]
    return f"{kind}:{occ.team_id}:{occ.user_id}:{digest}:{occ.occurrence_id}"


def prep_key(occ: CalendarOccurrence) -> str:
    """``prep:{team}:{user}:{event_uid}:{occurrence_id}`` (uid hashed when the key would be too long)."""
    return _key("prep", occ)


def reflect_key(occ: CalendarOccurrence) -> str:
    """``reflect:{team}:{user}:{event_uid}:{occurrence_id}`` (uid hashed when the key would be too long)."""
    return _key("reflect", occ)


def moved_prep_key(occ: CalendarOccurrence) -> str:
    """The key of the second prep for a meeting that moved after its prep was sent."""
    return f"{prep_key(occ)}{MOVED_MARK}{int(occ.start.timestamp())}"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def related_deliveries(session: Session, occ: CalendarOccurrence) -> list[Delivery]:
    """Every prep/reflect delivery of this occurrence: base keys, moved preps, snoozed follow-ups."""
    keys = (prep_key(occ), reflect_key(occ))
    conditions: list[ColumnElement[bool]] = [Delivery.key.in_(keys)]
    conditions += [Delivery.key.startswith(f"{key}:", autoescape=True) for key in keys]
    return list(session.scalars(
        select(Delivery).where(Delivery.team_id == occ.team_id, Delivery.user_id == occ.user_id,
                               Delivery.kind.in_(KINDS), or_(*conditions)).order_by(Delivery.id)
    ).all())


def cancel_for(session: Session, occ: CalendarOccurrence, *, reason: str, now: datetime) -> int:
    """Cancel every still-scheduled prep/reflect delivery of the occurrence; returns how many."""
    return _cancel(session, related_deliveries(session, occ), reason=reason, now=now)


def _cancel(session: Session, rows: list[Delivery], *, reason: str, now: datetime) -> int:
    count = 0
    for delivery in rows:
        if delivery.state == "scheduled":
            delivery.state = "cancelled"
            deliveries.record_decision(session, delivery, outcome="cancelled", reason=reason, now=now)
            count += 1
    return count


def _is_muted(session: Session, occ: CalendarOccurrence) -> bool:
    return session.scalar(
        select(MutedSeries.id).where(MutedSeries.team_id == occ.team_id, MutedSeries.user_id == occ.user_id,
                                     MutedSeries.event_uid == occ.event_uid).limit(1)
    ) is not None


def schedule_for(session: Session, occ: CalendarOccurrence, *, content: ContentLibrary, now: datetime) -> None:
    """Create, move, revive or cancel the occurrence's prep and reflect deliveries (idempotent)."""
    person = people.find_person(session, team_id=occ.team_id, user_id=occ.user_id)
    schedule_occurrence(session, occ, content=content, now=now, person=person, muted=None, fresh=False)


def schedule_occurrence(
    session: Session,
    occ: CalendarOccurrence,
    *,
    content: ContentLibrary,
    now: datetime,
    person: Person | None,
    muted: Collection[str] | None,
    fresh: bool,
) -> None:
    """``schedule_for`` with what a batch caller already knows: the person, their muted uids (None:
    look it up) and whether the occurrence row was just created (then it has nothing to cancel)."""
    is_muted = _is_muted(session, occ) if muted is None else occ.event_uid in muted
    reason, rule = _why_not(occ, content, person, is_muted)
    if rule is None:
        if not fresh:
            cancel_for(session, occ, reason=reason, now=now)
        return
    related = related_deliveries(session, occ)
    _schedule_prep(session, occ, rule, now, [d for d in related if d.kind == "prep"])
    _schedule_reflect(session, occ, rule, now, [d for d in related if d.kind == "reflect"],
                      ended_before_seen=fresh and occ.end <= now)


def _why_not(occ: CalendarOccurrence, content: ContentLibrary, person: Person | None,
             is_muted: bool) -> tuple[str, MomentRule | None]:
    if occ.status == "CANCELLED":
        return REASON_CANCELLED, None
    if occ.all_day:
        return REASON_ALL_DAY, None
    if occ.moment_id is None:
        return REASON_NO_MOMENT, None
    if is_muted:
        return MUTE_REASON, None  # the reason series.unmute looks for when it restores nudges
    if person is not None and person.opt_in == "declined":
        return REASON_DECLINED, None
    try:
        return "", content.moment(occ.moment_id)
    except KeyError:
        return REASON_RULE_GONE, None


def _payload(occ: CalendarOccurrence, **extra: Any) -> dict[str, Any]:
    return {"occurrence_id": occ.id, "moment_id": occ.moment_id, **extra, "title": occ.title,
            "start": _iso(occ.start), "end": _iso(occ.end), "event_uid": occ.event_uid}


def _put(session: Session, occ: CalendarOccurrence, *, key: str, kind: str, due: datetime,
         payload: dict[str, Any], now: datetime, existing: Delivery | None) -> None:
    """Schedule (or move) by key; a delivery cancelled earlier by a calendar change is put back."""
    if existing is not None and existing.state == "cancelled":
        existing.state = "scheduled"
        existing.due_at = due
        existing.payload = payload
        existing.enqueued_at = None
        deliveries.record_decision(session, existing, outcome="rescheduled", reason=REASON_BACK_ON, now=now)
        return
    deliveries.schedule(session, key=key, team_id=occ.team_id, user_id=occ.user_id, kind=kind, due_at=due,
                        now=now, payload=payload)


def prep_due(start: datetime, lead: timedelta, now: datetime) -> datetime | None:
    """When the prep nudge goes: ``start − lead``; now if that is past but the start is at least
    ``PREP_MIN_NOTICE`` away; None (never) when the meeting starts sooner than that."""
    due = start - lead
    if due >= now:
        return due
    if start - now >= PREP_MIN_NOTICE:
        return now
    return None


def _schedule_prep(session: Session, occ: CalendarOccurrence, rule: MomentRule, now: datetime,
                   rows: list[Delivery]) -> None:
    base = prep_key(occ)
    if rule.prep_guide_id is None:
        _cancel(session, rows, reason=REASON_NO_GUIDE, now=now)
        return
    by_key = {d.key: d for d in rows}
    start = occ.start

    def started_for(delivery: Delivery) -> datetime | None:
        return parse_timestamp((delivery.payload or {}).get("start"))

    # Snoozed follow-ups carry the old time: a moved meeting drops them.
    stale_snoozes = [d for d in rows if SNOOZE_MARK in d.key and started_for(d) != start]
    _cancel(session, stale_snoozes, reason=REASON_MOVED, now=now)

    base_row = by_key.get(base)
    sent = [d for d in rows if d.state in ("sent", "sending") and SNOOZE_MARK not in d.key]
    target: str | None
    if base_row is None or base_row.state in ("scheduled", "cancelled"):
        target = base
    elif not sent:
        target = None  # the policy skipped it (or it failed): a move does not retry it
    elif any(abs(s - start) <= MOVED_PREP_THRESHOLD for d in sent if (s := started_for(d)) is not None):
        target = None  # already prepared for (about) this time
    else:
        target = moved_prep_key(occ)
    others = [d for d in rows if d.key != target and SNOOZE_MARK not in d.key]
    _cancel(session, others, reason=REASON_MOVED, now=now)
    if target is None:
        return
    due = prep_due(start, timedelta(minutes=rule.prep_lead_minutes), now)
    existing = by_key.get(target)
    if due is None:
        if existing is not None:
            _cancel(session, [existing], reason=REASON_TOO_LATE, now=now)
        return
    payload = _payload(occ, guide_id=rule.prep_guide_id, not_after=_iso(start))
    _put(session, occ, key=target, kind="prep", due=due, payload=payload, now=now, existing=existing)


def _schedule_reflect(session: Session, occ: CalendarOccurrence, rule: MomentRule, now: datetime,
                      rows: list[Delivery], *, ended_before_seen: bool = False) -> None:
    if rule.reflection_set_id is None:
        _cancel(session, rows, reason=REASON_NO_REFLECTION, now=now)
        return
    key = reflect_key(occ)
    existing = next((d for d in rows if d.key == key), None)
    due = occ.end + timedelta(minutes=rule.reflect_delay_minutes)
    if due < now - REFLECT_TOO_LATE:
        return  # long past: nothing new, and whatever exists is left as it is
    if ended_before_seen:
        return  # first seen after it ended (a calendar just connected): no prompt out of the blue
    if existing is not None and existing.state not in ("scheduled", "cancelled"):
        return  # sent, skipped or failed: final
    payload = _payload(occ, question_set_id=rule.reflection_set_id, not_after=_iso(occ.end + REFLECT_NOT_AFTER))
    _put(session, occ, key=key, kind="reflect", due=due, payload=payload, now=now, existing=existing)
