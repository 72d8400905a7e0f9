"""Peer debriefs, after the summary: the learner's small private reflection on what the peers said.

The reflection prompt card (``debrief_reflect``) follows the summary; its button opens the reflection,
saved with ``reflections.save_reflection`` under prompt key ``debrief:{id}`` (one per debrief, never
shared with the manager from here), or skipped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.crypto import Vault
from slackapp.db.models import AnalyticsEvent, Debrief, Delivery
from slackapp.domain import deliveries, reflections
from slackapp.domain.debrief_keys import REFLECT_KIND, parse_summary_key, reflect_key, reflection_prompt_key
from slackapp.domain.debrief_records import BuiltInQuestion, mark_interacted
from slackapp.domain.errors import AlreadyDone, NotFound, PermissionDenied

REFLECTION_QUESTIONS: tuple[BuiltInQuestion, ...] = (
    BuiltInQuestion("stood-out", "What stood out in what your colleagues said?"),
    BuiltInQuestion("try-next", "What will you try next time?"),
)


def own_reflect_card(session: Session, *, key: str, team_id: str, user_id: str) -> tuple[Debrief, Delivery]:
    delivery = deliveries.by_key(session, key)
    debrief_id = parse_summary_key(key)
    debrief = session.get(Debrief, debrief_id) if debrief_id is not None else None
    if delivery is None or delivery.kind != REFLECT_KIND or debrief is None:
        raise NotFound("I couldn't find that debrief any more.")
    if delivery.team_id != team_id or delivery.user_id != user_id or debrief.learner_id != user_id:
        raise PermissionDenied("That button belongs to someone else's debrief.")
    return debrief, delivery


def reflection_state(session: Session, *, debrief_id: int) -> str | None:
    """``saved`` or ``skipped`` once the learner used the reflection prompt, else None."""
    if reflections.find_by_prompt(session, reflection_prompt_key(debrief_id)) is not None:
        return "saved"
    skipped = session.scalar(select(AnalyticsEvent.id).where(
        AnalyticsEvent.name == "reflection.skipped", AnalyticsEvent.object_type == "delivery",
        AnalyticsEvent.object_id == reflect_key(debrief_id)).limit(1))
    return "skipped" if skipped is not None else None


def ensure_reflection_open(session: Session, *, debrief_id: int) -> None:
    state = reflection_state(session, debrief_id=debrief_id)
    if state == "saved":
        raise AlreadyDone(reflections.ALREADY_SAVED)
    if state == "skipped":
        raise AlreadyDone("That's already done — you skipped this reflection.")


def save_reflection(session: Session, *, debrief_id: int, user_id: str, answers: dict[str, str], vault: Vault,
                    now: datetime) -> None:
    """The learner's private reflection on the debrief (``reflections.save_reflection``, prompt key
    ``debrief:{id}``: one per debrief; never shared with the manager from here)."""
    debrief = session.get(Debrief, debrief_id)
    if debrief is None:
        raise NotFound("I couldn't find that debrief any more.")
    if debrief.learner_id != user_id:
        raise PermissionDenied("That reflection belongs to someone else's debrief.")
    ensure_reflection_open(session, debrief_id=debrief_id)
    reflections.save_reflection(session, team_id=debrief.team_id, user_id=user_id,
                                prompt_key=reflection_prompt_key(debrief_id), occurrence_id=debrief.occurrence_id,
                                moment_id=None, answers=answers, shared_with_manager=False, vault=vault, now=now)
    card = deliveries.by_key(session, reflect_key(debrief_id))
    if card is not None:
        mark_interacted(card, now=now)


def skip_reflection(session: Session, *, card: Delivery, now: datetime) -> None:
    ensure_reflection_open(session, debrief_id=int(card.payload.get("debrief_id") or 0))
    mark_interacted(card, now=now)
    reflections.skip_prompt(session, delivery=card, now=now)
