"""An admin's org-chart import: links made active directly (source ``import``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from slackapp.db.models import TeamLink
from slackapp.domain.errors import InvalidInput
from slackapp.domain.team_links import _end, _record
from slackapp.domain.team_notices import _cancel_invites, notify
from slackapp.domain.team_queries import link_between


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
