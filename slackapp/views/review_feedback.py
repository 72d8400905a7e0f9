"""What the learner receives: the review's feedback, in their assignment card's thread or as its own DM."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from slackapp import ids
from slackapp.domain.review_content import level_name, template_of
from slackapp.domain.review_rules import ACCEPTED
from slackapp.views.blocks import Message, actions, button, context, section
from slackapp.views.deliveries import RenderContext
from slackapp.views.review_text import _quote, _sections, escape


def feedback_message(*, assignment_id: int, reviewer_id: str, outcome: str, level: int | None, level_label: str,
                     feedback: str, skill_name: str = "", counts_as_evidence: bool = False,
                     confirmed_competency: str | None = None, title: str | None = None) -> Message:
    """The review, for the learner: in their assignment card's thread (``title`` None) or as its own DM."""
    about = f" of *{escape(title).replace('*', '')}*" if title else ""
    rated = f" — *{escape(level_label)}* ({level} of 4)" if level is not None else ""
    if outcome == ACCEPTED:
        head = f"<@{reviewer_id}> reviewed your work{about}{rated}."
    else:
        head = f"<@{reviewer_id}> asked for changes to your work{about}{rated}."
    blocks: list[Block] = [section(head), *_sections(_quote(feedback))]
    if outcome == ACCEPTED:
        notes = []
        if counts_as_evidence:
            notes.append(f"This counts as evidence of *{escape(skill_name) or 'the skill'}*.")
        if confirmed_competency:
            notes.append(f"🎉 That confirms your competency in *{escape(confirmed_competency)}*.")
        if notes:
            blocks.append(context(" ".join(notes)))
    else:
        blocks.append(section("Make the changes, then submit again — another round is part of practising."))
        blocks.append(actions(button("Submit again", ids.ASSIGNMENT_SUBMIT, str(assignment_id), style="primary")))
    fallback = head if outcome == ACCEPTED else f"{head} Submit again when you're ready."
    return Message(text=fallback, blocks=blocks)


def review_result(payload: dict[str, Any], ctx: RenderContext) -> Message:
    template = template_of(ctx.content, payload.get("template_id"))
    level = payload.get("level")
    skill_name = ""
    finder = getattr(ctx.content, "skill", None)
    if finder is not None and payload.get("skill_id"):
        try:
            skill_name = str(finder(str(payload["skill_id"])).name)
        except (LookupError, ValueError, AttributeError):
            skill_name = ""
    title = str(getattr(template, "title", "") or "your micro-assignment")
    return feedback_message(assignment_id=int(payload.get("assignment_id") or 0),
                            reviewer_id=str(payload.get("reviewer_id")), outcome=str(payload.get("outcome")),
                            level=level if isinstance(level, int) else None,
                            level_label=level_name(template, level if isinstance(level, int) else None),
                            feedback=str(payload.get("feedback") or ""), skill_name=skill_name,
                            counts_as_evidence=bool(payload.get("counts_as_evidence")),
                            confirmed_competency=payload.get("confirmed_competency") or None,
                            title=None if payload.get("thread_ts") else title)
