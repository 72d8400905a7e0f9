"""Workspaces: created on install or first request, deactivated when Slack says we are gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slackapp.db.models import Workspace
from slackapp.domain import analytics, deliveries


def find(session: Session, team_id: str) -> Workspace | None:
    return session.scalar(select(Workspace).where(Workspace.team_id == team_id))


def ensure_active(
    session: Session, *, team_id: str, now: datetime, name: str = "", enterprise_id: str | None = None
) -> Workspace:
    """Record the workspace (again) as active: a reinstall after an uninstall starts fresh."""
    workspace = find(session, team_id)
    if workspace is None:
        try:
            with session.begin_nested():
                workspace = Workspace(team_id=team_id, enterprise_id=enterprise_id, name=name, installed_at=now)
                session.add(workspace)
        except IntegrityError:
            workspace = find(session, team_id)
            assert workspace is not None
        analytics.record(session, now=now, team_id=team_id, name="workspace.installed", object_type="workspace",
                         object_id=team_id)
    elif not workspace.active:
        workspace.active = True
        workspace.installed_at = now
        workspace.uninstalled_at = None
        analytics.record(session, now=now, team_id=team_id, name="workspace.reinstalled",
                         object_type="workspace", object_id=team_id)
    if name:
        workspace.name = name
    return workspace


def is_active(session: Session, team_id: str) -> bool:
    workspace = find(session, team_id)
    return workspace is None or workspace.active


def deactivate(session: Session, *, team_id: str, now: datetime, reason: str) -> int:
    """Stop all work for the workspace; returns how many pending deliveries were cancelled.

    Slack sends both tokens_revoked and app_uninstalled on an uninstall: the second is a no-op."""
    workspace = find(session, team_id)
    if workspace is None:
        workspace = Workspace(team_id=team_id, name="", installed_at=now, active=False)
        session.add(workspace)
    elif not workspace.active:
        return deliveries.cancel_all_for_team(session, team_id=team_id, reason=reason, now=now)
    workspace.active = False
    workspace.uninstalled_at = now
    cancelled = deliveries.cancel_all_for_team(session, team_id=team_id, reason=reason, now=now)
    analytics.record(session, now=now, team_id=team_id, name="workspace.deactivated", object_type="workspace",
                     object_id=team_id, properties={"reason": reason, "cancelled_deliveries": cancelled})
    return cancelled
