"""Flowcoach's own org chart: manager–report links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class TeamLink(Base):
    """Flowcoach's own org chart: who manages whom. A link is only active once the report accepts."""

    __tablename__ = "team_links"
    __table_args__ = (
        UniqueConstraint("team_id", "manager_id", "report_id", name="uq_team_links_pair"),
        Index("ix_team_links_report", "team_id", "report_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    manager_id: Mapped[str] = mapped_column(String(32))
    report_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # invited | active | declined | removed
    source: Mapped[str] = mapped_column(String(16), default="invite")  # invite | import
    invited_by: Mapped[str | None] = mapped_column(String(32))
    card_channel: Mapped[str | None] = mapped_column(String(32))  # the report's invitation DM
    card_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
