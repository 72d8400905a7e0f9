"""The reflection prompt (after a moment) and its modal."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.views.blocks import MAX_VIEW_BLOCKS, Message, button, clip, context, section
from slackapp.views.deliveries import RenderContext
from slackapp.views.nudge_cards import _actions, _snooze_select, _why_blocks
from slackapp.views.nudge_text import _title, reflect_headline
from slackapp.views.nudge_values import (
    GENERIC_QUESTIONS,
    GENERIC_REFLECTION_TITLE,
    MAX_ANSWER_CHARS,
    MAX_PRIVATE_METADATA,
    QUESTION_ACTION_PREFIX,
    QUESTION_BLOCK_PREFIX,
    SHARE_OPTION,
    button_value,
)

MODAL_TITLE_MAX = 24
PRIVATE_NOTE = ("Reflections are private by default: only you can read them. "
                "Tick the box to share this one with your manager.")


# -- reflection prompt -----------------------------------------------------------------------------


def reflect_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    key = ctx.delivery_key
    blocks: list[Block] = [
        section(reflect_headline(payload)),
        _actions(button("Reflect now", ids.REFLECT_OPEN, button_value(key), style="primary"),
                 _snooze_select(ctx, payload),
                 button("Not today", ids.REFLECT_SKIP, button_value(key))),
        *_why_blocks(key),
    ]
    return Message(text=f"How did {payload.get('title') or 'your meeting'} go?", blocks=blocks)



# -- modals ----------------------------------------------------------------------------------------


def reflection_modal(question_set: Any | None, *, delivery_key: str, occurrence_id: Any, moment_id: Any,
                     payload: dict[str, Any]) -> View:
    """One multiline answer per question, optional unless required, and the share checkbox.
    ``question_set`` None (the content changed since scheduling) uses two generic questions."""
    questions = tuple(getattr(question_set, "questions", ()) or ()) or GENERIC_QUESTIONS
    title = str(getattr(question_set, "title", "") or GENERIC_REFLECTION_TITLE)
    metadata = json.dumps({"delivery_key": delivery_key, "occurrence_id": occurrence_id, "moment_id": moment_id})
    if len(metadata) > MAX_PRIVATE_METADATA:
        raise ValueError("reflection modal metadata must fit Slack's 3,000 characters")
    blocks: list[Block] = [context(f"Reflection on *{_title(payload) or 'your meeting'}*")]
    room = MAX_VIEW_BLOCKS - 3
    for question in questions[:room]:
        blocks.append(InputBlock(
            block_id=f"{QUESTION_BLOCK_PREFIX}{question.id}",
            label=PlainTextObject(text=clip(str(question.text), 2000)),
            hint=PlainTextObject(text=clip(str(question.hint), 2000)) if getattr(question, "hint", "") else None,
            optional=not bool(getattr(question, "required", False)),
            element=PlainTextInputElement(action_id=f"{QUESTION_ACTION_PREFIX}{question.id}", multiline=True,
                                          max_length=MAX_ANSWER_CHARS),
        ))
    if len(questions) > room:
        blocks.append(context(f"(Showing the first {room} questions of this set.)"))
    blocks.append(InputBlock(
        block_id=ids.REFLECTION_SHARE_BLOCK, label=PlainTextObject(text="Sharing"), optional=True,
        element=CheckboxesElement(action_id=ids.REFLECTION_SHARE, options=[Option(
            value=SHARE_OPTION, text=PlainTextObject(text="Share this reflection with my manager"),
            description=PlainTextObject(text="Private by default — only you can read your reflections."))]),
    ))
    blocks.append(context(PRIVATE_NOTE))
    return View(type="modal", callback_id=ids.REFLECTION_MODAL, title=clip(title, MODAL_TITLE_MAX),
                submit="Save", close="Not now", private_metadata=metadata, blocks=blocks)

