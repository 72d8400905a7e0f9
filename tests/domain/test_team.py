"""The org chart in the domain: invitations, answers, removal, the one-manager rule, loops, hooks, views."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from slackapp.db import Database
from slackapp.db.models import AnalyticsEvent, Delivery, TeamLink
from slackapp.domain import deliveries, sent_hooks, team
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from slackapp.views.deliveries import RenderContext, render_delivery
from slackapp.views.team import invite_answered, team_overview

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
T = "T1"


def invite(db: Database, manager: str, report: str, now: datetime = NOW) -> int:
    with db.session() as session:
        return team.invite(session, team_id=T, manager_id=manager, report_id=report, now=now).id


def accept(db: Database, link_id: int, actor: str) -> team.Change:
    with db.session() as session:
        return team.accept(session, team_id=T, link_id=link_id, actor_id=actor, now=NOW)


def linked(db: Database, manager: str, report: str) -> int:
    link_id = invite(db, manager, report)
    accept(db, link_id, report)
    return link_id


def state(db: Database, link_id: int) -> str:
    with db.session() as session:
        return session.get_one(TeamLink, link_id).state


def outbox(db: Database) -> list[tuple[str, str, str]]:
    with db.session() as session:
        return [(d.user_id, d.kind, str(d.payload.get("event", ""))) for d in
                session.scalars(select(Delivery).order_by(Delivery.id))]


def test_an_invitation_is_pending_until_accepted(db: Database) -> None:
    link_id = invite(db, "UM", "UR")
    with db.session() as session:
        assert team.manager_of(session, team_id=T, user_id="UR") is None
        assert not team.can_manage(session, team_id=T, actor_id="UM", learner_id="UR")
        delivery = session.scalars(select(Delivery)).one()
    assert (delivery.key, delivery.kind, delivery.user_id) == (f"team-invite:{T}:{link_id}", "team_invite", "UR")
    assert delivery.payload == {"link_id": link_id, "manager_id": "UM"}
    change = accept(db, link_id, "UR")
    assert (change.outcome, change.state, change.replaced_manager_id) == ("accepted", "active", None)
    with db.session() as session:
        assert team.manager_of(session, team_id=T, user_id="UR") == "UM"
        assert team.is_manager_of(session, team_id=T, manager_id="UM", report_id="UR")
        assert team.can_manage(session, team_id=T, actor_id="UADMIN", learner_id="UR", admins={"UADMIN"})
    assert outbox(db)[-1] == ("UM", "team_update", "accepted")


def test_answers_are_for_the_invited_person_once(db: Database) -> None:
    link_id = invite(db, "UM", "UR")
    with pytest.raises(PermissionDenied, match="for someone else"):
        accept(db, link_id, "UM")
    with pytest.raises(NotFound):
        accept(db, 999, "UR")
    with db.session() as session:
        team.decline(session, team_id=T, link_id=link_id, actor_id="UR", now=NOW)
    for answer in (team.accept, team.decline):
        with db.session() as session, pytest.raises(AlreadyDone, match=r"^That's already done\.$"):
            answer(session, team_id=T, link_id=link_id, actor_id="UR", now=NOW)
    with db.session() as session, pytest.raises(NotFound):  # another workspace's link id is not found
        team.accept(session, team_id="T2", link_id=link_id, actor_id="UR", now=NOW)
    assert outbox(db)[-1] == ("UM", "team_update", "declined")


@pytest.mark.parametrize(("manager", "report", "message"), [
    ("UM", "UM", "You can't add yourself as your own report."),
    ("UM", "UR", "<@UR> is already one of your reports."),
    ("UR", "UM", "<@UM> is your manager in Flowcoach, so they can't also be your report."),
    ("UX", "UBOSS", "<@UBOSS> is above you in Flowcoach's org chart"),
])
def test_invitations_that_cannot_work(db: Database, manager: str, report: str, message: str) -> None:
    linked(db, "UBOSS", "UM")
    linked(db, "UM", "UR")
    linked(db, "UR", "UX")
    with db.session() as session, pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        team.invite(session, team_id=T, manager_id=manager, report_id=report, now=NOW)


def test_a_second_invitation_while_one_is_pending_is_refused(db: Database) -> None:
    invite(db, "UM", "UR")
    with db.session() as session, pytest.raises(InvalidInput, match="You already invited <@UR>"):
        team.invite(session, team_id=T, manager_id="UM", report_id="UR", now=NOW)


def test_accepting_a_new_manager_replaces_the_old_one(db: Database) -> None:
    old = linked(db, "UOLD", "UR")
    link_id = invite(db, "UNEW", "UR")
    with db.session() as session:
        invitation = session.scalars(select(Delivery).where(Delivery.kind == "team_invite")
                                     .order_by(Delivery.id.desc())).first()
        assert invitation is not None and invitation.payload["current_manager_id"] == "UOLD"
    change = accept(db, link_id, "UR")
    assert change.replaced_manager_id == "UOLD" and state(db, old) == "removed"
    with db.session() as session:
        assert team.manager_of(session, team_id=T, user_id="UR") == "UNEW"
        replaced = session.scalars(select(Delivery).where(Delivery.user_id == "UOLD")
                                   .order_by(Delivery.id.desc())).first()
        assert replaced is not None
    assert replaced.payload == {"event": "replaced", "link_id": old, "manager_id": "UOLD", "report_id": "UR",
                                "new_manager_id": "UNEW"}


def test_accepting_refuses_a_loop_made_since_the_invitation(db: Database) -> None:
    pending = invite(db, "UM", "UR")  # UM invites UR …
    linked(db, "UR", "UM")            # … but meanwhile UM accepted UR as their manager
    with pytest.raises(InvalidInput, match="You are above <@UM>"):
        accept(db, pending, "UR")


def test_removal_from_either_side_and_withdrawal(db: Database) -> None:
    link_id = linked(db, "UM", "UR")
    with db.session() as session, pytest.raises(PermissionDenied):
        team.remove(session, team_id=T, link_id=link_id, actor_id="USTRANGER", now=NOW)
    with db.session() as session:
        change = team.remove(session, team_id=T, link_id=link_id, actor_id="UR", now=NOW)
    assert change.outcome == "left" and state(db, link_id) == "removed"
    assert outbox(db)[-1] == ("UM", "team_update", "left")
    with db.session() as session, pytest.raises(AlreadyDone):
        team.remove(session, team_id=T, link_id=link_id, actor_id="UM", now=NOW)

    # Re-inviting after a removal reuses the row; withdrawing before it is sent cancels the delivery.
    again = invite(db, "UM", "UR", now=NOW + timedelta(minutes=1))
    assert again == link_id
    with db.session() as session:
        change = team.remove_person(session, team_id=T, actor_id="UM", other_id="UR", now=NOW)
        second = deliveries.by_key(session, f"team-invite:{T}:{link_id}:2")
        assert second is not None and second.state == "cancelled"
    assert change.outcome == "withdrawn"
    with db.session() as session, pytest.raises(InvalidInput, match="isn't on your team"):
        team.remove_person(session, team_id=T, actor_id="UM", other_id="UR", now=NOW)
    with db.session() as session, pytest.raises(AlreadyDone):  # a withdrawn invitation cannot be answered
        team.remove(session, team_id=T, link_id=link_id, actor_id="UR", now=NOW)
    with db.session() as session, pytest.raises(NotFound, match="<@UM> withdrew this invitation"):
        team.accept(session, team_id=T, link_id=link_id, actor_id="UR", now=NOW)

    # The report "removing" a pending invitation declines it; an admin may end any link.
    third = invite(db, "UM", "UR", now=NOW + timedelta(minutes=2))
    with db.session() as session:
        assert team.remove(session, team_id=T, link_id=third, actor_id="UR", now=NOW).outcome == "declined"
    other = linked(db, "UM", "UX")
    with db.session() as session:
        team.remove(session, team_id=T, link_id=other, actor_id="UADMIN", now=NOW, admins={"UADMIN"})
    assert outbox(db)[-2:] == [("UX", "team_update", "removed"), ("UM", "team_update", "left")]
    with db.session() as session:
        names = [e.name for e in session.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.id))]
    assert names == ["team.invited", "team.accepted", "team.removed", "team.invited", "team.removed",
                     "team.invited", "team.declined", "team.invited", "team.accepted", "team.removed"]


def test_the_outbox_remembers_the_invitation_card(db: Database) -> None:
    link_id = invite(db, "UM", "UR")
    with db.session() as session:
        delivery = session.scalars(select(Delivery)).one()
        deliveries.mark_sent(session, delivery, channel_id="DUR", ts="1.000200", now=NOW, reason="test")
        sent_hooks.on_sent(session, delivery)
        link = session.get_one(TeamLink, link_id)
        assert (link.card_channel, link.card_ts) == ("DUR", "1.000200")
    change = accept(db, link_id, "UR")
    assert (change.card_channel, change.card_ts) == ("DUR", "1.000200")
    with db.session() as session:  # answered: the invitation never counts as an ignored message
        assert session.scalars(select(Delivery).where(Delivery.kind == "team_invite")).one().interacted_at == NOW


def test_overview_lists_manager_reports_and_pending_invitations(db: Database) -> None:
    linked(db, "UBOSS", "UM")
    report = linked(db, "UM", "UR")
    sent = invite(db, "UM", "UNEW")
    received = invite(db, "UOTHER", "UM")
    with db.session() as session:
        view = team.overview(session, team_id=T, user_id="UM")
    assert view.manager is not None and view.manager.user_id == "UBOSS"
    assert view.reports == [team.Entry(report, "UR")]
    assert view.sent == [team.Entry(sent, "UNEW")] and view.received == [team.Entry(received, "UOTHER")]
    message = team_overview(view)
    elements = [e for b in message.to_kwargs()["blocks"] for e in [b.get("accessory") or {}, *b.get("elements", [])]]
    assert [(e["action_id"], e["value"]) for e in elements if e.get("type") == "button"] == [
        ("fc_team_remove.0", str(view.manager.link_id)), ("fc_team_remove.1", str(report)),
        ("fc_team_remove.2", str(sent)), ("fc_team_accept.0", str(received)), ("fc_team_decline.0", str(received))]
    assert message.text == "Your team in Flowcoach — manager: <@UBOSS>, 1 report(s), 2 pending invitation(s)"


def test_a_big_team_stays_within_slack_limits() -> None:
    view = team.Overview(user_id="UM", manager=team.Entry(1, "UBOSS"),
                         reports=[team.Entry(i, f"UR{i:03d}") for i in range(100, 400)],
                         sent=[team.Entry(i, f"US{i:03d}") for i in range(10, 30)],
                         received=[team.Entry(i, f"UV{i:03d}") for i in range(30, 40)])
    message = team_overview(view)  # Message refuses more than 50 blocks
    rendered = json.dumps(message.to_kwargs(), ensure_ascii=False)
    assert "…and 272 more" in rendered and "UR399" in rendered  # listed, not silently dropped
    assert len(message.blocks) <= 50


def test_deliveries_render_for_every_event() -> None:
    ctx = RenderContext(content=None, tz=ZoneInfo("Europe/London"), now=NOW, delivery_key="k")
    card = render_delivery("team_invite", {"link_id": 7, "manager_id": "UM", "current_manager_id": "UOLD"}, ctx)
    kwargs = card.to_kwargs()
    assert "Accepting replaces <@UOLD>" in json.dumps(kwargs["blocks"])
    buttons = kwargs["blocks"][2]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("fc_team_accept", "7"), ("fc_team_decline", "7")]
    for event in team.UPDATE_EVENTS:
        text = render_delivery("team_update", {"event": event, "manager_id": "UM", "report_id": "UR",
                                               "new_manager_id": "UNEW"}, ctx).text
        assert "<@" in text and "None" not in text, event
    assert render_delivery("team_update", {"text": "Hello"}, ctx).text == "Hello"
    for outcome in ("accepted", "declined", "withdrawn", "imported", "removed"):
        assert "<@UM>" in invite_answered(outcome, "UM").text
