"""A reflection shared with one's manager: the manager (and only the current manager) can read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine

from slackapp.db.models import TeamLink
from slackapp.domain import reflections
from slackapp.domain.errors import PermissionDenied
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _link(services: Services, *, manager: str, report: str, state: str = "active") -> None:
    with services.db.session() as session:
        session.add(TeamLink(team_id="T0001", manager_id=manager, report_id=report, state=state, source="invite",
                             created_at=NOW, updated_at=NOW))


def _reflect(services: Services, *, author: str, shared: bool, text: str, key: str) -> int:
    with services.db.session() as session:
        saved = reflections.save_reflection(
            session, team_id="T0001", user_id=author, prompt_key=key, occurrence_id=None, moment_id="one-on-one",
            answers={"learned": text}, shared_with_manager=shared, vault=services.vault, now=NOW)
        session.flush()
        return saved.id


def test_only_the_author_and_their_current_manager_can_read_a_shared_reflection(services: Services) -> None:
    _link(services, manager="UMANAGER", report="UREPORT1")
    shared = _reflect(services, author="UREPORT1", shared=True, text="I listened more.", key="k1")
    private = _reflect(services, author="UREPORT1", shared=False, text="Nervous about the PIP.", key="k2")
    with services.db.session() as session:
        def read(reflection_id: int, viewer: str) -> dict[str, str]:
            return reflections.read_reflection(session, reflection_id=reflection_id, viewer_user_id=viewer,
                                               vault=services.vault)

        assert read(shared, "UREPORT1") == {"learned": "I listened more."}
        assert read(shared, "UMANAGER") == {"learned": "I listened more."}
        assert read(private, "UREPORT1") == {"learned": "Nervous about the PIP."}
        for reflection_id, viewer in ((private, "UMANAGER"), (shared, "UREPORT2"), (shared, "UADMIN")):
            with pytest.raises(PermissionDenied):
                read(reflection_id, viewer)
        link = session.query(TeamLink).one()
        link.state = "removed"  # the report left the team: the ex-manager loses access
        session.flush()
        with pytest.raises(PermissionDenied):
            read(shared, "UMANAGER")


def test_coach_shared_lists_what_reports_chose_to_share(
    frozen_time: time_machine.Traveller, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    def answer(user: str) -> str:
        before = len(fake_slack.calls_to("response_url"))
        assert slack.command("shared", user_id=user).status == 200
        return json.dumps(fake_slack.wait_for("response_url", count=before + 1)[-1].args, ensure_ascii=False)

    assert "None of your reports has shared a reflection" in answer("UMANAGER")
    _link(services, manager="UMANAGER", report="UREPORT1")
    _reflect(services, author="UREPORT1", shared=True, text="Ask about energy earlier.", key="k1")
    _reflect(services, author="UREPORT1", shared=False, text="Private worry.", key="k2")
    _reflect(services, author="UREPORT2", shared=True, text="Not Maria's report.", key="k3")
    reply = answer("UMANAGER")
    assert "Ask about energy earlier." in reply and "<@UREPORT1>" in reply
    assert "Private worry." not in reply and "Not Maria's report." not in reply
    assert "Ask about energy earlier." not in answer("UREPORT2")
    assert fake_slack.validation_errors == []
