"""Private reflections (journal entries), optionally shared with a manager."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class Reflection(Base):
    """A private journal entry. The answers are encrypted; only the author (and, if shared, their
    manager) ever sees them."""

    __tablename__ = "reflections"
    __table_args__ = (Index("ix_reflections_author", "team_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_occurrences.id", ondelete="SET NULL"))
    moment_id: Mapped[str | None] = mapped_column(String(64))
    prompt_key: Mapped[str | None] = mapped_column(String(255), unique=True)  # one reflection per prompt
    encrypted_answers: Mapped[str] = mapped_column(Text)
    shared_with_manager: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
