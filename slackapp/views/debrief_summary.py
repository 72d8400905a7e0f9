"""The peer-debrief summary and the reflection prompt (to the learner), and the reflection modal."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain import debriefs as domain
from slackapp.views.blocks import MAX_MESSAGE_BLOCKS, Message, actions, button, context, divider, header, section
from slackapp.views.debrief_text import (
    ANSWER_ACTION_PREFIX,
    ANSWER_BLOCK_PREFIX,
    _about,
    _mention,
    _people,
    escape,
    metadata,
)
from slackapp.views.deliveries import RenderContext

REFLECTION_TITLE = "Reflection"
PRIVATE_ANSWERS = "Only you can see these answers."
REFLECT_INVITE = "Want to note what you take from this? Two minutes of private reflection helps it stick."
REFLECTION_SAVED = "Saved privately. ✔"
REFLECTION_SKIPPED = "No problem — no reflection this time."
REFLECTION_PRIVATE = "Private: only you can read your reflections."


# -- the summary and the reflection prompt (to the learner) ----------------------------------------


def _answer_text(answer: dict[str, Any]) -> str:
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in escape(str(answer.get("text") or ""))
                       .splitlines())
    return f"{_mention(answer.get('peer_id'))}\n{quoted}"


def summary_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    """One page of the summary: the answers grouped by question and attributed, plus (on page 1)
    who answered and who didn't. ``domain.paginate`` keeps every page within one message."""
    answered, declined, expired = (list(payload.get(k) or []) for k in ("answered", "declined", "expired"))
    total = len(answered) + len(declined) + len(expired)
    page, pages = int(payload.get("page") or 1), int(payload.get("pages") or 1)
    headline = f"{len(answered)} of {total} colleague{'s' if total != 1 else ''} answered"
    blocks: list[Block] = []
    if page == 1:
        blocks.append(header("Your peer debrief"))
        blocks.append(section(f"About {_about(payload)}: {headline}."))
        missing = []
        if expired:
            missing.append(f"{_people(expired)} didn't answer before the deadline.")
        if declined:
            missing.append(f"{_people(declined)} declined this time.")
        if missing:
            blocks.append(context(" ".join(missing)))
    else:
        blocks.append(header(f"Your peer debrief (page {page} of {pages})"))
    if "sections" not in payload:  # re-rendered after the answers left the outbox
        blocks.append(context("The answers are in the message Flowcoach sent you earlier."))
    elif not answered and page == 1:
        blocks.append(section("Nobody answered this time — that happens. "
                              "Your own reflection is still worth two minutes."))
    else:
        for item in payload.get("sections") or []:
            blocks.append(divider())
            blocks.append(section(f"*{escape(str(item.get('question') or ''))}*"))
            given = list(item.get("answers") or [])
            blocks.extend(section(_answer_text(a)) for a in given)
            if not given:
                blocks.append(context("No answers to this question."))
    if page == pages:
        blocks.append(context(PRIVATE_ANSWERS))
    if len(blocks) > MAX_MESSAGE_BLOCKS:  # domain.paginate's budget makes this unreachable
        raise ValueError("a summary page must fit one message; paginate in the domain")
    suffix = f" (page {page} of {pages})" if pages > 1 else ""
    return Message(text=f"Your peer debrief is in: {headline}.{suffix}", blocks=blocks)


def reflect_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    return Message(text=REFLECT_INVITE, blocks=[section(REFLECT_INVITE), actions(
        button("Reflect on this", ids.DEBRIEF_ANSWER, ctx.delivery_key, style="primary"),
        button("No thanks", ids.DEBRIEF_DECLINE, ctx.delivery_key))])


def reflect_done_card(state: str) -> Message:
    text = REFLECTION_SAVED if state == "saved" else REFLECTION_SKIPPED
    return Message(text=text, blocks=[section(text)])


def reflection_modal(*, key: str, payload: dict[str, Any]) -> View:
    blocks: list[Block] = [context(f"Your reflection on the peer debrief about {_about(payload)}.")]
    for question in domain.REFLECTION_QUESTIONS:
        blocks.append(InputBlock(
            block_id=f"{ANSWER_BLOCK_PREFIX}{question.id}", label=PlainTextObject(text=question.text),
            optional=True, element=PlainTextInputElement(action_id=f"{ANSWER_ACTION_PREFIX}{question.id}",
                                                         multiline=True, max_length=3000)))
    blocks.append(context(REFLECTION_PRIVATE))
    return View(type="modal", callback_id=ids.DEBRIEF_ANSWER_MODAL, title=REFLECTION_TITLE, submit="Save",
                close="Not now", private_metadata=metadata(key), blocks=blocks)

