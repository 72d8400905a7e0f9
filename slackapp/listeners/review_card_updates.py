"""Reviewer cards brought up to date in place: what a used card should show now, and the update itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp.clock import utcnow
from slackapp.db.models import Assignment
from slackapp.domain import deliveries, reviews
from slackapp.services import Services
from slackapp.views import reviews as views
from slackapp.views.blocks import Message

logger = logging.getLogger("slackapp.listeners.reviews")  # the feature's log name, as before the split


@dataclass(frozen=True, slots=True)
class CardUpdate:
    channel: str
    ts: str
    message: Message


def _update(client: WebClient, card: CardUpdate) -> None:
    try:
        client.chat_update(channel=card.channel, ts=card.ts, **card.message.to_kwargs())
    except SlackApiError as exc:  # a deleted card stays deleted; the verdict is stored either way
        logger.warning("could not update card %s/%s: %s", card.channel, card.ts, exc.response.get("error"))


def _payload(session: Session, services: Services, assignment: Assignment, version: int) -> dict[str, Any] | None:
    """The card payload of one version: as sent (the outbox row), else a fresh snapshot."""
    sent = deliveries.by_key(session, reviews.request_key(assignment.id, version))
    if sent is not None:
        return dict(sent.payload)
    submission = reviews.latest_submission(session, assignment.id)
    if submission is None or submission.version != version:
        return None
    return reviews.snapshot(assignment, submission, content=services.content,
                            review_due_at=assignment.review_due_at or utcnow(), hours=services.settings.review_hours)


def _card_now(session: Session, services: Services, assignment: Assignment, version: int) -> Message | None:
    """What a card of (assignment, version) should show now that its Review button is used up."""
    payload = _payload(session, services, assignment, version)
    if payload is None:
        return None
    latest = reviews.latest_version(session, assignment.id)
    submission_id = payload.get("submission_id")
    done = next((r for r in reviews.reviews_of(session, assignment.id) if r.submission_id == submission_id), None)
    if done is not None:
        template = reviews.template_of(services.content, assignment.template_id)
        return views.reviewed_card(payload, outcome=done.outcome, level_label=reviews.level_name(template, done.level),
                                   counts_as_evidence=done.counts_as_evidence)
    if version < latest:
        return views.superseded_card(payload, newer_version=latest)
    return None


def supersede_previous_card(client: WebClient, services: Services, *, team_id: str, assignment_id: int) -> None:
    """After a resubmission: bring the previous version's reviewer card up to date (reviewed or superseded).

    Optional for callers — the previous card normally already reads "Changes requested" — and safe to repeat.
    """
    with services.db.session() as session:
        assignment = reviews.load_assignment(session, team_id=team_id, assignment_id=assignment_id)
        previous = reviews.latest_version(session, assignment_id) - 1
        if previous < 1:
            return
        sent = deliveries.by_key(session, reviews.request_key(assignment_id, previous))
        message = _card_now(session, services, assignment, previous)
        target = (sent.channel_id, sent.ts) if sent is not None and sent.state == "sent" else None
    if message is not None and target is not None and target[0] and target[1]:
        _update(client, CardUpdate(target[0], target[1], message))
