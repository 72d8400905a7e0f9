"""Messages and modals for peer debriefs (pure Block Kit; see docs/debriefs.md for the flow).

Every button carries the key of the delivery it sits on (offer, prompt, reminder or reflection
card); the listener finds the debrief from the key. The modals carry the same key in
``private_metadata``. Delivery payloads (scheduled by ``slackapp.domain.debriefs``):

* ``debrief_offer``: question_set_id, assignment_id, occurrence_id, competency_id, about, not_after
* ``debrief_prompt``: debrief_id, learner_id, about, deadline, not_after, questions [{id, text, hint, required}]
* ``debrief_reminder``: debrief_id, learner_id, about, deadline, not_after
* ``debrief_summary``: debrief_id, about, answered, declined, expired (peer ids), page, pages,
  sections [{question, answers [{peer_id, text}]}] (removed once sent)
* ``debrief_reflect``: debrief_id, about, answered (a count)

Where the builders live (this module re-exports them and keeps ``RENDERERS``):

* ``debrief_text`` — small helpers: escaping, names, times, questions, modal metadata;
* ``debrief_offer`` — the offer to the learner, its cards and the start modal;
* ``debrief_cards`` — a peer's prompt, reminder and cards, and the answer modal;
* ``debrief_summary`` — the summary, the reflection prompt and the reflection modal.
"""

from __future__ import annotations

from slackapp.domain import debriefs as domain
from slackapp.views.debrief_cards import (
    CLOSED_TEXT,
    NOT_NOW_TEXT,
    answer_modal,
    answered_card,
    answers_of,
    closed_card,
    declined_card,
    first_answer_block,
    not_now_card,
    prompt_message,
    reminder_message,
)
from slackapp.views.debrief_offer import (
    OFFER_DECLINED_TEXT,
    SUGGEST_OPTION,
    offer_declined_card,
    offer_message,
    offer_started_card,
    start_choice,
    start_modal,
)
from slackapp.views.debrief_summary import (
    PRIVATE_ANSWERS,
    REFLECT_INVITE,
    REFLECTION_PRIVATE,
    REFLECTION_SAVED,
    REFLECTION_SKIPPED,
    REFLECTION_TITLE,
    reflect_done_card,
    reflect_message,
    reflection_modal,
    summary_message,
)
from slackapp.views.debrief_text import (
    ANSWER_ACTION_PREFIX,
    ANSWER_BLOCK_PREFIX,
    MAX_PRIVATE_METADATA,
    MODAL_TITLE,
    by_when,
    escape,
    metadata,
    metadata_key,
    when,
)
from slackapp.views.deliveries import Renderer

__all__ = [
    "ANSWER_ACTION_PREFIX", "ANSWER_BLOCK_PREFIX", "CLOSED_TEXT", "MAX_PRIVATE_METADATA", "MODAL_TITLE",
    "NOT_NOW_TEXT", "OFFER_DECLINED_TEXT", "PRIVATE_ANSWERS", "REFLECTION_PRIVATE", "REFLECTION_SAVED",
    "REFLECTION_SKIPPED", "REFLECTION_TITLE", "REFLECT_INVITE", "RENDERERS", "SUGGEST_OPTION", "answer_modal",
    "answered_card", "answers_of", "by_when", "closed_card", "declined_card", "escape", "first_answer_block",
    "metadata", "metadata_key", "not_now_card", "offer_declined_card", "offer_message", "offer_started_card",
    "prompt_message", "reflect_done_card", "reflect_message", "reflection_modal", "reminder_message", "start_choice",
    "start_modal", "summary_message", "when",
]

RENDERERS: dict[str, Renderer] = {
    domain.OFFER_KIND: offer_message,
    domain.PROMPT_KIND: prompt_message,
    domain.REMINDER_KIND: reminder_message,
    domain.SUMMARY_KIND: summary_message,
    domain.REFLECT_KIND: reflect_message,
}
