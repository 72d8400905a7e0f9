"""Who reports to whom, over signed HTTP: /coach team add → invitation DM through the outbox →
Accept/Decline updating the card in place → the manager told; errors, the one-manager rule, removal."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import AnalyticsEvent, Delivery, TeamLink
from slackapp.domain import people, team
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.services import Services
from tests.conftest import JobRunner
from tests.waiting import wait_until

TEAM = "T0001"
PEOPLE = ("UMANAGER", "UREPORT1", "UREPORT2")


@pytest.fixture(autouse=True)
def opted_in(frozen_time: time_machine.Traveller, services: Services) -> None:
    """Everyone has opted in and it is Monday 10:00 London, so no test depends on the policy's
    handling of these transactional kinds."""
    with services.db.session() as session:
        for user_id in PEOPLE:
            person, _ = people.get_or_create_person(session, team_id=TEAM, user_id=user_id, now=utcnow())
            people.set_opt_in(session, person, opted_in=True, now=utcnow())


def answer(slack: SlackSender, fake: FakeSlack, text: str, user_id: str) -> str:
    before = len(fake.calls_to("response_url"))
    assert slack.command(text, user_id=user_id).status == 200
    reply = fake.wait_for("response_url", count=before + 1)[-1].args
    return str(reply["text"]) + json.dumps(reply.get("blocks") or [])


def buttons(slack: SlackSender, fake: FakeSlack, user_id: str) -> dict[str, str]:
    """/coach team as ``user_id`` sees it: link id (the button's value) → action id, per button."""
    before = len(fake.calls_to("response_url"))
    assert slack.command("team", user_id=user_id).status == 200
    blocks = fake.wait_for("response_url", count=before + 1)[-1].args["blocks"]
    found: dict[str, str] = {}
    for block in blocks:
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if element.get("type") == "button":
                found.setdefault(element["value"], element["action_id"])
    return found


def click(slack: SlackSender, fake: FakeSlack, action_id: str, *, user_id: str, value: str,
          message: dict[str, Any] | None = None) -> None:
    assert slack.block_action(action_id, user_id=user_id, value=value, message=message).status == 200


def dms(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    return fake.messages(fake.dm_channel(user_id))


def link_of(services: Services, manager: str, report: str) -> TeamLink:
    with services.db.session() as session:
        link = team.link_between(session, team_id=TEAM, manager_id=manager, report_id=report)
        assert link is not None
        return link


def invite(slack: SlackSender, fake: FakeSlack, job_runner: JobRunner, manager: str, report: str,
           name: str = "ravi") -> dict[str, Any]:
    """Invite over HTTP, run the outbox, return the invitation card the report got."""
    before = len(dms(fake, report))
    reply = answer(slack, fake, f"team add <@{report}|{name}>", manager)
    assert f"Invitation sent to <@{report}>" in reply
    job_runner.dispatch_and_run()
    cards = dms(fake, report)
    assert len(cards) == before + 1, cards
    return cards[-1]


def events(services: Services) -> list[AnalyticsEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.name.like("team.%"))
                                    .order_by(AnalyticsEvent.id)))


def test_invite_then_accept_updates_the_card_in_place_and_tells_the_manager(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    card = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT1")
    assert card["text"] == "<@UMANAGER> would like to add you as one of their reports in Flowcoach"
    blocks = json.dumps(card["blocks"])
    assert ("<@UMANAGER> would like to add you as one of their reports in Flowcoach. As your manager they could "
            "assign you practice tasks, review your work and see reflections you choose to share.") in blocks
    assert ids.TEAM_ACCEPT in blocks and ids.TEAM_DECLINE in blocks
    link = link_of(services, "UMANAGER", "UREPORT1")
    assert link.state == "invited" and link.invited_by == "UMANAGER" and link.source == "invite"
    assert card["metadata"]["event_payload"]["delivery_key"] == f"team-invite:{TEAM}:{link.id}"
    assert (link.card_channel, link.card_ts) == (fake_slack.dm_channel("UREPORT1"), card["ts"])  # ON_SENT
    with services.db.session() as session:  # nobody is a manager until the report accepts
        assert team.manager_of(session, team_id=TEAM, user_id="UREPORT1") is None

    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1", value=str(link.id), message=card)
    fake_slack.wait_for("chat.update")
    (updated,) = dms(fake_slack, "UREPORT1")
    assert updated["text"].startswith("You accepted: <@UMANAGER> is now your manager in Flowcoach.")
    assert "actions" not in json.dumps(updated["blocks"])  # no stale buttons
    with services.db.session() as session:
        assert team.manager_of(session, team_id=TEAM, user_id="UREPORT1") == "UMANAGER"
        assert team.reports_of(session, team_id=TEAM, manager_id="UMANAGER") == ["UREPORT1"]
        assert team.can_manage(session, team_id=TEAM, actor_id="UMANAGER", learner_id="UREPORT1")
        assert not team.can_manage(session, team_id=TEAM, actor_id="UREPORT2", learner_id="UREPORT1")

    job_runner.dispatch_and_run()
    (note,) = dms(fake_slack, "UMANAGER")
    assert note["text"].startswith("<@UREPORT1> accepted — they're now one of your reports in Flowcoach.")

    # A second click on the (stale, client-side) card: a polite "already done", nothing changes.
    before = len(fake_slack.calls_to("response_url"))
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1", value=str(link.id), message=card)
    reply = fake_slack.wait_for("response_url", count=before + 1)[-1].args
    assert reply["text"] == "That's already done."
    assert [e.name for e in events(services)] == ["team.invited", "team.accepted"]
    assert all("@" not in json.dumps(e.properties) for e in events(services))
    assert fake_slack.validation_errors == []


def test_decline_tells_the_manager_and_a_new_invitation_reuses_the_row(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    card = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT1")
    link = link_of(services, "UMANAGER", "UREPORT1")
    click(slack, fake_slack, ids.TEAM_DECLINE, user_id="UREPORT1", value=str(link.id), message=card)
    fake_slack.wait_for("chat.update")
    (updated,) = dms(fake_slack, "UREPORT1")
    assert updated["text"] == "You declined <@UMANAGER>'s invitation. Nothing has changed, and they've been told."
    assert "actions" not in json.dumps(updated["blocks"])
    assert link_of(services, "UMANAGER", "UREPORT1").state == "declined"
    job_runner.dispatch_and_run()
    (note,) = dms(fake_slack, "UMANAGER")
    assert "<@UREPORT1> declined your invitation" in note["text"]

    before = len(fake_slack.calls_to("response_url"))
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1", value=str(link.id), message=card)
    assert fake_slack.wait_for("response_url", count=before + 1)[-1].args["text"] == "That's already done."

    second = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT1")  # re-inviting is allowed
    assert second["metadata"]["event_payload"]["delivery_key"] == f"team-invite:{TEAM}:{link.id}:2"
    again = link_of(services, "UMANAGER", "UREPORT1")
    assert again.id == link.id and again.state == "invited" and again.card_ts == second["ts"]
    with services.db.session() as session:
        assert session.scalar(select(TeamLink).where(TeamLink.id != link.id)) is None
    assert [e.name for e in events(services)] == ["team.invited", "team.declined", "team.invited"]


def test_clear_errors_for_invitations_that_cannot_work(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    fake_slack.add_user("UBOTTY", name="standup-bot", is_bot=True)
    fake_slack.add_user("UGONE", name="gone", deleted=True)

    def reply(text: str, user_id: str = "UMANAGER") -> str:
        return answer(slack, fake_slack, text, user_id)

    assert "You can't add yourself as your own report." in reply("team add <@UMANAGER|maria>")
    assert "<@UBOTTY> is a bot, so they can't be on a team." in reply("team add <@UBOTTY|standup-bot>")
    assert "<@UGONE>'s Slack account is deactivated" in reply("team add <@UGONE>")
    assert "I couldn't find that person in this workspace." in reply("team add <@UNOBODY1|nobody>")
    assert "Mention the person so Slack turns their name into a link" in reply("team add ravi")
    assert "Mention the person" in reply("team add")
    assert "I know `/coach team`" in reply("team promote <@UREPORT1>")

    card = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT1")
    assert "You already invited <@UREPORT1>; they haven't answered yet." in reply("team add <@UREPORT1|ravi>")
    link = link_of(services, "UMANAGER", "UREPORT1")
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT2", value=str(link.id), message=card)
    assert fake_slack.wait_for("response_url", predicate=lambda c: "someone else" in str(c.args.get("text")))
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1", value=str(link.id), message=card)
    wait_until(lambda: link_of(services, "UMANAGER", "UREPORT1").state == "active")
    assert "<@UREPORT1> is already one of your reports." in reply("team add <@UREPORT1|ravi>")
    # Loops: a report cannot make their manager (or their manager's manager) their own report.
    assert "<@UMANAGER> is your manager in Flowcoach, so they can't also be your report." in \
        reply("team add <@UMANAGER|maria>", "UREPORT1")
    with services.db.session() as session:
        assert session.scalar(select(TeamLink).where(TeamLink.manager_id == "UREPORT1")) is None
        # Only the one accepted invitation went out: none of the refused attempts scheduled anything.
        assert [d.kind for d in session.scalars(select(Delivery).order_by(Delivery.id))] == \
            ["team_invite", "team_update"]
    assert fake_slack.validation_errors == []


def test_accepting_a_new_manager_ends_the_previous_link_and_tells_the_old_manager(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    first = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT1")
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1",
          value=str(link_of(services, "UMANAGER", "UREPORT1").id), message=first)
    wait_until(lambda: link_of(services, "UMANAGER", "UREPORT1").state == "active")
    job_runner.dispatch_and_run()

    second = invite(slack, fake_slack, job_runner, "UREPORT2", "UREPORT1")
    assert "Accepting replaces <@UMANAGER> as your manager in Flowcoach" in json.dumps(second["blocks"])
    new_link = link_of(services, "UREPORT2", "UREPORT1")
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1", value=str(new_link.id), message=second)
    wait_until(lambda: link_of(services, "UREPORT2", "UREPORT1").state == "active")
    assert link_of(services, "UMANAGER", "UREPORT1").state == "removed"
    with services.db.session() as session:
        assert team.manager_of(session, team_id=TEAM, user_id="UREPORT1") == "UREPORT2"
        assert not team.is_manager_of(session, team_id=TEAM, manager_id="UMANAGER", report_id="UREPORT1")
    job_runner.dispatch_and_run()
    told = dms(fake_slack, "UMANAGER")[-1]["text"]
    assert told == ("<@UREPORT1> accepted <@UREPORT2> as their new manager in Flowcoach, so <@UREPORT1> is no "
                    "longer listed as your report.")
    removed = [e for e in events(services) if e.name == "team.removed"]
    assert len(removed) == 1 and removed[0].properties["reason"] == "replaced"


def test_the_team_list_and_its_remove_buttons(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    assert "You have no manager or reports in Flowcoach yet" in answer(slack, fake_slack, "team", "UMANAGER")
    card = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT1")
    link = link_of(services, "UMANAGER", "UREPORT1")
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1", value=str(link.id), message=card)
    wait_until(lambda: link_of(services, "UMANAGER", "UREPORT1").state == "active")
    pending_card = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT2", "lee")
    pending = link_of(services, "UMANAGER", "UREPORT2")

    listing = answer(slack, fake_slack, "team", "UMANAGER")
    assert "*Your reports (1):*" in listing and "<@UREPORT1>" in listing
    assert "Invitations you sent (waiting for an answer)" in listing and "<@UREPORT2>" in listing
    remove = buttons(slack, fake_slack, "UMANAGER")
    assert remove == {str(link.id): f"{ids.TEAM_REMOVE}.0", str(pending.id): f"{ids.TEAM_REMOVE}.1"}
    assert "*Your manager:* <@UMANAGER>" in answer(slack, fake_slack, "team", "UREPORT1")
    assert "Invitations to you" in answer(slack, fake_slack, "team", "UREPORT2")
    assert buttons(slack, fake_slack, "UREPORT2") == {str(pending.id): f"{ids.TEAM_ACCEPT}.0"}

    # Withdraw the pending invitation from the list: its DM card says so, the list refreshes.
    before = len(fake_slack.calls_to("response_url"))
    click(slack, fake_slack, remove[str(pending.id)], user_id="UMANAGER", value=str(pending.id))
    refreshed = fake_slack.wait_for("response_url", count=before + 1)[-1].args
    assert refreshed["replace_original"] is True and "<@UREPORT2>" not in json.dumps(refreshed["blocks"])
    assert link_of(services, "UMANAGER", "UREPORT2").state == "removed"
    wait_until(lambda: dms(fake_slack, "UREPORT2")[-1]["text"].startswith("<@UMANAGER> withdrew this invitation"))
    assert dms(fake_slack, "UREPORT2")[-1]["ts"] == pending_card["ts"]

    # Remove the report: the link ends and the report is told.
    before = len(fake_slack.calls_to("response_url"))
    click(slack, fake_slack, remove[str(link.id)], user_id="UMANAGER", value=str(link.id))
    refreshed = fake_slack.wait_for("response_url", count=before + 1)[-1].args
    assert "You have no manager or reports in Flowcoach yet" in refreshed["text"]
    assert link_of(services, "UMANAGER", "UREPORT1").state == "removed"
    job_runner.dispatch_and_run()
    assert dms(fake_slack, "UREPORT1")[-1]["text"].startswith("<@UMANAGER> removed you from their team")
    before = len(fake_slack.calls_to("response_url"))
    click(slack, fake_slack, remove[str(link.id)], user_id="UMANAGER", value=str(link.id))
    assert fake_slack.wait_for("response_url", count=before + 1)[-1].args["text"] == "That's already done."
    removed = [e.properties for e in events(services) if e.name == "team.removed"]
    assert removed == [{"source": "invite", "by": "manager", "was": "invited"},
                       {"source": "invite", "by": "manager", "was": "active"}]
    assert fake_slack.validation_errors == []


def test_a_report_leaves_their_manager_with_the_slash_command(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, job_runner: JobRunner,
) -> None:
    card = invite(slack, fake_slack, job_runner, "UMANAGER", "UREPORT1")
    click(slack, fake_slack, ids.TEAM_ACCEPT, user_id="UREPORT1",
          value=str(link_of(services, "UMANAGER", "UREPORT1").id), message=card)
    wait_until(lambda: link_of(services, "UMANAGER", "UREPORT1").state == "active")
    job_runner.dispatch_and_run()
    assert "Done — <@UMANAGER> is no longer your manager in Flowcoach. They've been told." in \
        answer(slack, fake_slack, "team remove <@UMANAGER|maria>", "UREPORT1")
    assert "isn't on your team in Flowcoach" in answer(slack, fake_slack, "team remove <@UREPORT2|lee>", "UREPORT1")
    job_runner.dispatch_and_run()
    assert dms(fake_slack, "UMANAGER")[-1]["text"].startswith(
        "<@UREPORT1> removed you as their manager in Flowcoach")
    with services.db.session() as session:
        assert team.manager_of(session, team_id=TEAM, user_id="UREPORT1") is None


def test_help_lists_the_team_commands(slack: SlackSender) -> None:
    blocks = json.dumps(slack.command("help", user_id="UMANAGER").json()["blocks"])
    for usage in ("/coach team`", "/coach team add @person`", "/coach team remove @person`"):
        assert usage in blocks
