"""Peer debriefs, step 3: the peers answer (``submit_answers``), decline (``decline``) or say "not now"
(``not_now``, the reminder stays). Answering or declining cancels that peer's reminder, and the last
peer to settle closes the debrief (``debrief_closing.close_debrief``).

Privacy: a peer's answers are stored encrypted with the vault (``DebriefPeer.encrypted_answers``, one
JSON object question id → text) and only the learner can read them (``read_answers``). Nothing here
logs answer text; analytics get counts only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.crypto import Vault
from slackapp.db.models import Debrief, DebriefPeer, Delivery
from slackapp.domain import analytics, deliveries
from slackapp.domain.debrief_closing import CloseResult, close_debrief
from slackapp.domain.debrief_keys import parse_peer_key, prompt_key, reminder_key
from slackapp.domain.debrief_records import (
    decrypt_answers,
    lock_debrief,
    mark_interacted,
    peer_row,
    peers_of,
    questions_of,
)
from slackapp.domain.debrief_rules import (
    ALREADY_ANSWERED,
    ALREADY_DECLINED,
    ANSWERED,
    CLOSED_TEXT,
    COLLECTING,
    DECLINED,
    EMPTY_ANSWERS,
    EXPIRED,
    INVITED,
    MAX_ANSWER_CHARS,
    NOT_A_PEER,
)
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied


def own_peer_key(session: Session, *, key: str, team_id: str, user_id: str) -> tuple[int, str]:
    """(debrief id, peer id) of a prompt or reminder card clicked by ``user_id``, who must be that peer."""
    parsed = parse_peer_key(key)
    debrief = session.get(Debrief, parsed[0]) if parsed is not None else None
    if parsed is None or debrief is None:
        raise NotFound("I couldn't find that debrief any more.")
    if debrief.team_id != team_id or parsed[1] != user_id:
        raise PermissionDenied(NOT_A_PEER)
    return parsed


def ensure_open_for_peer(session: Session, *, debrief_id: int, peer_id: str) -> tuple[Debrief, DebriefPeer]:
    """The debrief and the peer's row while the peer can still answer; AlreadyDone otherwise."""
    debrief = session.get(Debrief, debrief_id)
    if debrief is None:
        raise NotFound("I couldn't find that debrief any more.")
    row = peer_row(session, debrief_id=debrief_id, peer_id=peer_id)
    if row.state == ANSWERED:
        raise AlreadyDone(ALREADY_ANSWERED)
    if row.state == DECLINED:
        raise AlreadyDone(ALREADY_DECLINED)
    if row.state == EXPIRED or debrief.state != COLLECTING:
        raise AlreadyDone(f"{CLOSED_TEXT} Thanks anyway.")
    return debrief, row


def clean_answers(answers: dict[str, str], questions: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Answers to the asked questions only, stripped and clipped; empty ones dropped."""
    asked = {str(q["id"]) for q in questions}
    cleaned = {str(qid): (text or "").strip()[:MAX_ANSWER_CHARS] for qid, text in answers.items() if qid in asked}
    return {qid: text for qid, text in cleaned.items() if text}


def _touch_cards(session: Session, debrief_id: int, peer_id: str, now: datetime) -> None:
    for key in (prompt_key(debrief_id, peer_id), reminder_key(debrief_id, peer_id)):
        delivery = deliveries.by_key(session, key)
        if delivery is not None and delivery.state == "sent":
            mark_interacted(delivery, now=now)


def _settled(session: Session, debrief_id: int, peer_id: str, now: datetime, reason: str) -> None:
    deliveries.cancel(session, key=reminder_key(debrief_id, peer_id), reason=reason, now=now)
    _touch_cards(session, debrief_id, peer_id, now)


def submit_answers(session: Session, *, debrief_id: int, peer_id: str, answers: dict[str, str], vault: Vault,
                   now: datetime) -> CloseResult | None:
    """Store the peer's answers (encrypted) and cancel their reminder. Closes the debrief when every
    peer is done (returned, else None). AlreadyDone on a second submit or a closed debrief."""
    lock_debrief(session, debrief_id)
    debrief, row = ensure_open_for_peer(session, debrief_id=debrief_id, peer_id=peer_id)
    cleaned = clean_answers(answers, questions_of(session, debrief))
    if not cleaned:
        raise InvalidInput(EMPTY_ANSWERS)
    row.encrypted_answers = vault.encrypt(json.dumps(cleaned))
    row.state = ANSWERED
    row.answered_at = now
    _settled(session, debrief_id, peer_id, now, "the peer answered the debrief")
    analytics.record(session, now=now, team_id=debrief.team_id, user_id=peer_id, name="debrief.answered",
                     object_type="debrief", object_id=debrief.id, properties={"answered": len(cleaned)})
    return _close_if_done(session, debrief, vault=vault, now=now)


def decline(session: Session, *, debrief_id: int, peer_id: str, vault: Vault, now: datetime) -> CloseResult | None:
    """The peer can't this time: no reminder; the learner's summary says they declined."""
    lock_debrief(session, debrief_id)
    debrief, row = ensure_open_for_peer(session, debrief_id=debrief_id, peer_id=peer_id)
    row.state = DECLINED
    row.answered_at = now
    _settled(session, debrief_id, peer_id, now, "the peer declined the debrief")
    analytics.record(session, now=now, team_id=debrief.team_id, user_id=peer_id, name="debrief.declined",
                     object_type="debrief", object_id=debrief.id)
    return _close_if_done(session, debrief, vault=vault, now=now)


def not_now(session: Session, *, debrief_id: int, peer_id: str, now: datetime) -> datetime | None:
    """"Not now": nothing changes but the card; returns when the one reminder comes (None if it
    already went or won't come)."""
    ensure_open_for_peer(session, debrief_id=debrief_id, peer_id=peer_id)
    _touch_cards(session, debrief_id, peer_id, now)
    reminder = deliveries.by_key(session, reminder_key(debrief_id, peer_id))
    if reminder is None or reminder.state != "scheduled":
        return None
    return reminder.due_at


def _close_if_done(session: Session, debrief: Debrief, *, vault: Vault, now: datetime) -> CloseResult | None:
    if any(p.state == INVITED for p in peers_of(session, debrief.id)):
        return None
    return close_debrief(session, debrief_id=debrief.id, vault=vault, now=now)


def read_answers(session: Session, *, debrief_id: int, viewer_id: str, vault: Vault) -> dict[str, dict[str, str]]:
    """peer id → (question id → answer) of the peers who answered. Only the learner may read them."""
    debrief = session.get(Debrief, debrief_id)
    if debrief is None:
        raise NotFound("I couldn't find that debrief any more.")
    if debrief.learner_id != viewer_id:
        raise PermissionDenied("Debrief answers are private: only the person who asked for them can read them.")
    return {p.peer_id: decrypt_answers(p, vault) for p in peers_of(session, debrief_id) if p.state == ANSWERED}


# -- the peer's cards, to update in place ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerCard:
    """A message in a peer's DM about one debrief: the prompt, or the reminder."""

    key: str
    channel: str
    ts: str


def peer_cards(session: Session, *, debrief_id: int, peer_id: str) -> list[PeerCard]:
    """Where the peer's prompt (and reminder, if sent) sit in Slack, to update them in place."""
    cards: list[PeerCard] = []
    row = session.scalar(select(DebriefPeer).where(DebriefPeer.debrief_id == debrief_id,
                                                   DebriefPeer.peer_id == peer_id))
    if row is not None and row.card_channel and row.card_ts:
        cards.append(PeerCard(prompt_key(debrief_id, peer_id), row.card_channel, row.card_ts))
    reminder = deliveries.by_key(session, reminder_key(debrief_id, peer_id))
    if reminder is not None and reminder.state == "sent" and reminder.channel_id and reminder.ts:
        cards.append(PeerCard(reminder.key, reminder.channel_id, reminder.ts))
    return cards


def remember_prompt_card(session: Session, delivery: Delivery) -> None:
    """``ON_SENT`` hook of a peer's prompt: where it sits in Slack (``peer_cards`` updates it later)."""
    parsed = parse_peer_key(delivery.key)
    if parsed is None:
        return
    row = session.scalar(select(DebriefPeer).where(DebriefPeer.debrief_id == parsed[0],
                                                   DebriefPeer.peer_id == parsed[1]))
    if row is not None:
        row.card_channel, row.card_ts = delivery.channel_id, delivery.ts
