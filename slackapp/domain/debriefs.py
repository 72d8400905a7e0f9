"""debriefs (filled in by the micro-assignments work)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from slackapp.db.models import Delivery

ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {}
