"""The prep nudge (before a moment): its message, the card after "Not helpful", and the full guide modal."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.clock import parse_timestamp
from slackapp.views.blocks import MAX_SECTION_TEXT, MAX_VIEW_BLOCKS, Message, button, context, divider, header, section
from slackapp.views.deliveries import RenderContext
from slackapp.views.nudge_cards import _actions, _snooze_select, _why_blocks
from slackapp.views.nudge_text import checklist_texts, escape, local_time, lookup, pack, prep_headline
from slackapp.views.nudge_values import button_value

GUIDE_MODAL_TITLE = "Prep guide"
CHECKLIST_MESSAGE_SECTIONS = 3  # the message shows a compact checklist; the modal has everything
NOT_HELPFUL_THANKS = "Thanks — noted. This helps us make the guides better."
MISSING_GUIDE_TEXT = ("The prep guide for this meeting isn't available any more (the coaching content changed "
                      "since this was scheduled). A quick prep that always helps: decide the one outcome you want "
                      "from this meeting, and open by asking how the other person is doing.")


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
    start = parse_timestamp(payload.get("start"))
    title = str(payload.get("title") or "your meeting")
    return f"Prep for {title} ({local_time(start, ctx.tz)})" if start else f"Prep for {title}"


def prep_not_helpful_card(payload: dict[str, Any], ctx: RenderContext) -> Message:
    """The guide stays readable; the buttons give way to a thank-you line."""
    blocks, _guide = _prep_body(payload, ctx)
    blocks.append(context(NOT_HELPFUL_THANKS))
    return Message(text=_prep_fallback(payload, ctx), blocks=blocks)


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

