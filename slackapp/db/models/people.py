"""People Flowcoach knows about, with their respect-my-time preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class Person(Base):
    """A Slack member Flowcoach knows about, with their respect-my-time preferences."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_people_team_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    tz_refreshed_at: Mapped[datetime | None]
    working_days: Mapped[str] = mapped_column(String(16), default="0,1,2,3,4")
    work_start_minute: Mapped[int] = mapped_column(default=9 * 60)
    work_end_minute: Mapped[int] = mapped_column(default=17 * 60 + 30)
    opt_in: Mapped[str] = mapped_column(String(16), default="unknown")
    opt_in_changed_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    muted_kinds: Mapped[list[str]] = mapped_column(default=list)
    deactivated: Mapped[bool] = mapped_column(default=False)
    unreachable_reason: Mapped[str | None] = mapped_column(String(64))
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    weekly_cap: Mapped[int] = mapped_column(default=3)  # non-calendar nudges per 7 days
    ooo_until: Mapped[datetime | None]  # out of office (Slack status or an all-day OOO event)
    backoff_until: Mapped[datetime | None]  # set after repeated ignored nudges
    backoff_noted_at: Mapped[datetime | None]  # the one-time "I'll send fewer" note
    created_at: Mapped[datetime]
