"""Micro-assignments: assign, accept, decline, ask, submit, cancel and reassign. No Slack here.

Every state change goes through ``assignment_states.transition`` (checked, recorded, counted).
The learner's DM card and the reminders before the due date are outbox deliveries:

* ``assignment_offer`` (key ``assignment-offer:{id}``): the card, payload = a snapshot of the
  template and the assignment (see ``offer_payload``). When it is sent, ``ON_SENT`` stores the
  card's channel and ts on the assignment (``card_channel``/``card_ts``): later changes update that
  card in place, and threaded replies (questions, review feedback) hang off it.
* ``assignment_reminder`` (keys ``assignment-reminder:{id}:1`` and ``:2``): one halfway between the
  assignment and its due time, one 2 working hours before it. Cancelled when the assignment is
  submitted, declined or cancelled. ``not_after`` = the due time (a reminder after it is pointless).

Each ``check_*`` function raises exactly what its action would, without writing: listeners call
it in the modal's ack to show errors beside the fields, and the action itself calls it again.

Where the code lives (this module re-exports it, and keeps ``ON_SENT``):

* ``assignment_create`` — ``create_assignment``;
* ``assignment_checks`` — limits, user messages, ``FieldError``, the ``check_*`` functions, who may
  change an assignment, due dates;
* ``assignment_answers`` — the learner's answers: accept, decline, ask a question, submit;
* ``assignment_changes`` — the assigner's changes: cancel, reassign, and leaving the team;
* ``assignment_deliveries`` — the card and reminder deliveries (kinds, keys, the card's snapshot,
  reminder times, ``remember_card``);
* ``assignment_queries`` — lookups, open assignments, practice history, the card's status.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from slackapp.db.models import Delivery
from slackapp.domain.assignment_answers import (
    SUBMITTABLE,
    accept,
    ask_question,
    check_ask,
    check_decline,
    check_submit,
    decline,
    submit,
)
from slackapp.domain.assignment_changes import (
    Reassigned,
    cancel,
    cancel_for_left_team,
    check_cancel,
    check_reassign,
    left_team,
    left_team_reason,
    reassign,
)
from slackapp.domain.assignment_checks import (
    DUE_PASSED,
    DUE_TOO_FAR,
    LEARNER_REVIEW,
    LINK_MAX,
    MAX_DUE_AHEAD,
    NOT_YOUR_REPORT,
    NOTE_MAX,
    NOTE_MISSING,
    QUESTION_MAX,
    REASON_MAX,
    RUBRIC_LEVELS,
    SELF_REVIEW,
    SUMMARY_MAX,
    WRONG_PERSON,
    FieldError,
    FieldPermissionDenied,
    can_change,
    check_can_receive,
    check_due,
    check_note,
    check_open,
    check_question,
    check_reason,
    check_reviewer,
    check_submission,
    clean_text,
    default_due,
    due_from_date,
    end_of_working_day,
)
from slackapp.domain.assignment_create import PERMALINK_MAX, create_assignment
from slackapp.domain.assignment_deliveries import (
    KINDS,
    OFFER_KIND,
    REMINDER_KIND,
    REMINDER_LEAD_HOURS,
    REMINDER_MIN_GAP,
    build_offer_payload,
    cancel_reminders,
    offer_key,
    offer_payload,
    remember_card,
    reminder_key,
    reminder_times,
    schedule_reminders,
    working_hours_before,
)
from slackapp.domain.assignment_queries import (
    CardStatus,
    asked_person,
    card_status,
    get,
    is_self_practice,
    latest_submission,
    offered_status,
    open_assigned_by,
    open_for_learner,
    practice_history,
)

__all__ = [
    "DUE_PASSED", "DUE_TOO_FAR", "KINDS", "LEARNER_REVIEW", "LINK_MAX", "MAX_DUE_AHEAD", "NOTE_MAX", "NOTE_MISSING",
    "NOT_YOUR_REPORT", "OFFER_KIND", "ON_SENT", "PERMALINK_MAX", "QUESTION_MAX", "REASON_MAX", "REMINDER_KIND",
    "REMINDER_LEAD_HOURS", "REMINDER_MIN_GAP", "RUBRIC_LEVELS", "SELF_REVIEW", "SUBMITTABLE", "SUMMARY_MAX",
    "WRONG_PERSON", "CardStatus", "FieldError", "FieldPermissionDenied", "Reassigned", "accept", "ask_question",
    "asked_person", "build_offer_payload", "can_change", "cancel", "cancel_for_left_team", "cancel_reminders",
    "card_status", "check_ask", "check_can_receive", "check_cancel", "check_decline", "check_due", "check_note",
    "check_open", "check_question", "check_reason", "check_reassign", "check_reviewer", "check_submission",
    "check_submit", "clean_text", "create_assignment", "decline", "default_due", "due_from_date",
    "end_of_working_day", "get", "is_self_practice", "latest_submission", "left_team", "left_team_reason",
    "offer_key", "offer_payload", "offered_status", "open_assigned_by", "open_for_learner", "practice_history",
    "reassign", "remember_card", "reminder_key", "reminder_times", "schedule_reminders", "submit",
    "working_hours_before",
]

ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {OFFER_KIND: remember_card}
