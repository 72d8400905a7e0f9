"""Reflections in the domain: encrypted at rest, one per prompt, readable by their author only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from slackapp.crypto import Vault
from slackapp.db import Database
from slackapp.db.models import AnalyticsEvent, CalendarOccurrence, Reflection
from slackapp.domain import reflections
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
TEXT = "I talked for most of the hour. Next time: three questions, then listen."


@pytest.fixture
def vault() -> Vault:
    return Vault(Vault.generate_key())


def _save(db: Database, vault: Vault, *, prompt_key: str = "reflect:T1:U1:evt:1", user_id: str = "U1",
          answers: dict[str, str] | None = None, occurrence_id: int | None = None, shared: bool = False,
          now: datetime = NOW) -> int:
    with db.session() as session:
        row = reflections.save_reflection(
            session, team_id="T1", user_id=user_id, prompt_key=prompt_key, occurrence_id=occurrence_id,
            moment_id="one-on-one", answers=answers if answers is not None else {"went-well": TEXT},
            shared_with_manager=shared, vault=vault, now=now)
        session.flush()
        return row.id


def test_answers_are_encrypted_stripped_and_clipped(db: Database, vault: Vault) -> None:
    long_answer = "x" * 5000
    reflection_id = _save(db, vault, answers={"went-well": f"\n  {TEXT}  \n", "next-time": long_answer,
                                              "skipped": "   "})
    with db.session() as session:
        row = session.get_one(Reflection, reflection_id)
        assert TEXT not in row.encrypted_answers and "went-well" not in row.encrypted_answers
        assert json.loads(vault.decrypt(row.encrypted_answers)) == {"went-well": TEXT, "next-time": "x" * 3000}
        answers = reflections.read_reflection(session, reflection_id=reflection_id, viewer_user_id="U1", vault=vault)
    assert answers == {"went-well": TEXT, "next-time": "x" * 3000}


def test_analytics_records_counts_never_text(db: Database, vault: Vault) -> None:
    _save(db, vault, answers={"went-well": TEXT, "next-time": ""}, shared=True)
    with db.session() as session:
        (event,) = session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name == "reflection.saved"))
    assert event.properties == {"moment_id": "one-on-one", "shared": True, "answered": 1}
    assert event.user_id == "U1" and TEXT not in json.dumps(event.properties)


def test_all_empty_answers_are_refused(db: Database, vault: Vault) -> None:
    with pytest.raises(InvalidInput, match="Write at least one answer"):
        _save(db, vault, answers={"went-well": "  ", "next-time": "\n"})
    with db.session() as session:
        assert session.scalars(select(Reflection)).all() == []


def test_one_reflection_per_prompt(db: Database, vault: Vault) -> None:
    _save(db, vault)
    with pytest.raises(AlreadyDone):
        _save(db, vault, answers={"went-well": "again"})
    with db.session() as session:
        assert len(session.scalars(select(Reflection)).all()) == 1
        assert len(session.scalars(select(AnalyticsEvent)).all()) == 1


def test_only_the_author_can_read(db: Database, vault: Vault) -> None:
    reflection_id = _save(db, vault, shared=True)  # shared with the manager: recorded, not yet readable by them
    with db.session() as session:
        with pytest.raises(PermissionDenied):
            reflections.read_reflection(session, reflection_id=reflection_id, viewer_user_id="UMANAGER", vault=vault)
        with pytest.raises(NotFound):
            reflections.read_reflection(session, reflection_id=reflection_id + 99, viewer_user_id="U1", vault=vault)
        assert session.get_one(Reflection, reflection_id).shared_with_manager is True


def test_list_is_the_authors_own_newest_first(db: Database, vault: Vault) -> None:
    first = _save(db, vault, prompt_key="reflect:a", now=NOW)
    second = _save(db, vault, prompt_key="reflect:b", now=NOW + timedelta(days=7), answers={"next-time": "Listen."})
    _save(db, vault, prompt_key="reflect:c", user_id="U2")
    with db.session() as session:
        entries = reflections.list_reflections(session, team_id="T1", user_id="U1", vault=vault)
        assert [e.id for e in entries] == [second, first]
        assert entries[0].answers == {"next-time": "Listen."} and entries[0].created_at == NOW + timedelta(days=7)
        assert [e.id for e in reflections.list_reflections(session, team_id="T1", user_id="U1", vault=vault,
                                                           limit=1)] == [second]


def test_the_meeting_link_survives_a_removed_occurrence(db: Database, vault: Vault) -> None:
    with db.session() as session:
        occurrence = CalendarOccurrence(team_id="T1", user_id="U1", source="ics", event_uid="evt", occurrence_id="1",
                                        title="1:1", start=NOW - timedelta(hours=1), end=NOW, created_at=NOW,
                                        updated_at=NOW)
        session.add(occurrence)
        session.flush()
        occurrence_id = occurrence.id
    kept = _save(db, vault, prompt_key="reflect:kept", occurrence_id=occurrence_id)
    dangling = _save(db, vault, prompt_key="reflect:gone", occurrence_id=occurrence_id + 1000)
    with db.session() as session:
        assert session.get_one(Reflection, kept).occurrence_id == occurrence_id
        assert session.get_one(Reflection, dangling).occurrence_id is None
