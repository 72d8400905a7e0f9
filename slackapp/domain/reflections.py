"""Reflections: private journal entries written after a moment, encrypted at rest.

Privacy rules:

* The answers are stored encrypted with the vault (one JSON object, question id → answer) and are
  never logged, never put into analytics (``reflection.saved`` carries only the moment, whether it
  was shared and how many questions were answered).
* Only the author can read a reflection. ``shared_with_manager`` records the author's choice to
  share one reflection, so that it can be honoured once manager links exist; until then nobody
  but the author can read any reflection.
* One reflection per prompt (``prompt_key``, unique): a double submit has its effect once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.crypto import Vault
from slackapp.db.models import CalendarOccurrence, Delivery, Reflection, TeamLink
from slackapp.domain import analytics, team
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied

MAX_ANSWER_CHARS = 3000
EMPTY_REFLECTION = "Write at least one answer — or close this window to skip."
ALREADY_SAVED = "That's already done — this reflection is saved."


@dataclass(frozen=True, slots=True)
class ReflectionEntry:
    """A decrypted reflection, for its author's eyes."""

    id: int
    created_at: datetime
    moment_id: str | None
    occurrence_id: int | None
    shared_with_manager: bool
    answers: dict[str, str]


def clean_answers(answers: dict[str, str]) -> dict[str, str]:
    """Answered questions only: each answer stripped and clipped to ``MAX_ANSWER_CHARS``."""
    cleaned = {str(qid): (text or "").strip()[:MAX_ANSWER_CHARS] for qid, text in answers.items()}
    return {qid: text for qid, text in cleaned.items() if text}


def find_by_prompt(session: Session, prompt_key: str) -> Reflection | None:
    return session.scalar(select(Reflection).where(Reflection.prompt_key == prompt_key))


def save_reflection(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    prompt_key: str,
    occurrence_id: int | None,
    moment_id: str | None,
    answers: dict[str, str],
    shared_with_manager: bool,
    vault: Vault,
    now: datetime,
) -> Reflection:
    """Store one reflection for ``prompt_key``. Raises InvalidInput when every answer is empty and
    AlreadyDone when this prompt already has its reflection (no duplicate row)."""
    cleaned = clean_answers(answers)
    if not cleaned:
        raise InvalidInput(EMPTY_REFLECTION)
    if find_by_prompt(session, prompt_key) is not None:
        raise AlreadyDone(ALREADY_SAVED)
    if occurrence_id is not None and session.get(CalendarOccurrence, occurrence_id) is None:
        occurrence_id = None  # the meeting was removed from the calendar since; keep the reflection
    reflection = Reflection(team_id=team_id, user_id=user_id, occurrence_id=occurrence_id, moment_id=moment_id,
                            prompt_key=prompt_key, encrypted_answers=vault.encrypt(json.dumps(cleaned)),
                            shared_with_manager=shared_with_manager, created_at=now)
    try:
        with session.begin_nested():
            session.add(reflection)
    except IntegrityError:
        raise AlreadyDone(ALREADY_SAVED) from None
    analytics.record(session, now=now, team_id=team_id, user_id=user_id, name="reflection.saved",
                     object_type="reflection", object_id=reflection.id,
                     properties={"moment_id": moment_id, "shared": shared_with_manager, "answered": len(cleaned)})
    return reflection


def _decrypt(reflection: Reflection, vault: Vault) -> dict[str, str]:
    answers = json.loads(vault.decrypt(reflection.encrypted_answers))
    return {str(k): str(v) for k, v in answers.items()}


def read_reflection(session: Session, *, reflection_id: int, viewer_user_id: str, vault: Vault) -> dict[str, str]:
    """The answers (question id → text) of one reflection: for its author, and for the author's current
    manager when the author chose to share it. Nobody else, admins included."""
    reflection = session.get(Reflection, reflection_id)
    if reflection is None:
        raise NotFound("That reflection doesn't exist any more.")
    if reflection.user_id != viewer_user_id and not (
        reflection.shared_with_manager
        and team.is_manager_of(session, team_id=reflection.team_id, manager_id=viewer_user_id,
                               report_id=reflection.user_id)
    ):
        raise PermissionDenied("Reflections are private: only their author, and a manager they share one with, "
                               "can read them.")
    return _decrypt(reflection, vault)


def shared_with_manager(session: Session, *, team_id: str, manager_id: str, vault: Vault,
                        limit: int = 10) -> list[tuple[str, ReflectionEntry]]:
    """(author, reflection) for reflections the manager's current reports chose to share, newest first.
    A report who leaves the team takes their reflections with them."""
    rows = session.scalars(
        select(Reflection).join(TeamLink, (TeamLink.team_id == Reflection.team_id)
                                & (TeamLink.report_id == Reflection.user_id))
        .where(Reflection.team_id == team_id, Reflection.shared_with_manager.is_(True),
               TeamLink.manager_id == manager_id, TeamLink.state == "active")
        .order_by(Reflection.created_at.desc(), Reflection.id.desc()).limit(limit)
    ).all()
    return [(r.user_id, ReflectionEntry(id=r.id, created_at=r.created_at, moment_id=r.moment_id,
                                        occurrence_id=r.occurrence_id, shared_with_manager=True,
                                        answers=_decrypt(r, vault))) for r in rows]


def list_reflections(session: Session, *, team_id: str, user_id: str, vault: Vault,
                     limit: int = 20) -> list[ReflectionEntry]:
    """The author's own reflections, newest first."""
    rows = session.scalars(
        select(Reflection).where(Reflection.team_id == team_id, Reflection.user_id == user_id)
        .order_by(Reflection.created_at.desc(), Reflection.id.desc()).limit(limit)
    ).all()
    return [ReflectionEntry(id=r.id, created_at=r.created_at, moment_id=r.moment_id, occurrence_id=r.occurrence_id,
                            shared_with_manager=r.shared_with_manager, answers=_decrypt(r, vault)) for r in rows]


def skip_prompt(session: Session, *, delivery: Delivery, now: datetime) -> None:
    """"Not today" on a reflection prompt: recorded for metrics; nothing else happens."""
    analytics.record(session, now=now, team_id=delivery.team_id, user_id=delivery.user_id,
                     name="reflection.skipped", object_type="delivery", object_id=delivery.key,
                     properties={"moment_id": delivery.payload.get("moment_id")})
