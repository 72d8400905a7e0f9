"""Peer debriefs: a learner's request for short answers and the peers asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class Debrief(Base):
    """A learner's request for short peer answers after an experience (an assignment or a moment)."""

    __tablename__ = "debriefs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"))
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_occurrences.id", ondelete="SET NULL"))
    question_set_id: Mapped[str] = mapped_column(String(64))
    competency_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="collecting")  # collecting | closed
    deadline_at: Mapped[datetime]
    summary_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class DebriefPeer(Base):
    __tablename__ = "debrief_peers"
    __table_args__ = (UniqueConstraint("debrief_id", "peer_id", name="uq_debrief_peer"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    debrief_id: Mapped[int] = mapped_column(ForeignKey("debriefs.id", ondelete="CASCADE"), index=True)
    peer_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="invited")  # invited | answered | declined | expired
    encrypted_answers: Mapped[str | None] = mapped_column(Text)  # visible only to the learner
    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    invited_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
