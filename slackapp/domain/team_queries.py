"""Who manages whom, read from the active links: the queries other features import via ``team``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from slackapp.db.models import TeamLink

MAX_CHAIN = 200  # walking up the org chart never loops forever, even over bad data


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
