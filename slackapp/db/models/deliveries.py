"""The outbox of proactive messages and the decision log behind each delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from slackapp.db.models.base import Base, BigId


class Delivery(Base):
    """The outbox: every proactive message, keyed so re-scheduling is idempotent."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    attempts: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    enqueued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    interacted_at: Mapped[datetime | None]  # a button on it was used: not ignored
    last_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DeliveryDecision(Base):
    """Why a delivery was sent, deferred, skipped or cancelled: answers "why did I get this"."""

    __tablename__ = "delivery_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    decided_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(255))
    deferred_until: Mapped[datetime | None]
