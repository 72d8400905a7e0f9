"""Prep nudges (before a moment), reflection prompts (after it), their modals and card updates.

Delivery payloads (scheduled by the calendar-moments work):

* ``prep``: occurrence_id, moment_id, guide_id, title, start (ISO UTC), end, event_uid, not_after
* ``reflect``: occurrence_id, moment_id, question_set_id, title, start, end, event_uid, not_after

Every button carries the delivery key in its value (``"<key>"``, or ``"undo <key>"`` for the Undo
of a muted series); the snooze select's option values are minutes and the listener finds the
delivery from the message it sits on. Content that changed since scheduling (an unknown guide or
question set) renders a useful generic message instead of failing.

Where the builders live (this module re-exports them and keeps ``RENDERERS``):

* ``nudge_values`` — values carried by buttons and modals, and the generic reflection questions;
* ``nudge_text`` — small text helpers (escaping, times, lookups, headlines, packing);
* ``nudge_cards`` — blocks shared by the cards (snooze menu, "why"), card updates and the "why" message;
* ``nudge_prep`` — the prep nudge and the full guide modal;
* ``nudge_reflection`` — the reflection prompt and its modal.
"""

from __future__ import annotations

from slackapp.views.deliveries import Renderer
from slackapp.views.nudge_cards import (
    MUTED_TEXT,
    SAVED_PRIVATE_TEXT,
    SAVED_SHARED_TEXT,
    SKIPPED_TEXT,
    SNOOZE_LABELS,
    WHY_FOOTER,
    WHY_WHAT,
    muted_card,
    saved_card,
    skipped_card,
    snooze_select,
    snoozed_card,
    why_message,
)
from slackapp.views.nudge_prep import (
    CHECKLIST_MESSAGE_SECTIONS,
    GUIDE_MODAL_TITLE,
    MISSING_GUIDE_TEXT,
    NOT_HELPFUL_THANKS,
    guide_modal,
    prep_message,
    prep_not_helpful_card,
)
from slackapp.views.nudge_reflection import MODAL_TITLE_MAX, PRIVATE_NOTE, reflect_message, reflection_modal
from slackapp.views.nudge_text import (
    REFLECT_INVITE,
    checklist_texts,
    escape,
    local_time,
    lookup,
    pack,
    prep_headline,
    reflect_headline,
)
from slackapp.views.nudge_values import (
    GENERIC_QUESTIONS,
    GENERIC_REFLECTION_TITLE,
    MAX_ANSWER_CHARS,
    MAX_BUTTON_VALUE,
    MAX_PRIVATE_METADATA,
    QUESTION_ACTION_PREFIX,
    QUESTION_BLOCK_PREFIX,
    SHARE_OPTION,
    UNDO,
    button_value,
    first_question_block,
    parse_button_value,
    reflection_answers,
    reflection_metadata,
    reflection_shared,
)

__all__ = [
    "CHECKLIST_MESSAGE_SECTIONS", "GENERIC_QUESTIONS", "GENERIC_REFLECTION_TITLE", "GUIDE_MODAL_TITLE",
    "MAX_ANSWER_CHARS", "MAX_BUTTON_VALUE", "MAX_PRIVATE_METADATA", "MISSING_GUIDE_TEXT", "MODAL_TITLE_MAX",
    "MUTED_TEXT", "NOT_HELPFUL_THANKS", "PRIVATE_NOTE", "QUESTION_ACTION_PREFIX", "QUESTION_BLOCK_PREFIX",
    "REFLECT_INVITE", "RENDERERS", "SAVED_PRIVATE_TEXT", "SAVED_SHARED_TEXT", "SHARE_OPTION", "SKIPPED_TEXT",
    "SNOOZE_LABELS", "UNDO", "WHY_FOOTER", "WHY_WHAT", "button_value", "checklist_texts", "escape",
    "first_question_block", "guide_modal", "local_time", "lookup", "muted_card", "pack", "parse_button_value",
    "prep_headline", "prep_message", "prep_not_helpful_card", "reflect_headline", "reflect_message",
    "reflection_answers", "reflection_metadata", "reflection_modal", "reflection_shared", "saved_card",
    "skipped_card", "snooze_select", "snoozed_card", "why_message",
]

RENDERERS: dict[str, Renderer] = {"prep": prep_message, "reflect": reflect_message}
