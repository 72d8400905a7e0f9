"""Peer debriefs, step 2: choosing the peers and starting the debrief.

``suggest_peers`` proposes people outside the learner's team who practise the competency;
``check_peer_choice`` validates the learner's picks; ``start_debrief`` (or ``start_from_offer``, from the
offer card) creates the ``Debrief`` row (state ``collecting``, deadline now + 48 h), one ``DebriefPeer``
per peer, and per peer a prompt now and one reminder 12 hours before the deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment, Debrief, DebriefPeer, Delivery, Evidence, Person
from slackapp.domain import analytics, deliveries, team
from slackapp.domain.debrief_keys import PROMPT_KIND, REMINDER_KIND, prompt_key, reminder_key
from slackapp.domain.debrief_offers import ensure_offer_open
from slackapp.domain.debrief_records import mark_interacted, question_snapshot
from slackapp.domain.debrief_rules import (
    ALREADY_STARTED,
    COLLECTING,
    DEADLINE_HOURS,
    INVITED,
    MAX_PEERS,
    MIN_PEERS,
    NOT_YOURSELF,
    PICK_PEERS,
    RECENT_PAIRING,
    REMINDER_BEFORE_DEADLINE,
    TOO_MANY_PEERS,
)
from slackapp.domain.errors import AlreadyDone, InvalidInput

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
