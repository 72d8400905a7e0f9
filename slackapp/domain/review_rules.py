"""Reviews: the outbox kinds and their keys, the outcomes, the promised hours, limits and user messages."""

from __future__ import annotations

from slackapp.domain import evidence

REVIEW_REQUEST = "review_request"  # the reviewer's card
REVIEW_REMINDER = "review_reminder"  # "due soon" / "overdue"
REVIEW_RESULT = "review_result"  # the feedback DM, only when the learner's assignment card is unknown
KINDS = (REVIEW_REQUEST, REVIEW_REMINDER, REVIEW_RESULT)

ACCEPTED = "accepted"
CHANGES_REQUESTED = "changes_requested"
OUTCOMES = (ACCEPTED, CHANGES_REQUESTED)
STATE_AFTER = {ACCEPTED: "reviewed", CHANGES_REQUESTED: "changes_requested"}

DEFAULT_REVIEW_HOURS = 24
DUE_SOON_BEFORE_HOURS = 4  # working hours before the promise
OVERDUE_AFTER_HOURS = 2  # working hours after it
REMINDER_STAGES = ("due_soon", "overdue")  # reminder n = index + 1
FEEDBACK_MAX = 3000
LEVELS = (1, 2, 3, 4)
EVIDENCE_LEVEL = evidence.CONFIRMING_LEVEL  # the evidence box is ticked by default from this level
# The content convention (content/README.md), used when a template left the library since it was assigned.
FALLBACK_LEVEL_NAMES = {1: "Not yet", 2: "Developing", 3: "Proficient", 4: "Role model"}

FEEDBACK_REQUIRED = "Write your feedback — what you saw, and the effect it had."
FEEDBACK_TOO_LONG = f"Please keep the feedback under {FEEDBACK_MAX:,} characters."
LEVEL_REQUIRED = "Pick a rubric level to accept the work."
LEVEL_INVALID = "Pick one of the four rubric levels."
OUTCOME_REQUIRED = "Choose whether to accept the work or ask for changes."
ALREADY_REVIEWED = "That's already done — this submission has been reviewed."
SUPERSEDED = "A newer submission replaced this one — please review it from the newest card."
GONE = "I couldn't find that assignment any more — it may have been removed."


def request_key(assignment_id: int, version: int) -> str:
    return f"review-request:{assignment_id}:{version}"


def reminder_key(assignment_id: int, version: int, n: int) -> str:
    return f"review-reminder:{assignment_id}:{version}:{n}"


def result_key(assignment_id: int, version: int) -> str:
    return f"review-result:{assignment_id}:{version}"


def only_reviewer_message(reviewer_id: str) -> str:
    return f"Only <@{reviewer_id}> can review this."
