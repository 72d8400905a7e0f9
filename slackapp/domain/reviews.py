"""Reviewing micro-assignment submissions: the reviewer's card, the promised time, reminders, the verdict.

The loop (see ``docs/reviews.md``):

1. ``request_review`` — called by the assignments feature right after a submission (version 1, 2, …):
   sets ``Assignment.review_due_at`` (the promise: ``FLOWCOACH_REVIEW_HOURS`` of the reviewer's working
   hours), schedules the reviewer's card (outbox kind ``review_request``) and two reminders (kind
   ``review_reminder``: "due soon" 4 working hours before the promise, "overdue" 2 working hours after).
2. ``submit_review`` — the reviewer's verdict on the latest version: ``changes_requested`` (the learner may
   resubmit; this can happen any number of times) or ``accepted`` (state ``reviewed``, final). Records the
   Review and every transition; an accepted review marked as evidence moves competency progress
   (``slackapp.domain.evidence``); the version's reminders are cancelled.

Only the assignment's reviewer (or a program admin) may review; a second review of the same version is
``AlreadyDone``. Nothing here talks to Slack: the listener posts the feedback into the learner's DM thread.

Where the code lives (this module re-exports it, and keeps ``ON_SENT``):

* ``review_rules`` — the outbox kinds and keys, outcomes, promised hours, limits and user messages;
* ``review_content`` — the template, its rubric levels (``LevelChoice``) and the reviewer card's ``snapshot``;
* ``review_queries`` — submissions, reviews and the assignment under review (``load_assignment``);
* ``review_checks`` — ``check_reviewer``, ``reviewable_submission``, ``validate_review``;
* ``review_requests`` — ``request_review`` and ``cancel_review``;
* ``review_verdicts`` — ``submit_review``, the ``review_result`` DM, ``confirmed_now``;
* ``review_sent_cards`` — the cards that reached Slack (``sent_cards``, ``mark_cards_used``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from slackapp.db.models import Delivery
from slackapp.domain.review_checks import check_reviewer, reviewable_submission, validate_review
from slackapp.domain.review_content import LevelChoice, level_name, rubric, snapshot, template_of
from slackapp.domain.review_queries import latest_submission, latest_version, load_assignment, review_of, reviews_of
from slackapp.domain.review_requests import cancel_review, request_review
from slackapp.domain.review_rules import (
    ACCEPTED,
    ALREADY_REVIEWED,
    CHANGES_REQUESTED,
    DEFAULT_REVIEW_HOURS,
    DUE_SOON_BEFORE_HOURS,
    EVIDENCE_LEVEL,
    FALLBACK_LEVEL_NAMES,
    FEEDBACK_MAX,
    FEEDBACK_REQUIRED,
    FEEDBACK_TOO_LONG,
    GONE,
    KINDS,
    LEVEL_INVALID,
    LEVEL_REQUIRED,
    LEVELS,
    OUTCOME_REQUIRED,
    OUTCOMES,
    OVERDUE_AFTER_HOURS,
    REMINDER_STAGES,
    REVIEW_REMINDER,
    REVIEW_REQUEST,
    REVIEW_RESULT,
    STATE_AFTER,
    SUPERSEDED,
    only_reviewer_message,
    reminder_key,
    request_key,
    result_key,
)
from slackapp.domain.review_sent_cards import _remember_reviewer_card, mark_cards_used, sent_cards
from slackapp.domain.review_verdicts import confirmed_now, result_payload, schedule_result, submit_review

__all__ = [
    "ACCEPTED", "ALREADY_REVIEWED", "CHANGES_REQUESTED", "DEFAULT_REVIEW_HOURS", "DUE_SOON_BEFORE_HOURS",
    "EVIDENCE_LEVEL", "FALLBACK_LEVEL_NAMES", "FEEDBACK_MAX", "FEEDBACK_REQUIRED", "FEEDBACK_TOO_LONG", "GONE",
    "KINDS", "LEVELS", "LEVEL_INVALID", "LEVEL_REQUIRED", "ON_SENT", "OUTCOMES", "OUTCOME_REQUIRED",
    "OVERDUE_AFTER_HOURS", "REMINDER_STAGES", "REVIEW_REMINDER", "REVIEW_REQUEST", "REVIEW_RESULT", "STATE_AFTER",
    "SUPERSEDED", "LevelChoice", "cancel_review", "check_reviewer", "confirmed_now", "latest_submission",
    "latest_version", "level_name", "load_assignment", "mark_cards_used", "only_reviewer_message", "reminder_key",
    "request_key", "request_review", "result_key", "result_payload", "review_of", "reviewable_submission",
    "reviews_of", "rubric", "schedule_result", "sent_cards", "snapshot", "submit_review", "template_of",
    "validate_review",
]

ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {REVIEW_REQUEST: _remember_reviewer_card}
