"""What the micro-assignment listeners look up: templates in the content library, people's names, time
zones and Slack profiles, and which assignment a click or a modal is about."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp.clock import utcnow
from slackapp.db.models import Assignment, Person
from slackapp.domain import assignments as domain
from slackapp.domain import people
from slackapp.services import Services
from slackapp.views import assignments as views

logger = logging.getLogger("slackapp.listeners.assignments")  # the feature's log name, as before the split


def _admins(services: Services) -> frozenset[str]:
    return frozenset(services.settings.admins)


def _template(services: Services, template_id: str | None) -> Any | None:
    finder = getattr(services.content, "assignment", None)
    if not template_id or finder is None:
        return None
    try:
        return finder(template_id)
    except (KeyError, ValueError):
        return None


def _has_templates(services: Services) -> bool:
    return bool(getattr(services.content, "assignments", ()))


def _display(session: Session, team_id: str, user_id: str, fallback: str) -> str:
    person = people.find_person(session, team_id=team_id, user_id=user_id)
    return person.display_name if person is not None and person.display_name else fallback


def _zone(session: Session, team_id: str, user_id: str) -> ZoneInfo:
    person = people.find_person(session, team_id=team_id, user_id=user_id)
    return people.zone_of(person) if person is not None else ZoneInfo("UTC")


def _apply_user(person: Person, user: Mapping[str, Any], now: datetime) -> None:
    profile = user.get("profile") or {}
    people.apply_profile(person, now=now, tz=user.get("tz"), email=profile.get("email"),
                         display_name=profile.get("display_name") or user.get("real_name") or user.get("name"),
                         deleted=bool(user.get("deleted")))


def _lookup_user(client: WebClient, user_id: str) -> dict[str, Any] | None:
    try:
        return dict(client.users_info(user=user_id)["user"])
    except SlackApiError as error:
        logger.info("users.info failed for an assignment participant: %s", error.response.get("error"))
        return None


def _refresh_if_stale(client: WebClient, services: Services, team_id: str, user_id: str) -> None:
    """Learn a person's zone and name before showing times or names about them."""
    now = utcnow()
    with services.db.session() as session:
        person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
        if not people.profile_is_stale(person, now=now):
            return
    user = _lookup_user(client, user_id)
    if user is not None:
        with services.db.session() as session:
            person, _ = people.get_or_create_person(session, team_id=team_id, user_id=user_id, now=now)
            _apply_user(person, user, now)


def _assignment_id(action: Mapping[str, Any]) -> str:
    return str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")


def _title_of(session: Session, assignment: Assignment, services: Services) -> str:
    payload = domain.offer_payload(session, assignment)
    template = _template(services, assignment.template_id)
    return str(payload.get("title") or getattr(template, "title", "") or "Micro-assignment")


def _modal_assignment_id(view: Mapping[str, Any]) -> str:
    raw = str(view.get("private_metadata") or "")
    return raw if raw.isdigit() else views.change_target(view)[0]
