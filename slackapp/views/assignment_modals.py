"""The learner's modals (decline, ask a question, submit the work) and the assigner's (cancel, change
the due date or reviewer)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain.assignment_checks import LINK_MAX, QUESTION_MAX, REASON_MAX, SUMMARY_MAX
from slackapp.views.assignment_modal_values import MAX_PRIVATE_METADATA, read_metadata
from slackapp.views.assignment_text import _labelled, escape, when
from slackapp.views.blocks import clip, context

# -- the learner's modals --------------------------------------------------------------------------


def _subject(title: str) -> Block:
    return context(f"*{escape(title)}*")


def decline_modal(*, assignment_id: int, title: str, asked_name: str) -> View:
    return View(type="modal", callback_id=ids.DECLINE_MODAL, title="Decline", submit="Decline", close="Back",
                private_metadata=str(assignment_id), blocks=[
                    _subject(title),
                    InputBlock(block_id=ids.DECLINE_REASON_BLOCK,
                               label=PlainTextObject(text=clip(f"Why not? {asked_name} will see this", 2000)),
                               hint=PlainTextObject(text="Too busy right now, not the right skill, already done it… "
                                                         "An honest line helps pick something better."),
                               element=PlainTextInputElement(action_id=ids.DECLINE_REASON, multiline=True,
                                                             max_length=REASON_MAX))])


def question_modal(*, assignment_id: int, title: str, asked_name: str) -> View:
    return View(type="modal", callback_id=ids.QUESTION_MODAL, title="Ask a question", submit="Send", close="Back",
                private_metadata=str(assignment_id), blocks=[
                    _subject(title),
                    InputBlock(block_id=ids.QUESTION_BLOCK,
                               label=PlainTextObject(text=clip(f"Your question for {asked_name}", 2000)),
                               element=PlainTextInputElement(action_id=ids.QUESTION_TEXT, multiline=True,
                                                             max_length=QUESTION_MAX)),
                    context(f"{escape(asked_name)} gets it as a direct message, and it stays in this "
                            "assignment's thread for you."),
                ])


def submit_modal(*, assignment_id: int, title: str, deliverable: str, rubric: Sequence[Any], version: int) -> View:
    """What was done, a link or file reference, and a self-assessment on the template's rubric (the full
    descriptors are shown above the choice; the radio buttons carry the level names)."""
    blocks: list[Block] = [_subject(title)]
    if version > 1:
        blocks.append(context(f"This is version {version}: say what you changed after the feedback."))
    blocks.append(InputBlock(
        block_id=ids.SUBMIT_SUMMARY_BLOCK, label=PlainTextObject(text="What did you do?"),
        hint=PlainTextObject(text=clip(f"What to hand in: {deliverable}", 2000) if deliverable
                             else "A few lines: what you did, and what happened."),
        element=PlainTextInputElement(action_id=ids.SUBMIT_SUMMARY, multiline=True, max_length=SUMMARY_MAX)))
    blocks.append(InputBlock(
        block_id=ids.SUBMIT_LINK_BLOCK, label=PlainTextObject(text="Link or file reference"), optional=True,
        hint=PlainTextObject(text="A link (https://…), or where to find the file — e.g. “1:1 notes, team drive”."),
        element=PlainTextInputElement(action_id=ids.SUBMIT_LINK, max_length=LINK_MAX)))
    levels = list(rubric)[:4]
    if levels:
        rubric_text = "\n".join(f"*{lv.level} · {escape(str(lv.name))}* — {escape(str(lv.descriptor))}"
                                for lv in levels)
        blocks += _labelled("The rubric your reviewer uses", rubric_text)
        blocks.append(InputBlock(
            block_id=ids.SUBMIT_LEVEL_BLOCK, label=PlainTextObject(text="Your self-assessment"), optional=True,
            element=RadioButtonsElement(action_id=ids.SUBMIT_LEVEL, options=[
                Option(value=str(lv.level), label=clip(f"{lv.level} · {lv.name}", 75)) for lv in levels])))
    return View(type="modal", callback_id=ids.SUBMIT_MODAL, title="Submit your work", submit="Submit",
                close="Not yet", private_metadata=str(assignment_id), blocks=blocks)


# -- the assigner's modals -------------------------------------------------------------------------


def change_metadata(assignment_id: int, response_url: str | None) -> str:
    data = json.dumps({"id": assignment_id, "response_url": response_url})
    return data if len(data) <= MAX_PRIVATE_METADATA else json.dumps({"id": assignment_id})


def cancel_modal(*, assignment_id: int, title: str, learner_name: str, response_url: str | None) -> View:
    return View(type="modal", callback_id=ids.CANCEL_MODAL, title="Cancel assignment", submit="Cancel it",
                close="Keep it", private_metadata=change_metadata(assignment_id, response_url), blocks=[
                    context(f"*{escape(title)}* for {escape(learner_name)}"),
                    InputBlock(block_id=ids.CANCEL_REASON_BLOCK,
                               label=PlainTextObject(text=clip(f"Why? {learner_name} will see this", 2000)),
                               element=PlainTextInputElement(action_id=ids.CANCEL_REASON, multiline=True,
                                                             max_length=REASON_MAX)),
                ])


def reassign_modal(*, assignment_id: int, title: str, learner_name: str, due_at: datetime, tz: ZoneInfo,
                   reviewer_id: str, response_url: str | None) -> View:
    return View(type="modal", callback_id=ids.REASSIGN_MODAL, title="Change assignment", submit="Save", close="Back",
                private_metadata=change_metadata(assignment_id, response_url), blocks=[
                    context(f"*{escape(title)}* for {escape(learner_name)}"),
                    InputBlock(block_id=ids.ASSIGN_DUE_BLOCK, label=PlainTextObject(text="New due date"),
                               optional=True,
                               hint=PlainTextObject(text=clip(
                                   f"Now due {when(due_at, tz)} {learner_name}'s time. A new date means the end of "
                                   f"{learner_name}'s working day; the reminders move with it.", 2000)),
                               element=DatePickerElement(action_id=ids.ASSIGN_DUE)),
                    InputBlock(block_id=ids.ASSIGN_REVIEWER_BLOCK, label=PlainTextObject(text="Reviewer"),
                               element=UserSelectElement(action_id=ids.ASSIGN_REVIEWER, initial_user=reviewer_id)),
                ])


def change_target(view: Mapping[str, Any]) -> tuple[str, str | None]:
    """(assignment id, response_url of the list to refresh) from a cancel/reassign modal."""
    meta = read_metadata(view)
    url = meta.get("response_url")
    return str(meta.get("id") or ""), str(url) if isinstance(url, str) and url else None
