"""Micro-assignments with their state transitions, submissions and reviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class Assignment(Base):
    """A micro-assignment: one timeboxed practice task for one skill, reviewed against a rubric."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_learner", "team_id", "learner_id", "state"),
        Index("ix_assignments_reviewer", "team_id", "reviewer_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[str] = mapped_column(String(32))
    reviewer_id: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str] = mapped_column(String(64))
    competency_id: Mapped[str] = mapped_column(String(64))
    skill_id: Mapped[str] = mapped_column(String(128))
    context_note: Mapped[str] = mapped_column(Text, default="")
    context_permalink: Mapped[str | None] = mapped_column(String(500))
    # offered → accepted | declined; accepted → submitted → changes_requested → submitted … → reviewed;
    # any open state → cancelled
    state: Mapped[str] = mapped_column(String(24), default="offered")
    due_at: Mapped[datetime]
    review_due_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    late: Mapped[bool] = mapped_column(default=False)
    card_channel: Mapped[str | None] = mapped_column(String(32))  # the learner's DM card (the thread root)
    card_ts: Mapped[str | None] = mapped_column(String(32))
    reviewer_card_channel: Mapped[str | None] = mapped_column(String(32))
    reviewer_card_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class AssignmentTransition(Base):
    """Every state change of an assignment: who, when, from, to, and an optional note."""

    __tablename__ = "assignment_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "version", name="uq_submissions_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)  # what was done
    link: Mapped[str | None] = mapped_column(String(1000))  # a link or file reference
    self_level: Mapped[int | None]  # self-assessment on the 1–4 rubric
    late: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime]


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    reviewer_id: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(24))  # changes_requested | accepted
    level: Mapped[int | None]  # rubric level 1–4
    feedback: Mapped[str] = mapped_column(Text)
    counts_as_evidence: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
