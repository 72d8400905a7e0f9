"""``/coach assignments``: the open micro-assignments a person gave (with change and cancel menus) and
the ones they are doing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, Option, PlainTextObject, StaticSelectElement

from slackapp import ids
from slackapp.views.assignment_assign_modal import MAX_OPTIONS
from slackapp.views.assignment_text import STATE_WORDS, escape, when
from slackapp.views.blocks import MAX_SECTION_TEXT, Message, clip, context, header, section

LIST_MAX_LINES = 20


@dataclass(frozen=True, slots=True)
class ListItem:
    assignment_id: int
    learner_id: str
    learner_name: str
    title: str
    state: str
    due_at: datetime


def _item_line(item: ListItem, tz: ZoneInfo, *, with_learner: bool) -> str:
    who = f"<@{item.learner_id}> — " if with_learner else ""
    return f"• {who}*{escape(item.title)}* · {STATE_WORDS.get(item.state, item.state)} · due {when(item.due_at, tz)}"


def _list_section(label: str, items: Sequence[ListItem], tz: ZoneInfo, *, with_learner: bool) -> Block:
    lines = [_item_line(item, tz, with_learner=with_learner) for item in items[:LIST_MAX_LINES]]
    if len(items) > LIST_MAX_LINES:
        lines.append(f"…and {len(items) - LIST_MAX_LINES} more (soonest due first).")
    return section(clip(f"*{label}*\n" + "\n".join(lines), MAX_SECTION_TEXT))


def _pick(action_id: str, placeholder: str, items: Sequence[ListItem]) -> StaticSelectElement:
    options = [Option(value=str(item.assignment_id), label=clip(f"{item.learner_name} · {item.title}", 75))
               for item in items[:MAX_OPTIONS]]
    return StaticSelectElement(action_id=action_id, placeholder=PlainTextObject(text=placeholder), options=options)


def assignments_list(*, given: Sequence[ListItem], mine: Sequence[ListItem], tz: ZoneInfo) -> Message:
    """The open assignments a person gave (with change and cancel menus) and the ones they are doing."""
    if not given and not mine:
        text = ("Nothing open right now. Give someone in your team practice with `/coach assign @person`, "
                "or pick your own with `/coach practice`.")
        return Message(text=text, blocks=[section(text)])
    blocks: list[Block] = [header("Open micro-assignments")]
    if given:
        blocks.append(_list_section("Assigned by you", given, tz, with_learner=True))
        blocks.append(ActionsBlock(elements=[
            _pick(ids.ASSIGNMENT_REASSIGN, "Change due date or reviewer…", given),
            _pick(ids.ASSIGNMENT_CANCEL, "Cancel one…", given),
        ]))
    if mine:
        blocks.append(_list_section("Yours to do", mine, tz, with_learner=False))
        blocks.append(context("Your cards are in your direct messages with me: submit, or ask a question, there."))
    return Message(text=f"{len(given)} assigned by you, {len(mine)} yours to do", blocks=blocks)
