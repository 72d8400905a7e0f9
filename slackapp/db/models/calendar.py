"""Calendar feeds, the occurrences read from them, and muted meeting series."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class CalendarFeed(Base):
    """A person's private ICS address (encrypted: it is a secret) and its sync state."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_calendar_feeds_person"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    encrypted_url: Mapped[str] = mapped_column(Text)
    url_hint: Mapped[str] = mapped_column(String(255))  # safe to show: scheme://host/…last-4
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | failing | disconnected
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    last_synced_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))  # a reason for the owner; never the URL
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failure_notified_at: Mapped[datetime | None]
    skipped_series: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CalendarOccurrence(Base):
    """One occurrence of a calendar event for one person, upserted by (event uid, occurrence id)."""

    __tablename__ = "calendar_occurrences"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "event_uid", "occurrence_id", name="uq_occurrences_identity"),
        Index("ix_occurrences_person_start", "team_id", "user_id", "start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # ics | webhook
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="SET NULL"))
    event_uid: Mapped[str] = mapped_column(String(255))
    occurrence_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500), default="")
    start: Mapped[datetime]
    end: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="CONFIRMED")
    attendee_count: Mapped[int] = mapped_column(default=0)
    organizer: Mapped[str | None] = mapped_column(String(320))
    moment_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MutedSeries(Base):
    """"Stop these for this meeting series": no more nudges for one event uid."""

    __tablename__ = "muted_series"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "event_uid", name="uq_muted_series"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    event_uid: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
