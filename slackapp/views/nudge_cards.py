"""Blocks every nudge card shares (the snooze menu, "Why am I getting this?"), the card updates
shared by both kinds (snoozed, muted, skipped, saved) and the "why" message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, Option, PlainTextObject, StaticSelectElement

from slackapp import ids
from slackapp.domain.snooze import snooze_choices
from slackapp.views.blocks import MAX_SECTION_TEXT, Message, button, clip, context, section
from slackapp.views.deliveries import RenderContext
from slackapp.views.nudge_text import _title, local_time, prep_headline
from slackapp.views.nudge_values import UNDO, button_value

SNOOZE_LABELS = {10: "Snooze 10 min", 30: "Snooze 30 min", 60: "Snooze 1 hour"}
MUTED_TEXT = "Got it — no more nudges for this meeting series."
SKIPPED_TEXT = "No problem — no reflection this time."
SAVED_PRIVATE_TEXT = "Saved privately. ✔"
SAVED_SHARED_TEXT = "Saved. ✔ You chose to share this one with your manager."


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


# -- "why am I getting this?" ---------------------------------------------------------------------

WHY_WHAT = {"prep": "prep nudge", "reflect": "reflection prompt"}
WHY_FOOTER = "You can snooze any nudge, stop these for a meeting series, or pause me from my *Home* tab."


def why_message(kind: str, lines: Sequence[str]) -> Message:
    """The recorded decisions for one delivery, already told in plain words (``domain.explain``)."""
    title = f"*Why you got this {WHY_WHAT.get(kind, 'message')}*"
    body = "\n".join(f"• {line}" for line in lines) or "• No decisions are recorded for it yet."
    text = clip(f"{title}\n{body}\n{WHY_FOOTER}", MAX_SECTION_TEXT)
    return Message(text=text, blocks=[section(text)])
