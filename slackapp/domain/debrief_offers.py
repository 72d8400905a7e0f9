"""Peer debriefs, step 1: the offer card the learner gets after an experience.

``offer_debrief`` after an accepted review of an assignment with a debrief question set, or
``offer_after_moment`` after the reflection on a calendar moment whose rule says ``offer_debrief``.
The card is used once: a debrief started from it (``debrief_peers.start_from_offer``) or "No thanks"
(``decline_offer``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db.models import AnalyticsEvent, Assignment, CalendarOccurrence, Debrief, Delivery
from slackapp.domain import analytics, deliveries
from slackapp.domain.debrief_keys import OFFER_KIND, offer_key
from slackapp.domain.debrief_records import mark_interacted
from slackapp.domain.debrief_rules import ALREADY_DECLINED_OFFER, ALREADY_STARTED, OFFER_VALID_FOR
from slackapp.domain.errors import AlreadyDone, NotFound, PermissionDenied

# Moments whose rule says offer_debrief: which question set the peers answer.
MOMENT_DEBRIEF_SETS = {"feedback-conversation": "debrief-feedback", "difficult-conversation": "debrief-conversation"}
GENERAL_DEBRIEF_SET = "debrief-general"


def offer_debrief(
    session: Session,
    *,
    team_id: str,
    learner_id: str,
    question_set_id: str,
    now: datetime,
    assignment_id: int | None = None,
    occurrence_id: int | None = None,
    competency_id: str | None = None,
    about: str | None = None,
    due_at: datetime | None = None,
) -> Delivery:
    """Offer the learner a peer debrief: schedules the ``debrief_offer`` card (idempotent by key).

    Call it after an accepted review of an assignment whose template has a debrief question set
    (``assignment_id``; the competency is taken from the assignment), or after the reflection of a
    calendar moment with ``offer_debrief`` (``occurrence_id``). ``about`` names the experience on the
    cards (default: the meeting title, or "your micro-assignment"); ``due_at`` defaults to now.
    """
    key = offer_key(team_id, learner_id, assignment_id=assignment_id, occurrence_id=occurrence_id)
    existing = deliveries.by_key(session, key)
    if existing is not None:
        return existing
    if assignment_id is not None:
        assignment = session.get(Assignment, assignment_id)
        if assignment is not None:
            competency_id = competency_id or assignment.competency_id
        about = about or "your micro-assignment"
    elif occurrence_id is not None:
        occurrence = session.get(CalendarOccurrence, occurrence_id)
        about = about or (occurrence.title if occurrence is not None and occurrence.title else "your meeting")
    payload = {"question_set_id": question_set_id, "assignment_id": assignment_id, "occurrence_id": occurrence_id,
               "competency_id": competency_id, "about": (about or "")[:200],
               "not_after": (now + OFFER_VALID_FOR).isoformat()}
    delivery = deliveries.schedule(session, key=key, team_id=team_id, user_id=learner_id, kind=OFFER_KIND,
                                   due_at=due_at or now, now=now, payload=payload)
    analytics.record(session, now=now, team_id=team_id, user_id=learner_id, name="debrief.offered",
                     object_type="delivery", object_id=key,
                     properties={"competency_id": competency_id, "question_set_id": question_set_id,
                                 "source": "assignment" if assignment_id is not None else "calendar"})
    return delivery


def offer_after_moment(session: Session, *, delivery: Delivery, content: Any, now: datetime) -> Delivery | None:
    """After a reflection on a moment whose rule offers a peer debrief (e.g. a feedback conversation)."""
    moment_id = str((delivery.payload or {}).get("moment_id") or "")
    try:
        rule = content.moment(moment_id) if content is not None and moment_id else None
    except (KeyError, LookupError):
        rule = None
    occurrence_id = (delivery.payload or {}).get("occurrence_id")
    if rule is None or not rule.offer_debrief or not occurrence_id:
        return None
    set_id = MOMENT_DEBRIEF_SETS.get(moment_id, GENERAL_DEBRIEF_SET)
    return offer_debrief(session, team_id=delivery.team_id, learner_id=delivery.user_id, question_set_id=set_id,
                         now=now, occurrence_id=int(occurrence_id),
                         about=str((delivery.payload or {}).get("title") or rule.name))


def own_offer(session: Session, *, key: str, team_id: str, user_id: str) -> Delivery:
    delivery = deliveries.by_key(session, key)
    if delivery is None or delivery.kind != OFFER_KIND:
        raise NotFound("I couldn't find that debrief offer any more.")
    if delivery.team_id != team_id or delivery.user_id != user_id:
        raise PermissionDenied("That button belongs to someone else's debrief offer.")
    return delivery


def debrief_for_offer(session: Session, offer: Delivery) -> Debrief | None:
    payload = offer.payload or {}
    query = select(Debrief).where(Debrief.team_id == offer.team_id, Debrief.learner_id == offer.user_id)
    if payload.get("assignment_id") is not None:
        query = query.where(Debrief.assignment_id == int(payload["assignment_id"]))
    elif payload.get("occurrence_id") is not None:
        query = query.where(Debrief.occurrence_id == int(payload["occurrence_id"]))
    else:
        return None
    return session.scalar(query.order_by(Debrief.id).limit(1))


def offer_declined(session: Session, offer: Delivery) -> bool:
    return session.scalar(select(AnalyticsEvent.id).where(
        AnalyticsEvent.team_id == offer.team_id, AnalyticsEvent.name == "debrief.offer_declined",
        AnalyticsEvent.object_type == "delivery", AnalyticsEvent.object_id == offer.key).limit(1)) is not None


def ensure_offer_open(session: Session, offer: Delivery) -> None:
    """AlreadyDone when the offer was used: a debrief started from it, or "No thanks"."""
    if debrief_for_offer(session, offer) is not None:
        raise AlreadyDone(ALREADY_STARTED)
    if offer_declined(session, offer):
        raise AlreadyDone(ALREADY_DECLINED_OFFER)


def decline_offer(session: Session, *, offer: Delivery, now: datetime) -> None:
    """"No thanks" on the offer card."""
    ensure_offer_open(session, offer)
    mark_interacted(offer, now=now)
    analytics.record(session, now=now, team_id=offer.team_id, user_id=offer.user_id, name="debrief.offer_declined",
                     object_type="delivery", object_id=offer.key,
                     properties={"competency_id": (offer.payload or {}).get("competency_id")})
