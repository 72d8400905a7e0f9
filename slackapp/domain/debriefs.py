"""Peer debriefs: a learner asks 1–3 colleagues a short question set after an experience.

The flow (``docs/debriefs.md`` has the whole story and the UI text):

1. ``offer_debrief`` — after an accepted review (or a calendar moment with ``offer_debrief``) the
   learner gets an offer card (outbox kind ``debrief_offer``).
2. ``start_debrief`` — the learner picked peers (or let ``suggest_peers`` pick): one ``Debrief`` row
   (state ``collecting``, deadline now + 48 h), one ``DebriefPeer`` per peer, and per peer a prompt
   (``debrief_prompt``) now and one reminder (``debrief_reminder``) 12 hours before the deadline.
3. Peers answer (``submit_answers``), decline (``decline``) or say "not now" (``not_now``, the reminder
   stays). Answering or declining cancels that peer's reminder.
4. ``close_debrief`` — when every peer answered or declined, or at the deadline (the cron job
   ``workers.debrief_jobs.close_due_debriefs``): peers still invited become ``expired``, and the
   learner gets the summary (``debrief_summary``, one delivery per page) exactly once, followed by a
   small reflection prompt (``debrief_reflect``) whose button opens a private reflection.

Privacy: a peer's answers are stored encrypted with the vault (``DebriefPeer.encrypted_answers``,
one JSON object question id → text) and only the learner can read them (``read_answers``). The
summary is the one place they leave the encrypted store: its delivery payload holds them from the
close until the message is sent (the renderer has no vault), then ``ON_SENT`` scrubs them; a summary
that could not be sent is scrubbed by ``scrub_unsent_summaries`` (run by the close cron). Nothing
but counts ever goes into analytics, and nothing here logs answer text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.crypto import Vault
from slackapp.db.models import (
    AnalyticsEvent,
    Assignment,
    CalendarOccurrence,
    Debrief,
    DebriefPeer,
    Delivery,
    Evidence,
    Person,
)
from slackapp.domain import analytics, deliveries, reflections, team
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied

OFFER_KIND = "debrief_offer"
PROMPT_KIND = "debrief_prompt"
REMINDER_KIND = "debrief_reminder"
SUMMARY_KIND = "debrief_summary"
REFLECT_KIND = "debrief_reflect"
KINDS = (OFFER_KIND, PROMPT_KIND, REMINDER_KIND, SUMMARY_KIND, REFLECT_KIND)

MIN_PEERS, MAX_PEERS = 1, 3
DEADLINE_HOURS = 48
REMINDER_BEFORE_DEADLINE = timedelta(hours=12)
OFFER_VALID_FOR = timedelta(days=7)  # an offer card not delivered by then is dropped (policy: not_after)
RECENT_PAIRING = timedelta(days=60)  # suggestions avoid people paired with the learner this recently
MAX_ANSWER_CHARS = 1500  # per answer: short answers, and one answer always fits one 3,000-char section
# Summary pagination: what one message may hold (Slack allows 50 blocks; the frame takes the rest).
PAGE_BLOCK_BUDGET = 40
PAGE_CHAR_BUDGET = 12_000

# Peer states
INVITED, ANSWERED, DECLINED, EXPIRED = "invited", "answered", "declined", "expired"
COLLECTING, CLOSED = "collecting", "closed"

NO_SUGGESTIONS = ("I couldn't find peers outside your team who practise this yet — "
                  "pick up to three people yourself.")
PICK_PEERS = "Pick one to three people — or tick “Suggest peers for me”."
TOO_MANY_PEERS = "Pick at most three people."
NOT_YOURSELF = "You can't ask yourself — pick a colleague."
EMPTY_ANSWERS = "Write at least one answer — or close this window and answer later."
CLOSED_TEXT = "This debrief has closed."
ALREADY_STARTED = "That's already done — you've asked for peer input on this one."
ALREADY_DECLINED_OFFER = "That's already done — you said no thanks to this debrief."
ALREADY_ANSWERED = "That's already done — your answers went to the person who asked."
ALREADY_DECLINED = "That's already done — you declined this debrief."
NOT_A_PEER = "That debrief belongs to someone else."


@dataclass(frozen=True, slots=True)
class _Question:
    id: str
    text: str
    hint: str = ""
    required: bool = False


# Used when the debrief's question set is not in the content library (any more).
GENERIC_QUESTIONS: tuple[_Question, ...] = (
    _Question("worked-well", "What did you see them do that worked well?"),
    _Question("try-next", "What one thing would you suggest they try next time?"),
)
GENERIC_TITLE = "Peer debrief"


@dataclass(frozen=True, slots=True)
class CloseResult:
    """What a close did: ``closed`` is False when the debrief was already closed (a no-op)."""

    closed: bool
    debrief_id: int
    expired: list[str] = field(default_factory=list)
    summary_keys: list[str] = field(default_factory=list)


# -- keys ------------------------------------------------------------------------------------------


def offer_key(team_id: str, learner_id: str, *, assignment_id: int | None, occurrence_id: int | None) -> str:
    if assignment_id is None and occurrence_id is None:
        raise ValueError("a debrief offer is about an assignment or a calendar occurrence")
    subject = str(assignment_id) if assignment_id is not None else f"occ{occurrence_id}"
    return f"debrief-offer:{team_id}:{learner_id}:{subject}"


def prompt_key(debrief_id: int, peer_id: str) -> str:
    return f"debrief-prompt:{debrief_id}:{peer_id}"


def reminder_key(debrief_id: int, peer_id: str) -> str:
    return f"debrief-reminder:{debrief_id}:{peer_id}"


def summary_key(debrief_id: int, page: int = 1) -> str:
    return f"debrief-summary:{debrief_id}" if page == 1 else f"debrief-summary:{debrief_id}:{page}"


def reflect_key(debrief_id: int) -> str:
    return f"debrief-reflect:{debrief_id}"


def reflection_prompt_key(debrief_id: int) -> str:
    """The ``Reflection.prompt_key`` of the learner's reflection on a debrief (one per debrief)."""
    return f"debrief:{debrief_id}"


def parse_peer_key(key: str) -> tuple[int, str] | None:
    """(debrief id, peer id) from a prompt or reminder key, else None."""
    kind, _, rest = key.partition(":")
    if kind not in ("debrief-prompt", "debrief-reminder"):
        return None
    debrief_id, _, peer_id = rest.partition(":")
    return (int(debrief_id), peer_id) if debrief_id.isdigit() and peer_id else None


def parse_summary_key(key: str) -> int | None:
    """The debrief id of a summary page's key (or of the reflection prompt's key), else None."""
    kind, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    return int(number) if kind in ("debrief-summary", "debrief-reflect") and number.isdigit() else None


# -- questions -------------------------------------------------------------------------------------


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


# -- offer -----------------------------------------------------------------------------------------


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


def mark_interacted(delivery: Delivery, *, now: datetime) -> None:
    """A button on the card was used: the back-off policy must not count the card as ignored."""
    if delivery.interacted_at is None:
        delivery.interacted_at = now
    delivery.updated_at = now


# -- suggestions -----------------------------------------------------------------------------------


def same_team(session: Session, *, team_id: str, learner_id: str) -> set[str]:
    """The learner's own team: their manager, their direct reports, and peers under the same manager."""
    members: set[str] = set(team.reports_of(session, team_id=team_id, manager_id=learner_id))
    manager = team.manager_of(session, team_id=team_id, user_id=learner_id)
    if manager is not None:
        members.add(manager)
        members.update(team.reports_of(session, team_id=team_id, manager_id=manager))
    members.discard(learner_id)
    return members


def recent_pairings(session: Session, *, team_id: str, learner_id: str, now: datetime) -> set[str]:
    """People paired with the learner in a debrief (either way round) in the last ``RECENT_PAIRING``."""
    since = now - RECENT_PAIRING
    asked_by_learner = select(DebriefPeer.peer_id).join(Debrief, Debrief.id == DebriefPeer.debrief_id).where(
        Debrief.team_id == team_id, Debrief.learner_id == learner_id, DebriefPeer.invited_at >= since)
    asked_the_learner = select(Debrief.learner_id).join(DebriefPeer, Debrief.id == DebriefPeer.debrief_id).where(
        Debrief.team_id == team_id, DebriefPeer.peer_id == learner_id, DebriefPeer.invited_at >= since)
    return set(session.scalars(asked_by_learner)) | set(session.scalars(asked_the_learner))


def suggest_peers(session: Session, *, team_id: str, learner_id: str, competency_id: str | None, now: datetime,
                  limit: int = MAX_PEERS, exclude: Iterable[str] = ()) -> list[str]:
    """Up to ``limit`` peers for the learner's debrief, from the competency's community.

    Until communities exist the community is a stand-in: people Flowcoach knows (opted in, not
    deactivated or unreachable) with evidence or an assignment in the same competency. Never the
    learner's own team (``same_team``), never someone paired with the learner in the last 60 days.
    Deterministic: least recently asked to a debrief first (never asked first), then by user id.
    """
    if not competency_id or limit <= 0:
        return []
    practising = (select(Evidence.learner_id).where(Evidence.team_id == team_id,
                                                    Evidence.competency_id == competency_id)
                  .union(select(Assignment.learner_id).where(Assignment.team_id == team_id,
                                                             Assignment.competency_id == competency_id)))
    candidates = set(session.scalars(
        select(Person.user_id).where(Person.team_id == team_id, Person.opt_in == "opted_in",
                                     Person.deactivated.is_(False), Person.unreachable_reason.is_(None),
                                     Person.user_id.in_(practising.scalar_subquery()))))
    candidates -= {learner_id, *exclude}
    candidates -= same_team(session, team_id=team_id, learner_id=learner_id)
    candidates -= recent_pairings(session, team_id=team_id, learner_id=learner_id, now=now)
    if not candidates:
        return []
    rows = session.execute(
        select(DebriefPeer.peer_id, func.max(DebriefPeer.invited_at))
        .join(Debrief, Debrief.id == DebriefPeer.debrief_id)
        .where(Debrief.team_id == team_id, DebriefPeer.peer_id.in_(sorted(candidates)))
        .group_by(DebriefPeer.peer_id)).all()
    last_asked: dict[str, datetime] = {str(peer): when for peer, when in rows if when is not None}
    ordered = sorted(candidates, key=lambda user: (last_asked.get(user) is not None, last_asked.get(user) or now, user))
    return ordered[:limit]


# -- start -----------------------------------------------------------------------------------------


def check_peer_choice(peer_ids: Sequence[str], *, learner_id: str) -> list[str]:
    """The chosen peers, unique and in order; InvalidInput for none, more than three, or yourself."""
    unique = list(dict.fromkeys(p for p in peer_ids if p))
    if learner_id in unique:
        raise InvalidInput(NOT_YOURSELF)
    if len(unique) < MIN_PEERS:
        raise InvalidInput(PICK_PEERS)
    if len(unique) > MAX_PEERS:
        raise InvalidInput(TOO_MANY_PEERS)
    return unique


def start_debrief(
    session: Session,
    *,
    team_id: str,
    learner_id: str,
    question_set_id: str,
    questions: Sequence[dict[str, Any]],
    peer_ids: Sequence[str],
    now: datetime,
    assignment_id: int | None = None,
    occurrence_id: int | None = None,
    competency_id: str | None = None,
    about: str = "",
    suggested: Sequence[str] = (),
    deadline_hours: int = DEADLINE_HOURS,
) -> Debrief:
    """Create the debrief and schedule each peer's prompt (now) and reminder (12 h before the deadline).

    ``questions`` is ``question_snapshot(question_set)``. Raises InvalidInput for a bad choice of
    peers (see ``check_peer_choice``; a peer Flowcoach knows as deactivated is refused too) and
    AlreadyDone when a debrief for the same assignment or occurrence already exists.
    """
    peers = check_peer_choice(peer_ids, learner_id=learner_id)
    gone = session.scalars(select(Person.user_id).where(
        Person.team_id == team_id, Person.user_id.in_(peers), Person.deactivated.is_(True))).all()
    if gone:
        raise InvalidInput("One of the people you picked has a deactivated Slack account — pick someone else.")
    if _existing(session, team_id=team_id, learner_id=learner_id, assignment_id=assignment_id,
                 occurrence_id=occurrence_id) is not None:
        raise AlreadyDone(ALREADY_STARTED)
    if not questions:
        raise InvalidInput("A debrief needs at least one question.")
    deadline = now + timedelta(hours=deadline_hours)
    debrief = Debrief(team_id=team_id, learner_id=learner_id, assignment_id=assignment_id,
                      occurrence_id=occurrence_id, question_set_id=question_set_id, competency_id=competency_id,
                      state=COLLECTING, deadline_at=deadline, created_at=now)
    session.add(debrief)
    session.flush()
    remind_at = max(deadline - REMINDER_BEFORE_DEADLINE, now + (deadline - now) / 2)
    common = {"debrief_id": debrief.id, "learner_id": learner_id, "about": about[:200],
              "deadline": deadline.isoformat(), "not_after": deadline.isoformat()}
    for peer in peers:
        session.add(DebriefPeer(debrief_id=debrief.id, peer_id=peer, state=INVITED, invited_at=now))
        deliveries.schedule(session, key=prompt_key(debrief.id, peer), team_id=team_id, user_id=peer,
                            kind=PROMPT_KIND, due_at=now, now=now,
                            payload={**common, "questions": [dict(q) for q in questions]})
        deliveries.schedule(session, key=reminder_key(debrief.id, peer), team_id=team_id, user_id=peer,
                            kind=REMINDER_KIND, due_at=remind_at, now=now, payload=dict(common))
    analytics.record(session, now=now, team_id=team_id, user_id=learner_id, name="debrief.started",
                     object_type="debrief", object_id=debrief.id,
                     properties={"peers": len(peers), "suggested": len([p for p in peers if p in suggested]),
                                 "competency_id": competency_id, "question_set_id": question_set_id,
                                 "questions": len(questions)})
    return debrief


def _existing(session: Session, *, team_id: str, learner_id: str, assignment_id: int | None,
              occurrence_id: int | None) -> Debrief | None:
    if assignment_id is None and occurrence_id is None:
        return None
    subject = (Debrief.assignment_id == assignment_id) if assignment_id is not None else (
        Debrief.occurrence_id == occurrence_id)
    return session.scalar(select(Debrief).where(Debrief.team_id == team_id, Debrief.learner_id == learner_id,
                                                subject).limit(1))


def start_from_offer(session: Session, *, offer: Delivery, question_set: Any | None, peer_ids: Sequence[str],
                     suggested: Sequence[str], now: datetime) -> Debrief:
    """``start_debrief`` with what the offer card carries; the offer counts as used."""
    payload = offer.payload or {}
    locked = session.scalar(select(Delivery).where(Delivery.id == offer.id).with_for_update()
                            .execution_options(populate_existing=True))
    assert locked is not None  # serialises two submits of the same offer (PostgreSQL; SQLite locks the file)
    ensure_offer_open(session, locked)
    debrief = start_debrief(
        session, team_id=offer.team_id, learner_id=offer.user_id,
        question_set_id=str(payload.get("question_set_id") or ""), questions=question_snapshot(question_set),
        peer_ids=peer_ids, now=now, assignment_id=_int(payload.get("assignment_id")),
        occurrence_id=_int(payload.get("occurrence_id")), competency_id=payload.get("competency_id"),
        about=str(payload.get("about") or ""), suggested=suggested)
    mark_interacted(locked, now=now)
    return debrief


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


# -- peers answer ----------------------------------------------------------------------------------


def _lock(session: Session, debrief_id: int) -> Debrief:
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
    _lock(session, debrief_id)
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
    _lock(session, debrief_id)
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


# -- close and summary -----------------------------------------------------------------------------


def due_for_closing(session: Session, *, now: datetime) -> list[int]:
    return list(session.scalars(select(Debrief.id).where(Debrief.state == COLLECTING, Debrief.deadline_at <= now)
                                .order_by(Debrief.deadline_at, Debrief.id)))


def close_debrief(session: Session, *, debrief_id: int, vault: Vault, now: datetime) -> CloseResult:
    """Close once: peers still invited expire (their prompt and reminder are cancelled if unsent) and
    the learner's summary is scheduled. A second call returns ``closed=False`` and does nothing."""
    debrief = _lock(session, debrief_id)
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
    answers = {p.peer_id: _decrypt(p, vault) for p in peers if p.state == ANSWERED}
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


def _decrypt(row: DebriefPeer, vault: Vault) -> dict[str, str]:
    if not row.encrypted_answers:
        return {}
    data = json.loads(vault.decrypt(row.encrypted_answers))
    return {str(k): str(v) for k, v in data.items()}


def read_answers(session: Session, *, debrief_id: int, viewer_id: str, vault: Vault) -> dict[str, dict[str, str]]:
    """peer id → (question id → answer) of the peers who answered. Only the learner may read them."""
    debrief = session.get(Debrief, debrief_id)
    if debrief is None:
        raise NotFound("I couldn't find that debrief any more.")
    if debrief.learner_id != viewer_id:
        raise PermissionDenied("Debrief answers are private: only the person who asked for them can read them.")
    return {p.peer_id: _decrypt(p, vault) for p in peers_of(session, debrief_id) if p.state == ANSWERED}


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


# -- the learner's reflection on the summary -------------------------------------------------------

REFLECTION_QUESTIONS: tuple[_Question, ...] = (
    _Question("stood-out", "What stood out in what your colleagues said?"),
    _Question("try-next", "What will you try next time?"),
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


# -- cards to update -------------------------------------------------------------------------------


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


# -- after the outbox sent a message ---------------------------------------------------------------


def _remember_prompt(session: Session, delivery: Delivery) -> None:
    parsed = parse_peer_key(delivery.key)
    if parsed is None:
        return
    row = session.scalar(select(DebriefPeer).where(DebriefPeer.debrief_id == parsed[0],
                                                   DebriefPeer.peer_id == parsed[1]))
    if row is not None:
        row.card_channel, row.card_ts = delivery.channel_id, delivery.ts


def _summary_sent(session: Session, delivery: Delivery) -> None:
    debrief_id = parse_summary_key(delivery.key)
    debrief = session.get(Debrief, debrief_id) if debrief_id is not None else None
    if debrief is not None and debrief.summary_sent_at is None:
        debrief.summary_sent_at = delivery.sent_at
    delivery.payload = _scrubbed(delivery.payload or {})  # the answers now live in the learner's DM only


ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {
    PROMPT_KIND: _remember_prompt,
    SUMMARY_KIND: _summary_sent,
}



# Moments whose rule says offer_debrief: which question set the peers answer.
MOMENT_DEBRIEF_SETS = {"feedback-conversation": "debrief-feedback", "difficult-conversation": "debrief-conversation"}
GENERAL_DEBRIEF_SET = "debrief-general"


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
