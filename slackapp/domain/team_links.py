"""Changing a link: invite, accept, decline, remove (from either side or as an admin)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from slackapp.db.models import TeamLink
from slackapp.domain import analytics, deliveries
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from slackapp.domain.team_notices import INVITE_KIND, _cancel_invites, _next_invite_key, notify
from slackapp.domain.team_queries import find_link, is_above, link_between, manager_of

ALREADY_DONE = "That's already done."


@dataclass(frozen=True, slots=True)
class Change:
    """What a change did, for the listener: the link's new state and the invitation card to update."""

    link_id: int
    state: str
    manager_id: str
    report_id: str
    outcome: str  # invited | accepted | declined | withdrawn | removed | left
    card_channel: str | None = None
    card_ts: str | None = None
    replaced_manager_id: str | None = None


def _change(link: TeamLink, outcome: str, replaced: str | None = None) -> Change:
    return Change(link_id=link.id, state=link.state, manager_id=link.manager_id, report_id=link.report_id,
                  outcome=outcome, card_channel=link.card_channel, card_ts=link.card_ts,
                  replaced_manager_id=replaced)


def _record(session: Session, name: str, link: TeamLink, *, now: datetime, actor_id: str | None,
            **properties: Any) -> None:
    analytics.record(session, now=now, team_id=link.team_id, user_id=actor_id, name=name, object_type="team_link",
                     object_id=link.id, properties={"source": link.source, **properties})


def _end(session: Session, link: TeamLink, *, now: datetime) -> None:
    link.state = "removed"
    link.updated_at = now


def invite(session: Session, *, team_id: str, manager_id: str, report_id: str, now: datetime) -> TeamLink:
    """``manager_id`` asks ``report_id`` to be their report. Schedules the invitation card (kind
    ``team_invite``); nothing changes until the report accepts. Re-inviting after a decline or a
    removal reuses the pair's row."""
    if report_id == manager_id:
        raise InvalidInput("You can't add yourself as your own report.")
    link = link_between(session, team_id=team_id, manager_id=manager_id, report_id=report_id)
    if link is not None and link.state == "active":
        raise InvalidInput(f"<@{report_id}> is already one of your reports.")
    if link is not None and link.state == "invited":
        raise InvalidInput(f"You already invited <@{report_id}>; they haven't answered yet. "
                           "`/coach team` shows your pending invitations.")
    if manager_of(session, team_id=team_id, user_id=manager_id) == report_id:
        raise InvalidInput(f"<@{report_id}> is your manager in Flowcoach, so they can't also be your report.")
    if is_above(session, team_id=team_id, person_id=report_id, user_id=manager_id):
        raise InvalidInput(f"<@{report_id}> is above you in Flowcoach's org chart (your manager's manager or "
                           "higher), so they can't be your report.")
    reinvite = link is not None
    if link is None:
        link = TeamLink(team_id=team_id, manager_id=manager_id, report_id=report_id, created_at=now)
        session.add(link)
    link.state, link.source, link.invited_by = "invited", "invite", manager_id
    link.card_channel = link.card_ts = None
    link.responded_at = None
    link.updated_at = now
    session.flush()
    payload: dict[str, Any] = {"link_id": link.id, "manager_id": manager_id}
    current = manager_of(session, team_id=team_id, user_id=report_id)
    if current is not None:
        payload["current_manager_id"] = current
    deliveries.schedule(session, key=_next_invite_key(session, link), team_id=team_id, user_id=report_id,
                        kind=INVITE_KIND, due_at=now, now=now, payload=payload)
    _record(session, "team.invited", link, now=now, actor_id=manager_id, reinvite=reinvite)
    return link


def _invitation(session: Session, *, team_id: str, link_id: int, actor_id: str) -> TeamLink:
    link = find_link(session, team_id=team_id, link_id=link_id)
    if link is None:
        raise NotFound("I couldn't find that invitation any more.")
    if link.report_id != actor_id:
        raise PermissionDenied("This invitation is for someone else.")
    if link.state == "removed" and link.responded_at is None:
        raise NotFound(f"<@{link.manager_id}> withdrew this invitation, so there's nothing to answer.")
    if link.state != "invited":
        raise AlreadyDone(ALREADY_DONE)
    return link


def accept(session: Session, *, team_id: str, link_id: int, actor_id: str, now: datetime) -> Change:
    """The report accepts: the link becomes active, and any previous manager's link ends."""
    link = _invitation(session, team_id=team_id, link_id=link_id, actor_id=actor_id)
    if is_above(session, team_id=team_id, person_id=link.report_id, user_id=link.manager_id):
        raise InvalidInput(f"You are above <@{link.manager_id}> in Flowcoach's org chart, so they can't be your "
                           "manager. Ask them (or your Flowcoach admin) to check `/coach team`.")
    previous = session.scalar(select(TeamLink).where(
        TeamLink.team_id == team_id, TeamLink.report_id == link.report_id, TeamLink.state == "active",
        TeamLink.id != link.id))
    replaced: str | None = None
    if previous is not None:
        replaced = previous.manager_id
        _end(session, previous, now=now)
        notify(session, team_id=team_id, recipient_id=previous.manager_id, event="replaced", link=previous, now=now,
               new_manager_id=link.manager_id)
        _record(session, "team.removed", previous, now=now, actor_id=actor_id, by="report", was="active",
                reason="replaced")
    link.state, link.responded_at, link.updated_at = "active", now, now
    _cancel_invites(session, link, reason="the invitation was answered", now=now)
    notify(session, team_id=team_id, recipient_id=link.manager_id, event="accepted", link=link, now=now)
    _record(session, "team.accepted", link, now=now, actor_id=actor_id, replaced=replaced is not None)
    return _change(link, "accepted", replaced)


def decline(session: Session, *, team_id: str, link_id: int, actor_id: str, now: datetime) -> Change:
    link = _invitation(session, team_id=team_id, link_id=link_id, actor_id=actor_id)
    link.state, link.responded_at, link.updated_at = "declined", now, now
    _cancel_invites(session, link, reason="the invitation was answered", now=now)
    notify(session, team_id=team_id, recipient_id=link.manager_id, event="declined", link=link, now=now)
    _record(session, "team.declined", link, now=now, actor_id=actor_id)
    return _change(link, "declined")


def remove(session: Session, *, team_id: str, link_id: int, actor_id: str, now: datetime,
           admins: Collection[str] = ()) -> Change:
    """End a link from either side (or as an admin). A pending invitation: the manager withdraws it,
    the report declines it. The other person is told."""
    link = find_link(session, team_id=team_id, link_id=link_id)
    if link is None:
        raise NotFound("I couldn't find that link any more.")
    is_admin = actor_id in admins
    if actor_id not in (link.manager_id, link.report_id) and not is_admin:
        raise PermissionDenied("Only the two people on a link (or a Flowcoach admin) can remove it.")
    if link.state == "invited":
        if actor_id == link.report_id:
            return decline(session, team_id=team_id, link_id=link_id, actor_id=actor_id, now=now)
        _end(session, link, now=now)  # withdrawn: responded_at stays empty
        _cancel_invites(session, link, reason="the invitation was withdrawn", now=now)
        _record(session, "team.removed", link, now=now, actor_id=actor_id,
                by="manager" if actor_id == link.manager_id else "admin", was="invited")
        return _change(link, "withdrawn")
    if link.state != "active":
        raise AlreadyDone(ALREADY_DONE)
    _end(session, link, now=now)
    by_report = actor_id == link.report_id
    by = "report" if by_report else ("manager" if actor_id == link.manager_id else "admin")
    if by_report:
        notify(session, team_id=team_id, recipient_id=link.manager_id, event="left", link=link, now=now)
    else:
        notify(session, team_id=team_id, recipient_id=link.report_id, event="removed", link=link, now=now,
               by=by)
        if by == "admin":
            notify(session, team_id=team_id, recipient_id=link.manager_id, event="left", link=link, now=now,
                   by=by)
    _record(session, "team.removed", link, now=now, actor_id=actor_id, by=by, was="active")
    return _change(link, "left" if by_report else "removed")


def remove_person(session: Session, *, team_id: str, actor_id: str, other_id: str, now: datetime) -> Change:
    """``/coach team remove @person``: the link between the two, in whichever direction."""
    if other_id == actor_id:
        raise InvalidInput("Mention the person you want to remove from your team, like `/coach team remove @ravi`.")
    links = session.scalars(select(TeamLink).where(
        TeamLink.team_id == team_id, TeamLink.state.in_(("active", "invited")),
        or_((TeamLink.manager_id == actor_id) & (TeamLink.report_id == other_id),
            (TeamLink.manager_id == other_id) & (TeamLink.report_id == actor_id)),
    )).all()
    if not links:
        raise InvalidInput(f"<@{other_id}> isn't on your team in Flowcoach. `/coach team` shows who is.")
    link = min(links, key=lambda candidate: candidate.state != "active")  # an active link first
    return remove(session, team_id=team_id, link_id=link.id, actor_id=actor_id, now=now)
