"""Evidence of competency from reviewed work, and per-competency progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class Evidence(Base):
    """Reviewed work that counts toward a competency."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_learner", "team_id", "learner_id", "competency_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    competency_id: Mapped[str] = mapped_column(String(64))
    skill_id: Mapped[str] = mapped_column(String(128))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), unique=True)
    level: Mapped[int]
    confirmed_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class CompetencyProgress(Base):
    """Per learner and competency: when practice started and when competence was confirmed."""

    __tablename__ = "competency_progress"
    __table_args__ = (UniqueConstraint("team_id", "learner_id", "competency_id", name="uq_progress"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    competency_id: Mapped[str] = mapped_column(String(64))
    first_assignment_at: Mapped[datetime]
    evidence_count: Mapped[int] = mapped_column(default=0)
    competent_at: Mapped[datetime | None]  # time to competency = competent_at − first_assignment_at
    updated_at: Mapped[datetime]
