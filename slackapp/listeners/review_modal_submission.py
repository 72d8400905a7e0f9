"""The review modal submitted: the checking ack, storing the verdict, the feedback and the card updates."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Assignment, Review
from slackapp.domain import reviews
from slackapp.domain.errors import FlowcoachError
from slackapp.listeners.home import publish_home
from slackapp.listeners.review_card_updates import CardUpdate, _update
from slackapp.services import Services
from slackapp.views import reviews as views
from slackapp.views.blocks import Message

logger = logging.getLogger("slackapp.listeners.reviews")  # the feature's log name, as before the split


@dataclass
class Verdict:
    """Everything the Slack calls after a review need, gathered inside the transaction."""

    assignment: Assignment
    review: Review
    version: int
    thread: tuple[str, str] | None  # the learner's card (channel, ts): the feedback goes in its thread
    feedback: Message
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
    content = services.content
    template = reviews.template_of(content, assignment.template_id)
    label = reviews.level_name(template, review.level)
    skill_name = str(getattr(_lookup(content, "skill", assignment.skill_id), "name", "") or "")
    confirmed = None
    if review.counts_as_evidence and reviews.confirmed_now(session, assignment=assignment, now=now):
        competency = _lookup(content, "competency", assignment.competency_id)
        confirmed = str(getattr(competency, "name", "") or assignment.competency_id)
    thread = (assignment.card_channel, assignment.card_ts) if assignment.card_channel and assignment.card_ts else None
    feedback = views.feedback_message(assignment_id=assignment.id, reviewer_id=review.reviewer_id,
                                      outcome=review.outcome, level=review.level, level_label=label,
                                      feedback=review.feedback, skill_name=skill_name,
                                      counts_as_evidence=review.counts_as_evidence, confirmed_competency=confirmed)
    verdict = Verdict(assignment=assignment, review=review, version=version, thread=thread, feedback=feedback)
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


def _lookup(content: Any, kind: str, item_id: str) -> Any | None:
    finder = getattr(content, kind, None)
    try:
        return finder(item_id) if finder is not None else None
    except (LookupError, ValueError):
        return None


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


def _post_feedback(client: WebClient, services: Services, verdict: Verdict) -> None:
    """Into the learner's assignment thread; if Slack refuses, as a DM through the outbox."""
    if verdict.thread is None:
        return  # submit_review already scheduled the review_result DM
    channel, ts = verdict.thread
    try:
        client.chat_postMessage(channel=channel, thread_ts=ts, unfurl_links=False, **verdict.feedback.to_kwargs())
        return
    except SlackApiError as exc:
        logger.warning("feedback could not go into the assignment thread (%s); sending it as a DM",
                       exc.response.get("error"))
    with services.db.session() as session:
        review = session.get_one(Review, verdict.review.id)
        assignment = session.get_one(Assignment, verdict.assignment.id)
        reviews.schedule_result(session, assignment=assignment, review=review, version=verdict.version, now=utcnow())
    services.kick_dispatcher()


def _update_learner_card(client: WebClient, services: Services, assignment: Assignment) -> None:
    """Only through the assignments feature's own renderer, when it offers one (no second copy of its card)."""
    from slackapp.views import assignments as assignment_views

    render = getattr(assignment_views, "learner_card_update", None)
    if render is None or not (assignment.card_channel and assignment.card_ts):
        return
    offered = {"content": services.content, "now": utcnow()}
    params = list(inspect.signature(render).parameters.values())[1:]
    missing = [p.name for p in params if p.default is p.empty and p.name not in offered
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if missing:
        logger.warning("learner_card_update needs %s; the learner's card is left as it is", ", ".join(missing))
        return
    message = render(assignment, **{p.name: offered[p.name] for p in params if p.name in offered})
    if isinstance(message, Message):
        _update(client, CardUpdate(assignment.card_channel, assignment.card_ts, message))


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
    services.kick_dispatcher()  # a review_result DM or a peer-debrief offer may be due now
    _post_feedback(client, services, verdict)
    for card in verdict.cards:
        _update(client, card)
    _update_learner_card(client, services, verdict.assignment)
    for user_id in {verdict.assignment.learner_id, context.user_id}:  # both Home tabs list this work
        publish_home(client, services, team_id=verdict.assignment.team_id, user_id=user_id)
