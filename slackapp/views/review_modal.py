"""The review modal: rubric level, feedback with the SBI guide, the outcome and the evidence box."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain.review_content import LevelChoice, rubric, template_of
from slackapp.domain.review_rules import ACCEPTED, CHANGES_REQUESTED, EVIDENCE_LEVEL, FEEDBACK_MAX
from slackapp.views.blocks import clip, context, section
from slackapp.views.nudges import pack
from slackapp.views.review_modal_values import EVIDENCE_OPTION
from slackapp.views.review_text import _sections, _subject, _submission_blocks, escape

MODAL_TITLE = "Review"
OPTION_TEXT_MAX = 75  # Slack's limit for option text and descriptions
EVIDENCE_BLOCK_ON = f"{ids.REVIEW_EVIDENCE_BLOCK}.on"  # a new block id, so Slack applies the new default
SBI_GUIDE = ("*SBI* — *Situation*: when and where; *Behaviour*: what you observed, not a judgement; "
             "*Impact*: the effect it had. Then one thing to keep and one to try.")


def _level_option(choice: LevelChoice) -> Option:
    return Option(value=str(choice.level), text=PlainTextObject(text=clip(f"{choice.level} · {choice.name}",
                                                                          OPTION_TEXT_MAX)),
                  description=PlainTextObject(text=clip(choice.descriptor, OPTION_TEXT_MAX))
                  if choice.descriptor else None)


def _rubric_texts(levels: Sequence[LevelChoice]) -> list[str]:
    lines = [f"*{c.level} · {escape(c.name)}*" + (f" — {escape(c.descriptor)}" if c.descriptor else "")
             for c in levels]
    return pack(["*Rubric*", *lines])


def review_modal(payload: dict[str, Any], levels: Sequence[LevelChoice], *, level: int | None = None) -> View:
    """Rubric level, feedback with the SBI guide beside it, the outcome, and the evidence box.

    The level radio dispatches an action: picking a level re-renders the modal with the evidence box
    ticked by default from level 3 (under a different block id, so Slack applies the new default).
    """
    metadata = json.dumps({"assignment_id": payload.get("assignment_id"), "version": payload.get("version")})
    options = [_level_option(c) for c in levels]
    chosen = next((o for o in options if level is not None and o.value == str(level)), None)
    skill = escape(payload.get("skill_name")) or "this skill"
    evidence_on = level is not None and level >= EVIDENCE_LEVEL
    evidence_option = Option(value=EVIDENCE_OPTION, text=PlainTextObject(text=clip(f"Counts as evidence of {skill}",
                                                                                   OPTION_TEXT_MAX)),
                             description=PlainTextObject(text="Only when you accept. Usually level 3 and up."))
    blocks: list[Block] = [section(_subject(payload))]
    blocks += _submission_blocks(payload)
    blocks += _sections(_rubric_texts(levels))
    blocks += [
        InputBlock(block_id=ids.REVIEW_LEVEL_BLOCK, label=PlainTextObject(text="Rubric level"), optional=True,
                   dispatch_action=True, hint=PlainTextObject(text="Required when you accept the work."),
                   element=RadioButtonsElement(action_id=ids.REVIEW_LEVEL, options=options, initial_option=chosen)),
        InputBlock(block_id=ids.REVIEW_FEEDBACK_BLOCK, label=PlainTextObject(text="Feedback"),
                   element=PlainTextInputElement(action_id=ids.REVIEW_FEEDBACK, multiline=True,
                                                 max_length=FEEDBACK_MAX,
                                                 placeholder="What did you see, and what effect did it have?")),
        context(SBI_GUIDE),
        InputBlock(block_id=ids.REVIEW_OUTCOME_BLOCK, label=PlainTextObject(text="Outcome"),
                   element=RadioButtonsElement(action_id=ids.REVIEW_OUTCOME, options=[
                       Option(value=ACCEPTED, text=PlainTextObject(text="Accept"),
                              description=PlainTextObject(text="Done: they get your feedback and the level.")),
                       Option(value=CHANGES_REQUESTED, text=PlainTextObject(text="Request changes"),
                              description=PlainTextObject(text="They improve it and submit again.")),
                   ])),
        InputBlock(block_id=EVIDENCE_BLOCK_ON if evidence_on else ids.REVIEW_EVIDENCE_BLOCK,
                   label=PlainTextObject(text="Evidence"), optional=True,
                   element=CheckboxesElement(action_id=ids.REVIEW_EVIDENCE, options=[evidence_option],
                                             initial_options=[evidence_option] if evidence_on else None)),
    ]
    return View(type="modal", callback_id=ids.REVIEW_MODAL, title=MODAL_TITLE, submit="Send review",
                close="Cancel", private_metadata=metadata, blocks=blocks)


def levels_for(content: Any, template_id: str | None) -> tuple[LevelChoice, ...]:
    return rubric(template_of(content, template_id))
