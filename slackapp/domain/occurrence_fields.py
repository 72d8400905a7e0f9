"""What syncing and the webhook share: column limits, stored identities and field comparison."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from slackapp.content.model import ContentLibrary
from slackapp.db.models import CalendarOccurrence, Person

UID_MAX = 255
OCCURRENCE_ID_MAX = 64
TITLE_MAX = 500
ORGANIZER_MAX = 320
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")


def stored_uid(uid: str) -> str:
    """The uid as stored: uids longer than the column are replaced by a stable digest."""
    if len(uid) <= UID_MAX:
        return uid
    return f"sha1:{hashlib.sha1(uid.encode('utf-8')).hexdigest()}"


def _stored_occurrence_id(value: str) -> str:
    if len(value) <= OCCURRENCE_ID_MAX:
        return value
    return f"sha1:{hashlib.sha1(value.encode('utf-8')).hexdigest()}"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _organizer_is_person(organizer: str | None, person: Person | None) -> bool:
    if not organizer or person is None or not person.email:
        return False
    return organizer.strip().lower() == person.email.strip().lower()


def _moment_id(content: ContentLibrary, *, title: str, description: str, attendee_count: int,
               organizer: str | None, person: Person | None) -> str | None:
    rule = content.classify(title=title, description=description, attendee_count=attendee_count,
                            organizer_is_person=_organizer_is_person(organizer, person))
    return None if rule is None else rule.id


def _apply(row: CalendarOccurrence, fields: dict[str, Any]) -> set[str]:
    """Set the fields that differ; returns their names."""
    changed = {name for name, value in fields.items() if getattr(row, name) != value}
    for name in changed:
        setattr(row, name, fields[name])
    return changed
