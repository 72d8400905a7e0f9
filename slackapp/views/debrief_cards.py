"""A peer's peer-debrief cards: the prompt, the reminder, the cards after a click, and the answer modal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain import debriefs as domain
from slackapp.views.blocks import (
    Message,
    actions,
    answers_by_block_prefix,
    button,
    clip,
    context,
    first_block_id_with_prefix,
    section,
)
from slackapp.views.debrief_text import (
    ANSWER_ACTION_PREFIX,
    ANSWER_BLOCK_PREFIX,
    MODAL_TITLE,
    _about,
    _by_deadline,
    _mention,
    _questions_text,
    _short,
    metadata,
)
from slackapp.views.deliveries import RenderContext
from slackapp.views.nudge_cards import snooze_select

NOT_NOW_TEXT = "OK — I'll remind you once before the deadline."
CLOSED_TEXT = domain.CLOSED_TEXT


# -- the prompt and the reminder (to a peer) -------------------------------------------------------


def _prompt_blocks(payload: dict[str, Any], ctx: RenderContext, questions: Sequence[dict[str, Any]]) -> list[Block]:
    learner = _mention(payload.get("learner_id"))
    intro = (f"{learner} would value your perspective on {_about(payload)}. {_short(len(questions)).capitalize()} "
             f"— a few sentences each is plenty. Your answers go to {learner} only.")
    return [section(intro), section(_questions_text(questions)),
            context(f"Please answer by {_by_deadline(payload, ctx)}.")]


def prompt_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    questions = payload.get("questions") or domain.question_snapshot(None)
    key = ctx.delivery_key
    return Message(text=f"<@{payload.get('learner_id')}> asked for your perspective — {_short(len(questions))}.",
                   blocks=[*_prompt_blocks(payload, ctx, questions), actions(
                       button("Answer", ids.DEBRIEF_ANSWER, key, style="primary"),
                       button("Not now", ids.DEBRIEF_NOT_NOW, key),
                       button("Decline", ids.DEBRIEF_DECLINE, key))])


def not_now_card(payload: dict[str, Any], ctx: RenderContext, *, reminder_at: datetime | None) -> Message:
    """The prompt again, with the buttons that still make sense and what happens next."""
    questions = payload.get("questions") or domain.question_snapshot(None)
    note = NOT_NOW_TEXT if reminder_at is not None else (
        f"OK — you can still answer here until {_by_deadline(payload, ctx)}.")
    blocks = _prompt_blocks(payload, ctx, questions)
    blocks[-1] = context(note)
    return Message(text=note, blocks=[*blocks, actions(
        button("Answer", ids.DEBRIEF_ANSWER, ctx.delivery_key, style="primary"),
        button("Decline", ids.DEBRIEF_DECLINE, ctx.delivery_key))])


def reminder_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    learner = _mention(payload.get("learner_id"))
    text = (f"A reminder: {learner} would still value your perspective on {_about(payload)}. "
            f"Please answer by {_by_deadline(payload, ctx)}.")
    snooze = snooze_select(ctx, payload)
    row = [button("Answer", ids.DEBRIEF_ANSWER, ctx.delivery_key, style="primary"),
           button("Decline", ids.DEBRIEF_DECLINE, ctx.delivery_key), *([snooze] if snooze else [])]
    return Message(text=f"A reminder: {learner} would still value your perspective.",
                   blocks=[section(text), ActionsBlock(elements=row)])


def answered_card(learner_id: str) -> Message:
    text = f"Thanks — your answers went to {_mention(learner_id)} only."
    return Message(text=text, blocks=[section(text)])


def declined_card(learner_id: str) -> Message:
    text = f"No problem — thanks for letting me know. {_mention(learner_id)} will only see that you couldn't this time."
    return Message(text=text, blocks=[section(text)])


def closed_card(payload: dict[str, Any]) -> Message:
    return Message(text=CLOSED_TEXT, blocks=[
        section(CLOSED_TEXT),
        context(f"{_mention(payload.get('learner_id'))} had asked for your perspective on {_about(payload)}.")])


def answer_modal(*, key: str, payload: dict[str, Any], questions: Sequence[dict[str, Any]]) -> View:
    blocks: list[Block] = [context(f"For {_mention(payload.get('learner_id'))} only — about {_about(payload)}.")]
    for question in questions:
        hint = str(question.get("hint") or "")
        blocks.append(InputBlock(
            block_id=f"{ANSWER_BLOCK_PREFIX}{question['id']}",
            label=PlainTextObject(text=clip(str(question.get("text") or question["id"]), 2000)),
            hint=PlainTextObject(text=clip(hint, 2000)) if hint else None,
            optional=not bool(question.get("required")),
            element=PlainTextInputElement(action_id=f"{ANSWER_ACTION_PREFIX}{question['id']}", multiline=True,
                                          max_length=domain.MAX_ANSWER_CHARS)))
    return View(type="modal", callback_id=ids.DEBRIEF_ANSWER_MODAL, title=MODAL_TITLE, submit="Send",
                close="Later", private_metadata=metadata(key), blocks=blocks)


def answers_of(view: dict[str, Any]) -> dict[str, str]:
    """question id → typed answer (possibly empty) from a submitted answer or reflection modal."""
    return answers_by_block_prefix(view, ANSWER_BLOCK_PREFIX)


def first_answer_block(view: dict[str, Any]) -> str:
    return first_block_id_with_prefix(view, ANSWER_BLOCK_PREFIX, ANSWER_BLOCK_PREFIX + "answer")


