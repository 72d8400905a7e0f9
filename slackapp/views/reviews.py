"""The reviewer's card, review reminders, the review modal and the feedback the learner receives.

Delivery payloads (``slackapp.domain.reviews``):

* ``review_request``: assignment_id, submission_id, version, learner_id, reviewer_id, template_id, title,
  competency_id/name, skill_id/name, deliverable, success_criteria, summary, link, self_level,
  self_level_name, late, review_due_at (ISO UTC), review_hours
* ``review_reminder``: assignment_id, version, learner_id, title, skill_name, review_due_at, review_hours,
  stage ("due_soon" | "overdue")
* ``review_result``: assignment_id, version, template_id, learner_id, reviewer_id, outcome, level, feedback,
  counts_as_evidence, skill_id (the feedback as its own DM, when the assignment card is unknown)

The Review button's value is ``"<assignment_id>:<version>"``; the modal's private_metadata is
``{"assignment_id": …, "version": …}``. Everything the learner or the content wrote is escaped.

Where the builders live (this module re-exports them, and keeps ``RENDERERS``):

* ``review_modal_values`` — the Review button's value, the modal's metadata and values, field errors;
* ``review_text`` — escaping, times, quotes and the submission's blocks;
* ``review_cards`` — the reviewer's card (before and after the verdict, superseded) and the reminders;
* ``review_modal`` — the review modal and the rubric levels it offers (``levels_for``);
* ``review_feedback`` — what the learner receives (``feedback_message``, the ``review_result`` DM).
"""

from __future__ import annotations

from slackapp.domain.review_rules import REVIEW_REMINDER, REVIEW_REQUEST, REVIEW_RESULT
from slackapp.views.deliveries import Renderer
from slackapp.views.review_cards import (
    REVIEWED_PREFIX,
    SUPERSEDED_TEXT,
    reminder_done_card,
    review_reminder,
    review_request_card,
    reviewed_card,
    reviewed_status,
    superseded_card,
)
from slackapp.views.review_feedback import feedback_message, review_result
from slackapp.views.review_modal import (
    EVIDENCE_BLOCK_ON,
    MODAL_TITLE,
    OPTION_TEXT_MAX,
    SBI_GUIDE,
    levels_for,
    review_modal,
)
from slackapp.views.review_modal_values import (
    EVIDENCE_OPTION,
    FIELD_BLOCKS,
    field_errors,
    modal_counts_as_evidence,
    modal_feedback,
    modal_level,
    modal_metadata,
    modal_outcome,
    parse_review_button,
    review_button_value,
)
from slackapp.views.review_text import escape, local_when, review_by_line

__all__ = [
    "EVIDENCE_BLOCK_ON", "EVIDENCE_OPTION", "FIELD_BLOCKS", "MODAL_TITLE", "OPTION_TEXT_MAX", "RENDERERS",
    "REVIEWED_PREFIX", "SBI_GUIDE", "SUPERSEDED_TEXT", "escape", "feedback_message", "field_errors", "levels_for",
    "local_when", "modal_counts_as_evidence", "modal_feedback", "modal_level", "modal_metadata", "modal_outcome",
    "parse_review_button", "reminder_done_card", "review_button_value", "review_by_line", "review_modal",
    "review_reminder", "review_request_card", "review_result", "reviewed_card", "reviewed_status",
    "superseded_card",
]

RENDERERS: dict[str, Renderer] = {
    REVIEW_REQUEST: review_request_card,
    REVIEW_REMINDER: review_reminder,
    REVIEW_RESULT: review_result,
}
