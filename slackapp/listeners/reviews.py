"""The reviewer's Review button, the review modal (level radio and submission), and what follows a verdict.

- ``REVIEW_OPEN`` (reviewer card and reminders; value ``"<assignment_id>:<version>"``): only the
  assignment's reviewer or an admin; a stale card (reviewed, replaced) is brought up to date in place and
  answers "That's already done".
- ``REVIEW_LEVEL`` (radio in the modal, ``dispatch_action``): re-renders the modal with the evidence box
  ticked by default from level 3.
- ``REVIEW_MODAL`` submission: the ack (request thread) refuses with field errors — no feedback, no level
  when accepting, not the reviewer, already reviewed; the lazy part stores the verdict, then:

  * posts the feedback **directly** (``chat.postMessage`` with ``thread_ts``) into the learner's DM thread
    under their assignment card. It is the immediate consequence of the reviewer's own click, not a
    proactive nudge: the respect-my-time policy (working hours, weekly cap, DND) must not hold it back
    or count it, and the outbox cannot thread replies. If Slack refuses (the card was deleted, the DM is
    gone), the feedback falls back to the outbox as a ``review_result`` DM — never lost;
  * updates the reviewer card and any sent reminders in place (no stale Review buttons);
  * updates the learner's card in place through ``slackapp.views.assignments.learner_card_update`` if the
    assignments feature exposes it (otherwise the thread reply is the update).
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import Assignment, Review, Submission
from slackapp.domain import deliveries, reviews
from slackapp.domain.errors import AlreadyDone, FlowcoachError, NotFound
from slackapp.listeners.home import publish_home
from slackapp.listeners.lazy import ack_only, after_ack
from slackapp.services import Services
from slackapp.views import reviews as views
from slackapp.views.blocks import Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CardUpdate:
    channel: str
    ts: str
    message: Message


@dataclass
class Verdict:
    """Everything the Slack calls after a review need, gathered inside the transaction."""

    assignment: Assignment
    review: Review
    version: int
    thread: tuple[str, str] | None  # the learner's card (channel, ts): the feedback goes in its thread
    feedback: Message
    cards: list[CardUpdate] = field(default_factory=list)


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


# -- the Review button -----------------------------------------------------------------------------


def _modal(services: Services, assignment: Assignment, submission: Submission, level: int | None = None) -> View:
    payload = reviews.snapshot(assignment, submission, content=services.content,
                               review_due_at=assignment.review_due_at or utcnow(), hours=services.settings.review_hours)
    return views.review_modal(payload, views.levels_for(services.content, assignment.template_id), level=level)


def open_review(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                services: Services) -> None:
    try:
        assignment_id, version = views.parse_review_button(action.get("value"))
    except ValueError:
        raise NotFound(reviews.GONE) from None
    refusal: AlreadyDone | None = None
    stale: Message | None = None
    modal: View | None = None
    with services.db.session() as session:
        assignment = reviews.load_assignment(session, team_id=context.team_id, assignment_id=assignment_id)
        reviews.check_reviewer(assignment, context.user_id, services.settings.admins)
        if version is not None:
            reviews.mark_cards_used(session, assignment_id=assignment.id, version=version, now=utcnow())
        try:
            submission = reviews.reviewable_submission(session, assignment, version)
        except AlreadyDone as done:
            refusal, stale = done, _card_now(session, services, assignment, version or 0)
        else:
            modal = _modal(services, assignment, submission)
    if refusal is not None:
        container = body.get("container") or {}
        if stale is not None and container.get("message_ts") and container.get("channel_id"):
            _update(client, CardUpdate(str(container["channel_id"]), str(container["message_ts"]), stale))
        raise refusal
    assert modal is not None
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def level_picked(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient,
                 services: Services) -> None:
    """Picking a rubric level re-defaults the evidence box (ticked from level 3)."""
    view = body.get("view") or {}
    raw = str((action.get("selected_option") or {}).get("value") or "")
    try:
        assignment_id, version = views.modal_metadata(view)
    except ValueError:
        return
    with services.db.session() as session:
        try:
            assignment = reviews.load_assignment(session, team_id=context.team_id, assignment_id=assignment_id)
            reviews.check_reviewer(assignment, context.user_id, services.settings.admins)
            submission = reviews.reviewable_submission(session, assignment, version)
        except FlowcoachError:
            return  # the submission will be refused with the reason shown in the modal
        modal = _modal(services, assignment, submission, level=int(raw) if raw.isdigit() else None)
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=modal)
    except SlackApiError as exc:
        if exc.response.get("error") not in ("hash_conflict", "not_found"):
            raise  # hash_conflict: the reviewer changed something meanwhile; their choice stands


# -- the modal submission --------------------------------------------------------------------------


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


def register(app: App, services: Services) -> None:
    app.action(ids.REVIEW_OPEN)(ack=ack_only, lazy=[after_ack(open_review, services)])
    app.action(ids.REVIEW_LEVEL)(ack=ack_only, lazy=[after_ack(level_picked, services)])
    app.view(ids.REVIEW_MODAL)(ack=_ack_review(services), lazy=[after_ack(save_review, services)])
