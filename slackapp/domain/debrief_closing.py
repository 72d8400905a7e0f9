"""Peer debriefs, step 4: closing, once — when every peer answered or declined, or at the deadline
(the cron job ``workers.debrief_jobs.close_due_debriefs`` asks ``due_for_closing``).

Peers still invited become ``expired``, and the learner gets the summary (``debrief_summary``, one
delivery per page: ``paginate``) exactly once, followed by a small reflection prompt
(``debrief_reflect``). The summary is the one place answers leave the encrypted store: its delivery
payload holds them from the close until the message is sent (the renderer has no vault), then
``record_summary_sent`` (an ``ON_SENT`` hook) scrubs them; a summary that could not be sent is
scrubbed by ``scrub_unsent_summaries`` (run by the close cron).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.crypto import Vault
from slackapp.db.models import Debrief, DebriefPeer, Delivery
from slackapp.domain import analytics, deliveries
from slackapp.domain.debrief_keys import (
    REFLECT_KIND,
    SUMMARY_KIND,
    parse_summary_key,
    prompt_key,
    reflect_key,
    reminder_key,
    summary_key,
)
from slackapp.domain.debrief_records import decrypt_answers, lock_debrief, peers_of, questions_of
from slackapp.domain.debrief_rules import (
    ANSWERED,
    CLOSED,
    COLLECTING,
    DECLINED,
    EXPIRED,
    INVITED,
    PAGE_BLOCK_BUDGET,
    PAGE_CHAR_BUDGET,
)


@dataclass(frozen=True, slots=True)
class CloseResult:
    """What a close did: ``closed`` is False when the debrief was already closed (a no-op)."""

    closed: bool
    debrief_id: int
    expired: list[str] = field(default_factory=list)
    summary_keys: list[str] = field(default_factory=list)


def due_for_closing(session: Session, *, now: datetime) -> list[int]:
    return list(session.scalars(select(Debrief.id).where(Debrief.state == COLLECTING, Debrief.deadline_at <= now)
                                .order_by(Debrief.deadline_at, Debrief.id)))


def close_debrief(session: Session, *, debrief_id: int, vault: Vault, now: datetime) -> CloseResult:
    """Close once: peers still invited expire (their prompt and reminder are cancelled if unsent) and
    the learner's summary is scheduled. A second call returns ``closed=False`` and does nothing."""
    debrief = lock_debrief(session, debrief_id)
    if debrief.state != COLLECTING:
        return CloseResult(closed=False, debrief_id=debrief_id)
    peers = peers_of(session, debrief_id)
    expired: list[str] = []
    for row in peers:
        if row.state != INVITED:
            continue
        row.state = EXPIRED
        expired.append(row.peer_id)
        for key in (prompt_key(debrief_id, row.peer_id), reminder_key(debrief_id, row.peer_id)):
            deliveries.cancel(session, key=key, reason="the debrief closed", now=now)
        analytics.record(session, now=now, team_id=debrief.team_id, user_id=row.peer_id, name="debrief.expired",
                         object_type="debrief", object_id=debrief_id)
    debrief.state = CLOSED
    keys = _schedule_summary(session, debrief, peers, vault=vault, now=now)
    counts = {state: sum(1 for p in peers if p.state == state) for state in (ANSWERED, DECLINED, EXPIRED)}
    analytics.record(session, now=now, team_id=debrief.team_id, user_id=debrief.learner_id, name="debrief.closed",
                     object_type="debrief", object_id=debrief_id,
                     properties={**counts, "early": now < debrief.deadline_at, "pages": len(keys)})
    return CloseResult(closed=True, debrief_id=debrief_id, expired=expired, summary_keys=keys)


def _about(session: Session, debrief: Debrief) -> str:
    payload = session.scalar(select(Delivery.payload).where(
        Delivery.key.like(f"debrief-prompt:{debrief.id}:%")).limit(1)) or {}
    return str(payload.get("about") or "")


def _schedule_summary(session: Session, debrief: Debrief, peers: Sequence[DebriefPeer], *, vault: Vault,
                      now: datetime) -> list[str]:
    questions = questions_of(session, debrief)
    answers = {p.peer_id: decrypt_answers(p, vault) for p in peers if p.state == ANSWERED}
    sections = []
    for question in questions:
        qid = str(question["id"])
        given = [{"peer_id": peer, "text": texts[qid]} for peer, texts in answers.items() if texts.get(qid)]
        sections.append({"question": str(question.get("text") or qid), "answers": given})
    pages = paginate(sections)
    frame: dict[str, Any] = {"debrief_id": debrief.id, "about": _about(session, debrief),
             "answered": [p.peer_id for p in peers if p.state == ANSWERED],
             "declined": [p.peer_id for p in peers if p.state == DECLINED],
             "expired": [p.peer_id for p in peers if p.state == EXPIRED],
             "pages": len(pages)}
    keys = []
    for number, page in enumerate(pages, start=1):
        key = summary_key(debrief.id, number)
        deliveries.schedule(session, key=key, team_id=debrief.team_id, user_id=debrief.learner_id,
                            kind=SUMMARY_KIND, due_at=now, now=now,
                            payload={**frame, "page": number, "sections": page})
        keys.append(key)
    deliveries.schedule(session, key=reflect_key(debrief.id), team_id=debrief.team_id, user_id=debrief.learner_id,
                        kind=REFLECT_KIND, due_at=now, now=now,
                        payload={"debrief_id": debrief.id, "about": frame["about"],
                                 "answered": len(frame["answered"])})
    return keys


def paginate(sections: Sequence[dict[str, Any]], *, block_budget: int = PAGE_BLOCK_BUDGET,
             char_budget: int = PAGE_CHAR_BUDGET) -> list[list[dict[str, Any]]]:
    """Split the question sections into pages: one block per question and per answer, at most
    ``block_budget`` blocks and ``char_budget`` characters per page (a single over-long item still
    gets a page of its own). A question whose answers don't fit continues on the next page, its
    text repeated. Always at least one page."""
    pages: list[list[dict[str, Any]]] = [[]]
    blocks = chars = 0
    for section in sections:
        question = str(section["question"])
        current: dict[str, Any] | None = None
        for answer in list(section["answers"]) or [None]:
            item_blocks, item_chars = (1, len(answer["text"])) if answer else (0, 0)
            head_blocks, head_chars = (1, len(question)) if current is None else (0, 0)
            if pages[-1] and (blocks + item_blocks + head_blocks > block_budget
                              or chars + item_chars + head_chars > char_budget):
                pages.append([])
                blocks = chars = 0
                current = None
                head_blocks, head_chars = 1, len(question)
            if current is None:
                current = {"question": question, "answers": []}
                pages[-1].append(current)
            if answer:
                current["answers"].append(answer)
            blocks += item_blocks + head_blocks
            chars += item_chars + head_chars
    return pages


def scrub_unsent_summaries(session: Session, *, now: datetime) -> int:
    """Summaries that will never be sent (skipped, cancelled, failed) drop the answers they carried."""
    rows = session.scalars(select(Delivery).where(
        Delivery.kind == SUMMARY_KIND, Delivery.state.in_(("skipped", "cancelled", "failed")))).all()
    count = 0
    for delivery in rows:
        if "sections" in (delivery.payload or {}):
            delivery.payload = _scrubbed(delivery.payload)
            delivery.updated_at = now
            count += 1
    return count


def _scrubbed(payload: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in payload.items() if k != "sections"}, "scrubbed": True}


def record_summary_sent(session: Session, delivery: Delivery) -> None:
    """``ON_SENT`` hook of a summary page: the debrief notes when its summary went, and the page's
    payload drops the answers."""
    debrief_id = parse_summary_key(delivery.key)
    debrief = session.get(Debrief, debrief_id) if debrief_id is not None else None
    if debrief is not None and debrief.summary_sent_at is None:
        debrief.summary_sent_at = delivery.sent_at
    delivery.payload = _scrubbed(delivery.payload or {})  # the answers now live in the learner's DM only
