"""The two halves of a submitted micro-assignment modal: an ack that runs the domain's check and shows
its error beside the field, and the change itself after the ack."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack
from sqlalchemy.orm import Session

from slackapp.db.models import Assignment
from slackapp.domain import assignments as domain
from slackapp.domain.errors import FlowcoachError
from slackapp.listeners.assignment_lookups import _modal_assignment_id
from slackapp.services import Services

logger = logging.getLogger("slackapp.listeners.assignments")  # the feature's log name, as before the split


def _field_errors(error: FlowcoachError, blocks: Mapping[str, str], default_block: str) -> dict[str, str]:
    block = blocks.get(str(getattr(error, "field", "")), default_block)
    return {block: error.user_message}


def _ack_checked(check: Callable[[Session, Assignment, dict[str, Any], Any], Any], services: Services,
                 blocks: Mapping[str, str], default_block: str) -> Callable[..., None]:
    """An ack that runs a domain check on the modal's assignment and shows its error beside the field."""

    def ack_modal(ack: Ack, view: dict[str, Any], context: Any) -> None:
        try:
            with services.db.session() as session:
                assignment = domain.get(session, _modal_assignment_id(view), team_id=context.team_id)
                check(session, assignment, view, context)
        except FlowcoachError as error:
            ack(response_action="errors", errors=_field_errors(error, blocks, default_block))
            return
        ack()

    ack_modal.__name__ = f"ack_{default_block}"
    return ack_modal


def _apply(services: Services, view: Mapping[str, Any], context: Any,
           act: Callable[[Session, Assignment], Any]) -> tuple[int, Any] | None:
    """The change behind a submitted modal (after the ack): None when it no longer applies (the ack
    already told the person, or a double submission raced past it)."""
    try:
        with services.db.session() as session:
            assignment = domain.get(session, _modal_assignment_id(view), team_id=context.team_id)
            return assignment.id, act(session, assignment)
    except FlowcoachError as error:
        logger.info("assignment modal not applied: %s", type(error).__name__)
        return None
