"""Peer debriefs: reading the rows every step works on — the debrief (locked while it changes), its
peers, the questions they were asked, a peer's decrypted answers — and marking a card as used."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.crypto import Vault
from slackapp.db.models import Debrief, DebriefPeer, Delivery
from slackapp.domain.debrief_keys import PROMPT_KIND
from slackapp.domain.debrief_rules import NOT_A_PEER
from slackapp.domain.errors import NotFound, PermissionDenied


@dataclass(frozen=True, slots=True)
class BuiltInQuestion:
    """A question written in the code rather than the content library (same fields as a content
    ``Question``): the generic debrief questions and the learner's reflection questions."""

    id: str
    text: str
    hint: str = ""
    required: bool = False


# Used when the debrief's question set is not in the content library (any more).
GENERIC_QUESTIONS: tuple[BuiltInQuestion, ...] = (
    BuiltInQuestion("worked-well", "What did you see them do that worked well?"),
    BuiltInQuestion("try-next", "What one thing would you suggest they try next time?"),
)
GENERIC_TITLE = "Peer debrief"


def question_snapshot(question_set: Any | None) -> list[dict[str, Any]]:
    """The questions as stored in a prompt's payload (so a content change mid-debrief breaks nothing).
    ``question_set`` None — the set isn't in the content library — asks two generic questions."""
    questions = tuple(getattr(question_set, "questions", ()) or ()) or GENERIC_QUESTIONS
    return [{"id": str(q.id), "text": str(q.text), "hint": str(getattr(q, "hint", "") or ""),
             "required": bool(getattr(q, "required", False))} for q in questions]


def questions_of(session: Session, debrief: Debrief) -> list[dict[str, Any]]:
    """The questions the peers were asked (from any peer's prompt payload)."""
    payload = session.scalar(select(Delivery.payload).where(
        Delivery.kind == PROMPT_KIND, Delivery.key.like(f"debrief-prompt:{debrief.id}:%")).limit(1))
    questions = (payload or {}).get("questions")
    if isinstance(questions, list) and questions:
        return [q for q in questions if isinstance(q, dict) and q.get("id")]
    return question_snapshot(None)


def lock_debrief(session: Session, debrief_id: int) -> Debrief:
    """The debrief, locked for update (serialises answers, declines and the close); NotFound if gone."""
    debrief = session.scalar(select(Debrief).where(Debrief.id == debrief_id).with_for_update()
                             .execution_options(populate_existing=True))
    if debrief is None:
        raise NotFound("I couldn't find that debrief any more.")
    return debrief


def peers_of(session: Session, debrief_id: int) -> list[DebriefPeer]:
    return list(session.scalars(select(DebriefPeer).where(DebriefPeer.debrief_id == debrief_id)
                                .order_by(DebriefPeer.id)))


def peer_row(session: Session, *, debrief_id: int, peer_id: str) -> DebriefPeer:
    row = session.scalar(select(DebriefPeer).where(DebriefPeer.debrief_id == debrief_id,
                                                   DebriefPeer.peer_id == peer_id))
    if row is None:
        raise PermissionDenied(NOT_A_PEER)
    return row


def decrypt_answers(row: DebriefPeer, vault: Vault) -> dict[str, str]:
    """A peer's answers (question id → text) from ``DebriefPeer.encrypted_answers``; {} if none."""
    if not row.encrypted_answers:
        return {}
    data = json.loads(vault.decrypt(row.encrypted_answers))
    return {str(k): str(v) for k, v in data.items()}


def mark_interacted(delivery: Delivery, *, now: datetime) -> None:
    """A button on the card was used: the back-off policy must not count the card as ignored."""
    if delivery.interacted_at is None:
        delivery.interacted_at = now
    delivery.updated_at = now
