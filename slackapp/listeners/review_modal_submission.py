"""The review modal submitted: the checking ack, storing the verdict, the feedback and the card updates."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Assignment, Review
from slackapp.domain import reviews
from slackapp.domain.errors import FlowcoachError
from slackapp.listeners.assignment_messages import refresh_learner_card
from slackapp.listeners.home import publish_home
from slackapp.listeners.review_card_updates import CardUpdate, _update
from slackapp.services import Services
from slackapp.views import reviews as views

logger = logging.getLogger("slackapp.listeners.reviews")  # the feature's log name, as before the split


@dataclass
class Verdict:
    """Everything the Slack calls after a review need, gathered inside the transaction."""

    assignment: Assignment
    review: Review
    version: int
    cards: list[CardUpdate] = field(default_factory=list)


def _ack_review(services: Services) -> Any:
    """Runs in the request thread: every refusal is shown beside the field it is about."""

    def ack_review(ack: Ack, view: dict[str, Any], context: Any) -> None:
        try:
            assignment_id, version = views.modal_metadata(view)
        except ValueError:
            ack(response_action="errors", errors={ids.REVIEW_FEEDBACK_BLOCK: reviews.GONE})
            return
        try:
            with services.db.session() as session:
                assignment = reviews.load_assignment(session, team_id=context.team_id, assignment_id=assignment_id)
                reviews.check_reviewer(assignment, context.user_id, services.settings.admins)
                reviews.reviewable_submission(session, assignment, version)
        except FlowcoachError as refused:
            ack(response_action="errors", errors={ids.REVIEW_FEEDBACK_BLOCK: refused.user_message})
            return
        problems = reviews.validate_review(outcome=views.modal_outcome(view), level=views.modal_level(view),
                                           feedback=views.modal_feedback(view))
        if problems:
            ack(response_action="errors", errors=views.field_errors(problems))
            return
        ack()

    return ack_review


def _verdict(session: Session, services: Services, assignment: Assignment, review: Review, version: int,
             now: datetime) -> Verdict:
    """The reviewer's sent cards, updated to show the outcome (the learner's feedback is in the outbox)."""
    template = reviews.template_of(services.content, assignment.template_id)
    label = reviews.level_name(template, review.level)
    verdict = Verdict(assignment=assignment, review=review, version=version)
    for delivery in reviews.sent_cards(session, assignment_id=assignment.id, version=version):
        assert delivery.channel_id and delivery.ts
        if delivery.kind == reviews.REVIEW_REQUEST:
            message = views.reviewed_card(delivery.payload, outcome=review.outcome, level_label=label,
                                          counts_as_evidence=review.counts_as_evidence)
        else:
            status = views.reviewed_status(outcome=review.outcome, level_label=label,
                                           learner_id=assignment.learner_id)
            message = views.reminder_done_card(delivery.payload, status)
        verdict.cards.append(CardUpdate(delivery.channel_id, delivery.ts, message))
    return verdict


def _store(view: dict[str, Any], context: Any, services: Services) -> Verdict | None:
    assignment_id, version = views.modal_metadata(view)
    now = utcnow()
    with services.db.session() as session:
        assignment = reviews.load_assignment(session, team_id=context.team_id, assignment_id=assignment_id, lock=True)
        try:
            review = reviews.submit_review(
                session, assignment=assignment, reviewer_id=context.user_id, outcome=str(views.modal_outcome(view)),
                level=views.modal_level(view), feedback=views.modal_feedback(view),
                counts_as_evidence=views.modal_counts_as_evidence(view), now=now,
                threshold=services.settings.competency_threshold, admins=services.settings.admins, version=version,
                content=services.content)
        except FlowcoachError:
            return None  # refused in the ack (or a double submit racing past it): nothing to tell again
        submission_version = version or reviews.latest_version(session, assignment.id)
        return _verdict(session, services, assignment, review, submission_version, now)


def save_review(view: dict[str, Any], context: Any, client: WebClient, services: Services) -> None:
    """The lazy half (Bolt runs it even when the ack refused): store, tell the learner, update the cards."""
    try:
        views.modal_metadata(view)
    except ValueError:
        return
    if reviews.validate_review(outcome=views.modal_outcome(view), level=views.modal_level(view),
                               feedback=views.modal_feedback(view)):
        return  # the ack showed the errors in the modal
    verdict = _store(view, context, services)
    if verdict is None:
        return
    services.kick_dispatcher()  # the learner's feedback (and maybe a peer-debrief offer) is due now
    for card in verdict.cards:
        _update(client, card)
    refresh_learner_card(client, services, verdict.assignment.id)
    for user_id in {verdict.assignment.learner_id, context.user_id}:  # both Home tabs list this work
        publish_home(client, services, team_id=verdict.assignment.team_id, user_id=user_id)
