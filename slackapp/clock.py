"""The single ``now()`` seam: everything that needs the time asks here (or takes ``now``).

``fast_forward`` exists for `flowcoach demo`, which shows a day of calendar moments in seconds. Nothing
else moves the clock; tests use time-machine instead.
"""

import threading
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


def fast_forward(to: datetime) -> None:
    """Make utcnow() read ``to`` from now on (process-wide)."""
    global _offset
    with _lock:
        _offset = to - datetime.now(UTC)


def reset() -> None:
    global _offset
    with _lock:
        _offset = timedelta(0)


def parse_timestamp(value: object) -> datetime | None:
    """A time stored as ISO 8601 text (outbox payloads, view metadata); None when it is missing, malformed
    or has no UTC offset."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def ensure_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored datetime is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
