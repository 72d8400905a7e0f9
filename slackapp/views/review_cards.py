"""The reviewer's card (before and after the verdict, or superseded) and the review reminders."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from slackapp import ids
from slackapp.clock import parse_timestamp
from slackapp.domain.review_rules import ACCEPTED
from slackapp.views.blocks import Message, actions, button, context, section
from slackapp.views.deliveries import RenderContext
from slackapp.views.nudges import snooze_select
from slackapp.views.review_modal_values import review_button_value
from slackapp.views.review_text import (
    _skill_line,
    _subject,
    _submission_blocks,
    _title,
    escape,
    local_when,
    review_by_line,
)

SUPERSEDED_TEXT = "Superseded by a new submission"
REVIEWED_PREFIX = "Reviewed ✔"


def review_request_card(payload: dict[str, Any], ctx: RenderContext) -> Message:
    skill = _skill_line(payload)
    blocks: list[Block] = [section(_subject(payload))]
    if skill:
        blocks.append(context(skill))
    blocks += _submission_blocks(payload)
    blocks.append(context(review_by_line(payload, ctx)))
    value = review_button_value(int(payload.get("assignment_id") or 0), int(payload.get("version") or 1))
    blocks.append(actions(button("Review", ids.REVIEW_OPEN, value, style="primary")))
    learner = f"<@{payload.get('learner_id')}>"
    text = f"{learner} submitted “{_title(payload)}” for your review. {review_by_line(payload, ctx)}"
    return Message(text=text, blocks=blocks)


def reviewed_status(*, outcome: str, level_label: str, learner_id: str) -> str:
    if outcome == ACCEPTED:
        level = f" {escape(level_label)}" if level_label else ""
        return f"{REVIEWED_PREFIX}{level} — feedback sent to <@{learner_id}>"
    return f"Changes requested — sent to <@{learner_id}>"


def reviewed_card(payload: dict[str, Any], *, outcome: str, level_label: str, counts_as_evidence: bool) -> Message:
    """The reviewer card after the verdict: what it was about, the verdict, no buttons."""
    status = reviewed_status(outcome=outcome, level_label=level_label, learner_id=str(payload.get("learner_id")))
    blocks: list[Block] = [section(_subject(payload)), section(f"*{status}*")]
    if counts_as_evidence:
        blocks.append(context(f"Counts as evidence of *{escape(payload.get('skill_name')) or 'the skill'}*."))
    return Message(text=status, blocks=blocks)


def superseded_card(payload: dict[str, Any], *, newer_version: int) -> Message:
    text = f"{SUPERSEDED_TEXT} (version {newer_version}) — please review it from the newer card."
    return Message(text=text, blocks=[section(_subject(payload)), context(text)])


def reminder_done_card(payload: dict[str, Any], status: str) -> Message:
    text = f"Review of <@{payload.get('learner_id')}>'s *{_title(payload)}*: {status}"
    return Message(text=text, blocks=[context(text)])


def review_reminder(payload: dict[str, Any], ctx: RenderContext) -> Message:
    learner, title = f"<@{payload.get('learner_id')}>", _title(payload)
    due = parse_timestamp(payload.get("review_due_at"))
    when = local_when(due, ctx.tz) if due else "soon"
    if payload.get("stage") == "overdue":
        text = (f"The review of {learner}'s *{title}* is overdue — it was due {when}. "
                "Feedback while the work is fresh helps most; a few lines are enough.")
    else:
        text = f"Reminder: {learner} is waiting for your review of *{title}* — due {when}."
    value = review_button_value(int(payload.get("assignment_id") or 0), int(payload.get("version") or 1))
    snooze = snooze_select(ctx, payload)
    row = [button("Review", ids.REVIEW_OPEN, value, style="primary"), *([snooze] if snooze else [])]
    return Message(text=text, blocks=[section(text), ActionsBlock(elements=row)])
