"""The reviewer's Review button (opens the modal, or refreshes a stale card) and the modal's level radio."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from slackapp.clock import utcnow
from slackapp.db.models import Assignment, Submission
from slackapp.domain import reviews
from slackapp.domain.errors import AlreadyDone, FlowcoachError, NotFound
from slackapp.listeners.review_card_updates import CardUpdate, _card_now, _update
from slackapp.services import Services
from slackapp.views import reviews as views
from slackapp.views.blocks import Message


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
