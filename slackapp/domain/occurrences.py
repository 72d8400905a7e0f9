"""Calendar occurrences: upserted from a person's ICS feed or pushed by the signed webhook.

An occurrence is identified by (team, user, event uid, occurrence id). Syncing writes only what
changed, and only changed occurrences have their deliveries re-planned (``moment_schedule``), so
re-syncing an unchanged feed writes nothing. See docs/calendar-sync.md.

This module is the façade callers import (``from slackapp.domain import occurrences``); the code lives in:

- ``occurrence_fields`` — column limits, stored uids, field comparison (shared by both sources);
- ``occurrence_sync`` — ``apply_feed_occurrences`` and ``upcoming``;
- ``occurrence_push`` — ``apply_pushed_occurrence`` (the signed webhook);
- ``out_of_office`` — ``is_out_of_office`` and ``ooo_until_from``.
"""

from __future__ import annotations

from slackapp.domain.occurrence_fields import (
    OCCURRENCE_ID_MAX,
    ORGANIZER_MAX,
    STATUSES,
    TITLE_MAX,
    UID_MAX,
    stored_uid,
)
from slackapp.domain.occurrence_push import apply_pushed_occurrence
from slackapp.domain.occurrence_sync import SyncSummary, apply_feed_occurrences, upcoming
from slackapp.domain.out_of_office import OOO_TITLE, Span, is_out_of_office, ooo_until_from

__all__ = [
    "OCCURRENCE_ID_MAX", "OOO_TITLE", "ORGANIZER_MAX", "STATUSES", "TITLE_MAX", "UID_MAX", "Span", "SyncSummary",
    "apply_feed_occurrences", "apply_pushed_occurrence", "is_out_of_office", "ooo_until_from", "stored_uid",
    "upcoming",
]
