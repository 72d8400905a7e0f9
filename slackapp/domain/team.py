"""Flowcoach's org chart: who manages whom (Slack has none). Only active links grant permissions.

A link is ``invited`` → ``active`` (the report accepted) | ``declined``; an active or invited link
ends as ``removed``. Nobody becomes someone's manager silently: only the report's Accept (or an
admin's import, with a notice to the report) makes a link active. A person has at most one active
manager: accepting a new one ends the previous link, and the previous manager is told.

Every change is recorded in the analytics log (``team.*``; user ids only, never emails) and the
other person is told through the outbox (kind ``team_update``, payloads below).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from slackapp.db.models import Delivery, TeamLink
from slackapp.domain import analytics, deliveries
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied

INVITE_KIND = "team_invite"  # payload: link_id, manager_id (+ current_manager_id if accepting replaces one)
UPDATE_KIND = "team_update"  # payload: event, manager_id, report_id (+ new_manager_id for "replaced")
# team_update events, each addressed to one person:
#   accepted / declined → the manager; left → the manager (the report ended the link);
#   removed → the report (the manager ended the link); replaced → the previous manager;
#   imported → the report (an admin's CSV import made the link).
UPDATE_EVENTS = ("accepted", "declined", "left", "removed", "replaced", "imported")
ALREADY_DONE = "That's already done."
MAX_CHAIN = 200  # walking up the org chart never loops forever, even over bad data


# ---- queries (others import these names) -----------------------------------------------------------


def manager_of(session: Session, *, team_id: str, user_id: str) -> str | None:
    return session.scalar(select(TeamLink.manager_id).where(
        TeamLink.team_id == team_id, TeamLink.report_id == user_id, TeamLink.state == "active"))


def reports_of(session: Session, *, team_id: str, manager_id: str) -> list[str]:
    return list(session.scalars(select(TeamLink.report_id).where(
        TeamLink.team_id == team_id, TeamLink.manager_id == manager_id, TeamLink.state == "active")
        .order_by(TeamLink.report_id)))


def is_manager_of(session: Session, *, team_id: str, manager_id: str, report_id: str) -> bool:
    return manager_of(session, team_id=team_id, user_id=report_id) == manager_id


def can_manage(session: Session, *, team_id: str, actor_id: str, learner_id: str, admins: Any = ()) -> bool:
    """A person's manager, or a program admin, may assign them work and see what they chose to share."""
    return actor_id in admins or is_manager_of(session, team_id=team_id, manager_id=actor_id, report_id=learner_id)


def find_link(session: Session, *, team_id: str, link_id: int) -> TeamLink | None:
    link = session.get(TeamLink, link_id)
    return link if link is not None and link.team_id == team_id else None


def link_between(session: Session, *, team_id: str, manager_id: str, report_id: str) -> TeamLink | None:
    return session.scalar(select(TeamLink).where(
        TeamLink.team_id == team_id, TeamLink.manager_id == manager_id, TeamLink.report_id == report_id))


def active_links(session: Session, *, team_id: str) -> dict[str, str]:
    """report → manager for every active link in the workspace."""
    rows = session.execute(select(TeamLink.report_id, TeamLink.manager_id).where(
        TeamLink.team_id == team_id, TeamLink.state == "active"))
    return {report: manager for report, manager in rows}


def is_above(session: Session, *, team_id: str, person_id: str, user_id: str) -> bool:
    """Whether ``person_id`` is ``user_id``'s manager, their manager's manager, and so on."""
    seen = {user_id}
    current = user_id
    for _ in range(MAX_CHAIN):
        boss = manager_of(session, team_id=team_id, user_id=current)
        if boss is None or boss in seen:
            return False
        if boss == person_id:
            return True
        seen.add(boss)
        current = boss
    return False


@dataclass(frozen=True, slots=True)
class Entry:
    link_id: int
    user_id: str  # the other person


@dataclass(frozen=True, slots=True)
class Overview:
    """What ``/coach team`` shows one person."""

    user_id: str
    manager: Entry | None
    reports: list[Entry] = field(default_factory=list)
    sent: list[Entry] = field(default_factory=list)  # invitations this person sent, not answered yet
    received: list[Entry] = field(default_factory=list)  # invitations to this person, not answered yet

    @property
    def empty(self) -> bool:
        return self.manager is None and not (self.reports or self.sent or self.received)


def overview(session: Session, *, team_id: str, user_id: str) -> Overview:
    links = session.scalars(select(TeamLink).where(
        TeamLink.team_id == team_id, TeamLink.state.in_(("active", "invited")),
        or_(TeamLink.manager_id == user_id, TeamLink.report_id == user_id),
    ).order_by(TeamLink.created_at, TeamLink.id)).all()
    manager: Entry | None = None
    reports: list[Entry] = []
    sent: list[Entry] = []
    received: list[Entry] = []
    for link in links:
        mine_as_manager = link.manager_id == user_id
        other = link.report_id if mine_as_manager else link.manager_id
        entry = Entry(link.id, other)
        if link.state == "active":
            if mine_as_manager:
                reports.append(entry)
            else:
                manager = entry
        else:
            (sent if mine_as_manager else received).append(entry)
    return Overview(user_id=user_id, manager=manager, reports=reports, sent=sent, received=received)


# ---- changes ---------------------------------------------------------------------------------------


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


def invite_key_prefix(team_id: str, link_id: int) -> str:
    return f"team-invite:{team_id}:{link_id}"


def _next_invite_key(session: Session, link: TeamLink) -> str:
    """The first invitation is ``team-invite:{team}:{link}``; a re-invitation after a decline gets
    ``…:2``, ``…:3`` (the outbox never re-sends a finished key)."""
    prefix = invite_key_prefix(link.team_id, link.id)
    earlier = len(_invite_deliveries(session, link))
    return prefix if not earlier else f"{prefix}:{earlier + 1}"


def _invite_deliveries(session: Session, link: TeamLink) -> list[Delivery]:
    prefix = invite_key_prefix(link.team_id, link.id)
    return list(session.scalars(select(Delivery).where(
        or_(Delivery.key == prefix, Delivery.key.like(f"{prefix}:%"))).order_by(Delivery.id)))


def _cancel_invites(session: Session, link: TeamLink, *, reason: str, now: datetime) -> None:
    """A pending invitation that is no longer needed is not sent; a sent one counts as answered
    (never as an ignored message)."""
    for delivery in _invite_deliveries(session, link):
        if delivery.state == "scheduled":
            deliveries.cancel(session, key=delivery.key, reason=reason, now=now)
        elif delivery.state == "sent" and delivery.interacted_at is None:
            delivery.interacted_at = now


def notify(session: Session, *, team_id: str, recipient_id: str, event: str, link: TeamLink, now: datetime,
           **extra: str) -> Delivery:
    """Tell one person about a change through the outbox (kind ``team_update``)."""
    if event not in UPDATE_EVENTS:
        raise ValueError(f"unknown team_update event {event!r}")
    payload = {"event": event, "link_id": link.id, "manager_id": link.manager_id, "report_id": link.report_id,
               **extra}
    key = f"team-update:{team_id}:{link.id}:{event}:{recipient_id}:{int(now.timestamp() * 1000)}"
    return deliveries.schedule(session, key=key, team_id=team_id, user_id=recipient_id, kind=UPDATE_KIND,
                               due_at=now, now=now, payload=payload)


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


@dataclass(frozen=True, slots=True)
class Imported:
    outcome: str  # created | unchanged | replaced
    link_id: int
    previous_manager_id: str | None = None
    stale_card: tuple[str, str] | None = None  # an invitation card (channel, ts) that still shows buttons


def set_imported(session: Session, *, team_id: str, manager_id: str, report_id: str, now: datetime,
                 notify_people: bool = True) -> Imported:
    """An admin's import: make ``manager_id`` the report's active manager directly (source ``import``),
    ending a previous manager's link. With ``notify_people`` the report (and a replaced manager) are told."""
    if manager_id == report_id:
        raise InvalidInput("a person cannot be their own manager")
    link = link_between(session, team_id=team_id, manager_id=manager_id, report_id=report_id)
    if link is not None and link.state == "active":
        return Imported("unchanged", link.id)
    previous = session.scalar(select(TeamLink).where(
        TeamLink.team_id == team_id, TeamLink.report_id == report_id, TeamLink.state == "active"))
    stale = (link.card_channel, link.card_ts) if link is not None and link.state == "invited" \
        and link.card_channel and link.card_ts else None
    if link is None:
        link = TeamLink(team_id=team_id, manager_id=manager_id, report_id=report_id, created_at=now)
        session.add(link)
    elif link.state == "invited":
        _cancel_invites(session, link, reason="an admin imported the link", now=now)
    link.state, link.source, link.invited_by = "active", "import", None
    link.responded_at, link.updated_at = now, now
    session.flush()
    if previous is not None:
        _end(session, previous, now=now)
        _record(session, "team.removed", previous, now=now, actor_id=None, by="import", was="active",
                reason="replaced")
        if notify_people:
            notify(session, team_id=team_id, recipient_id=previous.manager_id, event="replaced", link=previous,
                   now=now, new_manager_id=manager_id, by="import")
    if notify_people:
        notify(session, team_id=team_id, recipient_id=report_id, event="imported", link=link, now=now)
    _record(session, "team.imported", link, now=now, actor_id=None, replaced=previous is not None,
            notified=notify_people)
    return Imported("replaced" if previous is not None else "created", link.id,
                    previous.manager_id if previous is not None else None, stale)


# ---- outbox hooks ----------------------------------------------------------------------------------


def remember_invite_card(session: Session, delivery: Delivery) -> None:
    """Once the invitation is posted, keep where it is so Accept/Decline/withdraw can update it in place."""
    link_id = (delivery.payload or {}).get("link_id")
    link = session.get(TeamLink, int(link_id)) if link_id is not None else None
    if link is None or link.team_id != delivery.team_id or link.report_id != delivery.user_id:
        return
    link.card_channel, link.card_ts = delivery.channel_id, delivery.ts
    if delivery.sent_at is not None:
        link.updated_at = delivery.sent_at


# Per delivery kind: what to remember once the message is sent (e.g. the card's ts). See sent_hooks.py.
ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {INVITE_KIND: remember_invite_card}
