"""Installed Slack workspaces, their OAuth installations and OAuth state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    installed_at: Mapped[datetime]
    uninstalled_at: Mapped[datetime | None]


class SlackInstallation(Base):
    """One OAuth installation; the whole slack_sdk Installation is kept encrypted."""

    __tablename__ = "slack_installations"
    __table_args__ = (Index("ix_slack_installations_lookup", "client_id", "enterprise_id", "team_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    team_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(default=False)
    has_bot: Mapped[bool] = mapped_column(default=True)
    installed_at: Mapped[datetime]
    encrypted_installation: Mapped[str] = mapped_column(Text)


class OAuthState(Base):
    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expire_at: Mapped[datetime]
