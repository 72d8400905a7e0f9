"""What a manager sees of the reflections their reports chose to share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from slackapp.domain.reflections import ReflectionEntry
from slackapp.views.blocks import MAX_MESSAGE_BLOCKS, Message, clip, context, divider, header, section

NONE_SHARED = ("None of your reports has shared a reflection with you yet. Reflections are private by default; "
               "a report can choose to share one when they write it.")


def _question_text(content: Any, moment_id: str | None, question_id: str) -> str:
    try:
        rule = content.moment(moment_id) if moment_id else None
        questions = content.question_set(rule.reflection_set_id) if rule and rule.reflection_set_id else None
        return str(questions.question(question_id).text) if questions else question_id
    except (KeyError, LookupError, AttributeError):
        return question_id


def shared_reflections_message(entries: Sequence[tuple[str, ReflectionEntry]], *, content: Any,
                               tz: ZoneInfo) -> Message:
    if not entries:
        return Message(text=NONE_SHARED, blocks=[section(NONE_SHARED)])
    blocks: list[Block] = [header("Reflections shared with you")]
    for author, entry in entries:
        moment = entry.moment_id.replace("-", " ") if entry.moment_id else "a reflection"
        when = entry.created_at.astimezone(tz).strftime("%a %d %b")
        answers = "\n".join(f"*{_question_text(content, entry.moment_id, qid)}*\n>{clip(text, 600)}"
                            for qid, text in entry.answers.items())
        chunk = [divider(), section(f"<@{author}> · {moment} · {when}\n{answers}")]
        if len(blocks) + len(chunk) + 1 > MAX_MESSAGE_BLOCKS:
            break
        blocks += chunk
    blocks.append(context("Shared by their authors with you as their manager. Only you and they can see these."))
    return Message(text=f"{len(entries)} reflection(s) shared with you", blocks=blocks)
