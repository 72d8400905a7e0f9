"""Flowcoach's org chart: who manages whom (Slack has none). Only active links grant permissions.

A link is ``invited`` → ``active`` (the report accepted) | ``declined``; an active or invited link
ends as ``removed``. Nobody becomes someone's manager silently: only the report's Accept (or an
admin's import, with a notice to the report) makes a link active. A person has at most one active
manager: accepting a new one ends the previous link, and the previous manager is told.

Every change is recorded in the analytics log (``team.*``; user ids only, never emails) and the
other person is told through the outbox (kind ``team_update``, payloads below).

This module is the façade callers import (``from slackapp.domain import team``); the code lives in:

- ``team_queries`` — who manages whom (``manager_of``, ``reports_of``, ``can_manage``, ``overview``, …);
- ``team_links`` — changes: ``invite``, ``accept``, ``decline``, ``remove``, ``remove_person``;
- ``team_imports`` — an admin's import (``set_imported``);
- ``team_notices`` — outbox kinds, invitation keys, ``notify`` and the sent hook for the invitation card.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from slackapp.db.models import Delivery
from slackapp.domain.team_imports import Imported, set_imported
from slackapp.domain.team_links import ALREADY_DONE, Change, accept, decline, invite, remove, remove_person
from slackapp.domain.team_notices import (
    INVITE_KIND,
    UPDATE_EVENTS,
    UPDATE_KIND,
    invite_key_prefix,
    notify,
    remember_invite_card,
)
from slackapp.domain.team_queries import (
    MAX_CHAIN,
    Entry,
    Overview,
    active_links,
    can_manage,
    find_link,
    is_above,
    is_manager_of,
    link_between,
    manager_of,
    overview,
    reports_of,
)

# Per delivery kind: what to remember once the message is sent (e.g. the card's ts). See sent_hooks.py.
ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {INVITE_KIND: remember_invite_card}

__all__ = [
    "ALREADY_DONE", "INVITE_KIND", "MAX_CHAIN", "ON_SENT", "UPDATE_EVENTS", "UPDATE_KIND", "Change", "Entry",
    "Imported", "Overview", "accept", "active_links", "can_manage", "decline", "find_link", "invite",
    "invite_key_prefix", "is_above", "is_manager_of", "link_between", "manager_of", "notify", "overview",
    "remember_invite_card", "remove", "remove_person", "reports_of", "set_imported",
]
