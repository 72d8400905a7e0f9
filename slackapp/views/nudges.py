"""Prep nudges (before a moment), reflection prompts (after it), their modals and card updates.

Delivery payloads (scheduled by the calendar-moments work):

* ``prep``: occurrence_id, moment_id, guide_id, title, start (ISO UTC), end, event_uid, not_after
* ``reflect``: occurrence_id, moment_id, question_set_id, title, start, end, event_uid, not_after

Every button carries the delivery key in its value (``"<key>"``, or ``"undo <key>"`` for the Undo
of a muted series); the snooze select's option values are minutes and the listener finds the
delivery from the message it sits on. Content that changed since scheduling (an unknown guide or
question set) renders a useful generic message instead of failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain.snooze import snooze_choices
from slackapp.views.blocks import (
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
    Message,
    answers_by_block_prefix,
    button,
    clip,
    context,
    divider,
    first_block_id_with_prefix,
    header,
    section,
)
from slackapp.views.deliveries import RenderContext, Renderer

MAX_BUTTON_VALUE = 2000
MAX_PRIVATE_METADATA = 3000
MAX_ANSWER_CHARS = 3000
MODAL_TITLE_MAX = 24
GUIDE_MODAL_TITLE = "Prep guide"
CHECKLIST_MESSAGE_SECTIONS = 3  # the message shows a compact checklist; the modal has everything
QUESTION_BLOCK_PREFIX = f"{ids.REFLECTION_MODAL}.q."
QUESTION_ACTION_PREFIX = f"{ids.REFLECTION_MODAL}.a."
SHARE_OPTION = "share"
UNDO = "undo"
SNOOZE_LABELS = {10: "Snooze 10 min", 30: "Snooze 30 min", 60: "Snooze 1 hour"}

REFLECT_INVITE = "Two minutes of reflection now makes the next one better."
PRIVATE_NOTE = ("Reflections are private by default: only you can read them. "
                "Tick the box to share this one with your manager.")
NOT_HELPFUL_THANKS = "Thanks — noted. This helps us make the guides better."
MUTED_TEXT = "Got it — no more nudges for this meeting series."
SKIPPED_TEXT = "No problem — no reflection this time."
SAVED_PRIVATE_TEXT = "Saved privately. ✔"
SAVED_SHARED_TEXT = "Saved. ✔ You chose to share this one with your manager."
MISSING_GUIDE_TEXT = ("The prep guide for this meeting isn't available any more (the coaching content changed "
                      "since this was scheduled). A quick prep that always helps: decide the one outcome you want "
                      "from this meeting, and open by asking how the other person is doing.")


@dataclass(frozen=True, slots=True)
class _Question:
    """The shape of ``slackapp.content`` questions; used for the generic fallback set."""

    id: str
    text: str
    hint: str = ""
    required: bool = False


GENERIC_REFLECTION_TITLE = "Reflection"
GENERIC_QUESTIONS: tuple[_Question, ...] = (
    _Question("went-well", "What went well?"),
    _Question("next-time", "What would you do differently next time?"),
)


# -- values carried by buttons and modals ----------------------------------------------------------


def button_value(delivery_key: str, verb: str = "") -> str:
    value = f"{verb} {delivery_key}" if verb else delivery_key
    if len(value) > MAX_BUTTON_VALUE:
        raise ValueError("a delivery key must fit in a button value")
    return value


def parse_button_value(value: str | None) -> tuple[str, str]:
    """(verb, delivery key) from a button value; keys never contain the verb's leading word."""
    text = value or ""
    if text.startswith(f"{UNDO} "):
        return UNDO, text[len(UNDO) + 1:]
    return "", text


def reflection_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def reflection_answers(view: dict[str, Any]) -> dict[str, str]:
    """question id → typed answer (possibly empty) from a submitted reflection modal."""
    return answers_by_block_prefix(view, QUESTION_BLOCK_PREFIX)


def first_question_block(view: dict[str, Any]) -> str:
    return first_block_id_with_prefix(view, QUESTION_BLOCK_PREFIX, QUESTION_BLOCK_PREFIX + GENERIC_QUESTIONS[0].id)


def reflection_shared(view: dict[str, Any]) -> bool:
    values = ((view.get("state") or {}).get("values")) or {}
    chosen = ((values.get(ids.REFLECTION_SHARE_BLOCK) or {}).get(ids.REFLECTION_SHARE) or {})
    return any(o.get("value") == SHARE_OPTION for o in chosen.get("selected_options") or [])


# -- small text helpers ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """Calendar titles are untrusted: no links, mentions or broken formatting in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*", "").strip()


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def _when(start: datetime, ctx: RenderContext) -> str:
    local, today = start.astimezone(ctx.tz), ctx.now.astimezone(ctx.tz).date()
    if local.date() == today:
        return f"at {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {local:%H:%M}"
    return f"on {local:%a %d %b} at {local:%H:%M}"


def lookup(content: Any, kind: str, item_id: Any) -> Any | None:
    """``content.<kind>(item_id)`` or None when the library has no such item (any more)."""
    finder = getattr(content, kind, None)
    if not item_id or finder is None:
        return None
    try:
        return finder(str(item_id))
    except (LookupError, ValueError):
        return None


def _moment_label(content: Any, moment_id: Any) -> str:
    moment = lookup(content, "moment", moment_id)
    name = str(getattr(moment, "name", "") or "").strip()
    if not name:
        return "meeting"
    return name[0].lower() + name[1:] if name[1:2].islower() else name


def _title(payload: dict[str, Any]) -> str:
    return escape(clip(str(payload.get("title") or ""), 200))


def prep_headline(payload: dict[str, Any], ctx: RenderContext) -> str:
    label, title = _moment_label(ctx.content, payload.get("moment_id")), _title(payload)
    start = _parse_time(payload.get("start"))
    subject = f"Your {label} *{title}*" if title else f"Your {label}"
    return f"{subject} starts {_when(start, ctx)}." if start else f"{subject} is coming up."


def reflect_headline(payload: dict[str, Any]) -> str:
    title = _title(payload)
    subject = f"*{title}*" if title else "your meeting"
    return f"How did {subject} go? {REFLECT_INVITE}"


def pack(paragraphs: Iterable[str], limit: int = MAX_SECTION_TEXT, sep: str = "\n") -> list[str]:
    """Join paragraphs into texts of at most ``limit`` characters, splitting over-long ones at spaces."""
    chunks: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _split_long(paragraph, limit):
            candidate = f"{current}{sep}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _split_long(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def checklist_texts(checklist: Sequence[str]) -> list[str]:
    return pack(f"• {item}" for item in checklist)


# -- blocks shared by the cards --------------------------------------------------------------------


def _snooze_select(ctx: RenderContext, payload: dict[str, Any]) -> StaticSelectElement | None:
    minutes = snooze_choices(key=ctx.delivery_key, payload=payload, now=ctx.now)
    if not minutes:
        return None
    return StaticSelectElement(placeholder=PlainTextObject(text="Snooze…"), action_id=ids.NUDGE_SNOOZE,
                               options=[Option(value=str(m), label=SNOOZE_LABELS.get(m, f"Snooze {m} min"))
                                        for m in minutes])


def _why_blocks(delivery_key: str) -> list[Block]:
    return [ActionsBlock(elements=[button("Why am I getting this?", ids.WHY_THIS, button_value(delivery_key))])]


def _actions(*elements: ButtonElement | StaticSelectElement | None) -> ActionsBlock:
    return ActionsBlock(elements=[e for e in elements if e is not None])


# -- prep nudge ------------------------------------------------------------------------------------


def _prep_body(payload: dict[str, Any], ctx: RenderContext) -> tuple[list[Block], Any | None]:
    guide = lookup(ctx.content, "guide", payload.get("guide_id"))
    blocks: list[Block] = [section(prep_headline(payload, ctx))]
    if guide is None:
        blocks.append(section(MISSING_GUIDE_TEXT))
        return blocks, None
    if getattr(guide, "summary", ""):
        blocks.append(section(str(guide.summary)))
    checklist = checklist_texts(tuple(getattr(guide, "checklist", ()) or ()))
    for index, text in enumerate(checklist[:CHECKLIST_MESSAGE_SECTIONS]):
        blocks.append(section(f"*Checklist*\n{text}" if index == 0 and len(text) < MAX_SECTION_TEXT - 20 else text))
    if len(checklist) > CHECKLIST_MESSAGE_SECTIONS:
        blocks.append(context("…and more in the full guide."))
    return blocks, guide


def prep_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    blocks, guide = _prep_body(payload, ctx)
    key = ctx.delivery_key
    row = _actions(
        button("Open full guide", ids.PREP_OPEN_GUIDE, button_value(key), style="primary") if guide else None,
        button("Not helpful", ids.PREP_NOT_HELPFUL, button_value(key)) if guide else None,
        _snooze_select(ctx, payload),
        button("Stop these for this meeting series", ids.MUTE_SERIES, button_value(key))
        if payload.get("event_uid") else None,
    )
    if row.elements:  # Slack rejects an actions block with no elements
        blocks.append(row)
    blocks.extend(_why_blocks(key))
    return Message(text=_prep_fallback(payload, ctx), blocks=blocks)


def _prep_fallback(payload: dict[str, Any], ctx: RenderContext) -> str:
    start = _parse_time(payload.get("start"))
    title = str(payload.get("title") or "your meeting")
    return f"Prep for {title} ({local_time(start, ctx.tz)})" if start else f"Prep for {title}"


def prep_not_helpful_card(payload: dict[str, Any], ctx: RenderContext) -> Message:
    """The guide stays readable; the buttons give way to a thank-you line."""
    blocks, _guide = _prep_body(payload, ctx)
    blocks.append(context(NOT_HELPFUL_THANKS))
    return Message(text=_prep_fallback(payload, ctx), blocks=blocks)


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


# -- card updates shared by both kinds -------------------------------------------------------------


def _subject_line(kind: str, payload: dict[str, Any], ctx: RenderContext) -> str:
    if kind == "prep":
        return prep_headline(payload, ctx)
    if kind == "reflect":
        return f"Reflection on *{_title(payload) or 'your meeting'}*"
    return f"Reminder about *{_title(payload) or 'your task'}*"


def snooze_select(ctx: RenderContext, payload: dict[str, Any]) -> StaticSelectElement | None:
    """The snooze menu every nudge carries (None when no snooze fits before ``not_after``)."""
    return _snooze_select(ctx, payload)


def snoozed_card(kind: str, payload: dict[str, Any], ctx: RenderContext, *, until: datetime) -> Message:
    text = f"Snoozed — I'll remind you at {local_time(until, ctx.tz)}."
    return Message(text=text, blocks=[section(text), context(_subject_line(kind, payload, ctx))])


def muted_card(delivery_key: str) -> Message:
    return Message(text=MUTED_TEXT, blocks=[
        section(MUTED_TEXT),
        ActionsBlock(elements=[button("Undo", ids.MUTE_SERIES, button_value(delivery_key, UNDO))]),
    ])


def skipped_card(payload: dict[str, Any]) -> Message:
    return Message(text=SKIPPED_TEXT, blocks=[section(SKIPPED_TEXT),
                                              context(f"Reflection on *{_title(payload) or 'your meeting'}*")])


def saved_card(payload: dict[str, Any], *, shared: bool) -> Message:
    text = SAVED_SHARED_TEXT if shared else SAVED_PRIVATE_TEXT
    return Message(text=text, blocks=[section(text), context(f"Reflection on *{_title(payload) or 'your meeting'}*")])


# -- modals ----------------------------------------------------------------------------------------


def guide_modal(guide: Any) -> View:
    """The full guide: its title, summary, checklist and every section, within Slack's limits (3,000
    characters a section, 100 blocks a view); a guide too long for one window says so at the end.
    Guide titles can be longer than a modal title (24 characters), so the title is a header block."""
    blocks: list[Block] = [header(str(guide.title))]
    if getattr(guide, "summary", ""):
        blocks.append(section(str(guide.summary)))
    checklist = checklist_texts(tuple(getattr(guide, "checklist", ()) or ()))
    if checklist:
        blocks.append(section("*Checklist*"))
        blocks.extend(section(text) for text in checklist)
    for part in getattr(guide, "sections", ()) or ():
        blocks.append(divider())
        heading, body = escape(str(part.heading)), str(part.body)
        texts = pack(body.split("\n\n"), sep="\n\n")
        if texts and len(heading) + len(texts[0]) + 4 <= MAX_SECTION_TEXT:
            texts[0] = f"*{heading}*\n{texts[0]}"
        else:
            texts.insert(0, f"*{heading}*")
        blocks.extend(section(text) for text in texts)
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = [*blocks[: MAX_VIEW_BLOCKS - 1],
                  context("This guide is longer than one Slack window can show; the rest is in the content "
                          f"library (guide `{escape(str(guide.id))}`).")]
    return View(type="modal", callback_id=ids.GUIDE_MODAL, title=GUIDE_MODAL_TITLE, close="Close", blocks=blocks)


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


# -- "why am I getting this?" ---------------------------------------------------------------------

WHY_WHAT = {"prep": "prep nudge", "reflect": "reflection prompt"}
WHY_FOOTER = "You can snooze any nudge, stop these for a meeting series, or pause me from my *Home* tab."


def why_message(kind: str, lines: Sequence[str]) -> Message:
    """The recorded decisions for one delivery, already told in plain words (``domain.explain``)."""
    title = f"*Why you got this {WHY_WHAT.get(kind, 'message')}*"
    body = "\n".join(f"• {line}" for line in lines) or "• No decisions are recorded for it yet."
    text = clip(f"{title}\n{body}\n{WHY_FOOTER}", MAX_SECTION_TEXT)
    return Message(text=text, blocks=[section(text)])


RENDERERS: dict[str, Renderer] = {"prep": prep_message, "reflect": reflect_message}
