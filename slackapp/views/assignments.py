"""Micro-assignments in Slack: the assign modal, the learner's DM card in every state, reminders,
and the decline / question / submit / cancel / reassign modals.

Delivery payloads (scheduled by ``slackapp.domain.assignments``):

* ``assignment_offer``: the snapshot built by ``domain.assignments.build_offer_payload`` (assignment_id,
  template_id, title, competency_name, skill_name, why, instructions, deliverable, success_criteria,
  timebox_hours, effort_minutes, due_at ISO, learner_id, assigned_by, reviewer_id, self_practice,
  context_note, context_permalink).
* ``assignment_reminder``: assignment_id, title, number (1 or 2), due_at, not_after.

Every button on a card carries the assignment id as its value. Pure builders: no database, no Slack.

Where the builders live (this module re-exports them, the moved ids too, and keeps ``RENDERERS``):

* ``assignment_assign_modal`` — the assign modal and reading it back;
* ``assignment_card`` — the learner's card in every state, and the reminders;
* ``assignment_notices`` — messages posted because someone did something;
* ``assignment_modals`` — the decline / question / submit modals and the cancel / reassign modals;
* ``assignment_list`` — ``/coach assignments``;
* ``assignment_modal_values`` — reading modals' metadata and values; ``assignment_text`` — text helpers.
"""

from __future__ import annotations

from slackapp.ids import ASSIGNMENT_REASSIGN, CANCEL_MODAL, CANCEL_REASON, CANCEL_REASON_BLOCK, REASSIGN_MODAL
from slackapp.views.assignment_assign_modal import (
    ASSIGN_FIELD_BLOCKS,
    MAX_OPTIONS,
    NOTE_PREFILL_MAX,
    RECOMMENDED_LABEL,
    AssignForm,
    TemplateChoices,
    assign_form,
    assign_metadata,
    assign_modal,
    default_hint,
    prefill_note,
    template_choices,
)
from slackapp.views.assignment_card import (
    fallback_text,
    learner_card,
    offer_message,
    reminder_done,
    reminder_message,
    status_line,
)
from slackapp.views.assignment_list import LIST_MAX_LINES, ListItem, assignments_list
from slackapp.views.assignment_modal_values import (
    MAX_PRIVATE_METADATA,
    date_value,
    option_value,
    read_metadata,
    text_value,
    user_value,
)
from slackapp.views.assignment_modals import (
    cancel_modal,
    change_metadata,
    change_target,
    decline_modal,
    question_modal,
    reassign_modal,
    submit_modal,
)
from slackapp.views.assignment_notices import (
    cancelled_notice,
    declined_notice,
    question_in_thread,
    question_to_asked,
    reassigned_notice,
    submitted_in_thread,
)
from slackapp.views.assignment_text import STATE_WORDS, escape, quote, when
from slackapp.views.deliveries import Renderer

__all__ = [
    "ASSIGNMENT_REASSIGN", "ASSIGN_FIELD_BLOCKS", "CANCEL_MODAL", "CANCEL_REASON", "CANCEL_REASON_BLOCK",
    "LIST_MAX_LINES", "MAX_OPTIONS", "MAX_PRIVATE_METADATA", "NOTE_PREFILL_MAX", "REASSIGN_MODAL", "RECOMMENDED_LABEL",
    "RENDERERS", "STATE_WORDS", "AssignForm", "ListItem", "TemplateChoices", "assign_form", "assign_metadata",
    "assign_modal", "assignments_list", "cancel_modal", "cancelled_notice", "change_metadata", "change_target",
    "date_value", "decline_modal", "declined_notice", "default_hint", "escape", "fallback_text", "learner_card",
    "offer_message", "option_value", "prefill_note", "question_in_thread",
    "question_modal", "question_to_asked", "quote", "read_metadata", "reassign_modal", "reassigned_notice",
    "reminder_done", "reminder_message", "status_line", "submit_modal", "submitted_in_thread", "template_choices",
    "text_value", "user_value", "when",
]

RENDERERS: dict[str, Renderer] = {"assignment_offer": offer_message, "assignment_reminder": reminder_message}
